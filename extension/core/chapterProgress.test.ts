import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { CHAPTERS, LAB_SCENARIO_IDS } from '../../samples/common/catalog';
import { ChapterProgress, chapterForLabScenario } from './chapterProgress';
import { MemoryStorage } from './storage';

function progressWith(storage = new MemoryStorage()): { progress: ChapterProgress; keys: Array<[string, boolean]> } {
  const keys: Array<[string, boolean]> = [];
  return { progress: new ChapterProgress({ storage, setContext: (k, v) => keys.push([k, v]) }), keys };
}

/** The walkthrough's onContext completion events in package.json, by step id. */
function completionKeys(): Map<string, string> {
  const pkg = JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as {
    contributes: { walkthroughs: Array<{ steps: Array<{ id: string; completionEvents?: string[] }> }> };
  };
  const out = new Map<string, string>();
  for (const step of pkg.contributes.walkthroughs.flatMap((w) => w.steps)) {
    const ctx = step.completionEvents?.find((e) => e.startsWith('onContext:'));
    if (ctx) out.set(step.id, ctx.slice('onContext:'.length));
  }
  return out;
}

describe('chapter progress (walkthrough completion)', () => {
  it('applying a chapter sets the context key its walkthrough step completes on', async () => {
    const { progress, keys } = progressWith();
    await progress.markDone('max-age');
    assert.deepEqual(keys, [[completionKeys().get('max-age'), true]]);
  });

  it('a finished lab scenario ticks its chapter; rollout belongs to none', async () => {
    const { progress, keys } = progressWith();
    assert.equal(await progress.labScenarioFinished('headless'), 'headless');
    assert.equal(await progress.labScenarioFinished('rollout'), undefined);
    assert.deepEqual(keys, [[completionKeys().get('headless'), true]]);
    // Every scenario that names a chapter in the catalog maps back to it.
    for (const id of LAB_SCENARIO_IDS) {
      assert.equal(chapterForLabScenario(id), CHAPTERS.find((c) => c.labScenario === id)?.id);
    }
  });

  it('done chapters stay ticked after a reload (restored from storage, once each)', async () => {
    const storage = new MemoryStorage();
    const first = progressWith(storage);
    await first.progress.markDone('etcd');
    await first.progress.markDone('clusterip');
    await first.progress.markDone('etcd');
    const reloaded = progressWith(storage);
    assert.deepEqual(reloaded.keys, [], 'nothing is set before restore()');
    reloaded.progress.restore();
    const want = completionKeys();
    assert.deepEqual(reloaded.keys, [
      [want.get('clusterip'), true],
      [want.get('etcd'), true],
    ]);
  });

  it('ignores stored values that are not chapter ids (a hand-edited or older state)', () => {
    const storage = new MemoryStorage();
    void storage.update('grpcLb.chaptersDone', ['istio', 'no-such-chapter', 42]);
    const { progress, keys } = progressWith(storage);
    progress.restore();
    assert.deepEqual(keys, [[completionKeys().get('istio'), true]]);
  });
});
