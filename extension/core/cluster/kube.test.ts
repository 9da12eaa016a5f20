import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ClusterUnreachableError, KubeconfigDanglingError, KubeContextSettingError } from '../errors';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { danglingEntry, kubeConfigLoader } from './kube';

test('a KUBECONFIG naming a missing file is a ClusterUnreachableError that names the file, not a bare ENOENT', () => {
  const saved = process.env.KUBECONFIG;
  process.env.KUBECONFIG = '/nonexistent/grpc-lb-lab/kubeconfig';
  try {
    assert.throws(kubeConfigLoader(() => ({ files: [] })), (err: unknown) => {
      assert.ok(err instanceof ClusterUnreachableError);
      assert.match(err.message, /kubeconfig \(\/nonexistent\/grpc-lb-lab\/kubeconfig\) cannot be read/);
      return true;
    });
  } finally {
    if (saved === undefined) delete process.env.KUBECONFIG;
    else process.env.KUBECONFIG = saved;
  }
});

const kubeconfig = (currentContext: string, contexts: string, clusters = '[]'): string =>
  `apiVersion: v1\nkind: Config\ncurrent-context: ${currentContext}\ncontexts: ${contexts}\nclusters: ${clusters}\nusers:\n- name: u\n  user: {token: x}\n`;

test('a dangling kubeconfig entry is named: a current-context without context, a context without cluster or user', async () => {
  const { KubeConfig } = await import('@kubernetes/client-node');
  const load = (text: string): InstanceType<typeof KubeConfig> => {
    const kc = new KubeConfig();
    kc.loadFromString(text);
    return kc;
  };
  const cluster = '[{name: c, cluster: {server: "https://127.0.0.1:6443"}}]';
  assert.deepEqual(danglingEntry(load(kubeconfig('gone', '[{name: dev, context: {cluster: c, user: u}}]', cluster))), { kind: 'context', name: 'gone' });
  assert.deepEqual(danglingEntry(load(kubeconfig('dev', '[{name: dev, context: {cluster: missing, user: u}}]', cluster))), { kind: 'cluster', name: 'missing' });
  assert.deepEqual(danglingEntry(load(kubeconfig('dev', '[{name: dev, context: {cluster: c, user: nobody}}]', cluster))), { kind: 'user', name: 'nobody' });
  assert.equal(danglingEntry(load(kubeconfig('dev', '[{name: dev, context: {cluster: c, user: u}}]', cluster))), undefined);

  const { ClusterActions } = await import('./clusterActions');
  const { ContextGuard } = await import('./contextGuard');
  const { MemoryStorage } = await import('../storage');
  const actions = new ClusterActions({
    kubeConfig: () => load(kubeconfig('gone', '[{name: dev, context: {cluster: c, user: u}}]', cluster)),
    guard: new ContextGuard({ confirm: async () => true, storage: new MemoryStorage() }),
    documents: () => [],
  });
  await assert.rejects(actions.scale({ namespace: 'ns', deployment: 'd', replicas: 1 }), (e) => e instanceof KubeconfigDanglingError && /current-context "gone" names no context/.test(e.message));
});

/** A kubeconfig with one context `name` on `server`. */
function kubeconfigFile(dir: string, name: string, server: string, current = name): string {
  const file = join(dir, `${name}.yaml`);
  writeFileSync(file, [
    'apiVersion: v1', 'kind: Config', `current-context: ${current}`,
    `clusters: [{name: ${name}, cluster: {server: "${server}"}}]`,
    `users: [{name: ${name}, user: {token: t}}]`,
    `contexts: [{name: ${name}, context: {cluster: ${name}, user: ${name}}}]`,
  ].join('\n'));
  return file;
}

test('settings choose the kubeconfig files (merged, the first wins) and the context, without changing the files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'grpclb-kc-'));
  try {
    const a = kubeconfigFile(dir, 'lab', 'https://127.0.0.1:6443');
    const b = kubeconfigFile(dir, 'kind-x', 'https://127.0.0.1:7443');
    const merged = kubeConfigLoader(() => ({ files: [a, b] }))();
    assert.equal(merged.getCurrentContext(), 'lab', "the first file's current context");
    assert.deepEqual(merged.getContexts().map((c) => c.name).sort(), ['kind-x', 'lab']);
    const switched = kubeConfigLoader(() => ({ files: [a, b], context: 'kind-x' }))();
    assert.equal(switched.getCurrentCluster()?.server, 'https://127.0.0.1:7443');
    assert.throws(kubeConfigLoader(() => ({ files: [a], context: 'gone' })), (e: unknown) => e instanceof KubeContextSettingError && e.context === 'gone');
    assert.throws(kubeConfigLoader(() => ({ files: [join(dir, 'missing.yaml')] })), (e: unknown) => e instanceof ClusterUnreachableError && /missing\.yaml/.test(e.message));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
