import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ContextDeclinedError } from '../errors';
import { ContextGuard, MemoryStorage } from './contextGuard';

function guardWith(answers: boolean[], storage = new MemoryStorage()): { guard: ContextGuard; asked: string[] } {
  const asked: string[] = [];
  const guard = new ContextGuard({
    storage,
    confirm: async (ctx) => {
      asked.push(ctx);
      await new Promise((r) => setImmediate(r));
      return answers.shift() ?? false;
    },
  });
  return { guard, asked };
}

describe('context guard', () => {
  it('never asks about minikube (or the profiles the caller names)', async () => {
    const { guard, asked } = guardWith([]);
    await guard.ensureWritable('minikube');
    const custom = new ContextGuard({ storage: new MemoryStorage(), confirm: async () => false, minikubeContexts: () => ['lab'] });
    await custom.ensureWritable('lab');
    assert.deepEqual(asked, []);
  });

  it('remembers a "yes" in storage, across guards sharing it (a new VS Code window)', async () => {
    const storage = new MemoryStorage();
    const first = guardWith([true], storage);
    await first.guard.ensureWritable('kind-dev');
    await first.guard.ensureWritable('kind-dev');
    const second = guardWith([], storage);
    await second.guard.ensureWritable('kind-dev');
    assert.deepEqual([...first.asked, ...second.asked], ['kind-dev']);
  });

  it('remembers a "no" for the session only, and asks again after forgetDecline', async () => {
    const storage = new MemoryStorage();
    const { guard, asked } = guardWith([false, true], storage);
    await assert.rejects(guard.ensureWritable('prod'), ContextDeclinedError);
    await assert.rejects(guard.ensureWritable('prod'), ContextDeclinedError);
    assert.deepEqual(asked, ['prod']);
    assert.equal(guardWith([], storage).guard.isAllowed('prod'), false, 'a "no" is not persisted as a "yes"');
    guard.forgetDecline('prod');
    await guard.ensureWritable('prod');
    assert.deepEqual(asked, ['prod', 'prod']);
  });

  it('asks once when two writes race for the same context', async () => {
    const { guard, asked } = guardWith([true]);
    await Promise.all([guard.ensureWritable('staging'), guard.ensureWritable('staging')]);
    assert.deepEqual(asked, ['staging']);
  });

  it('asks per context', async () => {
    const { guard, asked } = guardWith([true, false]);
    await guard.ensureWritable('a');
    await assert.rejects(guard.ensureWritable('b'), ContextDeclinedError);
    assert.deepEqual(asked, ['a', 'b']);
  });
});
