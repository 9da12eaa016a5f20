/**
 * What each chapter must show, judged from the client log records (DESIGN.md "Client log") the
 * cluster test collects. Pure: no cluster access, so the verdicts are unit-tested.
 */
import type { RpcRecord } from '../samples/common/clientLog';

/** Client pod → server pod → successful RPCs. */
export type Distribution = Map<string, Map<string, number>>;

export function distribution(records: readonly RpcRecord[]): Distribution {
  const result: Distribution = new Map();
  for (const r of records) {
    if (!r.ok || r.server === null) continue;
    const perServer = result.get(r.client) ?? new Map<string, number>();
    perServer.set(r.server, (perServer.get(r.server) ?? 0) + 1);
    result.set(r.client, perServer);
  }
  return result;
}

export interface Verdict {
  holds: boolean;
  /** One line a person reads: what was seen, per client. */
  summary: string;
}

/** Fewer RPCs than this per client and the sample is too small to say anything. */
export const MIN_RPCS_PER_CLIENT = 20;
/** Failed RPCs tolerated in steady state (rollouts of the previous chapter may still settle). */
export const MAX_FAILURE_RATIO = 0.05;

function describe(dist: Distribution): string {
  return [...dist]
    .map(([client, perServer]) => `${client} → ${[...perServer].map(([s, n]) => `${s}:${n}`).join(' ')}`)
    .join('; ');
}

/**
 * The steady-state lesson of a chapter: `clusterip` pins every client to one server; every other
 * chapter spreads each client's RPCs over all `serverPods`.
 */
export function judgeSpread(chapter: string, records: readonly RpcRecord[], clients: readonly string[], serverPods: readonly string[]): Verdict {
  const dist = distribution(records);
  const failed = records.filter((r) => !r.ok).length;
  const problems: string[] = [];
  if (records.length > 0 && failed / records.length > MAX_FAILURE_RATIO) {
    problems.push(`${failed} of ${records.length} RPCs failed`);
  }
  for (const client of clients) {
    const perServer = dist.get(client);
    const total = perServer ? [...perServer.values()].reduce((a, b) => a + b, 0) : 0;
    if (total < MIN_RPCS_PER_CLIENT) {
      problems.push(`${client}: only ${total} successful RPCs`);
      continue;
    }
    const hit = [...perServer!.keys()];
    const strangers = hit.filter((s) => !serverPods.includes(s));
    if (strangers.length > 0) problems.push(`${client}: answered by unknown pods ${strangers.join(', ')}`);
    if (chapter === 'clusterip') {
      if (hit.length !== 1) problems.push(`${client}: expected one server (one connection), saw ${hit.length}`);
    } else {
      const missed = serverPods.filter((s) => !hit.includes(s));
      if (missed.length > 0) problems.push(`${client}: never reached ${missed.join(', ')}`);
    }
  }
  const claim = chapter === 'clusterip' ? 'each client pinned to one server' : `each client spread over all ${serverPods.length} servers`;
  return {
    holds: problems.length === 0,
    summary: `${claim}: ${problems.length === 0 ? 'holds' : problems.join('; ')} (${describe(dist)})`,
  };
}

/** Milliseconds from `since` to the first successful RPC answered by `server`, or null if none. */
export function firstRpcAfter(records: readonly RpcRecord[], server: string, since: Date): number | null {
  let first: number | null = null;
  for (const r of records) {
    if (!r.ok || r.server !== server) continue;
    const t = Date.parse(r.ts);
    if (first === null || t < first) first = t;
  }
  return first === null ? null : Math.max(0, first - since.getTime());
}

/** How a scale-up must be discovered, per chapter; undefined = the chapter makes no such claim. */
export interface ScaleUpExpectation {
  /** The new pod must get RPCs within this many ms of turning Ready… */
  withinMs?: number;
  /** …or, for headless, must NOT get any within this window (grpc-js does not re-resolve). */
  notWithinMs?: number;
}

export function scaleUpExpectation(chapter: string, env: { maxConnectionAgeMs?: number }): ScaleUpExpectation | undefined {
  switch (chapter) {
    case 'headless':
      return { notWithinMs: 30_000 };
    case 'endpoints':
    case 'etcd':
      return { withinMs: 5_000 };
    case 'max-age':
      // one connection age, CoreDNS's 5 s record cache for headless Services, and slack
      return { withinMs: (env.maxConnectionAgeMs ?? 0) + 5_000 + 5_000 };
    case 'envoy':
    case 'envoy-sidecar':
      // STRICT_DNS re-resolves every second; CoreDNS may serve a 5 s old answer
      return { withinMs: 10_000 };
    default:
      return undefined;
  }
}

export function judgeScaleUp(expectation: ScaleUpExpectation, discoveredMs: number | null): Verdict {
  if (expectation.notWithinMs !== undefined) {
    return {
      holds: discoveredMs === null || discoveredMs > expectation.notWithinMs,
      summary: `new pod ignored for ${expectation.notWithinMs / 1000} s: ${discoveredMs === null ? 'yes, never used' : `no, used after ${discoveredMs} ms`}`,
    };
  }
  const limit = expectation.withinMs ?? 0;
  return {
    holds: discoveredMs !== null && discoveredMs <= limit,
    summary: `new pod used within ${limit} ms: ${discoveredMs === null ? 'never used' : `after ${discoveredMs} ms`}`,
  };
}
