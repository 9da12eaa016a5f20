import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatRpcRecord } from '../../../samples/common/clientLog';
import { TrafficModel } from '../../../samples/traffic/trafficModel';
import { KubeApiDouble } from '../../../samples/testing/kubeApiDouble';
import { LineSplitter, LogFollower, clientPodSelector, type FollowerEvent } from './logFollower';

const NS = 'grpc-lb-example';
const CHAPTER = 'headless';
const labels = { 'app.kubernetes.io/name': 'greeter-client', 'grpc-lb.dev/chapter': CHAPTER };

function rpc(client: string, server: string, i: number): string {
  return formatRpcRecord({
    ts: new Date(Date.UTC(2026, 0, 1, 0, 0, 0, i)).toISOString(),
    client,
    chapter: CHAPTER,
    target: 'dns:///greeter-server-headless:50051',
    ok: true,
    server,
    code: 0,
    ms: 1.2,
  });
}

async function until(what: string, check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function setup(extra: { idleReconnectMs?: number } = {}) {
  const double = await KubeApiDouble.start();
  const model = new TrafficModel();
  const lines: Array<[string, string]> = [];
  const events: FollowerEvent[] = [];
  const follower = new LogFollower({
    kubeConfig: double.kubeConfig({ namespace: 'default' }),
    namespace: NS,
    labelSelector: clientPodSelector(CHAPTER),
    sink: model,
    onLine: (pod, line) => lines.push([pod, line]),
    onEvent: (e) => events.push(e),
    delay: (ms, signal) => new Promise((r) => { const t = setTimeout(r, Math.min(ms, 20)); signal.addEventListener('abort', () => { clearTimeout(t); r(); }); }),
    ...extra,
  });
  const cleanup = async () => {
    follower.stop();
    await double.stop();
  };
  return { double, model, lines, events, follower, cleanup };
}

test('(Kubernetes API double) a log stream that ends is reconnected and no line is counted twice', async () => {
  const { double, model, lines, follower, cleanup } = await setup();
  try {
    double.addPod({ name: 'client-a', namespace: NS, labels, containers: ['greeter-client'] });
    for (let i = 0; i < 5; i++) double.appendLog('client-a', rpc('client-a', 'server-1', i));
    void follower.start();
    await until('5 lines counted', () => model.snapshot().totalRpcs === 5);
    // Two lines stamped with the very same instant, then the stream ends (a kubelet/proxy timeout).
    const same = double.appendLog('client-a', rpc('client-a', 'server-2', 5));
    double.appendLog('client-a', rpc('client-a', 'server-2', 6), same);
    await until('7 lines counted', () => model.snapshot().totalRpcs === 7);
    assert.equal(double.endLogStreams('client-a'), 1);
    await until('reconnected', () => double.openLogStreams('client-a') === 1 && follower.stats.reconnects >= 1);
    for (let i = 7; i < 10; i++) double.appendLog('client-a', rpc('client-a', 'server-3', i));
    await until('10 lines counted', () => model.snapshot().totalRpcs >= 10);
    await new Promise((r) => setTimeout(r, 100));
    const snap = model.snapshot();
    assert.equal(snap.totalRpcs, 10, 'every line counted exactly once');
    assert.equal(lines.length, 10);
    assert.deepEqual(model.distribution(), { 'client-a': { 'server-1': 5, 'server-2': 2, 'server-3': 3 } });
    const logRequests = double.requests.filter((r) => r.path.endsWith('/log'));
    assert.ok(logRequests.length >= 2);
    assert.equal(logRequests[0]!.query.get('follow'), 'true');
    assert.ok(logRequests.at(-1)!.query.get('sinceTime'), 'the reconnect resumes from the last timestamp');
    assert.ok(follower.stats.duplicates >= 2, 'the replayed lines of the last second were skipped');
  } finally {
    await cleanup();
  }
});

test('(Kubernetes API double) a dropped connection is noticed by the idle check and resumed without duplicates', async () => {
  const { double, model, follower, cleanup } = await setup({ idleReconnectMs: 300 });
  try {
    double.addPod({ name: 'client-a', namespace: NS, labels, containers: ['greeter-client'] });
    for (let i = 0; i < 3; i++) double.appendLog('client-a', rpc('client-a', 'server-1', i));
    void follower.start();
    await until('3 lines', () => model.snapshot().totalRpcs === 3);
    assert.equal(double.dropLogStreams('client-a'), 1);
    double.appendLog('client-a', rpc('client-a', 'server-1', 3)); // written while nobody listens
    await until('resumed', () => model.snapshot().totalRpcs === 4);
    double.appendLog('client-a', rpc('client-a', 'server-1', 4));
    await until('5 lines', () => model.snapshot().totalRpcs === 5);
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(model.snapshot().totalRpcs, 5);
  } finally {
    await cleanup();
  }
});

test('(Kubernetes API double) a new pod is followed, a deleted pod is dropped, a pending pod waits until Running', async () => {
  const { double, model, follower, events, cleanup } = await setup();
  try {
    double.addPod({ name: 'client-a', namespace: NS, labels, containers: ['greeter-client'] });
    double.addPod({ name: 'other-chapter', namespace: NS, labels: { ...labels, 'grpc-lb.dev/chapter': 'etcd' }, containers: ['greeter-client'] });
    void follower.start();
    await until('client-a followed', () => follower.followedPods().includes('client-a'));
    await until('watch open', () => double.openWatches === 1);
    double.addPod({ name: 'client-b', namespace: NS, labels, containers: ['envoy', 'greeter-client'], phase: 'Pending', ready: false });
    double.appendLog('client-a', rpc('client-a', 'server-1', 0));
    await until('line of a', () => model.snapshot().totalRpcs === 1);
    assert.deepEqual(follower.followedPods(), ['client-a'], 'a Pending pod has no log yet');
    double.updatePod('client-b', { phase: 'Running', ready: true });
    await until('client-b followed', () => double.openLogStreams('client-b') === 1);
    double.appendLog('client-b', rpc('client-b', 'server-2', 1));
    await until('line of b', () => model.snapshot().totalRpcs === 2);
    const bRequest = double.requests.find((r) => r.path.endsWith('/client-b/log'));
    assert.equal(bRequest?.query.get('container'), 'greeter-client', 'the client container, not the sidecar');
    double.deletePod('client-a');
    await until('client-a dropped', () => !follower.followedPods().includes('client-a'));
    assert.ok(events.some((e) => e.kind === 'podDropped' && e.pod === 'client-a'));
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(double.openLogStreams('client-a'), 0, 'no reconnect to a deleted pod');
    assert.deepEqual(follower.followedPods(), ['client-b']);
    assert.ok(!double.requests.some((r) => r.path.includes('other-chapter')), 'other chapters are not followed');
  } finally {
    await cleanup();
  }
});

test('(Kubernetes API double) a watch that ends is re-established and still sees new pods', async () => {
  const { double, follower, cleanup } = await setup();
  try {
    void follower.start();
    await until('watch open', () => double.openWatches === 1);
    double.endWatches();
    await until('watch re-opened', () => double.openWatches === 1);
    double.addPod({ name: 'client-c', namespace: NS, labels, containers: ['greeter-client'] });
    await until('client-c followed', () => double.openLogStreams('client-c') === 1);
  } finally {
    await cleanup();
  }
});

test('(Kubernetes API double) garbled and non-RPC lines are counted as skipped, never fatal', async () => {
  const { double, model, lines, follower, cleanup } = await setup();
  try {
    double.addPod({ name: 'client-a', namespace: NS, labels, containers: ['greeter-client'] });
    double.appendLog('client-a', '{"event":"started","pod":"client-a"}');
    double.appendLog('client-a', '{"ts":"2026-01-01T00:00:00Z","client":"client-a","ok":tr');
    double.appendLog('client-a', 'panic: not json at all ✗');
    double.appendLog('client-a', rpc('client-a', 'server-1', 1));
    void follower.start();
    await until('4 lines', () => lines.length === 4);
    const snap = model.snapshot();
    assert.equal(snap.totalRpcs, 1);
    assert.equal(snap.skippedLines, 3);
    assert.equal(lines[2]![1], 'panic: not json at all ✗', 'onLine gets the text without the kubelet timestamp');
  } finally {
    await cleanup();
  }
});

test('(Kubernetes API double) a 403 is reported as a forbidden error naming the namespace, and stop() ends the follower', async () => {
  const { double, events, follower, cleanup } = await setup();
  try {
    double.refuse = 403;
    const done = follower.start();
    await until('error event', () => events.some((e) => e.kind === 'error'));
    const e = events.find((x) => x.kind === 'error');
    assert.ok(e && e.kind === 'error');
    assert.equal(e.error.reason, 'forbidden');
    assert.match(e.error.message, /grpc-lb-example/);
    follower.stop();
    await done;
  } finally {
    await cleanup();
  }
});

test('LineSplitter: lines across chunks; a line with no end in sight is skipped and counted, not buffered', () => {
  let tooLong = 0;
  const split = new LineSplitter(() => tooLong++);
  assert.deepEqual(split.push('a\nb'), ['a']);
  assert.deepEqual(split.push('c\n'), ['bc']);
  const chunk = 'x'.repeat(40 * 1024);
  assert.deepEqual(split.push(chunk), []);
  assert.deepEqual(split.push(chunk), [], 'over the limit: dropped');
  assert.equal(tooLong, 1);
  assert.deepEqual(split.push(chunk), [], 'still the same line: skipped');
  assert.deepEqual(split.push('tail\n{"ok":true}\n'), ['{"ok":true}'], 'the next line after it is whole');
  assert.equal(tooLong, 1);
});
