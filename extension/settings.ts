import * as vscode from 'vscode';

/**
 * The extension's settings (contributes.configuration, section `grpcLb`), read when they are used so a
 * change applies to the next command without a reload. Machine-scoped where a workspace must not choose
 * for the learner (which minikube, with which arguments).
 */
export interface Settings {
  /** minikube profile (`-p`); its kube context has the same name. Undefined: minikube's default. */
  minikubeProfile(): string | undefined;
  /** Extra `minikube start` arguments, e.g. `--memory=8g --cpus=4` for the Istio chapters. */
  minikubeStartArgs(): string[];
  /** How long Apply Chapter and Scale Servers wait for the pods to be ready. */
  rolloutTimeoutMs(): number;
  /** Lines the Client Logs channel keeps before it trims the oldest. */
  clientLogLines(): number;
}

const section = (): vscode.WorkspaceConfiguration => vscode.workspace.getConfiguration('grpcLb');

export const settings: Settings = {
  minikubeProfile: () => section().get<string>('minikube.profile')?.trim() || undefined,
  minikubeStartArgs: () => (section().get<unknown[]>('minikube.startArgs') ?? []).filter((a): a is string => typeof a === 'string' && a.length > 0),
  rolloutTimeoutMs: () => Math.max(10, section().get<number>('rolloutTimeoutSeconds') ?? 180) * 1000,
  clientLogLines: () => Math.max(1000, section().get<number>('clientLogs.maxLines') ?? 20_000),
};
