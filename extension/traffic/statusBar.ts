import * as vscode from 'vscode';
import type { TrafficController } from './trafficController';

/**
 * While the Traffic view follows a cluster chapter, the status bar names the kube context and namespace
 * it reads from, so a learner with several clusters sees which one the counts come from. Hidden otherwise.
 */
export function registerTrafficStatusBar(controller: TrafficController): vscode.Disposable {
  const item = vscode.window.createStatusBarItem('grpcLb.trafficSource', vscode.StatusBarAlignment.Left, 10);
  item.name = vscode.l10n.t('gRPC LB: Traffic source');
  item.command = 'grpcLb.traffic.focus';
  const update = (): void => {
    const source = controller.source;
    if (source?.kind !== 'cluster') {
      item.hide();
      return;
    }
    const context = source.context || '—';
    item.text = `$(pulse) ${context} · ${source.namespace}`;
    item.tooltip = vscode.l10n.t('gRPC LB follows chapter {0}: kube context "{1}", namespace {2}', source.chapter, context, source.namespace);
    item.show();
  };
  update();
  const subscription = controller.onDidChangeState(update);
  return vscode.Disposable.from(subscription, item);
}
