import type { TrafficModel } from '../../traffic/trafficModel';
import type { LabContext } from '../context';
import type { Figure, ScenarioReport } from '../report';
import { CLAIMS } from '../report';

/** Distinct servers each client used (successful RPCs only), per client. */
export function serversPerClient(model: TrafficModel): Map<string, number> {
  const out = new Map<string, number>();
  for (const [client, row] of Object.entries(model.distribution())) {
    out.set(client, Object.values(row).filter((n) => n > 0).length);
  }
  return out;
}

/** Waits up to `windowMs` for `server` to answer an RPC in `model`; ms since `since`, or null. */
export async function measureDiscovery(
  ctx: LabContext,
  model: TrafficModel,
  server: string,
  since: number,
  windowMs: number,
): Promise<number | null> {
  const seen = await ctx.waitUntil(() => model.firstSeen(server) !== undefined, since + windowMs - Date.now());
  if (!seen) return null;
  return Math.max(0, (model.firstSeen(server) as number) - since);
}

export function makeReport(ctx: LabContext, holds: boolean, figures: Record<string, Figure>): ScenarioReport {
  return {
    id: ctx.scenario,
    claim: CLAIMS[ctx.scenario],
    holds,
    figures: { ...figures, totalRpcs: ctx.model.snapshot().totalRpcs },
    distribution: ctx.model.distribution(),
  };
}

/**
 * Load for the scenarios that stop servers abruptly (rollout, etcd's kill -9): each RPC takes 40 ms of
 * server work, and each client sends 4 at a time with only 5 ms between rounds, so nearly always some
 * RPCs are in flight on every server and a SIGKILL drops them (with ~1 ms RPCs every 200 ms it hardly
 * ever caught one, and "abrupt: 0 failed" read like "no difference"), while a graceful stop —
 * NOT_SERVING, drain, tryShutdown — lets every one of them finish.
 */
export const IN_FLIGHT_LOAD = {
  serverEnv: { WORK_MS: '40' },
  clientEnv: { CONCURRENCY: '4', INTERVAL_MS: '5' },
} as const;
