import * as vscode from 'vscode';
import { DEPLOYABLE_CHAPTERS, LAB_SCENARIO_IDS, isChapterId, type ChapterId, type LabScenarioId } from '../../samples/common/catalog';
import { isCancellation } from '../core/errors';
import { TrafficError } from '../core/traffic/errors';
import type { ExperimentKind } from '../core/traffic/experiments';
import { EXPERIMENT_KINDS } from '../core/workbook/actions';
import { ASK, requireTrust } from '../commands/util';
import { describeTrafficError, experimentHeadline, localizedVerdict, type TrafficController, type TrafficServices } from './trafficController';
import { normalizeExperiment } from './trafficNotebookActions';

/** Follows a chapter's client pods once a read shows it was applied (else: "apply a chapter first"). */
export async function followApplied(controller: TrafficController, services: TrafficServices, chapter: ChapterId): Promise<void> {
  await services.cluster.requireChapterClients(chapter);
  controller.follow(chapter);
}

/** A cancellable progress notification around `op`; Cancel aborts the signal it gets. */
export function withCancellableProgress<T>(title: string, op: (signal: AbortSignal, report: (message: string) => void) => Promise<T>): Thenable<T> {
  return vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, (progress, token) => {
    const abort = new AbortController();
    token.onCancellationRequested(() => abort.abort());
    return op(abort.signal, (message) => progress.report({ message }));
  });
}

/**
 * The traffic commands a learner runs from the palette or the view: Tail Client Logs, Start Local Lab and
 * Run Experiment, each with its picker, progress and one error message.
 */
export function registerTrafficCommands(controller: TrafficController, services: TrafficServices): vscode.Disposable[] {
  const commands = new TrafficCommands(controller, services);
  return [
    vscode.commands.registerCommand('grpcLb.tailClientLogs', (arg?: unknown) => commands.tail(arg)),
    vscode.commands.registerCommand('grpcLb.runExperiment', (kind?: unknown, chapter?: unknown) => commands.runExperiment(kind, chapter)),
    vscode.commands.registerCommand('grpcLb.startLocalLab', (arg?: unknown) => commands.startLocalLab(arg)),
  ];
}

class TrafficCommands {
  constructor(
    private readonly controller: TrafficController,
    private readonly services: TrafficServices,
  ) {}

  async tail(chapterArg?: unknown): Promise<void> {
    if (!requireTrust()) return;
    const chapter = typeof chapterArg === 'string' && isChapterId(chapterArg) ? chapterArg : await this.pickChapter();
    if (!chapter) return;
    try {
      await followApplied(this.controller, this.services, chapter);
      this.controller.clientLogs.show(true);
      void vscode.commands.executeCommand('grpcLb.traffic.focus');
    } catch (err) {
      this.fail(err, 'clientLogs');
    }
  }

  async startLocalLab(scenarioArg?: unknown): Promise<void> {
    if (!requireTrust()) return;
    const scenario =
      typeof scenarioArg === 'string' && (LAB_SCENARIO_IDS as readonly string[]).includes(scenarioArg)
        ? (scenarioArg as LabScenarioId)
        : await pickScenario();
    if (!scenario) return;
    void vscode.commands.executeCommand('grpcLb.traffic.focus');
    try {
      const report = await withCancellableProgress(vscode.l10n.t('Local lab: {0}', scenario), (signal, progress) =>
        this.controller.runLab(scenario, signal, progress),
      );
      this.controller.labChannel.show(true);
      const message = report.holds
        ? vscode.l10n.t('Lab {0}: the claim holds. {1}', scenario, localizedVerdict(report))
        : vscode.l10n.t('Lab {0}: the claim does not hold here. {1}', scenario, localizedVerdict(report));
      void vscode.window.showInformationMessage(message);
    } catch (err) {
      this.fail(err, 'lab');
    }
  }

  async runExperiment(kindArg?: unknown, chapterArg?: unknown): Promise<void> {
    if (!requireTrust()) return;
    const kind = normalizeExperiment(kindArg) ?? (await pickExperiment());
    if (!kind) return;
    // The chapter named, else the followed one, else ask.
    const named = typeof chapterArg === 'string' && isChapterId(chapterArg) ? chapterArg : undefined;
    const chapter = named ?? this.controller.followedChapter() ?? (await this.pickChapter());
    if (!chapter) return;
    try {
      const report = await withCancellableProgress(vscode.l10n.t('Experiment {0} on chapter {1}', kind, chapter), (signal, progress) =>
        this.controller.runExperiment(kind, chapter, signal, progress),
      );
      this.controller.labChannel.show(true);
      void vscode.window.showInformationMessage(experimentHeadline(report));
    } catch (err) {
      this.fail(err, 'lab');
    }
  }

  private async pickChapter(): Promise<ChapterId | undefined> {
    const followed = this.controller.followedChapter();
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
  }

  /** Reports a failed feed: logged in its channel, shown with a button that opens that channel. */
  private fail(err: unknown, channel: 'lab' | 'clientLogs'): void {
    if (isCancellation(err)) return;
    const output = channel === 'lab' ? this.controller.labChannel : this.controller.clientLogs;
    output.appendLine(`! ${err instanceof Error ? err.message : String(err)}`);
    if (!TrafficError.is(err) && this.services.showError) {
      this.services.showError(err, channel);
      return;
    }
    const open = vscode.l10n.t('Open Output');
    void vscode.window.showErrorMessage(describeTrafficError(err), open).then((choice) => {
      if (choice === open) output.show(true);
    });
  }
}

async function pickScenario(): Promise<LabScenarioId | undefined> {
  const choice = await vscode.window.showQuickPick(
    LAB_SCENARIO_IDS.map((id) => ({ label: id, description: scenarioDescription(id) })),
    { ...ASK, title: vscode.l10n.t('Which local-lab scenario?'), placeHolder: vscode.l10n.t('Runs real gRPC servers and clients on 127.0.0.1') },
  );
  return choice?.label as LabScenarioId | undefined;
}

async function pickExperiment(): Promise<ExperimentKind | undefined> {
  const choice = await vscode.window.showQuickPick(
    EXPERIMENT_KINDS.map((kind) => ({ label: kind, description: experimentDescription(kind) })),
    { ...ASK, title: vscode.l10n.t('Which experiment?') },
  );
  return choice?.label as ExperimentKind | undefined;
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
