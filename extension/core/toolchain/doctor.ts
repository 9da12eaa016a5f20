import * as semver from 'semver';
import { clientNode } from '../../../samples/common/lazyModules';
import { CancelledError, ClusterUnreachableError, KubeconfigDanglingError, ToolMissingError } from '../errors';
import { answerWithin, contextInfo, danglingEntry, translateKubeError, type KubeConfigLoader } from '../cluster/kube';
import type { ProcessRunner } from '../process/processRunner';
import { TOOLS, parseVersion, type ToolSpec } from './tools';
import type { InstallHint } from '../errors';
import type { ToolId } from './tools';
import { ISTIO_VERSION } from '../../../manifests/index';
import { chooseLoader, DEFAULT_IMAGE_SETTINGS, toolsOf, type ImageSettings, type LoaderChoice } from './imageLoaders';

/**
 * A problem the doctor itself words (as opposed to a tool's or the API's own message), so the
 * adapter can say it in the UI language; `problem` keeps the English text.
 */
export type DoctorProblem =
  | { kind: 'timed-out'; seconds: number }
  /** null: ended by a signal. */
  | { kind: 'exit-code'; code: number | null }
  | { kind: 'no-context' }
  /** The current context names a context, cluster or user entry the kubeconfig lacks. */
  | { kind: 'dangling'; missing: 'context' | 'cluster' | 'user'; name: string }
  | { kind: 'no-answer'; seconds: number };

export interface ToolReport {
  id: ToolId;
  command: string;
  optional: boolean;
  found: boolean;
  path?: string;
  version?: string;
  /** Set when the tool is on PATH but its version call failed. */
  problem?: string;
  problemCode?: DoctorProblem;
  installHint: InstallHint;
  /** istioctl of another minor release than the one the Istio chapters pin. */
  expectedVersion?: string;
}

export interface ClusterReport {
  context?: string;
  server?: string;
  isMinikube: boolean;
  reachable: boolean;
  serverVersion?: string;
  /** The cluster's Kubernetes is older than a chapter needs (MIN_KUBERNETES). */
  tooOld?: { minimum: string };
  problem?: string;
  problemCode?: DoctorProblem;
}

export interface DoctorReport {
  tools: ToolReport[];
  cluster: ClusterReport;
  /** How Build Sample Images would reach this cluster, or why it cannot (imageLoaders.ts). */
  images: { loader: LoaderChoice } | { problem: Error };
  /** True when every non-optional tool is present and the cluster answers. */
  ready: boolean;
}

export interface DoctorDeps {
  runner: ProcessRunner;
  kubeConfig: KubeConfigLoader;
  /** Default: the context is named `minikube` (the context guard's isMinikube also checks the server is local). */
  isMinikubeContext?: (context: { name: string; server: string }) => boolean;
  /** Per version call / API probe (default 10 s / 5 s). */
  toolTimeoutMs?: number;
  apiTimeoutMs?: number;
  /** The image settings (default: all automatic). */
  imageSettings?: ImageSettings;
}

/**
 * The tools a learner needs here: kubectl for the shell cells, and what the image loader runs (minikube and
 * docker only on minikube); without a cluster yet, minikube to start one.
 */
function requiredTools(images: DoctorReport['images'], hasContext: boolean): Set<string> {
  if ('loader' in images) return new Set(['kubectl', ...toolsOf(images.loader)]);
  // the loader could not even look (minikube's profile list needs minikube)
  if (images.problem instanceof ToolMissingError) return new Set(['kubectl', images.problem.tool]);
  return new Set(hasContext ? ['kubectl'] : ['kubectl', 'minikube']);
}

/** Checks the toolchain (PATH lookup + version call each, in parallel) and the current kube context. */
export async function runDoctor(deps: DoctorDeps, signal?: AbortSignal): Promise<DoctorReport> {
  const [checked, cluster] = await Promise.all([
    Promise.all(TOOLS.map((t) => checkTool(deps, t, signal))),
    checkCluster(deps, signal),
  ]);
  const images: DoctorReport['images'] = cluster.context
    ? await chooseLoader(deps.runner, cluster.context, deps.imageSettings ?? DEFAULT_IMAGE_SETTINGS, signal).then(
        (loader) => ({ loader }),
        (problem: Error) => {
          if (problem instanceof CancelledError) throw problem;
          return { problem };
        },
      )
    : { problem: new Error('no kube context') };
  const required = requiredTools(images, !!cluster.context);
  const tools = checked.map((t) => ({ ...t, optional: !required.has(t.command) }));
  const ready = tools.every((t) => t.optional || t.found) && cluster.reachable;
  return { tools, cluster, images, ready };
}

/** The pinned Istio's minor release when istioctl's differs (istioctl supports its own minor's control plane). */
function istioMismatch(spec: ToolSpec, version: string | undefined): { expectedVersion: string } | undefined {
  if (spec.id !== 'istioctl' || !version) return undefined;
  const found = semver.coerce(version);
  const pinned = semver.parse(ISTIO_VERSION);
  if (!found || !pinned || (found.major === pinned.major && found.minor === pinned.minor)) return undefined;
  return { expectedVersion: ISTIO_VERSION };
}

async function checkTool(deps: DoctorDeps, spec: ToolSpec, signal?: AbortSignal): Promise<ToolReport> {
  const base = { id: spec.id, command: spec.command, optional: spec.optional, installHint: spec.installHint };
  const path = await deps.runner.which(spec.command);
  if (!path) return { ...base, found: false };
  const timeoutMs = deps.toolTimeoutMs ?? 10_000;
  const timeout = AbortSignal.timeout(timeoutMs);
  const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
  try {
    const res = await deps.runner.run(spec.command, spec.versionArgs, { signal: combined });
    const version = parseVersion(res.stdout) ?? parseVersion(res.stderr);
    if (res.exitCode !== 0) {
      const said = lastLine(res.stderr || res.stdout);
      if (said) return { ...base, found: true, path, version, problem: said };
      return { ...base, found: true, path, version, problem: `exit code ${res.exitCode}`, problemCode: { kind: 'exit-code', code: res.exitCode } };
    }
    return { ...base, found: true, path, version, ...istioMismatch(spec, version) };
  } catch (err) {
    if (err instanceof CancelledError && signal?.aborted) throw err;
    if (err instanceof CancelledError) {
      return { ...base, found: true, path, problem: 'timed out', problemCode: { kind: 'timed-out', seconds: timeoutMs / 1000 } };
    }
    return { ...base, found: true, path, problem: String((err as Error).message ?? err) };
  }
}

/**
 * The oldest Kubernetes every chapter runs on: the envoy-sidecar chapter's Envoy is a native sidecar (an init
 * container with restartPolicy Always), on by default since Kubernetes 1.29.
 */
export const MIN_KUBERNETES = '1.29.0';

/** True when `gitVersion` (`v1.28.3`, `v1.30.0-gke.1`, …) is older than MIN_KUBERNETES; false when it cannot tell. */
export function kubernetesOlderThanNeeded(gitVersion: string | undefined): boolean {
  const version = semver.coerce(gitVersion ?? '');
  return version !== null && semver.lt(version, MIN_KUBERNETES);
}

async function checkCluster(deps: DoctorDeps, signal?: AbortSignal): Promise<ClusterReport> {
  let kc;
  try {
    kc = deps.kubeConfig();
  } catch (err) {
    return { isMinikube: false, reachable: false, problem: `kubeconfig: ${(err as Error).message}` };
  }
  const info = contextInfo(kc);
  const isMinikube = info.name ? (deps.isMinikubeContext?.({ name: info.name, server: info.server ?? '' }) ?? info.name === 'minikube') : false;
  const dangling = danglingEntry(kc);
  if (info.name && dangling) {
    const problem = new KubeconfigDanglingError(info.name, dangling).message;
    return { context: info.name, server: info.server, isMinikube, reachable: false, problem, problemCode: { kind: 'dangling', missing: dangling.kind, name: dangling.name } };
  }
  if (!info.name || !info.server) {
    return { context: info.name, server: info.server, isMinikube, reachable: false, problem: 'no current kube context', problemCode: { kind: 'no-context' } };
  }
  const api = kc.makeApiClient(clientNode().VersionApi);
  const timeoutMs = deps.apiTimeoutMs ?? 5000;
  try {
    const version = await answerWithin(kc, { verb: 'get', resource: '/version' }, () => api.getCode(), { signal, timeoutMs });
    const tooOld = kubernetesOlderThanNeeded(version.gitVersion);
    return { context: info.name, server: info.server, isMinikube, reachable: true, serverVersion: version.gitVersion, ...(tooOld ? { tooOld: { minimum: MIN_KUBERNETES } } : {}) };
  } catch (err) {
    if (err instanceof CancelledError) throw err;
    // answerWithin's own deadline (it does not translate the API's errors): the API took the connection and said nothing.
    if (err instanceof ClusterUnreachableError) {
      const problem = `no answer within ${timeoutMs / 1000} s`;
      return { context: info.name, server: info.server, isMinikube, reachable: false, problem, problemCode: { kind: 'no-answer', seconds: timeoutMs / 1000 } };
    }
    const translated = translateKubeError(err, kc, { verb: 'get', resource: '/version' });
    return { context: info.name, server: info.server, isMinikube, reachable: false, problem: (translated as Error).message };
  }
}

function lastLine(text: string): string {
  return text.trim().split(/\r?\n/).pop() ?? '';
}
