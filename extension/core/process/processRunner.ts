/**
 * How the action layer runs external tools (minikube, docker, istioctl): an executable and an
 * argument array — never a shell string — with output streamed line by line and cancellation
 * through an AbortSignal. The real implementation is NodeProcessRunner; tests use FakeProcessRunner.
 */
export interface RunOptions {
  /** Variables merged over the parent's environment (e.g. minikube's docker-env). */
  env?: Readonly<Record<string, string>>;
  cwd?: string;
  /** Aborting kills the child (SIGTERM) and rejects with CancelledError. */
  signal?: AbortSignal;
  onStdout?: (line: string) => void;
  onStderr?: (line: string) => void;
}

export interface RunResult {
  /** Exit code, or null when the child was killed by a signal. */
  exitCode: number | null;
  /** Output, bounded to the last ~1 MiB each. */
  stdout: string;
  stderr: string;
}

export interface ProcessRunner {
  /** Absolute path of an executable found on PATH, or undefined. */
  which(command: string): Promise<string | undefined>;
  /**
   * Runs `command args…` to completion. Resolves with the exit code (non-zero is not an error here:
   * callers decide); rejects with ToolMissingError when the executable does not exist and with
   * CancelledError when `signal` aborts.
   */
  run(command: string, args: readonly string[], options?: RunOptions): Promise<RunResult>;
}

/** Splits a byte stream into lines (LF or CRLF); the last partial line is flushed at the end. */
export class LineSplitter {
  private rest = '';
  constructor(private readonly onLine: (line: string) => void) {}

  push(chunk: string): void {
    const text = this.rest + chunk;
    const parts = text.split(/\r?\n/);
    this.rest = parts.pop() ?? '';
    for (const line of parts) this.onLine(line);
  }

  end(): void {
    if (this.rest.length > 0) this.onLine(this.rest);
    this.rest = '';
  }
}
