/**
 * `cluster-*`: the chapters' discovery, scale-down and rolling-restart figures measured on a real
 * cluster — the rig (`npm run cluster:up`), or the context GRPC_LB_CLUSTER_CONTEXT names — with the
 * extension's own code: ClusterRun (scripts/clusterTest.ts) applies a chapter with ClusterActions and
 * runs the extension's experiments, which follow the client pods' logs into a TrafficModel and time
 * them against the server pods' Ready / deletion times.
 *
 * A chapter is applied once and kept for the next row that needs it (endpoints serves three rows);
 * it is cleaned up when a row needs another chapter, when a row fails, and after the last row. Each
 * row is the median of SAMPLES experiments; between two, greeter-server is back to its replicas, all
 * Ready, none terminating. Without a cluster every row is n/a ("no cluster"), not a failure.
 */
import { NAMESPACE } from '../../samples/common/catalog';
import { labelSelector } from '../../extension/core/cluster/clusterActions';
import { chapterDocuments } from '../../manifests/index';
import type { ExperimentReport } from '../../extension/core/traffic/experiments';
import { ClusterRun, connectCluster, until, type ClusterChapter } from '../clusterTest';
import { median, once, onFinish, registerMeasurement, type MeasurementResult } from './registry';

const SAMPLES = 5;
const NO_CLUSTER = 'no cluster (npm run cluster:up)';
/** Headless: how long a scaled-up pod is watched for a first RPC (grpc-js re-resolves `dns:///` only when a connection drops). */
const HEADLESS_WINDOW_MS = 20_000;
/** Watches (EndpointSlice, etcd): the goal, and the window that still measures a miss. */
const WATCH_GOAL_MS = 1000;
const WATCH_WINDOW_MS = 10_000;
/** The window of a rolling restart's new pods (as test:cluster). */
const ROLLOUT_WINDOW_MS = 10_000;

const progress = (line: string): void => {
  process.stderr.write(`  cluster: ${line}\n`);
};

interface Rig {
  run: ClusterRun;
  context: string;
  version: string;
}

/** The cluster, once per bench run; undefined when no context answers. */
function rig(): Promise<Rig | undefined> {
  return once('cluster', async () => {
    const connection = await connectCluster(process.env, progress, 'bench');
    if (!connection) return undefined;
    progress(`context ${connection.context}, Kubernetes ${connection.version}`);
    return { run: new ClusterRun(connection.kc, progress), context: connection.context, version: connection.version };
  });
}

let applied: ClusterChapter | undefined;

async function cleanUp(run: ClusterRun): Promise<void> {
  const chapter = applied;
  if (!chapter) return;
  applied = undefined;
  const report = await run.actions.cleanUp(chapter);
  // The next chapter reuses the names (greeter-server, its Services): wait until this one's pods are gone.
  const selector = labelSelector(chapter);
  await until(`the ${chapter} pods to go away`, 120_000, async () =>
    (await run.core.listNamespacedPod({ namespace: NAMESPACE, labelSelector: selector })).items.length === 0 ? true : undefined,
  );
  progress(`${chapter}: cleaned up (${report.deleted.length} objects)`);
}

/** The chapter applied and settled; a different one applied before is cleaned up first. */
async function useChapter(run: ClusterRun, chapter: ClusterChapter): Promise<void> {
  if (applied === chapter) {
    await run.serversSettled();
    return;
  }
  await cleanUp(run);
  const started = Date.now();
  progress(`${chapter}: applying ${chapterDocuments(chapter).length} documents`);
  applied = chapter;
  await run.actions.applyChapter(chapter, { timeoutMs: 240_000 });
  progress(`${chapter}: rolled out in ${Date.now() - started} ms`);
}

onFinish(async () => {
  if (!applied) return;
  const found = await rig();
  if (found) await cleanUp(found.run);
});

/** A server env value of the chapter's manifest (e.g. MAX_CONNECTION_AGE_MS). */
function serverEnv(chapter: ClusterChapter, name: string): string | undefined {
  const server = chapterDocuments(chapter).find((d) => d.kind === 'Deployment' && d.metadata?.name === 'greeter-server') as
    | { spec?: { template?: { spec?: { containers?: Array<{ env?: Array<{ name: string; value?: string }> }> } } } }
    | undefined;
  return server?.spec?.template?.spec?.containers?.[0]?.env?.find((e) => e.name === name)?.value;
}

/**
 * Applies `chapter` (unless it is still applied), runs `kind` SAMPLES times with the chapter settled
 * before each, and hands the reports to `judge`. A failure cleans the chapter up, so the next row
 * starts from a fresh apply.
 */
async function measure(
  chapter: ClusterChapter,
  kind: 'scale-up' | 'scale-down' | 'rollout',
  windowMs: number,
  judge: (reports: ExperimentReport[], where: string) => MeasurementResult,
): Promise<MeasurementResult> {
  const found = await rig();
  if (!found) return { value: null, unit: '', detail: NO_CLUSTER };
  const { run } = found;
  const reports: ExperimentReport[] = [];
  try {
    await useChapter(run, chapter);
    for (let i = 1; i <= SAMPLES; i++) {
      if (i > 1) await run.serversSettled();
      const report = await run.experiment(kind, chapter, windowMs);
      reports.push(report);
      const f = report.figures;
      const said =
        kind === 'scale-up'
          ? `${f.newPod} Ready → first RPC ${f.scaleUpDiscoveredMs === null ? `none within ${windowMs} ms` : `${f.scaleUpDiscoveredMs} ms`}, ${f.scaleUpFailedRpcs} failed RPCs`
          : kind === 'scale-down'
            ? `${f.stoppedPod} deleted → its last RPC ${f.scaleDownLastRpcMs === null ? 'none seen' : `${f.scaleDownLastRpcMs} ms`}, ${f.scaleDownFailedRpcs} failed RPCs`
            : `rolling restart took ${f.rolloutMs} ms, ${f.rolloutFailedRpcs} failed of ${f.rolloutRpcs} RPCs`;
      progress(`${chapter} ${kind} ${i}/${SAMPLES}: ${said}`);
    }
  } catch (error) {
    await cleanUp(run).catch((e: unknown) => progress(`clean-up after the failure failed too: ${(e as Error).message}`));
    throw error;
  }
  return judge(reports, `Kubernetes ${found.version}, context ${found.context}`);
}

const numbers = (values: readonly unknown[]): number[] => values.filter((v): v is number => typeof v === 'number');
const range = (values: readonly number[]): string => {
  const [min, max] = [Math.min(...values), Math.max(...values)];
  return min < 0 ? `${min} to ${max}` : `${min}–${max}`;
};
const list = (values: readonly unknown[]): string => values.map((v) => (v === null ? 'none' : String(v))).join(', ');
const sum = (values: readonly unknown[]): number => numbers(values).reduce((a, b) => a + b, 0);
const READY_NOTE = 'Ready = the pod condition, bounded by the 250 ms poll';

/** A scale-up row with a goal: the median Ready → first RPC over the samples (a sample without one counts as a miss). */
function scaleUpRow(goalMs: number, windowMs: number, what: string) {
  return (reports: ExperimentReport[], where: string): MeasurementResult => {
    const raw = reports.map((r) => r.figures.scaleUpDiscoveredMs ?? null);
    const got = numbers(raw);
    const missed = raw.length - got.length;
    const failed = sum(reports.map((r) => r.figures.scaleUpFailedRpcs));
    if (got.length === 0) {
      return { value: null, unit: 'ms', meetsGoal: false, detail: `${where}; none of ${raw.length} new pods got an RPC within ${windowMs} ms (${what})` };
    }
    // Misses sort last: the median is a real figure only when most samples got one.
    const middle = missed * 2 >= raw.length ? null : median(got.concat(Array(missed).fill(Number.POSITIVE_INFINITY)));
    return {
      value: middle,
      unit: 'ms',
      meetsGoal: missed === 0 && Math.max(...got) <= goalMs,
      detail:
        `${where}; median of ${raw.length} scale-ups 3 → 4 (${what}), range ${range(got)} ms` +
        `${missed ? `, ${missed} without an RPC within ${windowMs} ms` : ''}: ${list(raw)} ms` +
        `${got.some((v) => v < 0) ? ' (negative: the first RPC came before Kubernetes had the pod Ready)' : ''}; ${READY_NOTE}; ${failed} failed RPCs`,
    };
  };
}

registerMeasurement({
  id: 'cluster-discovery-dns',
  title: 'cluster discovery: headless dns:/// defaults, scaled-up pod Ready → first RPC (5 scale-ups 3 → 4)',
  goal: `none within ${HEADLESS_WINDOW_MS / 1000} s (the lesson)`,
  run: () =>
    measure('headless', 'scale-up', HEADLESS_WINDOW_MS, (reports, where) => {
      const raw = reports.map((r) => r.figures.scaleUpDiscoveredMs ?? null);
      const none = raw.filter((v) => v === null).length;
      const got = numbers(raw);
      return {
        value: none,
        unit: `of ${raw.length} new pods got no RPC within ${HEADLESS_WINDOW_MS / 1000} s`,
        meetsGoal: none === raw.length,
        detail:
          `${where}; Ready → first RPC per scale-up: ${list(raw)}${got.length ? ` ms (used: ${range(got)} ms)` : ''}; ` +
          `grpc-js resolves dns:/// once and again only when a connection drops; ` +
          `${sum(reports.map((r) => r.figures.scaleUpFailedRpcs))} failed RPCs`,
      };
    }),
});

const AGE_MS = Number(serverEnv('max-age', 'MAX_CONNECTION_AGE_MS'));
registerMeasurement({
  id: 'cluster-discovery-max-age',
  title: `cluster discovery: max-age (server MAX_CONNECTION_AGE_MS ${AGE_MS} + client DNS_MIN_RESOLUTION_MS), scaled-up pod Ready → first RPC`,
  goal: `≤ age + 1 s (${(AGE_MS + 1000) / 1000} s)`,
  run: () => measure('max-age', 'scale-up', AGE_MS + 10_000, scaleUpRow(AGE_MS + 1000, AGE_MS + 10_000, `connection age ${AGE_MS} ms`)),
});

registerMeasurement({
  id: 'cluster-discovery-endpoints',
  title: 'cluster discovery: kubernetes:/// EndpointSlice watch, scaled-up pod Ready → first RPC',
  goal: '≤ 1 s',
  run: () => measure('endpoints', 'scale-up', WATCH_WINDOW_MS, scaleUpRow(WATCH_GOAL_MS, WATCH_WINDOW_MS, 'EndpointSlice watch')),
});

/** Scale-down 3 → 2: the deleted pod's last RPC after the delete request, and the failed RPCs. */
function scaleDownRow(chapter: 'endpoints' | 'headless'): () => Promise<MeasurementResult> {
  return () =>
    measure(chapter, 'scale-down', WATCH_WINDOW_MS, (reports, where) => {
      const raw = reports.map((r) => r.figures.scaleDownLastRpcMs ?? null);
      const got = numbers(raw);
      const failed = reports.map((r) => Number(r.figures.scaleDownFailedRpcs));
      const drain = serverEnv(chapter, 'DRAIN_MS');
      return {
        value: got.length ? median(got) : null,
        unit: 'ms',
        meetsGoal: failed.every((f) => f === 0),
        detail:
          `${where}; median of ${raw.length} scale-downs, range ${got.length ? range(got) : '—'} ms: ${list(raw)} ms ` +
          `(from the delete request, second precision; negative: its last RPC came before it; the server drains ${drain ?? '?'} ms after SIGTERM); ` +
          `failed RPCs ${failed.join(', ')} (total ${sum(failed)})`,
      };
    });
}

registerMeasurement({
  id: 'cluster-scale-down',
  title: 'cluster scale-down 3 → 2 (endpoints chapter): last RPC on the deleted pod after its deletion, failed RPCs',
  goal: '0 failed RPCs',
  run: scaleDownRow('endpoints'),
});

registerMeasurement({
  id: 'cluster-scale-down-dns',
  title: 'cluster scale-down 3 → 2 (headless chapter, dns:/// defaults): last RPC on the deleted pod after its deletion, failed RPCs',
  goal: '0 failed RPCs',
  run: scaleDownRow('headless'),
});

registerMeasurement({
  id: 'cluster-rollout',
  title: 'cluster rolling restart of greeter-server (endpoints chapter): failed RPCs (5 restarts)',
  goal: '0',
  run: () =>
    measure('endpoints', 'rollout', ROLLOUT_WINDOW_MS, (reports, where) => {
      const failed = reports.map((r) => Number(r.figures.rolloutFailedRpcs));
      const rpcs = reports.map((r) => Number(r.figures.rolloutRpcs));
      const took = reports.map((r) => Number(r.figures.rolloutMs));
      return {
        value: median(failed),
        unit: 'failed RPCs',
        meetsGoal: failed.every((f) => f === 0),
        detail:
          `${where}; median of ${reports.length} restarts, range ${range(failed)}: failed ${failed.join(', ')} of ${rpcs.join(', ')} RPCs; ` +
          `each restart took ${range(took)} ms (median ${median(took)} ms)`,
      };
    }),
});

registerMeasurement({
  id: 'cluster-discovery-etcd',
  title: 'cluster discovery: etcd:/// registry watch, scaled-up pod Ready → first RPC',
  goal: '≤ 1 s',
  run: () => measure('etcd', 'scale-up', WATCH_WINDOW_MS, scaleUpRow(WATCH_GOAL_MS, WATCH_WINDOW_MS, 'etcd lease + watch')),
});
