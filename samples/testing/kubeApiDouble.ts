/**
 * THE HTTP double of the Kubernetes API for every test and bench in this repo (a node http server on
 * 127.0.0.1 — a test double, not a cluster). One in-memory object store with a global
 * resourceVersion serves:
 *
 * - `/version` and discovery (`/api/v1`, `/apis/<group>/<version>`) for the groups our chapters use
 *   (Istio's networking group only with `{ istio: true }`);
 * - get / list (label selector) / watch (JSON-line events, replayed from the requested
 *   resourceVersion as a real API server does) of any served resource — pods, EndpointSlices,
 *   Deployments, Services, …;
 * - server-side apply (`application/apply-patch+yaml`, fieldManager required), merge patch of a
 *   Deployment (e.g. `kubectl rollout restart`) and of its `scale` subresource, delete (a Namespace
 *   takes its objects with it);
 * - `pods/<name>/log` with follow / timestamps / sinceTime / sinceSeconds / tailLines and the
 *   kubelet's 400s (missing container, container not running);
 * - a tiny "deployment controller": each read of a Deployment makes `readyPerRead` more replicas
 *   ready; `onDeploymentPatched` lets a test play the controller instead.
 *
 * Knobs: `refuse` (401/403 on every request), `forbid(method, path)` (403 on matching requests),
 * `endWatches('clean' | 'cut')`, `endLogStreams` / `dropLogStreams`, and the recorded `requests`.
 * Pure (no vscode): samples, the extension's core and scripts all use it.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import { parse as parseYaml } from 'yaml';

/** A stored object: any Kubernetes-shaped JSON. */
export type KubeObject = {
  apiVersion?: string;
  kind?: string;
  metadata?: Record<string, unknown> & {
    name?: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    generation?: number;
    resourceVersion?: string;
    deletionTimestamp?: string;
  };
  spec?: Record<string, unknown>;
  status?: Record<string, unknown>;
} & Record<string, unknown>;

/** A Deployment as the double stores it (what `deployment()` returns and `onDeploymentPatched` gets). */
export type DoubleDeployment = KubeObject & {
  spec: Record<string, unknown> & {
    replicas: number;
    template: { metadata: { annotations?: Record<string, string> } } & Record<string, unknown>;
  };
};

export interface RecordedRequest {
  /** When it arrived (Date.now()). */
  at: number;
  method: string;
  path: string;
  query: URLSearchParams;
  /** `?watch=true`. */
  watch: boolean;
  resourceVersion?: string;
  labelSelector?: string;
  authorization?: string;
  contentType?: string;
  body: string;
}

export interface DoubleOptions {
  /** Serve Istio's networking group (default false: a cluster without Istio). */
  istio?: boolean;
  /** Replicas that become ready per read of a Deployment (default 1; 0 = never). */
  readyPerRead?: number;
  /**
   * How long a deleted Namespace stays `Terminating` (deletionTimestamp set, still readable) before it
   * is gone, as the namespace controller empties it (default 0: gone at once).
   */
  namespaceTerminationMs?: number;
  /** What `/version` reports (default `v1.32.0-double`). */
  gitVersion?: string;
}

export interface KubeConfigTarget {
  /** Context name (default `double`; the context guard cares, e.g. `minikube`). */
  context?: string;
  /** The context's namespace (default: none). */
  namespace?: string;
}

/** A pod described the short way (`addPod` / `updatePod`). */
export interface DoublePod {
  name: string;
  namespace: string;
  labels: Record<string, string>;
  containers: string[];
  phase: 'Pending' | 'Running' | 'Succeeded' | 'Failed';
  ready: boolean;
  /** Ready condition's lastTransitionTime (RFC3339). */
  readyTime?: string;
  deletionTimestamp?: string;
  /** metadata.annotations; a merge patch of the pod's annotations lands here too. */
  annotations?: Record<string, string>;
}

export interface DoubleEndpoint {
  addresses: string[];
  conditions?: { ready?: boolean; serving?: boolean; terminating?: boolean };
  targetRef?: { kind: string; name: string; namespace?: string };
}

export type DoubleSlice = {
  apiVersion: 'discovery.k8s.io/v1';
  kind: 'EndpointSlice';
  metadata: { name: string; namespace: string; labels: Record<string, string>; resourceVersion?: string };
  addressType: 'IPv4' | 'IPv6' | 'FQDN';
  endpoints: DoubleEndpoint[];
  ports: Array<{ name?: string; port: number; protocol?: string; appProtocol?: string }>;
};

/** Builds an EndpointSlice of `service` with the given endpoints on `port` (named `grpc`). */
export function endpointSlice(namespace: string, service: string, name: string, port: number, endpoints: DoubleEndpoint[]): DoubleSlice {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name, namespace, labels: { 'kubernetes.io/service-name': service } },
    addressType: 'IPv4',
    endpoints,
    ports: [{ name: 'grpc', port, protocol: 'TCP', appProtocol: 'grpc' }],
  };
}

interface ResourceDef {
  name: string;
  kind: string;
  namespaced: boolean;
}

const GROUPS: Record<string, ResourceDef[]> = {
  v1: [
    { name: 'namespaces', kind: 'Namespace', namespaced: false },
    { name: 'services', kind: 'Service', namespaced: true },
    { name: 'configmaps', kind: 'ConfigMap', namespaced: true },
    { name: 'serviceaccounts', kind: 'ServiceAccount', namespaced: true },
    { name: 'secrets', kind: 'Secret', namespaced: true },
    { name: 'pods', kind: 'Pod', namespaced: true },
    { name: 'pods/log', kind: 'Pod', namespaced: true },
  ],
  'apps/v1': [
    { name: 'deployments', kind: 'Deployment', namespaced: true },
    { name: 'deployments/scale', kind: 'Scale', namespaced: true },
    { name: 'statefulsets', kind: 'StatefulSet', namespaced: true },
  ],
  'discovery.k8s.io/v1': [{ name: 'endpointslices', kind: 'EndpointSlice', namespaced: true }],
  'networking.k8s.io/v1': [{ name: 'networkpolicies', kind: 'NetworkPolicy', namespaced: true }],
  'rbac.authorization.k8s.io/v1': [
    { name: 'roles', kind: 'Role', namespaced: true },
    { name: 'rolebindings', kind: 'RoleBinding', namespaced: true },
  ],
};

const ISTIO: Record<string, ResourceDef[]> = {
  'networking.istio.io/v1beta1': [{ name: 'destinationrules', kind: 'DestinationRule', namespaced: true }],
  'networking.istio.io/v1': [{ name: 'destinationrules', kind: 'DestinationRule', namespaced: true }],
};

const USER = 'double-user';
const TOKEN = 'double-token';

type EventType = 'ADDED' | 'MODIFIED' | 'DELETED';
interface StoreEvent {
  rv: number;
  type: EventType;
  /** `apiVersion|resource` the object belongs to. */
  collection: string;
  object: KubeObject;
}
interface OpenWatch {
  collection: string;
  namespace: string | undefined;
  selector: Array<[string, string]>;
  res: ServerResponse;
}
interface LogLine {
  /** RFC3339Nano, UTC. */
  ts: string;
  text: string;
}
interface LogStream {
  /** `namespace/name`. */
  pod: string;
  res: ServerResponse;
}

export class KubeApiDouble {
  /** Every request, in order. */
  readonly requests: RecordedRequest[] = [];
  /** Set to 401 or 403 to refuse every request, like an API server without RBAC for us. */
  refuse: 401 | 403 | undefined;
  /** Called after a Deployment (`template`) or its scale (`scale`) was patched: a test can play the controller. */
  onDeploymentPatched: ((deployment: DoubleDeployment, what: 'scale' | 'template') => void) | undefined;

  private readonly server: Server = createServer((req, res) => void this.handle(req, res));
  private readonly groups: Record<string, ResourceDef[]>;
  private readonly store = new Map<string, KubeObject>();
  private readonly history: StoreEvent[] = [];
  private readonly watches = new Set<OpenWatch>();
  private readonly forbidden: Array<{ method: string; path: RegExp }> = [];
  private readonly stalled: Array<{ method: string; path: RegExp }> = [];
  private readonly pods = new Map<string, DoublePod>();
  private readonly logs = new Map<string, LogLine[]>();
  private readonly logStreams = new Set<LogStream>();
  private rv = 100;
  private lastNs = 0n;
  private port = 0;

  private constructor(private readonly options: DoubleOptions) {
    this.groups = options.istio ? { ...GROUPS, ...ISTIO } : GROUPS;
  }

  /** Starts a double on 127.0.0.1 and a free port. */
  static async start(options: DoubleOptions = {}): Promise<KubeApiDouble> {
    const double = new KubeApiDouble(options);
    await new Promise<void>((resolve) => double.server.listen(0, '127.0.0.1', resolve));
    double.port = (double.server.address() as AddressInfo).port;
    return double;
  }

  async stop(): Promise<void> {
    for (const s of this.logStreams) s.res.destroy();
    this.logStreams.clear();
    this.endWatches('cut');
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Kubeconfig options (as `KubeConfig.loadFromOptions` takes) for this double, with a bearer token. */
  kubeConfigOptions(target: KubeConfigTarget = {}) {
    const context = target.context ?? 'double';
    return {
      clusters: [{ name: 'double', server: this.url, skipTLSVerify: true }],
      users: [{ name: USER, token: TOKEN }],
      contexts: [{ name: context, cluster: 'double', user: USER, ...(target.namespace ? { namespace: target.namespace } : {}) }],
      currentContext: context,
    };
  }

  /** A KubeConfig whose current context points at this double. */
  kubeConfig(target: KubeConfigTarget = {}): KubeConfig {
    const kc = new KubeConfig();
    kc.loadFromOptions(this.kubeConfigOptions(target));
    return kc;
  }

  /** Answer 403 to requests with this method whose path matches. */
  forbid(method: string, path: RegExp): void {
    this.forbidden.push({ method: method.toUpperCase(), path });
  }

  /** Requests matching `method` and `path` get no answer at all (an API server in a paused VM). */
  stall(method: string, path: RegExp): void {
    this.stalled.push({ method: method.toUpperCase(), path });
  }

  // ---- the object store ----

  /** Creates or replaces an object (straight into the store) and streams ADDED / MODIFIED to watches. */
  put(obj: KubeObject): KubeObject {
    const { collection, key } = this.locate(obj.apiVersion ?? 'v1', obj.kind ?? '', obj.metadata?.namespace, obj.metadata?.name ?? '');
    const stored = structuredClone(obj);
    return this.write(collection, key, stored);
  }

  get(apiVersion: string, kind: string, namespace: string | undefined, name: string): KubeObject | undefined {
    const def = this.defFor(apiVersion, kind);
    return def ? this.store.get(this.key(apiVersion, def, namespace, name)) : undefined;
  }

  /** Deletes an object and streams DELETED (a pod's log streams end, as the kubelet ends them). */
  remove(apiVersion: string, kind: string, namespace: string | undefined, name: string): boolean {
    const def = this.defFor(apiVersion, kind);
    if (!def) return false;
    return this.deleteKey(`${apiVersion}|${def.name}`, this.key(apiVersion, def, namespace, name));
  }

  objects(): KubeObject[] {
    return [...this.store.values()];
  }

  /** Writes (non-GET requests), in order, as `METHOD path`. */
  writes(): string[] {
    return this.requests.filter((r) => r.method !== 'GET').map((r) => `${r.method} ${r.path}`);
  }

  // ---- deployments ----

  /** Puts a Deployment `name` with `replicas` (all ready) and the selector `app.kubernetes.io/name=<name>`. */
  addDeployment(namespace: string, name: string, replicas: number): DoubleDeployment {
    return this.put({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name, namespace, generation: 1 },
      spec: {
        replicas,
        selector: { matchLabels: { 'app.kubernetes.io/name': name } },
        template: { metadata: { annotations: {} }, spec: { containers: [{ name: 'server', image: 'x' }] } },
      },
      status: { replicas, readyReplicas: replicas, updatedReplicas: replicas, availableReplicas: replicas, observedGeneration: 1 },
    }) as DoubleDeployment;
  }

  deployment(namespace: string, name: string): DoubleDeployment | undefined {
    return this.get('apps/v1', 'Deployment', namespace, name) as DoubleDeployment | undefined;
  }

  // ---- pods and their logs ----

  /** Puts a pod described the short way (Running and Ready unless said otherwise). */
  addPod(pod: Omit<DoublePod, 'phase' | 'ready'> & Partial<Pick<DoublePod, 'phase' | 'ready'>>): DoublePod {
    const full: DoublePod = { phase: 'Running', ready: true, ...pod };
    const id = `${full.namespace}/${full.name}`;
    this.pods.set(id, full);
    if (!this.logs.has(id)) this.logs.set(id, []);
    this.put(podObject(full));
    return full;
  }

  /** Changes a pod added with `addPod` (`pod`: its name, or `namespace/name`) and streams MODIFIED. */
  updatePod(pod: string, change: Partial<DoublePod>): void {
    const id = this.podId(pod);
    const current = this.pods.get(id);
    if (!current) throw new Error(`the double has no pod ${pod} added with addPod`);
    Object.assign(current, change);
    this.put(podObject(current));
  }

  /** The annotations of a pod added with `addPod`, as patched through the API. */
  podAnnotations(pod: string): Record<string, string> | undefined {
    return this.pods.get(this.podId(pod))?.annotations;
  }

  deletePod(pod: string): void {
    const id = this.podId(pod);
    const [namespace, name] = splitId(id);
    this.pods.delete(id);
    this.remove('v1', 'Pod', namespace, name);
  }

  /** Appends a log line with a strictly increasing nanosecond timestamp (or the one given) and streams it. */
  appendLog(pod: string, text: string, ts?: string): string {
    const id = this.podId(pod);
    const stamp = ts ?? this.nextStamp();
    const lines = this.logs.get(id) ?? [];
    lines.push({ ts: stamp, text });
    this.logs.set(id, lines);
    for (const s of this.logStreams) if (s.pod === id) s.res.write(`${stamp} ${text}\n`);
    return stamp;
  }

  /** Ends every open log stream of a pod cleanly, as a kubelet or proxy timeout does. */
  endLogStreams(pod: string): number {
    return this.closeLogStreams(this.podId(pod), (res) => res.end());
  }

  /** Drops the TCP connections of a pod's log streams mid-flight (no clean end). */
  dropLogStreams(pod: string): number {
    return this.closeLogStreams(this.podId(pod), (res) => res.socket?.destroy());
  }

  openLogStreams(pod?: string): number {
    const id = pod === undefined ? undefined : this.podId(pod);
    let n = 0;
    for (const s of this.logStreams) if (id === undefined || s.pod === id) n++;
    return n;
  }

  // ---- watches ----

  /** Watch requests received so far. */
  get watchRequests(): number {
    return this.requests.filter((r) => r.watch).length;
  }

  /** Watches currently open. */
  get openWatches(): number {
    return this.watches.size;
  }

  /**
   * Ends every open watch: `clean` finishes the response (as an API server does when a watch times
   * out every few minutes), `cut` destroys the socket mid-stream (a dropped connection). Returns how many.
   */
  endWatches(how: 'clean' | 'cut' = 'clean'): number {
    const n = this.watches.size;
    for (const w of this.watches) {
      if (how === 'clean') w.res.end();
      else w.res.socket?.destroy();
    }
    this.watches.clear();
    return n;
  }

  // ---- internals ----

  private podId(pod: string): string {
    if (pod.includes('/')) return pod;
    // A pod's log outlives the pod here, so a deleted pod's name still resolves.
    const found = [...this.logs.keys()].filter((id) => splitId(id)[1] === pod);
    if (found.length > 1) throw new Error(`pod name ${pod} is ambiguous in the double; say namespace/name`);
    if (found.length === 0) throw new Error(`the double has no pod ${pod} added with addPod`);
    return found[0]!;
  }

  private closeLogStreams(id: string, close: (res: ServerResponse) => void): number {
    let n = 0;
    for (const s of [...this.logStreams]) {
      if (s.pod === id) {
        close(s.res);
        this.logStreams.delete(s);
        n++;
      }
    }
    return n;
  }

  private nextStamp(): string {
    let ns = BigInt(Date.now()) * 1_000_000n;
    if (ns <= this.lastNs) ns = this.lastNs + 1n;
    this.lastNs = ns;
    const ms = Number(ns / 1_000_000n);
    const frac = (ns % 1_000_000_000n).toString().padStart(9, '0');
    return `${new Date(ms).toISOString().slice(0, 19)}.${frac}Z`;
  }

  private defFor(apiVersion: string, kind: string): ResourceDef | undefined {
    return this.groups[apiVersion]?.find((d) => d.kind === kind && !d.name.includes('/'));
  }

  private key(apiVersion: string, def: ResourceDef, namespace: string | undefined, name: string): string {
    return `${apiVersion}|${def.name}|${def.namespaced ? (namespace ?? 'default') : ''}|${name}`;
  }

  private locate(apiVersion: string, kind: string, namespace: string | undefined, name: string): { collection: string; key: string } {
    const def = this.defFor(apiVersion, kind);
    if (!def) throw new Error(`the double does not serve ${apiVersion} ${kind}`);
    return { collection: `${apiVersion}|${def.name}`, key: this.key(apiVersion, def, namespace, name) };
  }

  /** Stores `obj` under `key` with the next resourceVersion and streams the event. */
  private write(collection: string, key: string, obj: KubeObject): KubeObject {
    const type: EventType = this.store.has(key) ? 'MODIFIED' : 'ADDED';
    obj.metadata ??= {};
    obj.metadata.resourceVersion = String(++this.rv);
    obj.metadata.uid ??= `uid-${obj.metadata.name ?? ''}`;
    this.store.set(key, obj);
    this.emit({ rv: this.rv, type, collection, object: obj });
    return obj;
  }

  private deleteKey(collection: string, key: string): boolean {
    const old = this.store.get(key);
    if (!old) return false;
    this.store.delete(key);
    const gone = structuredClone(old);
    gone.metadata ??= {};
    gone.metadata.resourceVersion = String(++this.rv);
    this.emit({ rv: this.rv, type: 'DELETED', collection, object: gone });
    if (old.kind === 'Pod') {
      // The kubelet ends a deleted container's log stream.
      this.closeLogStreams(`${old.metadata?.namespace ?? 'default'}/${old.metadata?.name ?? ''}`, (res) => res.end());
    }
    if (old.kind === 'Namespace') {
      const name = old.metadata?.name ?? '';
      for (const k of [...this.store.keys()]) {
        const [gv, resource, ns] = k.split('|');
        if (ns === name) this.deleteKey(`${gv}|${resource}`, k);
      }
    }
    return true;
  }

  private emit(event: StoreEvent): void {
    this.history.push(event);
    for (const w of this.watches) if (watchMatches(w, event)) send(w.res, event);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', this.url);
    const method = req.method ?? 'GET';
    const contentType = req.headers['content-type'];
    this.requests.push({
      at: Date.now(),
      method,
      path: url.pathname,
      query: url.searchParams,
      watch: url.searchParams.get('watch') === 'true' || url.searchParams.get('watch') === '1',
      ...(url.searchParams.has('resourceVersion') ? { resourceVersion: url.searchParams.get('resourceVersion')! } : {}),
      ...(url.searchParams.has('labelSelector') ? { labelSelector: url.searchParams.get('labelSelector')! } : {}),
      ...(req.headers.authorization !== undefined ? { authorization: req.headers.authorization } : {}),
      ...(contentType !== undefined ? { contentType } : {}),
      body,
    });
    try {
      this.route(method, url, body, contentType, res);
    } catch (err) {
      json(res, 500, status(500, 'InternalError', String(err)));
    }
  }

  private route(method: string, url: URL, body: string, contentType: string | undefined, res: ServerResponse): void {
    const path = url.pathname;
    if (this.stalled.some((s) => s.method === method && s.path.test(path))) return; // never answered; stop() cuts it
    if (path === '/version' && method === 'GET') {
      const gitVersion = this.options.gitVersion ?? 'v1.32.0-double';
      const [, major = '1', minor = '32'] = /^v(\d+)\.(\d+)/.exec(gitVersion) ?? [];
      return this.refused(res, method, {}) ? undefined : json(res, 200, { major, minor, gitVersion });
    }
    // Discovery: /api/v1, /apis/<group>/<version>
    const disc = /^\/(?:api\/(v1)|apis\/([^/]+\/[^/]+))$/.exec(path);
    if (disc && method === 'GET') {
      if (this.refused(res, method, {})) return;
      const gv = (disc[1] ?? disc[2])!;
      const defs = this.groups[gv];
      if (!defs) return json(res, 404, status(404, 'NotFound', 'the server could not find the requested resource'));
      return json(res, 200, {
        kind: 'APIResourceList',
        apiVersion: 'v1',
        groupVersion: gv,
        resources: defs.map((d) => ({
          name: d.name,
          singularName: '',
          kind: d.kind,
          namespaced: d.namespaced,
          verbs: d.name.includes('/') ? ['get', 'patch'] : ['get', 'list', 'watch', 'patch', 'delete'],
        })),
      });
    }
    const m = /^\/(?:api\/(v1)|apis\/([^/]+\/[^/]+))(?:\/namespaces\/([^/]+))?\/([^/]+)(?:\/([^/]+))?(?:\/(scale|status|log))?$/.exec(path);
    if (!m) return json(res, 404, status(404, 'NotFound', `the double does not serve ${method} ${path}`));
    const gv = (m[1] ?? m[2])!;
    const namespace = m[3] ? decodeURIComponent(m[3]) : undefined;
    const resource = m[4]!;
    const name = m[5] ? decodeURIComponent(m[5]) : undefined;
    const sub = m[6];
    const def = this.groups[gv]?.find((d) => d.name === resource);
    if (!def || (sub && !this.groups[gv]?.some((d) => d.name === `${resource}/${sub}`))) {
      return json(res, 404, status(404, 'NotFound', 'the server could not find the requested resource'));
    }
    const group = gv.includes('/') ? gv.split('/')[0]! : '';
    const watch = url.searchParams.get('watch') === 'true' || url.searchParams.get('watch') === '1';
    if (this.refused(res, method, { path, group, resource: sub ? `${resource}/${sub}` : resource, name, namespace, watch })) return;
    // `/api/v1/namespaces` writes are not collection writes we serve.
    if (gv === 'v1' && resource === 'namespaces' && namespace === undefined && name === undefined && method !== 'GET') {
      return json(res, 405, status(405, 'MethodNotAllowed', 'collection writes not supported'));
    }
    // A namespaced write in a namespace that does not exist.
    if (def.namespaced && namespace && method !== 'GET' && !this.store.has(this.key('v1', GROUPS.v1![0]!, undefined, namespace))) {
      return json(res, 404, status(404, 'NotFound', `namespaces "${namespace}" not found`, { name: namespace, kind: 'namespaces' }));
    }
    const collection = `${gv}|${def.name}`;
    if (method === 'GET' && name === undefined) {
      const selector = parseSelector(url.searchParams.get('labelSelector') ?? '');
      if (watch) return this.openWatch(res, { collection, namespace, selector, res }, url.searchParams.get('resourceVersion'));
      const prefix = def.namespaced && namespace ? `${collection}|${namespace}|` : `${collection}|`;
      const items = [...this.store.entries()]
        .filter(([k, v]) => k.startsWith(prefix) && matches(v.metadata?.labels ?? {}, selector))
        .map(([, v]) => v);
      return json(res, 200, { apiVersion: gv, kind: `${def.kind}List`, metadata: { resourceVersion: String(this.rv) }, items });
    }
    if (name === undefined) return json(res, 405, status(405, 'MethodNotAllowed', `${method} on a collection is not supported by the double`));
    const key = this.key(gv, def, namespace, name);
    const existing = this.store.get(key);
    const notFound = (): void => json(res, 404, status(404, 'NotFound', `${def.name}${group ? `.${group}` : ''} "${name}" not found`, { name, kind: def.name, group }));
    if (method === 'GET' && sub === 'log') {
      if (!existing) return notFound();
      return this.serveLog(res, existing, url.searchParams);
    }
    if (method === 'GET') {
      if (!existing) return notFound();
      return json(res, 200, def.kind === 'Deployment' ? this.advanceRollout(collection, key, existing) : existing);
    }
    if (method === 'DELETE' && def.kind === 'Namespace' && existing && (this.options.namespaceTerminationMs ?? 0) > 0) {
      const terminating = structuredClone(existing);
      terminating.metadata = { ...terminating.metadata, deletionTimestamp: terminating.metadata?.deletionTimestamp ?? new Date().toISOString() };
      terminating.status = { ...terminating.status, phase: 'Terminating' };
      this.write(collection, key, terminating);
      setTimeout(() => this.deleteKey(collection, key), this.options.namespaceTerminationMs).unref();
      return json(res, 200, terminating);
    }
    if (method === 'DELETE') {
      if (!this.deleteKey(collection, key)) return notFound();
      return json(res, 200, { kind: 'Status', apiVersion: 'v1', status: 'Success', details: { name, kind: def.name, group } });
    }
    if (method === 'PATCH' && sub === 'scale') {
      if (!existing) return notFound();
      if (!contentType?.startsWith('application/merge-patch+json')) {
        return json(res, 415, status(415, 'UnsupportedMediaType', `the double takes only merge patches on scale, got ${contentType}`));
      }
      const patch = JSON.parse(body) as { spec?: { replicas?: number } };
      const next = structuredClone(existing) as DoubleDeployment;
      if (typeof patch.spec?.replicas === 'number') next.spec.replicas = patch.spec.replicas;
      next.metadata!.generation = Number(next.metadata?.generation ?? 1) + 1;
      next.status = { ...next.status, readyReplicas: Math.min(Number(next.status?.readyReplicas ?? 0), next.spec.replicas) };
      this.write(collection, key, next);
      json(res, 200, { apiVersion: 'autoscaling/v1', kind: 'Scale', metadata: { name, namespace }, spec: { replicas: next.spec.replicas } });
      this.onDeploymentPatched?.(next, 'scale');
      return;
    }
    if (method === 'PATCH' && contentType?.startsWith('application/merge-patch+json')) {
      if (!existing) return notFound();
      const next = mergePatch(existing, JSON.parse(body)) as KubeObject;
      next.metadata = { ...next.metadata, generation: Number(existing.metadata?.generation ?? 1) + 1 };
      this.write(collection, key, next);
      json(res, 200, next);
      if (def.kind === 'Deployment') this.onDeploymentPatched?.(next as DoubleDeployment, 'template');
      const pod = def.kind === 'Pod' ? this.pods.get(`${namespace}/${name}`) : undefined;
      if (pod) pod.annotations = next.metadata?.annotations as Record<string, string> | undefined;
      return;
    }
    if (method === 'PATCH') {
      if (contentType !== 'application/apply-patch+yaml') {
        return json(res, 415, status(415, 'UnsupportedMediaType', `the double takes server-side apply or merge patches, got ${contentType}`));
      }
      if (!url.searchParams.get('fieldManager')) return json(res, 422, status(422, 'Invalid', 'fieldManager is required for apply requests'));
      const obj = parseYaml(body) as KubeObject;
      if (obj.metadata?.name !== name) return json(res, 400, status(400, 'BadRequest', 'name in body does not match the URL'));
      // NamespaceLifecycle admission: nothing new is created in a namespace that is being deleted.
      const home = namespace ? this.store.get(this.key('v1', GROUPS.v1![0]!, undefined, namespace)) : undefined;
      if (!existing && home?.metadata?.deletionTimestamp) {
        const message = `${def.name} "${name}" is forbidden: unable to create new content in namespace ${namespace} because it is being terminated`;
        return json(res, 403, status(403, 'Forbidden', message, { name, kind: def.name }));
      }
      const generation = existing ? Number(existing.metadata?.generation ?? 1) + 1 : 1;
      const next: KubeObject = {
        ...obj,
        metadata: { ...obj.metadata, namespace: def.namespaced ? namespace : undefined, generation, uid: existing?.metadata?.uid ?? `uid-${name}` },
        status: existing?.status ?? {},
      };
      this.write(collection, key, next);
      return json(res, existing ? 200 : 201, next);
    }
    return json(res, 405, status(405, 'MethodNotAllowed', `${method} not supported by the double`));
  }

  /** Answers 401/403 when `refuse` is set or a `forbid` rule matches; true if it did. */
  private refused(
    res: ServerResponse,
    method: string,
    r: { path?: string; group?: string; resource?: string; name?: string | undefined; namespace?: string | undefined; watch?: boolean },
  ): boolean {
    const code = this.refuse ?? (r.path !== undefined && this.forbidden.some((f) => f.method === method && f.path.test(r.path!)) ? 403 : undefined);
    if (code === undefined) return false;
    if (code === 401) {
      json(res, 401, status(401, 'Unauthorized', 'Unauthorized'));
      return true;
    }
    const verb =
      method === 'GET' ? (r.name ? 'get' : r.watch ? 'watch' : 'list') : method === 'POST' ? 'create' : method === 'PUT' ? 'update' : method.toLowerCase();
    const resource = r.resource ?? '';
    const base = resource.split('/')[0];
    const group = r.group ?? '';
    json(
      res,
      403,
      status(
        403,
        'Forbidden',
        `${base}${group ? `.${group}` : ''}${r.name ? ` "${r.name}"` : ''} is forbidden: User "${USER}" cannot ${verb} resource "${base}"` +
          ` in API group "${group}"${r.namespace ? ` in the namespace "${r.namespace}"` : ''}`,
        { ...(r.name ? { name: r.name } : {}), group, kind: base },
      ),
    );
    return true;
  }

  private openWatch(res: ServerResponse, watch: OpenWatch, resourceVersion: string | null): void {
    res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
    res.flushHeaders();
    // Replays what happened after the requested resourceVersion (none given: from now on).
    const from = resourceVersion ? Number(resourceVersion) : this.rv;
    for (const event of this.history) if (event.rv > from && watchMatches(watch, event)) send(res, event);
    this.watches.add(watch);
    res.on('close', () => this.watches.delete(watch));
  }

  private serveLog(res: ServerResponse, pod: KubeObject, q: URLSearchParams): void {
    const name = pod.metadata?.name ?? '';
    const id = `${pod.metadata?.namespace ?? 'default'}/${name}`;
    const containers = ((pod.spec?.containers ?? []) as Array<{ name: string }>).map((c) => c.name);
    // As the API server: the container may be left out when the pod has just one.
    const container = q.get('container') ?? (containers.length === 1 ? containers[0] : null);
    if (container === null) {
      return json(res, 400, status(400, 'BadRequest', `a container name must be specified for pod ${name}, choose one of: [${containers.join(' ')}]`));
    }
    if (!containers.includes(container)) {
      return json(res, 400, status(400, 'BadRequest', `container ${container} is not valid for pod ${name}`));
    }
    if (pod.status?.phase !== 'Running') {
      return json(res, 400, status(400, 'BadRequest', `container "${container}" in pod "${name}" is waiting to start`));
    }
    const sinceTime = q.get('sinceTime');
    const sinceSeconds = q.get('sinceSeconds');
    if (sinceSeconds && sinceTime) return json(res, 400, status(400, 'BadRequest', 'at most one of sinceTime or sinceSeconds may be specified'));
    let lines = this.logs.get(id) ?? [];
    if (sinceSeconds) {
      const since = Date.now() - Number(sinceSeconds) * 1000;
      lines = lines.filter((l) => Date.parse(l.ts.slice(0, 23) + 'Z') >= since);
    }
    if (sinceTime) {
      // The kubelet compares at the precision it is given: RFC3339 (whole seconds).
      const since = Date.parse(sinceTime);
      lines = lines.filter((l) => Date.parse(l.ts.slice(0, 19) + 'Z') >= since);
    }
    const tailLines = q.get('tailLines');
    if (tailLines) lines = lines.slice(-Number(tailLines));
    const timestamps = q.get('timestamps') === 'true';
    res.writeHead(200, { 'content-type': 'text/plain' });
    // History goes out in 64 KiB-ish writes, as a kubelet streams a log file.
    let chunk = '';
    for (const l of lines) {
      chunk += timestamps ? `${l.ts} ${l.text}\n` : `${l.text}\n`;
      if (chunk.length >= 65_536) {
        res.write(chunk);
        chunk = '';
      }
    }
    if (chunk) res.write(chunk);
    if (q.get('follow') !== 'true') {
      res.end();
      return;
    }
    res.flushHeaders();
    // Followers of a pod see appended lines; always with the timestamp prefix (our followers ask for it).
    const stream: LogStream = { pod: id, res };
    this.logStreams.add(stream);
    res.on('close', () => this.logStreams.delete(stream));
  }

  /** The "controller": every read moves a Deployment `readyPerRead` replicas towards its desired state. */
  private advanceRollout(collection: string, key: string, dep: KubeObject): KubeObject {
    const step = this.options.readyPerRead ?? 1;
    const desired = Number(dep.spec?.replicas ?? 1);
    const st = dep.status ?? {};
    const ready = Math.min(desired, Number(st.readyReplicas ?? 0) + step);
    const generation = dep.metadata?.generation ?? 1;
    if (st.readyReplicas === ready && st.replicas === desired && st.updatedReplicas === desired && st.observedGeneration === generation) return dep;
    const next = structuredClone(dep);
    next.status = { ...st, observedGeneration: generation, updatedReplicas: desired, replicas: desired, readyReplicas: ready, availableReplicas: ready };
    return this.write(collection, key, next);
  }
}

function podObject(pod: DoublePod): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: pod.name,
      namespace: pod.namespace,
      labels: pod.labels,
      ...(pod.annotations ? { annotations: pod.annotations } : {}),
      uid: `uid-${pod.name}`,
      ...(pod.deletionTimestamp ? { deletionTimestamp: pod.deletionTimestamp } : {}),
    },
    spec: { containers: pod.containers.map((name) => ({ name, image: 'grpc-lb-lab/greeter-client:dev' })) },
    status: {
      phase: pod.phase,
      conditions: [{ type: 'Ready', status: pod.ready ? 'True' : 'False', ...(pod.readyTime ? { lastTransitionTime: pod.readyTime } : {}) }],
    },
  };
}

function splitId(id: string): [string, string] {
  const i = id.indexOf('/');
  return [id.slice(0, i), id.slice(i + 1)];
}

function watchMatches(w: OpenWatch, e: StoreEvent): boolean {
  return (
    w.collection === e.collection &&
    (w.namespace === undefined || e.object.metadata?.namespace === w.namespace) &&
    matches(e.object.metadata?.labels ?? {}, w.selector)
  );
}

function send(res: ServerResponse, event: StoreEvent): void {
  res.write(`${JSON.stringify({ type: event.type, object: event.object })}\n`);
}

/** RFC 7386 JSON merge patch. */
function mergePatch(target: unknown, patch: unknown): unknown {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) return structuredClone(patch);
  const out: Record<string, unknown> =
    target !== null && typeof target === 'object' && !Array.isArray(target) ? { ...(target as Record<string, unknown>) } : {};
  for (const [k, v] of Object.entries(patch as Record<string, unknown>)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

function status(code: number, reason: string, message: string, details?: Record<string, unknown>): Record<string, unknown> {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, ...(details ? { details } : {}), code };
}

function parseSelector(sel: string): Array<[string, string]> {
  return sel
    .split(',')
    .filter(Boolean)
    .map((term) => {
      const [k, v] = term.split('=');
      return [(k ?? '').trim(), (v ?? '').trim()];
    });
}

function matches(labels: Record<string, string>, selector: Array<[string, string]>): boolean {
  return selector.every(([k, v]) => labels[k] === v);
}

function json(res: ServerResponse, code: number, body: unknown): void {
  res.writeHead(code, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}
