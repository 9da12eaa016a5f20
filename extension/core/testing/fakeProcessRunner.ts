import { CancelledError, ToolMissingError } from '../errors';
import type { ProcessRunner, RunOptions, RunResult } from '../process/processRunner';
import { installHintFor } from '../toolchain/tools';

/** What a scripted fake process does: lines it prints, its exit code, or "runs until aborted". */
export interface FakeBehaviour {
  stdout?: string[];
  stderr?: string[];
  exitCode?: number;
  /** Keep running (after printing) until the caller aborts — like `istioctl dashboard`. */
  untilAborted?: boolean;
}

export interface RecordedCall {
  command: string;
  args: string[];
  env: Record<string, string>;
  cwd?: string;
}

type Handler = (args: string[], options: RunOptions) => FakeBehaviour;

/**
 * Test double for ProcessRunner: tools "exist" only when installed with `tool()`, each call is
 * recorded (command, argument array, env overlay), and behaviour is scripted per command.
 */
export class FakeProcessRunner implements ProcessRunner {
  readonly calls: RecordedCall[] = [];
  private readonly handlers = new Map<string, Handler>();

  /** Puts `command` on the fake PATH with a handler (default: exit 0, no output). */
  tool(command: string, handler: Handler | FakeBehaviour = {}): this {
    this.handlers.set(command, typeof handler === 'function' ? handler : () => handler);
    return this;
  }

  async which(command: string): Promise<string | undefined> {
    return this.handlers.has(command) ? `/fake/bin/${command}` : undefined;
  }

  async run(command: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
    this.calls.push({ command, args: [...args], env: { ...options.env }, cwd: options.cwd });
    const handler = this.handlers.get(command);
    if (!handler) throw new ToolMissingError(command, installHintFor(command));
    if (options.signal?.aborted) throw new CancelledError();
    const b = handler([...args], options);
    for (const line of b.stdout ?? []) options.onStdout?.(line);
    for (const line of b.stderr ?? []) options.onStderr?.(line);
    if (b.untilAborted) {
      await new Promise<void>((resolve) => {
        if (options.signal?.aborted) resolve();
        options.signal?.addEventListener('abort', () => resolve(), { once: true });
      });
      throw new CancelledError();
    }
    return {
      exitCode: b.exitCode ?? 0,
      stdout: (b.stdout ?? []).map((l) => l + '\n').join(''),
      stderr: (b.stderr ?? []).map((l) => l + '\n').join(''),
    };
  }

  callsOf(command: string): RecordedCall[] {
    return this.calls.filter((c) => c.command === command);
  }
}
