import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import { parse as parseYaml } from 'yaml';

/**
 * An HTTP double of the Kubernetes API for the action layer's tests (a test double, not a cluster):
 * discovery for the groups our chapters use, server-side apply / merge patch / get / list by label
 * selector / delete on an in-memory store, a tiny "deployment controller" that makes one more
 * replica ready per read, and injectable 403s. It records every request.
 */
export interface RecordedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  contentType: string | undefined;
  body: string;
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
  ],
  'apps/v1': [
    { name: 'deployments', kind: 'Deployment', namespaced: true },
    { name: 'deployments/scale', kind: 'Scale', namespaced: true },
    { name: 'statefulsets', kind: 'StatefulSet', namespaced: true },
  ],
  'rbac.authorization.k8s.io/v1': [
    { name: 'roles', kind: 'Role', namespaced: true },
    { name: 'rolebindings', kind: 'RoleBinding', namespaced: true },
  ],
};

const ISTIO: Record<string, ResourceDef[]> = {
  'networking.istio.io/v1': [{ name: 'destinationrules', kind: 'DestinationRule', namespaced: true }],
  'networking.istio.io/v1beta1': [{ name: 'destinationrules', kind: 'DestinationRule', namespaced: true }],
};

type Obj = { apiVersion?: string; kind?: string; metadata?: Record<string, unknown> & { name?: string; namespace?: string; labels?: Record<string, string>; generation?: number }; spec?: Record<string, unknown>; status?: Record<string, unknown> } & Record<string, unknown>;

export interface DoubleOptions {
  /** Serve Istio's networking group (default false: a cluster without Istio). */
  istio?: boolean;
  /** Replicas that become ready per read of a Deployment (default 1; 0 = never). */
  readyPerRead?: number;
}

export class KubeApiDouble {
  readonly requests: RecordedRequest[] = [];
  private readonly store = new Map<string, Obj>();
  private readonly forbidden: Array<{ method: string; path: RegExp }> = [];
  private server?: Server;
  private port = 0;
  private readonly groups: Record<string, ResourceDef[]>;

  constructor(private readonly options: DoubleOptions = {}) {
    this.groups = options.istio ? { ...GROUPS, ...ISTIO } : GROUPS;
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** A KubeConfig whose current context (`contextName`) points at this double. */
  kubeConfig(contextName = 'minikube'): KubeConfig {
    const kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [{ name: 'double', server: this.url, skipTLSVerify: true }],
      users: [{ name: 'learner', token: 'double-token' }],
      contexts: [{ name: contextName, cluster: 'double', user: 'learner' }],
      currentContext: contextName,
    });
    return kc;
  }

  /** Answer 403 to requests with this method whose path matches. */
  forbid(method: string, path: RegExp): void {
    this.forbidden.push({ method: method.toUpperCase(), path });
  }

  /** Puts an object straight into the store (pods, pre-existing resources). */
  put(obj: Obj): void {
    const def = this.defFor(obj.apiVersion ?? 'v1', obj.kind ?? '');
    if (!def) throw new Error(`double does not serve ${obj.apiVersion} ${obj.kind}`);
    this.store.set(this.key(obj.apiVersion ?? 'v1', def, obj.metadata?.namespace, obj.metadata?.name ?? ''), structuredClone(obj));
  }

  get(apiVersion: string, kind: string, namespace: string | undefined, name: string): Obj | undefined {
    const def = this.defFor(apiVersion, kind);
    return def ? this.store.get(this.key(apiVersion, def, namespace, name)) : undefined;
  }

  objects(): Obj[] {
    return [...this.store.values()];
  }

  /** Writes (non-GET requests), in order, as `METHOD path`. */
  writes(): string[] {
    return this.requests.filter((r) => r.method !== 'GET').map((r) => `${r.method} ${r.path}`);
  }

  private defFor(apiVersion: string, kind: string): ResourceDef | undefined {
    return this.groups[apiVersion]?.find((d) => d.kind === kind && !d.name.includes('/'));
  }

  private key(apiVersion: string, def: ResourceDef, namespace: string | undefined, name: string): string {
    return `${apiVersion}|${def.name}|${def.namespaced ? (namespace ?? 'default') : ''}|${name}`;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', this.url);
    const method = req.method ?? 'GET';
    this.requests.push({ method, path: url.pathname, query: url.searchParams, contentType: req.headers['content-type'], body });
    try {
      this.route(method, url, body, req.headers['content-type'], res);
    } catch (err) {
      this.send(res, 500, status(500, 'InternalError', String(err)));
    }
  }

  private route(method: string, url: URL, body: string, contentType: string | undefined, res: ServerResponse): void {
    const path = url.pathname;
    if (path === '/version') return this.send(res, 200, { major: '1', minor: '32', gitVersion: 'v1.32.0-double' });
    // Discovery: /api/v1, /apis/<group>/<version>
    const disc = /^\/(?:api\/(v1)|apis\/([^/]+\/[^/]+))$/.exec(path);
    if (disc && method === 'GET') {
      const gv = disc[1] ?? disc[2];
      const defs = this.groups[gv];
      if (!defs) return this.send(res, 404, status(404, 'NotFound', 'the server could not find the requested resource'));
      return this.send(res, 200, {
        kind: 'APIResourceList',
        apiVersion: 'v1',
        groupVersion: gv,
        resources: defs.map((d) => ({ name: d.name, singularName: '', kind: d.kind, namespaced: d.namespaced, verbs: ['get', 'list', 'patch', 'delete'] })),
      });
    }
    const m = /^\/(?:api\/(v1)|apis\/([^/]+\/[^/]+))(?:\/namespaces\/([^/]+))?\/([^/]+)(?:\/([^/]+))?(?:\/(scale|status))?$/.exec(path);
    if (!m) return this.send(res, 404, status(404, 'NotFound', `no route ${path}`));
    const gv = m[1] ?? m[2];
    const namespace = m[3] ? decodeURIComponent(m[3]) : undefined;
    const resource = m[4];
    const name = m[5] ? decodeURIComponent(m[5]) : undefined;
    const sub = m[6];
    const def = this.groups[gv]?.find((d) => d.name === resource);
    if (!def) return this.send(res, 404, status(404, 'NotFound', 'the server could not find the requested resource'));
    // `/api/v1/namespaces/<name>` is the namespace itself, not a namespaced collection.
    if (gv === 'v1' && resource === 'namespaces' && namespace === undefined && name === undefined && method !== 'GET') {
      return this.send(res, 405, status(405, 'MethodNotAllowed', 'collection writes not supported'));
    }
    for (const f of this.forbidden) {
      if (f.method === method && f.path.test(path)) {
        const group = gv.includes('/') ? gv.split('/')[0] : '';
        const verb = method === 'GET' ? (name ? 'get' : 'list') : method.toLowerCase();
        return this.send(
          res,
          403,
          status(
            403,
            'Forbidden',
            `${resource}${group ? `.${group}` : ''} "${name ?? ''}" is forbidden: User "learner" cannot ${verb} resource "${resource}" in API group "${group}"${namespace ? ` in the namespace "${namespace}"` : ''}`,
            { name, group, kind: resource },
          ),
        );
      }
    }
    const apiVersion = gv;
    // Namespaced object in a namespace that does not exist.
    if (def.namespaced && namespace && method !== 'GET' && !this.store.has(this.key('v1', GROUPS.v1[0], undefined, namespace))) {
      return this.send(res, 404, status(404, 'NotFound', `namespaces "${namespace}" not found`, { name: namespace, kind: 'namespaces' }));
    }
    if (method === 'GET' && name === undefined) {
      const selector = parseSelector(url.searchParams.get('labelSelector') ?? '');
      const items = [...this.store.entries()]
        .filter(([k]) => k.startsWith(def.namespaced && namespace ? `${apiVersion}|${def.name}|${namespace}|` : `${apiVersion}|${def.name}|`))
        .map(([, v]) => v)
        .filter((o) => matches(o.metadata?.labels ?? {}, selector));
      return this.send(res, 200, { apiVersion, kind: `${def.kind}List`, metadata: { resourceVersion: '1' }, items });
    }
    if (name === undefined) return this.send(res, 405, status(405, 'MethodNotAllowed', 'unsupported'));
    const key = this.key(apiVersion, def, namespace, name);
    const existing = this.store.get(key);
    const notFound = (): void =>
      this.send(res, 404, status(404, 'NotFound', `${def.name} "${name}" not found`, { name, kind: def.name, group: gv.includes('/') ? gv.split('/')[0] : '' }));
    if (method === 'GET') {
      if (!existing) return notFound();
      if (def.kind === 'Deployment') this.advanceRollout(existing);
      return this.send(res, 200, existing);
    }
    if (method === 'DELETE') {
      if (!existing) return notFound();
      this.store.delete(key);
      if (def.kind === 'Namespace') {
        for (const k of [...this.store.keys()]) if (k.split('|')[2] === name) this.store.delete(k);
      }
      return this.send(res, 200, { kind: 'Status', apiVersion: 'v1', status: 'Success', details: { name, kind: def.name } });
    }
    if (method === 'PATCH' && sub === 'scale') {
      if (!existing) return notFound();
      if (contentType !== 'application/merge-patch+json') {
        return this.send(res, 415, status(415, 'UnsupportedMediaType', `double accepts only merge patches on scale, got ${contentType}`));
      }
      const patch = JSON.parse(body) as { spec?: { replicas?: number } };
      const spec = (existing.spec ??= {});
      spec.replicas = patch.spec?.replicas;
      existing.metadata!.generation = (existing.metadata!.generation ?? 1) + 1;
      existing.status = { ...existing.status, readyReplicas: Math.min(Number(existing.status?.readyReplicas ?? 0), Number(spec.replicas)) };
      return this.send(res, 200, { apiVersion: 'autoscaling/v1', kind: 'Scale', metadata: { name, namespace }, spec: { replicas: spec.replicas } });
    }
    if (method === 'PATCH') {
      if (contentType !== 'application/apply-patch+yaml') {
        return this.send(res, 415, status(415, 'UnsupportedMediaType', `double accepts only server-side apply, got ${contentType}`));
      }
      if (!url.searchParams.get('fieldManager')) {
        return this.send(res, 422, status(422, 'Invalid', 'fieldManager is required for apply requests'));
      }
      const obj = parseYaml(body) as Obj;
      if (obj.metadata?.name !== name) return this.send(res, 400, status(400, 'BadRequest', 'name in body does not match the URL'));
      const generation = existing ? Number(existing.metadata?.generation ?? 1) + 1 : 1;
      const next: Obj = { ...obj, metadata: { ...obj.metadata, namespace: def.namespaced ? namespace : undefined, generation, uid: existing?.metadata?.uid ?? `uid-${name}` }, status: existing?.status ?? {} };
      this.store.set(key, next);
      return this.send(res, existing ? 200 : 201, next);
    }
    return this.send(res, 405, status(405, 'MethodNotAllowed', `${method} not supported by the double`));
  }

  /** The "controller": every read moves a Deployment one step towards its desired state. */
  private advanceRollout(dep: Obj): void {
    const desired = Number(dep.spec?.replicas ?? 1);
    const st = (dep.status ??= {});
    const step = this.options.readyPerRead ?? 1;
    st.observedGeneration = dep.metadata?.generation ?? 1;
    st.updatedReplicas = desired;
    st.replicas = desired;
    st.readyReplicas = Math.min(desired, Number(st.readyReplicas ?? 0) + step);
    st.availableReplicas = st.readyReplicas;
  }

  private send(res: ServerResponse, code: number, body: unknown): void {
    res.writeHead(code, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  }
}

function status(code: number, reason: string, message: string, details?: Record<string, unknown>): Record<string, unknown> {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, details, code };
}

function parseSelector(sel: string): Array<[string, string]> {
  return sel
    .split(',')
    .filter(Boolean)
    .map((term) => {
      const [k, v] = term.split('=');
      return [k, v ?? ''];
    });
}

function matches(labels: Record<string, string>, selector: Array<[string, string]>): boolean {
  return selector.every(([k, v]) => labels[k] === v);
}
