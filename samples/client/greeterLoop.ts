/**
 * The client's RPC loop: one SayHello at a time with a deadline, one RpcRecord line per RPC,
 * then a pause of `intervalMs`. It never stops on an RPC failure, a resolver error or every
 * server being gone: the failure is logged (ok:false) and the next RPC is tried, so the log shows
 * the outage and the recovery. `stop()` returns the per-server summary.
 */
import * as grpc from '@grpc/grpc-js';
import { performance } from 'node:perf_hooks';
import { formatRpcRecord, type RpcRecord } from '../common/clientLog';
import { loadGreeter, type GreeterClient, type HelloReply } from '../common/proto';
import { preloadResolver, registerResolvers, registerXdsIfNeeded } from '../resolvers/index';
import { resolutionRefusals } from '../resolvers/reporter';
import type { ClientConfig } from './config';

/** Channel options for a config: the LB policy as service config, plus the DNS/backoff knobs. */
export function channelOptions(config: ClientConfig): grpc.ChannelOptions {
  const options: grpc.ChannelOptions = {
    'grpc.service_config': JSON.stringify({ loadBalancingConfig: [{ [config.lbPolicy]: {} }] }),
    // Our service config is the only one: skip the DNS TXT lookup for `_grpc_config.<name>`.
    'grpc.service_config_disable_resolution': 1,
    'grpc.max_reconnect_backoff_ms': config.reconnectBackoffMaxMs,
  };
  if (config.dnsMinResolutionMs !== undefined) {
    options['grpc.dns_min_time_between_resolutions_ms'] = config.dnsMinResolutionMs;
  }
  return options;
}

/** What the client saw, printed as one JSON line on SIGTERM (not an RpcRecord: no `ok` field). */
export interface ClientSummary {
  event: 'summary';
  client: string;
  chapter: string;
  target: string;
  lbPolicy: string;
  total: number;
  succeeded: number;
  failed: number;
  /** RPCs answered per server pod. */
  servers: Record<string, number>;
  /** Failed RPCs per gRPC status code. */
  failures: Record<string, number>;
  durationMs: number;
}

export interface GreeterLoopOptions {
  /** Where record lines go (default: stdout). */
  write?: (line: string) => void;
  /**
   * Loads what the target's resolver needs before the first RPC (default: preloadResolver, which
   * loads @kubernetes/client-node or etcd3 for kubernetes: and etcd: targets).
   */
  preload?: (target: string) => Promise<void>;
}

function round1(ms: number): number {
  return Math.round(ms * 10) / 10;
}

export class GreeterLoop {
  private readonly client: GreeterClient;
  private readonly write: (line: string) => void;
  private readonly preload: (target: string) => Promise<void>;
  private readonly servers = new Map<string, number>();
  private readonly failures = new Map<number, number>();
  private total = 0;
  private succeeded = 0;
  private running = false;
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<void> | undefined;
  private startedAt = 0;

  constructor(
    readonly config: ClientConfig,
    options: GreeterLoopOptions = {},
  ) {
    this.write = options.write ?? ((line) => process.stdout.write(`${line}\n`));
    this.preload = options.preload ?? preloadResolver;
    registerResolvers();
    registerXdsIfNeeded(config.target);
    const { Client } = loadGreeter();
    this.client = new Client(config.target, grpc.credentials.createInsecure(), channelOptions(config));
  }

  /**
   * Starts calling. First the resolver's client library is loaded (@kubernetes/client-node takes
   * seconds, and loading blocks the event loop), so that a cold start does not eat into the start-up
   * wait. Then the first RPC waits until the channel is ready or `startupWaitMs` passed: a resolver's
   * first answer can take longer than one deadline (etcd3 connecting, the API server answering), and
   * that start-up latency is not a failure of any server. After that, nothing waits.
   * Resolves once the first RPC is sent or scheduled (or the loop was stopped meanwhile).
   */
  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    this.startedAt = performance.now();
    try {
      await this.preload(this.config.target);
    } catch {
      // The resolver fails again when the channel uses it, and that error is logged with each RPC.
    }
    if (!this.running) return;
    if (this.config.startupWaitMs <= 0) {
      this.tick();
      return;
    }
    const firstTick = (): void => {
      resolutionRefusals.off('refused', onRefusal);
      if (this.running && this.timer === undefined && this.inFlight === undefined) this.tick();
    };
    // A refusal the resolver already knows (RBAC says no) ends the wait: the first RPC fails at once
    // with the reason, instead of after the whole wait (after the listener has seen it: next turn).
    const onRefusal = (): void => void setImmediate(firstTick);
    resolutionRefusals.on('refused', onRefusal);
    this.client.waitForReady(Date.now() + this.config.startupWaitMs, firstTick);
  }

  private tick(): void {
    this.timer = undefined;
    if (!this.running) return;
    const round = Array.from({ length: this.config.concurrency }, () => this.callOnce());
    this.inFlight = Promise.all(round).then(() => {
      this.inFlight = undefined;
      if (this.running) this.timer = setTimeout(() => this.tick(), this.config.intervalMs);
    });
  }

  /** One RPC; resolves (never rejects) after its record is written. */
  callOnce(): Promise<void> {
    const { config } = this;
    const begin = performance.now();
    return new Promise<void>((resolve) => {
      const finish = (error: grpc.ServiceError | null, reply: HelloReply | undefined): void => {
        const ms = round1(performance.now() - begin);
        const ts = new Date().toISOString();
        const base = { ts, client: config.podName, chapter: config.chapter, target: config.target, ms };
        let record: RpcRecord;
        if (error || !reply) {
          const code = error?.code ?? grpc.status.UNKNOWN;
          record = { ...base, ok: false, server: null, code, error: error?.details || error?.message || 'no reply' };
          this.failures.set(code, (this.failures.get(code) ?? 0) + 1);
        } else {
          record = { ...base, ok: true, server: reply.server_pod, code: grpc.status.OK };
          this.succeeded++;
          this.servers.set(reply.server_pod, (this.servers.get(reply.server_pod) ?? 0) + 1);
        }
        this.total++;
        this.write(formatRpcRecord(record));
        resolve();
      };
      try {
        this.client.SayHello(
          { name: config.podName },
          // No waitForReady (grpc-js default false): with no reachable server the RPC fails at
          // once with UNAVAILABLE and is logged, instead of queueing silently until its deadline.
          { deadline: Date.now() + config.deadlineMs },
          (error, reply) => finish(error, reply),
        );
      } catch (err) {
        // A synchronous throw (e.g. from a resolver) is one failed RPC, not the end of the client.
        const error = Object.assign(new Error(err instanceof Error ? err.message : String(err)), {
          code: grpc.status.INTERNAL,
          details: err instanceof Error ? err.message : String(err),
          metadata: new grpc.Metadata(),
        }) as grpc.ServiceError;
        finish(error, undefined);
      }
    });
  }

  summary(): ClientSummary {
    const { config } = this;
    return {
      event: 'summary',
      client: config.podName,
      chapter: config.chapter,
      target: config.target,
      lbPolicy: config.lbPolicy,
      total: this.total,
      succeeded: this.succeeded,
      failed: this.total - this.succeeded,
      servers: Object.fromEntries([...this.servers].sort(([a], [b]) => a.localeCompare(b))),
      failures: Object.fromEntries([...this.failures].map(([code, n]) => [String(code), n])),
      durationMs: this.startedAt ? Math.round(performance.now() - this.startedAt) : 0,
    };
  }

  /** Stops the loop, lets an in-flight RPC finish (for up to 2 s), closes the channel. */
  async stop(): Promise<ClientSummary> {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.inFlight) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([this.inFlight, new Promise((resolve) => (timer = setTimeout(resolve, 2000)))]);
      clearTimeout(timer);
    }
    const summary = this.summary();
    this.client.close();
    return summary;
  }
}
