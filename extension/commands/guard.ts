import * as vscode from 'vscode';
import type { Services } from '../services';

/** grpcLb.forgetAllowedContexts: every remembered "Allow Writes" is forgotten; the next write asks again. */
export function registerForgetContextsCommand(services: Services): vscode.Disposable {
  return vscode.commands.registerCommand('grpcLb.forgetAllowedContexts', async () => {
    const count = services.guard.allowedCount();
    await services.guard.reset();
    void vscode.window.showInformationMessage(
      vscode.l10n.t('Forgot {0} allowed kube context(s): the next write to a cluster that is not minikube asks again.', count),
    );
  });
}
