import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ContextDeclinedError } from '../errors';
import { ContextGuard, isLocalServer, type KubeTarget } from './contextGuard';
import { MemoryStorage } from '../storage';

/** A cluster reached through `name`; the default server is not on this machine (198.18.0.0/15, never dialled). */
const at = (name: string, server = 'https://198.18.0.10:6443', user = `${name}-user`): KubeTarget => ({ name, server, user });
const MINIKUBE = at('minikube', 'https://127.0.0.1:32771', 'minikube');

function guardWith(answers: boolean[], storage = new MemoryStorage()): { guard: ContextGuard; asked: string[]; servers: string[] } {
  const asked: string[] = [];
  const servers: string[] = [];
  const guard = new ContextGuard({
    storage,
    confirm: async (target) => {
      asked.push(target.name);
      servers.push(target.server);
      await new Promise((r) => setImmediate(r));
      return answers.shift() ?? false;
    },
  });
  return { guard, asked, servers };
}

describe('context guard', () => {
  it('never asks about minikube on a local server (or the profiles the caller names)', async () => {
    const { guard, asked } = guardWith([]);
    await guard.ensureWritable(MINIKUBE);
    await guard.ensureWritable(at('minikube', 'https://192.168.49.2:8443', 'minikube'));
    const custom = new ContextGuard({ storage: new MemoryStorage(), confirm: async () => false, minikubeContexts: () => ['lab'] });
    await custom.ensureWritable(at('lab', 'https://127.0.0.1:6443'));
    assert.deepEqual(asked, []);
  });

  it('asks about a context named minikube that points at a remote server, and shows that server', async () => {
    const { guard, asked, servers } = guardWith([false]);
    await assert.rejects(guard.ensureWritable(at('minikube', 'https://k8s.example.com:6443', 'admin')), ContextDeclinedError);
    assert.deepEqual(asked, ['minikube']);
    assert.deepEqual(servers, ['https://k8s.example.com:6443']);
  });

  it('remembers a "yes" in storage, across guards sharing it (a new VS Code window)', async () => {
    const storage = new MemoryStorage();
    const first = guardWith([true], storage);
    await first.guard.ensureWritable(at('kind-dev'));
    await first.guard.ensureWritable(at('kind-dev'));
    const second = guardWith([], storage);
    await second.guard.ensureWritable(at('kind-dev'));
    assert.deepEqual([...first.asked, ...second.asked], ['kind-dev']);
  });

  it('remembers a cluster, not a name: the same name on another server or with another user asks again', async () => {
    const { guard, asked } = guardWith([true, true, true]);
    await guard.ensureWritable(at('dev'));
    await guard.ensureWritable(at('dev', 'https://198.18.0.99:6443'));
    await guard.ensureWritable(at('dev', 'https://198.18.0.10:6443', 'cluster-admin'));
    await guard.ensureWritable(at('dev'));
    assert.deepEqual(asked, ['dev', 'dev', 'dev']);
  });

  it('forgets every remembered "yes" on reset (the Forget Allowed Kube Contexts command)', async () => {
    const storage = new MemoryStorage();
    const { guard, asked } = guardWith([true, true], storage);
    await guard.ensureWritable(at('dev'));
    assert.equal(guard.allowedCount(), 1);
    await guard.reset();
    assert.equal(guard.allowedCount(), 0);
    await guard.ensureWritable(at('dev'));
    assert.deepEqual(asked, ['dev', 'dev']);
  });

  it('remembers a "no" for the session only, and asks again after forgetDecline', async () => {
    const storage = new MemoryStorage();
    const { guard, asked } = guardWith([false, true], storage);
    await assert.rejects(guard.ensureWritable(at('prod')), ContextDeclinedError);
    await assert.rejects(guard.ensureWritable(at('prod')), ContextDeclinedError);
    assert.deepEqual(asked, ['prod']);
    assert.equal(guardWith([], storage).guard.isAllowed(at('prod')), false, 'a "no" is not persisted as a "yes"');
    guard.forgetDecline('prod');
    await guard.ensureWritable(at('prod'));
    assert.deepEqual(asked, ['prod', 'prod']);
  });

  it('asks once when two writes race for the same cluster', async () => {
    const { guard, asked } = guardWith([true]);
    await Promise.all([guard.ensureWritable(at('staging')), guard.ensureWritable(at('staging'))]);
    assert.deepEqual(asked, ['staging']);
  });

  it('asks per context', async () => {
    const { guard, asked } = guardWith([true, false]);
    await guard.ensureWritable(at('a'));
    await assert.rejects(guard.ensureWritable(at('b')), ContextDeclinedError);
    assert.deepEqual(asked, ['a', 'b']);
  });

  it('isLocalServer: loopback and private networks (where minikube runs), nothing else', () => {
    for (const s of ['https://127.0.0.1:32771', 'https://localhost:8443', 'https://[::1]:6443', 'https://192.168.49.2:8443', 'https://10.0.0.5:6443', 'https://172.20.0.2:8443']) {
      assert.equal(isLocalServer(s), true, s);
    }
    for (const s of ['https://k8s.example.com', 'https://198.18.0.10:6443', 'https://172.32.0.1:6443', 'not a url', '']) {
      assert.equal(isLocalServer(s), false, s);
    }
  });
});
