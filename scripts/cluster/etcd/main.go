// Command etcd is the etcd chapter's registry, built here because no image can
// be pulled: the etcd server of the release manifests/index.ts pins
// (ETCD_IMAGE), from its Go module. This is what upstream's own main package
// (go.etcd.io/etcd/server/v3, server/main.go) is: a call of etcdmain.Main.
//
// scripts/cluster/images.ts puts the static binary (CGO_ENABLED=0, as
// upstream's scripts/build_lib.sh builds it) at /usr/local/bin/etcd of an image
// named ETCD_IMAGE. etcd reports its version from go.etcd.io/etcd/api/v3/version,
// a constant of the module; only the Git SHA, which upstream stamps with
// -ldflags, reads "Not provided".
//
// Called as etcdctl (the image links /usr/local/bin/etcdctl to it) it is
// upstream's etcdctl of the same release, as in upstream's image: the etcd
// workbook's `kubectl exec deployment/etcd -- etcdctl get --prefix …` works.
package main

import (
	"os"
	"path/filepath"

	"go.etcd.io/etcd/etcdctl/v3/ctlv3"
	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() {
	if filepath.Base(os.Args[0]) == "etcdctl" {
		ctlv3.MustStart()
		return
	}
	etcdmain.Main(os.Args)
}
