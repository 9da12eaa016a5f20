import * as vscode from 'vscode';
import * as ops from '../operations';
import type { Services } from '../services';
import { requireTrust, runWithProgress } from './util';

/** grpcLb.openKiali: `istioctl dashboard kiali` in the background, its URL opened in the browser. */
export function registerKialiCommand(services: Services): vscode.Disposable {
  return vscode.commands.registerCommand('grpcLb.openKiali', async () => {
    if (!requireTrust()) return;
    await runWithProgress(services, 'tools', vscode.l10n.t('Opening Kiali'), (sink) => ops.openKiali(services, sink));
  });
}
