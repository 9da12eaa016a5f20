/**
 * An HTTP double of the Kubernetes API, just enough for the EndpointSlice resolver:
 * `GET /apis/discovery.k8s.io/v1/namespaces/<ns>/endpointslices?labelSelector=…` (list) and the
 * same with `watch=true` (a stream of JSON-line events, replayed from the requested
 * resourceVersion, as the real API server does). Tests change slices and watch the resolver react;
 * they can end or cut every open watch and answer 401/403 like a real server without RBAC.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface DoubleEndpoint {
  addresses: string[];
  conditions?: { ready?: boolean; serving?: boolean; terminating?: boolean };
  targetRef?: { kind: string; name: string; namespace?: string };
}

export interface DoubleSlice {
  apiVersion: 'discovery.k8s.io/v1';
  kind: 'EndpointSlice';
  metadata: { name: string; namespace: string; labels: Record<string, string>; resourceVersion?: string };
  addressType: 'IPv4' | 'IPv6' | 'FQDN';
  endpoints: DoubleEndpoint[];
  ports: { name?: string; port: number; protocol?: string; appProtocol?: string }[];
}

/** Builds an EndpointSlice of `service` with ready endpoints on `port` (named `grpc`). */
export function endpointSlice(
  namespace: string,
  service: string,
  name: string,
  port: number,
  endpoints: DoubleEndpoint[],
): DoubleSlice {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name, namespace, labels: { 'kubernetes.io/service-name': service } },
    addressType: 'IPv4',
    endpoints,
    ports: [{ name: 'grpc', port, protocol: 'TCP', appProtocol: 'grpc' }],
  };
}

type EventType = 'ADDED' | 'MODIFIED' | 'DELETED';
interface HistoryEvent {
  rv: number;
  type: EventType;
  object: DoubleSlice;
}

interface OpenWatch {
  namespace: string;
  selector: Record<string, string>;
  res: ServerResponse;
}

export interface RequestLogEntry {
  method: string;
  path: string;
  watch: boolean;
  resourceVersion?: string;
  labelSelector?: string;
  authorization?: string;
}

const SLICES_PATH = /^\/apis\/discovery\.k8s\.io\/v1\/namespaces\/([^/]+)\/endpointslices$/;

function parseSelector(text: string | null): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (text ?? '').split(',').filter(Boolean)) {
    const [k, v] = part.split('=');
    if (k) out[k.trim()] = (v ?? '').trim();
  }
  return out;
}

function matches(slice: DoubleSlice, namespace: string, selector: Record<string, string>): boolean {
  return (
    slice.metadata.namespace === namespace &&
    Object.entries(selector).every(([k, v]) => slice.metadata.labels[k] === v)
  );
}

export class KubeApiDouble {
  /** Every request, in order. */
  readonly requests: RequestLogEntry[] = [];
  /** Set to 401 or 403 to refuse lists and watches like an API server without RBAC. */
  refuse: 401 | 403 | undefined;
  private rv = 100;
  private readonly slices = new Map<string, DoubleSlice>();
  private readonly history: HistoryEvent[] = [];
  private readonly watches = new Set<OpenWatch>();
  private readonly server = createServer((req, res) => this.handle(req, res));

  private constructor() {}

  /** Starts the double on 127.0.0.1 and a free port. */
  static async start(): Promise<KubeApiDouble> {
    const double = new KubeApiDouble();
    await new Promise<void>((resolve) => double.server.listen(0, '127.0.0.1', resolve));
    return double;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** A kubeconfig (as `KubeConfig.loadFromOptions` takes) pointing at the double with a bearer token. */
  kubeConfigOptions(namespace = 'default') {
    return {
      clusters: [{ name: 'double', server: this.url, skipTLSVerify: true }],
      users: [{ name: 'resolver', token: 'double-token' }],
      contexts: [{ name: 'double', cluster: 'double', user: 'resolver', namespace }],
      currentContext: 'double',
    };
  }

  /** Watch requests received so far. */
  get watchRequests(): number {
    return this.requests.filter((r) => r.watch).length;
  }

  /** Watches currently open. */
  get openWatches(): number {
    return this.watches.size;
  }

  /** Creates or replaces a slice and streams ADDED/MODIFIED to matching watches. */
  apply(slice: DoubleSlice): void {
    const key = `${slice.metadata.namespace}/${slice.metadata.name}`;
    const type: EventType = this.slices.has(key) ? 'MODIFIED' : 'ADDED';
    const stored: DoubleSlice = structuredClone(slice);
    stored.metadata.resourceVersion = String(++this.rv);
    this.slices.set(key, stored);
    this.emit({ rv: this.rv, type, object: stored });
  }

  /** Deletes a slice and streams DELETED. */
  remove(namespace: string, name: string): void {
    const key = `${namespace}/${name}`;
    const old = this.slices.get(key);
    if (!old) return;
    this.slices.delete(key);
    const gone: DoubleSlice = structuredClone(old);
    gone.metadata.resourceVersion = String(++this.rv);
    this.emit({ rv: this.rv, type: 'DELETED', object: gone });
  }

  /**
   * Ends every open watch: `clean` finishes the response (as an API server does when a watch
   * times out), `cut` destroys the socket mid-stream (a dropped connection). Returns how many.
   */
  endWatches(how: 'clean' | 'cut'): number {
    const n = this.watches.size;
    for (const w of this.watches) {
      if (how === 'clean') w.res.end();
      else w.res.socket?.destroy();
    }
    this.watches.clear();
    return n;
  }

  async close(): Promise<void> {
    this.endWatches('cut');
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private emit(event: HistoryEvent): void {
    this.history.push(event);
    for (const w of this.watches) {
      if (matches(event.object, w.namespace, w.selector)) this.send(w.res, event);
    }
  }

  private send(res: ServerResponse, event: HistoryEvent): void {
    res.write(`${JSON.stringify({ type: event.type, object: event.object })}\n`);
  }

  private status(res: ServerResponse, code: number, reason: string, message: string): void {
    res.writeHead(code, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code }));
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', this.url);
    const watch = url.searchParams.get('watch') === 'true';
    this.requests.push({
      method: req.method ?? 'GET',
      path: url.pathname,
      watch,
      resourceVersion: url.searchParams.get('resourceVersion') ?? undefined,
      labelSelector: url.searchParams.get('labelSelector') ?? undefined,
      authorization: req.headers.authorization,
    });
    const m = SLICES_PATH.exec(url.pathname);
    if (req.method !== 'GET' || !m) {
      this.status(res, 404, 'NotFound', `the double serves only GET ${SLICES_PATH.source}`);
      return;
    }
    const namespace = decodeURIComponent(m[1] ?? '');
    if (this.refuse) {
      const user = 'system:serviceaccount:' + namespace + ':default';
      const verb = watch ? 'watch' : 'list';
      this.status(
        res,
        this.refuse,
        this.refuse === 401 ? 'Unauthorized' : 'Forbidden',
        this.refuse === 401
          ? 'Unauthorized'
          : `endpointslices.discovery.k8s.io is forbidden: User "${user}" cannot ${verb} resource "endpointslices" in API group "discovery.k8s.io" in the namespace "${namespace}"`,
      );
      return;
    }
    const selector = parseSelector(url.searchParams.get('labelSelector'));
    if (!watch) {
      const items = [...this.slices.values()].filter((s) => matches(s, namespace, selector));
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(
        JSON.stringify({
          apiVersion: 'discovery.k8s.io/v1',
          kind: 'EndpointSliceList',
          metadata: { resourceVersion: String(this.rv) },
          items,
        }),
      );
      return;
    }
    res.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' });
    res.flushHeaders();
    const from = Number(url.searchParams.get('resourceVersion') || this.rv);
    for (const event of this.history) {
      if (event.rv > from && matches(event.object, namespace, selector)) this.send(res, event);
    }
    const open: OpenWatch = { namespace, selector, res };
    this.watches.add(open);
    res.on('close', () => this.watches.delete(open));
  }
}
