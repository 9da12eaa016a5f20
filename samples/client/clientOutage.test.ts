import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { freePorts, SampleChild, startServerProcess } from '../server/testHarness';

// Outages: every server killed, then brought back. Real server and client processes on 127.0.0.1.
const SERVER_NAMES = ['pod-a', 'pod-b', 'pod-c'];
let ports: number[] = [];
let servers: SampleChild[] = [];
let target = '';
const children: SampleChild[] = [];

function startServers(which: number[]): Promise<SampleChild[]> {
  return Promise.all(
    which.map(async (i) => {
      const server = await startServerProcess(ports[i], SERVER_NAMES[i]);
      children.push(server);
      servers[i] = server;
      return server;
    }),
  );
}

function startClient(name: string, env: Record<string, string>): SampleChild {
  const client = SampleChild.spawn('client', name, { TARGET: target, POD_NAME: name, CHAPTER: 'lab-test', ...env });
  children.push(client);
  return client;
}

/** SIGTERM → the summary line, and exit code 0. */
async function stopClient(client: SampleChild): Promise<Record<string, unknown>> {
  client.signal('SIGTERM');
  const exit = await client.exited;
  assert.deepEqual(exit, { code: 0, signal: null }, client.stderr);
  const summaries = client.events().filter((e) => e.event === 'summary');
  assert.equal(summaries.length, 1);
  return summaries[0];
}

before(async () => {
  ports = await freePorts(3);
  target = `ipv4:${ports.map((p) => `127.0.0.1:${p}`).join(',')}`;
  servers = [];
  await startServers([0, 1, 2]);
});

after(async () => {
  await Promise.all(children.map((c) => c.destroy()));
});

describe('greeter client process through outages', () => {
  test('all servers killed: the client stays up and logs UNAVAILABLE as JSON; servers back on the same ports: RPCs succeed again', async () => {
    const client = startClient('outage-client', { INTERVAL_MS: '50' });
    await client.waitFor('a successful RPC', () => client.records().some((r) => r.ok));

    await Promise.all(servers.map((s) => s.destroy()));
    const outageStart = client.records().length;
    await client.waitFor('5 failed RPCs', () => client.records().slice(outageStart).filter((r) => !r.ok).length >= 5, 15_000);
    const failure = client.records().slice(outageStart).find((r) => !r.ok);
    assert.ok(failure);
    assert.equal(failure.server, null);
    assert.equal(failure.code, 14);
    assert.equal(failure.client, 'outage-client');
    assert.ok(typeof failure.error === 'string' && failure.error.length > 0);
    assert.equal(client.running, true, 'the client is still running with every server gone');

    await startServers([0, 1, 2]);
    const restarted = client.records().length;
    await client.waitFor(
      'a successful RPC after the servers came back',
      () => client.records().slice(restarted).some((r) => r.ok),
      20_000,
    );
    const summary = await stopClient(client);
    const failures = summary.failures as Record<string, number>;
    assert.ok((failures['14'] ?? 0) >= 5, JSON.stringify(summary));
    // Every stdout line is either an RPC record or an event line: nothing else leaks out.
    for (const line of client.lines) {
      const value = JSON.parse(line) as Record<string, unknown>;
      assert.ok('ok' in value || typeof value.event === 'string', line);
    }
  });
});
