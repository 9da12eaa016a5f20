import * as vscode from 'vscode';
import { CHAPTERS, DEPLOYABLE_CHAPTERS, isChapterId, type ChapterId } from '../../samples/common/catalog';
import type { ChannelId, Services } from '../services';

/**
 * Processes and cluster writes run only in a trusted workspace (capabilities.untrustedWorkspaces:
 * limited). Returns false and says so when the workspace is not trusted.
 */
export function requireTrust(): boolean {
  if (vscode.workspace.isTrusted) return true;
  const manage = vscode.l10n.t('Manage Workspace Trust');
  void vscode.window
    .showWarningMessage(vscode.l10n.t('gRPC LB runs tools and changes clusters only in a trusted workspace.'), manage)
    .then((choice) => choice === manage && vscode.commands.executeCommand('workbench.trust.manage'));
  return false;
}

/** Sink for an operation's output: a log line, a progress message, and the abort signal. */
export interface OperationSink {
  signal: AbortSignal;
  line(text: string): void;
  progress(text: string): void;
}

/**
 * Runs a long operation with a cancellable notification, logging to one channel; errors become one
 * localized message with a fix. Resolves with the operation's result, or undefined on failure/cancel.
 */
export async function runWithProgress<T>(
  services: Services,
  channelId: ChannelId,
  title: string,
  op: (sink: OperationSink) => Promise<T>,
): Promise<T | undefined> {
  const channel = services.channel(channelId);
  channel.info(title);
  try {
    return await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title, cancellable: true },
      (progress, token) => {
        const ac = new AbortController();
        token.onCancellationRequested(() => ac.abort());
        return op({
          signal: ac.signal,
          line: (text) => channel.info(text),
          progress: (text) => {
            channel.info(text);
            progress.report({ message: text });
          },
        });
      },
    );
  } catch (err) {
    channel.error(err instanceof Error ? err : String(err));
    services.showError(err, channelId);
    return undefined;
  }
}

/** Localized chapter titles for pickers and messages (ids stay visible: they are used everywhere). */
export function chapterTitle(id: ChapterId): string {
  switch (id) {
    case 'setup':
      return vscode.l10n.t('Setup: tools, minikube, images');
    case 'clusterip':
      return vscode.l10n.t('ClusterIP Service');
    case 'headless':
      return vscode.l10n.t('Headless Service + DNS + round_robin');
    case 'endpoints':
      return vscode.l10n.t('EndpointSlice API resolver');
    case 'envoy':
      return vscode.l10n.t('Envoy proxy');
    case 'etcd':
      return vscode.l10n.t('etcd registry');
    case 'envoy-sidecar':
      return vscode.l10n.t('Envoy as a sidecar');
    case 'istio':
      return vscode.l10n.t('Istio service mesh + Kiali');
    case 'proxyless':
      return vscode.l10n.t('Proxyless gRPC over xDS');
    case 'max-age':
      return vscode.l10n.t('Max connection age + DNS re-resolution');
  }
}

/**
 * Options every question the extension asks shares. The walkthrough page moves the focus into a
 * step's Markdown view a moment after a step is selected; a quick pick that closes on focus-out
 * would vanish under a learner who clicked a step's button at once (seen in code-server 4.100.3).
 * Escape still closes it.
 */
export const ASK: Pick<vscode.QuickPickOptions & vscode.InputBoxOptions, 'ignoreFocusOut'> = { ignoreFocusOut: true };

/** The chapter from a command argument (walkthrough links pass its id), else a quick pick. */
export async function chapterArgOrPick(
  arg: unknown,
  options: { deployableOnly: boolean; title: string; extra?: Array<{ id: string; label: string }> },
): Promise<string | undefined> {
  if (typeof arg === 'string' && (isChapterId(arg) || options.extra?.some((e) => e.id === arg))) {
    if (!options.deployableOnly || arg !== 'setup') return arg;
  }
  const chapters = options.deployableOnly ? DEPLOYABLE_CHAPTERS : CHAPTERS;
  const items = [
    ...(options.extra ?? []).map((e) => ({ label: e.label, description: e.id, id: e.id })),
    ...chapters.map((c) => ({ label: chapterTitle(c.id), description: c.id, detail: c.namespace, id: c.id })),
  ];
  const choice = await vscode.window.showQuickPick(items, { ...ASK, title: options.title, matchOnDescription: true });
  return choice?.id;
}
