import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AppsV1Api, CoreV1Api, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { POD_DELETION_COST } from '../cluster/clusterActions';
import { FIELD_MANAGER } from '../../../samples/common/catalog';
import { formatRpcRecord } from '../../../samples/common/clientLog';
import { KubeApiDouble, type DoubleDeployment } from '../../../samples/testing/kubeApiDouble';
import { busiestServer, isNewReadyServer, podRecord, restartDeployment, runClusterExperiment, renderExperiment, type ExperimentDeps } from './experiments';

const NS = 'grpc-lb-example';
const CHAPTER = 'headless';
const DISCOVERY_MS = 300;
const CLIENTS = ['greeter-client-headless-a', 'greeter-client-headless-b'];

/**
 * A simulated cluster on the Kubernetes API double: the test plays the deployment controller (pods
 * follow `replicas`, a restart replaces every pod one by one) and two client pods that log one RPC
 * every 20 ms each, round-robin over the servers they have "discovered" — a new server only
 * DISCOVERY_MS after it is Ready. Each client is its own channel: its own round-robin position, and
 * its next RPC goes to a server it has just discovered (so both clients reach a new server in the
 * same tick, however late the timer fires under load). A deleted server fails `failOnDelete` RPCs first.
 */
class SimulatedCluster {
  double!: KubeApiDouble;
  private readonly servers: Array<{ name: string; usableAt: number; leaving: boolean }> = [];
  private serial = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly channels = new Map(CLIENTS.map((c) => [c, { rr: 0, known: new Set<string>() }]));
  failOnDelete = 0;

  async start(replicas: number): Promise<void> {
    this.double = await KubeApiDouble.start();
    this.double.put({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
    this.double.addDeployment(NS, 'greeter-server', replicas);
    for (const c of CLIENTS) {
      this.double.addPod({ name: c, namespace: NS, containers: ['greeter-client'], labels: { 'app.kubernetes.io/name': 'greeter-client', 'grpc-lb.dev/chapter': CHAPTER } });
      // History from an hour ago that an experiment must not count.
      const old = new Date(Date.now() - 3600_000);
      this.double.appendLog(
        c,
        formatRpcRecord({ ts: old.toISOString(), client: c, chapter: CHAPTER, target: 't', ok: true, server: 'greeter-server-old', code: 0, ms: 1 }),
        `${old.toISOString().slice(0, 23)}000000Z`,
      );
    }
    for (let i = 0; i < replicas; i++) this.addServer(0);
    this.double.onDeploymentPatched = (d, what) => void this.reconcile(d, what);
    this.timer = setInterval(() => this.tick(), 20);
  }

  /** A server pod the clients never find (as a scaled-up pod in the DNS chapters), and the Deployment counting it. */
  addUndiscoveredServer(): string {
    const name = this.addServer(Number.POSITIVE_INFINITY);
    this.double.deployment(NS, 'greeter-server')!.spec.replicas = this.servers.length;
    return name;
  }

  private addServer(discoveryMs: number): string {
    const name = `greeter-server-${++this.serial}`;
    const readyTime = new Date(Math.floor(Date.now() / 1000) * 1000).toISOString().replace('.000', '');
    this.double.addPod({ name, namespace: NS, containers: ['server'], labels: { 'app.kubernetes.io/name': 'greeter-server' }, readyTime });
    this.servers.push({ name, usableAt: Date.now() + discoveryMs, leaving: false });
    return name;
  }

  private async removeServer(name: string): Promise<void> {
    const s = this.servers.find((x) => x.name === name);
    if (!s) return;
    s.leaving = true;
    this.double.updatePod(name, { deletionTimestamp: new Date(Math.floor(Date.now() / 1000) * 1000).toISOString().replace('.000', '') });
    for (let i = 0; i < this.failOnDelete; i++) this.log('greeter-client-headless-a', null);
    await new Promise((r) => setTimeout(r, 150));
    this.servers.splice(this.servers.indexOf(s), 1);
    this.double.deletePod(name);
  }

  private async reconcile(d: DoubleDeployment, what: 'scale' | 'template'): Promise<void> {
    if (what === 'template') {
      for (const old of this.servers.filter((s) => !s.leaving).map((s) => s.name)) {
        this.addServer(DISCOVERY_MS);
        await new Promise((r) => setTimeout(r, 100));
        await this.removeServer(old);
      }
      return;
    }
    const live = this.servers.filter((s) => !s.leaving);
    for (let n = live.length; n < d.spec.replicas; n++) this.addServer(DISCOVERY_MS);
    // As a ReplicaSet does: the lowest pod-deletion-cost goes first, then the newest pod.
    const cost = (name: string): number => Number(this.double.podAnnotations(name)?.[POD_DELETION_COST] ?? 0);
    const order = live.map((s, i) => ({ s, i })).sort((a, b) => cost(a.s.name) - cost(b.s.name) || b.i - a.i);
    for (const { s } of order.slice(0, Math.max(0, live.length - d.spec.replicas))) await this.removeServer(s.name);
  }

  private log(client: string, server: string | null): void {
    this.double.appendLog(
      client,
      formatRpcRecord({ ts: new Date().toISOString(), client, chapter: CHAPTER, target: 'dns:///greeter-server-headless:50051', ok: server !== null, server, code: server ? 0 : 14, ms: 1, ...(server ? {} : { error: 'UNAVAILABLE' }) }),
    );
  }

  private tick(): void {
    const now = Date.now();
    const usable = this.servers.filter((s) => s.usableAt <= now && !s.leaving);
    for (const client of CLIENTS) {
      const channel = this.channels.get(client)!;
      const fresh = usable.find((s) => !channel.known.has(s.name));
      if (fresh) channel.known.add(fresh.name);
      this.log(client, fresh ? fresh.name : usable.length ? usable[channel.rr++ % usable.length]!.name : null);
    }
  }

  deps(): ExperimentDeps {
    return {
      kubeConfig: () => this.double.kubeConfig({ namespace: 'default' }),
      scale: async ({ namespace, deployment, replicas }) => {
        const apps = this.double.kubeConfig({ namespace: 'default' }).makeApiClient(AppsV1Api);
        await apps.patchNamespacedDeploymentScale(
          { name: deployment, namespace, body: { spec: { replicas } } },
          setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
        );
      },
      restart: ({ namespace, deployment }) => restartDeployment(this.double.kubeConfig({ namespace: 'default' }), namespace, deployment),
      preferForScaleDown: async ({ namespace, pod }) => {
        const core = this.double.kubeConfig({ namespace: 'default' }).makeApiClient(CoreV1Api);
        await core.patchNamespacedPod(
          { name: pod, namespace, body: { metadata: { annotations: { [POD_DELETION_COST]: '-1' } } } },
          setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
        );
      },
    };
  }

  liveServers(): string[] {
    return this.servers.filter((s) => !s.leaving).map((s) => s.name);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.double.stop();
  }
}

// Deadlines, not sleeps: generous so a loaded machine (2 cores, load 16) still gets the first client
// line through the follower; they cost nothing when things are quick.
const timings = { baselineMs: 300, windowMs: 5000, settleMs: 300, pollMs: 50, readyTimeoutMs: 10_000, firstLineTimeoutMs: 15_000 };

test('a pod was told to stop at its deletionTimestamp less its grace period (the API server dates the end of the grace period)', () => {
  const pod = { metadata: { name: 'p', deletionTimestamp: new Date('2026-12-03T10:00:20Z'), deletionGracePeriodSeconds: 20 } };
  assert.equal(podRecord(pod).deletionAt, Date.parse('2026-12-03T10:00:00Z'));
  assert.equal(podRecord({ metadata: { name: 'q', deletionTimestamp: new Date('2026-12-03T10:00:20Z') } }).deletionAt, Date.parse('2026-12-03T10:00:20Z'));
});

test('the new server is one that was not there before, is Ready and is not being deleted (a concurrent apply may scale it away at once)', () => {
  const before = new Set(['greeter-server-1', 'greeter-server-2']);
  assert.equal(isNewReadyServer({ name: 'greeter-server-3', readyAt: 1000 }, before), true);
  assert.equal(isNewReadyServer({ name: 'greeter-server-1', readyAt: 1000 }, before), false, 'there before');
  assert.equal(isNewReadyServer({ name: 'greeter-server-3' }, before), false, 'not Ready yet');
  assert.equal(isNewReadyServer({ name: 'greeter-server-3', readyAt: 1000, deletionAt: 2000 }, before), false, 'told to stop');
  assert.equal(isNewReadyServer({ name: 'greeter-server-3', readyAt: 1000, goneAt: 2000 }, before), false, 'gone');
});

test('(Kubernetes API double) scale-up: measures the first RPC on the new pod after its Ready time, then restores', async () => {
  const cluster = new SimulatedCluster();
  await cluster.start(2);
  try {
    const lines: string[] = [];
    const report = await runClusterExperiment('scale-up', cluster.deps(), { chapter: CHAPTER, timings, onLine: (_pod, line) => lines.push(line) });
    assert.equal(report.figures.replicasBefore, 2);
    assert.equal(report.figures.newPod, 'greeter-server-3');
    const ms = report.figures.scaleUpDiscoveredMs;
    assert.ok(typeof ms === 'number' && ms >= DISCOVERY_MS, `first RPC ${ms} ms after Ready (simulated discovery ${DISCOVERY_MS} ms)`);
    assert.equal(report.figures.scaleUpFailedRpcs, 0);
    assert.ok((report.distribution['greeter-client-headless-a'] ?? {})['greeter-server-3']! > 0);
    assert.ok(lines.length > 0, 'log lines were streamed to the caller');
    assert.ok(!JSON.stringify(report.distribution).includes('greeter-server-old'), 'log history before the experiment is not counted');
    assert.equal(cluster.double.deployment(NS, 'greeter-server')!.spec.replicas, 2, 'replica count restored');
    assert.match(renderExperiment(report), /scale-up: first RPC on the new server after\s+\d+ ms/);
  } finally {
    await cluster.stop();
  }
});

test('(Kubernetes API double) scale-down: counts the failed RPCs and the last RPC on the stopped pod', async () => {
  const cluster = new SimulatedCluster();
  await cluster.start(3);
  cluster.failOnDelete = 2;
  try {
    const report = await runClusterExperiment('scale-down', cluster.deps(), { chapter: CHAPTER, timings, restore: false });
    assert.match(String(report.figures.stoppedPod), /^greeter-server-[123]$/);
    assert.equal(report.figures.scaleDownFailedRpcs, 2);
    assert.equal(typeof report.figures.scaleDownLastRpcMs, 'number');
    assert.equal(cluster.double.deployment(NS, 'greeter-server')!.spec.replicas, 2, 'not restored when restore is false');
  } finally {
    await cluster.stop();
  }
});

test('(Kubernetes API double) scale-down stops a pod the clients use, not the newest one that none of them found', async () => {
  const cluster = new SimulatedCluster();
  await cluster.start(3);
  const unused = cluster.addUndiscoveredServer();
  try {
    const report = await runClusterExperiment('scale-down', cluster.deps(), { chapter: CHAPTER, timings, restore: false });
    assert.notEqual(report.figures.stoppedPod, unused, 'the ReplicaSet left alone would remove the newest pod');
    assert.ok(cluster.liveServers().includes(unused));
    assert.equal(typeof report.figures.scaleDownLastRpcMs, 'number', 'the stopped pod had RPCs until it left');
  } finally {
    await cluster.stop();
  }
});

test('(Kubernetes API double) a scale-up cancelled after the scale puts the replica count back', async () => {
  const cluster = new SimulatedCluster();
  await cluster.start(3);
  try {
    const abort = new AbortController();
    const running = runClusterExperiment('scale-up', cluster.deps(), {
      chapter: CHAPTER,
      timings,
      signal: abort.signal,
      onProgress: (p) => {
        if (p.step === 'waitingReady') abort.abort();
      },
    });
    await assert.rejects(running, (e: Error & { reason?: string }) => e.reason === 'cancelled');
    assert.equal(cluster.double.deployment(NS, 'greeter-server')!.spec.replicas, 3, 'back to the 3 replicas it found');
  } finally {
    await cluster.stop();
  }
});

test('busiestServer: the server with the most RPCs over all clients, among those named', () => {
  const distribution = { a: { s1: 5, s2: 9, s3: 0 }, b: { s1: 6, s2: 1 } };
  assert.equal(busiestServer(distribution, new Set(['s1', 's2', 's3'])), 's1');
  assert.equal(busiestServer(distribution, new Set(['s2', 's3'])), 's2');
  assert.equal(busiestServer(distribution, new Set(['s3'])), undefined, 'a server with no RPCs is no one to prefer');
});

test('(Kubernetes API double) rolling restart: waits for every new pod and reports failed RPCs and discovery', async () => {
  const cluster = new SimulatedCluster();
  await cluster.start(2);
  try {
    const report = await runClusterExperiment('rollout', cluster.deps(), { chapter: CHAPTER, timings });
    assert.ok(cluster.double.deployment(NS, 'greeter-server')!.spec.template.metadata.annotations?.['kubectl.kubernetes.io/restartedAt']);
    const restart = cluster.double.requests.find((r) => r.method === 'PATCH' && r.path.endsWith('/deployments/greeter-server'));
    assert.equal(restart?.query.get('fieldManager'), FIELD_MANAGER, 'the restart names who made it');
    const mark = cluster.double.requests.find((r) => r.method === 'PATCH' && r.path.includes('/pods/'));
    assert.equal(mark, undefined, 'a restart marks no pod');
    assert.deepEqual(cluster.liveServers(), ['greeter-server-3', 'greeter-server-4']);
    assert.equal(report.figures.rolloutFailedRpcs, 0);
    assert.equal(report.figures.newPodsWithoutRpcs, 0);
    assert.ok(typeof report.figures.scaleUpDiscoveredMs === 'number' && report.figures.scaleUpDiscoveredMs >= DISCOVERY_MS);
  } finally {
    await cluster.stop();
  }
});

test('(Kubernetes API double) no client traffic → a notDeployed error; abort → cancelled', async () => {
  const double = await KubeApiDouble.start();
  double.put({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
  double.addDeployment(NS, 'greeter-server', 2);
  try {
    const abort = new AbortController();
    const running = runClusterExperiment('scale-up', { kubeConfig: () => double.kubeConfig({ namespace: 'default' }), scale: async () => undefined, restart: async () => undefined, preferForScaleDown: async () => undefined }, { chapter: CHAPTER, timings, signal: abort.signal });
    setTimeout(() => abort.abort(), 200);
    await assert.rejects(running, (e: Error & { reason?: string }) => e.reason === 'cancelled');
    const missing = runClusterExperiment('scale-up', { kubeConfig: () => double.kubeConfig({ namespace: 'default' }), scale: async () => undefined, restart: async () => undefined, preferForScaleDown: async () => undefined }, { chapter: 'etcd', timings: { ...timings, firstLineTimeoutMs: 1000 } });
    await assert.rejects(missing, (e: Error & { reason?: string }) => e.reason === 'notDeployed');
  } finally {
    await double.stop();
  }
});
