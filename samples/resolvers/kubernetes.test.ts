import * as grpc from '@grpc/grpc-js';
import { KubeConfig } from '@kubernetes/client-node';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadGreeter } from '../common/proto';
import { parseAllDocuments } from 'yaml';
import {
  ENDPOINTS_MANIFESTS,
  ENDPOINTS_ROLE,
  ENDPOINTS_ROLE_BINDING,
  KubernetesTargetError,
  createKubernetesResolverClass,
  endpointsFromSlices,
  parseKubernetesTarget,
} from './kubernetes';
import { KubeApiDouble, endpointSlice } from '../testing/kubeApiDouble';
import { TrafficLoop, observeResolver, startTinyGreeter } from './testing/traffic';
import { Cleanup } from './testing/cleanup';
import { kubernetesResolverOnDouble, podsOnOnePort, ready, timeNewEndpoint } from './testing/kubernetesDouble';

const NS = 'lab';

describe('kubernetes: target parsing and EndpointSlice merging', () => {
  it('parses svc.ns:port, svc:port, port names and cluster-local names, and rejects garbage', () => {
    assert.deepEqual(parseKubernetesTarget('greeter-server-headless.grpc-lb-example:50051'), {
      service: 'greeter-server-headless',
      namespace: 'grpc-lb-example',
      port: 50051,
    });
    assert.deepEqual(parseKubernetesTarget('greeter:grpc'), { service: 'greeter', namespace: undefined, port: 'grpc' });
    assert.deepEqual(parseKubernetesTarget('greeter.ns.svc.cluster.local:80'), { service: 'greeter', namespace: 'ns', port: 80 });
    for (const bad of ['', 'Greeter:80', 'a.b.c:80', 'greeter:0', 'greeter:70000', 'greeter:Bad_Name', 'greeter.ns:']) {
      assert.throws(() => parseKubernetesTarget(bad), KubernetesTargetError, bad);
    }
  });

  it('a channel for a malformed kubernetes: target fails at creation with a usage message', () => {
    grpc.experimental.registerResolver('kubernetes', createKubernetesResolverClass());
    const { Client } = loadGreeter();
    assert.throws(
      () => new Client('kubernetes:///Not_A_Service:50051', grpc.credentials.createInsecure()),
      /expected kubernetes:\/\/\/<service>\[\.<namespace>\]\[:<port number or name>\]/,
    );
  });

  it('keeps only ready endpoints, merges slices, de-duplicates, resolves named ports per slice', () => {
    const s1 = endpointSlice(NS, 'svc', 's1', 8080, [ready('10.0.0.1'), ready('10.0.0.2', false), { addresses: ['10.0.0.3'] }]);
    const s2 = endpointSlice(NS, 'svc', 's2', 9090, [ready('10.0.0.4'), ready('10.0.0.1')]);
    const metricsOnly = { ...endpointSlice(NS, 'svc', 's3', 9100, [ready('10.0.0.9')]), ports: [{ name: 'metrics', port: 9100 }] };
    const fqdn = { ...endpointSlice(NS, 'svc', 's4', 8080, [ready('example.com')]), addressType: 'FQDN' as const };
    const hostPorts = (r: ReturnType<typeof endpointsFromSlices>) =>
      r.endpoints.map((e) => e.addresses.map((a) => ('host' in a ? `${a.host}:${a.port}` : '')).join('|'));

    const byName = endpointsFromSlices([s1, s2, metricsOnly, fqdn], 'grpc');
    assert.deepEqual(hostPorts(byName), ['10.0.0.1:8080', '10.0.0.1:9090', '10.0.0.3:8080', '10.0.0.4:9090']);
    assert.equal(byName.notReady, 1);
    assert.equal(byName.noPort, 1);

    const byNumber = endpointsFromSlices([s1, s2], 50051);
    assert.deepEqual(hostPorts(byNumber), ['10.0.0.1:50051', '10.0.0.3:50051', '10.0.0.4:50051']);
  });
});

describe('kubernetes: the 403 message matches the manifests', () => {
  it(`names the Role and RoleBinding that ${ENDPOINTS_MANIFESTS} really holds, with the verbs the resolver uses`, async () => {
    const dir = join(__dirname, '..', '..', ENDPOINTS_MANIFESTS);
    interface Doc {
      kind?: string;
      metadata?: { name?: string };
      rules?: { apiGroups: string[]; resources: string[]; verbs: string[] }[];
      roleRef?: { name?: string };
    }
    const docs: (Doc | null)[] = [];
    for (const f of (await readdir(dir)).filter((n) => /\.ya?ml$/.test(n))) {
      docs.push(...parseAllDocuments(await readFile(join(dir, f), 'utf8')).map((d) => d.toJS() as Doc | null));
    }
    const role = docs.find((d) => d?.kind === 'Role' && d.metadata?.name === ENDPOINTS_ROLE);
    assert.ok(role, `Role ${ENDPOINTS_ROLE} in ${ENDPOINTS_MANIFESTS}`);
    const rule = (role.rules ?? []).find(
      (r) => r.apiGroups.includes('discovery.k8s.io') && r.resources.includes('endpointslices'),
    );
    assert.deepEqual([...(rule?.verbs ?? [])].sort(), ['list', 'watch'], 'exactly the verbs the resolver uses');
    const binding = docs.find((d) => d?.kind === 'RoleBinding' && d.metadata?.name === ENDPOINTS_ROLE_BINDING);
    assert.equal(binding?.roleRef?.name, ENDPOINTS_ROLE, `RoleBinding ${ENDPOINTS_ROLE_BINDING} binds the Role`);
  });
});

describe('kubernetes resolver (Kubernetes API double)', () => {
  let double: KubeApiDouble;
  const logs: string[] = [];

  before(async () => {
    double = await KubeApiDouble.start();
    grpc.experimental.registerResolver(
      'kubernetes',
      kubernetesResolverOnDouble(double, NS, { initialBackoffMs: 100, maxBackoffMs: 1000, log: (m) => logs.push(m) }),
    );
  });
  after(async () => {
    await double?.stop();
  });

  it('add / not-ready / remove endpoints are reflected in the RPC spread (Kubernetes API double)', async (t) => {
    const cleanup = new Cleanup();
    t.after(() => cleanup.run());
    const { port, pods } = await podsOnOnePort(['pod-a', 'pod-b', 'pod-c']);
    for (const p of pods) cleanup.add(() => p.stop());
    double.put(endpointSlice(NS, 'spread', 'spread-1', port, [ready('127.0.0.1'), ready('127.0.0.2')]));

    const traffic = new TrafficLoop(`kubernetes:///spread.${NS}:${port}`);
    cleanup.add(() => traffic.stop());
    await traffic.waitFor('pod-a and pod-b to answer', () => traffic.counts().size === 2, 10_000);
    const list = double.requests.find((r) => !r.watch && r.path.includes('/namespaces/lab/endpointslices'));
    assert.equal(list?.labelSelector, 'kubernetes.io/service-name=spread');
    assert.equal(list?.authorization, 'Bearer double-token');

    const addMs = await timeNewEndpoint(
      double,
      traffic,
      endpointSlice(NS, 'spread', 'spread-1', port, [ready('127.0.0.1'), ready('127.0.0.2'), ready('127.0.0.3')]),
      'pod-c',
    );
    console.log(`kubernetes: a new ready endpoint got its first RPC ${addMs} ms after the EndpointSlice changed`);
    assert.ok(addMs <= 1000, `scale-up seen within 1 s (took ${addMs} ms)`);
    const spreadStart = Date.now();
    await traffic.waitFor('60 RPCs', () => traffic.records.filter((r) => r.at >= spreadStart).length >= 60, 10_000);
    const counts = traffic.counts(spreadStart);
    for (const pod of ['pod-a', 'pod-b', 'pod-c']) {
      assert.ok((counts.get(pod) ?? 0) >= 12, `${pod} gets a fair share: ${traffic.summary()}`);
    }

    const notReadyAt = Date.now();
    double.put(
      endpointSlice(NS, 'spread', 'spread-1', port, [ready('127.0.0.1'), ready('127.0.0.2', false), ready('127.0.0.3')]),
    );
    await traffic.waitFor('pod-b (not ready) to leave', () => (traffic.lastSeen('pod-b') ?? 0) < Date.now() - 300, 5000);
    console.log(
      `kubernetes: a not-ready endpoint got its last RPC ${Math.max(0, traffic.lastSeen('pod-b')! - notReadyAt)} ms after the change`,
    );

    const removedAt = Date.now();
    double.put(endpointSlice(NS, 'spread', 'spread-1', port, [ready('127.0.0.1'), ready('127.0.0.2', false)]));
    await traffic.waitFor('pod-c (removed) to leave', () => (traffic.lastSeen('pod-c') ?? 0) < Date.now() - 300, 5000);
    assert.ok(traffic.lastSeen('pod-c')! - removedAt <= 1000, 'a removed endpoint leaves within 1 s');
    const tail = Date.now();
    await traffic.waitFor('more RPCs', () => traffic.records.filter((r) => r.at >= tail).length >= 20, 5000);
    assert.deepEqual([...traffic.counts(tail).keys()], ['pod-a'], `only the ready, listed pod answers: ${traffic.summary()}`);
    assert.equal(traffic.failuresAfterFirstSuccess().length, 0, `no failed RPCs: ${traffic.summary()}`);

    // Every endpoint gone: RPCs fail with a message that says why, and recover when pods return.
    double.remove('discovery.k8s.io/v1', 'EndpointSlice', NS, 'spread-1');
    await traffic.waitFor('RPCs to fail', () => (traffic.lastError()?.at ?? 0) > tail, 5000);
    assert.match(traffic.lastError()?.details ?? '', /0 EndpointSlice\(s\) of service "spread" in namespace "lab"/);
    double.put(endpointSlice(NS, 'spread', 'spread-2', port, [ready('127.0.0.2')]));
    const backAt = Date.now();
    await traffic.waitFor('pod-b to answer again', () => traffic.firstSeen('pod-b', backAt) !== undefined, 5000);
  });

  it('merges several slices and dials the port by name (Kubernetes API double)', async (t) => {
    const cleanup = new Cleanup();
    t.after(() => cleanup.run());
    const x = await startTinyGreeter('named-x');
    const y = await startTinyGreeter('named-y');
    const z = await startTinyGreeter('named-z');
    for (const s of [x, y, z]) cleanup.add(() => s.stop());
    double.put(endpointSlice(NS, 'named', 'named-1', x.port, [ready('127.0.0.1')]));
    double.put(endpointSlice(NS, 'named', 'named-2', y.port, [ready('127.0.0.1')]));
    // A slice whose port has another name must not be dialled on the grpc port.
    double.put({ ...endpointSlice(NS, 'named', 'named-3', z.port, [ready('127.0.0.1')]), ports: [{ name: 'metrics', port: z.port }] });
    // Another service's slice must not leak in.
    double.put(endpointSlice(NS, 'other', 'other-1', z.port, [ready('127.0.0.1')]));

    const traffic = new TrafficLoop(`kubernetes:///named.${NS}:grpc`);
    cleanup.add(() => traffic.stop());
    await traffic.waitFor('both named-port servers', () => traffic.counts().size === 2, 10_000);
    const since = Date.now();
    await traffic.waitFor('40 RPCs', () => traffic.records.filter((r) => r.at >= since).length >= 40, 10_000);
    assert.deepEqual([...traffic.counts().keys()].sort(), ['named-x', 'named-y']);
  });

  it('re-establishes a watch that the API server ends or cuts, and later changes still apply (Kubernetes API double)', async (t) => {
    const cleanup = new Cleanup();
    t.after(() => cleanup.run());
    const { port, pods } = await podsOnOnePort(['rewatch-a', 'rewatch-b', 'rewatch-c']);
    for (const p of pods) cleanup.add(() => p.stop());
    const eps = [ready('127.0.0.1')];
    double.put(endpointSlice(NS, 'rewatch', 'rewatch-1', port, eps));
    const traffic = new TrafficLoop(`kubernetes:///rewatch.${NS}:${port}`);
    cleanup.add(() => traffic.stop());
    await traffic.waitFor('rewatch-a', () => traffic.counts().has('rewatch-a'), 10_000);
    await traffic.waitFor('an open watch', () => double.openWatches === 1, 5000);

    const cases = [
      { how: 'clean' as const, pod: 'rewatch-b', ip: '127.0.0.2' },
      { how: 'cut' as const, pod: 'rewatch-c', ip: '127.0.0.3' },
    ];
    for (const { how, pod, ip } of cases) {
      const watchesBefore = double.watchRequests;
      const endedAt = Date.now();
      assert.equal(double.endWatches(how), 1, 'the resolver had one watch open');
      await traffic.waitFor(`a new watch after a ${how} end`, () => double.watchRequests > watchesBefore && double.openWatches === 1, 5000);
      console.log(`kubernetes: watch ${how === 'clean' ? 'ended cleanly' : 'cut mid-stream'} → re-watched after ${Date.now() - endedAt} ms`);
      eps.push(ready(ip));
      const changedAt = Date.now();
      double.put(endpointSlice(NS, 'rewatch', 'rewatch-1', port, eps));
      await traffic.waitFor(`${pod} after the re-watch`, () => traffic.firstSeen(pod, changedAt) !== undefined, 5000);
    }
    const rewatch = double.requests.filter((r) => r.watch && r.path.includes('/lab/endpointslices') && r.labelSelector?.endsWith('=rewatch'));
    assert.ok(rewatch.length >= 3, 'three watches: the first and two re-established ones');
    assert.ok(rewatch.every((r) => r.resourceVersion), 're-watches resume from a resourceVersion');
    assert.equal(traffic.failuresAfterFirstSuccess().length, 0, `no failed RPCs: ${traffic.summary()}`);
  });

  it('a 403 from the API server gives an RPC error naming the Role it needs, and recovers once granted (Kubernetes API double)', async (t) => {
    const cleanup = new Cleanup();
    t.after(() => cleanup.run());
    const pod = await startTinyGreeter('granted');
    cleanup.add(() => pod.stop());
    double.refuse = 403;
    cleanup.add(() => (double.refuse = undefined));
    const traffic = new TrafficLoop(`kubernetes:///denied.${NS}:${pod.port}`);
    cleanup.add(() => traffic.stop());
    await traffic.waitFor('a failed RPC', () => traffic.lastError() !== undefined, 10_000);
    const err = traffic.lastError()!;
    assert.equal(err.code, grpc.status.UNAVAILABLE);
    const details = err.details ?? '';
    for (const needle of [
      '403 Forbidden',
      'namespace "lab"',
      'service "denied"',
      'Role',
      'list and watch on endpointslices',
      'API group discovery.k8s.io',
      'RoleBinding',
      'manifests/endpoints',
      'Role "endpointslice-reader"',
      'cannot list resource "endpointslices"',
    ]) {
      assert.ok(details.includes(needle), `the error mentions ${JSON.stringify(needle)}: ${details}`);
    }
    console.log(`kubernetes: 403 → the client sees: ${details}`);

    // Granting the Role (here: the double stops refusing) heals the running client.
    double.put(endpointSlice(NS, 'denied', 'denied-1', pod.port, [ready('127.0.0.1')]));
    double.refuse = undefined;
    const grantedAt = Date.now();
    await traffic.waitFor('RPCs to succeed after the grant', () => traffic.firstSeen('granted', grantedAt) !== undefined, 5000);

    // Access revoked while endpoints are known: they stay in use, and the log says why discovery stopped.
    logs.length = 0;
    double.refuse = 403;
    const revokedAt = Date.now();
    double.endWatches('cut');
    await traffic.waitFor('the refusal to be logged', () => logs.some((m) => m.includes('403 Forbidden')), 5000);
    await traffic.waitFor('a second of RPCs', () => Date.now() - revokedAt > 1000, 3000);
    assert.equal(traffic.records.filter((r) => r.at >= revokedAt && r.code !== 0).length, 0, 'no failed RPCs');
    assert.equal(logs.filter((m) => m.includes('403 Forbidden')).length, 1, `logged once: ${logs.join(' | ')}`);
    assert.match(logs[0] ?? '', /keeping 1 known endpoint\(s\), retrying/);
    double.refuse = undefined;
    await traffic.waitFor('the watch to come back', () => logs.some((m) => m.includes('again')), 5000);
  });

  it('without a namespace in the target: the service-account namespace, else the kubeconfig context (Kubernetes API double)', async (t) => {
    const cleanup = new Cleanup();
    t.after(() => cleanup.run());
    const dir = await mkdtemp(join(tmpdir(), 'k8s-ns-'));
    cleanup.add(() => rm(dir, { recursive: true, force: true }));
    const nsFile = join(dir, 'namespace');
    await writeFile(nsFile, 'pod-ns\n');
    const options = {
      loadKubeConfig: () => {
        const kc = new KubeConfig();
        kc.loadFromOptions(double.kubeConfigOptions({ namespace: 'context-ns' }));
        return kc;
      },
      log: () => undefined,
    };
    double.put(endpointSlice('pod-ns', 'nsless', 'nsless-1', 7001, [ready('127.0.0.1')]));
    double.put(endpointSlice('context-ns', 'nsless', 'nsless-1', 7002, [ready('127.0.0.1')]));
    const inPod = observeResolver(createKubernetesResolverClass({ ...options, namespaceFile: nsFile }), 'kubernetes:///nsless:grpc');
    cleanup.add(() => inPod.destroy());
    const outside = observeResolver(createKubernetesResolverClass({ ...options, namespaceFile: join(dir, 'missing') }), 'kubernetes:///nsless:grpc');
    cleanup.add(() => outside.destroy());
    const deadline = Date.now() + 5000;
    while ((!inPod.latest() || !outside.latest()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(inPod.latest()?.addrs, ['127.0.0.1:7001']);
    assert.deepEqual(outside.latest()?.addrs, ['127.0.0.1:7002']);

    // The channel asks again and again (round_robin does); a running watch answers only changes.
    const before = inPod.reports.length;
    const resolverCalls = 1000;
    for (let i = 0; i < resolverCalls; i++) inPod.updateResolution();
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(inPod.reports.length, before, 'no report without a change');
  });
});
