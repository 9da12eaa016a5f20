import * as vscode from 'vscode';
import * as ops from '../operations';
import type { Services } from '../services';
import { requireTrust, runWithProgress } from './util';

/** grpcLb.installIstio: istiod and its add-ons into the current context, once the guard allows it. */
export function registerIstioCommand(services: Services): vscode.Disposable {
  return vscode.commands.registerCommand('grpcLb.installIstio', async () => {
    if (!requireTrust()) return;
    services.channel('tools').show(true);
    const context = await runWithProgress(services, 'tools', vscode.l10n.t('Installing Istio'), (sink) => ops.installIstio(services, sink));
    if (!context) return;
    const apply = vscode.l10n.t('Apply the Istio Chapter');
    const choice = await vscode.window.showInformationMessage(vscode.l10n.t('Istio, Prometheus and Kiali installed into context "{0}"', context), apply);
    if (choice === apply) await vscode.commands.executeCommand('grpcLb.applyChapter', 'istio');
  });
}
