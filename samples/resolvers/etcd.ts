import { experimental, type ChannelOptions } from '@grpc/grpc-js';
import type { Etcd3, IKeyValue, Lease, Watcher } from 'etcd3';
import { etcd3 } from '../common/lazyModules';
import { isIP } from 'node:net';
import { parseEtcdTarget } from './targets';
import { WatchResolver, withSettings, type ResolverConstructor } from './watchResolver';

export { parseEtcdTarget } from './targets';

type Endpoint = experimental.Endpoint;
type GrpcUri = experimental.GrpcUri;
type ResolverListener = experimental.ResolverListener;

/** Operations of etcd's `client/v3/naming/endpoints` layout (`endpoints.Operation`). */
export const OP_ADD = 0;
export const OP_DELETE = 1;

/** The value stored under `<service>/<addr>`: `endpoints.Update` of etcd's client/v3/naming/endpoints as JSON. */
export function namingValue(addr: string): string {
  return JSON.stringify({ Op: OP_ADD, Addr: addr, Metadata: null });
}

export interface HostPort {
  host: string;
  port: number;
}

/** `ip:port`, `[v6]:port` or `host:port` → host and port; undefined if it is not one. */
export function parseAddr(addr: string): HostPort | undefined {
  const m = /^\[([^\]]+)\]:(\d+)$/.exec(addr) ?? /^([^:[\]\s]+):(\d+)$/.exec(addr);
  if (!m) return undefined;
  const [, host, portText] = m as unknown as [string, string, string];
  const port = Number(portText);
  if (!(port >= 1 && port <= 65535)) return undefined;
  if (addr.startsWith('[') && isIP(host) !== 6) return undefined;
  return { host, port };
}

export type NamingUpdate = { op: 'add' | 'delete'; addr: HostPort };

/** Parses a naming value (`{"Op":0,"Addr":"ip:port","Metadata":…}`); undefined for anything else. */
export function parseNamingValue(value: string): NamingUpdate | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const { Op, Addr } = parsed as { Op?: unknown; Addr?: unknown };
  if ((Op !== OP_ADD && Op !== OP_DELETE) || typeof Addr !== 'string') return undefined;
  const addr = parseAddr(Addr);
  if (!addr) return undefined;
  return { op: Op === OP_ADD ? 'add' : 'delete', addr };
}

/** `ETCD_ENDPOINTS` (comma-separated URLs) as a list; empty when unset. */
export function etcdEndpointsFromEnv(env: NodeJS.ProcessEnv = process.env): string[] {
  return (env.ETCD_ENDPOINTS ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

/**
 * The `hosts` to give etcd3 for etcd client URLs. etcd3 strips `http(s)://` and hands grpc-js the
 * rest, `host:port`, which grpc-js reads as a URI whenever `host` is a registered scheme: with the
 * chapter's Service `etcd`, `etcd:2379` went to this very resolver (path "2379"), which opened another
 * etcd client for `etcd:2379`, and so on until the pod was OOM-killed. `dns:///` after the protocol
 * keeps etcd's own address on grpc-js's DNS resolver; the protocol stays for etcd3's TLS choice.
 */
export function etcd3Hosts(endpoints: readonly string[]): string[] {
  return endpoints.map((url) => url.replace(/^(https?:\/\/)(?![a-z][a-z0-9+.-]*:\/\/)/i, '$1dns:///'));
}

/** Options for {@link registerWithEtcd}. */
export interface EtcdRegistrationOptions {
  /** etcd client URLs, e.g. `['http://127.0.0.1:2379']`. */
  endpoints: string[];
  /** Service name: the key prefix, e.g. `greeter-server`. */
  service: string;
  /** `ip:port` other processes should dial. */
  addr: string;
  /** Lease TTL: the entry disappears this long after the process dies without revoking. */
  ttlSeconds: number;
  /** Called when the lease was lost (etcd unreachable longer than the TTL) and again when re-registered. */
  onLeaseEvent?: (event: { type: 'lost'; error: string } | { type: 'restored' }) => void;
  /** One grant + put that gets no answer within this long fails and is retried (default 5000 ms). */
  attemptTimeoutMs?: number;
}

export interface EtcdRegistration {
  /** Revokes the lease (deleting the key at once) and closes the etcd client. Idempotent. */
  revoke(): Promise<void>;
}

/** Registration failed: etcd unreachable or refused the lease/put. */
export class EtcdRegistrationError extends Error {
  override readonly name = 'EtcdRegistrationError';
}

/**
 * `promise`, or a rejection after `ms`. etcd3 sets no deadline: a grant sent while etcd starts (connection
 * open, no answer) waited forever on the rig, and that server never registered; an attempt that hangs is retried.
 */
async function within<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([promise, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Registers `addr` under `<service>/<addr>` with a lease kept alive in the background,
 * value in the layout of etcd's client/v3/naming/endpoints: `{"Op":0,"Addr":"<addr>","Metadata":null}`.
 * If the lease is lost (etcd was away longer than the TTL), it registers again under a new
 * lease once etcd is back. Rejects with {@link EtcdRegistrationError} if the first put fails.
 */
export async function registerWithEtcd(opts: EtcdRegistrationOptions): Promise<EtcdRegistration> {
  if (!parseAddr(opts.addr)) throw new EtcdRegistrationError(`cannot register "${opts.addr}": expected ip:port`);
  if (!(opts.ttlSeconds >= 1)) throw new EtcdRegistrationError(`lease TTL must be ≥ 1 s, got ${opts.ttlSeconds}`);
  const { Etcd3 } = etcd3();
  const client = new Etcd3({ hosts: etcd3Hosts(opts.endpoints) });
  const key = `${opts.service}/${opts.addr}`;
  const attemptTimeoutMs = opts.attemptTimeoutMs ?? 5000;
  let lease: Lease | undefined;
  /** Set once the first put succeeded: only then does a lost lease schedule a new grant. */
  let established = false;
  let closed = false;
  let retryTimer: NodeJS.Timeout | undefined;
  let retries = 0;

  const grant = async (): Promise<void> => {
    const next = client.lease(opts.ttlSeconds, { autoKeepAlive: true });
    next.on('lost', (err) => {
      if (closed || !established || lease !== next) return;
      opts.onLeaseEvent?.({ type: 'lost', error: err.message });
      lease = undefined;
      scheduleRegrant();
    });
    lease = next;
    try {
      await within(next.put(key).value(namingValue(opts.addr)).exec(), attemptTimeoutMs);
    } catch (err) {
      if (lease === next) lease = undefined;
      next.release();
      throw err;
    }
  };
  const scheduleRegrant = (): void => {
    if (closed || retryTimer) return;
    const delay = Math.min(10_000, 500 * 2 ** retries++);
    retryTimer = setTimeout(() => {
      retryTimer = undefined;
      if (closed) return;
      grant().then(
        () => {
          retries = 0;
          opts.onLeaseEvent?.({ type: 'restored' });
        },
        () => scheduleRegrant(),
      );
    }, delay);
  };

  try {
    await grant();
    established = true;
  } catch (err) {
    closed = true;
    client.close();
    throw new EtcdRegistrationError(
      `cannot register ${key} in etcd at ${opts.endpoints.join(',')}: ${(err as Error).message}`,
    );
  }
  let revoked: Promise<void> | undefined;
  return {
    revoke() {
      revoked ??= (async () => {
        closed = true;
        clearTimeout(retryTimer);
        try {
          await lease?.revoke();
        } catch {
          // etcd is away: the lease expires on its own after the TTL
        } finally {
          client.close();
        }
      })();
      return revoked;
    },
  };
}

export interface EtcdResolverOptions {
  /** etcd client URLs; default {@link etcdEndpointsFromEnv} read when a channel starts resolving. */
  endpoints?: string[] | (() => string[]);
  /** Reconnect backoff: first delay, doubled up to the max (defaults 250 ms / 5 s). */
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  /** Minimum gap between two reports to the channel (default 100 ms). */
  minReportGapMs?: number;
  /** Diagnostics (default: stderr). */
  log?: (message: string) => void;
}

/** The resolver's options with their defaults filled in, shared by the channels of one resolver class. */
interface EtcdResolverSettings {
  log: (message: string) => void;
  initialBackoffMs: number;
  maxBackoffMs: number;
  minReportGapMs: number | undefined;
  /** etcd client URLs, read when a channel starts resolving. */
  endpoints: () => string[];
  /** Garbage values are logged once per process and key+value, not on every re-read. */
  loggedGarbage: Set<string>;
}

/**
 * A grpc-js resolver class for `etcd:///name`: reads every key under `name/` (etcd's naming
 * layout), then watches the prefix from the next revision, so no change is missed. When etcd
 * goes away it keeps the last known servers (their connections still work) and re-reads and
 * re-watches from scratch with capped backoff until etcd is back.
 */
export function createEtcdResolverClass(options: EtcdResolverOptions = {}): ResolverConstructor {
  const { endpoints } = options;
  const settings: EtcdResolverSettings = {
    log: options.log ?? ((m: string) => process.stderr.write(`${m}\n`)),
    initialBackoffMs: options.initialBackoffMs ?? 250,
    maxBackoffMs: options.maxBackoffMs ?? 5000,
    minReportGapMs: options.minReportGapMs,
    endpoints: () => (typeof endpoints === 'function' ? endpoints() : (endpoints ?? etcdEndpointsFromEnv())),
    loggedGarbage: new Set<string>(),
  };
  return withSettings(EtcdResolver, settings);
}

class EtcdResolver extends WatchResolver {
  private readonly settings: EtcdResolverSettings;
  private readonly name: string;
  private readonly prefix: string;
  private client: Etcd3 | undefined;
  private watcher: Watcher | undefined;
  private entries = new Map<string, HostPort>();
  private hosts: string[] = [];
  private outageLogged = false;

  constructor(target: GrpcUri, listener: ResolverListener, _options: ChannelOptions, settings: EtcdResolverSettings) {
    super(listener, settings.minReportGapMs);
    this.settings = settings;
    this.name = parseEtcdTarget(target.path);
    this.prefix = `${this.name}/`;
  }

  static getDefaultAuthority(target: GrpcUri): string {
    return parseEtcdTarget(target.path);
  }

  protected teardown(): void {
    const { watcher, client } = this;
    this.watcher = undefined;
    this.client = undefined;
    watcher?.removeAllListeners();
    // A listener must stay: a late 'error' without one would throw.
    watcher?.on('error', () => undefined);
    void watcher?.cancel().catch(() => undefined);
    client?.close();
  }

  protected async start(): Promise<void> {
    const generation = ++this.generation;
    const current = () => this.running && generation === this.generation;
    const hosts = this.settings.endpoints();
    this.hosts = hosts;
    if (hosts.length === 0) {
      this.reporter.error(
        'etcd resolver: no etcd endpoints: set ETCD_ENDPOINTS to comma-separated URLs, e.g. http://127.0.0.1:2379',
      );
      return;
    }
    try {
      const { Etcd3 } = etcd3();
      const client = new Etcd3({ hosts: etcd3Hosts(hosts) });
      this.client = client;
      const res = await client.getAll().prefix(this.prefix).exec();
      if (!current()) return;
      const entries = new Map<string, HostPort>();
      for (const kv of res.kvs) this.apply(entries, kv.key.toString(), kv.value.toString());
      this.entries = entries;
      this.report();
      const watcher = await client
        .watch()
        .prefix(this.prefix)
        .startRevision(String(BigInt(res.header.revision) + 1n))
        .create();
      if (!current()) {
        void watcher.cancel().catch(() => undefined);
        return;
      }
      this.watcher = watcher;
      watcher.on('put', (kv: IKeyValue) => {
        if (!current()) return;
        this.apply(this.entries, kv.key.toString(), kv.value.toString());
        this.report();
      });
      watcher.on('delete', (kv: IKeyValue) => {
        if (!current()) return;
        this.entries.delete(kv.key.toString());
        this.report();
      });
      // etcd3 would resume by itself, but a fresh read is what survives compaction and a wiped etcd too.
      watcher.on('disconnected', (err: Error) => {
        if (current()) this.fail(err);
      });
      watcher.on('error', (err: Error) => {
        if (current()) this.fail(err);
      });
      this.failures = 0;
      if (this.outageLogged) this.settings.log(`etcd resolver: watching ${this.prefix} in etcd at ${hosts.join(',')} again`);
      this.outageLogged = false;
    } catch (err) {
      if (current()) this.fail(err as Error);
    }
  }

  private apply(entries: Map<string, HostPort>, key: string, value: string): void {
    const update = parseNamingValue(value);
    if (!update) {
      const id = `${key}\u0000${value}`;
      if (!this.settings.loggedGarbage.has(id)) {
        this.settings.loggedGarbage.add(id);
        this.settings.log(
          `etcd resolver: ignoring ${JSON.stringify(key)}: its value is not {"Op":0|1,"Addr":"ip:port"}: ` +
            JSON.stringify(value.slice(0, 120)),
        );
      }
      entries.delete(key);
      return;
    }
    if (update.op === 'add') entries.set(key, update.addr);
    else entries.delete(key);
  }

  private report(): void {
    const unique = new Map<string, Endpoint>();
    for (const a of this.entries.values()) unique.set(`${a.host}:${a.port}`, { addresses: [a] });
    const endpoints = [...unique.keys()].sort().map((k) => unique.get(k) as Endpoint);
    this.reporter.endpoints(
      endpoints,
      `etcd resolver: ${endpoints.length} server(s) registered under "${this.prefix}" in etcd at ${this.hosts.join(',')}`,
    );
  }

  private fail(err: Error): void {
    this.teardown();
    if (this.entries.size === 0) {
      this.reporter.error(`etcd resolver: cannot read ${this.prefix} from etcd at ${this.hosts.join(',')}: ${err.message}`);
    } else if (!this.outageLogged) {
      this.outageLogged = true;
      this.settings.log(`etcd resolver: lost etcd at ${this.hosts.join(',')} (${err.message}); keeping ${this.entries.size} known server(s), reconnecting`);
    }
    this.scheduleRetry(this.settings.initialBackoffMs, this.settings.maxBackoffMs, () => void this.start());
  }
}
