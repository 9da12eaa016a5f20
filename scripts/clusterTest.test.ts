import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { candidateContexts, main } from './clusterTest';

const SCRIPT = join(__dirname, 'clusterTest.ts');

interface Run {
  code: number;
  stdout: string;
}

function runScript(args: string[], env: Record<string, string>): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', SCRIPT, ...args],
      { env: { PATH: process.env.PATH ?? '', ...env }, timeout: 50_000 },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout: stdout + stderr }),
    );
  });
}

/** main() in this process (client-node loads once): KUBECONFIG is read from process.env. */
async function runMain(args: string[], env: Record<string, string>): Promise<Run> {
  const saved = process.env.KUBECONFIG;
  process.env.KUBECONFIG = env.KUBECONFIG;
  const lines: string[] = [];
  try {
    const code = await main(args, env, (line) => lines.push(line));
    return { code, stdout: lines.join('\n') + '\n' };
  } catch (error) {
    return { code: 1, stdout: [...lines, (error as Error).message].join('\n') };
  } finally {
    if (saved === undefined) delete process.env.KUBECONFIG;
    else process.env.KUBECONFIG = saved;
  }
}

function kubeconfig(dir: string, server: string, context: string): string {
  const file = join(dir, `kubeconfig-${context}`);
  writeFileSync(
    file,
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      // plain HTTP on loopback: client-node allows it only with skipTLSVerify
      clusters: [{ name: 'double', cluster: { server, 'insecure-skip-tls-verify': true } }],
      users: [{ name: 'learner', user: { token: 'not-a-secret' } }],
      contexts: [{ name: context, context: { cluster: 'double', user: 'learner' } }],
      'current-context': context,
    }),
  );
  return file;
}

test('the rig is tried first, then minikube; a named context is the only one tried', () => {
  assert.deepEqual(candidateContexts(['minikube', 'kind-x', 'grpc-lb-rig'], {}), { names: ['grpc-lb-rig', 'minikube'], explicit: false });
  assert.deepEqual(candidateContexts(['kind-x'], {}), { names: [], explicit: false });
  assert.deepEqual(candidateContexts(['kind-x', 'minikube'], { GRPC_LB_CLUSTER_CONTEXT: 'kind-x' }), { names: ['kind-x'], explicit: true });
});

test('without a rig, minikube or GRPC_LB_CLUSTER_CONTEXT it skips with a clear message and exits 0', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'grpc-lb-cluster-'));
  try {
    const run = await runScript([], { HOME: dir, KUBECONFIG: kubeconfig(dir, 'http://127.0.0.1:9', 'kind-other') });
    assert.equal(run.code, 0, run.stdout);
    assert.match(run.stdout, /test:cluster skipped: no context answers \(tried grpc-lb-rig, minikube\)\. Run `npm run cluster:up`/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a named context that is not in the kubeconfig is an error, not a skip', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'grpc-lb-cluster-'));
  try {
    const run = await runMain([], {
      HOME: dir,
      KUBECONFIG: kubeconfig(dir, 'http://127.0.0.1:9', 'minikube'),
      GRPC_LB_CLUSTER_CONTEXT: 'prod',
    });
    assert.equal(run.code, 1);
    assert.match(run.stdout, /GRPC_LB_CLUSTER_CONTEXT=prod is not a context of your kubeconfig \(have: minikube\)/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
