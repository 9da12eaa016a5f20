import * as vscode from 'vscode';
import {
  DEPLOYABLE_CHAPTERS,
  LAB_SCENARIO_IDS,
  isChapterId,
  type ChapterId,
  type LabScenarioId,
} from '../../samples/common/catalog';
import type { ExperimentKind } from '../core/traffic/experiments';
import { TrafficError } from '../core/traffic/errors';
import { isCancellation } from '../core/errors';
import type { TrafficActions, TrafficRunResult } from '../core/trafficActions';
import { EXPERIMENT_KINDS } from '../core/workbook/actions';
import { readableLogLine, type ReadableLineStrings } from '../core/workbook/readableLine';
import { ASK, requireTrust } from '../commands/util';
import { registerPodCommands } from './podCommands';
import { registerTrafficStatusBar } from './statusBar';
import { TrafficChartPanel } from './trafficChartPanel';
import { TrafficController, describeTrafficError, experimentHeadline, localizedExperimentReport, localizedReport, localizedVerdict, type TrafficServices } from './trafficController';
import { TrafficTreeProvider } from './trafficTreeProvider';

export type { TrafficServices } from './trafficController';

/**
 * Registers the traffic view, its commands (reset/pause/resume, chart, tail, experiments, local lab)
 * and hands the workbook controller its TrafficActions through `services.traffic`. Returns the
 * actions too, for a caller that prefers them directly. Construction only; no I/O until a command runs.
 */
export function registerTrafficFeatures(context: vscode.ExtensionContext, services: TrafficServices): TrafficActions {
  const controller = new TrafficController(services);
  const provider = new TrafficTreeProvider(controller);
  const treeView = vscode.window.createTreeView('grpcLb.traffic', { treeDataProvider: provider, showCollapseAll: true });
  provider.attach(treeView);
  void vscode.commands.executeCommand('setContext', 'grpcLb.trafficPaused', false);

  /** Reports a failed feed: logged in its channel, shown with a button that opens that channel. */
  const fail = (err: unknown, channel: 'lab' | 'clientLogs'): void => {
    if (isCancellation(err)) return;
    const output = channel === 'lab' ? controller.labChannel : controller.clientLogs;
    output.appendLine(`! ${err instanceof Error ? err.message : String(err)}`);
    if (!TrafficError.is(err) && services.showError) {
      services.showError(err, channel);
      return;
    }
    const open = vscode.l10n.t('Open Output');
    void vscode.window.showErrorMessage(describeTrafficError(err), open).then((choice) => {
      if (choice === open) output.show(true);
    });
  };

  const pickChapter = async (): Promise<ChapterId | undefined> => {
    const followed = controller.followedChapter();
    const items = DEPLOYABLE_CHAPTERS.map((c) => ({
      label: c.id,
      description: c.namespace,
      detail: c.target,
      ...(c.id === followed ? { picked: true } : {}),
    }));
    const choice = await vscode.window.showQuickPick(items, {
      ...ASK,
      title: vscode.l10n.t('Which chapter’s client pods?'),
      placeHolder: vscode.l10n.t('Chapter applied to the cluster'),
    });
    return choice && isChapterId(choice.label) ? choice.label : undefined;
  };

  const pickScenario = async (): Promise<LabScenarioId | undefined> => {
    const choice = await vscode.window.showQuickPick(
      LAB_SCENARIO_IDS.map((id) => ({ label: id, description: scenarioDescription(id) })),
      { ...ASK, title: vscode.l10n.t('Which local-lab scenario?'), placeHolder: vscode.l10n.t('Runs real gRPC servers and clients on 127.0.0.1') },
    );
    return choice?.label as LabScenarioId | undefined;
  };

  const pickExperiment = async (): Promise<ExperimentKind | undefined> => {
    const choice = await vscode.window.showQuickPick(
      EXPERIMENT_KINDS.map((kind) => ({ label: kind, description: experimentDescription(kind) })),
      { ...ASK, title: vscode.l10n.t('Which experiment?') },
    );
    return choice?.label as ExperimentKind | undefined;
  };

  /** Follows a chapter's client pods once a read shows it was applied (else: "apply a chapter first"). */
  const followApplied = async (chapter: ChapterId): Promise<void> => {
    await services.cluster.requireChapterClients(chapter);
    controller.follow(chapter);
  };

  /** Chapter for an experiment: the followed one, else ask. */
  const experimentChapter = async (chapter?: ChapterId): Promise<ChapterId | undefined> =>
    chapter ?? controller.followedChapter() ?? (await pickChapter());

  const tail = async (chapterArg?: unknown): Promise<void> => {
    if (!requireTrust()) return;
    const chapter = typeof chapterArg === 'string' && isChapterId(chapterArg) ? chapterArg : await pickChapter();
    if (!chapter) return;
    try {
      await followApplied(chapter);
      controller.clientLogs.show(true);
      void vscode.commands.executeCommand('grpcLb.traffic.focus');
    } catch (err) {
      fail(err, 'clientLogs');
    }
  };

  const startLocalLab = async (scenarioArg?: unknown): Promise<void> => {
    if (!requireTrust()) return;
    const scenario =
      typeof scenarioArg === 'string' && (LAB_SCENARIO_IDS as readonly string[]).includes(scenarioArg)
        ? (scenarioArg as LabScenarioId)
        : await pickScenario();
    if (!scenario) return;
    void vscode.commands.executeCommand('grpcLb.traffic.focus');
    try {
      const report = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Local lab: {0}', scenario), cancellable: true },
        (progress, token) => {
          const abort = new AbortController();
          token.onCancellationRequested(() => abort.abort());
          return controller.runLab(scenario, abort.signal, (message) => progress.report({ message }));
        },
      );
      controller.labChannel.show(true);
      const message = report.holds
        ? vscode.l10n.t('Lab {0}: the claim holds. {1}', scenario, localizedVerdict(report))
        : vscode.l10n.t('Lab {0}: the claim does not hold here. {1}', scenario, localizedVerdict(report));
      void vscode.window.showInformationMessage(message);
    } catch (err) {
      fail(err, 'lab');
    }
  };

  const runExperiment = async (kindArg?: unknown, chapterArg?: unknown): Promise<void> => {
    if (!requireTrust()) return;
    const kind = normalizeExperiment(kindArg) ?? (await pickExperiment());
    if (!kind) return;
    const chapter = await experimentChapter(typeof chapterArg === 'string' && isChapterId(chapterArg) ? chapterArg : undefined);
    if (!chapter) return;
    try {
      const report = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Experiment {0} on chapter {1}', kind, chapter), cancellable: true },
        (progress, token) => {
          const abort = new AbortController();
          token.onCancellationRequested(() => abort.abort());
          return controller.runExperiment(kind, chapter, abort.signal, (message) => progress.report({ message }));
        },
      );
      controller.labChannel.show(true);
      void vscode.window.showInformationMessage(experimentHeadline(report));
    } catch (err) {
      fail(err, 'lab');
    }
  };

  const lineStrings: ReadableLineStrings = {
    started: (client, target, lbPolicy) => vscode.l10n.t('{0} started: {1} ({2})', client, target, lbPolicy),
    summary: (client, succeeded, total) => vscode.l10n.t('{0} summary: {1}/{2} ok', client, succeeded, total),
    error: (client, message) => vscode.l10n.t('{0} error: {1}', client, message),
  };
  const cellLine = (line: string, pod?: string): string => readableLogLine(line, pod, lineStrings);

  const actions: TrafficActions = {
    async runLab(scenario, options): Promise<TrafficRunResult> {
      const sub = controller.onDidLine(({ line }) => options.onLine?.(cellLine(line)));
      try {
        const report = await controller.runLab(scenario, options.signal, (message) => options.onLine?.(`… ${message}`));
        return { summary: localizedReport(report).split('\n') };
      } finally {
        sub.dispose();
      }
    },
    async tail(chapter, options): Promise<TrafficRunResult> {
      await followApplied(chapter);
      let lines = 0;
      const sub = controller.onDidLine(({ pod, line }) => {
        lines++;
        options.onLine?.(cellLine(line, pod));
      });
      try {
        await new Promise<void>((resolve) => {
          if (!options.signal || options.signal.aborted) return resolve();
          options.signal.addEventListener('abort', () => resolve(), { once: true });
        });
      } finally {
        sub.dispose();
      }
      const snap = controller.model.snapshot();
      return {
        summary: [
          vscode.l10n.t('{0} lines from the client pods of chapter {1}; the traffic view keeps following them.', lines, chapter),
          ...snap.clients.map((c) => `${c.client}: ${c.servers.map((s) => `${s.server} ${Math.round(s.share * 100)}%`).join(', ')}`),
        ],
      };
    },
    async runExperiment(experiment, options): Promise<TrafficRunResult> {
      const kind = normalizeExperiment(experiment);
      if (!kind) throw new RangeError(`unknown experiment "${experiment}"; expected one of: ${EXPERIMENT_KINDS.join(', ')}`);
      const chapter = options.chapter ?? controller.followedChapter();
      if (!chapter) {
        throw new TrafficError('notDeployed', 'no chapter is being followed: run `tail <chapter>` (or pass a chapter) first');
      }
      const report = await controller.runExperiment(
        kind,
        chapter,
        options.signal,
        (message) => options.onLine?.(`… ${message}`),
        (pod, line) => options.onLine?.(cellLine(line, pod)),
      );
      return { summary: [experimentHeadline(report), ...localizedExperimentReport(report).split('\n')] };
    },
  };

  context.subscriptions.push(
    controller,
    provider,
    treeView,
    vscode.commands.registerCommand('grpcLb.resetTraffic', () => controller.reset()),
    vscode.commands.registerCommand('grpcLb.pauseTraffic', () => controller.setPaused(true)),
    vscode.commands.registerCommand('grpcLb.resumeTraffic', () => controller.setPaused(false)),
    vscode.commands.registerCommand('grpcLb.openTrafficChart', () => TrafficChartPanel.show(controller)),
    vscode.commands.registerCommand('grpcLb.tailClientLogs', tail),
    vscode.commands.registerCommand('grpcLb.runExperiment', runExperiment),
    vscode.commands.registerCommand('grpcLb.startLocalLab', startLocalLab),
    { dispose: () => TrafficChartPanel.disposeCurrent() },
    ...registerPodCommands(controller, services),
    registerTrafficStatusBar(controller),
  );
  if (services.traffic) context.subscriptions.push(services.traffic.provide(actions));
  return actions;
}

/** Accepts the workbook's kinds and the longer `rolling-restart` spelling. */
function normalizeExperiment(value: unknown): ExperimentKind | undefined {
  if (value === 'rolling-restart' || value === 'restart') return 'rollout';
  return typeof value === 'string' && (EXPERIMENT_KINDS as readonly string[]).includes(value) ? (value as ExperimentKind) : undefined;
}

function scenarioDescription(id: LabScenarioId): string {
  switch (id) {
    case 'clusterip':
      return vscode.l10n.t('L4 proxy: every RPC of a client goes to one server');
    case 'headless':
      return vscode.l10n.t('DNS + round_robin: spread, but a new server is not seen');
    case 'pick-first':
      return vscode.l10n.t('pick_first (the default) vs round_robin on the same DNS name');
    case 'max-age':
      return vscode.l10n.t('max connection age + DNS re-resolution: new servers found');
    case 'etcd':
      return vscode.l10n.t('etcd registry with leases (needs the etcd binary)');
    case 'rollout':
      return vscode.l10n.t('rolling restart: graceful fails no RPC, SIGKILL fails those in flight');
  }
}

function experimentDescription(kind: ExperimentKind): string {
  switch (kind) {
    case 'scale-up':
      return vscode.l10n.t('add one greeter-server pod; time until it gets its first RPC');
    case 'scale-down':
      return vscode.l10n.t('remove one greeter-server pod; its last RPC and the failed RPCs');
    case 'rollout':
      return vscode.l10n.t('rolling restart of greeter-server; failed RPCs and discovery of the new pods');
  }
}
