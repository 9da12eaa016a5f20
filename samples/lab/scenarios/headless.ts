import type { LabContext } from '../context';
import type { ScenarioReport } from '../report';
import { makeReport, measureDiscovery, serversPerClient } from './common';
import { HeadlessCluster } from './headlessCluster';

/**
 * headless: 3 servers on distinct loopback IPs behind a DNS name the lab controls; 2 round_robin
 * clients spread over all. Then a scale-up (new server + A record): does any client use it within
 * the window? (grpc-js re-resolves only when a connection drops — docs/architecture.md.) Then a scale-down.
 */
export async function runHeadless(ctx: LabContext): Promise<ScenarioReport> {
  const cluster = await HeadlessCluster.start(ctx, { servers: 3, maxServers: 4 });
  ctx.progress('startingClients', 2, cluster.target);
  const clients = [0, 1].map(() => ctx.startClient({ target: cluster.target, env: HeadlessCluster.clientEnv }));
  await ctx.waitForRpcs(clients, 1);
  await ctx.sleep(ctx.timings.spreadMs);
  const serversHit = Math.min(...serversPerClient(ctx.model).values());

  const windowMs = ctx.timings.scaleUpWindowMs;
  ctx.progress('headlessScaleUp', 3, 4, windowMs / 1000);
  const { server: added, publishedAt } = await cluster.scaleUp();
  const scaleUpDiscoveredMs = await measureDiscovery(ctx, ctx.model, added.name, publishedAt, windowMs);
  if (scaleUpDiscoveredMs === null) ctx.progress('noRpcWithin', added.name, windowMs / 1000);
  else ctx.progress('firstRpcAfter', added.name, scaleUpDiscoveredMs);

  const removed = cluster.servers[0];
  ctx.progress('headlessScaleDown', removed.name);
  const failedBefore = ctx.failedRpcs();
  cluster.unpublish(removed);
  const stoppedAt = Date.now();
  await removed.process.stop('SIGTERM');
  // Give the clients a moment after the stop, so failures caused by it are counted.
  await ctx.sleep(500);
  const last = ctx.model.lastSeen(removed.name);
  return makeReport(ctx, serversHit === 3 && scaleUpDiscoveredMs === null, {
    servers: 3,
    serversHit,
    windowMs,
    scaleUpDiscoveredMs,
    scaleDownLastRpcMs: last === undefined ? null : Math.max(0, last - stoppedAt),
    scaleDownFailedRpcs: ctx.failedRpcs() - failedBefore,
  });
}
