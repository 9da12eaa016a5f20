import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLIENT_IMAGE, SERVER_IMAGE } from '../../samples/common/catalog';
import { imageBuildPlan } from '../../samples/images/index';
import {
  bundledNpmVersion, containerdImageLabels, debianMirror, nodeImageArgDefault, optionsFromArgs, parseDeb822Sources, parseNodeBase,
  parseOneLineSources,
} from './images';
import { qualifiedImageName } from '../../extension/core/toolchain/imageLoaders';
import { ETCD_IMAGE } from '../../manifests/index';
import { ETCD_PROGRAM, PROGRAMS } from './build';
import { CONTAINERD_SOCKET, PAUSE_IMAGE } from './rig';

test('image names are qualified the way CRI looks them up', () => {
  assert.equal(qualifiedImageName(SERVER_IMAGE), `docker.io/${SERVER_IMAGE}`);
  assert.equal(qualifiedImageName(CLIENT_IMAGE), `docker.io/${CLIENT_IMAGE}`);
  assert.equal(qualifiedImageName('node:20.20.0-bookworm-slim'), 'docker.io/library/node:20.20.0-bookworm-slim');
  assert.equal(qualifiedImageName(PAUSE_IMAGE), PAUSE_IMAGE);
  assert.equal(qualifiedImageName('localhost/x'), 'localhost/x:latest');
  assert.equal(qualifiedImageName('registry:5000/a/b'), 'registry:5000/a/b:latest');
  assert.equal(qualifiedImageName('busybox'), 'docker.io/library/busybox:latest');
});

test('both Dockerfiles default NODE_IMAGE to one node:<version>-<suite>-slim, which names the Node and Debian release to build', () => {
  const defaults = imageBuildPlan().map((b) => nodeImageArgDefault(readFileSync(join(b.context, b.dockerfile), 'utf8')));
  assert.equal(new Set(defaults).size, 1);
  const base = parseNodeBase(defaults[0]!);
  assert.ok(base, String(defaults[0]));
  // A Node LTS line still supported today (end of life from https://github.com/nodejs/Release): the images must
  // not ship a runtime without security fixes. The test fails on the day the pinned line reaches its end.
  const endOfLife: Record<string, string> = { '22': '2027-04-30', '24': '2028-04-30' };
  const major = base.nodeVersion.split('.')[0]!;
  assert.ok(endOfLife[major], `Node ${base.nodeVersion} is not a supported LTS line (${Object.keys(endOfLife).join(', ')})`);
  assert.ok(new Date() < new Date(endOfLife[major]!), `Node ${major} reached its end of life on ${endOfLife[major]}`);
  assert.equal(base.suite, 'bookworm');
  assert.equal(parseNodeBase('node:20-alpine'), undefined);
  // the digest pins Docker Hub's bytes; the rig's local base goes by the tag alone
  assert.equal(parseNodeBase(`node:24.18.1-bookworm-slim@sha256:${'a'.repeat(64)}`)?.image, 'node:24.18.1-bookworm-slim');
  assert.equal(parseNodeBase('node:24.18.1-bookworm-slim@sha256:short'), undefined);
});

test('the Dockerfiles name no floating frontend image (# syntax=…): the builder\'s own parser builds them', () => {
  for (const b of imageBuildPlan()) {
    assert.doesNotMatch(readFileSync(join(b.context, b.dockerfile), 'utf8'), /^#\s*syntax\s*=/im, b.dockerfile);
  }
});

test('the Debian mirror comes from the apt sources, deb822 or one-line, skipping security and disabled entries', () => {
  const deb822 = parseDeb822Sources(`Types: deb
# http://snapshot.debian.org/archive/debian/20250520T000000Z
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: http://deb.debian.org/debian-security
Suites: bookworm-security
Components: main

Types: deb
URIs: http://mirror.example/debian
Suites: bookworm
Components: main
Enabled: no
`);
  assert.equal(deb822.length, 2);
  assert.equal(debianMirror(deb822, 'bookworm'), 'http://deb.debian.org/debian');
  const oneLine = parseOneLineSources(`# a comment
deb-src http://src.example/debian bookworm main
deb [arch=amd64 signed-by=/k.gpg] http://security.debian.org/debian-security bookworm-security main
deb http://ftp.example.org/debian/ trixie main contrib
`);
  assert.equal(oneLine.length, 2);
  // no source names bookworm: any Debian main archive (not security) serves it
  assert.equal(debianMirror(oneLine, 'bookworm'), 'http://ftp.example.org/debian');
  assert.equal(debianMirror([], 'bookworm'), undefined);
});

test("the npm a Node release bundles is the changelog's last npm upgrade at or before that release", () => {
  const changelog = `# Node.js 20 ChangeLog
<a id="20.20.0"></a>
## 2026-01-13, Version 20.20.0
* **deps**: update undici to 6.23.0
<a id="20.17.0"></a>
## Version 20.17.0
* \\[[\`2f66c7e707\`](x)] - **deps**: upgrade npm to 10.8.2 (npm team)
<a id="20.16.0"></a>
* \\[[\`0c8fcceefa\`](x)] - **deps**: upgrade npm to 10.8.1 (npm team)
`;
  assert.equal(bundledNpmVersion(changelog, '20.20.0'), '10.8.2');
  assert.equal(bundledNpmVersion(changelog, '20.16.0'), '10.8.1');
  assert.equal(bundledNpmVersion(changelog, '22.0.0'), undefined);
});

test('labels are read from the last column of `ctr images ls`', () => {
  const listing = `REF                                      TYPE                                       DIGEST      SIZE      PLATFORMS   LABELS
docker.io/grpc-lb-lab/greeter-server:dev application/vnd.oci.image.manifest.v1+json sha256:17 69.9 MiB  linux/amd64 io.cri-containerd.image=managed,io.grpc-lb-lab.rig.buildah-image-id=f9d6
registry.k8s.io/pause:3.10               application/vnd.oci.image.manifest.v1+json sha256:e6 740.2 KiB linux/amd64 -
`;
  assert.deepEqual(containerdImageLabels(listing, 'docker.io/grpc-lb-lab/greeter-server:dev'), {
    'io.cri-containerd.image': 'managed',
    'io.grpc-lb-lab.rig.buildah-image-id': 'f9d6',
  });
  assert.deepEqual(containerdImageLabels(listing, PAUSE_IMAGE), {});
  assert.equal(containerdImageLabels(listing, 'docker.io/grpc-lb-lab/greeter-client:dev'), undefined);
});

test('CLI options: the rig socket by default, --address and --no-cache, anything else refused', () => {
  assert.deepEqual(optionsFromArgs([]), { containerdAddress: CONTAINERD_SOCKET });
  assert.deepEqual(optionsFromArgs(['--address', '/tmp/c.sock', '--no-cache']), { containerdAddress: '/tmp/c.sock', noCache: true });
  assert.throws(() => optionsFromArgs(['--address']), /usage/);
  assert.throws(() => optionsFromArgs(['--force']), /usage/);
});

test("the etcd image is the release ETCD_IMAGE names: scripts/cluster/etcd requires etcd's server and etcdctl modules at that tag, built static", () => {
  const tag = /:(v\d+\.\d+\.\d+)$/.exec(ETCD_IMAGE)?.[1];
  assert.ok(tag, ETCD_IMAGE);
  const goMod = readFileSync(join(__dirname, ETCD_PROGRAM.module, 'go.mod'), 'utf8');
  // Both etcd's server and etcdctl (the image answers to either name) come from the same release.
  const version = tag.replace(/\./g, '\\.');
  for (const module of ['server', 'etcdctl']) {
    assert.match(goMod, new RegExp(`^(require )?\\s*go\\.etcd\\.io/etcd/${module}/v3 ${version}$`, 'm'));
  }
  assert.equal(ETCD_PROGRAM.env?.CGO_ENABLED, '0');
  assert.ok(PROGRAMS.includes(ETCD_PROGRAM));
  assert.equal(qualifiedImageName(ETCD_IMAGE), ETCD_IMAGE, 'a registry-qualified name: CRI looks it up as it is');
});
