import { experimental, type ChannelOptions } from '@grpc/grpc-js';
import type { KubeConfig, V1EndpointSlice, Informer, ObjectCache } from '@kubernetes/client-node';
import { httpStatusOf, parseStatus } from '../common/kubeStatus';
import { clientNode } from '../common/lazyModules';
import { readFileSync } from 'node:fs';
import { parseKubernetesTarget, type KubernetesTarget } from './targets';
import { WatchResolver, withSettings, type ResolverConstructor } from './watchResolver';

export { KubernetesTargetError, parseKubernetesTarget, type KubernetesTarget } from './targets';

type Endpoint = experimental.Endpoint;
type GrpcUri = experimental.GrpcUri;
type ResolverListener = experimental.ResolverListener;
export type { ResolverConstructor } from './watchResolver';
/** Where a pod finds the namespace of its service account. */
export const SERVICE_ACCOUNT_NAMESPACE_FILE = '/var/run/secrets/kubernetes.io/serviceaccount/namespace';
/** The manifests folder that grants the resolver what it needs, and the names it uses there. */
export const ENDPOINTS_MANIFESTS = 'manifests/endpoints';
export const ENDPOINTS_ROLE = 'endpointslice-reader';
export const ENDPOINTS_ROLE_BINDING = 'greeter-client-endpoints';

/**
 * The ready endpoints of all slices of one service, one grpc-js endpoint per Kubernetes endpoint
 * (its addresses are fungible, so they form one endpoint). Endpoints listed by two slices (which
 * happens while slices are rebalanced) appear once. Sorted, so equal sets compare equal.
 */
export function endpointsFromSlices(
  slices: readonly V1EndpointSlice[],
  port: number | string | undefined,
): { endpoints: Endpoint[]; notReady: number; noPort: number } {
  const byKey = new Map<string, Endpoint>();
  let notReady = 0;
  let noPort = 0;
  for (const slice of slices) {
    if (slice.addressType !== 'IPv4' && slice.addressType !== 'IPv6') continue;
    let slicePort: number | undefined;
    if (typeof port === 'number') slicePort = port;
    else if (typeof port === 'string') slicePort = slice.ports?.find((p) => p.name === port)?.port;
    else if (slice.ports?.length === 1) slicePort = slice.ports[0]?.port;
    if (slicePort === undefined) {
      noPort += slice.endpoints?.length ?? 0;
      continue;
    }
    for (const ep of slice.endpoints ?? []) {
      // `ready` unset means ready (the API's documented default); a terminating pod is ready=false.
      if (ep.conditions?.ready === false) {
        notReady++;
        continue;
      }
      const addresses = [...(ep.addresses ?? [])].sort().map((host) => ({ host, port: slicePort }));
      if (addresses.length === 0) continue;
      const key = addresses.map((a) => `${a.host}:${a.port}`).join('|');
      byKey.set(key, { addresses });
    }
  }
  const endpoints = [...byKey.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, e]) => e);
  return { endpoints, notReady, noPort };
}

/** The message a learner sees when the API server says 401/403: which Role is missing and where to get it. */
export function forbiddenMessage(namespace: string, service: string, status: number, serverMessage?: string): string {
  const why = status === 401 ? '401 Unauthorized' : '403 Forbidden';
  return (
    `kubernetes resolver: the API server refused to list/watch EndpointSlices of service "${service}" in namespace ` +
    `"${namespace}" (${why}${serverMessage ? `: ${serverMessage}` : ''}). The client's ServiceAccount needs a Role in ` +
    `namespace "${namespace}" granting list and watch on endpointslices in API group discovery.k8s.io, ` +
    `bound to it by a RoleBinding — ${ENDPOINTS_MANIFESTS} has them (Role "${ENDPOINTS_ROLE}", RoleBinding ` +
    `"${ENDPOINTS_ROLE_BINDING}"); apply that chapter and run the client with its ServiceAccount.`
  );
}

export interface KubernetesResolverOptions {
  /** Loads the KubeConfig; default `loadFromDefault()` (in-cluster service account, else $KUBECONFIG / ~/.kube/config). */
  loadKubeConfig?: () => KubeConfig | Promise<KubeConfig>;
  /** Default {@link SERVICE_ACCOUNT_NAMESPACE_FILE}. */
  namespaceFile?: string;
  /** Restart backoff after a failed list/watch: first delay, doubled up to `maxBackoffMs` (defaults 1 s / 30 s). */
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  /** Minimum gap between two reports to the channel (default 100 ms). */
  minReportGapMs?: number;
  /** Diagnostics (default: stderr). */
  log?: (message: string) => void;
}

/** The message of the Kubernetes Status an API error carries. */
function statusMessageOf(err: unknown): string | undefined {
  const message = parseStatus((err as { body?: unknown } | undefined)?.body)?.message;
  return typeof message === 'string' ? message : undefined;
}

function defaultNamespace(file: string, kc: KubeConfig): string {
  try {
    const ns = readFileSync(file, 'utf8').trim();
    if (ns) return ns;
  } catch {
    // not in a pod
  }
  return kc.getContextObject(kc.getCurrentContext())?.namespace || 'default';
}

/** The resolver's options with their defaults filled in. */
interface KubernetesResolverSettings {
  log: (message: string) => void;
  initialBackoffMs: number;
  maxBackoffMs: number;
  loadKubeConfig: KubernetesResolverOptions['loadKubeConfig'];
  namespaceFile: string;
  minReportGapMs: number | undefined;
}

/**
 * A grpc-js resolver class for `kubernetes:///svc.ns:port`: lists and watches the service's
 * `discovery.k8s.io/v1` EndpointSlices (label `kubernetes.io/service-name`) through
 * @kubernetes/client-node's informer and reports the ready endpoints of all its slices.
 */
export function createKubernetesResolverClass(options: KubernetesResolverOptions = {}): ResolverConstructor {
  const settings: KubernetesResolverSettings = {
    log: options.log ?? ((m: string) => process.stderr.write(`${m}\n`)),
    initialBackoffMs: options.initialBackoffMs ?? 1000,
    maxBackoffMs: options.maxBackoffMs ?? 30_000,
    loadKubeConfig: options.loadKubeConfig,
    namespaceFile: options.namespaceFile ?? SERVICE_ACCOUNT_NAMESPACE_FILE,
    minReportGapMs: options.minReportGapMs,
  };
  return withSettings(KubernetesResolver, settings);
}

class KubernetesResolver extends WatchResolver {
  private readonly settings: KubernetesResolverSettings;
  private readonly target: KubernetesTarget;
  private informer: (Informer<V1EndpointSlice> & ObjectCache<V1EndpointSlice>) | undefined;
  private namespace = '';
  private recomputeScheduled = false;
  /** Endpoints in the last report (0 before the first). */
  private reportedEndpoints = 0;
  /** The error last logged while endpoints were known; cleared when the watch is back. */
  private loggedError: string | undefined;

  constructor(target: GrpcUri, listener: ResolverListener, _options: ChannelOptions, settings: KubernetesResolverSettings) {
    super(listener, settings.minReportGapMs);
    this.settings = settings;
    this.target = parseKubernetesTarget(target.path);
  }

  /** `svc.ns:port` for a numeric port; without a port name (grpc-js builds a URL from the authority). */
  static getDefaultAuthority(target: GrpcUri): string {
    const { port } = parseKubernetesTarget(target.path);
    const colon = target.path.lastIndexOf(':');
    return typeof port === 'number' || colon < 0 ? target.path : target.path.slice(0, colon);
  }

  protected teardown(): void {
    const informer = this.informer;
    this.informer = undefined;
    void informer?.stop().catch(() => undefined);
    this.reportedEndpoints = 0;
    this.loggedError = undefined;
  }

  protected async start(): Promise<void> {
    const generation = ++this.generation;
    const current = () => this.running && generation === this.generation;
    let kc: KubeConfig;
    let k8s: typeof import('@kubernetes/client-node');
    try {
      k8s = clientNode();
      if (this.settings.loadKubeConfig) {
        kc = await this.settings.loadKubeConfig();
      } else {
        kc = new k8s.KubeConfig();
        kc.loadFromDefault();
        // loadFromDefault's last resort is http://localhost:8080, which client-node then refuses
        // with a puzzling "HTTP protocol is not allowed": say what is really missing.
        const cluster = kc.getCurrentCluster();
        if (cluster?.name === 'cluster' && cluster.server === 'http://localhost:8080' && kc.getCurrentUser()?.name === 'user') {
          throw new Error('no kubeconfig ($KUBECONFIG or ~/.kube/config) and not running in a pod');
        }
      }
      if (!kc.getCurrentCluster()) throw new Error('no cluster in the kubeconfig (and not running in a pod)');
    } catch (err) {
      if (!current()) return;
      this.reporter.error(`kubernetes resolver: cannot configure Kubernetes API access: ${(err as Error).message}`);
      this.scheduleRestart();
      return;
    }
    if (!current()) return;
    const { service } = this.target;
    const namespace = this.target.namespace ?? defaultNamespace(this.settings.namespaceFile, kc);
    this.namespace = namespace;
    const labelSelector = `kubernetes.io/service-name=${service}`;
    const api = kc.makeApiClient(k8s.DiscoveryV1Api);
    const informer = k8s.makeInformer<V1EndpointSlice>(
      kc,
      `/apis/discovery.k8s.io/v1/namespaces/${encodeURIComponent(namespace)}/endpointslices`,
      () => api.listNamespacedEndpointSlice({ namespace, labelSelector }),
      labelSelector,
    );
    this.informer = informer;
    const onChange = () => {
      if (current()) this.scheduleRecompute();
    };
    informer.on(k8s.ADD, onChange);
    informer.on(k8s.UPDATE, onChange);
    informer.on(k8s.DELETE, onChange);
    informer.on(k8s.ERROR, (err: unknown) => {
      if (current()) this.onInformerError(err);
    });
    this.runInformer(informer, generation);
  }

  private runInformer(informer: Informer<V1EndpointSlice> & ObjectCache<V1EndpointSlice>, generation: number): void {
    informer.start().then(
      () => {
        // start() also resolves after a failure it reported through ERROR (which scheduled a retry).
        if (!this.running || generation !== this.generation || this.retryTimer) return;
        this.failures = 0;
        if (this.loggedError) this.settings.log(`kubernetes resolver: watching EndpointSlices of "${this.target.service}" in "${this.namespace}" again`);
        this.loggedError = undefined;
        // Listed and watching: report even an empty service, so RPCs fail with a reason.
        this.scheduleRecompute();
      },
      (err: unknown) => {
        if (this.running && generation === this.generation) this.onInformerError(err);
      },
    );
  }

  private scheduleRecompute(): void {
    if (this.recomputeScheduled) return;
    this.recomputeScheduled = true;
    setImmediate(() => {
      this.recomputeScheduled = false;
      const informer = this.informer;
      if (!this.running || !informer) return;
      // The informer's path is namespaced already; list() without a namespace tolerates objects without one.
      const slices = informer.list();
      const { endpoints, notReady, noPort } = endpointsFromSlices(slices, this.target.port);
      const parts = [`${slices.length} EndpointSlice(s) of service "${this.target.service}" in namespace "${this.namespace}"`];
      if (notReady) parts.push(`${notReady} endpoint(s) not ready`);
      if (noPort) parts.push(`${noPort} endpoint(s) without port ${JSON.stringify(this.target.port ?? '(single)')}`);
      this.reportedEndpoints = endpoints.length;
      this.reporter.endpoints(endpoints, `kubernetes resolver: ${parts.join(', ')}`);
    });
  }

  /**
   * The informer stops on an error (a failed list, a refused watch, or a dropped connection:
   * "Premature close"), so restart it with capped exponential backoff. A clean end of a watch
   * never gets here: the informer re-watches by itself.
   */
  private onInformerError(err: unknown): void {
    const status = httpStatusOf(err);
    const { service } = this.target;
    let message: string;
    // 401/403/404: the API said no; only a change to the cluster (a Role, a newer Kubernetes) mends it.
    const refused = status === 401 || status === 403 || status === 404;
    if (status === 401 || status === 403) {
      message = forbiddenMessage(this.namespace, service, status, statusMessageOf(err));
    } else if (status === 404) {
      message = `kubernetes resolver: the API server has no discovery.k8s.io/v1 EndpointSlice API (404); Kubernetes ≥ 1.21 is needed`;
    } else {
      const reason = status ? `HTTP ${status}` : String((err as { message?: unknown } | undefined)?.message ?? err);
      message = `kubernetes resolver: cannot list/watch EndpointSlices of "${service}" in "${this.namespace}": ${reason}`;
    }
    if (this.reportedEndpoints === 0) {
      // RPCs have nowhere to go: let them fail with the reason.
      if (refused) this.reporter.refused(message);
      else this.reporter.error(message);
    } else if (message !== this.loggedError) {
      // Endpoints are known: keep them (their connections keep working), say so once, and retry.
      this.loggedError = message;
      this.settings.log(`${message}; keeping ${this.reportedEndpoints} known endpoint(s), retrying`);
    }
    this.scheduleRestart();
  }

  private scheduleRestart(): void {
    this.scheduleRetry(this.settings.initialBackoffMs, this.settings.maxBackoffMs, () => {
      if (this.informer) this.runInformer(this.informer, this.generation);
      else void this.start();
    });
  }
}
