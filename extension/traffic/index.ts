import * as vscode from 'vscode';
import type { TrafficActions } from '../core/trafficActions';
import { registerPodCommands } from './podCommands';
import { registerTrafficStatusBar } from './statusBar';
import { TrafficChartPanel } from './trafficChartPanel';
import { followApplied, registerTrafficCommands } from './trafficCommands';
import { TrafficController, type TrafficServices } from './trafficController';
import { createTrafficActions } from './trafficNotebookActions';
import { TrafficTreeProvider } from './trafficTreeProvider';

export type { TrafficServices } from './trafficController';

/**
 * Registers the traffic view, its commands (reset/pause/resume, chart, tail, experiments, local lab, pod
 * menus), the status bar item, and hands the workbook controller its TrafficActions through
 * `services.traffic`. Construction only; no I/O until a command runs.
 */
export function registerTrafficFeatures(context: vscode.ExtensionContext, services: TrafficServices): TrafficActions {
  const controller = new TrafficController(services);
  const provider = new TrafficTreeProvider(controller);
  const treeView = vscode.window.createTreeView('grpcLb.traffic', { treeDataProvider: provider, showCollapseAll: true });
  provider.attach(treeView);
  void vscode.commands.executeCommand('setContext', 'grpcLb.trafficPaused', false);
  const actions = createTrafficActions(controller, (chapter) => followApplied(controller, services, chapter));
  context.subscriptions.push(
    controller,
    provider,
    treeView,
    vscode.commands.registerCommand('grpcLb.resetTraffic', () => controller.reset()),
    vscode.commands.registerCommand('grpcLb.pauseTraffic', () => controller.setPaused(true)),
    vscode.commands.registerCommand('grpcLb.resumeTraffic', () => controller.setPaused(false)),
    vscode.commands.registerCommand('grpcLb.openTrafficChart', () => TrafficChartPanel.show(controller)),
    { dispose: () => TrafficChartPanel.disposeCurrent() },
    ...registerTrafficCommands(controller, services),
    ...registerPodCommands(controller, services),
    registerTrafficStatusBar(controller),
  );
  if (services.traffic) context.subscriptions.push(services.traffic.provide(actions));
  return actions;
}
