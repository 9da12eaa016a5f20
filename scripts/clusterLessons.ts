/**
 * What each chapter must show, judged from the traffic model the cluster test fills from the client
 * logs (docs/architecture.md "Process contract"). Pure: no cluster access, so the verdicts are unit-tested.
 */
import type { TrafficSnapshot } from '../samples/traffic/trafficModel';

export interface Verdict {
  holds: boolean;
  /** One line a person reads: what was seen, per client. */
  summary: string;
}

/** Fewer RPCs than this per client and the sample is too small to say anything. */
export const MIN_RPCS_PER_CLIENT = 20;
/** Failed RPCs tolerated in steady state (rollouts of the previous chapter may still settle). */
export const MAX_FAILURE_RATIO = 0.05;

function describe(snapshot: TrafficSnapshot): string {
  return snapshot.clients.map((c) => `${c.client} → ${c.servers.map((s) => `${s.server}:${s.count}`).join(' ')}`).join('; ');
}

/**
 * The steady-state lesson of a chapter: `clusterip` pins every client to one server; every other
 * chapter spreads each client's RPCs over all `serverPods`.
 */
export function judgeSpread(chapter: string, snapshot: TrafficSnapshot, clients: readonly string[], serverPods: readonly string[]): Verdict {
  const failed = snapshot.totalErrors;
  const problems: string[] = [];
  if (snapshot.totalRpcs > 0 && failed / snapshot.totalRpcs > MAX_FAILURE_RATIO) {
    problems.push(`${failed} of ${snapshot.totalRpcs} RPCs failed`);
  }
  for (const client of clients) {
    const traffic = snapshot.clients.find((c) => c.client === client);
    const total = traffic?.ok ?? 0;
    if (!traffic || total < MIN_RPCS_PER_CLIENT) {
      problems.push(`${client}: only ${total} successful RPCs`);
      continue;
    }
    const hit = traffic.servers.map((s) => s.server);
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
    summary: `${claim}: ${problems.length === 0 ? 'holds' : problems.join('; ')} (${describe(snapshot)})`,
  };
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
      // a watch: the EndpointSlice or the registry key arrives within a second of Ready
      return { withinMs: 1_000 };
    case 'max-age':
      // the next connection age at most, then one re-resolution (client DNS_MIN_RESOLUTION_MS) and a connect
      return { withinMs: (env.maxConnectionAgeMs ?? 0) + 1_000 };
    case 'envoy':
    case 'envoy-sidecar':
      // STRICT_DNS re-resolves every second; CoreDNS may serve a 5 s old answer
      return { withinMs: 10_000 };
    default:
      return undefined;
  }
}

/** A registry that does not wait for readiness (etcd) can route to a pod before Kubernetes calls it Ready. */
function describeDiscovery(discoveredMs: number | null): string {
  if (discoveredMs === null) return 'never used';
  return discoveredMs < 0 ? `${-discoveredMs} ms before Kubernetes marked it Ready (it registered as it started listening)` : `after ${discoveredMs} ms`;
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
    summary: `new pod used within ${limit} ms: ${describeDiscovery(discoveredMs)}`,
  };
}
