/**
 * Workbook ```sh cells, run as a child process rather than typed into a terminal: the cell ends when
 * its commands end, with their exit code (a failed `kubectl` fails the cell and stops Run All), and
 * every `kubectl`/`istioctl` in it talks to the context the guard allowed — the cell's KUBECONFIG is a
 * file that holds that context only, so a context switched meanwhile cannot be reached from the cell.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import { clientNode } from '../../../samples/common/lazyModules';
import type { ProcessRunner } from '../process/processRunner';

/**
 * `bash` runs the cell's text as its script (the text is one argument, never spliced into a command
 * line): `-e` stops at the first failing command and `pipefail` fails a pipeline whose first part fails,
 * so the exit code says whether every step worked. No profile or rc file: the cell's env is what we set.
 */
export function shellCellArgs(script: string): string[] {
  return ['--noprofile', '--norc', '-e', '-o', 'pipefail', '-c', script];
}

/** A kubeconfig (JSON, which kubectl reads) holding only `context`, its cluster and user, as current. */
export function pinnedKubeconfig(kc: KubeConfig, context: string): string {
  const ctx = kc.getContextObject(context);
  if (!ctx) throw new Error(`the kubeconfig has no context "${context}"`);
  const cluster = kc.getCluster(ctx.cluster);
  if (!cluster) throw new Error(`context "${context}" names the cluster "${ctx.cluster}", which the kubeconfig does not define`);
  const user = ctx.user ? kc.getUser(ctx.user) : null;
  const pinned = new (clientNode().KubeConfig)();
  pinned.loadFromOptions({
    clusters: [cluster],
    users: user ? [user] : [],
    contexts: [ctx],
    currentContext: context,
  });
  return pinned.exportConfig();
}

export interface ShellCellRun {
  /** The cell's text. */
  script: string;
  /** Variables over the extension host's environment (minikube's docker-env, …). */
  env: Readonly<Record<string, string>>;
  cwd: string;
  /** The allowed context and the kubeconfig it comes from; undefined when there is no context yet. */
  pin?: { kubeConfig: KubeConfig; context: string };
  signal?: AbortSignal;
  onLine: (line: string, stream: 'stdout' | 'stderr') => void;
}

/** Runs a shell cell to its end; resolves with bash's exit code (null: killed by a signal). */
export async function runShellCell(runner: ProcessRunner, run: ShellCellRun): Promise<number | null> {
  const folder = run.pin ? await mkdtemp(join(tmpdir(), 'grpc-lb-cell-')) : undefined;
  try {
    const env: Record<string, string> = { ...run.env };
    if (run.pin && folder) {
      const file = join(folder, 'kubeconfig.json');
      await writeFile(file, pinnedKubeconfig(run.pin.kubeConfig, run.pin.context), { mode: 0o600 });
      env.KUBECONFIG = file;
    }
    const result = await runner.run('bash', shellCellArgs(run.script), {
      env,
      cwd: run.cwd,
      ...(run.signal ? { signal: run.signal } : {}),
      onStdout: (line) => run.onLine(line, 'stdout'),
      onStderr: (line) => run.onLine(line, 'stderr'),
    });
    return result.exitCode;
  } finally {
    if (folder) await rm(folder, { recursive: true, force: true });
  }
}
