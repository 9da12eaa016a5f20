import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TrafficModel } from '../traffic/trafficModel';
import type { LabProcessInfo } from './context';
import { runScenario } from './index';
import { leftovers } from './testUtils';

test('clusterip: behind a connection-balancing L4 proxy each client uses exactly one server', async () => {
  const started: LabProcessInfo[] = [];
  const streamed = new TrafficModel();
  const report = await runScenario('clusterip', {
    timings: { spreadMs: 1000 },
    onProcess: (p) => started.push(p),
    onLine: (line) => streamed.ingestLine(line),
  });
  assert.equal(report.id, 'clusterip');
  assert.equal(report.holds, true, JSON.stringify(report));
  assert.equal(report.figures.serversPerClient, 1);
  const clients = Object.keys(report.distribution);
  assert.deepEqual(clients, ['lab-client-1', 'lab-client-2']);
  for (const client of clients) {
    const servers = Object.keys(report.distribution[client]);
    assert.equal(servers.length, 1, `${client} used ${servers.join(', ')}`);
    assert.ok(report.distribution[client][servers[0]] >= 5, 'each client made several RPCs');
  }
  // onLine streamed every client record: a model fed from it agrees with the report.
  assert.deepEqual(streamed.distribution(), report.distribution);
  assert.deepEqual(
    started.filter((p) => p.role === 'server').map((p) => p.name).sort(),
    ['lab-server-1', 'lab-server-2', 'lab-server-3'],
  );
  assert.deepEqual(await leftovers(started), []);
});
