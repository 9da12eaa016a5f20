import * as vscode from 'vscode';
import type { KubeConfig } from '@kubernetes/client-node';
import { kubeTarget } from '../core/cluster/kube';
import type { KubeTarget } from '../core/cluster/contextGuard';
import { getChapter, type ChapterId, type LabScenarioId } from '../../samples/common/catalog';
import { FIGURES } from '../../samples/common/figures';
import { Emitter } from '../../samples/common/event';
import { labRunner } from '../../samples/common/lazyModules';
import { CLAIMS, renderScenario, verdict, type ReportWords, type ScenarioReport, type VerdictStrings } from '../../samples/lab/report';
import { LAB_STEPS } from '../../samples/lab/steps';
import { TrafficModel } from '../../samples/traffic/trafficModel';
import { TrafficError } from '../core/traffic/errors';
import { ToolMissingError } from '../core/errors';
import { installHintFor } from '../core/toolchain/tools';
import {
  renderExperiment,
  restartDeployment,
  runClusterExperiment,
  type ExperimentKind,
  type ExperimentReport,
} from '../core/traffic/experiments';
import { BoundedLines } from '../core/traffic/boundedLines';
import { LogFollower, chapterNamespace, clientPodSelector, type FollowerEvent } from '../core/traffic/logFollower';
import type { ResultSummary, TrafficSource } from '../core/traffic/trafficTree';
import type { TrafficActions } from '../core/trafficActions';

/** What the traffic feature needs from the rest of the extension (the composition root passes it). */
export interface TrafficServices {
  /** Loads the kubeconfig afresh, as the learner's settings choose it (extension/core/cluster/kube.ts `kubeConfigLoader`). */
  kubeConfig: () => KubeConfig;
  /** Guarded scale (ClusterActions.scale). */
  cluster: {
    /** Read-only: the chapter's namespace and client Deployment exist (ClusterActions.requireChapterClients). */
    requireChapterClients(chapter: ChapterId): Promise<void>;
    scale(target: { namespace: string; deployment: string; replicas: number }, options: { signal?: AbortSignal; wait?: boolean }): Promise<unknown>;
    /** Guarded: the pod a scale-down removes first (ClusterActions.preferForScaleDown). */
    preferForScaleDown(target: { namespace: string; pod: string }, options: { signal?: AbortSignal }): Promise<unknown>;
    /** Guarded: deletes one of the tutorial's pods (ClusterActions.deletePod). */
    deletePod(target: { namespace: string; pod: string }, options: { signal?: AbortSignal }): Promise<unknown>;
    /** Read-only: a pod's last log lines (ClusterActions.podLog). */
    podLog(target: { namespace: string; pod: string }, options: { signal?: AbortSignal }): Promise<string>;
  };
  /** The context guard: asks once before writing to a context that is not minikube's. */
  guard: { ensureWritable(target: KubeTarget | undefined): Promise<void> };
  /** The slot the workbook controller reads TrafficActions from (extension/core/trafficActions.ts). */
  traffic?: { provide(impl: TrafficActions): { dispose(): void } };
  /** The action layer's error presenter (one localized message with "Open Output"); optional. */
  showError?: (err: unknown, channel?: 'lab' | 'clientLogs') => void;
  /** The learner's settings (extension/settings.ts): how many Client Logs lines to keep. */
  settings?: { clientLogLines(): number };
  /** The lazily created channel for pod logs ("clientLogs") or lab reports ("lab"). */
  plainChannel(id: 'clientLogs' | 'lab'): vscode.OutputChannel;
  /** Walkthrough progress: a finished lab scenario ticks its chapter's step (extension/core/chapterProgress.ts); optional. */
  progress?: { labScenarioFinished(scenario: LabScenarioId): Promise<unknown> };
}

export interface LineEvent {
  pod: string;
  line: string;
}

/**
 * Owns the one TrafficModel the view and the chart show, and the feed that fills it: a chapter's
 * client pods on the cluster (LogFollower) or a local-lab scenario. One feed at a time; starting one
 * stops the other and resets the counts, so the view always shows one source.
 */
export class TrafficController implements vscode.Disposable {
  readonly model = new TrafficModel();
  private sourceValue: TrafficSource | undefined;
  private pausedValue = false;
  private resultValue: ResultSummary | undefined;
  private follower: LogFollower | undefined;
  private labAbort: AbortController | undefined;
  private readonly stateEmitter = new Emitter<void>();
  private readonly lineEmitter = new Emitter<LineEvent>();
  private clientLogLinesValue: BoundedLines | undefined;
  /** Source, paused or result changed. */
  readonly onDidChangeState = this.stateEmitter.event;
  /** Every line of the current feed (for workbook cells), paused or not. */
  readonly onDidLine = this.lineEmitter.event;

  constructor(private readonly services: TrafficServices) {}

  /** "gRPC LB: Client Logs": every followed pod's lines, prefixed with the pod. */
  /** One line into Client Logs, which stays bounded however long a tail runs. */
  private logLine(line: string): void {
    const max = this.services.settings?.clientLogLines() ?? 20_000;
    this.clientLogLinesValue ??= new BoundedLines(max, Math.floor(max / 4));
    const step = this.clientLogLinesValue.push(line);
    if ('append' in step) this.clientLogs.appendLine(step.append);
    else {
      const note = vscode.l10n.t('— {0} earlier lines cleared: this channel keeps the latest ones', step.dropped);
      this.clientLogs.replace([note, ...step.replace].join('\n') + '\n');
    }
  }

  get clientLogs(): vscode.OutputChannel {
    return this.services.plainChannel('clientLogs');
  }

  /** "gRPC LB: Lab": lab and experiment progress and reports. */
  get labChannel(): vscode.OutputChannel {
    return this.services.plainChannel('lab');
  }

  get source(): TrafficSource | undefined {
    return this.sourceValue;
  }

  get paused(): boolean {
    return this.pausedValue;
  }

  get result(): ResultSummary | undefined {
    return this.resultValue;
  }

  setPaused(paused: boolean): void {
    if (this.pausedValue === paused) return;
    this.pausedValue = paused;
    void vscode.commands.executeCommand('setContext', 'grpcLb.trafficPaused', paused);
    this.stateEmitter.fire();
  }

  reset(): void {
    this.resultValue = undefined;
    this.model.reset();
    this.stateEmitter.fire();
  }

  /** The chapter whose pods are followed now, if any. */
  followedChapter(): ChapterId | undefined {
    return this.sourceValue?.kind === 'cluster' && this.follower && !this.follower.stopped
      ? (this.sourceValue.chapter as ChapterId)
      : undefined;
  }

  /** Starts following a chapter's client pods (no-op if already following it). */
  follow(chapter: ChapterId): void {
    if (this.followedChapter() === chapter) return;
    const namespace = chapterNamespace(chapter);
    this.stopFeed();
    const kubeConfig = this.services.kubeConfig();
    this.model.reset();
    this.resultValue = undefined;
    this.sourceValue = { kind: 'cluster', chapter, namespace, context: kubeConfig.getCurrentContext() };
    this.logLine(
      vscode.l10n.t('Following the client pods of chapter {0} in namespace {1} (context {2}).', chapter, namespace, kubeConfig.getCurrentContext() || '—'),
    );
    this.follower = new LogFollower({
      kubeConfig,
      namespace,
      labelSelector: clientPodSelector(chapter),
      sink: { ingestLine: (line) => this.ingest(line) },
      onLine: (pod, line) => {
        this.logLine(`[${pod}] ${line}`);
        this.lineEmitter.fire({ pod, line });
      },
      onEvent: (event) => this.logFollowerEvent(event),
    });
    void this.follower.start();
    void vscode.commands.executeCommand('setContext', 'grpcLb.trafficFollowing', true);
    this.stateEmitter.fire();
  }

  /** Stops the cluster follower or the lab run feeding the view; the counts stay. */
  stopFeed(): void {
    this.follower?.stop();
    this.follower = undefined;
    this.labAbort?.abort();
    this.labAbort = undefined;
    void vscode.commands.executeCommand('setContext', 'grpcLb.trafficFollowing', false);
  }

  /** Runs a lab scenario, feeding the view; the report goes to the "gRPC LB: Lab" channel. */
  async runLab(scenario: LabScenarioId, signal: AbortSignal | undefined, onProgress: (message: string) => void): Promise<ScenarioReport> {
    this.stopFeed();
    this.model.reset();
    this.resultValue = undefined;
    this.sourceValue = { kind: 'lab', scenario };
    const abort = new AbortController();
    this.labAbort = abort;
    const onAbort = (): void => abort.abort();
    signal?.addEventListener('abort', onAbort, { once: true });
    this.stateEmitter.fire();
    this.labChannel.appendLine(vscode.l10n.t('Local lab: running scenario {0} on 127.0.0.1…', scenario));
    try {
      const report = await labRunner().runScenario(scenario, {
        signal: abort.signal,
        onProgress: (p) => {
          // The lab words its steps in English; each is a template with an entry in l10n/.
          const message = vscode.l10n.t(LAB_STEPS[p.step], ...p.args);
          onProgress(message);
          this.labChannel.appendLine(`  … ${message}`);
        },
        onLine: (line, origin) => {
          this.ingest(line);
          this.lineEmitter.fire({ pod: origin.process, line });
        },
      });
      this.labChannel.appendLine(localizedReport(report));
      // A scenario the lab could not run here is not a result: etcd's is skipped when etcd is not
      // installed, which is a missing tool (shown with its install step), not a claim that failed.
      if (typeof report.figures.skipped === 'string') {
        throw report.id === 'etcd' ? new ToolMissingError('etcd', installHintFor('etcd')) : new Error(report.figures.skipped);
      }
      this.resultValue = {
        id: `lab:${scenario}`,
        title: vscode.l10n.t('Lab: {0}', scenario),
        headline: localizedVerdict(report),
        ok: report.holds,
        rows: Object.entries(report.figures).map(([key, value]) => ({ label: figureLabel(key), value: formatFigure(key, value) })),
      };
      this.stateEmitter.fire();
      // The walkthrough step ticks when the scenario ran to a verdict, not when it broke down.
      if (typeof report.figures.error !== 'string') await this.services.progress?.labScenarioFinished(scenario);
      return report;
    } finally {
      signal?.removeEventListener('abort', onAbort);
      if (this.labAbort === abort) this.labAbort = undefined;
    }
  }

  /**
   * Runs a measured experiment on a chapter. The view follows that chapter meanwhile (its own
   * follower counts the lines), and the figures are pinned on top of the view.
   */
  async runExperiment(
    kind: ExperimentKind,
    chapter: ChapterId,
    signal: AbortSignal | undefined,
    onProgress: (message: string) => void,
    onLine?: (pod: string, line: string) => void,
  ): Promise<ExperimentReport> {
    getChapter(chapter);
    this.follow(chapter);
    const report = await runClusterExperiment(
      kind,
      {
        kubeConfig: this.services.kubeConfig,
        scale: (target, options) => this.services.cluster.scale(target, options),
        preferForScaleDown: (target, options) => this.services.cluster.preferForScaleDown(target, options),
        restart: async (target, options) => {
          const kc = this.services.kubeConfig();
          await this.services.guard.ensureWritable(kubeTarget(kc));
          await restartDeployment(kc, target.namespace, target.deployment, options.signal);
        },
      },
      {
        chapter,
        ...(signal ? { signal } : {}),
        onProgress: (p) => onProgress(experimentStep(p.step, p.detail)),
        ...(onLine ? { onLine } : {}),
      },
    );
    this.labChannel.appendLine(localizedExperimentReport(report));
    this.resultValue = {
      id: `experiment:${kind}`,
      title: vscode.l10n.t('Experiment: {0} ({1})', kind, chapter),
      headline: experimentHeadline(report),
      ok: true,
      rows: Object.entries(report.figures).map(([key, value]) => ({ label: figureLabel(key), value: formatFigure(key, value) })),
    };
    this.stateEmitter.fire();
    return report;
  }

  private ingest(line: string): void {
    if (!this.pausedValue) this.model.ingestLine(line);
  }

  private logFollowerEvent(event: FollowerEvent): void {
    switch (event.kind) {
      case 'podFollowed':
        this.logLine(vscode.l10n.t('— following pod {0} (container {1})', event.pod, event.container));
        break;
      case 'podDropped':
        this.logLine(vscode.l10n.t('— pod {0} is gone; stopped following it', event.pod));
        break;
      case 'streamEnded':
        this.logLine(
          vscode.l10n.t('— log stream of {0} ended ({1}); reconnecting in {2} ms without counting lines twice', event.pod, event.reason, event.reconnectInMs),
        );
        break;
      case 'error':
        this.logLine(`! ${describeTrafficError(event.error)}`);
        break;
    }
  }

  dispose(): void {
    this.stopFeed();
    this.stateEmitter.dispose();
    this.lineEmitter.dispose();
    this.model.dispose();
  }
}

/** A lab scenario's one-line verdict in the UI language (samples/lab/report.ts words it in English for the CLI). */
export function localizedVerdict(report: ScenarioReport): string {
  return verdict(report, VERDICT_STRINGS);
}

const VERDICT_STRINGS: VerdictStrings = {
  skipped: (reason) => vscode.l10n.t('SKIPPED — {0}', reason),
  failed: (reason) => vscode.l10n.t('FAILED — {0}', reason),
  mark: (holds) => (holds ? vscode.l10n.t('HOLDS') : vscode.l10n.t('DOES NOT HOLD')),
  get never() {
    return vscode.l10n.t('never');
  },
  clusterip: (mark, perClient, servers) =>
    vscode.l10n.t('{0}: each client used {1} server(s) of {2}; the proxy balanced connections, not RPCs.', mark, perClient, servers),
  headless: (mark, hit, servers, discovered, window) =>
    discovered === undefined
      ? vscode.l10n.t('{0}: every client used {1} of {2} servers; the scaled-up server got no RPC within {3} (grpc-js did not re-resolve DNS).', mark, hit, servers, window)
      : vscode.l10n.t('{0}: every client used {1} of {2} servers; the scaled-up server got its first RPC after {3}.', mark, hit, servers, discovered),
  pickFirst: (mark, pickFirst, roundRobin, servers) =>
    vscode.l10n.t('{0}: the pick_first client used {1} of {2} servers; the round_robin client used {3}.', mark, pickFirst, servers, roundRobin),
  maxAge: (mark, both, age, ageOnly, window) =>
    ageOnly === undefined
      ? vscode.l10n.t('{0}: with both knobs the new server got RPCs after {1} (age {2}); with the age alone not within {3}.', mark, both, age, window)
      : vscode.l10n.t('{0}: with both knobs the new server got RPCs after {1} (age {2}); with the age alone after {3}.', mark, both, age, ageOnly),
  etcd: (mark, discovered, killRemoved, ttl) =>
    vscode.l10n.t('{0}: a new server got RPCs after {1}; a kill -9 left the registry after {2} (lease TTL {3}).', mark, discovered, killRemoved, ttl),
  rollout: (mark, graceful, abrupt) =>
    vscode.l10n.t('{0}: graceful rollout failed {1} RPC(s); abrupt (SIGKILL) rollout failed {2}.', mark, graceful, abrupt),
};

/** A cluster experiment's report in the UI language, for the Lab channel and workbook cells. */
export function localizedExperimentReport(report: ExperimentReport): string {
  return renderExperiment(report, {
    title: (kind, chapter, namespace) => vscode.l10n.t('experiment {0} on chapter {1} ({2})', kind, chapter, namespace),
    clientRpcs: (count) => vscode.l10n.t('({0} RPCs)', count),
    figureLabel,
    figure: formatFigure,
  });
}

/** A lab scenario's report (bars, figures, verdict) in the UI language, for the Lab channel and workbook cells. */
export function localizedReport(report: ScenarioReport): string {
  return renderScenario(report, {
    claim: localizedClaim,
    claimHead: vscode.l10n.t('claim'),
    verdictHead: vscode.l10n.t('verdict'),
    clientRpcs: (count) => vscode.l10n.t('({0} RPCs)', count),
    figureLabel,
    figure: formatFigure,
    verdict: VERDICT_STRINGS,
  } satisfies ReportWords);
}

/** The scenario's claim in the UI language: the English sentence of samples/lab/report.ts CLAIMS is the l10n key. */
function localizedClaim(id: LabScenarioId): string {
  return vscode.l10n.t(CLAIMS[id]);
}

/** Localized label of a lab or experiment figure key (the raw key for one we do not know). */
export function figureLabel(key: string): string {
  // The English labels of samples/common/figures.ts are the l10n keys (a test checks both bundles have each).
  return FIGURES[key] ? vscode.l10n.t(FIGURES[key].label) : key;
}

function formatFigure(key: string, value: unknown): string {
  if (value === null) return vscode.l10n.t('not within the window');
  if (typeof value === 'number') return /Ms$/.test(key) ? vscode.l10n.t('{0} ms', Math.round(value)) : String(value);
  return String(value);
}

function experimentStep(step: string, detail: string | undefined): string {
  const text: Record<string, string> = {
    baseline: vscode.l10n.t('Collecting baseline traffic…'),
    scaling: vscode.l10n.t('Scaling greeter-server…'),
    waitingReady: vscode.l10n.t('Waiting for the server pods to become Ready…'),
    waitingFirstRpc: vscode.l10n.t('Waiting for the first RPC on the new pod…'),
    waitingGone: vscode.l10n.t('Waiting for the stopped pod to go away…'),
    restarting: vscode.l10n.t('Restarting greeter-server (rolling)…'),
    restoring: vscode.l10n.t('Restoring the replica count…'),
    done: vscode.l10n.t('Done.'),
  };
  return detail ? `${text[step] ?? step} ${detail}` : (text[step] ?? step);
}

/** One localized sentence with the experiment's key figures. */
export function experimentHeadline(report: ExperimentReport): string {
  const f = report.figures;
  const ms = (v: unknown): string => (typeof v === 'number' ? vscode.l10n.t('{0} ms', Math.round(v)) : vscode.l10n.t('never'));
  switch (report.kind) {
    case 'scale-up':
      return f.scaleUpDiscoveredMs === null
        ? vscode.l10n.t('Scale-up: the new pod {0} got no RPC within {1} s; failed RPCs: {2}.', String(f.newPod), Math.round(Number(f.windowMs) / 1000), String(f.scaleUpFailedRpcs))
        : vscode.l10n.t('Scale-up: the new pod {0} got its first RPC {1} after it was Ready; failed RPCs: {2}.', String(f.newPod), ms(f.scaleUpDiscoveredMs), String(f.scaleUpFailedRpcs));
    case 'scale-down':
      return vscode.l10n.t('Scale-down: last RPC on {0} {1} after its deletion; failed RPCs: {2}.', String(f.stoppedPod), ms(f.scaleDownLastRpcMs), String(f.scaleDownFailedRpcs));
    case 'rollout':
      return vscode.l10n.t('Rolling restart took {0}; failed RPCs: {1} of {2}; slowest new pod got its first RPC {3} after Ready.', ms(f.rolloutMs), String(f.rolloutFailedRpcs), String(f.rolloutRpcs), ms(f.scaleUpDiscoveredMs));
  }
}

/** A localized sentence for a traffic error (the core gives reason + facts). */
export function describeTrafficError(err: unknown): string {
  if (TrafficError.is(err)) {
    const ns = err.details.namespace ?? '—';
    switch (err.reason) {
      case 'forbidden':
        return vscode.l10n.t('The kube context may not read the client pods or their logs in namespace {0}: it needs list/watch on pods and get on pods/log (a namespaced Role is enough).', ns);
      case 'notDeployed':
        return vscode.l10n.t('Nothing to measure in namespace {0}: {1}', ns, err.message);
      case 'noCluster':
        return vscode.l10n.t('There is no current kube context. Start minikube or choose a context first.');
      case 'unreachable':
        return vscode.l10n.t('The Kubernetes API is not reachable: {0}', err.message);
      case 'timeout':
        return vscode.l10n.t('The experiment timed out: {0}', err.message);
      case 'cancelled':
        return vscode.l10n.t('Cancelled.');
      default:
        return err.message;
    }
  }
  return err instanceof Error ? err.message : String(err);
}
