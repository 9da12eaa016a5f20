import * as vscode from 'vscode';
import { chapterDocuments } from '../manifests/index';
import { registerCommands } from './commands';
import { presentError, showPresentation } from './commands/errors';
import { ChapterProgress } from './core/chapterProgress';
import { keepAgentTlsOnRequests } from './core/cluster/agentTls';
import { ClusterActions } from './core/cluster/clusterActions';
import { ContextGuard } from './core/cluster/contextGuard';
import { kubeConfigLoader } from './core/cluster/kube';
import { NodeProcessRunner } from './core/process/nodeProcessRunner';
import { resolveImagePlan } from './core/toolchain/imageContext';
import { imageNamesFor, imagesReach, withImageNames } from './core/toolchain/imageLoaders';
import { TrafficActionsSlot } from './core/trafficActions';
import { registerWorkbookController } from './notebookController';
import { BackgroundTasks, Channels, type ChannelId, type PlainChannelId, type Services } from './services';
import { settings } from './settings';
import { registerTrafficFeatures } from './traffic';
import { registerWorkbookSerializer } from './workbook/workbookSerializer';

/**
 * Composition root: constructs every part once, registers it, and hands VS Code the disposables.
 * No I/O happens here; work starts when the user runs a command, opens a workbook or the view.
 */
export function activate(context: vscode.ExtensionContext): void {
  // The extension host swaps the https.Agent client-node passes (with the kubeconfig's client
  // certificate) for its proxy agent; keep the TLS options on the requests (core/cluster/agentTls.ts).
  // `require('https')`, not 'node:https': the host hands each extension its own copy of 'https'.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  keepAgentTlsOnRequests(require('https'));
  const channels = new Channels();
  const background = new BackgroundTasks();
  const guard = new ContextGuard({
    storage: context.globalState,
    // minikube names its kube context after the profile.
    minikubeContexts: () => [settings.minikubeProfile() ?? 'minikube'],
    confirm: async (target) => {
      const allow = vscode.l10n.t('Allow Writes');
      const choice = await vscode.window.showWarningMessage(
        vscode.l10n.t('Write to kube context "{0}" ({1})?', target.name || vscode.l10n.t('(unnamed)'), target.server),
        {
          modal: true,
          detail: vscode.l10n.t(
            'This is not minikube on this machine. The tutorial will create, change and delete objects labelled app.kubernetes.io/part-of=grpc-lb-lab in this cluster, and the workbooks\' shell cells run kubectl and istioctl against it. Your answer is remembered for this context, server and user; "gRPC LB: Forget Allowed Kube Contexts" forgets it.',
          ),
        },
        allow,
      );
      return choice === allow;
    },
  });
  // The learner's kubeconfig files and context (settings), else the Kubernetes extension's, else the default.
  const kubeConfig = kubeConfigLoader(() => settings.kubeconfig());
  // Walkthrough steps tick on context keys; chapters done in an earlier session are re-ticked from globalState.
  const progress = new ChapterProgress({
    storage: context.globalState,
    setContext: (key, value) => void vscode.commands.executeCommand('setContext', key, value),
  });
  progress.restore();
  const services: Services = {
    extensionRoot: context.extensionPath,
    runner: new NodeProcessRunner(process.env, (tool) => settings.toolPath(tool)),
    kubeConfig,
    guard,
    cluster: new ClusterActions({
      kubeConfig,
      guard,
      // Through a registry, the chapters run the pushed images (settings grpcLb.images.*).
      documents: async (id) => withImageNames(await chapterDocuments(id), imageNamesFor(kubeConfig().getCurrentContext(), settings.images())),
      rolloutTimeoutMs: () => settings.rolloutTimeoutMs(),
    }),
    traffic: new TrafficActionsSlot(),
    progress,
    channel: (id) => channels.get(id),
    plainChannel: (id) => channels.plain(id),
    showError: (err: unknown, channel: ChannelId | PlainChannelId = 'cluster') => {
      // The channel is created only when the button is clicked.
      const p = presentError(err, { guard, showOutput: () => channels.output(channel).show(true), imagesReach: services.imagesReach });
      if (p) void showPresentation(p);
    },
    background,
    // A built clone opened as a workspace folder first (a learner changing the samples), then the extension's own image kit.
    imagePlan: () => resolveImagePlan([...(vscode.workspace.workspaceFolders ?? []).map((f) => f.uri.fsPath), context.extensionPath]),
    settings,
    imagesReach: (context) => imagesReach(context, settings.images()),
  };
  context.subscriptions.push(channels, background);
  registerWorkbookSerializer(context);
  registerWorkbookController(context, services);
  registerCommands(context, services);
  registerTrafficFeatures(context, services);
}

export function deactivate(): void {
  // Everything (channels, Kiali port-forward, controller, views) is disposed through context.subscriptions.
}
