import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { RpcRecord } from '../samples/common/clientLog';
import { TrafficModel, type TrafficSnapshot } from '../samples/traffic/trafficModel';
import { MIN_RPCS_PER_CLIENT, judgeScaleUp, judgeSpread, scaleUpExpectation } from './clusterLessons';

const T0 = Date.parse('2026-11-25T10:00:00.000Z');

/** `n` RPCs per client, answered by the servers `pick(client, i)` returns (null = failed). */
function records(clients: string[], n: number, pick: (client: string, i: number) => string | null): TrafficSnapshot {
  const model = new TrafficModel();
  const list: RpcRecord[] = clients.flatMap((client) =>
    Array.from({ length: n }, (_, i) => {
      const server = pick(client, i);
      return {
        ts: new Date(T0 + i * 200).toISOString(),
        client,
        chapter: 'x',
        target: 'dns:///x:1',
        ok: server !== null,
        server,
        code: server === null ? 14 : 0,
        ms: 1,
        ...(server === null ? { error: 'unavailable' } : {}),
      };
    }),
  );
  for (const record of list) model.ingest(record);
  return model.snapshot();
}

const CLIENTS = ['c-0', 'c-1'];
const SERVERS = ['s-0', 's-1', 's-2'];

test('clusterip holds when each client sticks to one server, and fails when one spreads', () => {
  const pinned = records(CLIENTS, 50, (c) => (c === 'c-0' ? 's-1' : 's-2'));
  assert.equal(judgeSpread('clusterip', pinned, CLIENTS, SERVERS).holds, true);
  const spread = records(CLIENTS, 50, (_c, i) => SERVERS[i % 3]);
  const verdict = judgeSpread('clusterip', spread, CLIENTS, SERVERS);
  assert.equal(verdict.holds, false);
  assert.match(verdict.summary, /c-0: expected one server \(one connection\), saw 3/);
});

test('spread chapters need every client on every server, few failures and enough RPCs', () => {
  assert.equal(judgeSpread('headless', records(CLIENTS, 60, (_c, i) => SERVERS[i % 3]), CLIENTS, SERVERS).holds, true);
  const missing = judgeSpread('headless', records(CLIENTS, 60, (_c, i) => SERVERS[i % 2]), CLIENTS, SERVERS);
  assert.match(missing.summary, /c-0: never reached s-2/);
  const failing = judgeSpread('envoy', records(CLIENTS, 60, (_c, i) => (i % 5 === 0 ? null : SERVERS[i % 3])), CLIENTS, SERVERS);
  assert.equal(failing.holds, false);
  assert.match(failing.summary, /24 of 120 RPCs failed/);
  const few = judgeSpread('etcd', records(CLIENTS, MIN_RPCS_PER_CLIENT - 1, (_c, i) => SERVERS[i % 3]), CLIENTS, SERVERS);
  assert.match(few.summary, /only 19 successful RPCs/);
  const silent = judgeSpread('etcd', records(['c-0'], 60, (_c, i) => SERVERS[i % 3]), CLIENTS, SERVERS);
  assert.match(silent.summary, /c-1: only 0 successful RPCs/);
});

test('scale-up: first RPC on the new pod after it turned Ready, judged per chapter', () => {
  const endpoints = scaleUpExpectation('endpoints', {})!;
  assert.equal(judgeScaleUp(endpoints, 800).holds, true);
  assert.equal(judgeScaleUp(endpoints, 1500).holds, false, 'a watch sees a new pod within a second');
  assert.equal(judgeScaleUp(endpoints, null).holds, false);
  const headless = scaleUpExpectation('headless', {})!;
  assert.equal(judgeScaleUp(headless, null).holds, true, 'headless: the new pod is ignored');
  assert.equal(judgeScaleUp(headless, 1200).holds, false);
  const maxAge = scaleUpExpectation('max-age', { maxConnectionAgeMs: 5000 })!;
  assert.equal(maxAge.withinMs, 6000, 'one connection age and a second');
  assert.equal(judgeScaleUp(maxAge, maxAge.withinMs! + 1).holds, false);
  assert.equal(scaleUpExpectation('clusterip', {}), undefined);
});
