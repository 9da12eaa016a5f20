/**
 * An HTTP double of the parts of the Kubernetes API the traffic follower and experiments use:
 * pods list + watch (label selector), pods/<name>/log with follow/timestamps/sinceTime/tailLines, and
 * apps/v1 deployments (get, merge-patch of the deployment and of its scale subresource — the test
 * plays the controller through `onDeploymentPatched`). Test and bench support only — it never
 * pretends to be more than this; each behaviour mirrors what a real API server/kubelet does for
 * the same request (e.g. a missing `container` → 400, sinceTime with second precision).
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';

export interface DoublePod {
  name: string;
  namespace: string;
  labels: Record<string, string>;
  containers: string[];
  phase: 'Pending' | 'Running' | 'Succeeded' | 'Failed';
  ready: boolean;
  readyTime?: string;
  deletionTimestamp?: string;
}

interface LogLine {
  /** RFC3339Nano, UTC. */
  ts: string;
  text: string;
}

interface LogStream {
  pod: string;
  res: http.ServerResponse;
}

export interface DoubleDeployment {
  name: string;
  namespace: string;
  replicas: number;
  annotations: Record<string, string>;
}

export interface DoubleRequest {
  method: string;
  path: string;
  query: URLSearchParams;
}

export class KubeApiDouble {
  private server = http.createServer((req, res) => this.handle(req, res));
  private readonly pods = new Map<string, DoublePod>();
  private readonly logs = new Map<string, LogLine[]>();
  private readonly logStreams = new Set<LogStream>();
  private readonly watchers = new Set<{ ns: string; selector: string; res: http.ServerResponse }>();
  private resourceVersion = 1;
  private lastNs = 0n;
  readonly requests: DoubleRequest[] = [];
  readonly deployments = new Map<string, DoubleDeployment>();
  /** Called after a deployment or its scale was patched (the test acts as the controller). */
  onDeploymentPatched: ((d: DoubleDeployment, what: 'scale' | 'template') => void) | undefined;
  /** When set, every request is answered with this status (401/403 to test RBAC errors). */
  forbidStatus: number | undefined;
  port = 0;

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    for (const s of this.logStreams) s.res.destroy();
    for (const w of this.watchers) w.res.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  kubeConfig(): KubeConfig {
    const kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [{ name: 'double', server: `http://127.0.0.1:${this.port}`, skipTLSVerify: true }],
      users: [{ name: 'double-user', token: 'double-token' }],
      contexts: [{ name: 'double', cluster: 'double', user: 'double-user', namespace: 'default' }],
      currentContext: 'double',
    });
    return kc;
  }

  addPod(pod: Omit<DoublePod, 'phase' | 'ready'> & Partial<Pick<DoublePod, 'phase' | 'ready'>>): DoublePod {
    const full: DoublePod = { phase: 'Running', ready: true, ...pod };
    this.pods.set(full.name, full);
    if (!this.logs.has(full.name)) this.logs.set(full.name, []);
    this.emit('ADDED', full);
    return full;
  }

  updatePod(name: string, change: Partial<DoublePod>): void {
    const pod = this.pods.get(name);
    if (!pod) throw new Error(`no pod ${name}`);
    Object.assign(pod, change);
    this.emit('MODIFIED', pod);
  }

  deletePod(name: string): void {
    const pod = this.pods.get(name);
    if (!pod) return;
    this.pods.delete(name);
    this.emit('DELETED', pod);
    // The kubelet ends a deleted container's log stream.
    for (const s of [...this.logStreams]) {
      if (s.pod === name) {
        s.res.end();
        this.logStreams.delete(s);
      }
    }
  }

  /** Appends a log line with a strictly increasing nanosecond timestamp (or the one given) and streams it. */
  appendLog(pod: string, text: string, ts?: string): string {
    const stamp = ts ?? this.nextStamp();
    const lines = this.logs.get(pod) ?? [];
    lines.push({ ts: stamp, text });
    this.logs.set(pod, lines);
    for (const s of this.logStreams) if (s.pod === pod) s.res.write(`${stamp} ${text}\n`);
    return stamp;
  }

  /** Ends every open log stream of a pod cleanly, as a kubelet or proxy timeout does. */
  endLogStreams(pod: string): number {
    let n = 0;
    for (const s of [...this.logStreams]) {
      if (s.pod === pod) {
        s.res.end();
        this.logStreams.delete(s);
        n++;
      }
    }
    return n;
  }

  /** Drops the TCP connections of a pod's log streams mid-flight (no clean end). */
  dropLogStreams(pod: string): number {
    let n = 0;
    for (const s of [...this.logStreams]) {
      if (s.pod === pod) {
        s.res.socket?.destroy();
        this.logStreams.delete(s);
        n++;
      }
    }
    return n;
  }

  /** Ends every open watch cleanly (a real API server does this every few minutes). */
  endWatches(): void {
    for (const w of this.watchers) w.res.end();
    this.watchers.clear();
  }

  openLogStreams(pod?: string): number {
    let n = 0;
    for (const s of this.logStreams) if (pod === undefined || s.pod === pod) n++;
    return n;
  }

  get openWatches(): number {
    return this.watchers.size;
  }

  private nextStamp(): string {
    let ns = BigInt(Date.now()) * 1_000_000n;
    if (ns <= this.lastNs) ns = this.lastNs + 1n;
    this.lastNs = ns;
    const ms = Number(ns / 1_000_000n);
    const frac = (ns % 1_000_000_000n).toString().padStart(9, '0');
    return `${new Date(ms).toISOString().slice(0, 19)}.${frac}Z`;
  }

  private podJson(pod: DoublePod): unknown {
    return {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name: pod.name,
        namespace: pod.namespace,
        labels: pod.labels,
        uid: `uid-${pod.name}`,
        resourceVersion: String(this.resourceVersion),
        ...(pod.deletionTimestamp ? { deletionTimestamp: pod.deletionTimestamp } : {}),
      },
      spec: { containers: pod.containers.map((name) => ({ name, image: 'grpc-lb-lab/greeter-client:dev' })) },
      status: {
        phase: pod.phase,
        conditions: [
          {
            type: 'Ready',
            status: pod.ready ? 'True' : 'False',
            ...(pod.readyTime ? { lastTransitionTime: pod.readyTime } : {}),
          },
        ],
      },
    };
  }

  private emit(type: string, pod: DoublePod): void {
    this.resourceVersion++;
    const line = JSON.stringify({ type, object: this.podJson(pod) }) + '\n';
    for (const w of this.watchers) {
      if (w.ns === pod.namespace && matches(w.selector, pod.labels)) w.res.write(line);
    }
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://double');
    this.requests.push({ method: req.method ?? 'GET', path: url.pathname, query: url.searchParams });
    if (this.forbidStatus !== undefined) {
      return json(res, this.forbidStatus, status(this.forbidStatus, 'pods is forbidden: User "double-user" cannot list resource "pods"'));
    }
    const dep = /^\/apis\/apps\/v1\/namespaces\/([^/]+)\/deployments\/([^/]+?)(\/scale)?$/.exec(url.pathname);
    if (dep) {
      const d = this.deployments.get(decodeURIComponent(dep[2]!));
      if (!d || d.namespace !== decodeURIComponent(dep[1]!)) return json(res, 404, status(404, 'deployments.apps not found'));
      if (req.method === 'GET') return json(res, 200, deploymentJson(d));
      if (req.method === 'PATCH') {
        let body = '';
        req.setEncoding('utf8');
        req.on('data', (c: string) => (body += c));
        req.on('end', () => {
          if (!String(req.headers['content-type']).startsWith('application/merge-patch+json')) {
            return json(res, 415, status(415, `the double only takes merge patches, got ${req.headers['content-type']}`));
          }
          const patch = JSON.parse(body) as {
            spec?: { replicas?: number; template?: { metadata?: { annotations?: Record<string, string> } } };
          };
          if (dep[3]) {
            if (typeof patch.spec?.replicas === 'number') d.replicas = patch.spec.replicas;
          } else {
            Object.assign(d.annotations, patch.spec?.template?.metadata?.annotations ?? {});
          }
          json(res, 200, deploymentJson(d));
          this.onDeploymentPatched?.(d, dep[3] ? 'scale' : 'template');
        });
        return;
      }
    }
    const podsList = /^\/api\/v1\/namespaces\/([^/]+)\/pods$/.exec(url.pathname);
    const podLog = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)\/log$/.exec(url.pathname);
    if (req.method === 'GET' && podsList) {
      const ns = decodeURIComponent(podsList[1]!);
      const selector = url.searchParams.get('labelSelector') ?? '';
      if (url.searchParams.get('watch') === 'true') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.flushHeaders();
        const w = { ns, selector, res };
        this.watchers.add(w);
        res.on('close', () => this.watchers.delete(w));
        return;
      }
      const items = [...this.pods.values()]
        .filter((p) => p.namespace === ns && matches(selector, p.labels))
        .map((p) => this.podJson(p));
      json(res, 200, {
        apiVersion: 'v1',
        kind: 'PodList',
        metadata: { resourceVersion: String(this.resourceVersion) },
        items,
      });
      return;
    }
    if (req.method === 'GET' && podLog) {
      const name = decodeURIComponent(podLog[2]!);
      const pod = this.pods.get(name);
      if (!pod) return json(res, 404, status(404, `pods "${name}" not found`));
      const container = url.searchParams.get('container');
      if (!container || container === 'undefined' || !pod.containers.includes(container)) {
        return json(res, 400, status(400, `container ${container} is not valid for pod ${name}`));
      }
      if (pod.phase !== 'Running') {
        return json(res, 400, status(400, `container "${container}" in pod "${name}" is waiting to start`));
      }
      const timestamps = url.searchParams.get('timestamps') === 'true';
      const sinceTime = url.searchParams.get('sinceTime');
      const tailLines = url.searchParams.get('tailLines');
      const sinceSeconds = url.searchParams.get('sinceSeconds');
      let lines = this.logs.get(name) ?? [];
      if (sinceSeconds && sinceTime) {
        return json(res, 400, status(400, 'at most one of sinceTime or sinceSeconds may be specified'));
      }
      if (sinceSeconds) {
        const since = Date.now() - Number(sinceSeconds) * 1000;
        lines = lines.filter((l) => Date.parse(l.ts.slice(0, 23) + 'Z') >= since);
      }
      if (sinceTime) {
        // The kubelet compares at the precision it is given: RFC3339 (whole seconds).
        const since = Date.parse(sinceTime);
        lines = lines.filter((l) => Date.parse(l.ts.slice(0, 19) + 'Z') >= since);
      }
      if (tailLines) lines = lines.slice(-Number(tailLines));
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
      if (url.searchParams.get('follow') !== 'true') {
        res.end();
        return;
      }
      res.flushHeaders();
      const stream = { pod: name, res };
      this.logStreams.add(stream);
      res.on('close', () => this.logStreams.delete(stream));
      return;
    }
    json(res, 404, status(404, `the double does not serve ${req.method} ${url.pathname}`));
  }
}

function deploymentJson(d: DoubleDeployment): unknown {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: d.name, namespace: d.namespace, generation: 1 },
    spec: {
      replicas: d.replicas,
      selector: { matchLabels: { 'app.kubernetes.io/name': d.name } },
      template: { metadata: { annotations: d.annotations }, spec: { containers: [{ name: 'server', image: 'x' }] } },
    },
    status: { replicas: d.replicas, readyReplicas: d.replicas, updatedReplicas: d.replicas, observedGeneration: 1 },
  };
}

function matches(selector: string, labels: Record<string, string>): boolean {
  if (!selector) return true;
  return selector.split(',').every((term) => {
    const [k, v] = term.split('=');
    return k !== undefined && labels[k] === v;
  });
}

function status(code: number, message: string): unknown {
  return { kind: 'Status', apiVersion: 'v1', status: 'Failure', message, code };
}

function json(res: http.ServerResponse, code: number, body: unknown): void {
  res.writeHead(code, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}
