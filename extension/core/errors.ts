/**
 * Typed errors of the action layer. The core throws them with ids and data only; the adapter
 * (extension/commands/errors.ts) turns each into ONE localized message with a button to the fix.
 */

import { setTimeout as delay } from 'node:timers/promises';
import { isCancellation, TutorialError } from '../../samples/common/errors';

/** One test for "stopped, not failed", shared with the lab and the traffic core (samples/common/errors.ts). */
export { isCancellation } from '../../samples/common/errors';

/** Where to get a missing tool: a web page, and for Debian/Ubuntu an apt line where one exists. */
export interface InstallHint {
  url: string;
  /** Debian / Ubuntu. */
  apt?: string;
  /** macOS (Homebrew). */
  brew?: string;
  /** Windows. */
  winget?: string;
}

/** The install command for this operating system, with the package manager's name; undefined when there is none. */
export function installCommandFor(hint: InstallHint, platform: NodeJS.Platform = process.platform): { manager: 'apt' | 'brew' | 'winget'; command: string } | undefined {
  const manager = platform === 'darwin' ? 'brew' : platform === 'win32' ? 'winget' : platform === 'linux' ? 'apt' : undefined;
  const command = manager ? hint[manager] : undefined;
  return manager && command ? { manager, command } : undefined;
}

/** The action layer's errors: the project's one error family (TutorialError), with the codes the adapter words. */
export abstract class LabError extends TutorialError {
  abstract override readonly code: LabErrorCode;
}

export type LabErrorCode =
  | 'tool-missing'
  | 'cluster-unreachable'
  | 'kubeconfig-dangling'
  | 'forbidden'
  | 'image-not-built'
  | 'namespace-missing'
  | 'namespace-terminating'
  | 'context-declined'
  | 'process-failed'
  | 'rollout-timeout'
  | 'pod-crash-looping'
  | 'resource-missing'
  | 'api-missing'
  | 'image-sources-missing'
  | 'no-image-loader'
  | 'kube-context-setting'
  | 'cancelled';

/** An external tool (minikube, docker, istioctl, …) is not on PATH. */
export class ToolMissingError extends LabError {
  readonly code = 'tool-missing';
  constructor(
    readonly tool: string,
    readonly installHint: InstallHint,
  ) {
    const command = installCommandFor(installHint)?.command;
    super(`"${tool}" was not found on PATH; install it from ${installHint.url}${command ? ` (or: ${command})` : ''}`);
    this.name = 'ToolMissingError';
  }
}

/**
 * The kubeconfig names an entry it does not have: `current-context` names no context, or the current
 * context names a cluster or user that is missing. Nothing can be dialled until it is fixed.
 */
export class KubeconfigDanglingError extends LabError {
  readonly code = 'kubeconfig-dangling';
  constructor(
    readonly context: string,
    readonly missing: { kind: 'context' | 'cluster' | 'user'; name: string },
  ) {
    super(
      missing.kind === 'context'
        ? `the kubeconfig's current-context "${context}" names no context entry`
        : `kube context "${context}" names ${missing.kind} "${missing.name}", which the kubeconfig does not have`,
    );
    this.name = 'KubeconfigDanglingError';
  }
}

/** The Kubernetes API of the current context does not answer (or rejects our credentials). */
export class ClusterUnreachableError extends LabError {
  readonly code = 'cluster-unreachable';
  constructor(
    readonly context: string | undefined,
    readonly server: string | undefined,
    readonly reason: string,
  ) {
    super(`the Kubernetes API of context "${context ?? '(none)'}" (${server ?? 'no server'}) is not reachable: ${reason}`);
    this.name = 'ClusterUnreachableError';
  }
}

/** The API server answered 403: the current user may not do `verb` on `resource`. */
export class ForbiddenError extends LabError {
  readonly code = 'forbidden';
  constructor(
    readonly verb: string,
    readonly resource: string,
    readonly namespace: string | undefined,
    readonly serverMessage?: string,
  ) {
    super(
      `forbidden: cannot ${verb} ${resource}${namespace ? ` in namespace "${namespace}"` : ' (cluster scope)'}` +
        (serverMessage ? `: ${serverMessage}` : ''),
    );
    this.name = 'ForbiddenError';
  }
}

/** A pod cannot start because its image is not in the cluster (ErrImageNeverPull, ImagePullBackOff, …). */
export class ImageNotBuiltError extends LabError {
  readonly code = 'image-not-built';
  constructor(
    readonly image: string,
    readonly pod: string,
    readonly reason: string,
    /** The cluster it happened on: only on minikube or kind does Build Images put images where they are used. */
    readonly cluster?: { context: string; server: string },
  ) {
    super(`pod "${pod}" cannot start: image "${image}" is not available in the cluster (${reason}); build the images first`);
    this.name = 'ImageNotBuiltError';
  }
}

/** The namespace a chapter lives in does not exist (the chapter has not been applied). */
export class NamespaceMissingError extends LabError {
  readonly code = 'namespace-missing';
  constructor(readonly namespace: string) {
    super(`namespace "${namespace}" does not exist; apply a chapter first`);
    this.name = 'NamespaceMissingError';
  }
}

/**
 * A namespace is being deleted (Kubernetes first deletes everything in it): nothing can be created in
 * it until it is gone. `waitedSeconds`: how long we waited for that before giving up, if we did.
 */
export class NamespaceTerminatingError extends LabError {
  readonly code = 'namespace-terminating';
  constructor(
    readonly namespace: string,
    readonly waitedSeconds?: number,
  ) {
    super(
      `namespace "${namespace}" is being deleted${waitedSeconds !== undefined ? ` and was not gone after ${waitedSeconds} s` : ''}; ` +
        'try again when it is gone',
    );
    this.name = 'NamespaceTerminatingError';
  }
}

/** The user declined writes to a kube context that is not minikube's. */
export class ContextDeclinedError extends LabError {
  readonly code = 'context-declined';
  constructor(readonly context: string) {
    super(`writes to kube context "${context}" were declined`);
    this.name = 'ContextDeclinedError';
  }
}

/** A tool ran but exited non-zero. `output` holds the tail of its stderr (or stdout). */
export class ProcessFailedError extends LabError {
  readonly code = 'process-failed';
  constructor(
    readonly command: string,
    readonly args: readonly string[],
    readonly exitCode: number | null,
    readonly output: string,
  ) {
    super(`${command} ${args.join(' ')} exited with ${exitCode ?? 'a signal'}${output ? `: ${lastLines(output, 5)}` : ''}`);
    this.name = 'ProcessFailedError';
  }
}

/**
 * A container keeps crashing (Kubernetes' CrashLoopBackOff): waiting longer will not help. Carries why it
 * last ended and the last lines it wrote, so the learner sees the cause instead of a rollout timeout.
 */
export class PodCrashLoopError extends LabError {
  readonly code = 'pod-crash-looping';
  constructor(
    readonly namespace: string,
    readonly pod: string,
    readonly container: string,
    /** How it last ended: `Error, exit code 2`. */
    readonly lastExit: string,
    /** Its last log lines before that (may be empty). */
    readonly lastOutput: string,
  ) {
    super(`container ${container} of pod ${namespace}/${pod} keeps crashing (${lastExit})${lastOutput ? `: ${lastLines(lastOutput, 5)}` : ''}`);
    this.name = 'PodCrashLoopError';
  }
}

/** A Deployment did not become ready in time. */
export class RolloutTimeoutError extends LabError {
  readonly code = 'rollout-timeout';
  constructor(
    readonly namespace: string,
    readonly deployment: string,
    readonly ready: number,
    readonly desired: number,
    readonly timeoutMs: number,
  ) {
    super(`deployment ${namespace}/${deployment}: ${ready}/${desired} ready after ${Math.round(timeoutMs / 1000)} s`);
    this.name = 'RolloutTimeoutError';
  }
}

/** A resource the action needs is absent (e.g. scaling before the chapter was applied). */
export class ResourceMissingError extends LabError {
  readonly code = 'resource-missing';
  constructor(
    readonly kind: string,
    readonly objectName: string,
    readonly namespace: string | undefined,
  ) {
    super(`${kind} "${objectName}"${namespace ? ` in namespace "${namespace}"` : ''} does not exist; apply a chapter first`);
    this.name = 'ResourceMissingError';
  }
}

/** The cluster does not serve an API a chapter needs (Istio's CRDs before Istio is installed). */
export class ApiMissingError extends LabError {
  readonly code = 'api-missing';
  constructor(
    readonly apiVersion: string,
    readonly kind: string,
  ) {
    super(`the cluster does not serve ${apiVersion} ${kind}${apiVersion.includes('istio.io') ? ' (is Istio installed?)' : ''}`);
    this.name = 'ApiMissingError';
  }
}

/** No folder holds the images' build context (Dockerfiles + sources): an installed .vsix does not ship them. */
export class ImageSourcesMissingError extends LabError {
  readonly code = 'image-sources-missing';
  constructor(readonly searched: readonly string[]) {
    super(`the image build context (samples/images/*.Dockerfile with the built bundles) was not found in: ${searched.join(', ')}; reinstall the extension, or run npm run build in a clone`);
    this.name = 'ImageSourcesMissingError';
  }
}

/**
 * Build Images cannot tell how to get images to the cluster of `context` (not minikube, kind, k3d, a
 * desktop cluster or a containerd node), and no registry is set — or the registry loader was chosen
 * without one (`missing: 'registry'`).
 */
export class NoImageLoaderError extends LabError {
  readonly code = 'no-image-loader';
  constructor(
    readonly context: string,
    readonly missing?: 'registry',
  ) {
    super(
      missing === 'registry'
        ? 'grpcLb.images.loader is "registry" but grpcLb.images.registry is empty: set the registry your cluster pulls from'
        : `no image loader for kube context "${context}": set grpcLb.images.registry (a registry the cluster pulls from) or grpcLb.images.loader`,
    );
    this.name = 'NoImageLoaderError';
  }
}

/** The setting grpcLb.kubeContext names a context the kubeconfig does not have. */
export class KubeContextSettingError extends LabError {
  readonly code = 'kube-context-setting';
  constructor(readonly context: string) {
    super(`the kube context "${context}" (setting grpcLb.kubeContext) is not in the kubeconfig`);
  }
}

/** The user cancelled (AbortSignal). */
export class CancelledError extends LabError {
  readonly code = 'cancelled';
  override readonly cancelled = true;
  constructor() {
    super('cancelled');
    this.name = 'CancelledError';
  }
}

export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new CancelledError();
}

/** Waits `ms`; rejects with CancelledError at once when `signal` aborts (before or during the wait). */
export async function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  try {
    await delay(ms, undefined, signal ? { signal } : {});
  } catch (err) {
    throw isCancellation(err) ? new CancelledError() : err;
  }
}

function lastLines(text: string, n: number): string {
  return text.trim().split(/\r?\n/).slice(-n).join('\n');
}
