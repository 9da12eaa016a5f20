import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SERVER_NAMES, serversHit, stopClient, threeServerLab } from './testFixtures';

// Three real server processes on 127.0.0.1 and real client processes with an `ipv4:` list.
const lab = threeServerLab();
const { servers, startClient } = lab;

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
    assert.equal(first.target, lab.target);
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
