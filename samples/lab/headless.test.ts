import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { LabProcessInfo } from './context';
import { runScenario } from './index';
import { leftovers } from './testUtils';

test('headless: round_robin spreads over all servers; a scaled-up server is not used within the window', async () => {
  const started: LabProcessInfo[] = [];
  const report = await runScenario('headless', {
    timings: { spreadMs: 1000, scaleUpWindowMs: 4000 },
    onProcess: (p) => started.push(p),
  });
  assert.equal(report.figures.serversHit, 3, JSON.stringify(report));
  for (const [client, row] of Object.entries(report.distribution)) {
    for (const server of ['lab-server-1', 'lab-server-2', 'lab-server-3']) {
      assert.ok((row[server] ?? 0) > 0, `${client} never used ${server}`);
    }
  }
  assert.equal(report.figures.windowMs, 4000);
  // grpc-js does not re-resolve DNS while its connections are healthy (docs/architecture.md).
  assert.equal(report.figures.scaleUpDiscoveredMs, null);
  assert.equal(report.figures.scaleDownFailedRpcs, 0);
  assert.equal(report.holds, true);
  // Servers sit on distinct loopback IPs sharing one port, like pods behind a headless Service.
  const addrs = started.filter((p) => p.role === 'server').map((p) => p.addr as string);
  assert.equal(new Set(addrs.map((a) => a.split(':')[0])).size, addrs.length);
  assert.equal(new Set(addrs.map((a) => a.split(':')[1])).size, 1);
  assert.deepEqual(await leftovers(started), []);
});
