import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ClusterUnreachableError } from '../errors';
import { loadDefaultKubeConfig } from './kube';

test('a KUBECONFIG naming a missing file is a ClusterUnreachableError that names the file, not a bare ENOENT', () => {
  const saved = process.env.KUBECONFIG;
  process.env.KUBECONFIG = '/nonexistent/grpc-lb-lab/kubeconfig';
  try {
    assert.throws(loadDefaultKubeConfig, (err: unknown) => {
      assert.ok(err instanceof ClusterUnreachableError);
      assert.match(err.message, /kubeconfig \(\/nonexistent\/grpc-lb-lab\/kubeconfig\) cannot be read/);
      return true;
    });
  } finally {
    if (saved === undefined) delete process.env.KUBECONFIG;
    else process.env.KUBECONFIG = saved;
  }
});
