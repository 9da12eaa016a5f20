import type { LabContext } from '../context';
import type { ScenarioReport } from '../report';
import { makeReport, serversPerClient } from './common';
import { HeadlessCluster } from './headlessCluster';

/**
 * pick-first: the same DNS name (3 A records, as a headless Service gives) for two clients that
 * differ only in LB_POLICY. gRPC's default policy, pick_first, sends every RPC to the first address
 * that connects; round_robin — switched on by the service config
 * `{"loadBalancingConfig":[{"round_robin":{}}]}` — spreads them over all three.
 */
export async function runPickFirst(ctx: LabContext): Promise<ScenarioReport> {
  const cluster = await HeadlessCluster.start(ctx, { servers: 3, maxServers: 3 });
  ctx.progress('pickFirstClients', cluster.target);
  const pickFirst = ctx.startClient({ target: cluster.target, env: { ...HeadlessCluster.clientEnv, LB_POLICY: 'pick_first' } });
  const roundRobin = ctx.startClient({ target: cluster.target, env: { ...HeadlessCluster.clientEnv, LB_POLICY: 'round_robin' } });
  await ctx.waitForRpcs([pickFirst, roundRobin], 1);
  await ctx.sleep(ctx.timings.spreadMs);
  const used = serversPerClient(ctx.model);
  const pickFirstServers = used.get(pickFirst.name) ?? 0;
  const roundRobinServers = used.get(roundRobin.name) ?? 0;
  return makeReport(ctx, pickFirstServers === 1 && roundRobinServers === 3, {
    servers: 3,
    pickFirstServers,
    roundRobinServers,
  });
}
