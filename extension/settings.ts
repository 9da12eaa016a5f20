import * as vscode from 'vscode';
import { CONTAINER_TOOLS, LOADER_KINDS, type ContainerTool, type ImageSettings, type LoaderKind } from './core/toolchain/imageLoaders';

/**
 * The extension's settings (contributes.configuration, section `grpcLb`), read when they are used so a
 * change applies to the next command without a reload. Machine-scoped where a workspace must not choose
 * for the learner (which cluster, which tools, with which arguments).
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
  /** Where and how Build Sample Images puts the images. */
  images(): ImageSettings;
  /** Kubeconfig files to read (empty: the Kubernetes extension's choice, else the default) and a context override. */
  kubeconfig(): { files: string[]; context?: string };
  /** A configured path for a tool (grpcLb.toolPaths), else undefined (looked up on PATH). */
  toolPath(tool: string): string | undefined;
}

const section = (): vscode.WorkspaceConfiguration => vscode.workspace.getConfiguration('grpcLb');
const trimmed = (value: unknown): string | undefined => (typeof value === 'string' && value.trim()) || undefined;
const strings = (value: unknown): string[] => (Array.isArray(value) ? value.filter((a): a is string => typeof a === 'string' && a.length > 0) : []);
const oneOf = <T extends string>(value: unknown, allowed: readonly T[]): T | 'auto' => (allowed.includes(value as T) ? (value as T) : 'auto');

/** The kubeconfig the Kubernetes extension (ms-kubernetes-tools) points at, when it is installed and set. */
function kubernetesExtensionKubeconfig(): string | undefined {
  if (!vscode.extensions.getExtension('ms-kubernetes-tools.vscode-kubernetes-tools')) return undefined;
  return trimmed(vscode.workspace.getConfiguration('vs-kubernetes').get('vs-kubernetes.kubeconfig'));
}

export const settings: Settings = {
  minikubeProfile: () => trimmed(section().get('minikube.profile')),
  minikubeStartArgs: () => strings(section().get('minikube.startArgs')),
  rolloutTimeoutMs: () => Math.max(10, section().get<number>('rolloutTimeoutSeconds') ?? 180) * 1000,
  clientLogLines: () => Math.max(1000, section().get<number>('clientLogs.maxLines') ?? 20_000),
  images: () => {
    const s = section();
    return {
      loader: oneOf<LoaderKind>(s.get('images.loader'), LOADER_KINDS),
      containerTool: oneOf<ContainerTool>(s.get('images.containerTool'), CONTAINER_TOOLS),
      minikubeProfile: trimmed(s.get('minikube.profile')),
      registry: trimmed(s.get('images.registry')),
      tag: trimmed(s.get('images.tag')) ?? 'dev',
      containerdAddress: trimmed(s.get('images.containerdAddress')),
      buildArgs: strings(s.get('images.buildArgs')),
    };
  },
  kubeconfig: () => {
    const files = strings(section().get('kubeconfig'));
    const fromKubernetesExtension = files.length === 0 ? kubernetesExtensionKubeconfig() : undefined;
    const context = trimmed(section().get('kubeContext'));
    return { files: fromKubernetesExtension ? [fromKubernetesExtension] : files, ...(context ? { context } : {}) };
  },
  toolPath: (tool) => trimmed(section().get<Record<string, unknown>>('toolPaths')?.[tool]),
};
