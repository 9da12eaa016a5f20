import * as vscode from 'vscode';
import * as ops from '../operations';
import type { Services } from '../services';
import { requireTrust, runWithProgress } from './util';

/** grpcLb.doctor: tools found/missing with versions and install hints, the kube context and whether it answers. */
export function registerDoctorCommand(services: Services): vscode.Disposable {
  return vscode.commands.registerCommand('grpcLb.doctor', async () => {
    if (!requireTrust()) return;
    const report = await runWithProgress(services, 'tools', vscode.l10n.t('gRPC LB: checking prerequisites'), (sink) => ops.doctor(services, sink));
    if (!report) return;
    const channel = services.channel('tools');
    const missing = report.tools.filter((t) => !t.found && !t.optional);
    const open = vscode.l10n.t('Open Output');
    if (report.ready) {
      const choice = await vscode.window.showInformationMessage(
        vscode.l10n.t('All set: the tools are installed and kube context "{0}" answers.', report.cluster.context ?? ''),
        open,
      );
      if (choice === open) channel.show(true);
      return;
    }
    if (missing.length > 0) {
      const first = missing[0];
      const install = vscode.l10n.t('Install {0}', first.command);
      const choice = await vscode.window.showWarningMessage(
        vscode.l10n.t('Missing: {0}. Details are in the output.', missing.map((t) => t.command).join(', ')),
        install,
        open,
      );
      if (choice === install) await vscode.env.openExternal(vscode.Uri.parse(first.installHint.url));
      if (choice === open) channel.show(true);
      return;
    }
    const start = vscode.l10n.t('Start minikube');
    const choice = await vscode.window.showWarningMessage(
      report.cluster.context
        ? vscode.l10n.t('The tools are installed, but kube context "{0}" does not answer.', report.cluster.context)
        : vscode.l10n.t('The tools are installed, but there is no kube context yet.'),
      start,
      open,
    );
    if (choice === start) await vscode.commands.executeCommand('grpcLb.startMinikube');
    if (choice === open) channel.show(true);
  });
}
