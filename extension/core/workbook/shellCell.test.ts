import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { test } from 'node:test';
import { KubeConfig } from '@kubernetes/client-node';
import { CancelledError } from '../errors';
import { NodeProcessRunner } from '../process/nodeProcessRunner';
import { runShellCell } from './shellCell';

// Real bash through the real process runner: what a learner's ```sh cell does.
const runner = new NodeProcessRunner();

function twoClusters(): KubeConfig {
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
      { name: 'minikube', cluster: 'lab', user: 'lab-user', namespace: 'grpc-lb-example' },
      { name: 'prod', cluster: 'prod', user: 'prod-user' },
    ],
    currentContext: 'prod',
  });
  return kc;
}

async function run(script: string, pin?: { kubeConfig: KubeConfig; context: string }, signal?: AbortSignal) {
  const lines: Array<[string, string]> = [];
  const exitCode = await runShellCell(runner, { script, env: {}, cwd: tmpdir(), ...(pin ? { pin } : {}), ...(signal ? { signal } : {}), onLine: (l, s) => lines.push([s, l]) });
  return { exitCode, lines };
}

test('a shell cell ends with its exit code: the first failing command fails the cell and nothing after it runs', async () => {
  assert.deepEqual(await run('echo one\necho two'), { exitCode: 0, lines: [['stdout', 'one'], ['stdout', 'two']] });
  const failed = await run('echo before\nfalse\necho after');
  assert.equal(failed.exitCode, 1);
  assert.deepEqual(failed.lines, [['stdout', 'before']], 'the line after the failing command does not run');
  const pipe = await run('exit 3 | cat');
  assert.equal(pipe.exitCode, 3, 'a failing first stage of a pipeline fails the cell');
  const stderr = await run('echo oops >&2; exit 2');
  assert.deepEqual(stderr, { exitCode: 2, lines: [['stderr', 'oops']] });
});

test('the cell talks to the allowed context only: its KUBECONFIG holds that context, current, and is removed afterwards', async () => {
  const { exitCode, lines } = await run('echo "$KUBECONFIG"; cat "$KUBECONFIG"', { kubeConfig: twoClusters(), context: 'minikube' });
  assert.equal(exitCode, 0);
  const [file, ...json] = lines.map(([, l]) => l);
  const pinned = JSON.parse(json.join('\n')) as {
    'current-context': string;
    contexts: Array<{ name: string; context: { namespace?: string } }>;
    clusters: Array<{ name: string; cluster: { server: string } }>;
    users: Array<{ name: string; user: { token?: string } }>;
  };
  assert.equal(pinned['current-context'], 'minikube', 'the current context of the user kubeconfig (prod) is not what the cell uses');
  assert.deepEqual(pinned.contexts.map((c) => c.name), ['minikube']);
  assert.equal(pinned.contexts[0].context.namespace, 'grpc-lb-example');
  assert.deepEqual(pinned.clusters.map((c) => c.cluster.server), ['https://198.18.0.10:8443']);
  assert.deepEqual(pinned.users.map((u) => u.user.token), ['lab-token'], 'no other user’s credentials reach the cell');
  assert.equal(existsSync(file), false, 'the pinned kubeconfig is deleted when the cell ends');
});

test('a context the kubeconfig does not define is refused before anything runs', async () => {
  await assert.rejects(run('echo ran', { kubeConfig: twoClusters(), context: 'gone' }), /no context "gone"/);
});

test('Stop ends a running cell at once', async () => {
  const ac = new AbortController();
  const started = Date.now();
  setTimeout(() => ac.abort(), 200);
  await assert.rejects(run('sleep 30', undefined, ac.signal), (err: unknown) => err instanceof CancelledError);
  assert.ok(Date.now() - started < 5000, `stopped after ${Date.now() - started} ms`);
});
