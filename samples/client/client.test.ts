import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { RpcRecord } from '../common/clientLog';
import { freePorts, SampleChild, startServerProcess } from '../server/testHarness';

// Three real server processes on 127.0.0.1 and real client processes with an `ipv4:` list.
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

function serversHit(records: RpcRecord[]): Map<string, number> {
  const hits = new Map<string, number>();
  for (const r of records) if (r.ok && r.server) hits.set(r.server, (hits.get(r.server) ?? 0) + 1);
  return hits;
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

describe('greeter client process', () => {
  test('round_robin spreads RPCs over all 3 servers; SIGTERM prints a summary that matches the log and exits 0', async () => {
    const client = startClient('rr-client', { LB_POLICY: 'round_robin', INTERVAL_MS: '10' });
    await client.waitFor('30 successful RPCs', () => client.records().filter((r) => r.ok).length >= 30);
    const summary = await stopClient(client);

    const records = client.records();
    const hits = serversHit(records);
    assert.deepEqual([...hits.keys()].sort(), SERVER_NAMES);
    // round_robin: after warm-up every server gets about a third; allow a wide margin.
    for (const [server, n] of hits) assert.ok(n >= records.length / 6, `${server} got ${n} of ${records.length}`);

    const first = records[0];
    assert.equal(first.client, 'rr-client');
    assert.equal(first.chapter, 'lab-test');
    assert.equal(first.target, target);
    assert.equal(first.code, 0);
    assert.equal(typeof first.ms, 'number');

    assert.equal(summary.client, 'rr-client');
    assert.equal(summary.lbPolicy, 'round_robin');
    assert.equal(summary.total, records.length);
    assert.equal(summary.succeeded, records.filter((r) => r.ok).length);
    assert.deepEqual(summary.servers, Object.fromEntries([...hits].sort(([a], [b]) => a.localeCompare(b))));
  });

  test('pick_first sends every RPC to one server', async () => {
    const client = startClient('pf-client', { LB_POLICY: 'pick_first', INTERVAL_MS: '10' });
    await client.waitFor('30 successful RPCs', () => client.records().filter((r) => r.ok).length >= 30);
    const summary = await stopClient(client);
    const hits = serversHit(client.records());
    assert.equal(hits.size, 1, JSON.stringify([...hits]));
    assert.equal(summary.lbPolicy, 'pick_first');
    assert.equal(summary.failed, 0);
  });

  test('SIGTERM one of 3 servers under steady round_robin traffic: 0 failed RPCs, and it leaves the rotation', async () => {
    const client = startClient('drain-client', { INTERVAL_MS: '5' });
    await client.waitFor('all 3 servers answering', () => serversHit(client.records()).size === 3);
    const leaving = servers[2];
    leaving.signal('SIGTERM');
    await leaving.waitForEvent('stopped', 15_000);
    assert.equal((await leaving.exited).code, 0);
    const afterStop = client.records().length;
    await client.waitFor('40 more RPCs', () => client.records().length >= afterStop + 40);
    const summary = await stopClient(client);

    const records = client.records();
    const failed = records.filter((r) => !r.ok);
    assert.equal(failed.length, 0, `failed RPCs: ${JSON.stringify(failed.slice(0, 3))}`);
    assert.equal(summary.failed, 0);
    const later = serversHit(records.slice(afterStop));
    assert.deepEqual([...later.keys()].sort(), ['pod-a', 'pod-b']);
  });
});
