import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ChapterProgress } from '../../extension/core/chapterProgress';
import { MemoryStorage } from '../../extension/core/storage';
import { installVscodeStandIn } from '../../extension/core/testing/vscodeStandIn';

/**
 * The action layer's applyChapter (behind both grpcLb.applyChapter and the workbook's `apply` cells)
 * ticks the chapter's walkthrough step only when the chapter was applied and became ready.
 */
const ROOT = join(__dirname, '..', '..');
const load = createRequire(__filename);

type Ops = typeof import('../../extension/operations');

function setUp(applyChapter: () => Promise<unknown>): { ops: Ops; services: never; keys: string[]; storage: MemoryStorage; restore(): void } {
  const standIn = installVscodeStandIn();
  const ops = load(join(ROOT, 'extension', 'operations.ts')) as Ops;
  const keys: string[] = [];
  const storage = new MemoryStorage();
  const progress = new ChapterProgress({ storage, setContext: (k, v) => v && keys.push(k) });
  const services = { progress, cluster: { applyChapter } } as never;
  return { ops, services, keys, storage, restore: standIn.restore };
}

const sink = { signal: new AbortController().signal, line: () => undefined, progress: () => undefined };

describe('walkthrough completion wiring (applyChapter)', () => {
  it('a successful apply marks the chapter done and remembers it', async () => {
    const t = setUp(async () => ({ context: 'minikube', applied: [] }));
    try {
      await t.ops.applyChapter(t.services, 'envoy-sidecar', sink);
      assert.deepEqual(t.keys, ['grpcLb.chapterDone.envoySidecar']);
      assert.deepEqual(t.storage.get('grpcLb.chaptersDone'), ['envoy-sidecar']);
    } finally {
      t.restore();
    }
  });

  it('a failed apply (pods never ready, declined context, …) leaves the step unticked', async () => {
    const t = setUp(async () => {
      throw new Error('rollout timed out');
    });
    try {
      await assert.rejects(t.ops.applyChapter(t.services, 'istio', sink), /rollout timed out/);
      assert.deepEqual(t.keys, []);
      assert.equal(t.storage.get('grpcLb.chaptersDone'), undefined);
    } finally {
      t.restore();
    }
  });
});
