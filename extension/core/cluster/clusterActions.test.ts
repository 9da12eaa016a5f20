import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { KubernetesObject } from '@kubernetes/client-node';
import type { ChapterId } from '../../../samples/common/catalog';
import { CancelledError, ContextDeclinedError, ForbiddenError, ImageNotBuiltError, NamespaceMissingError, NamespaceTerminatingError, PodCrashLoopError, ResourceMissingError, RolloutTimeoutError, ClusterUnreachableError, ApiMissingError } from '../errors';
import { KubeApiDouble } from '../../../samples/testing/kubeApiDouble';
import { FIELD_MANAGER } from '../../../samples/common/catalog';
import { ClusterActions, POD_DELETION_COST, type ClusterProgress, type DocumentSource } from './clusterActions';
import { ContextGuard } from './contextGuard';
import { MemoryStorage } from '../storage';

const NS = 'grpc-lb-example';
const labels = (chapter: string, name: string): Record<string, string> => ({
  'app.kubernetes.io/part-of': 'grpc-lb-lab',
  'app.kubernetes.io/name': name,
  'grpc-lb.dev/chapter': chapter,
});

function deployment(chapter: string, name: string, image: string, replicas: number): KubernetesObject {
  // As in manifests/: every chapter's client Deployment carries app.kubernetes.io/name=greeter-client.
  const app = name.startsWith('greeter-client') ? 'greeter-client' : name;
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: NS, labels: labels(chapter, app) },
    spec: {
      replicas,
      selector: { matchLabels: { 'app.kubernetes.io/name': app } },
      template: {
        metadata: { labels: labels(chapter, app) },
        spec: { containers: [{ name: name.split('-').slice(0, 2).join('-'), image, imagePullPolicy: 'IfNotPresent' }] },
      },
    },
  } as KubernetesObject;
}

/** A chapter shaped like ours, listed deliberately out of order (workloads before their namespace). */
function chapterDocs(chapter: ChapterId): KubernetesObject[] {
  return [
    deployment(chapter, `greeter-client-${chapter}`, 'grpc-lb-lab/greeter-client:dev', 2),
    deployment(chapter, 'greeter-server', 'grpc-lb-lab/greeter-server:dev', 3),
    { apiVersion: 'v1', kind: 'Service', metadata: { name: 'greeter-server', namespace: NS, labels: labels(chapter, 'greeter-server') } },
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS, labels: { 'app.kubernetes.io/part-of': 'grpc-lb-lab' } } },
  ] as KubernetesObject[];
}

interface Setup {
  actions: ClusterActions;
  asked: string[];
  progress: ClusterProgress[];
}

function setup(double: KubeApiDouble, opts: { context?: string; answer?: boolean; documents?: DocumentSource } = {}): Setup {
  const asked: string[] = [];
  const guard = new ContextGuard({
    confirm: async (target) => {
      asked.push(target.name);
      return opts.answer ?? true;
    },
    storage: new MemoryStorage(),
  });
  const actions = new ClusterActions({
    kubeConfig: () => double.kubeConfig({ context: opts.context ?? 'minikube' }),
    guard,
    documents: opts.documents ?? chapterDocs,
    pollIntervalMs: 5,
  });
  return { actions, asked, progress: [] };
}

describe('cluster actions (Kubernetes API double)', () => {
  let double: KubeApiDouble;
  before(async () => {
    double = await KubeApiDouble.start();
  });
  after(async () => {
    await double.stop();
  });

  it('applies the namespace first, every document by server-side apply as grpc-lb-lab (force), the clients only once the servers are Ready', async () => {
    const s = setup(double);
    const report = await s.actions.applyChapter('headless', { onProgress: (p) => s.progress.push(p) });
    const patches = double.requests.filter((r) => r.method === 'PATCH');
    assert.equal(patches.length, 4);
    assert.equal(patches[0].path, `/api/v1/namespaces/${NS}`, 'namespace is applied first');
    assert.deepEqual(
      patches.map((p) => p.path),
      [
        `/api/v1/namespaces/${NS}`,
        `/api/v1/namespaces/${NS}/services/greeter-server`,
        `/apis/apps/v1/namespaces/${NS}/deployments/greeter-server`,
        `/apis/apps/v1/namespaces/${NS}/deployments/greeter-client-headless`,
      ],
    );
    // A client that resolves DNS before every server is Ready keeps the partial answer (seen on a real cluster).
    const serverReady = s.progress.findIndex((p) => p.type === 'rolloutDone' && p.deployment === 'greeter-server');
    const clientApplied = s.progress.findIndex((p) => p.type === 'applied' && p.name === 'greeter-client-headless');
    assert.ok(serverReady !== -1 && serverReady < clientApplied, 'greeter-server rolled out before the client was applied');
    for (const p of patches) {
      assert.equal(p.contentType, 'application/apply-patch+yaml');
      assert.equal(p.query.get('fieldManager'), FIELD_MANAGER);
      assert.equal(p.query.get('force'), 'true');
    }
    // The applied Deployment keeps the manifest's content (the SSA body is the whole object).
    const server = double.get('apps/v1', 'Deployment', NS, 'greeter-server');
    assert.equal((server?.spec as { replicas: number }).replicas, 3);
    // Rollout: progress went through partial readiness to done for both Deployments.
    const rollout = s.progress.filter((p) => p.type === 'rollout' && p.deployment === 'greeter-server');
    assert.ok(rollout.length >= 2, 'reports partial readiness while waiting');
    assert.ok(rollout.every((p) => p.type === 'rollout' && p.ready < p.desired));
    const done = s.progress.filter((p) => p.type === 'rolloutDone').map((p) => (p.type === 'rolloutDone' ? p.deployment : ''));
    assert.deepEqual(done.sort(), ['greeter-client-headless', 'greeter-server']);
    assert.equal(report.context, 'minikube');
    assert.equal(s.asked.length, 0, 'minikube is never asked about');
  });

  it('waits for a namespace that is still being deleted before applying into it, and says so', async () => {
    const s = setup(double);
    double.put({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'leaving', deletionTimestamp: new Date().toISOString() }, status: { phase: 'Terminating' } });
    const docs = (): KubernetesObject[] => [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'leaving' } } as KubernetesObject];
    const actions = setup(double, { documents: docs }).actions;
    setTimeout(() => double.remove('v1', 'Namespace', undefined, 'leaving'), 100);
    const started = Date.now();
    await actions.applyChapter('headless', { onProgress: (p) => s.progress.push(p) });
    assert.ok(Date.now() - started >= 90, 'the apply waited for the old namespace to go');
    assert.deepEqual(s.progress[0], { type: 'namespaceTerminating', namespace: 'leaving' });
    assert.equal((double.get('v1', 'Namespace', undefined, 'leaving')?.metadata as { deletionTimestamp?: string }).deletionTimestamp, undefined);
  });

  it('scales with a merge patch on the scale subresource and waits for the new replicas', async () => {
    const s = setup(double);
    await s.actions.applyChapter('headless');
    const before = double.requests.length;
    await s.actions.scale({ namespace: NS, deployment: 'greeter-server', replicas: 5 }, { onProgress: (p) => s.progress.push(p) });
    const patch = double.requests.slice(before).find((r) => r.method === 'PATCH');
    assert.ok(patch);
    assert.equal(patch.path, `/apis/apps/v1/namespaces/${NS}/deployments/greeter-server/scale`);
    assert.equal(patch.contentType, 'application/merge-patch+json');
    assert.deepEqual(JSON.parse(patch.body), { spec: { replicas: 5 } });
    assert.equal(patch.query.get('fieldManager'), FIELD_MANAGER, 'the scale names who made it');
    const dep = double.get('apps/v1', 'Deployment', NS, 'greeter-server');
    assert.equal((dep?.status as { readyReplicas: number }).readyReplicas, 5, 'returns only once 5 replicas are ready');
  });

  it('marks a pod as the first to go on a scale-down: pod-deletion-cost -1, merge patch, guarded', async () => {
    const s = setup(double);
    double.addPod({ name: 'greeter-server-busy', namespace: NS, containers: ['server'], labels: { 'app.kubernetes.io/name': 'greeter-server' } });
    await s.actions.preferForScaleDown({ namespace: NS, pod: 'greeter-server-busy' });
    assert.deepEqual(double.podAnnotations(`${NS}/greeter-server-busy`), { [POD_DELETION_COST]: '-1' });
    await assert.rejects(s.actions.preferForScaleDown({ namespace: NS, pod: 'gone' }), ResourceMissingError);
    const declined = setup(double, { context: 'prod-eu', answer: false });
    const before = double.writes().length;
    await assert.rejects(declined.actions.preferForScaleDown({ namespace: NS, pod: 'greeter-server-busy' }), ContextDeclinedError);
    assert.equal(double.writes().length, before, 'no write reached the API');
  });

  it('refuses to scale when the namespace is missing', async () => {
    const s = setup(double);
    await assert.rejects(s.actions.scale({ namespace: 'nope', deployment: 'greeter-server', replicas: 2 }), NamespaceMissingError);
  });

  it('before a tail: a chapter never applied is a missing namespace or client Deployment, found by reads only', async () => {
    const fresh = await KubeApiDouble.start();
    try {
      const s = setup(fresh);
      await assert.rejects(s.actions.requireChapterClients('clusterip'), NamespaceMissingError);
      await s.actions.applyChapter('headless');
      const before = fresh.requests.length;
      await assert.rejects(s.actions.requireChapterClients('clusterip'), (e: unknown) => {
        assert.ok(e instanceof ResourceMissingError, String(e));
        assert.equal(e.objectName, 'greeter-client-clusterip');
        assert.equal(e.namespace, NS);
        return true;
      });
      await s.actions.requireChapterClients('headless');
      assert.deepEqual([...new Set(fresh.requests.slice(before).map((r) => r.method))], ['GET'], 'reads only');
    } finally {
      await fresh.stop();
    }
  });

  it('cleans up by label selector: one chapter, then everything', async () => {
    const s = setup(double);
    await s.actions.applyChapter('headless');
    await s.actions.applyChapter('clusterip');
    // An object that is not ours, in our namespace, must survive every clean-up.
    double.put({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'someone-else', namespace: NS, labels: { app: 'other' } } });
    const start = double.requests.length;
    const report = await s.actions.cleanUp('clusterip');
    const lists = double.requests.slice(start).filter((r) => r.method === 'GET' && r.query.has('labelSelector'));
    assert.ok(lists.length > 0);
    for (const l of lists) assert.equal(l.query.get('labelSelector'), 'app.kubernetes.io/part-of=grpc-lb-lab,grpc-lb.dev/chapter=clusterip');
    const deletedNames = report.deleted.map((d) => `${d.kind}/${d.name}`).sort();
    // greeter-server was last applied by clusterip (its chapter label says so), but the headless chapter is still
    // applied and uses it: it stays, handed over to headless; only clusterip's own client goes.
    assert.deepEqual(deletedNames, ['Deployment/greeter-client-clusterip']);
    assert.deepEqual(report.kept.map((k) => `${k.kind}/${k.name}:${k.usedBy}`).sort(), ['Deployment/greeter-server:headless', 'Service/greeter-server:headless']);
    assert.equal((double.get('apps/v1', 'Deployment', NS, 'greeter-server')?.metadata?.labels as Record<string, string>)['grpc-lb.dev/chapter'], 'headless');
    assert.ok(double.get('apps/v1', 'Deployment', NS, 'greeter-client-headless'));
    assert.ok(double.get('v1', 'Namespace', undefined, NS), 'one chapter leaves the shared namespace');
    // The headless clean-up then takes what it was handed: nothing of either chapter is left.
    const headless = await s.actions.cleanUp('headless');
    assert.deepEqual(headless.deleted.map((d) => `${d.kind}/${d.name}`).sort(), ['Deployment/greeter-client-headless', 'Deployment/greeter-server', 'Service/greeter-server']);
    assert.deepEqual(headless.kept, []);
    await s.actions.applyChapter('headless');

    const all = await s.actions.cleanUp('all');
    assert.ok(all.deleted.some((d) => d.kind === 'Deployment' && d.name === 'greeter-client-headless'));
    assert.ok(all.deleted.some((d) => d.kind === 'Namespace' && d.name === NS));
    const deletes = double.requests.filter((r) => r.method === 'DELETE').map((r) => r.path);
    assert.ok(!deletes.some((p) => p.includes('someone-else')), 'never deletes what is not labelled ours');
  });

  it('clean-up of everything returns when its namespaces are gone, not while they are still terminating', async () => {
    const slow = await KubeApiDouble.start({ namespaceTerminationMs: 300 });
    try {
      const s = setup(slow);
      await s.actions.applyChapter('headless');
      const progress: ClusterProgress[] = [];
      await s.actions.cleanUp('all', { onProgress: (p) => progress.push(p) });
      assert.equal(slow.get('v1', 'Namespace', undefined, NS), undefined, 'the namespace is gone when clean-up returns');
      assert.ok(progress.some((p) => p.type === 'namespaceTerminating' && p.namespace === NS), 'and it said it was waiting');
    } finally {
      await slow.stop();
    }
  });

  it('a 403 "being terminated" is a NamespaceTerminatingError, not an RBAC refusal', async () => {
    const slow = await KubeApiDouble.start({ namespaceTerminationMs: 5_000 });
    try {
      const s = setup(slow);
      await s.actions.applyChapter('headless');
      const stop = new AbortController();
      const cleaning = s.actions.cleanUp('all', { signal: stop.signal }).catch(() => undefined);
      await new Promise((r) => setTimeout(r, 200));
      // A document list without its Namespace does not wait for it: the API's refusal is what the learner meets.
      const service = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'late', namespace: NS, labels: labels('headless', 'late') } } as KubernetesObject;
      const late = setup(slow, { documents: () => [service] });
      await assert.rejects(late.actions.applyChapter('headless'), (e) => e instanceof NamespaceTerminatingError && e.namespace === NS);
      stop.abort();
      await cleaning;
    } finally {
      await slow.stop();
    }
  });

  it('an API server that does not answer fails the call after its deadline, and Cancel ends the wait at once', async () => {
    const paused = await KubeApiDouble.start();
    try {
      paused.put({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
      paused.addDeployment(NS, 'greeter-server', 3);
      paused.stall('PATCH', /\/scale$/);
      const actions = new ClusterActions({
        kubeConfig: () => paused.kubeConfig({ context: 'minikube' }),
        guard: new ContextGuard({ confirm: async () => true, storage: new MemoryStorage() }),
        documents: chapterDocs,
        callTimeoutMs: 300,
      });
      let started = Date.now();
      await assert.rejects(actions.scale({ namespace: NS, deployment: 'greeter-server', replicas: 2 }), (e) => e instanceof ClusterUnreachableError && /no answer to patch deployments.apps\/scale/.test(e.message));
      assert.ok(Date.now() - started < 2000, `gave up after its deadline (${Date.now() - started} ms)`);
      const cancel = new AbortController();
      const slow = new ClusterActions({
        kubeConfig: () => paused.kubeConfig({ context: 'minikube' }),
        guard: new ContextGuard({ confirm: async () => true, storage: new MemoryStorage() }),
        documents: chapterDocs,
      });
      started = Date.now();
      setTimeout(() => cancel.abort(), 100);
      await assert.rejects(slow.scale({ namespace: NS, deployment: 'greeter-server', replicas: 2 }, { signal: cancel.signal }), CancelledError);
      assert.ok(Date.now() - started < 2000, `Cancel was honoured at once (${Date.now() - started} ms)`);
    } finally {
      await paused.stop();
    }
  });

  it('a crash-looping pod ends the rollout wait at once, with why it ended and its last output', async () => {
    const stuck = await KubeApiDouble.start({ readyPerRead: 0 });
    try {
      stuck.put({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
      stuck.addDeployment(NS, 'greeter-server', 1);
      const pod = stuck.addPod({ name: 'greeter-server-abc', namespace: NS, containers: ['server'], labels: { 'app.kubernetes.io/name': 'greeter-server' } });
      stuck.appendLog('greeter-server-abc', 'greeter-server: invalid configuration: PORT must be an integer between 1 and 65535 (got "x")');
      const object = stuck.get('v1', 'Pod', NS, pod.name)!;
      stuck.put({
        ...object,
        status: {
          ...(object.status as object),
          containerStatuses: [
            { name: 'server', image: 'grpc-lb-lab/greeter-server:dev', imageID: '', ready: false, restartCount: 4, state: { waiting: { reason: 'CrashLoopBackOff' } }, lastState: { terminated: { reason: 'Error', exitCode: 2 } } },
          ],
        },
      });
      const actions = setup(stuck).actions;
      const started = Date.now();
      await assert.rejects(actions.scale({ namespace: NS, deployment: 'greeter-server', replicas: 2 }, { timeoutMs: 60_000 }), (e) => {
        assert.ok(e instanceof PodCrashLoopError, String(e));
        assert.equal(e.pod, 'greeter-server-abc');
        assert.equal(e.lastExit, 'Error, exit code 2');
        assert.match(e.lastOutput, /PORT must be an integer/);
        return true;
      });
      assert.ok(Date.now() - started < 5000, 'not after the rollout timeout');
    } finally {
      await stuck.stop();
    }
  });

  it('deletes one of the tutorial\'s pods (guarded), refuses any other, and reads a pod\'s log from its app container', async () => {
    const s = setup(double);
    double.put({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
    double.addPod({ name: 'greeter-server-1', namespace: NS, containers: ['server'], labels: { 'app.kubernetes.io/name': 'greeter-server', 'app.kubernetes.io/part-of': 'grpc-lb-lab' } });
    double.addPod({ name: 'someone-elses', namespace: NS, containers: ['app'], labels: { app: 'other' } });
    double.addPod({ name: 'greeter-client-1', namespace: NS, containers: ['client', 'envoy'], labels: { 'app.kubernetes.io/part-of': 'grpc-lb-lab' } });
    for (let i = 1; i <= 3; i++) double.appendLog('greeter-client-1', `line ${i}`);
    assert.match(await s.actions.podLog({ namespace: NS, pod: 'greeter-client-1', lines: 2 }), /line 2\n.*line 3/s);
    await assert.rejects(s.actions.deletePod({ namespace: NS, pod: 'someone-elses' }), ResourceMissingError);
    assert.ok(double.get('v1', 'Pod', NS, 'someone-elses'), 'a pod that is not the tutorial\'s is never deleted');
    const declined = setup(double, { context: 'prod-eu', answer: false });
    await assert.rejects(declined.actions.deletePod({ namespace: NS, pod: 'greeter-server-1' }), ContextDeclinedError);
    assert.ok(double.get('v1', 'Pod', NS, 'greeter-server-1'), 'not without the guard\'s yes');
    await s.actions.deletePod({ namespace: NS, pod: 'greeter-server-1' });
    assert.equal(double.get('v1', 'Pod', NS, 'greeter-server-1'), undefined);
  });

  it('asks once per non-minikube context; a "no" stops every write', async () => {
    const declined = setup(double, { context: 'prod-eu', answer: false });
    const before = double.writes().length;
    await assert.rejects(declined.actions.applyChapter('headless'), ContextDeclinedError);
    await assert.rejects(declined.actions.cleanUp('all'), ContextDeclinedError);
    await assert.rejects(declined.actions.scale({ namespace: NS, deployment: 'greeter-server', replicas: 1 }), (e) => e instanceof ContextDeclinedError || e instanceof NamespaceMissingError);
    assert.deepEqual(declined.asked, ['prod-eu'], 'asked exactly once');
    assert.equal(double.writes().length, before, 'no write reached the API');

    const allowed = setup(double, { context: 'staging', answer: true });
    await allowed.actions.applyChapter('headless');
    await allowed.actions.cleanUp('headless');
    assert.deepEqual(allowed.asked, ['staging'], 'a "yes" is remembered');
  });

  it('turns a 403 into ForbiddenError naming verb, resource and namespace', async () => {
    const d = await KubeApiDouble.start();
    try {
      d.forbid('PATCH', /\/deployments\//);
      const s = setup(d);
      const err = await s.actions.applyChapter('headless').then(
        () => assert.fail('expected a 403'),
        (e: unknown) => e,
      );
      assert.ok(err instanceof ForbiddenError, String(err));
      assert.equal(err.verb, 'patch');
      assert.equal(err.resource, 'deployments.apps');
      assert.equal(err.namespace, NS);
      assert.match(err.message, /cannot patch resource "deployments"/);
    } finally {
      await d.stop();
    }
  });

  it('fails fast with ImageNotBuiltError when a pod cannot find our image, and times out otherwise', async () => {
    const d = await KubeApiDouble.start({ readyPerRead: 0 });
    try {
      const s = setup(d);
      d.put({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
      d.put({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'greeter-server-abc', namespace: NS, labels: { 'app.kubernetes.io/name': 'greeter-server' } },
        status: { containerStatuses: [{ name: 'greeter-server', image: 'grpc-lb-lab/greeter-server:dev', state: { waiting: { reason: 'ErrImageNeverPull' } } }] },
      });
      const err = await s.actions.applyChapter('headless', { timeoutMs: 5000 }).then(
        () => assert.fail('expected ImageNotBuiltError'),
        (e: unknown) => e,
      );
      assert.ok(err instanceof ImageNotBuiltError, String(err));
      assert.equal(err.image, 'grpc-lb-lab/greeter-server:dev');

      const noPods = setup(d, { documents: () => chapterDocs('headless').filter((x) => x.metadata?.name !== 'greeter-server') });
      await assert.rejects(noPods.actions.applyChapter('headless', { timeoutMs: 50 }), RolloutTimeoutError);
    } finally {
      await d.stop();
    }
  });

  it('stops waiting for a rollout as soon as the signal aborts', async () => {
    const d = await KubeApiDouble.start({ readyPerRead: 0 });
    try {
      const s = setup(d);
      const ac = new AbortController();
      const started = Date.now();
      const running = s.actions.applyChapter('headless', {
        signal: ac.signal,
        timeoutMs: 60_000,
        onProgress: (p) => p.type === 'rollout' && ac.abort(),
      });
      await assert.rejects(running, CancelledError);
      assert.ok(Date.now() - started < 10_000, 'cancelled long before the timeout');
    } finally {
      await d.stop();
    }
  });

  it('turns a 403 on the scale subresource into ForbiddenError', async () => {
    const d = await KubeApiDouble.start();
    try {
      d.forbid('PATCH', /\/scale$/);
      const s = setup(d);
      await s.actions.applyChapter('headless');
      const err = await s.actions.scale({ namespace: NS, deployment: 'greeter-server', replicas: 4 }).then(
        () => assert.fail('expected a 403'),
        (e: unknown) => e,
      );
      assert.ok(err instanceof ForbiddenError, String(err));
      assert.equal(err.resource, 'deployments.apps/scale');
      assert.equal(err.namespace, NS);
    } finally {
      await d.stop();
    }
  });

  it('reports an API the cluster does not serve (Istio) as ApiMissingError', async () => {
    const s = setup(double, {
      documents: () => [
        { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'grpc-lb-mesh' } },
        { apiVersion: 'networking.istio.io/v1', kind: 'DestinationRule', metadata: { name: 'greeter-server', namespace: 'grpc-lb-mesh' } },
      ],
    });
    await assert.rejects(s.actions.applyChapter('istio'), ApiMissingError);
  });

  it('says the cluster is unreachable when nothing listens', async () => {
    const d = await KubeApiDouble.start();
    const kc = d.kubeConfig({ context: 'minikube' });
    await d.stop();
    const actions = new ClusterActions({
      kubeConfig: () => kc,
      guard: new ContextGuard({ confirm: async () => true, storage: new MemoryStorage() }),
      documents: chapterDocs,
    });
    await assert.rejects(actions.applyChapter('headless'), ClusterUnreachableError);
  });
});

describe('applying the real chapter manifests (Kubernetes API double)', () => {
  it('applies every deployable chapter: namespace first, one whole-document SSA per manifest, all rollouts waited for', async () => {
    const { chapterDocuments } = await import('../../../manifests/index');
    const { DEPLOYABLE_CHAPTERS } = await import('../../../samples/common/catalog');
    const double = await KubeApiDouble.start({ istio: true, readyPerRead: 5 });
    try {
      for (const chapter of DEPLOYABLE_CHAPTERS) {
        const docs = chapterDocuments(chapter.id);
        const s = setup(double, { documents: chapterDocuments });
        const start = double.requests.length;
        const report = await s.actions.applyChapter(chapter.id);
        const patches = double.requests.slice(start).filter((r) => r.method === 'PATCH');
        assert.equal(patches.length, docs.length, `${chapter.id}: one apply per document`);
        assert.equal(patches[0].path, `/api/v1/namespaces/${chapter.namespace}`, `${chapter.id}: namespace first`);
        assert.ok(patches.every((p) => p.contentType === 'application/apply-patch+yaml' && p.query.get('fieldManager') === 'grpc-lb-lab'));
        // The body of each apply is the manifest document itself: nothing dropped by client-node's models.
        for (const doc of docs) {
          const path = patches.find((p) => p.path.endsWith(`/${doc.metadata?.name}`) && JSON.parse(p.body).kind === doc.kind);
          assert.ok(path, `${chapter.id}: ${doc.kind} ${doc.metadata?.name} applied`);
          assert.deepEqual(JSON.parse(path.body), JSON.parse(JSON.stringify(doc)), `${chapter.id}: ${doc.kind} ${doc.metadata?.name} sent whole`);
        }
        const deployments = docs.filter((d) => d.kind === 'Deployment').map((d) => d.metadata?.name).sort();
        assert.deepEqual(report.deployments.map((d) => d.name).sort(), deployments);
        assert.ok(deployments.includes(`greeter-client-${chapter.id}`));
      }
    } finally {
      await double.stop();
    }
  });
});
