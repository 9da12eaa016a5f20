import type { LabContext } from '../context';
import type { ScenarioReport } from '../report';
import { IN_FLIGHT_LOAD, makeReport } from './common';
import { HeadlessCluster } from './headlessCluster';
import { fillStep } from '../steps';
import { GRACEFUL_STOP_SUPPORTED } from '../supervisor';

/**
 * rollout: a rolling restart of all 3 servers, one at a time (a new server is started and published
 * before the old one leaves DNS and is stopped — maxSurge 1, maxUnavailable 0), once graceful
 * (SIGTERM: NOT_SERVING, drain, shutdown) and once abrupt (SIGKILL). Failed RPCs counted for each: it
 * holds when the graceful one failed none and the abrupt one some (RPCs in flight: IN_FLIGHT_LOAD).
 * Clients set DNS_MIN_RESOLUTION_MS so the closed connection's re-resolution finds the new servers.
 */
export async function runRollout(ctx: LabContext): Promise<ScenarioReport> {
  if (!GRACEFUL_STOP_SUPPORTED) {
    ctx.progress('gracefulStopUnavailable');
    return makeReport(ctx, false, { skipped: fillStep('gracefulStopUnavailable', []) });
  }
  const cluster = await HeadlessCluster.start(ctx, { servers: 3, maxServers: 9, serverEnv: IN_FLIGHT_LOAD.serverEnv });
  const clientEnv = {
    ...HeadlessCluster.clientEnv,
    ...IN_FLIGHT_LOAD.clientEnv,
    DNS_MIN_RESOLUTION_MS: String(ctx.timings.dnsMinResolutionMs),
  };
  ctx.progress('startingClients', 2, cluster.target);
  const clients = [0, 1].map(() => ctx.startClient({ target: cluster.target, env: clientEnv }));
  await ctx.waitForRpcs(clients, 1);
  await ctx.sleep(Math.min(ctx.timings.spreadMs, 1000));

  const phase = async (signal: 'SIGTERM' | 'SIGKILL'): Promise<{ failed: number; rpcs: number }> => {
    const before = ctx.model.snapshot();
    // The replacements start together (like pods of a new ReplicaSet being created), then each one
    // takes over from an old server in turn: published first, then the old one leaves and stops.
    const olds = [...cluster.servers];
    const fresh = await Promise.all(olds.map(() => cluster.startServer()));
    for (const [i, old] of olds.entries()) {
      const server = fresh[i];
      cluster.add(server);
      // The clients' next re-resolution (after the old connection closes) must find it.
      ctx.progress(signal === 'SIGTERM' ? 'gracefulReplace' : 'abruptReplace', server.name, old.name);
      cluster.unpublish(old);
      await old.process.stop(signal);
      // Let the clients move on before the next replacement, as a rollout waits for readiness.
      await ctx.sleep(300);
    }
    await ctx.sleep(500);
    const after = ctx.model.snapshot();
    return { failed: after.totalErrors - before.totalErrors, rpcs: after.totalRpcs - before.totalRpcs };
  };

  const graceful = await phase('SIGTERM');
  const abrupt = await phase('SIGKILL');
  return makeReport(ctx, graceful.failed === 0 && graceful.rpcs > 0 && abrupt.failed > 0, {
    failedRpcsGraceful: graceful.failed,
    failedRpcsAbrupt: abrupt.failed,
    rpcsGraceful: graceful.rpcs,
    rpcsAbrupt: abrupt.rpcs,
  });
}
