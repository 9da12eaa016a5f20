import { createServer, connect, type AddressInfo, type Server, type Socket } from 'node:net';
import { LoopbackAliasMissingError } from './errors';

/** Loopback only: the lab never sends traffic anywhere else. */
export const LOOPBACK = '127.0.0.1';

/** Listens on `host:port` (0 = any free port) and resolves the bound server. */
export function listen(server: Server, host: string, port = 0): Promise<Server> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error) => reject(error);
    server.once('error', onError);
    server.listen({ host, port, exclusive: true }, () => {
      server.removeListener('error', onError);
      resolve(server);
    });
  });
}

export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) return resolve();
    server.close(() => resolve());
  });
}

/** A TCP port that was free on `host` a moment ago (the kernel's choice). */
export async function freePort(host = LOOPBACK): Promise<number> {
  const server = await listen(createServer(), host, 0);
  const { port } = server.address() as AddressInfo;
  await closeServer(server);
  return port;
}

/** True when `port` can be bound right now on every one of `hosts`. */
export async function portFreeOn(hosts: readonly string[], port: number): Promise<boolean> {
  const bound: Server[] = [];
  try {
    for (const host of hosts) bound.push(await listen(createServer(), host, port));
    return true;
  } catch {
    return false;
  } finally {
    await Promise.all(bound.map(closeServer));
  }
}

/**
 * A port free on every host given (headless-style servers share one port on distinct loopback IPs,
 * as pods share a container port on distinct pod IPs).
 */
export async function sharedFreePort(hosts: readonly string[]): Promise<number> {
  const missing = await missingAddresses(hosts);
  if (missing.length > 0) throw new LoopbackAliasMissingError(missing);
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = await freePort(hosts[0]);
    if (await portFreeOn(hosts, port)) return port;
  }
  throw new Error(`no TCP port free on all of ${hosts.join(', ')}`);
}

/** The `hosts` this machine has no such address for (binding says EADDRNOTAVAIL), in order. */
export async function missingAddresses(
  hosts: readonly string[],
  tryBind: (host: string) => Promise<void> = async (host) => closeServer(await listen(createServer(), host, 0)),
): Promise<string[]> {
  const missing: string[] = [];
  for (const host of hosts) {
    try {
      await tryBind(host);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EADDRNOTAVAIL') missing.push(host);
    }
  }
  return missing;
}

/** Resolves true once a TCP connection to host:port succeeds. */
export function canConnect(host: string, port: number, timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (ok: boolean) => {
      socket.removeAllListeners();
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

export interface Backend {
  host: string;
  port: number;
}

export interface TcpProxyStats {
  /** Connections accepted, per backend index. */
  connectionsPerBackend: number[];
}

/**
 * An L4 TCP proxy that balances *connections* round-robin over its backends — what kube-proxy does
 * for a ClusterIP Service. It never looks inside the stream: every byte of one client connection
 * (so every RPC of one HTTP/2 connection) goes to the same backend.
 */
export class TcpProxy {
  private server: Server | undefined;
  private next = 0;
  private readonly sockets = new Set<Socket>();
  readonly stats: TcpProxyStats;

  constructor(
    private readonly backends: readonly Backend[],
    /** How long to keep retrying a backend that refuses the connection. */
    private readonly connectRetryMs = 15_000,
  ) {
    if (backends.length === 0) throw new Error('TcpProxy needs at least one backend');
    this.stats = { connectionsPerBackend: backends.map(() => 0) };
  }

  async listen(host = LOOPBACK, port = 0): Promise<Backend> {
    const server = createServer((client) => this.onConnection(client));
    this.server = await listen(server, host, port);
    const address = server.address() as AddressInfo;
    return { host: address.address, port: address.port };
  }

  private onConnection(client: Socket): void {
    const index = this.next;
    this.next = (this.next + 1) % this.backends.length;
    this.stats.connectionsPerBackend[index]++;
    const backend = this.backends[index];
    this.sockets.add(client);
    client.setNoDelay(true);
    // The client's first bytes wait in its socket buffer until the upstream is connected.
    client.pause();
    let upstream: Socket | undefined;
    let closed = false;
    const teardown = () => {
      closed = true;
      client.destroy();
      upstream?.destroy();
      this.sockets.delete(client);
      if (upstream) this.sockets.delete(upstream);
    };
    client.once('close', teardown);
    client.on('error', teardown);
    // A backend that is still starting refuses connections: retry for a while (like a SYN
    // retransmit) instead of failing the client, so the lab can start clients and servers together.
    const deadline = Date.now() + this.connectRetryMs;
    const attempt = () => {
      if (closed) return;
      const socket = connect({ host: backend.host, port: backend.port });
      socket.once('connect', () => {
        socket.removeAllListeners('error');
        if (closed) return socket.destroy();
        upstream = socket;
        this.sockets.add(socket);
        socket.setNoDelay(true);
        client.pipe(socket);
        socket.pipe(client);
        client.resume();
        socket.once('close', teardown);
        socket.on('error', teardown);
      });
      socket.once('error', () => {
        socket.destroy();
        if (!closed && Date.now() < deadline) setTimeout(attempt, 50);
        else teardown();
      });
    };
    attempt();
  }

  /** Stops listening and cuts every proxied connection. */
  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
    if (this.server) await closeServer(this.server);
  }
}
