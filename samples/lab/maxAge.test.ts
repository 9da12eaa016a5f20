import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { LabProcessInfo } from './context';
import { runScenario } from './index';
import { leftovers } from './testUtils';

test('max-age: with server age and client DNS rate both set, a scaled-up server is used within age + 1 s', async () => {
  const started: LabProcessInfo[] = [];
  const ageMs = 2000;
  const report = await runScenario('max-age', {
    timings: { spreadMs: 1000, maxConnectionAgeMs: ageMs, dnsMinResolutionMs: 1000, ageOnlyWindowMs: 0 },
    onProcess: (p) => started.push(p),
  });
  assert.equal(report.figures.maxConnectionAgeMs, ageMs);
  const discovered = report.figures.scaleUpDiscoveredMs;
  assert.equal(typeof discovered, 'number', JSON.stringify(report));
  assert.ok((discovered as number) <= ageMs + 1000, `discovered after ${discovered} ms`);
  // Both knob-clients (lab-client-1/2) used the new server; the report shows it in the distribution.
  for (const client of ['lab-client-1', 'lab-client-2']) {
    assert.ok((report.distribution[client]['lab-server-4'] ?? 0) > 0, `${client} never used lab-server-4`);
  }
  // The age-only figure is always reported (null when not within its window).
  assert.ok('ageOnlyScaleUpDiscoveredMs' in report.figures);
  assert.equal(typeof report.figures.ageOnlyWindowMs, 'number');
  assert.equal(report.holds, true);
  assert.deepEqual(await leftovers(started), []);
});
