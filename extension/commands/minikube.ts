import * as vscode from 'vscode';
import * as ops from '../operations';
import type { Services } from '../services';
import { requireTrust, runWithProgress } from './util';

/** grpcLb.startMinikube and grpcLb.buildImages: external tools, streamed to "gRPC LB: Tools". */
export function registerMinikubeCommands(services: Services): vscode.Disposable[] {
  return [
    vscode.commands.registerCommand('grpcLb.startMinikube', async () => {
      if (!requireTrust()) return;
      services.channel('tools').show(true);
      const done = await runWithProgress(services, 'tools', vscode.l10n.t('Starting minikube'), async (sink) => {
        await ops.startMinikube(services, sink);
        return true;
      });
      if (!done) return;
      const build = vscode.l10n.t('Build Images');
      const choice = await vscode.window.showInformationMessage(vscode.l10n.t('minikube is running.'), build);
      if (choice === build) await vscode.commands.executeCommand('grpcLb.buildImages');
    }),
    vscode.commands.registerCommand('grpcLb.buildImages', async () => {
      if (!requireTrust()) return;
      services.channel('tools').show(true);
      const result = await runWithProgress(services, 'tools', vscode.l10n.t('Building the sample images for the cluster'), (sink) =>
        ops.buildImages(services, sink),
      );
      if (!result) return;
      const apply = vscode.l10n.t('Apply a Chapter');
      const choice = await vscode.window.showInformationMessage(
        vscode.l10n.t('Built {0} ({1}, {2}).', result.images.join(', '), result.loader.kind, result.loader.tool),
        apply,
      );
      if (choice === apply) await vscode.commands.executeCommand('grpcLb.applyChapter');
    }),
  ];
}
