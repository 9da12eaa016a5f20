import { test } from 'node:test';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { TrafficModel } from '../../../samples/traffic/trafficModel';
import { mapTrafficTree } from './trafficTree';

const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);

function feed(model: TrafficModel, client: string, server: string | null, atMs: number, error?: string): void {
  model.ingest({
    ts: new Date(T0 + atMs).toISOString(),
    client,
    chapter: 'headless',
    target: 'dns:///greeter-server-headless:50051',
    ok: server !== null,
    server,
    code: server !== null ? 0 : 14,
    ms: 1,
    ...(server === null ? { error: error ?? 'UNAVAILABLE' } : {}),
  });
}

test('clients map to server children with count · share % · RPC/s, in natural name order', () => {
  const model = new TrafficModel();
  // lab-server-10 answered once long ago; 2 and 3 answer within the last 10 s.
  feed(model, 'lab-client-1', 'lab-server-10', 0);
  for (let i = 0; i < 6; i++) feed(model, 'lab-client-1', 'lab-server-2', 30_000 + i * 500);
  for (let i = 0; i < 3; i++) feed(model, 'lab-client-1', 'lab-server-3', 30_100 + i * 500);
  feed(model, 'lab-client-0', 'lab-server-3', 31_000);
  const view = mapTrafficTree(model.snapshot());
  assert.deepEqual(view.nodes.map((n) => n.label), ['lab-client-0', 'lab-client-1']);
  const c1 = view.nodes[1]!;
  assert.deepEqual(c1.children.map((c) => c.label), ['lab-server-2', 'lab-server-3', 'lab-server-10']);
  assert.equal(c1.children[0]!.description, '6 · 60.0% · 0.6 rpc/s');
  assert.equal(c1.children[1]!.description, '3 · 30.0% · 0.3 rpc/s');
  assert.equal(c1.children[2]!.description, '1 · 10.0% · last seen 33 s ago', 'a server gone quiet says since when');
  assert.equal(c1.description, '10 RPCs · 0.9 rpc/s');
  assert.equal(view.nodes[0]!.children[0]!.description, '1 · 100.0% · 0.1 rpc/s');
  // Badge: server pods receiving traffic now (lab-server-10 went quiet 30 s ago).
  assert.deepEqual(view.badge, { value: 2, tooltip: '2 server pods receiving traffic' });
  const tip = c1.children[2]!.tooltip.rows.find((r) => r.key === 'lastSeen');
  assert.match(tip!.value, /33 s ago/, 'last line at 32.5 s, this server at 0 s');
  assert.equal(new Set(view.nodes.flatMap((n) => [n.id, ...n.children.map((c) => c.id)])).size, 6, 'ids are unique');
});

test('failed RPCs show on the client and as an error child with the last message', () => {
  const model = new TrafficModel();
  feed(model, 'client-a', 'server-1', 0);
  feed(model, 'client-a', null, 100, 'No connection established');
  feed(model, 'client-a', null, 200, 'Deadline exceeded');
  const view = mapTrafficTree(model.snapshot());
  const client = view.nodes[0]!;
  assert.equal(client.description, '3 RPCs · 2 errors · 0.1 rpc/s');
  const errors = client.children.find((c) => c.kind === 'errors');
  assert.equal(errors?.label, '2 failed RPCs');
  assert.equal(errors?.description, 'Deadline exceeded');
  assert.equal(client.children.find((c) => c.kind === 'server')?.description, '1 · 100.0% · 0.1 rpc/s', 'share is of successful RPCs');
});

test('empty: no nodes (so the welcome buttons show) without a source, a waiting node with one; paused shows', () => {
  const empty = new TrafficModel().snapshot();
  const none = mapTrafficTree(empty);
  assert.deepEqual(none.nodes, []);
  assert.equal(none.badge, undefined);
  const waiting = mapTrafficTree(empty, { source: { kind: 'cluster', chapter: 'headless', namespace: 'grpc-lb-example' } });
  assert.equal(waiting.nodes.length, 1);
  assert.equal(waiting.nodes[0]!.kind, 'waiting');
  assert.match(waiting.nodes[0]!.label, /chapter headless \(cluster\)/);
  assert.equal(waiting.description, 'chapter headless (cluster)');
  const paused = mapTrafficTree(empty, { source: { kind: 'lab', scenario: 'max-age' }, paused: true });
  assert.equal(paused.description, 'lab: max-age — paused');
});

test('after reset the model maps to the empty view again', () => {
  const model = new TrafficModel();
  feed(model, 'client-a', 'server-1', 0);
  assert.equal(mapTrafficTree(model.snapshot()).nodes.length, 1);
  model.reset();
  assert.deepEqual(mapTrafficTree(model.snapshot()).nodes, []);
});

test('the last experiment or lab result is pinned on top with its figures', () => {
  const model = new TrafficModel();
  feed(model, 'client-a', 'server-1', 0);
  const view = mapTrafficTree(model.snapshot(), {
    result: { id: 'scale-up', title: 'Experiment: scale-up', headline: 'first RPC after 850 ms', ok: true, rows: [{ label: 'failed RPCs', value: '0' }] },
  });
  assert.deepEqual(view.nodes.map((n) => n.kind), ['result', 'client']);
  assert.equal(view.nodes[0]!.children[0]!.description, '0');
  const empty = mapTrafficTree(new TrafficModel().snapshot(), {
    result: { id: 'x', title: 't', headline: 'h', ok: false, rows: [] },
  });
  assert.equal(empty.nodes.length, 1, 'a result alone still shows (and hides the welcome)');
  assert.equal(empty.badge, undefined);
});

test('pods of a cluster chapter get the pod menus (Show Logs, Delete This Pod); the lab\'s processes do not', () => {
  const model = new TrafficModel();
  feed(model, 'greeter-client-headless-abc', 'greeter-server-xyz', 0);
  const onCluster = mapTrafficTree(model.snapshot(), { source: { kind: 'cluster', chapter: 'headless', namespace: 'grpc-lb-example' } });
  assert.equal(onCluster.nodes[0]!.contextValue, 'grpcLb.client.pod');
  assert.equal(onCluster.nodes[0]!.children[0]!.contextValue, 'grpcLb.server.pod');
  const inLab = mapTrafficTree(model.snapshot(), { source: { kind: 'lab', scenario: 'headless' } });
  assert.equal(inLab.nodes[0]!.contextValue, 'grpcLb.client');
  assert.equal(inLab.nodes[0]!.children[0]!.contextValue, 'grpcLb.server');
  // package.json's menus match these values exactly.
  const menus = (JSON.parse(readFileSync(join(__dirname, '..', '..', '..', 'package.json'), 'utf8')) as { contributes: { menus: Record<string, Array<{ command: string; when: string }>> } })
    .contributes.menus['view/item/context']!;
  const when = (command: string): string => menus.find((m) => m.command === command)!.when;
  assert.match(when('grpcLb.deletePod'), /viewItem == grpcLb\.server\.pod/);
  const logs = /viewItem =~ \/(.+)\/$/.exec(when('grpcLb.showPodLogs'))![1]!;
  for (const value of ['grpcLb.server.pod', 'grpcLb.client.pod']) assert.match(value, new RegExp(logs));
  for (const value of ['grpcLb.server', 'grpcLb.client', 'grpcLb.errors']) assert.doesNotMatch(value, new RegExp(logs));
});
