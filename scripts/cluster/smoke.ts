/**
 * `npm run cluster:smoke` — the first test on the rig (after `npm run cluster:up`): the headless
 * chapter's greeter server and client Deployments, server-side applied from manifests/ by the
 * extension's ClusterActions, become Ready;
 * the clients' RPCs succeed through the cluster DNS (CoreDNS A records of the headless Service); and
 * the pods' logs are read through the API (the kubelet's, not a double).
 */
import * as k8s from '@kubernetes/client-node';
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { parseRpcRecord, type RpcRecord } from '../../samples/common/clientLog';
import { NAMESPACE, clientDeploymentName } from '../../samples/common/catalog';
import { ClusterRun } from '../clusterTest';
import { CONTEXT, KUBECONFIG_PATH } from './rig';

const CHAPTER = 'headless';
let api: ClusterRun;
let version: k8s.VersionApi;

before(async () => {
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(process.env.KUBECONFIG || KUBECONFIG_PATH);
  kc.setCurrentContext(CONTEXT);
  api = new ClusterRun(kc, (line) => console.log(line));
  version = kc.makeApiClient(k8s.VersionApi);
});

after(async () => {
  await api.core.deleteNamespace({ name: NAMESPACE }).catch(() => undefined);
});

test('the rig answers with the pinned Kubernetes release and one Ready node', async () => {
  const { gitVersion } = await version.getCode();
  assert.match(gitVersion, /^v1\.\d+\.\d+$/);
  const nodes = await api.core.listNode();
  assert.equal(nodes.items.length, 1);
  const ready = nodes.items[0].status?.conditions?.find((c) => c.type === 'Ready');
  assert.equal(ready?.status, 'True', `node not Ready: ${ready?.message}`);
});

test('greeter server and client Deployments become Ready, and their clients get answers through cluster DNS', async () => {
  const report = await api.actions.applyChapter(CHAPTER, { timeoutMs: 180_000 });
  assert.deepEqual(report.deployments.map((d) => d.name).sort(), ['greeter-client-headless', 'greeter-server']);

  const servers = (await api.core.listNamespacedPod({ namespace: NAMESPACE, labelSelector: 'app.kubernetes.io/name=greeter-server' })).items
    .map((p) => p.metadata?.name as string);
  const clientPods = (await api.core.listNamespacedPod({ namespace: NAMESPACE, labelSelector: `app.kubernetes.io/name=greeter-client` })).items
    .map((p) => p.metadata?.name as string);
  assert.equal(clientPods.length, 2, `client pods of ${clientDeploymentName(CHAPTER)}`);

  // The log is read through the API server, which fetches it from the kubelet.
  let records: RpcRecord[] = [];
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    records = [];
    for (const name of clientPods) {
      const text = await api.core.readNamespacedPodLog({ name, namespace: NAMESPACE, container: 'client' });
      records.push(...text.split('\n').map(parseRpcRecord).filter((r): r is RpcRecord => r !== undefined));
    }
    if (clientPods.every((c) => records.some((r) => r.client === c && r.ok))) break;
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  const ok = records.filter((r) => r.ok);
  assert.ok(ok.length > 0, `no successful RPC in the client logs (${records.length} records)`);
  for (const client of clientPods) assert.ok(ok.some((r) => r.client === client), `client ${client} logged no successful RPC`);
  for (const record of ok) assert.ok(servers.includes(record.server as string), `RPC answered by ${record.server}, not a server pod (${servers.join(', ')})`);
  const lastFailure = records.filter((r) => !r.ok).at(-1);
  console.log(`${ok.length} RPCs ok, ${records.length - ok.length} failed${lastFailure ? ` (last: ${lastFailure.error})` : ''}`);
});
