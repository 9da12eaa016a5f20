import * as vscode from 'vscode';
import {
  ApiMissingError,
  isCancellation,
  ClusterUnreachableError,
  KubeContextSettingError,
  KubeconfigDanglingError,
  NamespaceTerminatingError,
  PodCrashLoopError,
  ContextDeclinedError,
  ForbiddenError,
  ImageNotBuiltError,
  ImageSourcesMissingError,
  NamespaceMissingError,
  NoImageLoaderError,
  ProcessFailedError,
  ResourceMissingError,
  RolloutTimeoutError,
  ToolMissingError,
  installCommandFor,
  type InstallHint,
} from '../core/errors';
import type { ContextGuard } from '../core/cluster/contextGuard';

/** A button under an error message and what it does. */
export interface ErrorFix {
  label: string;
  run: () => unknown;
}

export interface ErrorPresentation {
  message: string;
  detail?: string;
  fixes: ErrorFix[];
}

/**
 * One localized message per typed error, with the button that fixes it (install page,
 * grpcLb.startMinikube, grpcLb.buildImages, grpcLb.applyChapter). Unknown errors get their own
 * message and "Open Output". Cancellation is not an error.
 */
export function presentError(
  err: unknown,
  deps: { guard: ContextGuard; showOutput: () => void; imagesReach?: (context: string) => boolean },
): ErrorPresentation | undefined {
  if (isCancellation(err)) return undefined;
  const fix: Fixes = {
    command: (label, id, ...args) => ({ label, run: () => vscode.commands.executeCommand(id, ...args) }),
    output: { label: vscode.l10n.t('Open Output'), run: deps.showOutput },
    guard: deps.guard,
    imagesReach: deps.imagesReach ?? (() => true),
  };
  const known = presentKubeError(err, fix) ?? presentWorkloadError(err, fix) ?? presentToolError(err, fix);
  if (known) return known;
  const message = err instanceof Error ? err.message : String(err);
  return { message: vscode.l10n.t('gRPC LB: {0}', message), fixes: [fix.output] };
}

/** What a presentation's buttons can do: run a command, open the output, ask the guard again. */
interface Fixes {
  command(label: string, id: string, ...args: unknown[]): ErrorFix;
  output: ErrorFix;
  guard: ContextGuard;
  /** True when Build Images can put images where the cluster of `context` reads them. */
  imagesReach: (context: string) => boolean;
}

/** The kubeconfig, the cluster's answer, the guard, the APIs served. */
function presentKubeError(err: unknown, fix: Fixes): ErrorPresentation | undefined {
  const { command, output } = fix;
  if (err instanceof KubeconfigDanglingError) {
    return {
      message:
        err.missing.kind === 'context'
          ? vscode.l10n.t('The kubeconfig\'s current-context "{0}" names no context.', err.context)
          : vscode.l10n.t('Kube context "{0}" names {1} "{2}", which the kubeconfig does not have.', err.context, err.missing.kind, err.missing.name),
      detail: vscode.l10n.t('Choose a context that exists (kubectl config use-context <name>), or start minikube to create one.'),
      fixes: [command(vscode.l10n.t('Start minikube'), 'grpcLb.startMinikube'), output],
    };
  }
  if (err instanceof KubeContextSettingError) {
    return {
      message: vscode.l10n.t('The kube context "{0}" set in grpcLb.kubeContext is not in the kubeconfig: choose one it has, or clear the setting to use the current context.', err.context),
      fixes: [command(vscode.l10n.t('Open Settings'), 'workbench.action.openSettings', 'grpcLb.kubeContext')],
    };
  }
  if (err instanceof ClusterUnreachableError) {
    return {
      message: err.context
        ? vscode.l10n.t('The Kubernetes cluster of context "{0}" does not answer.', err.context)
        : vscode.l10n.t('No Kubernetes context is set up.'),
      detail: err.reason,
      fixes: [command(vscode.l10n.t('Start minikube'), 'grpcLb.startMinikube'), output],
    };
  }
  if (err instanceof ForbiddenError) {
    return {
      message: err.namespace
        ? vscode.l10n.t('Kubernetes refused: you may not {0} {1} in namespace "{2}".', err.verb, err.resource, err.namespace)
        : vscode.l10n.t('Kubernetes refused: you may not {0} {1}.', err.verb, err.resource),
      detail: err.serverMessage,
      fixes: [output],
    };
  }
  if (err instanceof ContextDeclinedError) {
    return {
      message: vscode.l10n.t('Nothing was changed: you declined writes to kube context "{0}".', err.context),
      fixes: [{ label: vscode.l10n.t('Ask Again'), run: () => fix.guard.forgetDecline(err.context) }],
    };
  }
  if (err instanceof ApiMissingError) {
    return {
      message: err.apiVersion.includes('istio.io')
        ? vscode.l10n.t('The cluster does not serve {0} {1}: install Istio first (see the istio chapter).', err.apiVersion, err.kind)
        : vscode.l10n.t('The cluster does not serve {0} {1}.', err.apiVersion, err.kind),
      fixes: [command(vscode.l10n.t('Open Workbook'), 'grpcLb.openWorkbook', 'istio'), output],
    };
  }
  return undefined;
}

/** What a chapter's objects and pods are doing. */
function presentWorkloadError(err: unknown, fix: Fixes): ErrorPresentation | undefined {
  const { command, output } = fix;
  if (err instanceof PodCrashLoopError) {
    return {
      message: vscode.l10n.t('Pod {0} keeps crashing ({1}).', err.pod, err.lastExit),
      detail: err.lastOutput
        ? `${vscode.l10n.t('Its last output, container {0}:', err.container)}\n${err.lastOutput}`
        : vscode.l10n.t('Container {0} wrote nothing before it ended.', err.container),
      fixes: [output],
    };
  }
  if (err instanceof NamespaceTerminatingError) {
    return {
      message: vscode.l10n.t('Namespace "{0}" is still being deleted.', err.namespace),
      detail: vscode.l10n.t('Kubernetes deletes everything in it first, which can take a minute; try again when it is gone.'),
      fixes: [output],
    };
  }
  if (err instanceof ImageNotBuiltError) {
    const message = vscode.l10n.t('Image {0} is not in the cluster yet (pod {1}: {2}).', err.image, err.pod, err.reason);
    // Build Images helps where it knows how to reach the cluster's image store (or a registry is set).
    const buildHelps = !err.cluster || fix.imagesReach(err.cluster.context);
    return buildHelps
      ? { message, fixes: [command(vscode.l10n.t('Build Images'), 'grpcLb.buildImages'), output] }
      : {
          message,
          detail: vscode.l10n.t('Build Images cannot tell where cluster "{0}" finds images: set a registry it pulls from, or the image loader, in the settings.', err.cluster!.context),
          fixes: [command(vscode.l10n.t('Open Settings'), 'workbench.action.openSettings', 'grpcLb.images'), output],
        };
  }
  if (err instanceof NamespaceMissingError) {
    return {
      message: vscode.l10n.t('Namespace "{0}" does not exist yet: apply a chapter first.', err.namespace),
      fixes: [command(vscode.l10n.t('Apply a Chapter'), 'grpcLb.applyChapter')],
    };
  }
  if (err instanceof ResourceMissingError) {
    return {
      message: vscode.l10n.t('{0} "{1}" does not exist yet: apply a chapter first.', err.kind, err.objectName),
      fixes: [command(vscode.l10n.t('Apply a Chapter'), 'grpcLb.applyChapter')],
    };
  }
  if (err instanceof RolloutTimeoutError) {
    return {
      message: vscode.l10n.t('{0}/{1}: {2} of {3} pods ready after {4} s.', err.namespace, err.deployment, err.ready, err.desired, Math.round(err.timeoutMs / 1000)),
      fixes: [output],
    };
  }
  return undefined;
}

/** Tools on this machine and what they printed. */
function presentToolError(err: unknown, fix: Fixes): ErrorPresentation | undefined {
  const { output } = fix;
  if (err instanceof ToolMissingError) {
    const fixes: ErrorFix[] = err.installHint.url
      ? [{ label: vscode.l10n.t('Install {0}', err.tool), run: () => vscode.env.openExternal(vscode.Uri.parse(err.installHint.url)) }]
      : [];
    return {
      message: vscode.l10n.t('{0} is not installed (not found on PATH).', err.tool),
      detail: installDetail(err.installHint),
      fixes,
    };
  }
  if (err instanceof NoImageLoaderError) {
    return {
      message:
        err.missing === 'registry'
          ? vscode.l10n.t('The image loader is set to "registry" but no registry is set: set grpcLb.images.registry to a registry your cluster pulls from.')
          : vscode.l10n.t('Build Images does not know how to get images into cluster "{0}" (not minikube, kind, k3d, a desktop cluster or a containerd node): set grpcLb.images.registry to a registry it pulls from, or grpcLb.images.loader.', err.context),
      fixes: [fix.command(vscode.l10n.t('Open Settings'), 'workbench.action.openSettings', 'grpcLb.images')],
    };
  }
  if (err instanceof ImageSourcesMissingError) {
    return {
      message: vscode.l10n.t('The files the images are built from are missing from the extension’s folder: reinstall the extension (or, in a clone, run npm run build), then build again.'),
      fixes: [],
    };
  }
  if (err instanceof ProcessFailedError) {
    return {
      message: vscode.l10n.t('{0} failed (exit code {1}).', err.command, String(err.exitCode ?? '-')),
      detail: err.output.trim().split(/\r?\n/).slice(-5).join('\n'),
      fixes: [output],
    };
  }
  return undefined;
}

/** Shows the presentation as one error message; runs the chosen fix. */
export async function showPresentation(p: ErrorPresentation): Promise<void> {
  const text = p.detail ? `${p.message}\n${p.detail}` : p.message;
  const choice = await vscode.window.showErrorMessage(text, ...p.fixes.map((f) => f.label));
  await p.fixes.find((f) => f.label === choice)?.run();
}

/** The install command for this OS, said the way its users know it; undefined without one. */
function installDetail(hint: InstallHint): string | undefined {
  const install = installCommandFor(hint);
  if (!install) return undefined;
  switch (install.manager) {
    case 'apt':
      return vscode.l10n.t('On Debian or Ubuntu: {0}', install.command);
    case 'brew':
      return vscode.l10n.t('With Homebrew: {0}', install.command);
    case 'winget':
      return vscode.l10n.t('With winget: {0}', install.command);
  }
}
