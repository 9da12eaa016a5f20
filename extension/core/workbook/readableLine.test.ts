import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatRpcRecord } from '../../../samples/common/clientLog';
import { readableLogLine, statusName } from './readableLine';

const base = { ts: '2026-11-25T23:52:39.069Z', client: 'lab-client-1', chapter: 'clusterip', target: 'dns:///greeter-server:50051' };

test('an answered RPC reads as client → server and its round trip', () => {
  const line = formatRpcRecord({ ...base, ok: true, server: 'lab-server-2', code: 0, ms: 3 });
  assert.equal(readableLogLine(line), '23:52:39.069  lab-client-1 → lab-server-2  3 ms');
});

test('a failed RPC names its gRPC status and the error', () => {
  const line = formatRpcRecord({ ...base, ok: false, server: null, code: 14, ms: 1001, error: 'No connection established' });
  assert.equal(readableLogLine(line), '23:52:39.069  lab-client-1 ✗ UNAVAILABLE: No connection established  1001 ms');
  assert.equal(statusName(4), 'DEADLINE_EXCEEDED');
  assert.equal(statusName(99), 'status 99');
});

test('the client started and summary lines become one short line each', () => {
  const started = JSON.stringify({ event: 'started', client: 'lab-client-2', chapter: 'clusterip', target: 'dns:///x:1', lbPolicy: 'round_robin' });
  assert.equal(readableLogLine(started), 'lab-client-2 started: dns:///x:1 (round_robin)');
  const summary = JSON.stringify({ event: 'summary', client: 'lab-client-2', total: 10, succeeded: 9, failed: 1, servers: { 'lab-server-1': 5, 'lab-server-3': 4 } });
  assert.equal(readableLogLine(summary), 'lab-client-2 summary: 9/10 ok — lab-server-1 5, lab-server-3 4');
});

test('anything else is shown as it came, after the pod it came from when known', () => {
  for (const line of ['… servers ready', '{"ts":"2026-11-25T23:52:39', '{"event":"other","x":1}', '']) {
    assert.equal(readableLogLine(line), line);
    assert.equal(readableLogLine(line, 'greeter-client-abc'), `[greeter-client-abc] ${line}`);
  }
  const rpc = formatRpcRecord({ ...base, ok: true, server: 'lab-server-2', code: 0, ms: 3 });
  assert.equal(readableLogLine(rpc, 'lab-client-1'), '23:52:39.069  lab-client-1 → lab-server-2  3 ms', 'an RPC line names its client already');
});
