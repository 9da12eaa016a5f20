/**
 * Workbook ```sh cells, run as a child process rather than typed into a terminal: the cell ends when
 * its commands end, with their exit code (a failed `kubectl` fails the cell and stops Run All), and
 * every `kubectl`/`istioctl` in it talks to the context the guard allowed — the cell's KUBECONFIG is a
 * file that holds that context only, so a context switched meanwhile cannot be reached from the cell.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import { withPinnedKubeconfig } from '../cluster/pinnedKubeconfig';
import type { ProcessRunner } from '../process/processRunner';

/**
 * `bash` runs the cell's text as its script (the text is one argument, never spliced into a command
 * line): `-e` stops at the first failing command and `pipefail` fails a pipeline whose first part fails,
 * so the exit code says whether every step worked. No profile or rc file: the cell's env is what we set.
 */
export function shellCellArgs(script: string): string[] {
  return ['--noprofile', '--norc', '-e', '-o', 'pipefail', '-c', script];
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
  const bash = async (env: Record<string, string>): Promise<number | null> => {
    const result = await runner.run('bash', shellCellArgs(run.script), {
      env,
      cwd: run.cwd,
      ...(run.signal ? { signal: run.signal } : {}),
      onStdout: (line) => run.onLine(line, 'stdout'),
      onStderr: (line) => run.onLine(line, 'stderr'),
    });
    return result.exitCode;
  };
  if (!run.pin) return bash({ ...run.env });
  return withPinnedKubeconfig(run.pin.kubeConfig, run.pin.context, (file) => bash({ ...run.env, KUBECONFIG: file }));
}
