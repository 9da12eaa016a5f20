/**
 * What the rig leaves on a host: processes of its programs, mounts under its folders, pod network
 * namespaces, links, iptables chains, kubepods cgroups, the sysctls it sets and its folders.
 * `footprint.ts save F` records the host before `cluster:up`; `footprint.ts check F` after
 * `cluster:down` fails, naming each difference, unless the host is as it was.
 */
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BIN_DIR, CONTAINERD_SOCKET, RUN_DIR, STATE_DIR, run, tryRun } from './rig';

export interface Footprint {
  processes: string[];
  mounts: string[];
  netns: string[];
  links: string[];
  iptablesChains: string[];
  cgroups: string[];
  sysctls: Record<string, string>;
  folders: string[];
}

export const WATCHED_SYSCTLS = [
  'net.ipv4.ip_forward', 'net.bridge.bridge-nf-call-iptables', 'vm.overcommit_memory', 'vm.panic_on_oom', 'kernel.panic',
  'kernel.panic_on_oops', 'kernel.keys.root_maxkeys', 'kernel.keys.root_maxbytes', 'net.ipv4.conf.all.route_localnet',
];

/** Chains named as Kubernetes, the CNI plugins and the rig name theirs. */
export const RIG_CHAIN = /^(KUBE-|CNI-|GRPCLB-)/;

function ours(cmdline: string): boolean {
  return cmdline.includes(BIN_DIR) || cmdline.includes(STATE_DIR) || cmdline.includes(CONTAINERD_SOCKET) || cmdline.includes(RUN_DIR);
}

export function rigProcesses(): Array<{ pid: number; cmdline: string }> {
  const found: Array<{ pid: number; cmdline: string }> = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replaceAll('\0', ' ').trim();
      if (cmdline && ours(cmdline)) found.push({ pid: Number(entry), cmdline });
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

/** Mount points under the rig's folders, deepest first (the order to unmount them in). */
export function rigMounts(): string[] {
  const points = readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((line) => line.split(' ')[4])
    .filter((point): point is string => !!point && (point.startsWith(`${STATE_DIR}/`) || point.startsWith(`${RUN_DIR}/`) || point === STATE_DIR || point === RUN_DIR));
  return [...new Set(points)].sort((a, b) => b.length - a.length);
}

/** Network namespaces holding an address of the pod range: the pods' sandboxes. */
export async function rigNetns(): Promise<string[]> {
  if (!existsSync('/run/netns')) return [];
  const found: string[] = [];
  for (const name of readdirSync('/run/netns')) {
    const addrs = await tryRun('ip', ['-n', name, '-4', '-o', 'addr']);
    if (addrs?.stdout.includes(' 198.18.')) found.push(name);
  }
  return found.sort();
}

async function chains(): Promise<string[]> {
  const out: string[] = [];
  for (const tool of ['iptables-save', 'ip6tables-save']) {
    const saved = await tryRun(tool, []);
    let table = '';
    for (const line of saved?.stdout.split('\n') ?? []) {
      if (line.startsWith('*')) table = line.slice(1);
      else if (line.startsWith(':')) out.push(`${tool}/${table}/${line.slice(1).split(' ')[0]}`);
    }
  }
  return out.filter((c) => RIG_CHAIN.test(c.split('/')[2])).sort();
}

export function kubepodsCgroups(): string[] {
  const root = '/sys/fs/cgroup';
  if (!existsSync(root)) return [];
  return readdirSync(root)
    .map((controller) => join(root, controller, 'kubepods'))
    .filter((dir) => existsSync(dir))
    .sort();
}

export function readSysctl(key: string): string {
  try {
    return readFileSync(`/proc/sys/${key.replaceAll('.', '/')}`, 'utf8').trim();
  } catch {
    return '(absent)';
  }
}

export async function footprint(): Promise<Footprint> {
  const links = (await run('ip', ['-o', 'link'])).stdout
    .split('\n')
    .map((line) => line.split(': ')[1]?.split('@')[0])
    .filter((name): name is string => !!name)
    .sort();
  return {
    processes: rigProcesses().map((p) => p.cmdline).sort(),
    mounts: rigMounts().sort(),
    netns: await rigNetns(),
    links,
    iptablesChains: await chains(),
    cgroups: kubepodsCgroups(),
    sysctls: Object.fromEntries(WATCHED_SYSCTLS.map((key) => [key, readSysctl(key)])),
    folders: [STATE_DIR, RUN_DIR].filter((dir) => existsSync(dir)),
  };
}

export function differences(before: Footprint, after: Footprint): string[] {
  const diffs: string[] = [];
  for (const key of ['processes', 'mounts', 'netns', 'links', 'iptablesChains', 'cgroups', 'folders'] as const) {
    const left = new Set(after[key].filter((item) => !before[key].includes(item)));
    const gone = before[key].filter((item) => !after[key].includes(item));
    for (const item of left) diffs.push(`${key}: left behind: ${item}`);
    for (const item of gone) diffs.push(`${key}: was there before, now gone: ${item}`);
  }
  for (const [key, value] of Object.entries(before.sysctls)) {
    if (after.sysctls[key] !== value) diffs.push(`sysctl ${key}: was ${value}, now ${after.sysctls[key]}`);
  }
  return diffs;
}

async function main(): Promise<void> {
  const [verb, file] = process.argv.slice(2);
  if (!file || (verb !== 'save' && verb !== 'check')) {
    process.stderr.write('usage: footprint.ts save|check <file>\n');
    process.exit(2);
  }
  if (verb === 'save') {
    writeFileSync(file, JSON.stringify(await footprint(), null, 2));
    return;
  }
  const diffs = differences(JSON.parse(readFileSync(file, 'utf8')) as Footprint, await footprint());
  if (diffs.length > 0) {
    process.stderr.write(`cluster:down left the host changed:\n  ${diffs.join('\n  ')}\n`);
    process.exit(1);
  }
  process.stderr.write('cluster:down left nothing behind (processes, mounts, network namespaces, links, iptables chains, cgroups, sysctls, folders)\n');
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
}
