/**
 * `npm run cluster:down` — removes everything `cluster:up` made: the processes it recorded (and the
 * containers and shims under them), mounts under its folders, the pods' network namespaces, its
 * bridge, the iptables chains Kubernetes and the rig added, the kubepods cgroups, the sysctls it
 * changed (put back as they were) and its state folders. Safe to run twice.
 */
import { existsSync, readdirSync, rmSync, rmdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { binaryPath } from './build';
import { CONFIG_DIR, RUNC_ROOT } from './config';
import { RIG_CHAIN, kubepodsCgroups, rigMounts, rigNetns, rigProcesses } from './footprint';
import { isRunning, readRecord, stopProcess } from './processes';
import { CONTEXT, RUN_DIR, STATE_DIR, run, step, tryRun } from './rig';
import { FORWARD_CHAIN } from './up';

/** Stop order: clients of the API first, the runtime after the kubelet, the store last. */
const STOP_ORDER = ['coredns', 'kube-proxy', 'kubelet', 'kube-scheduler', 'kube-controller-manager', 'containerd', 'kube-apiserver', 'etcd'];

async function killContainers(): Promise<void> {
  const root = join(RUNC_ROOT, 'k8s.io');
  if (!existsSync(root)) return;
  const listed = await tryRun('runc', ['--root', root, 'list', '-q']);
  for (const id of listed?.stdout.split('\n').filter(Boolean) ?? []) {
    await tryRun('runc', ['--root', root, 'kill', id, 'KILL']);
    await tryRun('runc', ['--root', root, 'delete', '--force', id]);
  }
}

/**
 * The iptables-restore script (for `--noflush`) that removes, from an `iptables-save` dump, the chains
 * named like Kubernetes', the CNI plugins' and ours, and every jump to them from other chains.
 */
export function chainRemovalScript(saved: string): string {
  const script: string[] = [];
  let table = '';
  let jumps: string[] = [];
  let chains: string[] = [];
  for (const line of saved.split('\n')) {
    if (line.startsWith('*')) {
      table = line.slice(1);
      jumps = [];
      chains = [];
    } else if (line.startsWith(':')) {
      const chain = line.slice(1).split(' ')[0];
      if (RIG_CHAIN.test(chain)) chains.push(chain);
    } else if (line.startsWith('-A ')) {
      const [, chain] = line.split(' ');
      const target = / -[jg] (\S+)/.exec(line)?.[1] ?? '';
      if (!RIG_CHAIN.test(chain) && RIG_CHAIN.test(target)) jumps.push(`-D ${line.slice(3)}`);
    } else if (line === 'COMMIT' && table && (jumps.length || chains.length)) {
      script.push(`*${table}`, ...jumps, ...chains.map((c) => `-F ${c}`), ...chains.map((c) => `-X ${c}`), 'COMMIT');
    }
  }
  return script.length ? `${script.join('\n')}\n` : '';
}

async function removeChains(): Promise<void> {
  for (const [save, restore] of [['iptables-save', 'iptables-restore'], ['ip6tables-save', 'ip6tables-restore']]) {
    const saved = await tryRun(save, []);
    const script = saved ? chainRemovalScript(saved.stdout) : '';
    if (script) await run(restore, ['-w', '--noflush'], { input: script });
  }
}

function removeCgroup(dir: string): void {
  for (const entry of readdirSync(dir)) {
    const child = join(dir, entry);
    if (statSync(child).isDirectory()) removeCgroup(child);
  }
  rmdirSync(dir);
}

export async function clusterDown(): Promise<void> {
  const started = Date.now();
  const record = readRecord();
  const rig = binaryPath('rig');
  await step('stopping the kubelet and the add-ons', async () => {
    for (const name of STOP_ORDER.slice(0, 3)) {
      const p = record.processes[name];
      if (p) await stopProcess(p.pid, p.command);
    }
  });
  await step('stopping containers (runc) and their shims', async () => {
    await killContainers();
    for (const p of rigProcesses().filter((q) => q.cmdline.includes('containerd-shim'))) await tryRun('kill', ['-KILL', String(p.pid)]);
  });
  await step('stopping the control plane and containerd', async () => {
    for (const name of STOP_ORDER.slice(3)) {
      const p = record.processes[name];
      if (p) await stopProcess(p.pid, p.command);
    }
    // Anything else still running one of the rig's binaries or in its folders (a crashed run's leftovers).
    for (const p of rigProcesses()) if (isRunning(p.pid, p.cmdline.split(' ')[0])) await tryRun('kill', ['-KILL', String(p.pid)]);
  });
  await step('network: pod namespaces, bridge, iptables chains', async () => {
    for (const ns of await rigNetns()) await tryRun('ip', ['netns', 'delete', ns]);
    for (const link of record.links) await tryRun('ip', ['link', 'delete', link]);
    if (existsSync(rig) && existsSync(join(CONFIG_DIR, 'kube-proxy.yaml'))) await tryRun(rig, ['kube-proxy', '--cleanup', `--config=${join(CONFIG_DIR, 'kube-proxy.yaml')}`]);
    await tryRun('iptables', ['-w', '-D', 'FORWARD', '-j', FORWARD_CHAIN]);
    await removeChains();
  });
  await step('mounts, cgroups, sysctls, folders', async () => {
    for (const point of rigMounts()) {
      if (!(await tryRun('umount', [point]))) await tryRun('umount', ['-l', point]);
    }
    for (const dir of kubepodsCgroups()) {
      try {
        removeCgroup(dir);
      } catch (error) {
        process.stderr.write(`cluster: could not remove ${dir}: ${error instanceof Error ? error.message : String(error)}\n`);
      }
    }
    for (const [key, value] of Object.entries(record.sysctls)) await tryRun('sysctl', ['-q', '-w', `${key}=${value}`]);
    for (const dir of [STATE_DIR, RUN_DIR]) rmSync(dir, { recursive: true, force: true });
  });
  process.stderr.write(`cluster: ${CONTEXT} removed in ${((Date.now() - started) / 1000).toFixed(1)} s (the build cache stays)\n`);
}

if (require.main === module) {
  clusterDown().catch((error: unknown) => {
    process.stderr.write(`cluster:down failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
}
