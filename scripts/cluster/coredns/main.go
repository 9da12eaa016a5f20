// Command coredns is the lab cluster's DNS: CoreDNS built from its Go module
// with only the plugins a cluster DNS needs, instead of the all-plugin bundle
// (github.com/coredns/coredns/core/plugin), which drags in every cloud
// provider's SDK and makes the build several times larger and slower.
//
// The cluster DNS answers cluster.local only and never forwards upstream
// (there is no upstream), so there is no forward plugin here: a Corefile that
// names it fails at startup with "Unknown directive 'forward'".
//
// It runs on the host as a process, not in a pod, so the kubernetes plugin
// must be told how to reach the API server with `kubeconfig PATH [CONTEXT]`
// (or `endpoint URL` + `tls CERT KEY CACERT`); see README.md.
package main

import (
	"github.com/coredns/coredns/core/dnsserver"
	"github.com/coredns/coredns/coremain"

	// The plugins this build registers. Keep in step with directives below.
	_ "github.com/coredns/coredns/plugin/bind"
	_ "github.com/coredns/coredns/plugin/cache"
	_ "github.com/coredns/coredns/plugin/errors"
	_ "github.com/coredns/coredns/plugin/health"
	_ "github.com/coredns/coredns/plugin/kubernetes"
	_ "github.com/coredns/coredns/plugin/loadbalance"
	_ "github.com/coredns/coredns/plugin/log"
	_ "github.com/coredns/coredns/plugin/loop"
	_ "github.com/coredns/coredns/plugin/metrics"
	_ "github.com/coredns/coredns/plugin/ready"
	_ "github.com/coredns/coredns/plugin/reload"
	_ "github.com/coredns/coredns/plugin/whoami"
)

// directives is the subset of CoreDNS v1.15.0's core/dnsserver/zdirectives.go
// this build carries, in that file's order: the order is the order a query
// passes through the plugins, whatever the order in the Corefile.
// "prometheus" is the directive of the metrics plugin; "bind" pins the
// listeners to given addresses (without it a server block listens on every
// interface).
var directives = []string{
	"reload",
	"bind",
	"ready",
	"health",
	"prometheus",
	"errors",
	"log",
	"loadbalance",
	"cache",
	"kubernetes",
	"loop",
	"whoami",
}

func init() {
	if err := dnsserver.SetDirectives(directives); err != nil {
		panic(err)
	}
}

func main() {
	coremain.Run()
}
