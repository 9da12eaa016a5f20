/**
 * `npm run cluster:up` — assembles and starts the rig: a one-node Kubernetes from upstream parts, as
 * root. etcd, containerd, runc and the CNI plugins come from Debian; kube-apiserver,
 * kube-controller-manager, kube-scheduler, kubelet, kube-proxy and kubectl from one binary built from
 * the Go module proxy (scripts/cluster/rig); CoreDNS from its Go module (scripts/cluster/coredns).
 * Idempotent: what runs is reused. Progress and timings go to stderr; the last line on stdout is
 * `export KUBECONFIG=<path>`, so `eval "$(npm run -s cluster:up | tail -n 1)"` sets a shell up. The
 * user's own kubeconfig is left alone unless `-- --merge-kubeconfig` asks for the context in it.
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { request } from 'node:http';
import { dirname, join } from 'node:path';
import { binaryPath, buildAll } from './build';
import {
  BENCHMARK_RANGE, CNI_BIN_DIR, CNI_CONF_DIR, CONFIG_DIR, COREDNS_READY_URL, ETCD_CLIENT_URL, ETCD_PEER_URL, KUBELET_HEALTHZ_URL, KUBELET_ROOT,
  PROXY_HEALTHZ_URL, addonsYaml, apiServerArgs, cniConfig, containerdConfig, corefile, kubeProxyConfig, kubeletConfig,
} from './config';
import { buildClusterImages } from './images';
import { IDENTITIES, PKI_DIR, ensurePki, kubeconfigPath, pkiFile } from './pki';
import { ensureProcess, readRecord, waitFor, writeRecord, type RigRecord } from './processes';
import {
  BRIDGE, BRIDGE_ADDRESS, CONTAINERD_SOCKET, CONTEXT, KUBECONFIG_PATH, KUBERNETES_VERSION, NODE_NAME, POD_CIDR, RUN_DIR,
  SERVICE_CIDR, STATE_DIR, run, step, tryRun,
} from './rig';

/** Host tools and the Debian package that brings each. */
const HOST_TOOLS: ReadonlyArray<[path: string, pkg: string]> = [
  ['etcd', 'etcd-server'],
  ['containerd', 'containerd'],
  ['ctr', 'containerd'],
  ['runc', 'runc'],
  [join(CNI_BIN_DIR, 'bridge'), 'containernetworking-plugins'],
  ['iptables', 'iptables'],
  ['ip', 'iproute2'],
  ['openssl', 'openssl'],
  ['buildah', 'buildah'],
  ['debootstrap', 'debootstrap'],
];

/**
 * Kernel settings the rig needs or its components change (the kubelet sets its "kernel tunables"),
 * each recorded before the first change so `cluster:down` puts it back.
 */
const SYSCTLS: Record<string, string | undefined> = {
  'net.ipv4.ip_forward': '1',
  'net.bridge.bridge-nf-call-iptables': '1',
  'vm.overcommit_memory': undefined,
  'vm.panic_on_oom': undefined,
  'kernel.panic': undefined,
  'kernel.panic_on_oops': undefined,
  'kernel.keys.root_maxkeys': undefined,
  'kernel.keys.root_maxbytes': undefined,
};

/** Our own FORWARD guard: with ip_forward on, nothing from or to the pod range crosses the machine's edge. */
export const FORWARD_CHAIN = 'GRPCLB-RIG-FORWARD';

const rigBinary = (): string => binaryPath('rig');
export const kubectl = (args: string[]): Promise<{ stdout: string }> =>
  run(rigBinary(), ['kubectl', `--kubeconfig=${KUBECONFIG_PATH}`, ...args]);

function which(tool: string): boolean {
  if (tool.startsWith('/')) return existsSync(tool);
  return (process.env.PATH ?? '').split(':').some((dir) => dir && existsSync(join(dir, tool)));
}

async function preflight(): Promise<void> {
  if (process.platform !== 'linux') throw new Error('cluster:up needs Linux (namespaces, cgroups, overlayfs, bridge, netfilter).');
  if (process.getuid?.() !== 0) throw new Error('cluster:up needs root: it starts containerd and the kubelet and sets up a bridge. Run it with sudo.');
  if (!which('go')) throw new Error('cluster:up builds Kubernetes from the Go module proxy and needs Go ≥ 1.24 on PATH (https://go.dev/doc/install).');
  const missing = [...new Set(HOST_TOOLS.filter(([tool]) => !which(tool)).map(([, pkg]) => pkg))];
  if (missing.length === 0) return;
  if (!which('apt-get')) throw new Error(`cluster:up needs these Debian packages (or your distribution's equivalent): ${missing.join(' ')}`);
  await step(`installing ${missing.join(' ')} (apt-get)`, async () => {
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    await run('apt-get', ['update', '-q'], { env });
    await run('apt-get', ['install', '-y', '-q', '--no-install-recommends', ...missing], { env });
  });
  // Debian starts a system etcd on 2379 with its package; the rig runs its own on other ports.
  await tryRun('systemctl', ['disable', '--now', 'etcd']);
}

/**
 * Writes a component's configuration only when it changed, and says so: kube-proxy exits when its
 * file is rewritten, and a changed file means the component must restart to read it.
 */
function writeConfig(path: string, text: string): boolean {
  if (existsSync(path) && readFileSync(path, 'utf8') === text) return false;
  writeFileSync(path, text);
  return true;
}

function readSysctl(key: string): string {
  return readFileSync(`/proc/sys/${key.replaceAll('.', '/')}`, 'utf8').trim();
}

async function setupHostNetwork(record: RigRecord): Promise<void> {
  for (const [key, value] of Object.entries(SYSCTLS)) {
    if (!(key in record.sysctls)) record.sysctls[key] = readSysctl(key);
    if (value !== undefined && readSysctl(key) !== value) await run('sysctl', ['-q', '-w', `${key}=${value}`]);
  }
  if (!(await tryRun('ip', ['link', 'show', BRIDGE]))) {
    await run('ip', ['link', 'add', BRIDGE, 'type', 'bridge']);
    if (!record.links.includes(BRIDGE)) record.links.push(BRIDGE);
  }
  const prefix = POD_CIDR.split('/')[1];
  const addresses = (await run('ip', ['-4', '-o', 'addr', 'show', 'dev', BRIDGE])).stdout;
  if (!addresses.includes(`${BRIDGE_ADDRESS}/${prefix}`)) await run('ip', ['addr', 'add', `${BRIDGE_ADDRESS}/${prefix}`, 'dev', BRIDGE]);
  await run('ip', ['link', 'set', BRIDGE, 'up']);
  if (!(await tryRun('iptables', ['-w', '-n', '-L', FORWARD_CHAIN]))) {
    await run('iptables', ['-w', '-N', FORWARD_CHAIN]);
    await run('iptables', ['-w', '-A', FORWARD_CHAIN, '-s', POD_CIDR, '!', '-d', BENCHMARK_RANGE, '-j', 'DROP']);
    await run('iptables', ['-w', '-A', FORWARD_CHAIN, '-d', POD_CIDR, '!', '-s', BENCHMARK_RANGE, '-j', 'DROP']);
  }
  if (!(await tryRun('iptables', ['-w', '-C', 'FORWARD', '-j', FORWARD_CHAIN]))) await run('iptables', ['-w', '-I', 'FORWARD', '1', '-j', FORWARD_CHAIN]);
  writeRecord(record);
}

function httpOk(url: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request(url, { timeout: 2000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => {
      req.destroy();
      resolve(false);
    });
    req.end();
  });
}

async function apiReady(): Promise<boolean> {
  const out = await tryRun(rigBinary(), ['kubectl', `--kubeconfig=${KUBECONFIG_PATH}`, 'get', '--raw=/readyz', '--request-timeout=3s']);
  return out?.stdout.trim() === 'ok';
}

async function startControlPlane(record: RigRecord): Promise<void> {
  await step('etcd (Debian etcd-server, loopback only)', async () => {
    await ensureProcess(record, 'etcd', which('etcd') ? 'etcd' : '/usr/bin/etcd', [
      '--name=grpc-lb-rig', `--data-dir=${join(STATE_DIR, 'etcd')}`,
      `--listen-client-urls=${ETCD_CLIENT_URL}`, `--advertise-client-urls=${ETCD_CLIENT_URL}`,
      `--listen-peer-urls=${ETCD_PEER_URL}`, `--initial-advertise-peer-urls=${ETCD_PEER_URL}`,
      `--initial-cluster=grpc-lb-rig=${ETCD_PEER_URL}`
    ]);
    await waitFor('etcd', () => httpOk(`${ETCD_CLIENT_URL}/health`), 30_000, 'etcd');
  });
  await step(`kube-apiserver ${KUBERNETES_VERSION}`, async () => {
    await ensureProcess(record, 'kube-apiserver', rigBinary(), apiServerArgs(SERVICE_CIDR));
    await waitFor('kube-apiserver', apiReady, 120_000, 'kube-apiserver');
  });
  await step('kube-controller-manager and kube-scheduler', async () => {
    const cm = kubeconfigPath(IDENTITIES.controllerManager);
    await ensureProcess(record, 'kube-controller-manager', rigBinary(), [
      'kube-controller-manager', `--kubeconfig=${cm}`, `--authentication-kubeconfig=${cm}`, `--authorization-kubeconfig=${cm}`,
      '--bind-address=127.0.0.1', '--leader-elect=false', '--use-service-account-credentials=true',
      `--service-account-private-key-file=${pkiFile('sa.key')}`, `--root-ca-file=${pkiFile('ca.crt')}`,
      `--cluster-signing-cert-file=${pkiFile('ca.crt')}`, `--cluster-signing-key-file=${pkiFile('ca.key')}`,
      `--service-cluster-ip-range=${SERVICE_CIDR}`, '--allocate-node-cidrs=false', '--profiling=false',
    ]);
    const sched = kubeconfigPath(IDENTITIES.scheduler);
    await ensureProcess(record, 'kube-scheduler', rigBinary(), [
      'kube-scheduler', `--kubeconfig=${sched}`, `--authentication-kubeconfig=${sched}`, `--authorization-kubeconfig=${sched}`,
      '--bind-address=127.0.0.1', '--leader-elect=false', '--profiling=false',
    ]);
    await waitFor('kube-controller-manager', () => portOpen(10257), 60_000, 'kube-controller-manager');
    await waitFor('kube-scheduler', () => portOpen(10259), 60_000, 'kube-scheduler');
  });
}

/** The controller manager and scheduler serve /healthz over TLS on loopback: an open port means they listen. */
async function portOpen(port: number): Promise<boolean> {
  const { createConnection } = await import('node:net');
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port }, () => {
      socket.end();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
  });
}

async function startNode(record: RigRecord): Promise<void> {
  await step('containerd + runc (Debian), CNI bridge', async () => {
    mkdirSync(CNI_CONF_DIR, { recursive: true });
    writeConfig(join(CNI_CONF_DIR, '10-grpc-lb-rig.conflist'), cniConfig());
    const changed = writeConfig(join(CONFIG_DIR, 'containerd.toml'), containerdConfig());
    mkdirSync(join(RUN_DIR, 'containerd'), { recursive: true });
    await ensureProcess(record, 'containerd', which('containerd') ? 'containerd' : '/usr/bin/containerd', ['--config', join(CONFIG_DIR, 'containerd.toml')], { restart: changed });
    await waitFor('containerd', async () => (await tryRun('ctr', ['--address', CONTAINERD_SOCKET, 'version'])) !== undefined, 30_000, 'containerd');
  });
  await step('images (buildah → containerd k8s.io)', () => buildClusterImages({ containerdAddress: CONTAINERD_SOCKET }));
  await step('kubelet', async () => {
    writeConfig(join(CONFIG_DIR, 'resolv.conf'), '# grpc-lb-rig: pods resolve through the cluster DNS only\n');
    const changed = writeConfig(join(CONFIG_DIR, 'kubelet.yaml'), kubeletConfig(true));
    mkdirSync(KUBELET_ROOT, { recursive: true });
    await ensureProcess(record, 'kubelet', rigBinary(), [
      'kubelet', `--config=${join(CONFIG_DIR, 'kubelet.yaml')}`, `--kubeconfig=${kubeconfigPath(IDENTITIES.kubelet)}`,
      `--root-dir=${KUBELET_ROOT}`, `--cert-dir=${join(PKI_DIR, 'kubelet')}`, `--hostname-override=${NODE_NAME}`, `--node-ip=${BRIDGE_ADDRESS}`,
    ], { restart: changed });
    await waitFor('kubelet', () => httpOk(KUBELET_HEALTHZ_URL), 60_000, 'kubelet');
    await waitFor('node Ready', nodeReady, 120_000, 'kubelet');
  });
  await step('kube-proxy (iptables)', async () => {
    const changed = writeConfig(join(CONFIG_DIR, 'kube-proxy.yaml'), kubeProxyConfig());
    await ensureProcess(record, 'kube-proxy', rigBinary(), ['kube-proxy', `--config=${join(CONFIG_DIR, 'kube-proxy.yaml')}`], { restart: changed });
    await waitFor('kube-proxy', () => httpOk(PROXY_HEALTHZ_URL), 60_000, 'kube-proxy');
  });
}

async function nodeReady(): Promise<boolean> {
  const out = await kubectl(['get', 'node', NODE_NAME, '-o', 'jsonpath={.status.conditions[?(@.type=="Ready")].status}']);
  return out.stdout.trim() === 'True';
}

async function startDns(record: RigRecord): Promise<void> {
  await step('CoreDNS (cluster.local only, no forwarding)', async () => {
    writeConfig(join(CONFIG_DIR, 'addons.yaml'), addonsYaml());
    await kubectl(['apply', '--server-side', '--field-manager=grpc-lb-rig', '-f', join(CONFIG_DIR, 'addons.yaml')]);
    const changed = writeConfig(join(CONFIG_DIR, 'Corefile'), corefile());
    await ensureProcess(record, 'coredns', binaryPath('coredns'), ['-conf', join(CONFIG_DIR, 'Corefile')], { restart: changed });
    await waitFor('CoreDNS', () => httpOk(COREDNS_READY_URL), 60_000, 'coredns');
  });
}

/**
 * Only when asked (`--merge-kubeconfig`): adds the rig's context to ~/.kube/config (or $KUBECONFIG's first
 * file), with its certificates embedded, keeping every other context and the current one.
 */
async function mergeIntoUserKubeconfig(): Promise<void> {
  const target = (process.env.KUBECONFIG ?? '').split(':').find((f) => f && f !== KUBECONFIG_PATH) || join(homedir(), '.kube', 'config');
  mkdirSync(dirname(target), { recursive: true });
  const sources = existsSync(target) ? `${target}:${KUBECONFIG_PATH}` : KUBECONFIG_PATH;
  const current = existsSync(target) ? (await tryRun(rigBinary(), ['kubectl', `--kubeconfig=${target}`, 'config', 'current-context']))?.stdout.trim() : undefined;
  const merged = await run(rigBinary(), ['kubectl', 'config', 'view', '--flatten', '--raw'], { env: { ...process.env, KUBECONFIG: sources } });
  if (existsSync(target)) copyFileSync(target, `${target}.before-grpc-lb-rig`);
  writeFileSync(target, merged.stdout, { mode: 0o600 });
  if (current) await run(rigBinary(), ['kubectl', `--kubeconfig=${target}`, 'config', 'use-context', current]);
  process.stderr.write(`cluster: context ${CONTEXT} merged into ${target}${existsSync(`${target}.before-grpc-lb-rig`) ? ` (the file before: ${target}.before-grpc-lb-rig)` : ''}\n`);
}

export async function clusterUp(): Promise<void> {
  const started = Date.now();
  await step('checking host tools', preflight);
  await step('building Kubernetes, CoreDNS and etcd', buildAll);
  mkdirSync(CONFIG_DIR, { recursive: true });
  await step('certificates and kubeconfigs', async () => {
    writeFileSync(KUBECONFIG_PATH, await ensurePki(), { mode: 0o600 });
  });
  const record = readRecord();
  await step('host network (bridge, sysctls, forward guard)', () => setupHostNetwork(record));
  await startControlPlane(record);
  await startNode(record);
  await startDns(record);
  if (process.argv.includes('--merge-kubeconfig')) await mergeIntoUserKubeconfig();
  process.stderr.write(`cluster: ${CONTEXT} is up (Kubernetes ${KUBERNETES_VERSION}) in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  process.stderr.write(`cluster: logs in ${join(STATE_DIR, 'logs')}; stop everything with: npm run cluster:down\n`);
  process.stdout.write(`export KUBECONFIG=${KUBECONFIG_PATH}\n`);
}

if (require.main === module) {
  clusterUp().catch((error: unknown) => {
    process.stderr.write(`cluster:up failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
}
