import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { KubeConfig } from '@kubernetes/client-node';
import { ISTIO_ADDON_URLS } from '../../../manifests/index';
import { withPinnedKubeconfig } from '../cluster/pinnedKubeconfig';
import { ProcessFailedError, ToolMissingError } from '../errors';
import { FakeProcessRunner } from '../testing/fakeProcessRunner';
import { installIstio } from './istio';

function labAndProd(): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [
      { name: 'lab', server: 'https://198.18.0.10:8443', skipTLSVerify: false },
      { name: 'prod', server: 'https://198.18.0.20:6443', skipTLSVerify: false },
    ],
    users: [
      { name: 'lab-user', token: 'lab-token' },
      { name: 'prod-user', token: 'prod-token' },
    ],
    contexts: [
      { name: 'minikube', cluster: 'lab', user: 'lab-user' },
      { name: 'prod', cluster: 'prod', user: 'prod-user' },
    ],
    currentContext: 'prod',
  });
  return kc;
}

test('Istio is installed into the allowed context only: istioctl then each add-on, every command naming it, with a kubeconfig that holds nothing else', async () => {
  const seen: string[] = [];
  const runner = new FakeProcessRunner()
    .tool('istioctl', (_args, options) => {
      seen.push(readFileSync(options.env!.KUBECONFIG, 'utf8'));
      return { stdout: ['✔ Istio core installed'] };
    })
    .tool('kubectl');
  const lines: string[] = [];
  const steps: string[] = [];
  await withPinnedKubeconfig(labAndProd(), 'minikube', (kubeconfigFile) =>
    installIstio(runner, { context: 'minikube', kubeconfigFile, onLine: (l) => lines.push(l), onStep: (s) => steps.push(s.kind) }),
  );
  assert.deepEqual(
    runner.calls.map((c) => [c.command, ...c.args]),
    [
      ['istioctl', 'install', '-y', '--set', 'profile=minimal', '--context', 'minikube'],
      ...ISTIO_ADDON_URLS.map((url) => ['kubectl', '--context', 'minikube', 'apply', '-f', url]),
    ],
  );
  const pinned = JSON.parse(seen[0]);
  assert.deepEqual(pinned.contexts.map((c: { name: string }) => c.name), ['minikube']);
  assert.equal(pinned['current-context'], 'minikube');
  assert.ok(!seen[0].includes('prod-token') && !seen[0].includes('198.18.0.20'), 'the other cluster and its credentials are not in the file');
  assert.deepEqual(steps, ['istiod', 'addon', 'addon']);
  assert.deepEqual(lines, ['✔ Istio core installed']);
});

test('a failing istioctl stops the install with its output, before any add-on is applied', async () => {
  const runner = new FakeProcessRunner().tool('istioctl', { exitCode: 1, stderr: ['Error: failed to install manifests: context deadline exceeded'] }).tool('kubectl');
  await assert.rejects(
    withPinnedKubeconfig(labAndProd(), 'minikube', (kubeconfigFile) => installIstio(runner, { context: 'minikube', kubeconfigFile })),
    (err: unknown) => err instanceof ProcessFailedError && err.message.includes('context deadline exceeded'),
  );
  assert.equal(runner.callsOf('kubectl').length, 0);
});

test('without istioctl the error names the tool and how to install it', async () => {
  const runner = new FakeProcessRunner().tool('kubectl');
  await assert.rejects(
    withPinnedKubeconfig(labAndProd(), 'minikube', (kubeconfigFile) => installIstio(runner, { context: 'minikube', kubeconfigFile })),
    (err: unknown) => err instanceof ToolMissingError && /istio/i.test(err.message),
  );
});
