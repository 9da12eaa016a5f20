import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { LabProcessInfo } from './context';
import { runScenario } from './index';
import { leftovers } from './testUtils';

test('rollout: a graceful rolling restart fails no RPC; the abrupt one (SIGKILL) fails the RPCs in flight', async () => {
  const started: LabProcessInfo[] = [];
  const report = await runScenario('rollout', {
    timings: { spreadMs: 500 },
    onProcess: (p) => started.push(p),
  });
  const f = report.figures;
  assert.equal(f.failedRpcsGraceful, 0, JSON.stringify(f));
  assert.ok((f.rpcsGraceful as number) > 20, 'RPCs kept flowing during the graceful rollout');
  assert.ok((f.failedRpcsAbrupt as number) > 0, `abrupt rollout failed ${f.failedRpcsAbrupt} RPC(s): ${JSON.stringify(f)}`);
  assert.ok((f.rpcsAbrupt as number) > 20, 'RPCs kept flowing during the abrupt rollout');
  assert.equal(report.holds, true);
  // Every server was replaced twice: 3 originals + 3 graceful + 3 abrupt replacements.
  assert.equal(started.filter((p) => p.role === 'server').length, 9);
  // The last generation serves the clients at the end.
  for (const row of Object.values(report.distribution)) {
    assert.ok(['lab-server-7', 'lab-server-8', 'lab-server-9'].some((s) => (row[s] ?? 0) > 0));
  }
  assert.deepEqual(await leftovers(started), []);
});
