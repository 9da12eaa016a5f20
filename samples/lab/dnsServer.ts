import { createSocket, type Socket } from 'node:dgram';
import type { AddressInfo } from 'node:net';
import * as dnsPacket from 'dns-packet';
import { LOOPBACK } from './net';

// Response codes of the header's low four bits (RFC 1035 §4.1.1); dns-packet encodes them as part of `flags`.
const RCODE_FORMERR = 1;
const RCODE_NXDOMAIN = 3;

/**
 * A tiny authoritative DNS server on loopback (UDP) whose A records the lab controls — the lab's
 * stand-in for the cluster DNS answering a headless Service name with one A record per ready pod.
 * Records have a 1 s TTL (like CoreDNS's short TTLs), so any client that re-resolves sees changes
 * at once. Other types for a known name (AAAA, TXT) get an empty answer; unknown names NXDOMAIN.
 */
export class LabDnsServer {
  private readonly records = new Map<string, string[]>();
  private socket: Socket | undefined;
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
    const socket = createSocket(host.includes(':') ? 'udp6' : 'udp4');
    socket.on('message', (message, peer) => {
      const response = this.answer(message);
      if (response) socket.send(response, peer.port, peer.address, () => undefined);
    });
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(port, host, () => {
        socket.removeListener('error', reject);
        resolve();
      });
    });
    // A send to a client that went away must not end the lab.
    socket.on('error', () => undefined);
    this.socket = socket;
    this.port = (socket.address() as AddressInfo).port;
    return { host, port: this.port };
  }

  /** The encoded response to one query datagram; undefined for one that does not parse (dropped, as resolvers retry). */
  private answer(message: Buffer): Buffer | undefined {
    let query: dnsPacket.DecodedPacket;
    try {
      query = dnsPacket.decode(message);
    } catch {
      return undefined;
    }
    if (query.type !== 'query') return undefined;
    // Authoritative for its names; echoes the id, the question and the client's recursion-desired bit.
    const flags = dnsPacket.AUTHORITATIVE_ANSWER | (query.flag_rd ? dnsPacket.RECURSION_DESIRED : 0);
    const [question] = query.questions ?? [];
    if (!question) return dnsPacket.encode({ type: 'response', id: query.id, flags: flags | RCODE_FORMERR });
    const name = normalize(question.name);
    const addresses = this.records.get(name);
    const response: dnsPacket.Packet = { type: 'response', id: query.id, flags, questions: [question], answers: [] };
    if (addresses === undefined) {
      response.flags = flags | RCODE_NXDOMAIN;
    } else if (question.type === 'A') {
      this.aQueries.set(name, (this.aQueries.get(name) ?? 0) + 1);
      response.answers = addresses.map((address) => ({ type: 'A', class: 'IN', name: question.name, ttl: 1, data: address }));
    }
    return dnsPacket.encode(response);
  }

  async close(): Promise<void> {
    const socket = this.socket;
    this.socket = undefined;
    if (!socket) return;
    await new Promise<void>((resolve) => {
      try {
        socket.close(() => resolve());
      } catch {
        resolve();
      }
    });
  }
}

function normalize(name: string): string {
  return name.toLowerCase().replace(/\.$/, '');
}
