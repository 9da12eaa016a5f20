import { parseRpcRecord, type RpcRecord } from '../common/clientLog';
import { Emitter, type Event } from '../common/event';

/** One server as seen by one client. */
export interface ServerShare {
  server: string;
  count: number;
  /** count / the client's successful RPCs, 0..1. */
  share: number;
  /** Successful RPCs per second over the last `rateWindowSeconds` of log time. */
  rpcPerSecond: number;
  /** Epoch ms (log time) of the last RPC this server answered for this client. */
  lastSeen: number;
}

export interface ClientTraffic {
  client: string;
  total: number;
  ok: number;
  errors: number;
  lastSeen: number;
  lastError?: string;
  /** Sorted by count, highest first; ties by name. */
  servers: ServerShare[];
}

export interface TrafficSnapshot {
  clients: ClientTraffic[];
  /** Every server that answered at least one RPC, sorted by name. */
  servers: string[];
  totalRpcs: number;
  totalErrors: number;
  /** Lines that were not RPC records (lifecycle lines, garbage, partial lines). */
  skippedLines: number;
  /** Log-time range of the records seen, epoch ms (NaN when empty). */
  firstTs: number;
  lastTs: number;
}

/** One second of traffic, for charts. */
export interface TrafficBucket {
  /** Start of the second, epoch ms. */
  t: number;
  perServer: Record<string, number>;
  errors: number;
}

export interface TrafficModelOptions {
  /** How many one-second buckets the time series keeps (a ring buffer, so memory is bounded). Default 600. */
  seriesSeconds?: number;
  /** Window for RPC/s, in seconds of log time. Default 10. */
  rateWindowSeconds?: number;
}

interface ServerState {
  firstSeen: number;
  lastSeen: number;
}

interface PairState {
  count: number;
  lastSeen: number;
  /** Per-second counts within the rate window: second -> count (small), except the current second. */
  recent: Map<number, number>;
  /** The second RPCs are arriving in now and its count, kept out of `recent` until the second changes. */
  currentSecond: number;
  currentCount: number;
  /** The server's model-wide state (shared by every client's pair for that server). */
  server: ServerState;
}

/** A time-series bucket as kept internally (a Map is cheaper to bump than a dictionary object). */
interface Bucket {
  t: number;
  perServer: Map<string, number>;
  errors: number;
}

interface ClientState {
  ok: number;
  errors: number;
  lastSeen: number;
  lastError?: string;
  servers: Map<string, PairState>;
}

/**
 * Client → server traffic counts built from client log records (DESIGN "Client log").
 * One model serves the lab report, the CLI and the VS Code traffic view. Memory is bounded by the
 * number of distinct client/server pairs plus a fixed-size time series, however many lines arrive.
 */
export class TrafficModel {
  private readonly clients = new Map<string, ClientState>();
  /** Insertion order = order of first sighting. */
  private readonly servers = new Map<string, ServerState>();
  private readonly seriesSeconds: number;
  private readonly rateWindowSeconds: number;
  private readonly series: Array<Bucket | undefined>;
  /** Date.parse cache: the first 19 characters (`YYYY-MM-DDTHH:mm:ss`) of the last `…ss.sssZ` stamp and its epoch ms. */
  private tsPrefix = '';
  private tsPrefixMs = NaN;
  private skipped = 0;
  private totalOk = 0;
  private totalErrors = 0;
  private firstTs = NaN;
  private lastTs = NaN;
  private readonly changeEmitter = new Emitter<void>();

  /** Fires after every ingested record or reset. Consumers that render must throttle. */
  readonly onDidChange: Event<void> = this.changeEmitter.event;

  constructor(options: TrafficModelOptions = {}) {
    this.seriesSeconds = Math.max(1, options.seriesSeconds ?? 600);
    this.rateWindowSeconds = Math.max(1, options.rateWindowSeconds ?? 10);
    this.series = new Array(this.seriesSeconds);
  }

  /** Ingests one stdout line. Returns false (and counts it) when the line is not an RPC record. */
  ingestLine(line: string): boolean {
    const record = parseRpcRecord(line);
    if (!record) {
      this.skipped++;
      return false;
    }
    this.ingest(record);
    return true;
  }

  /** Ingests a chunk of text that may hold several lines; a trailing partial line is returned for the next call. */
  ingestText(text: string): string {
    let start = 0;
    for (;;) {
      const nl = text.indexOf('\n', start);
      if (nl < 0) break;
      const line = text.slice(start, nl);
      if (line.trim().length > 0) this.ingestLine(line);
      start = nl + 1;
    }
    return text.slice(start);
  }

  ingest(record: RpcRecord): void {
    let t = this.parseTs(record.ts);
    if (Number.isNaN(t)) t = this.lastTs;
    if (Number.isNaN(this.firstTs) || t < this.firstTs) this.firstTs = t;
    if (Number.isNaN(this.lastTs) || t > this.lastTs) this.lastTs = t;

    let client = this.clients.get(record.client);
    if (!client) {
      client = { ok: 0, errors: 0, lastSeen: t, servers: new Map() };
      this.clients.set(record.client, client);
    }
    if (t > client.lastSeen) client.lastSeen = t;
    const second = Math.floor(t / 1000);
    const bucket = this.bucketFor(second);

    const serverName = record.server;
    if (record.ok && serverName !== null) {
      client.ok++;
      this.totalOk++;
      let pair = client.servers.get(serverName);
      if (!pair) {
        let server = this.servers.get(serverName);
        if (!server) {
          server = { firstSeen: t, lastSeen: t };
          this.servers.set(serverName, server);
        }
        pair = { count: 0, lastSeen: t, recent: new Map(), currentSecond: second, currentCount: 0, server };
        client.servers.set(serverName, pair);
      }
      pair.count++;
      if (t > pair.lastSeen) pair.lastSeen = t;
      if (second === pair.currentSecond) {
        pair.currentCount++;
      } else {
        if (pair.currentCount > 0) this.addRecent(pair.recent, pair.currentSecond, pair.currentCount);
        pair.currentSecond = second;
        pair.currentCount = 1;
        if (pair.recent.size > this.rateWindowSeconds + 2) this.pruneRecent(pair.recent, second);
      }
      const server = pair.server;
      if (t < server.firstSeen) server.firstSeen = t;
      if (t > server.lastSeen) server.lastSeen = t;
      if (bucket) bucket.perServer.set(serverName, (bucket.perServer.get(serverName) ?? 0) + 1);
    } else {
      client.errors++;
      this.totalErrors++;
      client.lastError = record.error;
      if (bucket) bucket.errors++;
    }
    if (this.changeEmitter.hasListeners) this.changeEmitter.fire();
  }

  /** Log time (epoch ms) of the first successful RPC answered by `server`, if any. */
  firstSeen(server: string): number | undefined {
    return this.servers.get(server)?.firstSeen;
  }

  /** Log time (epoch ms) of the last successful RPC answered by `server`, if any. */
  lastSeen(server: string): number | undefined {
    return this.servers.get(server)?.lastSeen;
  }

  get skippedLines(): number {
    return this.skipped;
  }

  /** client -> server -> successful RPC count. */
  distribution(): Record<string, Record<string, number>> {
    const out: Record<string, Record<string, number>> = {};
    for (const [name, client] of [...this.clients].sort(([a], [b]) => a.localeCompare(b))) {
      const row: Record<string, number> = {};
      for (const [server, pair] of [...client.servers].sort(([a], [b]) => a.localeCompare(b))) row[server] = pair.count;
      out[name] = row;
    }
    return out;
  }

  snapshot(): TrafficSnapshot {
    const nowSecond = Number.isNaN(this.lastTs) ? 0 : Math.floor(this.lastTs / 1000);
    const clients: ClientTraffic[] = [];
    for (const [name, state] of this.clients) {
      const servers: ServerShare[] = [];
      for (const [server, pair] of state.servers) {
        let recent = 0;
        for (const [second, n] of pair.recent) {
          if (second > nowSecond - this.rateWindowSeconds) recent += n;
        }
        if (pair.currentSecond > nowSecond - this.rateWindowSeconds) recent += pair.currentCount;
        servers.push({
          server,
          count: pair.count,
          share: state.ok === 0 ? 0 : pair.count / state.ok,
          rpcPerSecond: recent / this.rateWindowSeconds,
          lastSeen: pair.lastSeen,
        });
      }
      servers.sort((a, b) => b.count - a.count || a.server.localeCompare(b.server));
      clients.push({
        client: name,
        total: state.ok + state.errors,
        ok: state.ok,
        errors: state.errors,
        lastSeen: state.lastSeen,
        ...(state.lastError !== undefined ? { lastError: state.lastError } : {}),
        servers,
      });
    }
    clients.sort((a, b) => a.client.localeCompare(b.client));
    return {
      clients,
      servers: [...this.servers.keys()].sort((a, b) => a.localeCompare(b)),
      totalRpcs: this.totalOk + this.totalErrors,
      totalErrors: this.totalErrors,
      skippedLines: this.skipped,
      firstTs: this.firstTs,
      lastTs: this.lastTs,
    };
  }

  /** The time series, oldest first, at most `seriesSeconds` buckets. */
  timeSeries(): TrafficBucket[] {
    return this.series
      .filter((b): b is Bucket => b !== undefined)
      .sort((a, b) => a.t - b.t)
      .map((b) => ({ t: b.t, perServer: Object.fromEntries(b.perServer), errors: b.errors }));
  }

  reset(): void {
    this.clients.clear();
    this.servers.clear();
    this.series.fill(undefined);
    this.skipped = 0;
    this.totalOk = 0;
    this.totalErrors = 0;
    this.firstTs = NaN;
    this.lastTs = NaN;
    this.changeEmitter.fire();
  }

  dispose(): void {
    this.changeEmitter.dispose();
  }

  /**
   * Date.parse(ts), memoised per second: consecutive records share the `YYYY-MM-DDTHH:mm:ss` prefix,
   * so for the canonical `…ss.sssZ` form only the milliseconds differ. Other forms go to Date.parse.
   */
  private parseTs(ts: string): number {
    if (ts.length === 24 && ts.charCodeAt(19) === 46 /* . */ && ts.charCodeAt(23) === 90 /* Z */) {
      const d0 = ts.charCodeAt(20) - 48;
      const d1 = ts.charCodeAt(21) - 48;
      const d2 = ts.charCodeAt(22) - 48;
      if (d0 >= 0 && d0 <= 9 && d1 >= 0 && d1 <= 9 && d2 >= 0 && d2 <= 9) {
        const millis = d0 * 100 + d1 * 10 + d2;
        if (ts.startsWith(this.tsPrefix) && this.tsPrefix.length === 19) return this.tsPrefixMs + millis;
        const t = Date.parse(ts);
        // Cache only the ISO form (not a legacy-parser guess), and never hour 24: it is only valid
        // as 24:00:00.000, so that second must not be reused for other milliseconds.
        if (!Number.isNaN(t) && isIsoSecondPrefix(ts)) {
          this.tsPrefix = ts.slice(0, 19);
          this.tsPrefixMs = t - millis;
        }
        return t;
      }
    }
    return Date.parse(ts);
  }

  private bucketFor(second: number): Bucket | undefined {
    if (!Number.isFinite(second)) return undefined;
    const slot = ((second % this.seriesSeconds) + this.seriesSeconds) % this.seriesSeconds;
    const existing = this.series[slot];
    const t = second * 1000;
    if (existing && existing.t === t) return existing;
    // A late record older than what the slot now holds is counted but left out of the series.
    if (existing && existing.t > t) return undefined;
    const bucket: Bucket = { t, perServer: new Map(), errors: 0 };
    this.series[slot] = bucket;
    return bucket;
  }

  private addRecent(recent: Map<number, number>, second: number, n: number): void {
    recent.set(second, (recent.get(second) ?? 0) + n);
  }

  private pruneRecent(recent: Map<number, number>, nowSecond: number): void {
    for (const second of recent.keys()) {
      if (second <= nowSecond - this.rateWindowSeconds) recent.delete(second);
    }
  }
}

const ISO_DIGITS = [0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18];

/** `YYYY-MM-DDTHH:mm:ss`: digits and punctuation in place, and an hour other than 24. */
function isIsoSecondPrefix(ts: string): boolean {
  for (const i of ISO_DIGITS) {
    const c = ts.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return (
    ts.charCodeAt(4) === 45 /* - */ &&
    ts.charCodeAt(7) === 45 &&
    ts.charCodeAt(10) === 84 /* T */ &&
    ts.charCodeAt(13) === 58 /* : */ &&
    ts.charCodeAt(16) === 58 &&
    !(ts.charCodeAt(11) === 50 /* 2 */ && ts.charCodeAt(12) === 52) /* 4 */
  );
}
