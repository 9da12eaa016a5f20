/**
 * Shared facts of the one-node cluster ("the rig") that `npm run cluster:up` builds: where it keeps
 * its build cache, its state and its sockets, its pinned versions and address ranges, and one way to
 * run a host tool (execFile with an argument array, never a shell string).
 */
import { execFile, type ExecFileOptions } from 'node:child_process';
import { homedir } from 'node:os';
import { join } from 'node:path';

export const CONTEXT = 'grpc-lb-rig';
/** The Kubernetes release every component is built from (scripts/cluster/rig/go.mod pins the same). */
export const KUBERNETES_VERSION = 'v1.34.4';
/** CoreDNS, built from its Go module (scripts/cluster/coredns/go.mod pins the same). */
export const COREDNS_VERSION = 'v1.15.0';
/** The sandbox ("pause") image containerd is told to use; built here (scripts/cluster/pause). */
export const PAUSE_IMAGE = 'registry.k8s.io/pause:3.10';

/** Everything lives inside 198.18.0.0/15, the range reserved for benchmarks (RFC 2544). */
export const POD_CIDR = '198.18.0.0/24';
export const BRIDGE_ADDRESS = '198.18.0.1';
export const SERVICE_CIDR = '198.19.0.0/24';
/** The first address of the Service range: the `kubernetes` Service. */
export const API_SERVICE_IP = '198.19.0.1';
export const DNS_SERVICE_IP = '198.19.0.10';
export const CLUSTER_DOMAIN = 'cluster.local';
export const BRIDGE = 'grpclbrig0';
export const NODE_NAME = 'grpc-lb-rig';
/** The API server listens on loopback only. */
export const API_SERVER_PORT = 6443;

/** Build outputs kept between runs, so a second `cluster:up` starts without compiling. */
export const CACHE_DIR = join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'grpc-lb-rig');
export const BIN_DIR = join(CACHE_DIR, 'bin');
export const IMAGE_CACHE_DIR = join(CACHE_DIR, 'images');

/** Runtime state: removed whole by `cluster:down`. */
export const STATE_DIR = process.env.GRPC_LB_RIG_STATE || '/var/lib/grpc-lb-rig';
export const RUN_DIR = process.env.GRPC_LB_RIG_RUN || '/run/grpc-lb-rig';
export const KUBECONFIG_PATH = join(STATE_DIR, 'kubeconfig');
export const CONTAINERD_SOCKET = join(RUN_DIR, 'containerd', 'containerd.sock');
export const CONTAINERD_NAMESPACE = 'k8s.io';
export const LOG_DIR = join(STATE_DIR, 'logs');

export interface RunResult {
  stdout: string;
  stderr: string;
}

export class ToolError extends Error {
  constructor(
    readonly command: string,
    readonly args: readonly string[],
    readonly exitCode: number | string | null,
    readonly stderr: string,
  ) {
    super(`${command} ${args.join(' ')} failed (${exitCode}): ${stderr.trim().split('\n').slice(-5).join('\n')}`);
  }
}

/** Runs a host tool with an argument array; rejects with the tool's last stderr lines. */
export function run(command: string, args: readonly string[], options: ExecFileOptions & { input?: string } = {}): Promise<RunResult> {
  const { input, ...execOptions } = options;
  return new Promise((resolve, reject) => {
    const child = execFile(command, args, { maxBuffer: 64 * 1024 * 1024, encoding: 'utf8', ...execOptions }, (error, stdout, stderr) => {
      const out = String(stdout);
      const err = String(stderr);
      if (error) {
        const code = (error as NodeJS.ErrnoException).code ?? null;
        if (code === 'ENOENT') reject(new ToolError(command, args, 'not found', `${command} is not installed`));
        else reject(new ToolError(command, args, (error as { code?: number }).code ?? error.message, err || error.message));
      } else resolve({ stdout: out, stderr: err });
    });
    if (input !== undefined) child.stdin?.end(input);
  });
}

/** Like run(), but a failure resolves to undefined (for probes such as "does this link exist?"). */
export async function tryRun(command: string, args: readonly string[], options: ExecFileOptions & { input?: string } = {}): Promise<RunResult | undefined> {
  try {
    return await run(command, args, options);
  } catch {
    return undefined;
  }
}

/** Prints one progress line with the time a part took. */
export async function step<T>(what: string, work: () => Promise<T>): Promise<T> {
  const started = Date.now();
  process.stderr.write(`cluster: ${what} …\n`);
  const result = await work();
  process.stderr.write(`cluster: ${what} — ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  return result;
}
