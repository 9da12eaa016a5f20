import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { LabProcessInfo } from './context';
import { runScenario } from './index';
import { leftovers } from './testUtils';

test("pick-first: on one DNS name with 3 addresses, gRPC's default pick_first uses one server and round_robin uses all 3", async () => {
  const started: LabProcessInfo[] = [];
  const report = await runScenario('pick-first', { timings: { spreadMs: 1000 }, onProcess: (p) => started.push(p) });
  assert.equal(report.figures.pickFirstServers, 1, JSON.stringify(report));
  assert.equal(report.figures.roundRobinServers, 3, JSON.stringify(report));
  assert.equal(report.holds, true);
  // The two clients differ only in LB_POLICY: the same target, the same servers.
  const clients = started.filter((p) => p.role === 'client');
  assert.equal(clients.length, 2);
  assert.equal(new Set(clients.map((c) => c.target)).size, 1);
  const [pickFirst, roundRobin] = Object.keys(report.distribution).sort();
  assert.equal(Object.keys(report.distribution[pickFirst]!).length, 1);
  assert.equal(Object.keys(report.distribution[roundRobin]!).length, 3);
  assert.deepEqual(await leftovers(started), []);
});
