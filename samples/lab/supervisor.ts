import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { LabAbortedError, LabProcessError } from './errors';
import { RunLedger, cleanLeftovers } from './leftovers';

/**
 * Whether a child can be stopped gracefully: Node's SIGTERM on Windows ends the process at once, like SIGKILL,
 * so the lab's graceful-versus-abrupt verdicts do not apply there.
 */
export const GRACEFUL_STOP_SUPPORTED = process.platform !== 'win32';

/** Leftovers of runs cut off before their clean-up are cleaned once per process, by its first lab run. */
let leftoversCleaned = false;

export interface ChildExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface SpawnOptions {
  /** Name shown in errors and progress (the lab uses the POD_NAME). */
  name: string;
  command: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  /** Every stdout line, in order. */
  onStdoutLine?: (line: string) => void;
  /** Every stderr line, in order (the last few are also kept for error messages). */
  onStderrLine?: (line: string) => void;
}

const STDERR_TAIL_LINES = 15;

/** A child process owned by a {@link Supervisor}. */
export class SupervisedChild {
  readonly exited: Promise<ChildExit>;
  private exitInfo: ChildExit | undefined;
  private readonly stderrLines: string[] = [];
  /** True once the lab itself asked it to stop: its exit is then expected, not a failure. */
  stopping = false;

  constructor(
    readonly name: string,
    readonly child: ChildProcess,
  ) {
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.exitInfo = { code, signal };
        resolve(this.exitInfo);
      });
      // A spawn failure (ENOENT…) emits 'error' and maybe never 'exit'.
      child.once('error', () => {
        if (!this.exitInfo) {
          this.exitInfo = { code: null, signal: null };
          resolve(this.exitInfo);
        }
      });
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get hasExited(): boolean {
    return this.exitInfo !== undefined;
  }

  get exit(): ChildExit | undefined {
    return this.exitInfo;
  }

  stderrTail(): string {
    return this.stderrLines.join('\n');
  }

  /** @internal */
  pushStderr(line: string): void {
    this.stderrLines.push(line);
    if (this.stderrLines.length > STDERR_TAIL_LINES) this.stderrLines.shift();
  }

  /** Sends a signal to the child's whole process group (it was started detached, as a group leader). */
  signal(sig: NodeJS.Signals): void {
    if (this.hasExited || this.child.pid === undefined) return;
    try {
      process.kill(-this.child.pid, sig);
    } catch {
      try {
        this.child.kill(sig);
      } catch {
        // already gone
      }
    }
  }

  /**
   * Stops the child: `sig` first (SIGTERM = the graceful path), SIGKILL after `graceMs`.
   * Resolves when it has exited.
   */
  async stop(sig: NodeJS.Signals = 'SIGTERM', graceMs = 5000): Promise<ChildExit> {
    this.stopping = true;
    if (this.hasExited) return this.exitInfo as ChildExit;
    this.signal(sig);
    if (sig !== 'SIGKILL') {
      const timer = setTimeout(() => this.signal('SIGKILL'), graceMs);
      try {
        return await this.exited;
      } finally {
        clearTimeout(timer);
      }
    }
    return this.exited;
  }
}

/**
 * Owns everything a lab run starts — child processes, sockets/servers, temp dirs — and guarantees
 * they are gone after {@link dispose}, whether the run ended normally, failed or was aborted.
 * Children are spawned detached (their own process group) and killed by group, so a grandchild
 * cannot survive either; a synchronous last-resort kill also runs on process exit.
 */
export class Supervisor {
  private readonly children = new Set<SupervisedChild>();
  /** Clean-up callbacks, run last-in first-out. */
  private readonly cleanups: Array<() => unknown> = [];
  private readonly tempDirs = new Set<string>();
  private disposed = false;
  private failureError: Error | undefined;
  private readonly exitHook = () => this.killAllSync();
  private readonly ledger: RunLedger;

  /** `runsDir`: where the run's ledger lives (samples/lab/leftovers.ts; tests pass their own). */
  constructor(
    private readonly signal?: AbortSignal,
    runsDir?: string,
  ) {
    if (!leftoversCleaned) {
      leftoversCleaned = true;
      cleanLeftovers(runsDir);
    }
    this.ledger = new RunLedger(runsDir);
    process.once('exit', this.exitHook);
    signal?.addEventListener('abort', this.onAbort, { once: true });
  }

  private readonly onAbort = () => {
    // Kill at once, so an aborted run stops generating traffic while the awaits unwind.
    for (const child of this.children) {
      child.stopping = true;
      child.signal('SIGKILL');
    }
  };

  /** The first unexpected failure (a child that died on its own), if any. */
  get failure(): Error | undefined {
    return this.failureError;
  }

  /** Throws when the run was aborted or something failed; call it in every wait loop. */
  check(): void {
    if (this.signal?.aborted || this.disposed) throw new LabAbortedError();
    if (this.failureError) throw this.failureError;
  }

  spawn(options: SpawnOptions): SupervisedChild {
    this.check();
    const child = spawn(options.command, options.args, {
      env: options.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
      windowsHide: true,
    });
    const supervised = new SupervisedChild(options.name, child);
    this.children.add(supervised);
    if (child.pid !== undefined) this.ledger.addChild(child.pid);
    child.once('error', (error) => {
      this.fail(new LabProcessError(options.name, `could not start ${options.name}: ${error.message}`, ''));
    });
    if (child.stdout) {
      const rl = createInterface({ input: child.stdout, crlfDelay: Infinity });
      rl.on('line', (line) => options.onStdoutLine?.(line));
    }
    if (child.stderr) {
      const rl = createInterface({ input: child.stderr, crlfDelay: Infinity });
      rl.on('line', (line) => {
        supervised.pushStderr(line);
        options.onStderrLine?.(line);
      });
    }
    void supervised.exited.then((exit) => {
      if (!supervised.stopping && !this.disposed && !this.signal?.aborted) {
        const how = exit.signal ? `signal ${exit.signal}` : `code ${exit.code}`;
        this.fail(
          new LabProcessError(options.name, `${options.name} exited unexpectedly (${how})`, supervised.stderrTail()),
        );
      }
    });
    return supervised;
  }

  /**
   * Records a process this run started by other means (etcd, started detached by lab/etcdProcess.ts) and its
   * data dir, so that the next run cleans them if this one is cut off (leftovers.ts). Stopping it stays its
   * owner's job.
   */
  adopt(pid: number, dataDir?: string): void {
    this.ledger.addChild(pid);
    if (dataDir) this.ledger.addTempDir(dataDir);
  }

  /** Registers a clean-up step (close a server, stop etcd…); steps run in reverse order. */
  defer(cleanup: () => unknown): void {
    if (this.disposed) {
      void Promise.resolve().then(cleanup);
      return;
    }
    this.cleanups.push(cleanup);
  }

  /** A fresh temp dir, removed on dispose. */
  async tempDir(prefix = 'grpc-lb-lab-'): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), prefix));
    this.tempDirs.add(dir);
    this.ledger.addTempDir(dir);
    return dir;
  }

  fail(error: Error): void {
    if (!this.failureError) this.failureError = error;
  }

  /** Live children (started and not yet exited). */
  liveChildren(): SupervisedChild[] {
    return [...this.children].filter((c) => !c.hasExited);
  }

  /** Every pid this supervisor ever started (for tests that check nothing is left). */
  allPids(): number[] {
    return [...this.children].map((c) => c.pid).filter((p): p is number => p !== undefined);
  }

  /** Stops everything: SIGKILL to every live child group, await their exits, run clean-ups, remove temp dirs. */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    this.signal?.removeEventListener('abort', this.onAbort);
    const live = this.liveChildren();
    for (const child of live) {
      child.stopping = true;
      child.signal('SIGKILL');
    }
    await Promise.all(live.map((c) => withTimeout(c.exited, 5000)));
    while (this.cleanups.length > 0) {
      const cleanup = this.cleanups.pop() as () => unknown;
      try {
        await withTimeout(Promise.resolve().then(cleanup), 10_000);
      } catch {
        // keep cleaning the rest
      }
    }
    await Promise.all([...this.tempDirs].map((dir) => rm(dir, { recursive: true, force: true })));
    this.tempDirs.clear();
    this.ledger.close();
    process.removeListener('exit', this.exitHook);
  }

  /** Last resort on process exit: synchronous kills and removals only. */
  private killAllSync(): void {
    for (const child of this.children) child.signal('SIGKILL');
    for (const dir of this.tempDirs) {
      try {
        rmSync(dir, { recursive: true, force: true });
      } catch {
        // nothing more we can do on exit
      }
    }
    this.ledger.close();
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => resolve(undefined), ms);
    promise.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e) => {
        clearTimeout(timer);
        reject(e);
      },
    );
  });
}
