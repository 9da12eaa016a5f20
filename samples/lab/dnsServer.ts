import dns2 from 'dns2';
import type { AddressInfo } from 'node:net';
import { LOOPBACK } from './net';

const { Packet } = dns2;

/**
 * A tiny authoritative DNS server on loopback (UDP) whose A records the lab controls — the lab's
 * stand-in for the cluster DNS answering a headless Service name with one A record per ready pod.
 * Records have a 1 s TTL (like CoreDNS's short TTLs), so any client that re-resolves sees changes
 * at once. Other types for a known name (AAAA, TXT) get an empty answer; unknown names NXDOMAIN.
 */
export class LabDnsServer {
  private readonly records = new Map<string, string[]>();
  private server: ReturnType<typeof dns2.createUDPServer> | undefined;
  private port = 0;
  /** A queries answered, per name (lets tests and reports show when a client re-resolved). */
  readonly aQueries = new Map<string, number>();

  /** Replaces the A records of `name` (absolute name without the trailing dot). */
  setRecords(name: string, addresses: readonly string[]): void {
    this.records.set(normalize(name), [...addresses]);
  }

  getRecords(name: string): string[] {
    return [...(this.records.get(normalize(name)) ?? [])];
  }

  async listen(host = LOOPBACK, port = 0): Promise<{ host: string; port: number }> {
    const server = dns2.createUDPServer((request, send) => {
      const response = Packet.createResponseFromRequest(request);
      const [question] = request.questions;
      if (!question) {
        response.header.rcode = Packet.RCODE.FORMERR;
        void send(response).catch(() => undefined);
        return;
      }
      const name = normalize(question.name);
      const addresses = this.records.get(name);
      if (addresses === undefined) {
        response.header.rcode = Packet.RCODE.NXDOMAIN;
      } else if (question.type === Packet.TYPE.A) {
        this.aQueries.set(name, (this.aQueries.get(name) ?? 0) + 1);
        for (const address of addresses) {
          response.answers.push(
            Packet.createResourceFromQuestion(question, { type: Packet.TYPE.A, class: Packet.CLASS.IN, ttl: 1, address }),
          );
        }
      }
      void send(response).catch(() => undefined);
    });
    server.on('requestError', () => undefined);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      void server.listen(port, host).then(() => {
        server.removeListener('error', reject);
        resolve();
      });
    });
    server.on('error', () => undefined);
    this.server = server;
    this.port = (server.address() as AddressInfo).port;
    return { host, port: this.port };
  }

  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    await new Promise<void>((resolve) => {
      try {
        server.close(() => resolve());
      } catch {
        resolve();
      }
    });
  }
}

function normalize(name: string): string {
  return name.toLowerCase().replace(/\.$/, '');
}
