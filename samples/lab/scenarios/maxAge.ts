import type { LabContext } from '../context';
import type { ScenarioReport } from '../report';
import { makeReport, measureDiscovery, serversPerClient } from './common';
import { HeadlessCluster } from './headlessCluster';

/**
 * max-age: the headless set-up with servers started with MAX_CONNECTION_AGE_MS. Two client groups
 * watch the same scale-up: lab-client-1/2 also set DNS_MIN_RESOLUTION_MS (both knobs), lab-client-3/4
 * do not (age only: the recycled connection triggers a re-resolution that grpc-js rate-limits to one
 * per 30 s by default, docs/architecture.md).
 */
export async function runMaxAge(ctx: LabContext): Promise<ScenarioReport> {
  const { maxConnectionAgeMs, dnsMinResolutionMs, ageOnlyWindowMs } = ctx.timings;
  const cluster = await HeadlessCluster.start(ctx, {
    servers: 3,
    maxServers: 4,
    // A short grace: a recycled connection's in-flight RPCs finish well within it.
    serverEnv: { MAX_CONNECTION_AGE_MS: String(maxConnectionAgeMs), MAX_CONNECTION_AGE_GRACE_MS: '1000' },
  });
  ctx.progress('maxAgeClients', 2, dnsMinResolutionMs, 2, cluster.target);
  const both = [0, 1].map(() =>
    ctx.startClient({
      target: cluster.target,
      group: 'both',
      env: { ...HeadlessCluster.clientEnv, DNS_MIN_RESOLUTION_MS: String(dnsMinResolutionMs) },
    }),
  );
  const ageOnly = [0, 1].map(() =>
    ctx.startClient({ target: cluster.target, group: 'age-only', env: HeadlessCluster.clientEnv }),
  );
  await ctx.waitForRpcs([...both, ...ageOnly], 1);
  await ctx.sleep(ctx.timings.spreadMs);
  const serversHit = Math.min(...serversPerClient(ctx.model).values());

  const bothWindowMs = maxConnectionAgeMs + dnsMinResolutionMs + 4000;
  ctx.progress('maxAgeScaleUp', 3, 4, maxConnectionAgeMs);
  const { server: added, publishedAt } = await cluster.scaleUp();
  const [scaleUpDiscoveredMs, ageOnlyScaleUpDiscoveredMs] = await Promise.all([
    measureDiscovery(ctx, ctx.groupModel('both'), added.name, publishedAt, bothWindowMs),
    measureDiscovery(ctx, ctx.groupModel('age-only'), added.name, publishedAt, Math.max(ageOnlyWindowMs, bothWindowMs)),
  ]);
  if (scaleUpDiscoveredMs === null) ctx.progress('bothKnobsNotFound');
  else ctx.progress('bothKnobsFound', scaleUpDiscoveredMs);
  if (ageOnlyScaleUpDiscoveredMs === null) ctx.progress('ageOnlyNotFound', ageOnlyWindowMs / 1000);
  else ctx.progress('ageOnlyFound', ageOnlyScaleUpDiscoveredMs);
  return makeReport(
    ctx,
    serversHit === 3 && scaleUpDiscoveredMs !== null && scaleUpDiscoveredMs <= maxConnectionAgeMs + 1000,
    {
      servers: 3,
      serversHit,
      maxConnectionAgeMs,
      dnsMinResolutionMs,
      scaleUpDiscoveredMs,
      ageOnlyScaleUpDiscoveredMs,
      ageOnlyWindowMs: Math.max(ageOnlyWindowMs, bothWindowMs),
      ageOnlyClients: ageOnly.map((c) => c.name).join(', '),
      failedRpcs: ctx.failedRpcs(),
    },
  );
}
