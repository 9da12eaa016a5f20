/**
 * Test support for the sample processes: free loopback ports, real child processes started the
 * way the lab and the extension start them (sampleProcess + spawn with an argument array), their
 * stdout split into lines, and waits with deadlines instead of fixed sleeps.
 */
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { protoPath as healthProtoPath } from 'grpc-health-check';
import { spawn, type ChildProcess } from 'node:child_process';
import { freePort } from '../lab/net';
import { parseRpcRecord, type RpcRecord } from '../common/clientLog';
import { sampleProcess, type SampleName } from '../common/sampleProcess';

export { freePort };

const LOADER_OPTIONS = { keepCase: true, longs: String, enums: String, defaults: true, oneofs: true };

type Unary<Req, Res> = (req: Req, opts: grpc.CallOptions, cb: (err: grpc.ServiceError | null, res?: Res) => void) => void;

function healthClient(address: string): grpc.Client & { Check: Unary<{ service: string }, { status: string }> } {
  const pkg = grpc.loadPackageDefinition(protoLoader.loadSync(healthProtoPath, LOADER_OPTIONS)) as unknown as {
    grpc: { health: { v1: { Health: new (a: string, c: grpc.ChannelCredentials) => grpc.Client } } };
  };
  return new pkg.grpc.health.v1.Health(address, grpc.credentials.createInsecure()) as grpc.Client & {
    Check: Unary<{ service: string }, { status: string }>;
  };
}

function call<Req, Res>(fn: Unary<Req, Res>, self: unknown, req: Req): Promise<Res> {
  return new Promise((resolve, reject) =>
    fn.call(self, req, { deadline: Date.now() + 3000 }, (err, res) => (err ? reject(err) : resolve(res as Res))),
  );
}

/** The gRPC health status the server at `address` reports for `service` ('' = the whole server). */
export async function checkHealth(address: string, service: string): Promise<string> {
  const client = healthClient(address);
  try {
    return (await call(client.Check, client, { service })).status;
  } finally {
    client.close();
  }
}


export async function freePorts(n: number, host = '127.0.0.1'): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < n) ports.add(await freePort(host));
  return [...ports];
}

/** Polls `check` until it returns something other than undefined/false, or fails after `timeoutMs`. */
export async function pollUntil<T>(
  what: string,
  check: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs: number,
  intervalMs = 25,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** A real sample process with its stdout collected line by line. */
export class SampleChild {
  readonly lines: string[] = [];
  stderr = '';
  readonly exited: Promise<ExitInfo>;
  private exitInfo: ExitInfo | undefined;
  private partial = '';

  private constructor(
    readonly name: string,
    readonly child: ChildProcess,
  ) {
    child.stdout?.setEncoding('utf8');
    child.stdout?.on('data', (chunk: string) => {
      const parts = (this.partial + chunk).split('\n');
      this.partial = parts.pop() ?? '';
      this.lines.push(...parts.filter((l) => l.length > 0));
    });
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => (this.stderr += chunk));
    this.exited = new Promise((resolve) => {
      child.once('close', (code, signal) => {
        this.exitInfo = { code, signal };
        resolve(this.exitInfo);
      });
    });
  }

  /** Spawns `dist/<sample>.js` or the TypeScript source, with a clean environment plus `env`. */
  static spawn(sample: SampleName, name: string, env: Record<string, string>): SampleChild {
    const spec = sampleProcess(sample);
    const base: Record<string, string> = {};
    for (const key of ['PATH', 'HOME', 'TMPDIR', 'LANG']) {
      const value = process.env[key];
      if (value !== undefined) base[key] = value;
    }
    const child = spawn(spec.command, spec.args, {
      env: { ...base, ...spec.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return new SampleChild(name, child);
  }

  get running(): boolean {
    return this.exitInfo === undefined;
  }

  /** JSON lines that are RPC records. */
  records(): RpcRecord[] {
    return this.lines.map(parseRpcRecord).filter((r): r is RpcRecord => r !== undefined);
  }

  /** JSON lines with an `event` field (lifecycle lines, summaries). */
  events(): Array<Record<string, unknown> & { event: string }> {
    const out: Array<Record<string, unknown> & { event: string }> = [];
    for (const line of this.lines) {
      try {
        const value = JSON.parse(line) as unknown;
        if (typeof value === 'object' && value !== null && typeof (value as { event?: unknown }).event === 'string') {
          out.push(value as Record<string, unknown> & { event: string });
        }
      } catch {
        // not JSON: ignore
      }
    }
    return out;
  }

  /** Waits for a lifecycle event; fails early (with stderr) if the process exits first. */
  waitForEvent(event: string, timeoutMs = 20_000): Promise<Record<string, unknown>> {
    return this.waitFor(`${this.name} to log "${event}"`, () => this.events().find((e) => e.event === event), timeoutMs);
  }

  /** Waits until `check` holds; fails early if the process exits. */
  waitFor<T>(what: string, check: () => T | undefined | false, timeoutMs = 20_000): Promise<T> {
    return pollUntil(
      what,
      () => {
        const value = check();
        if (value !== undefined && value !== false) return value;
        if (!this.running) {
          throw new Error(`${this.name} exited (${JSON.stringify(this.exitInfo)}) before ${what}; stderr: ${this.stderr}`);
        }
        return undefined;
      },
      timeoutMs,
    );
  }

  signal(sig: NodeJS.Signals): void {
    if (this.running) this.child.kill(sig);
  }

  /** SIGKILL (if still running) and wait for the exit. For test clean-up. */
  async destroy(): Promise<void> {
    this.signal('SIGKILL');
    await this.exited;
  }
}

/** Starts a server process on 127.0.0.1:`port` and waits for its "serving" line. */
export async function startServerProcess(
  port: number,
  podName: string,
  env: Record<string, string> = {},
): Promise<SampleChild> {
  const server = SampleChild.spawn('server', podName, {
    HOST: '127.0.0.1',
    PORT: String(port),
    POD_NAME: podName,
    DRAIN_MS: '200',
    ...env,
  });
  await server.waitForEvent('serving', 30_000);
  return server;
}
