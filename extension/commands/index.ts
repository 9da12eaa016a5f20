import * as vscode from 'vscode';
import type { Services } from '../services';
import { registerClusterCommands } from './cluster';
import { registerDoctorCommand } from './doctor';
import { registerForgetContextsCommand } from './guard';
import { registerIstioCommand } from './istio';
import { registerKialiCommand } from './kiali';
import { registerMinikubeCommands } from './minikube';
import { registerWorkbookCommand } from './workbook';

/**
 * Registers the action-layer commands (doctor, minikube, images, chapters, scale, clean-up, workbook,
 * Istio, Kiali, forgetting allowed kube contexts). The traffic commands (tail, experiments, local lab, traffic view) are registered by
 * registerTrafficFeatures in extension/traffic.
 */
export function registerCommands(context: vscode.ExtensionContext, services: Services): void {
  context.subscriptions.push(
    registerDoctorCommand(services),
    ...registerMinikubeCommands(services),
    ...registerClusterCommands(services),
    registerWorkbookCommand(services, context.workspaceState),
    registerIstioCommand(services),
    registerKialiCommand(services),
    registerForgetContextsCommand(services),
  );
}
