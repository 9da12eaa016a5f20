import { spawn } from 'node:child_process';
import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { delimiter, isAbsolute, join } from 'node:path';
import { CancelledError, ToolMissingError } from '../errors';
import { installHintFor } from '../toolchain/tools';
import { LineSplitter, type ProcessRunner, type RunOptions, type RunResult } from './processRunner';

const MAX_KEEP = 1024 * 1024;

/**
 * The real ProcessRunner: child_process.spawn with `shell: false` (execFile semantics — the
 * arguments go to the program verbatim, nothing is interpreted by a shell), streaming lines.
 */
export class NodeProcessRunner implements ProcessRunner {
  constructor(
    private readonly baseEnv: NodeJS.ProcessEnv = process.env,
    /** A configured path for a tool (grpcLb.toolPaths), used instead of the PATH lookup. */
    private readonly toolPath: (command: string) => string | undefined = () => undefined,
  ) {}

  async which(command: string): Promise<string | undefined> {
    return findOnPath(this.toolPath(command) ?? command, this.baseEnv);
  }

  run(command: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
    const { signal } = options;
    if (signal?.aborted) return Promise.reject(new CancelledError());
    return new Promise<RunResult>((resolve, reject) => {
      let stdout = '';
      let stderr = '';
      let settled = false;
      const outLines = new LineSplitter((l) => options.onStdout?.(l));
      const errLines = new LineSplitter((l) => options.onStderr?.(l));
      const child = spawn(this.toolPath(command) ?? command, [...args], {
        cwd: options.cwd,
        env: { ...this.baseEnv, ...options.env },
        shell: false,
        windowsHide: true,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const onAbort = (): void => {
        child.kill('SIGTERM');
        // A tool that ignores SIGTERM (minikube mid-download) still goes away.
        setTimeout(() => child.exitCode === null && child.kill('SIGKILL'), 5000).unref();
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      child.stdout.setEncoding('utf8');
      child.stderr.setEncoding('utf8');
      child.stdout.on('data', (chunk: string) => {
        stdout = keepTail(stdout + chunk);
        outLines.push(chunk);
      });
      child.stderr.on('data', (chunk: string) => {
        stderr = keepTail(stderr + chunk);
        errLines.push(chunk);
      });
      child.on('error', (err: NodeJS.ErrnoException) => {
        if (settled) return;
        settled = true;
        signal?.removeEventListener('abort', onAbort);
        reject(err.code === 'ENOENT' ? new ToolMissingError(command, installHintFor(command)) : err);
      });
      child.on('close', (code) => {
        if (settled) return;
        settled = true;
        signal?.removeEventListener('abort', onAbort);
        outLines.end();
        errLines.end();
        if (signal?.aborted) reject(new CancelledError());
        else resolve({ exitCode: code, stdout, stderr });
      });
    });
  }
}

function keepTail(text: string): string {
  return text.length > MAX_KEEP ? text.slice(text.length - MAX_KEEP) : text;
}

/** PATH lookup like `which` (PATHEXT on Windows), without running a shell. */
export async function findOnPath(command: string, env: NodeJS.ProcessEnv = process.env): Promise<string | undefined> {
  const exts = process.platform === 'win32' ? (env.PATHEXT ?? '.EXE;.CMD;.BAT;.COM').split(';') : [''];
  const candidates = isAbsolute(command)
    ? exts.map((e) => command + e)
    : (env.PATH ?? env.Path ?? '')
        .split(delimiter)
        .filter(Boolean)
        .flatMap((dir) => exts.map((e) => join(dir, command + e)));
  for (const candidate of candidates) {
    try {
      await access(candidate, process.platform === 'win32' ? constants.F_OK : constants.X_OK);
      if ((await stat(candidate)).isFile()) return candidate;
    } catch {
      // not here; try the next directory
    }
  }
  return undefined;
}
