/**
 * Shared fixtures for the client process tests: three real server processes on 127.0.0.1, client
 * processes aimed at them with an `ipv4:` list, and clean-up of every child in `after`.
 */
import assert from 'node:assert/strict';
import { after, before } from 'node:test';
import type { RpcRecord } from '../common/clientLog';
import { freePorts, SampleChild, startServerProcess } from '../server/testHarness';

export const SERVER_NAMES = ['pod-a', 'pod-b', 'pod-c'];

/** Client processes started by a test file; whatever is left of them is SIGKILLed in `after`. */
export function clientProcesses(): { spawn(name: string, env: Record<string, string>): SampleChild; track(child: SampleChild): SampleChild } {
  const children: SampleChild[] = [];
  after(async () => {
    await Promise.all(children.map((c) => c.destroy()));
  });
  const track = (child: SampleChild): SampleChild => {
    children.push(child);
    return child;
  };
  return {
    track,
    spawn: (name, env) => track(SampleChild.spawn('client', name, { POD_NAME: name, ...env })),
  };
}

export interface ThreeServerLab {
  /** `ipv4:` target listing the three servers' ports (set in `before`). */
  readonly target: string;
  /** The latest process started for each server index. */
  readonly servers: SampleChild[];
  startServers(which: number[]): Promise<SampleChild[]>;
  startClient(name: string, env: Record<string, string>): SampleChild;
}

/** Registers `before` (three servers up) and `after` (every child killed) in the calling scope. */
export function threeServerLab(): ThreeServerLab {
  const processes = clientProcesses();
  let ports: number[] = [];
  let target = '';
  const servers: SampleChild[] = [];
  const startServers = (which: number[]): Promise<SampleChild[]> =>
    Promise.all(
      which.map(async (i) => {
        const server = processes.track(await startServerProcess(ports[i], SERVER_NAMES[i]));
        servers[i] = server;
        return server;
      }),
    );
  before(async () => {
    ports = await freePorts(3);
    target = `ipv4:${ports.map((p) => `127.0.0.1:${p}`).join(',')}`;
    servers.length = 0;
    await startServers([0, 1, 2]);
  });
  return {
    get target() {
      return target;
    },
    servers,
    startServers,
    startClient: (name, env) => processes.spawn(name, { TARGET: target, CHAPTER: 'lab-test', ...env }),
  };
}

/** Successful RPCs per server name. */
export function serversHit(records: RpcRecord[]): Map<string, number> {
  const hits = new Map<string, number>();
  for (const r of records) if (r.ok && r.server) hits.set(r.server, (hits.get(r.server) ?? 0) + 1);
  return hits;
}

/** SIGTERM → the summary line, and exit code 0. */
export async function stopClient(client: SampleChild): Promise<Record<string, unknown>> {
  client.signal('SIGTERM');
  const exit = await client.exited;
  assert.deepEqual(exit, { code: 0, signal: null }, client.stderr);
  const summaries = client.events().filter((e) => e.event === 'summary');
  assert.equal(summaries.length, 1);
  return summaries[0];
}
