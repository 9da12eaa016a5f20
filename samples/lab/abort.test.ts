import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { LabProcessInfo } from './context';
import { LabAbortedError, runScenario } from './index';
import { etcdInstalled, leftovers } from './testUtils';

/** Runs a scenario and aborts it once its clients have logged `lines` RPC lines. */
async function abortMidway(id: string, lines: number): Promise<{ error: unknown; started: LabProcessInfo[] }> {
  const controller = new AbortController();
  const started: LabProcessInfo[] = [];
  let seen = 0;
  const error = await runScenario(id, {
    signal: controller.signal,
    onProcess: (p) => started.push(p),
    onLine: () => {
      if (++seen === lines) controller.abort();
    },
  }).then(
    () => undefined,
    (e: unknown) => e,
  );
  return { error, started };
}

test(
  'aborting etcd midway stops every process, frees every port and removes etcd\'s temp data dir',
  { skip: etcdInstalled() ? false : 'etcd is not installed (apt-get install -y etcd-server)' },
  async () => {
    const { error, started } = await abortMidway('etcd', 5);
    assert.ok(error instanceof LabAbortedError, String(error));
    assert.ok(started.some((p) => p.role === 'client'), 'clients were running when it was aborted');
    assert.ok(started.some((p) => p.role === 'etcd' && p.dataDir));
    assert.deepEqual(await leftovers(started), []);
  },
);

test(
  'aborting headless midway leaves no process, port or DNS socket behind',
  async () => {
    const { error, started } = await abortMidway('headless', 10);
    assert.ok(error instanceof LabAbortedError, String(error));
    assert.ok(started.some((p) => p.role === 'client'), 'clients were running when it was aborted');
    assert.deepEqual(await leftovers(started), []);
  },
);

test('an already-aborted signal starts nothing', async () => {
  const started: LabProcessInfo[] = [];
  await assert.rejects(
    runScenario('clusterip', { signal: AbortSignal.abort(), onProcess: (p) => started.push(p) }),
    LabAbortedError,
  );
  assert.equal(started.length, 0);
});
