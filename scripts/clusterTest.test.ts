import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { formatRpcRecord } from '../samples/common/clientLog';
import { main } from './clusterTest';

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

test('without a minikube context or GRPC_LB_CLUSTER_CONTEXT it skips with a clear message and exits 0', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'grpc-lb-cluster-'));
  try {
    const run = await runScript([], { HOME: dir, KUBECONFIG: kubeconfig(dir, 'http://127.0.0.1:9', 'kind-other') });
    assert.equal(run.code, 0, run.stdout);
    assert.match(run.stdout, /test:cluster skipped: no kube context named "minikube" and GRPC_LB_CLUSTER_CONTEXT is not set/);
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

/**
 * An HTTP double of the Kubernetes API with just what the cluster test uses for the clusterip
 * chapter: discovery, server-side apply, Deployments that are ready at once, pods and their logs.
 */
class ApiDouble {
  readonly applied: Array<{ path: string; contentType: string; fieldManager: string | null; force: string | null; body: { kind: string } }> = [];
  readonly deleted: string[] = [];
  readonly scaled: Array<{ contentType: string; body: Array<{ op: string; path: string; value: number }> }> = [];
  /** When greeter-server was scaled above 3 (the 4th pod turns Ready then). */
  scaledUpAt?: number;
  /** Which server a client's RPC at time `ts` lands on. */
  pick: (client: number, i: number, ts: number) => string = () => 'greeter-server-a';
  private server?: Server;

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      void this.handle(req).then(([status, body]) => {
        res.writeHead(status, { 'content-type': typeof body === 'string' ? 'text/plain' : 'application/json' });
        res.end(typeof body === 'string' ? body : JSON.stringify(body));
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as { port: number }).port}`;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }

  private async handle(req: IncomingMessage): Promise<[number, unknown]> {
    const url = new URL(req.url ?? '/', 'http://double');
    const path = url.pathname;
    let text = '';
    for await (const chunk of req) text += chunk;
    if (path === '/version') return [200, { major: '1', minor: '34', gitVersion: 'v1.34.0-double' }];
    if (path === '/api/v1' || path.startsWith('/apis/') && path.split('/').length === 4) {
      const resources: Record<string, Array<[string, string, boolean]>> = {
        '/api/v1': [['Namespace', 'namespaces', false], ['Service', 'services', true], ['ConfigMap', 'configmaps', true], ['ServiceAccount', 'serviceaccounts', true]],
        '/apis/apps/v1': [['Deployment', 'deployments', true]],
      };
      const list = resources[path];
      if (!list) return [404, { kind: 'Status', code: 404 }];
      return [200, { kind: 'APIResourceList', groupVersion: path.replace(/^\/apis?\//, ''), resources: list.map(([kind, name, namespaced]) => ({ kind, name, namespaced, singularName: '', verbs: ['patch'] })) }];
    }
    if (req.method === 'PATCH' && path.endsWith('/deployments/greeter-server/scale')) {
      const body = JSON.parse(text) as Array<{ op: string; path: string; value: number }>;
      this.scaled.push({ contentType: String(req.headers['content-type']), body });
      const replicas = body[0].value;
      this.scaledUpAt = replicas > 3 ? Date.now() : undefined;
      const server = this.applied.find((a) => a.path.endsWith('/deployments/greeter-server'))?.body as unknown as { spec: { replicas: number } };
      server.spec.replicas = replicas;
      return [200, { kind: 'Scale', spec: { replicas } }];
    }
    if (req.method === 'PATCH') {
      const body = parse(text) as { kind: string };
      this.applied.push({
        path,
        contentType: String(req.headers['content-type']),
        fieldManager: url.searchParams.get('fieldManager'),
        force: url.searchParams.get('force'),
        body,
      });
      return [200, body];
    }
    const deployment = /^\/apis\/apps\/v1\/namespaces\/([^/]+)\/deployments\/([^/]+)$/.exec(path);
    if (deployment && req.method === 'GET') {
      const applied = this.applied.find((a) => a.path === path)?.body as { spec: { replicas: number } } | undefined;
      if (!applied) return [404, { kind: 'Status', code: 404 }];
      const n = applied.spec.replicas;
      return [200, { ...applied, metadata: { name: deployment[2], generation: 1 }, status: { observedGeneration: 1, replicas: n, updatedReplicas: n, readyReplicas: n, availableReplicas: n } }];
    }
    if (req.method === 'DELETE') {
      this.deleted.push(path);
      return [200, { kind: 'Status', status: 'Success' }];
    }
    if (path === '/api/v1/namespaces' && req.method === 'GET') {
      const selector = url.searchParams.get('labelSelector');
      const ours = this.applied.filter((a) => a.body.kind === 'Namespace').map((a) => ({ metadata: { name: a.path.split('/').pop() } }));
      return [200, { kind: 'NamespaceList', items: selector === 'app.kubernetes.io/part-of=grpc-lb-lab' ? ours : [...ours, { metadata: { name: 'default' } }] }];
    }
    const pods = /^\/api\/v1\/namespaces\/([^/]+)\/pods$/.exec(path);
    if (pods) {
      const selector = url.searchParams.get('labelSelector') ?? '';
      const chapter = /grpc-lb\.dev\/chapter=([a-z-]+)/.exec(selector)?.[1];
      const names = selector.includes('greeter-server')
        ? ['greeter-server-a', 'greeter-server-b', 'greeter-server-c', ...(this.scaledUpAt ? ['greeter-server-d'] : [])]
        : [`greeter-client-${chapter}-0`, `greeter-client-${chapter}-1`];
      const ready = (name: string) => ({
        conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: new Date(name.endsWith('-d') ? this.scaledUpAt! : Date.now() - 60_000).toISOString() }],
      });
      return [200, { kind: 'PodList', items: names.map((name) => ({ metadata: { name, namespace: pods[1] }, status: ready(name) })) }];
    }
    const log = /^\/api\/v1\/namespaces\/[^/]+\/pods\/greeter-client-([a-z-]+)-(\d)\/log$/.exec(path);
    if (log) {
      if (url.searchParams.get('container') !== 'client') return [400, { kind: 'Status', message: 'container required' }];
      const [chapter, client] = [log[1], Number(log[2])];
      const lines = ['{"event":"started"}'];
      for (let i = 0; i < 40; i++) {
        const ts = Date.now() - (40 - i) * 200;
        lines.push(formatRpcRecord({ ts: new Date(ts).toISOString(), client: `greeter-client-${chapter}-${client}`, chapter, target: 'x', ok: true, server: this.pick(client, i, ts), code: 0, ms: 1.2 }));
      }
      return [200, lines.join('\n') + '\n'];
    }
    return [404, { kind: 'Status', code: 404, message: `double: no route for ${req.method} ${path}` }];
  }
}

test('against an API double: server-side applies the chapter in order and judges the clients\' logs', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'grpc-lb-cluster-'));
  const double = new ApiDouble();
  try {
    const url = await double.start();
    const env = { HOME: dir, KUBECONFIG: kubeconfig(dir, url, 'minikube'), GRPC_LB_CLUSTER_OBSERVE_MS: '100' };

    // each client pinned to one server: what the clusterip chapter claims
    double.pick = (client) => `greeter-server-${'ab'[client]}`;
    const pass = await runMain(['clusterip'], env);
    assert.equal(pass.code, 0, pass.stdout);
    assert.match(pass.stdout, /on context minikube \(Kubernetes v1\.34\.0-double\)/);
    assert.match(pass.stdout, /PASS each client pinned to one server: holds/);
    const kinds = double.applied.map((a) => a.body.kind);
    assert.equal(kinds[0], 'Namespace');
    assert.deepEqual(kinds.slice(-2), ['Deployment', 'Deployment']);
    for (const a of double.applied) {
      assert.equal(a.contentType, 'application/apply-patch+yaml', a.path);
      assert.equal(a.fieldManager, 'grpc-lb-lab', a.path);
      assert.equal(a.force, 'true', a.path);
    }
    assert.ok(double.applied.some((a) => a.path === '/apis/apps/v1/namespaces/grpc-lb-example/deployments/greeter-client-clusterip'));
    assert.ok(double.deleted.includes('/apis/apps/v1/namespaces/grpc-lb-example/deployments/greeter-client-clusterip'));
    assert.ok(double.deleted.includes('/api/v1/namespaces/grpc-lb-example'));
    assert.ok(!double.deleted.includes('/api/v1/namespaces/default'), 'only labelled namespaces are deleted');

    // the same chapter with clients spread over servers: the lesson does not hold → exit 1
    double.pick = (_client, i) => `greeter-server-${'abc'[i % 3]}`;
    const fail = await runMain(['clusterip'], env);
    assert.equal(fail.code, 1, fail.stdout);
    assert.match(fail.stdout, /FAIL each client pinned to one server: greeter-client-clusterip-0: expected one server \(one connection\), saw 3/);
    assert.match(fail.stdout, /0 of 1 chapters hold; failed: clusterip/);
  } finally {
    await double.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('against an API double: the etcd chapter scales the servers 3 → 4, measures the new pod, and scales back', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'grpc-lb-cluster-'));
  const double = new ApiDouble();
  try {
    const url = await double.start();
    // spread over the three, and the fourth gets RPCs from 400 ms after it turned Ready
    double.pick = (_client, i, ts) =>
      double.scaledUpAt !== undefined && ts >= double.scaledUpAt + 400 && i % 4 === 3 ? 'greeter-server-d' : `greeter-server-${'abc'[i % 3]}`;
    const run = await runMain(['etcd'], { HOME: dir, KUBECONFIG: kubeconfig(dir, url, 'minikube'), GRPC_LB_CLUSTER_OBSERVE_MS: '100' });
    assert.equal(run.code, 0, run.stdout);
    assert.match(run.stdout, /PASS each client spread over all 3 servers: holds/);
    const measured = /PASS new pod used within 5000 ms: after (\d+) ms/.exec(run.stdout);
    assert.ok(measured, run.stdout);
    assert.ok(Number(measured[1]) >= 400 && Number(measured[1]) < 5000, measured[0]);
    assert.deepEqual(double.scaled.map((s) => s.body), [
      [{ op: 'replace', path: '/spec/replicas', value: 4 }],
      [{ op: 'replace', path: '/spec/replicas', value: 3 }],
    ]);
    assert.equal(double.scaled[0].contentType, 'application/json-patch+json');
    const kinds = double.applied.map((a) => `${a.body.kind}`);
    assert.deepEqual(kinds, ['Namespace', 'Service', 'Service', 'Service', 'Deployment', 'Deployment', 'Deployment']);
    assert.ok(double.applied[4].path.endsWith('/deployments/etcd'), 'etcd starts before its servers');
  } finally {
    await double.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
