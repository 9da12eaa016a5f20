import type { KubeConfig } from '@kubernetes/client-node';
import { clientNode } from '../../../samples/common/lazyModules';
import { CancelledError, ClusterUnreachableError, ForbiddenError, KubeContextSettingError, NamespaceMissingError, NamespaceTerminatingError, throwIfAborted } from '../errors';
import type { KubeTarget } from './contextGuard';
import { parseStatus } from '../../../samples/common/kubeStatus';

/** Loads the kubeconfig afresh (the user may switch contexts between commands). */
export type KubeConfigLoader = () => KubeConfig;

/** Where to read the kubeconfig from: files (merged, the first wins; empty: KUBECONFIG or ~/.kube/config) and a context override. */
export interface KubeConfigChoice {
  files: readonly string[];
  context?: string;
}

/**
 * A loader that reads the kubeconfig afresh on each call as `choose()` says (the learner's settings), and
 * switches to the chosen context in memory only: the file is never changed.
 */
export function kubeConfigLoader(choose: () => KubeConfigChoice): KubeConfigLoader {
  return () => {
    const { files, context } = choose();
    const kc = new (clientNode().KubeConfig)();
    try {
      if (files.length === 0) kc.loadFromDefault();
      for (const [i, file] of files.entries()) {
        if (i === 0) {
          kc.loadFromFile(file);
          continue;
        }
        const more = new (clientNode().KubeConfig)();
        more.loadFromFile(file);
        kc.mergeConfig(more, true);
      }
    } catch (err) {
      // A KUBECONFIG that names a missing or broken file: say which file, not a bare "ENOENT … open".
      const named = files.length > 0 ? files.join(', ') : process.env.KUBECONFIG || '~/.kube/config';
      throw new ClusterUnreachableError(undefined, undefined, `the kubeconfig (${named}) cannot be read: ${err instanceof Error ? err.message : String(err)}`);
    }
    if (context) {
      if (!kc.getContextObject(context)) {
        throw new KubeContextSettingError(context);
      }
      kc.setCurrentContext(context);
    }
    return kc;
  };
}

export interface ContextInfo {
  /** Current context name; undefined when no kubeconfig is set up. */
  name: string | undefined;
  cluster: string | undefined;
  server: string | undefined;
  namespace: string | undefined;
  /** The context's user entry (its credentials). */
  user?: string | undefined;
}

/** The entry the current context names but the kubeconfig lacks (context, cluster or user); undefined if none. */
export function danglingEntry(kc: KubeConfig): { kind: 'context' | 'cluster' | 'user'; name: string } | undefined {
  const name = kc.getCurrentContext();
  if (!name) return undefined;
  const ctx = kc.getContextObject(name);
  if (!ctx) return { kind: 'context', name };
  if (!kc.getCluster(ctx.cluster)) return { kind: 'cluster', name: ctx.cluster };
  if (ctx.user && !kc.getUser(ctx.user)) return { kind: 'user', name: ctx.user };
  return undefined;
}

/** The current context as the context guard keys it (name, server, user); undefined without one. */
export function kubeTarget(kc: KubeConfig): KubeTarget | undefined {
  const info = contextInfo(kc);
  return info.name && info.server ? { name: info.name, server: info.server, user: info.user ?? '' } : undefined;
}

export function contextInfo(kc: KubeConfig): ContextInfo {
  const name = kc.getCurrentContext() || undefined;
  const ctx = name ? kc.getContextObject(name) : null;
  const cluster = ctx ? kc.getCluster(ctx.cluster) : null;
  if (isFallbackConfig(name, ctx?.cluster, cluster?.server)) {
    return { name: undefined, cluster: undefined, server: undefined, namespace: undefined };
  }
  return { name, cluster: ctx?.cluster, server: cluster?.server, namespace: ctx?.namespace, user: ctx?.user };
}

/**
 * client-node's loadFromDefault() invents `loaded-context` → http://localhost:8080 when there is no
 * kubeconfig at all; that is "no context", not a cluster that does not answer.
 */
function isFallbackConfig(context: string | undefined, cluster: string | undefined, server: string | undefined): boolean {
  return context === 'loaded-context' && cluster === 'cluster' && server === 'http://localhost:8080';
}

/** What the failed call was doing — the data a ForbiddenError needs. */
export interface CallSite {
  verb: string;
  /** Resource in `kubectl` form: `deployments.apps`, `namespaces`, `pods`. */
  resource: string;
  namespace?: string;
}

/**
 * Maps a client-node failure to the typed error a user can act on: 403 → ForbiddenError,
 * 404 on a namespace → NamespaceMissingError, no answer / 401 → ClusterUnreachableError.
 * Anything else is returned unchanged.
 */
export function translateKubeError(err: unknown, kc: KubeConfig, site: CallSite): unknown {
  const info = contextInfo(kc);
  if (err instanceof clientNode().ApiException) {
    const status = parseStatus(err.body);
    // The API refuses new objects in a namespace being deleted with a 403 that is not about RBAC.
    if (err.code === 403 && site.namespace && /because it is being terminated/.test(status?.message ?? '')) {
      return new NamespaceTerminatingError(site.namespace);
    }
    if (err.code === 403) return new ForbiddenError(site.verb, site.resource, site.namespace, status?.message);
    if (err.code === 401) return new ClusterUnreachableError(info.name, info.server, `credentials rejected (401)${status?.message ? `: ${status.message}` : ''}`);
    if (err.code === 404 && status?.details?.kind === 'namespaces' && status.details.name) {
      return new NamespaceMissingError(status.details.name);
    }
    return err;
  }
  if (isNetworkError(err)) {
    return new ClusterUnreachableError(info.name, info.server, networkReason(err));
  }
  return err;
}

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'ETIMEDOUT', 'EAI_AGAIN', 'EPIPE']);

function isNetworkError(err: unknown): err is Error & { code?: string; type?: string } {
  if (!(err instanceof Error)) return false;
  const e = err as Error & { code?: string; type?: string; cause?: { code?: string } };
  if (e.name === 'FetchError' || e.type === 'system') return true;
  return NETWORK_CODES.has(e.code ?? '') || NETWORK_CODES.has(e.cause?.code ?? '');
}

function networkReason(err: Error & { code?: string }): string {
  return err.code ? `${err.code} (${err.message})` : err.message;
}

/**
 * Runs one API call, translating failures. `message` decorations from KubernetesObjectApi's
 * resource discovery ("Failed to fetch resource metadata…") keep the original ApiException.
 */
export async function kubeCall<T>(kc: KubeConfig, site: CallSite, call: () => Promise<T>, limits: CallLimits = {}): Promise<T> {
  try {
    return await answerWithin(kc, site, call, limits);
  } catch (err) {
    throw translateKubeError(err, kc, site);
  }
}

/**
 * One API call that ends by its deadline (ClusterUnreachableError) or on Cancel (CancelledError), its own
 * errors untranslated. For callers with their own error family (traffic); others use {@link kubeCall}.
 */
export async function answerWithin<T>(kc: KubeConfig, site: CallSite, call: () => Promise<T>, limits: CallLimits = {}): Promise<T> {
  const { signal, timeoutMs = KUBE_CALL_TIMEOUT_MS } = limits;
  throwIfAborted(signal);
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  // The request itself cannot be withdrawn from client-node; the caller stops waiting for it.
  const stop = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const info = contextInfo(kc);
      reject(new ClusterUnreachableError(info.name, info.server, `no answer to ${site.verb} ${site.resource} within ${Math.round(timeoutMs / 1000)} s`));
    }, timeoutMs);
    onAbort = () => reject(new CancelledError());
    signal?.addEventListener('abort', onAbort, { once: true });
  });
  try {
    return await Promise.race([call(), stop]);
  } finally {
    clearTimeout(timer);
    if (onAbort) signal?.removeEventListener('abort', onAbort);
  }
}

/** How long one Kubernetes API call may take before the cluster counts as not answering (a paused VM). */
export const KUBE_CALL_TIMEOUT_MS = 20_000;

/** Cancel and deadline for one {@link kubeCall}. */
export interface CallLimits {
  signal?: AbortSignal | undefined;
  /** Default {@link KUBE_CALL_TIMEOUT_MS}. */
  timeoutMs?: number;
}
