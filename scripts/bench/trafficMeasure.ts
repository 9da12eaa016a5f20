/**
 * Traffic benchmarks (issue 7), a module `npm run bench` (scripts/bench.ts) imports; also runnable
 * alone: `npx tsx scripts/bench/trafficMeasure.ts [--quick]`.
 *  - ingest rate through LogFollower + TrafficModel, from the Kubernetes API double over loopback HTTP;
 *  - refresh events per second of the view's RefreshThrottle while that stream runs;
 *  - heap growth after 1 M and 10 M lines into one TrafficModel (the ring buffer keeps it bounded).
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { formatRpcRecord } from '../../samples/common/clientLog';
import { padEndToWidth, padStartToWidth } from '../../samples/common/displayWidth';
import { TrafficModel } from '../../samples/traffic/trafficModel';
import { KubeApiDouble } from '../../samples/testing/kubeApiDouble';
import { LogFollower, clientPodSelector } from '../../extension/core/traffic/logFollower';
import { RefreshThrottle } from '../../extension/core/traffic/refreshThrottle';

export interface TrafficBenchRow {
  name: string;
  value: number;
  unit: string;
  note?: string;
}

export interface TrafficBenchOptions {
  /** Lines streamed through the follower (split over 2 client pods). Default 400 000. */
  followerLines?: number;
  /** Line counts at which the model's heap growth is reported. Default [1e6, 1e7]. */
  heapCheckpoints?: number[];
  onProgress?: (message: string) => void;
}

const NS = 'grpc-lb-example';
const T0 = Date.UTC(2026, 0, 1);

function line(i: number, client: string): string {
  return formatRpcRecord({
    // 5 ms of log time per line: 10 M lines span ~14 h, far past the 600-s ring buffer.
    ts: new Date(T0 + i * 5).toISOString(),
    client,
    chapter: 'headless',
    target: 'dns:///greeter-server-headless:50051',
    ok: i % 97 !== 0,
    server: i % 97 !== 0 ? `greeter-server-${i % 5}` : null,
    code: i % 97 !== 0 ? 0 : 14,
    ms: 1.3,
    ...(i % 97 === 0 ? { error: '14 UNAVAILABLE: No connection established' } : {}),
  });
}

/** The same record shape as `line`, built by string concatenation (10 M toISOString calls would dominate). */
function fastLine(i: number, client: string): string {
  const ms = T0 + i * 5;
  const ok = i % 97 !== 0;
  const ts = `${isoSecond(Math.floor(ms / 1000))}.${String(ms % 1000).padStart(3, '0')}Z`;
  return ok
    ? `{"ts":"${ts}","client":"${client}","chapter":"headless","target":"dns:///greeter-server-headless:50051","ok":true,"server":"greeter-server-${i % 5}","code":0,"ms":1.3}`
    : `{"ts":"${ts}","client":"${client}","chapter":"headless","target":"dns:///greeter-server-headless:50051","ok":false,"server":null,"code":14,"ms":1.3,"error":"14 UNAVAILABLE: No connection established"}`;
}

let cachedSecond = -1;
let cachedIso = '';
function isoSecond(second: number): string {
  if (second !== cachedSecond) {
    cachedSecond = second;
    cachedIso = new Date(second * 1000).toISOString().slice(0, 19);
  }
  return cachedIso;
}

function gc(): void {
  setFlagsFromString('--expose-gc');
  const collect = runInNewContext('gc') as () => void;
  collect();
  collect();
}

function heapMB(): number {
  gc();
  return process.memoryUsage().heapUsed / (1024 * 1024);
}

/**
 * Heap growth of one model over many lines (a tail left running all day). Runs before anything else in
 * the bench, in its own scope: garbage left by the follower part (sockets, buffers) made the baseline
 * too high and the growth negative.
 */
function measureModelHeap(options: TrafficBenchOptions, say: (message: string) => void): TrafficBenchRow[] {
  const rows: TrafficBenchRow[] = [];
  const checkpoints = [...(options.heapCheckpoints ?? [1_000_000, 10_000_000])].sort((a, b) => a - b);
  const model = new TrafficModel();
  const clients = ['greeter-client-headless-a', 'greeter-client-headless-b'];
  const base = heapMB();
  let i = 0;
  const started = process.hrtime.bigint();
  for (const checkpoint of checkpoints) {
    say(`model: ingesting up to ${checkpoint} lines`);
    for (; i < checkpoint; i++) model.ingestLine(fastLine(i, clients[i & 1]!));
    rows.push({
      name: `traffic: model heap growth after ${formatCount(checkpoint)} lines`,
      value: mb(heapMB() - base),
      unit: 'MB',
      note: `${model.timeSeries().length} series buckets kept`,
    });
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  rows.push({ name: 'traffic: model ingest rate (build line + parse + count, no I/O)', value: Math.round(i / seconds), unit: 'lines/s' });
  model.dispose();
  return rows;
}

export async function runTrafficBench(options: TrafficBenchOptions = {}): Promise<TrafficBenchRow[]> {
  const rows: TrafficBenchRow[] = [];
  const say = options.onProgress ?? (() => undefined);
  const total = options.followerLines ?? 400_000;
  const modelRows = measureModelHeap(options, say);

  // 1 + 2: follower + model + throttle, fed over loopback HTTP by the Kubernetes API double.
  const double = await KubeApiDouble.start();
  try {
    const pods = ['greeter-client-headless-a', 'greeter-client-headless-b'];
    for (const pod of pods) {
      double.addPod({
        name: pod,
        namespace: NS,
        containers: ['greeter-client'],
        labels: { 'app.kubernetes.io/name': 'greeter-client', 'grpc-lb.dev/chapter': 'headless' },
      });
    }
    const perPod = Math.floor(total / pods.length);
    for (let i = 0; i < perPod; i++) for (const pod of pods) double.appendLog(pod, line(i, pod));
    say(`follower: streaming ${perPod * pods.length} lines from the Kubernetes API double`);
    const model = new TrafficModel();
    const throttle = new RefreshThrottle(() => void model.snapshot());
    model.onDidChange(() => throttle.request());
    const heapBefore = heapMB();
    const started = process.hrtime.bigint();
    const follower = new LogFollower({
      kubeConfig: double.kubeConfig({ namespace: 'default' }),
      namespace: NS,
      labelSelector: clientPodSelector('headless'),
      sink: model,
      tailLines: perPod,
    });
    void follower.start();
    const want = perPod * pods.length;
    while (follower.stats.lines < want) await new Promise((r) => setTimeout(r, 5));
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    follower.stop();
    await new Promise((r) => setTimeout(r, 300)); // let the trailing refresh land
    rows.push({
      name: 'traffic: ingest through follower + model (loopback HTTP, Kubernetes API double)',
      value: Math.round(want / seconds),
      unit: 'lines/s',
      note: `${want} lines in ${seconds.toFixed(2)} s`,
    });
    rows.push({
      name: 'traffic: view refreshes per second under that load (cap 4)',
      value: Number((throttle.refreshCount / (seconds + 0.3)).toFixed(2)),
      unit: 'refresh/s',
      note: `${throttle.refreshCount} refreshes for ${want} lines`,
    });
    rows.push({
      name: `traffic: heap growth after ${want} followed lines`,
      value: mb(heapMB() - heapBefore),
      unit: 'MB',
    });
    throttle.dispose();
    model.dispose();
  } finally {
    await double.stop();
  }
  rows.push(...modelRows);
  return rows;
}

/** Two decimals, and never "-0". */
function mb(value: number): number {
  return Number(value.toFixed(2)) + 0;
}

function formatCount(n: number): string {
  return n >= 1_000_000 && n % 1_000_000 === 0 ? `${n / 1_000_000} M` : String(n);
}

if (require.main === module) {
  const quick = process.argv.includes('--quick');
  void runTrafficBench({
    ...(quick ? { followerLines: 50_000, heapCheckpoints: [100_000, 1_000_000] } : {}),
    onProgress: (m) => process.stderr.write(`${m}\n`),
  }).then((rows) => {
    for (const r of rows) console.log(`${padEndToWidth(r.name, 82)} ${padStartToWidth(String(r.value), 10)} ${r.unit}${r.note ? `  (${r.note})` : ''}`);
  });
}
