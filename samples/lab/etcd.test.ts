import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { LabProcessInfo } from './context';
import { runScenario } from './index';
import { etcdInstalled, leftovers } from './testUtils';

test(
  'etcd: a registered server is used within 1 s; SIGTERM fails no RPC, kill -9 fails those in flight and leaves the registry within TTL + 1 s',
  { skip: etcdInstalled() ? false : 'etcd is not installed (apt-get install -y etcd-server)' },
  async () => {
    const started: LabProcessInfo[] = [];
    const ttlSeconds = 2;
    const report = await runScenario('etcd', {
      timings: { spreadMs: 1000, etcdTtlSeconds: ttlSeconds },
      onProcess: (p) => started.push(p),
    });
    const f = report.figures;
    assert.equal(f.skipped, undefined, String(f.skipped));
    assert.equal(f.serversHit, 3, JSON.stringify(report));
    assert.equal(f.leaseTtlMs, ttlSeconds * 1000);
    assert.equal(typeof f.scaleUpDiscoveredMs, 'number', JSON.stringify(f));
    assert.ok((f.scaleUpDiscoveredMs as number) <= 1000, `new server first used after ${f.scaleUpDiscoveredMs} ms`);
    assert.equal(typeof f.killRemovedMs, 'number', JSON.stringify(f));
    // The key of a SIGKILLed server outlives it (no revoke), but no longer than its lease.
    assert.ok((f.killRemovedMs as number) <= ttlSeconds * 1000 + 1000, `removed after ${f.killRemovedMs} ms`);
    // A graceful stop revokes the lease at once.
    assert.ok((f.scaleDownRemovedMs as number) < ttlSeconds * 1000, `SIGTERM removal after ${f.scaleDownRemovedMs} ms`);
    // The contrast: SIGTERM lets the RPCs in flight finish, kill -9 drops them.
    assert.equal(f.scaleDownFailedRpcs, 0, JSON.stringify(f));
    assert.ok((f.killFailedRpcs as number) > 0, `kill -9 failed ${f.killFailedRpcs} RPC(s)`);
    assert.ok((report.distribution['lab-client-1']['lab-server-4'] ?? 0) > 0);
    assert.equal(report.holds, true);
    const etcd = started.find((p) => p.role === 'etcd');
    assert.ok(etcd?.dataDir, 'etcd announced its data dir');
    assert.deepEqual(await leftovers(started), []);
  },
);

test('etcd: without the etcd binary the scenario is skipped with the install command', async () => {
  const saved = process.env.ETCD_BINARY;
  process.env.ETCD_BINARY = '/nonexistent/etcd';
  try {
    const report = await runScenario('etcd');
    assert.equal(report.holds, false);
    assert.match(String(report.figures.skipped), /apt-get install -y etcd-server/);
    assert.deepEqual(report.distribution, {});
  } finally {
    if (saved === undefined) delete process.env.ETCD_BINARY;
    else process.env.ETCD_BINARY = saved;
  }
});
