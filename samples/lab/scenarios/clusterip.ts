import type { LabContext, LabServer } from '../context';
import { LabDnsServer } from '../dnsServer';
import { freePort, LOOPBACK, TcpProxy } from '../net';
import type { ScenarioReport } from '../report';
import { makeReport, serversPerClient } from './common';
import { HeadlessCluster } from './headlessCluster';

const SERVICE_NAME = 'greeter-server.lab';

/**
 * clusterip: 3 servers behind an L4 proxy that balances connections round-robin (kube-proxy's job
 * for a ClusterIP Service); the Service name resolves to the proxy's one address. 2 clients with
 * round_robin: each opens one HTTP/2 connection, so all its RPCs land on one server.
 */
export async function runClusterIp(ctx: LabContext): Promise<ScenarioReport> {
  ctx.progress('clusteripStarting', 3, 2);
  const ports = await Promise.all([0, 1, 2].map(() => freePort(LOOPBACK)));
  const proxy = new TcpProxy(ports.map((port) => ({ host: LOOPBACK, port })));
  ctx.supervisor.defer(() => proxy.close());
  const { port: proxyPort } = await proxy.listen(LOOPBACK, 0);

  const dns = new LabDnsServer();
  ctx.supervisor.defer(() => dns.close());
  const { port: dnsPort } = await dns.listen(LOOPBACK, 0);
  dns.setRecords(SERVICE_NAME, [LOOPBACK]);
  const target = `dns://${LOOPBACK}:${dnsPort}/${SERVICE_NAME}:${proxyPort}`;

  // Servers and clients start together (process start-up dominates); the proxy holds a client's
  // connection until its backend listens, as a Service forwards only once an endpoint is ready.
  const serversReady = Promise.all(ports.map((port) => ctx.startServer({ host: LOOPBACK, port })));
  const clients = [0, 1].map(() => ctx.startClient({ target, env: HeadlessCluster.clientEnv }));
  const servers: LabServer[] = await serversReady;
  ctx.progress('serversReady', target);
  // The lesson is visible from the first RPCs: 10 per client (0.5 s at the default interval) keeps
  // `npm start`'s first chart quick; a longer spreadMs collects more.
  await ctx.waitForRpcs(clients, 10);
  if (ctx.timings.spreadMs > 2000) await ctx.sleep(ctx.timings.spreadMs);

  const perClient = serversPerClient(ctx.model);
  const counts = [...perClient.values()];
  const max = counts.length ? Math.max(...counts) : 0;
  return makeReport(ctx, counts.length === clients.length && max === 1, {
    servers: servers.length,
    serversPerClient: max,
    proxyConnections: proxy.stats.connectionsPerBackend.reduce((a, b) => a + b, 0),
  });
}
