/**
 * Test helpers: tiny in-process Greeter servers on loopback and a client that sends RPCs in a
 * loop and records which server answered each — what a learner watches in the traffic view.
 */
import * as grpc from '@grpc/grpc-js';
import { loadGreeter, type GreeterClient, type HelloReply, type HelloRequest } from '../../common/proto';

export interface TinyGreeter {
  readonly name: string;
  readonly host: string;
  readonly port: number;
  /** `host:port` */
  readonly addr: string;
  /** Closes every connection at once. */
  stop(): Promise<void>;
}

/** A Greeter answering `server_pod = name` on `host:port` (port 0 = a free one). */
export async function startTinyGreeter(name: string, host = '127.0.0.1', port = 0): Promise<TinyGreeter> {
  const server = new grpc.Server();
  server.addService(loadGreeter().service, {
    SayHello(call: grpc.ServerUnaryCall<HelloRequest, HelloReply>, callback: grpc.sendUnaryData<HelloReply>) {
      callback(null, { message: `Hello ${call.request.name}`, server_pod: name });
    },
  });
  const bound = await new Promise<number>((resolve, reject) =>
    server.bindAsync(`${host}:${port}`, grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
  );
  return {
    name,
    host,
    port: bound,
    addr: `${host}:${bound}`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.forceShutdown();
        resolve();
      }),
  };
}

export interface RpcRecord {
  /** ms since the epoch when the RPC completed */
  at: number;
  server: string | null;
  code: number;
  details?: string;
}

export interface TrafficOptions {
  lbPolicy?: 'round_robin' | 'pick_first';
  /** Pause between RPCs (default 10 ms). */
  intervalMs?: number;
  /** Per-RPC deadline (default 1000 ms). */
  deadlineMs?: number;
}

/** Sends SayHello in a loop on one channel and records every outcome. */
export class TrafficLoop {
  readonly records: RpcRecord[] = [];
  private readonly client: GreeterClient;
  private stopped = false;
  private readonly done: Promise<void>;

  constructor(
    readonly target: string,
    private readonly options: TrafficOptions = {},
  ) {
    const { Client } = loadGreeter();
    this.client = new Client(target, grpc.credentials.createInsecure(), {
      'grpc.service_config': JSON.stringify({ loadBalancingConfig: [{ [options.lbPolicy ?? 'round_robin']: {} }] }),
    });
    this.done = this.run();
  }

  private async run(): Promise<void> {
    const interval = this.options.intervalMs ?? 10;
    const deadlineMs = this.options.deadlineMs ?? 1000;
    while (!this.stopped) {
      const record = await new Promise<RpcRecord>((resolve) => {
        this.client.SayHello({ name: 'lab' }, { deadline: Date.now() + deadlineMs }, (err, reply) => {
          resolve(
            err
              ? { at: Date.now(), server: null, code: err.code, details: err.details }
              : { at: Date.now(), server: reply?.server_pod ?? null, code: 0 },
          );
        });
      });
      this.records.push(record);
      await new Promise((r) => setTimeout(r, interval));
    }
  }

  /** Per-server RPC counts among successful RPCs that completed at or after `since`. */
  counts(since = 0): Map<string, number> {
    const counts = new Map<string, number>();
    for (const r of this.records) if (r.at >= since && r.server) counts.set(r.server, (counts.get(r.server) ?? 0) + 1);
    return counts;
  }

  /** When `server` first answered at or after `since`, or undefined. */
  firstSeen(server: string, since = 0): number | undefined {
    return this.records.find((r) => r.at >= since && r.server === server)?.at;
  }

  /** When `server` last answered, or undefined. */
  lastSeen(server: string): number | undefined {
    for (let i = this.records.length - 1; i >= 0; i--) if (this.records[i]?.server === server) return this.records[i]?.at;
    return undefined;
  }

  /** The most recent failed RPC, if any. */
  lastError(): RpcRecord | undefined {
    for (let i = this.records.length - 1; i >= 0; i--) if (this.records[i]?.code !== 0) return this.records[i];
    return undefined;
  }

  /** Polls `predicate` every 20 ms until it holds; rejects with `what` and a traffic summary after `timeoutMs`. */
  async waitFor(what: string, predicate: () => boolean, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate()) {
      if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; ${this.summary()}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** A short text for assertion messages: counts over the last second and the last error. */
  summary(): string {
    const recent = Object.fromEntries(this.counts(Date.now() - 1000));
    const err = this.lastError();
    return `last 1 s: ${JSON.stringify(recent)}; ${this.records.length} RPCs; last error: ${err ? `${err.code} ${err.details}` : 'none'}`;
  }

  /** Stops the loop (waiting at most a little longer than one RPC deadline) and closes the channel. */
  async stop(): Promise<void> {
    this.stopped = true;
    let timer: NodeJS.Timeout | undefined;
    const wait = new Promise<void>((resolve) => (timer = setTimeout(resolve, (this.options.deadlineMs ?? 1000) + 500)));
    await Promise.race([this.done, wait]);
    clearTimeout(timer);
    this.client.close();
  }

  /** Failed RPCs that completed after the first successful one (cold start excluded). */
  failuresAfterFirstSuccess(): RpcRecord[] {
    const first = this.records.findIndex((r) => r.code === 0);
    return first < 0 ? [] : this.records.slice(first).filter((r) => r.code !== 0);
  }
}

/** A loopback port that was free a moment ago (for processes that need a port number up front). */
export async function freeLoopbackPort(): Promise<number> {
  const { createServer } = await import('node:net');
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export interface ResolutionReport {
  at: number;
  /** `host:port` list, or null for an error report */
  addrs: string[] | null;
  error?: string;
  note: string;
}

/**
 * Runs a resolver class directly (no channel) and records what it reports, to time discovery
 * independently of connection state.
 */
export function observeResolver(
  resolverClass: Parameters<typeof grpc.experimental.registerResolver>[1],
  target: string,
): {
  reports: ResolutionReport[];
  latest(): ResolutionReport | undefined;
  /** What a channel calls whenever it wants fresh results. */
  updateResolution(): void;
  destroy(): void;
} {
  const m = /^([a-z]+):\/\/([^/]*)\/(.*)$/.exec(target);
  if (!m) throw new Error(`bad target ${target}`);
  const reports: ResolutionReport[] = [];
  const resolver = new resolverClass(
    { scheme: m[1], authority: m[2], path: m[3] ?? '' },
    (result, _attrs, _config, note) => {
      if (result.ok) {
        const addrs = result.value.flatMap((e) => e.addresses.map((a) => ('host' in a ? `${a.host}:${a.port}` : a.path)));
        reports.push({ at: Date.now(), addrs: addrs.sort(), note });
      } else {
        reports.push({ at: Date.now(), addrs: null, error: result.error.details, note });
      }
      return true;
    },
    {},
  );
  resolver.updateResolution();
  return {
    reports,
    latest: () => reports[reports.length - 1],
    updateResolution: () => resolver.updateResolution(),
    destroy: () => resolver.destroy(),
  };
}
