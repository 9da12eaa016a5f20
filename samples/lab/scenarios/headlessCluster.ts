import type { LabContext, LabServer } from '../context';
import { LabDnsServer } from '../dnsServer';
import { LOOPBACK, sharedFreePort } from '../net';

/** The DNS name the lab's headless "Service" answers (one A record per ready server). */
export const HEADLESS_NAME = 'greeter-server-headless.lab';

/** Server `lab-server-<n>` listens on 127.0.0.<10+n>: distinct A records, like distinct pod IPs. */
export function serverHost(n: number): string {
  return `127.0.0.${10 + n}`;
}

/**
 * A headless Service on loopback: servers on distinct loopback IPs sharing one port, and a DNS
 * server the lab controls answering their A records. Clients use
 * `dns://127.0.0.1:<dnsPort>/greeter-server-headless.lab:<port>` — with
 * GRPC_NODE_USE_ALTERNATIVE_RESOLVER=true, or grpc-js ignores the authority (docs/architecture.md).
 */
export class HeadlessCluster {
  readonly servers: LabServer[] = [];

  private constructor(
    private readonly ctx: LabContext,
    readonly dns: LabDnsServer,
    readonly dnsPort: number,
    readonly port: number,
    private readonly serverEnv: Record<string, string | undefined>,
  ) {}

  /** Starts the DNS server and `count` servers (in parallel), and publishes their records. */
  static async start(
    ctx: LabContext,
    opts: { servers: number; maxServers: number; serverEnv?: Record<string, string | undefined> },
  ): Promise<HeadlessCluster> {
    const hosts = Array.from({ length: opts.maxServers }, (_, i) => serverHost(i + 1));
    const port = await sharedFreePort(hosts);
    const dns = new LabDnsServer();
    ctx.supervisor.defer(() => dns.close());
    const { port: dnsPort } = await dns.listen(LOOPBACK, 0);
    dns.setRecords(HEADLESS_NAME, []);
    const cluster = new HeadlessCluster(ctx, dns, dnsPort, port, opts.serverEnv ?? {});
    ctx.progress('dnsServer', `${LOOPBACK}:${dnsPort}`, HEADLESS_NAME, opts.servers);
    const started = await Promise.all(Array.from({ length: opts.servers }, () => cluster.startServer()));
    cluster.servers.push(...started);
    cluster.publish();
    return cluster;
  }

  get target(): string {
    return `dns://${LOOPBACK}:${this.dnsPort}/${HEADLESS_NAME}:${this.port}`;
  }

  /** Env every headless client needs so the DNS authority is honoured. */
  static readonly clientEnv = { GRPC_NODE_USE_ALTERNATIVE_RESOLVER: 'true' } as const;

  /** Starts a server without publishing its record (see {@link add}). */
  startServer(): Promise<LabServer> {
    const name = this.ctx.takeServerName();
    const n = Number(name.slice('lab-server-'.length));
    return this.ctx.startServer({ name, host: serverHost(n), port: this.port, env: this.serverEnv });
  }

  /** The A record set = the servers in `servers` (like the ready endpoints of a headless Service). */
  publish(): void {
    this.dns.setRecords(
      HEADLESS_NAME,
      this.servers.map((s) => s.host),
    );
  }

  /** Scale up by one: start a server, wait until it listens, add its record. Returns it and when it was published. */
  async scaleUp(): Promise<{ server: LabServer; publishedAt: number }> {
    const server = await this.startServer();
    this.servers.push(server);
    this.publish();
    return { server, publishedAt: Date.now() };
  }

  /** Publishes the record of a server started with {@link startServer}. */
  add(server: LabServer): void {
    this.servers.push(server);
    this.publish();
  }

  /** Removes a server's record (it stays running until stopped). */
  unpublish(server: LabServer): void {
    const i = this.servers.indexOf(server);
    if (i >= 0) this.servers.splice(i, 1);
    this.publish();
  }
}
