import * as vscode from 'vscode';
import type { TrafficTreeNode } from '../core/traffic/trafficTree';
import { requireTrust } from '../commands/util';
import type { TrafficController, TrafficServices } from './trafficController';
import { withCancellableProgress } from './trafficCommands';

/**
 * The traffic view's pod menus (cluster chapters only: the tree marks those pods `grpcLb.server.pod` /
 * `grpcLb.client.pod`): "Show Logs" on any pod, "Delete This Pod" on a server pod, to watch the clients
 * fail over while the view keeps counting.
 */
export function registerPodCommands(controller: TrafficController, services: TrafficServices): vscode.Disposable[] {
  /** The pod a menu was opened on, in the namespace the view follows; undefined outside a cluster chapter. */
  const podOf = (node: unknown): { namespace: string; pod: string } | undefined => {
    const source = controller.source;
    const label = (node as TrafficTreeNode | undefined)?.label;
    return source?.kind === 'cluster' && typeof label === 'string' ? { namespace: source.namespace, pod: label } : undefined;
  };

  return [
    vscode.commands.registerCommand('grpcLb.deletePod', async (node?: unknown) => {
      if (!requireTrust()) return;
      const target = podOf(node);
      if (!target) return;
      try {
        await withCancellableProgress(vscode.l10n.t('Deleting pod {0}', target.pod), (signal) => services.cluster.deletePod(target, { signal }));
        void vscode.window.showInformationMessage(
          vscode.l10n.t('Deleted pod {0}: its Deployment starts another. Watch the clients move to the other servers in the Traffic view.', target.pod),
        );
      } catch (err) {
        services.showError?.(err, 'clientLogs');
      }
    }),
    vscode.commands.registerCommand('grpcLb.showPodLogs', async (node?: unknown) => {
      if (!requireTrust()) return;
      const target = podOf(node);
      if (!target) return;
      try {
        const log = await withCancellableProgress(vscode.l10n.t('Reading the log of pod {0}', target.pod), (signal) => services.cluster.podLog(target, { signal }));
        const doc = await vscode.workspace.openTextDocument({ content: log, language: 'log' });
        await vscode.window.showTextDocument(doc, { preview: true });
      } catch (err) {
        services.showError?.(err, 'clientLogs');
      }
    }),
  ];
}
