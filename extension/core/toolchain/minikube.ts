import { ProcessFailedError } from '../errors';
import type { ProcessRunner } from '../process/processRunner';

export interface StreamOptions {
  signal?: AbortSignal;
  /** Every line the tool prints (stdout and stderr), as it prints it. */
  onLine?: (line: string, stream: 'stdout' | 'stderr') => void;
}

export interface MinikubeOptions {
  /** minikube profile (`-p`); default: minikube's own default. */
  profile?: string;
}

function profileArgs(o: MinikubeOptions): string[] {
  return o.profile ? ['-p', o.profile] : [];
}

/** `minikube start [extra…]`, streamed. Throws ToolMissingError / ProcessFailedError / CancelledError. */
export async function startMinikube(
  runner: ProcessRunner,
  options: StreamOptions & MinikubeOptions & { extraArgs?: readonly string[] } = {},
): Promise<void> {
  const args = [...profileArgs(options), 'start', ...(options.extraArgs ?? [])];
  await runChecked(runner, 'minikube', args, options);
}

/**
 * minikube's docker-env as a map, read with `minikube docker-env --shell none -o json` — no `eval`,
 * no shell: the variables go into the child process's environment.
 */
export async function minikubeDockerEnv(runner: ProcessRunner, options: MinikubeOptions & { signal?: AbortSignal } = {}): Promise<Record<string, string>> {
  const args = [...profileArgs(options), 'docker-env', '--shell', 'none', '-o', 'json'];
  const res = await runner.run('minikube', args, { signal: options.signal });
  if (res.exitCode !== 0) throw new ProcessFailedError('minikube', args, res.exitCode, res.stderr || res.stdout);
  const env = parseDockerEnv(res.stdout);
  if (!env.DOCKER_HOST) throw new ProcessFailedError('minikube', args, res.exitCode, `no DOCKER_HOST in output: ${res.stdout.slice(0, 200)}`);
  return env;
}

/**
 * Parses minikube's docker-env output in either format it prints: JSON (`-o json`) or KEY=VALUE
 * lines (`--shell none`); also tolerates the bash form (`export KEY="VALUE"`, comments) so a
 * user-supplied file works. Only DOCKER_* / MINIKUBE_* / SSH_* / NO_PROXY-style names are kept;
 * values are data and are never evaluated.
 */
export function parseDockerEnv(output: string): Record<string, string> {
  const text = output.trim();
  const env: Record<string, string> = {};
  if (text.startsWith('{')) {
    const parsed = JSON.parse(text) as Record<string, unknown>;
    for (const [k, v] of Object.entries(parsed)) {
      if (isEnvName(k) && (typeof v === 'string' || typeof v === 'number')) env[k] = String(v);
    }
    return env;
  }
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const m = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (!m || !isEnvName(m[1])) continue;
    let value = m[2].trim();
    if (value.endsWith(';')) value = value.slice(0, -1);
    if ((value.startsWith('"') && value.endsWith('"')) || (value.startsWith("'") && value.endsWith("'"))) value = value.slice(1, -1);
    env[m[1]] = value;
  }
  return env;
}

const ENV_ALLOWED = /^(DOCKER_[A-Z_]+|MINIKUBE_[A-Z_]+|SSH_AUTH_SOCK|SSH_AGENT_PID|NO_PROXY|no_proxy)$/;

function isEnvName(name: string): boolean {
  return ENV_ALLOWED.test(name);
}

/** Runs a tool, streaming its lines; a non-zero exit becomes ProcessFailedError. */
export async function runChecked(
  runner: ProcessRunner,
  command: string,
  args: readonly string[],
  options: StreamOptions & { cwd?: string; env?: Record<string, string> },
): Promise<void> {
  const res = await runner.run(command, args, {
    signal: options.signal,
    cwd: options.cwd,
    env: options.env,
    onStdout: (l) => options.onLine?.(l, 'stdout'),
    onStderr: (l) => options.onLine?.(l, 'stderr'),
  });
  if (res.exitCode !== 0) throw new ProcessFailedError(command, args, res.exitCode, res.stderr || res.stdout);
}

