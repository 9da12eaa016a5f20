import { ETCD_INSTALL_HINT, EtcdNotInstalledError, startEtcd, type EtcdProcess } from '../etcdProcess';
import { fillStep } from '../steps';
import { GRACEFUL_STOP_SUPPORTED } from '../supervisor';
import type { LabContext, LabServer } from '../context';
import { freePort, LOOPBACK } from '../net';
import type { ScenarioReport } from '../report';
import { IN_FLIGHT_LOAD, makeReport, measureDiscovery, serversPerClient } from './common';

const SERVICE = 'greeter-server';

/** What the learner must do when etcd is missing (Debian/Ubuntu package `etcd-server`). */
export const ETCD_SKIPPED = fillStep('etcdSkipped', [ETCD_INSTALL_HINT]);

/**
 * etcd: a real etcd on loopback; servers register `greeter-server/<ip:port>` under a lease
 * (ETCD_TTL_SECONDS), clients resolve `etcd:///greeter-server` (prefix watch). Scale up (new server
 * used?), scale down (SIGTERM: the server revokes its key), and kill -9 (the key stays until the
 * lease expires). The lab watches the registry itself to time the key changes.
 */
export async function runEtcd(ctx: LabContext): Promise<ScenarioReport> {
  const ttlSeconds = ctx.timings.etcdTtlSeconds;
  const registry = await startRegistry(ctx);
  if (!registry) return makeReport(ctx, false, { skipped: ETCD_SKIPPED });
  const { endpoints, putAt, deletedAt } = registry;

  const keyOf = (server: LabServer) => `${SERVICE}/${server.addr}`;
  const startServer = async (): Promise<LabServer> => {
    const server = await ctx.startServer({
      host: LOOPBACK,
      port: await freePort(LOOPBACK),
      env: { ETCD_ENDPOINTS: endpoints, ETCD_TTL_SECONDS: String(ttlSeconds), ...IN_FLIGHT_LOAD.serverEnv },
    });
    const registered = await ctx.waitUntil(() => putAt.has(keyOf(server)), 10_000);
    if (!registered) throw new Error(`${server.name} did not register ${keyOf(server)} in etcd within 10 s`);
    return server;
  };

  ctx.progress('etcdServers', 3, ttlSeconds);
  const servers = await Promise.all([0, 1, 2].map(() => startServer()));
  const target = `etcd:///${SERVICE}`;
  ctx.progress('startingClients', 2, target);
  const clients = [0, 1].map(() => ctx.startClient({ target, env: { ETCD_ENDPOINTS: endpoints, ...IN_FLIGHT_LOAD.clientEnv } }));
  await ctx.waitForRpcs(clients, 1);
  await ctx.sleep(ctx.timings.spreadMs);
  const serversHit = Math.min(...serversPerClient(ctx.model).values());

  ctx.progress('scaleUp', 3, 4);
  const added = await startServer();
  const registeredAt = putAt.get(keyOf(added)) as number;
  const scaleUpDiscoveredMs = await measureDiscovery(ctx, ctx.model, added.name, registeredAt, 5000);
  if (scaleUpDiscoveredMs === null) ctx.progress('etcdRegisteredNoRpc', added.name);
  else ctx.progress('etcdRegistered', added.name, scaleUpDiscoveredMs);

  ctx.progress('etcdScaleDown', servers[0].name);
  const failedBeforeStop = ctx.failedRpcs();
  const stoppedAt = Date.now();
  await servers[0].process.stop('SIGTERM');
  await ctx.waitUntil(() => deletedAt.has(keyOf(servers[0])), 5000);
  const stopDeleted = deletedAt.get(keyOf(servers[0]));

  const victim = servers[1];
  ctx.progress('etcdKill', victim.name, ttlSeconds);
  const failedBeforeKill = ctx.failedRpcs();
  const killedAt = Date.now();
  await victim.process.stop('SIGKILL');
  await ctx.waitUntil(() => deletedAt.has(keyOf(victim)), ttlSeconds * 1000 + 5000);
  const killDeleted = deletedAt.get(keyOf(victim));
  const killLast = ctx.model.lastSeen(victim.name);
  await ctx.sleep(300);

  const leaseTtlMs = ttlSeconds * 1000;
  const killRemovedMs = killDeleted === undefined ? null : killDeleted - killedAt;
  return makeReport(
    ctx,
    serversHit === 3 &&
      scaleUpDiscoveredMs !== null &&
      scaleUpDiscoveredMs <= 1000 &&
      killRemovedMs !== null &&
      killRemovedMs <= leaseTtlMs + 1000 &&
      // kill -9 drops the RPCs in flight on the victim; SIGTERM (scale-down) drops none — where there is a SIGTERM.
      ctx.failedRpcs() - failedBeforeKill > 0 &&
      (failedBeforeKill - failedBeforeStop === 0 || !GRACEFUL_STOP_SUPPORTED),
    {
      servers: 3,
      serversHit,
      leaseTtlMs,
      scaleUpDiscoveredMs,
      scaleDownRemovedMs: stopDeleted === undefined ? null : stopDeleted - stoppedAt,
      scaleDownFailedRpcs: failedBeforeKill - failedBeforeStop,
      killRemovedMs,
      killLastRpcMs: killLast === undefined ? null : Math.max(0, killLast - killedAt),
      killFailedRpcs: ctx.failedRpcs() - failedBeforeKill,
    },
  );
}

/** The lab's own view of the registry: key → the time it appeared, and the time it disappeared. */
interface Registry {
  /** etcd client URLs, comma-separated (ETCD_ENDPOINTS). */
  endpoints: string;
  putAt: Map<string, number>;
  deletedAt: Map<string, number>;
}

/** A real etcd on loopback and a watch on the servers' prefix; undefined (with the install hint) without etcd. */
async function startRegistry(ctx: LabContext): Promise<Registry | undefined> {
  ctx.progress('startingEtcd');
  // Loaded on demand: etcd3 pulls in grpc-js and protobufs, which would slow `npm start`'s first chart.
  const { Etcd3 } = await import('etcd3');
  let etcd: EtcdProcess;
  try {
    etcd = await startEtcd({ onSpawn: (pid, dataDir) => ctx.supervisor.adopt(pid, dataDir) });
  } catch (error) {
    if (error instanceof EtcdNotInstalledError) {
      ctx.progress('etcdSkipped', ETCD_INSTALL_HINT);
      return undefined;
    }
    throw error;
  }
  ctx.supervisor.defer(() => etcd.stop());
  ctx.announce({ role: 'etcd', name: 'etcd', addr: etcd.endpoints[0], dataDir: etcd.dataDir });
  ctx.supervisor.check();
  const etcdClient = new Etcd3({ hosts: etcd.endpoints });
  ctx.supervisor.defer(() => etcdClient.close());
  const putAt = new Map<string, number>();
  const deletedAt = new Map<string, number>();
  const watcher = await etcdClient.watch().prefix(`${SERVICE}/`).create();
  ctx.supervisor.defer(() => watcher.cancel().catch(() => undefined));
  watcher.on('put', (kv) => {
    const key = kv.key.toString();
    if (!putAt.has(key)) putAt.set(key, Date.now());
  });
  watcher.on('delete', (kv) => {
    const key = kv.key.toString();
    if (!deletedAt.has(key)) deletedAt.set(key, Date.now());
  });
  watcher.on('error', () => undefined);
  return { endpoints: etcd.endpoints.join(','), putAt, deletedAt };
}
