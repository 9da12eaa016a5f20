import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatRpcRecord, parseRpcRecord } from '../common/clientLog';
import { TrafficModel } from './trafficModel';

function line(client: string, server: string | null, ts: string, extra: Record<string, unknown> = {}): string {
  return formatRpcRecord({
    ts,
    client,
    chapter: 'headless',
    target: 'dns:///greeter-server-headless:50051',
    ok: server !== null,
    server,
    code: server !== null ? 0 : 14,
    ms: 1.5,
    ...(server === null ? { error: 'No connection established' } : {}),
    ...extra,
  });
}

test('formatRpcRecord writes exactly the DESIGN schema and parseRpcRecord reads it back', () => {
  const ok = line('c1', 's1', '2026-01-01T00:00:00.000Z');
  assert.equal(
    ok,
    '{"ts":"2026-01-01T00:00:00.000Z","client":"c1","chapter":"headless","target":"dns:///greeter-server-headless:50051","ok":true,"server":"s1","code":0,"ms":1.5}',
  );
  const failed = line('c1', null, '2026-01-01T00:00:00.000Z');
  assert.match(failed, /"ok":false,"server":null,"code":14,"ms":1.5,"error":"No connection established"}$/);
  assert.deepEqual(parseRpcRecord(failed)?.error, 'No connection established');
});

test('shares, errors and distribution per client', () => {
  const model = new TrafficModel();
  const t = '2026-01-01T00:00:00.000Z';
  for (let i = 0; i < 3; i++) model.ingestLine(line('c1', 's1', t));
  model.ingestLine(line('c1', 's2', t));
  model.ingestLine(line('c1', null, t));
  model.ingestLine(line('c2', 's3', t));
  const snap = model.snapshot();
  assert.equal(snap.totalRpcs, 6);
  assert.equal(snap.totalErrors, 1);
  assert.deepEqual(snap.servers, ['s1', 's2', 's3']);
  const c1 = snap.clients.find((c) => c.client === 'c1');
  assert.ok(c1);
  assert.equal(c1.errors, 1);
  assert.equal(c1.lastError, 'No connection established');
  assert.deepEqual(
    c1.servers.map((s) => [s.server, s.count, s.share]),
    [
      ['s1', 3, 0.75],
      ['s2', 1, 0.25],
    ],
  );
  assert.deepEqual(model.distribution(), { c1: { s1: 3, s2: 1 }, c2: { s3: 1 } });
});

test('garbled, partial and foreign lines are skipped and counted, never fatal', () => {
  const model = new TrafficModel();
  const good = line('c1', 's1', '2026-01-01T00:00:00.000Z');
  const inputs = [
    'not json at all',
    good.slice(0, 40),
    '{"event":"serving","port":50051}',
    '{"ts":"x","client":"c1","ok":true,"server":null,"code":0}',
    '[1,2,3]',
    '',
    good,
  ];
  const accepted = inputs.map((l) => model.ingestLine(l));
  assert.deepEqual(accepted, [false, false, false, false, false, false, true]);
  assert.equal(model.snapshot().skippedLines, 6);
  assert.equal(model.snapshot().totalRpcs, 1);
});

test('ingestText splits chunks and carries a partial line over', () => {
  const model = new TrafficModel();
  const a = line('c1', 's1', '2026-01-01T00:00:00.000Z');
  const b = line('c1', 's2', '2026-01-01T00:00:01.000Z');
  const rest = model.ingestText(`${a}\n${b.slice(0, 20)}`);
  assert.equal(model.snapshot().totalRpcs, 1);
  assert.equal(model.ingestText(`${rest}${b.slice(20)}\n`), '');
  assert.equal(model.snapshot().totalRpcs, 2);
  assert.equal(model.snapshot().skippedLines, 0);
});

test('RPC/s over the rate window, firstSeen, and a bounded time series', () => {
  const model = new TrafficModel({ seriesSeconds: 5, rateWindowSeconds: 2 });
  const base = Date.parse('2026-01-01T00:00:00.000Z');
  for (let s = 0; s < 20; s++) {
    for (let i = 0; i < 4; i++) model.ingestLine(line('c1', s < 10 ? 's1' : 's2', new Date(base + s * 1000 + i).toISOString()));
  }
  const snap = model.snapshot();
  const s2 = snap.clients[0]?.servers.find((s) => s.server === 's2');
  assert.equal(s2?.rpcPerSecond, 4);
  assert.equal(snap.clients[0]?.servers.find((s) => s.server === 's1')?.rpcPerSecond, 0);
  assert.equal(model.firstSeen('s2'), base + 10_000);
  const series = model.timeSeries();
  assert.equal(series.length, 5);
  assert.deepEqual(
    series.map((b) => b.t),
    [15, 16, 17, 18, 19].map((s) => base + s * 1000),
  );
  assert.deepEqual(series[4]?.perServer, { s2: 4 });
});

test('reset clears everything and notifies listeners', () => {
  const model = new TrafficModel();
  let changes = 0;
  model.onDidChange(() => changes++);
  model.ingestLine(line('c1', 's1', '2026-01-01T00:00:00.000Z'));
  model.reset();
  assert.equal(changes, 2);
  assert.equal(model.snapshot().totalRpcs, 0);
  assert.deepEqual(model.snapshot().clients, []);
});
