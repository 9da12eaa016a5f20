/**
 * Starts a real, throw-away etcd (the `etcd` binary from Debian's etcd-server package) on free
 * loopback ports with a temporary data dir — for the lab's etcd scenario, the tests and the benchmarks.
 *
 *   const etcd = await startEtcd();
 *   try { use(etcd.endpoints); } finally { await etcd.stop(); }
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { freePort } from './net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** What a learner without etcd runs to get it (the etcd scenario and the tests that need a real etcd). */
export const ETCD_INSTALL_HINT = 'install etcd: apt-get install -y etcd-server';

/** The `etcd` binary is not on PATH (or not executable). */
export class EtcdNotInstalledError extends Error {
  override readonly name = 'EtcdNotInstalledError';
  constructor(binary: string) {
    super(`${ETCD_INSTALL_HINT} ("${binary}" was not found on PATH)`);
  }
}

/** etcd started but did not become healthy, or exited. `output` holds the end of its log. */
export class EtcdStartError extends Error {
  override readonly name = 'EtcdStartError';
  constructor(
    message: string,
    readonly output: string,
  ) {
    super(output ? `${message}\n--- etcd output (last lines) ---\n${output}` : message);
  }
}

export interface StartEtcdOptions {
  /** Binary to run (default `etcd`, or $ETCD_BINARY). */
  binary?: string;
  /** How long to wait for `/health` (default 20 s). */
  startTimeoutMs?: number;
  /** Told each etcd process started (the lab records it for the clean-up after a crash). */
  onSpawn?: (pid: number, dataDir: string) => void;
}

export interface EtcdProcess {
  /** Client URLs, e.g. `['http://127.0.0.1:34567']` (ETCD_ENDPOINTS is `endpoints.join(',')`). */
  readonly endpoints: string[];
  readonly clientPort: number;
  readonly dataDir: string;
  /** Kills etcd (SIGKILL if SIGTERM is not enough) and removes its data dir. Idempotent. */
  stop(): Promise<void>;
  /** Kills etcd but keeps the data dir and ports, to simulate an outage. */
  kill(): Promise<void>;
  /** Starts etcd again after {@link kill} on the same ports with the same data (resolves once healthy). */
  restart(): Promise<void>;
}

async function healthy(url: string): Promise<boolean> {
  try {
    const res = await fetch(`${url}/health`, { signal: AbortSignal.timeout(1000) });
    const body = (await res.json()) as { health?: unknown };
    return res.ok && (body.health === 'true' || body.health === true);
  } catch {
    return false;
  }
}

function waitExit(child: ChildProcess, ms: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

/** A one-member etcd on loopback, quiet but for warnings. */
function etcdArgs(dataDir: string, clientUrl: string, peerUrl: string): string[] {
  return [
    ...['--name', 'default', '--data-dir', dataDir],
    ...['--listen-client-urls', clientUrl, '--advertise-client-urls', clientUrl],
    ...['--listen-peer-urls', peerUrl, '--initial-advertise-peer-urls', peerUrl, '--initial-cluster', `default=${peerUrl}`],
    ...['--log-level', 'warn'],
  ];
}

/** Resolves once etcd's `/health` says true; a missing binary, an early exit or the deadline throw. */
async function untilHealthy(proc: ChildProcess, binary: string, clientUrl: string, startTimeoutMs: number, output: () => string): Promise<void> {
  const spawnError = new Promise<Error>((resolve) => proc.once('error', resolve));
  const deadline = Date.now() + startTimeoutMs;
  for (;;) {
    const early = await Promise.race([spawnError, new Promise<undefined>((r) => setTimeout(() => r(undefined), 100))]);
    if (early) {
      if ((early as NodeJS.ErrnoException).code === 'ENOENT' || (early as NodeJS.ErrnoException).code === 'EACCES') {
        throw new EtcdNotInstalledError(binary);
      }
      throw new EtcdStartError(`cannot start ${binary}: ${early.message}`, output());
    }
    if (proc.exitCode !== null || proc.signalCode !== null) {
      throw new EtcdStartError(`etcd exited during start-up (code ${proc.exitCode ?? proc.signalCode})`, output());
    }
    if (await healthy(clientUrl)) return;
    if (Date.now() > deadline) {
      proc.kill('SIGKILL');
      throw new EtcdStartError(`etcd did not become healthy at ${clientUrl} within ${startTimeoutMs} ms`, output());
    }
  }
}

/** Starts etcd on free loopback ports with a fresh temp data dir; resolves once `/health` says true. */
export async function startEtcd(options: StartEtcdOptions = {}): Promise<EtcdProcess> {
  const binary = options.binary ?? process.env.ETCD_BINARY ?? 'etcd';
  const startTimeoutMs = options.startTimeoutMs ?? 20_000;
  const dataDir = await mkdtemp(join(tmpdir(), 'grpc-lb-etcd-'));
  let clientPort = 0;
  let peerPort = 0;
  let child: ChildProcess | undefined;
  let output = '';
  let stopped = false;

  const launch = async (): Promise<void> => {
    const clientUrl = `http://127.0.0.1:${clientPort}`;
    output = '';
    // Its own process group, so a lab run cut off without clean-up can be cleaned by the next (leftovers.ts).
    const proc = spawn(binary, etcdArgs(dataDir, clientUrl, `http://127.0.0.1:${peerPort}`), { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    child = proc;
    if (proc.pid !== undefined) options.onSpawn?.(proc.pid, dataDir);
    const keep = (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-4000);
    };
    proc.stdout?.on('data', keep);
    proc.stderr?.on('data', keep);
    await untilHealthy(proc, binary, clientUrl, startTimeoutMs, () => output);
  };

  const kill = async (): Promise<void> => {
    const proc = child;
    child = undefined;
    if (!proc) return;
    proc.kill('SIGTERM');
    if (!(await waitExit(proc, 3000))) {
      proc.kill('SIGKILL');
      await waitExit(proc, 3000);
    }
  };

  // A port found free may be taken before etcd binds it: try a few pairs.
  for (let attempt = 1; ; attempt++) {
    clientPort = await freePort();
    peerPort = await freePort();
    if (peerPort === clientPort) continue;
    try {
      await launch();
      break;
    } catch (err) {
      await kill();
      const retriable = err instanceof EtcdStartError && /address already in use/i.test(err.output);
      if (!retriable || attempt >= 3) {
        await rm(dataDir, { recursive: true, force: true });
        throw err;
      }
    }
  }

  return {
    endpoints: [`http://127.0.0.1:${clientPort}`],
    clientPort,
    dataDir,
    kill,
    async restart() {
      if (stopped) throw new Error('etcd was stopped; start a new one');
      await kill();
      await launch();
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await kill();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
