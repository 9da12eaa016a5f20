/**
 * Measured experiments on the cluster — scale up, scale down, rolling restart of `greeter-server` —
 * with the same figure names as the local lab (samples/lab/report.ts), measured from the client log
 * timestamps (followed while the experiment runs) and the server pods' Ready / deletion times.
 * Pure (no vscode); cluster writes go through the injected, guarded `scale` / `restart`.
 */
import type { KubeConfig, V1Pod } from '@kubernetes/client-node';
import { clientNode } from '../../../samples/common/lazyModules';
import { FIELD_MANAGER, type ChapterId } from '../../../samples/common/catalog';
import { FIGURES, figureLabelOf } from '../../../samples/common/figures';
import { maxDisplayWidth, padEndToWidth, padStartToWidth } from '../../../samples/common/displayWidth';
import type { Figure } from '../../../samples/lab/report';
import { TrafficModel } from '../../../samples/traffic/trafficModel';
import type { ExperimentKind } from '../workbook/actions';
import { answerWithin } from '../cluster/kube';
import { abortableSleep } from '../errors';
import { TrafficError, toTrafficError } from './errors';
import { LogFollower, chapterNamespace, clientPodSelector } from './logFollower';

export type { ExperimentKind };
export const SERVER_DEPLOYMENT = 'greeter-server';
export const SERVER_POD_SELECTOR = 'app.kubernetes.io/name=greeter-server';

/** A cluster experiment's result: lab-shaped (`figures`, `distribution`) so both render alike. */
export interface ExperimentReport {
  kind: ExperimentKind;
  chapter: ChapterId;
  namespace: string;
  /** Lab figure names where they fit: scaleUpDiscoveredMs, windowMs, scaleDownLastRpcMs, scaleDownFailedRpcs, … */
  figures: Record<string, Figure>;
  /** client → server → successful RPCs while the experiment ran. */
  distribution: Record<string, Record<string, number>>;
}

export interface ExperimentProgress {
  kind: ExperimentKind;
  step: 'baseline' | 'scaling' | 'waitingReady' | 'waitingFirstRpc' | 'waitingGone' | 'restarting' | 'restoring' | 'done';
  detail?: string;
}

export interface ExperimentDeps {
  kubeConfig: () => KubeConfig;
  /** Guarded scale of a Deployment (ClusterActions.scale fits). */
  scale(target: { namespace: string; deployment: string; replicas: number }, options: { signal?: AbortSignal; wait?: boolean }): Promise<unknown>;
  /** Guarded rolling restart; `restartDeployment` below does the API part. */
  restart(target: { namespace: string; deployment: string }, options: { signal?: AbortSignal }): Promise<unknown>;
  /** Guarded: makes `pod` the first one a scale-down removes (ClusterActions.preferForScaleDown fits). */
  preferForScaleDown(target: { namespace: string; pod: string }, options: { signal?: AbortSignal }): Promise<unknown>;
}

/** Of the servers in `among`, the one with the most RPCs over all clients; undefined if none served any. */
export function busiestServer(distribution: Record<string, Record<string, number>>, among: ReadonlySet<string>): string | undefined {
  const totals = new Map<string, number>();
  for (const perServer of Object.values(distribution)) {
    for (const [server, rpcs] of Object.entries(perServer)) {
      if (among.has(server)) totals.set(server, (totals.get(server) ?? 0) + rpcs);
    }
  }
  let best: [string, number] | undefined;
  for (const entry of [...totals.entries()].sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (entry[1] > 0 && (!best || entry[1] > best[1])) best = entry;
  }
  return best?.[0];
}

export interface ExperimentTimings {
  /** Traffic collected before the change. Default 3 s. */
  baselineMs: number;
  /** How long to wait for the first RPC on a new pod (docs/architecture.md: plain DNS never, within 45 s). Default 45 s. */
  windowMs: number;
  /** Deadline for pods to become Ready / go away. Default 180 s. */
  readyTimeoutMs: number;
  /** Traffic collected after the change settled, to count late failures. Default 3 s. */
  settleMs: number;
  /** Pod poll interval. Default 250 ms. */
  pollMs: number;
  /** How long to wait for the first client log line before saying the chapter is not running. Default 30 s. */
  firstLineTimeoutMs: number;
}

export const DEFAULT_EXPERIMENT_TIMINGS: ExperimentTimings = {
  baselineMs: 3000,
  windowMs: 45_000,
  readyTimeoutMs: 180_000,
  settleMs: 3000,
  pollMs: 250,
  firstLineTimeoutMs: 30_000,
};

export interface ExperimentOptions {
  chapter: ChapterId;
  signal?: AbortSignal;
  onProgress?: (p: ExperimentProgress) => void;
  /** Every client log line seen while the experiment runs (feed the view / the workbook cell). */
  onLine?: (pod: string, line: string) => void;
  timings?: Partial<ExperimentTimings>;
  /** Put the replica count back afterwards (scale-up/down). Default true. */
  restore?: boolean;
  /** Injectable delay (tests). */
  delay?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/** What the experiment knows about one server pod. Times are epoch ms. */
export interface ServerPodRecord {
  name: string;
  /** Ready=True condition's lastTransitionTime (second precision, set by the kubelet). */
  readyAt?: number;
  /**
   * When the pod was told to stop (second precision): metadata.deletionTimestamp less
   * metadata.deletionGracePeriodSeconds — the API server sets the timestamp to the end of the grace
   * period, not to the delete request.
   */
  deletionAt?: number;
  /** When a poll first found it gone (local clock). */
  goneAt?: number;
}

export function podRecord(pod: V1Pod): ServerPodRecord {
  const name = pod.metadata?.name ?? '';
  const ready = pod.status?.conditions?.find((c) => c.type === 'Ready' && c.status === 'True');
  const readyAt = toMs(ready?.lastTransitionTime);
  const deadline = toMs(pod.metadata?.deletionTimestamp);
  const deletionAt = deadline === undefined ? undefined : deadline - (pod.metadata?.deletionGracePeriodSeconds ?? 0) * 1000;
  return {
    name,
    ...(readyAt !== undefined ? { readyAt } : {}),
    ...(deletionAt !== undefined ? { deletionAt } : {}),
  };
}

function toMs(value: Date | string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const ms = value instanceof Date ? value.getTime() : Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}

/**
 * A server pod the experiment started: not there before it, Ready, and not being deleted. A pod told
 * to stop is no new server, even if it turned Ready first — on the rig a concurrent apply of the same
 * Deployment set the replicas back a second after the scale-up, and the report named that pod.
 */
export function isNewReadyServer(pod: ServerPodRecord, before: ReadonlySet<string>): boolean {
  return !before.has(pod.name) && pod.readyAt !== undefined && pod.deletionAt === undefined && pod.goneAt === undefined;
}

/** ms from a pod's Ready time to its first RPC in the client logs; null if it got none. */
export function firstRpcAfterReady(model: TrafficModel, pod: ServerPodRecord): number | null {
  const first = model.firstSeen(pod.name);
  if (first === undefined || pod.readyAt === undefined) return null;
  return first - pod.readyAt;
}

/** ms from a pod's deletion to the last RPC it answered (≤ 0: none after it was told to stop). */
export function lastRpcAfterDeletion(model: TrafficModel, pod: ServerPodRecord): number | null {
  const last = model.lastSeen(pod.name);
  if (last === undefined || pod.deletionAt === undefined) return null;
  return last - pod.deletionAt;
}

/**
 * Adds `kubectl.kubernetes.io/restartedAt` to the pod template — what `kubectl rollout restart` does. Ends by
 * the API call deadline and on `signal`.
 */
export async function restartDeployment(kc: KubeConfig, namespace: string, deployment: string, signal?: AbortSignal, now = new Date()): Promise<void> {
  const { AppsV1Api, PatchStrategy, setHeaderOptions } = clientNode();
  const apps = kc.makeApiClient(AppsV1Api);
  const body = { spec: { template: { metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': now.toISOString() } } } } };
  await answerWithin(
    kc,
    { verb: 'patch', resource: 'deployments.apps', namespace },
    () => apps.patchNamespacedDeployment({ name: deployment, namespace, body, fieldManager: FIELD_MANAGER }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch)),
    { signal },
  );
}

/** The experiments' wait: a cancelled one is the traffic core's `cancelled`, like every other stop here. */
const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  abortableSleep(ms, signal).catch((err: unknown) => {
    throw toTrafficError(err, { what: 'wait' });
  });

/**
 * Runs one experiment on the chapter's deployment and measures it. Resolves with the report; rejects
 * with a TrafficError (`notDeployed` when no client traffic shows up, `timeout`, `cancelled`, …).
 */
export async function runClusterExperiment(kind: ExperimentKind, deps: ExperimentDeps, options: ExperimentOptions): Promise<ExperimentReport> {
  const run = new ExperimentRun(kind, deps, options);
  try {
    return await run.execute();
  } finally {
    run.dispose();
  }
}

/** The facts measured before the change: the replica count, the server pods, the errors so far. */
interface Baseline {
  replicas: number;
  before: ReadonlySet<string>;
  errorsBefore: number;
  started: number;
}

/**
 * One experiment, in phases: follow the client logs, take a baseline, make the change (scale up, scale
 * down or restart), measure, put the replica count back. Owns the log follower and the traffic model.
 */
class ExperimentRun {
  private readonly t: ExperimentTimings;
  private readonly delay: (ms: number, signal?: AbortSignal) => Promise<void>;
  private readonly signal: AbortSignal | undefined;
  private readonly namespace: string;
  private readonly kc: KubeConfig;
  private readonly model = new TrafficModel();
  private readonly stop = new AbortController();
  private readonly onAbort = (): void => this.stop.abort();
  private readonly follower: LogFollower;
  /** What each server pod was seen doing: Ready, told to stop, gone. */
  private readonly records = new Map<string, ServerPodRecord>();
  private previousListStarted: number | undefined;
  /** The replica count to put back if the experiment stops after changing it (cancelled or failed). */
  private changedFrom: number | undefined;

  constructor(
    private readonly kind: ExperimentKind,
    private readonly deps: ExperimentDeps,
    private readonly options: ExperimentOptions,
  ) {
    this.t = { ...DEFAULT_EXPERIMENT_TIMINGS, ...options.timings };
    this.delay = options.delay ?? sleep;
    this.signal = options.signal;
    this.namespace = chapterNamespace(options.chapter);
    this.kc = deps.kubeConfig();
    this.signal?.addEventListener('abort', this.onAbort, { once: true });
    this.follower = new LogFollower({
      kubeConfig: this.kc,
      namespace: this.namespace,
      labelSelector: clientPodSelector(options.chapter),
      sink: this.model,
      ...(options.onLine ? { onLine: options.onLine } : {}),
      signal: this.stop.signal,
      sinceSeconds: 1,
    });
    void this.follower.start();
  }

  async execute(): Promise<ExperimentReport> {
    try {
      const base = await this.baseline();
      const figures: Record<string, Figure> = { replicasBefore: base.replicas };
      const measured = this.kind === 'scale-up' ? await this.scaleUp(base) : this.kind === 'scale-down' ? await this.scaleDown(base) : await this.rollout(base);
      Object.assign(figures, measured);
      figures.totalRpcs = this.model.snapshot().totalRpcs;
      figures.readyTimePrecisionMs = 1000;
      if (this.kind !== 'rollout' && this.options.restore !== false) {
        this.progress('restoring', `→ ${base.replicas}`);
        await this.deps.scale({ namespace: this.namespace, deployment: SERVER_DEPLOYMENT, replicas: base.replicas }, { ...this.signalOption(), wait: false });
        figures.restoredReplicas = base.replicas;
      }
      this.changedFrom = undefined;
      this.progress('done');
      return { kind: this.kind, chapter: this.options.chapter, namespace: this.namespace, figures, distribution: this.model.distribution() };
    } catch (err) {
      // Cancelled or failed after the scale: put the replicas back (without the aborted signal), then report the cause.
      if (this.changedFrom !== undefined && this.options.restore !== false) {
        this.progress('restoring', `→ ${this.changedFrom}`);
        await this.deps.scale({ namespace: this.namespace, deployment: SERVER_DEPLOYMENT, replicas: this.changedFrom }, { wait: false }).catch(() => undefined);
      }
      throw err;
    }
  }

  dispose(): void {
    this.signal?.removeEventListener('abort', this.onAbort);
    this.stop.abort();
    this.follower.stop();
    this.model.dispose();
  }

  /** The replica count, client traffic flowing (else the chapter is not deployed), the server pods now. */
  private async baseline(): Promise<Baseline> {
    const { kc, namespace, t } = this;
    this.progress('baseline');
    const apps = kc.makeApiClient(clientNode().AppsV1Api);
    const dep = await answerWithin(kc, { verb: 'get', resource: 'deployments.apps', namespace }, () => apps.readNamespacedDeployment({ name: SERVER_DEPLOYMENT, namespace }), {
      signal: this.signal,
    }).catch((err: unknown) => {
      throw toTrafficError(err, { namespace, what: `read deployment ${SERVER_DEPLOYMENT}` });
    });
    await this.waitFor('client RPC lines', t.firstLineTimeoutMs, async () => (this.model.snapshot().totalRpcs > 0 ? true : undefined)).catch((err) => {
      if (TrafficError.is(err, 'timeout')) {
        throw new TrafficError(
          'notDeployed',
          `no RPC log lines from the ${this.options.chapter} clients in namespace ${namespace} within ` +
            `${Math.round(t.firstLineTimeoutMs / 1000)} s; apply the chapter first`,
          { namespace },
        );
      }
      throw err;
    });
    await this.delay(t.baselineMs, this.signal);
    const before = new Set((await this.listServers()).map((r) => r.name));
    return { replicas: dep.spec?.replicas ?? 1, before, errorsBefore: this.model.snapshot().totalErrors, started: Date.now() };
  }

  private async scaleUp({ replicas, before, errorsBefore }: Baseline): Promise<Record<string, Figure>> {
    this.progress('scaling', `${replicas} → ${replicas + 1}`);
    this.changedFrom = replicas;
    await this.deps.scale({ namespace: this.namespace, deployment: SERVER_DEPLOYMENT, replicas: replicas + 1 }, { ...this.signalOption(), wait: false });
    this.progress('waitingReady');
    const fresh = await this.waitFor('the new server pod to become Ready', this.t.readyTimeoutMs, async () =>
      (await this.listServers()).find((r) => isNewReadyServer(r, before)),
    );
    this.progress('waitingFirstRpc', fresh.name);
    await this.untilFirstRpcs([fresh]);
    return {
      newPod: fresh.name,
      scaleUpDiscoveredMs: firstRpcAfterReady(this.model, fresh),
      windowMs: this.t.windowMs,
      scaleUpFailedRpcs: this.model.snapshot().totalErrors - errorsBefore,
    };
  }

  private async scaleDown({ replicas, before, errorsBefore }: Baseline): Promise<Record<string, Figure>> {
    const { namespace, records } = this;
    if (replicas < 2) throw new TrafficError('notDeployed', `scale-down needs at least 2 server replicas, found ${replicas}`, { namespace });
    // The pod that served most is the one to stop: left to itself the ReplicaSet removes the newest pod,
    // which after a scale-up in the DNS chapters is often one that no client ever found.
    const busiest = busiestServer(this.model.distribution(), before);
    if (busiest) await this.deps.preferForScaleDown({ namespace, pod: busiest }, this.signalOption());
    this.progress('scaling', `${replicas} → ${replicas - 1}`);
    this.changedFrom = replicas;
    await this.deps.scale({ namespace, deployment: SERVER_DEPLOYMENT, replicas: replicas - 1 }, { ...this.signalOption(), wait: false });
    this.progress('waitingGone');
    const leaving = await this.waitFor('a server pod to be told to stop', this.t.readyTimeoutMs, async () => {
      await this.listServers();
      return [...records.values()].find((r) => before.has(r.name) && (r.deletionAt !== undefined || r.goneAt !== undefined));
    });
    await this.waitFor('the stopped server pod to go away', this.t.readyTimeoutMs, async () => {
      await this.listServers();
      return records.get(leaving.name)?.goneAt !== undefined ? true : undefined;
    });
    await this.delay(this.t.settleMs, this.signal);
    const rec = records.get(leaving.name) ?? leaving;
    const stoppedAt = rec.deletionAt ?? rec.goneAt;
    return {
      stoppedPod: rec.name,
      scaleDownLastRpcMs: lastRpcAfterDeletion(this.model, { ...rec, ...(stoppedAt !== undefined ? { deletionAt: stoppedAt } : {}) }),
      scaleDownFailedRpcs: this.model.snapshot().totalErrors - errorsBefore,
    };
  }

  private async rollout({ replicas, before, errorsBefore, started }: Baseline): Promise<Record<string, Figure>> {
    this.progress('restarting');
    await this.deps.restart({ namespace: this.namespace, deployment: SERVER_DEPLOYMENT }, this.signalOption());
    this.progress('waitingReady');
    const fresh = await this.waitFor('the rolling restart to finish', this.t.readyTimeoutMs, async () => {
      const current = await this.listServers();
      const newReady = current.filter((r) => isNewReadyServer(r, before));
      const oldLeft = current.filter((r) => before.has(r.name));
      return newReady.length >= replicas && oldLeft.length === 0 ? newReady : undefined;
    });
    const doneAt = Date.now();
    this.progress('waitingFirstRpc');
    await this.untilFirstRpcs(fresh);
    await this.delay(this.t.settleMs, this.signal);
    const discovered = fresh.map((r) => firstRpcAfterReady(this.model, r));
    const got = discovered.filter((d): d is number => d !== null);
    return {
      rolloutMs: doneAt - started,
      rolloutFailedRpcs: this.model.snapshot().totalErrors - errorsBefore,
      rolloutRpcs: this.model.snapshot().totalRpcs,
      newPodsWithoutRpcs: discovered.filter((d) => d === null).length,
      scaleUpDiscoveredMs: got.length ? Math.max(...got) : null,
      windowMs: this.t.windowMs,
    };
  }

  /** Waits until each of `pods` has had an RPC, or the observation window ends. */
  private async untilFirstRpcs(pods: readonly ServerPodRecord[]): Promise<void> {
    const windowEnd = Date.now() + this.t.windowMs;
    while (pods.some((r) => this.model.firstSeen(r.name) === undefined) && Date.now() < windowEnd) {
      this.check();
      await this.delay(this.t.pollMs, this.signal);
    }
  }

  /** Lists the server pods and updates what each was seen doing (Ready, told to stop, gone). */
  private async listServers(): Promise<ServerPodRecord[]> {
    const { kc, namespace, records } = this;
    const core = kc.makeApiClient(clientNode().CoreV1Api);
    try {
      const listStarted = Date.now();
      const list = await answerWithin(kc, { verb: 'list', resource: 'pods', namespace }, () => core.listNamespacedPod({ namespace, labelSelector: SERVER_POD_SELECTOR }), {
        signal: this.signal,
      });
      const now = Date.now();
      const seen = new Set<string>();
      for (const pod of list.items) {
        const r = podRecord(pod);
        seen.add(r.name);
        const prev = records.get(r.name);
        // The kubelet's Ready time has whole seconds. A pod the previous list showed not Ready turned
        // Ready after that list started: the later bound keeps the figure an upper bound, ±pollMs.
        if (r.readyAt !== undefined && prev && prev.readyAt === undefined && this.previousListStarted !== undefined) {
          r.readyAt = Math.max(r.readyAt, this.previousListStarted);
        }
        records.set(r.name, { ...prev, ...r, ...(prev?.readyAt !== undefined ? { readyAt: prev.readyAt } : {}) });
      }
      this.previousListStarted = listStarted;
      for (const r of records.values()) if (!seen.has(r.name) && r.goneAt === undefined) r.goneAt = now;
      return list.items.map((p) => records.get(p.metadata?.name ?? '')!).filter(Boolean);
    } catch (err) {
      throw toTrafficError(err, { namespace, what: 'list server pods' });
    }
  }

  private async waitFor<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      this.check();
      const value = await probe();
      if (value !== undefined) return value;
      if (Date.now() >= deadline) throw new TrafficError('timeout', `${what}: not within ${Math.round(timeoutMs / 1000)} s`, { namespace: this.namespace });
      await this.delay(this.t.pollMs, this.signal);
    }
  }

  private check(): void {
    if (this.signal?.aborted) throw new TrafficError('cancelled', 'cancelled');
  }

  private progress(step: ExperimentProgress['step'], detail?: string): void {
    this.options.onProgress?.({ kind: this.kind, step, ...(detail !== undefined ? { detail } : {}) });
  }

  private signalOption(): { signal?: AbortSignal } {
    return this.signal ? { signal: this.signal } : {};
  }
}

/** The words of an experiment report besides the numbers (English by default; the adapter passes the UI language's). */
export interface ExperimentReportWords {
  title(kind: ExperimentKind, chapter: string, namespace: string): string;
  /** `(12 RPCs)` after a client. */
  clientRpcs(count: number): string;
  figureLabel(key: string): string;
  figure(key: string, value: Figure): string;
}

export const ENGLISH_EXPERIMENT_WORDS: ExperimentReportWords = {
  title: (kind, chapter, namespace) => `experiment ${kind} on chapter ${chapter} (${namespace})`,
  clientRpcs: (count) => `(${count} RPCs)`,
  figureLabel: figureLabelOf,
  figure: (key, value) =>
    value === null
      ? key === 'scaleUpDiscoveredMs'
        ? 'no RPC within the window'
        : '—'
      : typeof value === 'number' && FIGURES[key]?.unit === 'ms'
        ? `${Math.round(value)} ms`
        : String(value),
};

/** Plain-text report (like the lab's renderScenario), for the Output channel and workbook cells. */
export function renderExperiment(report: ExperimentReport, words: ExperimentReportWords = ENGLISH_EXPERIMENT_WORDS): string {
  const lines = [`== ${words.title(report.kind, report.chapter, report.namespace)} ==`];
  for (const [client, row] of Object.entries(report.distribution)) {
    const total = Object.values(row).reduce((a, b) => a + b, 0);
    lines.push(`  ${client}  ${words.clientRpcs(total)}`);
    for (const [server, count] of Object.entries(row)) {
      lines.push(`    ${padEndToWidth(server, 36)} ${padStartToWidth(`${Math.round((count / Math.max(1, total)) * 100)}%`, 4)}  ${count}`);
    }
  }
  const rows = Object.entries(report.figures).map(([key, value]) => ({ label: words.figureLabel(key), text: words.figure(key, value) }));
  // Padded by display width: a 简体中文 label is twice as wide as its length.
  const width = maxDisplayWidth(rows.map((r) => r.label));
  for (const r of rows) lines.push(`  ${padEndToWidth(r.label, width)}  ${r.text}`);
  return lines.join('\n');
}
