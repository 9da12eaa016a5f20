/**
 * `npm run cluster:double-contract` — the Kubernetes API double (samples/testing/kubeApiDouble.ts), which
 * the unit tests use to stay fast, held against the real API server of the rig: the same requests go to
 * both, and the answers the product relies on (status codes, reasons, the words of a 403 and a 404, the
 * log endpoint's container rule, server-side apply's field manager rule) must agree. Runs after
 * `npm run cluster:up`, in its own namespace.
 */
import * as k8s from '@kubernetes/client-node';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest, type RequestOptions } from 'node:https';
import { after, before, test } from 'node:test';
import { KubeApiDouble } from '../../samples/testing/kubeApiDouble';
import { PAUSE_IMAGE, CONTEXT, KUBECONFIG_PATH } from './rig';

const NS = 'grpc-lb-double-contract';
const POD = 'one-container';
const SA = 'reads-nothing';

interface Answer {
  code: number;
  reason?: string;
  message?: string;
  text: string;
}

/** One raw HTTP call with the kubeconfig's credentials (client-node's typed calls would hide the status). */
async function call(kc: k8s.KubeConfig, method: string, path: string, body?: string, contentType?: string, bearer?: string): Promise<Answer> {
  const server = new URL(kc.getCurrentCluster()!.server);
  const options: RequestOptions = { method, hostname: server.hostname, port: server.port, path, headers: {} };
  if (bearer) {
    // Only the cluster's CA: the request is the ServiceAccount's, not the admin certificate's.
    const caFile = kc.getCurrentCluster()?.caFile;
    if (caFile) options.ca = readFileSync(caFile);
    options.headers = { authorization: `Bearer ${bearer}` };
  } else {
    await kc.applyToHTTPSOptions(options);
  }
  options.headers = { ...(options.headers as Record<string, string>), ...(contentType ? { 'content-type': contentType } : {}) };
  const send = server.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(options, (res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => (text += chunk.toString()));
      res.on('end', () => {
        let status: { reason?: string; message?: string } = {};
        try {
          status = JSON.parse(text) as typeof status;
        } catch {
          // a log body is plain text
        }
        resolve({ code: res.statusCode ?? 0, reason: status.reason, message: status.message, text });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

let real: k8s.KubeConfig;
let double: KubeApiDouble;
let fake: k8s.KubeConfig;
let saToken: string;

before(async () => {
  real = new k8s.KubeConfig();
  real.loadFromFile(process.env.KUBECONFIG || KUBECONFIG_PATH);
  real.setCurrentContext(CONTEXT);
  const core = real.makeApiClient(k8s.CoreV1Api);
  await core.createNamespace({ body: { metadata: { name: NS } } }).catch(() => undefined);
  await core.createNamespacedServiceAccount({ namespace: NS, body: { metadata: { name: SA } } }).catch(() => undefined);
  await core
    .createNamespacedPod({
      namespace: NS,
      body: {
        metadata: { name: POD },
        spec: {
          containers: [{ name: 'only', image: PAUSE_IMAGE, imagePullPolicy: 'Never' }],
          automountServiceAccountToken: false,
        },
      },
    })
    .catch(() => undefined);
  for (let i = 0; i < 120; i++) {
    const pod = await core.readNamespacedPod({ name: POD, namespace: NS });
    if (pod.status?.phase === 'Running') break;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  const token = await core.createNamespacedServiceAccountToken({ name: SA, namespace: NS, body: { spec: { audiences: [], expirationSeconds: 600 } } });
  saToken = token.status?.token ?? '';

  double = await KubeApiDouble.start();
  fake = double.kubeConfig();
  double.put({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
  double.addPod({ name: POD, namespace: NS, labels: {}, containers: ['only'] });
});

after(async () => {
  await double?.stop();
  await real?.makeApiClient(k8s.CoreV1Api).deleteNamespace({ name: NS }).catch(() => undefined);
});

test('a missing namespace: 404 NotFound, worded alike', async () => {
  const path = '/api/v1/namespaces/not-there';
  const [r, d] = [await call(real, 'GET', path), await call(fake, 'GET', path)];
  assert.deepEqual([d.code, d.reason, d.message], [r.code, r.reason, r.message]);
});

test('server-side apply without a field manager is refused alike', async () => {
  const path = `/api/v1/namespaces/${NS}/configmaps/applied`;
  const body = JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'applied', namespace: NS } });
  const [r, d] = [await call(real, 'PATCH', path, body, 'application/apply-patch+yaml'), await call(fake, 'PATCH', path, body, 'application/apply-patch+yaml')];
  assert.equal(d.code, r.code, `real: ${r.text}`);
  assert.equal(d.reason, r.reason);
  const withManager = `${path}?fieldManager=grpc-lb-lab`;
  const [r2, d2] = [await call(real, 'PATCH', withManager, body, 'application/apply-patch+yaml'), await call(fake, 'PATCH', withManager, body, 'application/apply-patch+yaml')];
  assert.equal(d2.code, r2.code, `real: ${r2.text}`);
});

test("the log of a one-container pod: the container may be left out, but not named 'undefined'", async () => {
  const base = `/api/v1/namespaces/${NS}/pods/${POD}/log`;
  for (const query of ['', '?container=only', '?container=undefined']) {
    const [r, d] = [await call(real, 'GET', base + query), await call(fake, 'GET', base + query)];
    assert.equal(d.code, r.code, `${query || '(no container)'}: real ${r.code} ${r.text.slice(0, 200)}, double ${d.code} ${d.text.slice(0, 200)}`);
  }
});

test('a 403 names the resource, the verb, the API group and the namespace alike', async () => {
  const path = `/apis/discovery.k8s.io/v1/namespaces/${NS}/endpointslices`;
  const r = await call(real, 'GET', path, undefined, undefined, saToken);
  double.forbid('GET', /endpointslices/);
  const d = await call(fake, 'GET', path);
  assert.equal(r.code, 403, r.text);
  assert.equal(d.code, r.code);
  assert.equal(d.reason, r.reason);
  const user = (message = ''): string => message.replace(/User "[^"]*"/, 'User "…"');
  assert.equal(user(d.message), user(r.message));
});
