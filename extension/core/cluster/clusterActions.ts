import type { CoreV1Api, KubeConfig, KubernetesObject, V1Deployment, V1Pod } from '@kubernetes/client-node';
import { clientNode } from '../../../samples/common/lazyModules';
import { CHAPTER_LABEL, DEPLOYABLE_CHAPTERS, FIELD_MANAGER, PART_OF, PART_OF_LABEL, applyOrder, clientDeploymentName, type ChapterId } from '../../../samples/common/catalog';
import {
  ApiMissingError,
  ClusterUnreachableError,
  ImageNotBuiltError,
  KubeconfigDanglingError,
  NamespaceMissingError,
  NamespaceTerminatingError,
  PodCrashLoopError,
  ResourceMissingError,
  RolloutTimeoutError,
  abortableSleep,
  throwIfAborted,
} from '../errors';
import type { ContextGuard, KubeTarget } from './contextGuard';
import { contextInfo, danglingEntry, kubeCall, kubeTarget, type CallLimits, type CallSite, type KubeConfigLoader } from './kube';
import { chapterNamespace } from '../traffic/logFollower';
import { MAX_REPLICAS } from '../workbook/actions';

/** The API answered 404: the object (or its namespace) is not there. */
const isNotFound = (err: unknown): boolean => err instanceof clientNode().ApiException && err.code === 404;

const objectKey = (kind: string, namespace: string | undefined, name: string): string => `${kind}/${namespace ?? ''}/${name}`;

/**
 * A manifest document in the shape client-node's models use. KubernetesObjectApi serializes a body by
 * its kind's model, which names some fields differently from the API (a NetworkPolicy rule's `from` is
 * `_from`): a plain document would lose them. loadYaml deserializes by the same model (JSON is YAML).
 */
function asClientModel(doc: KubernetesObject): KubernetesObject {
  return clientNode().loadYaml<KubernetesObject>(JSON.stringify(doc));
}

/** Kubernetes' annotation that orders a ReplicaSet's scale-down: the lowest cost goes first (unset is 0). */
export const POD_DELETION_COST = 'controller.kubernetes.io/pod-deletion-cost';

const NAME_LABEL = 'app.kubernetes.io/name';
const CLIENT_NAME = 'greeter-client';

/** A chapter's documents, in any order (the actions order them). Default: manifests/index.ts. */
export type DocumentSource = (chapter: ChapterId) => readonly KubernetesObject[] | Promise<readonly KubernetesObject[]>;

/** Progress, as data; the adapter localizes it. */
export type ClusterProgress =
  | { type: 'applied'; kind: string; name: string; namespace?: string; index: number; total: number }
  | { type: 'rollout'; namespace: string; deployment: string; ready: number; updated: number; desired: number }
  | { type: 'rolloutDone'; namespace: string; deployment: string; desired: number }
  | { type: 'podWaiting'; namespace: string; pod: string; reason: string }
  | { type: 'namespaceTerminating'; namespace: string }
  | { type: 'scaled'; namespace: string; deployment: string; replicas: number }
  | { type: 'deleted'; kind: string; name: string; namespace?: string }
  /** Shared with a chapter that is still applied: kept, and its chapter label handed to that chapter. */
  | { type: 'kept'; kind: string; name: string; namespace?: string; usedBy: ChapterId }
  | { type: 'skipped'; apiVersion: string; kind: string; reason: 'api-not-served' };

export interface ActionOptions {
  signal?: AbortSignal;
  onProgress?: (p: ClusterProgress) => void;
}

export interface RolloutOptions extends ActionOptions {
  /** Give up after this long (default 180 s — image pulls of Envoy/etcd on a fresh minikube take a while). */
  timeoutMs?: number;
}

export interface ApplyReport {
  context: string;
  applied: Array<{ kind: string; name: string; namespace?: string }>;
  deployments: Array<{ namespace: string; name: string; replicas: number }>;
}

export interface CleanUpReport {
  context: string;
  deleted: Array<{ kind: string; name: string; namespace?: string }>;
  /** Objects another applied chapter still uses (one chapter's clean-up only). */
  kept: Array<{ kind: string; name: string; namespace?: string; usedBy: ChapterId }>;
}

export interface ClusterActionsDeps {
  kubeConfig: KubeConfigLoader;
  guard: ContextGuard;
  documents: DocumentSource;
  /** Rollout poll interval (default 1000 ms). */
  pollIntervalMs?: number;
  now?: () => number;
  /** Longest wait for one API call (default KUBE_CALL_TIMEOUT_MS in kube.ts). */
  callTimeoutMs?: number;
  /** How long rollouts (and terminating namespaces) are waited for, unless an action says (default 180 s; a setting). */
  rolloutTimeoutMs?: () => number;
}

/** `deployments.apps`-style resource name for messages (plural of the kind + API group). */
export function resourceName(apiVersion: string | undefined, kind: string | undefined): string {
  const lower = (kind ?? 'object').toLowerCase();
  const plural = lower.endsWith('s') ? `${lower}es` : lower.endsWith('y') ? `${lower.slice(0, -1)}ies` : `${lower}s`;
  const group = apiVersion?.includes('/') ? apiVersion.split('/')[0] : '';
  return group ? `${plural}.${group}` : plural;
}

/** The label selector of everything this extension applied, optionally of one chapter. */
export function labelSelector(chapter?: ChapterId): string {
  return chapter ? `${PART_OF_LABEL}=${PART_OF},${CHAPTER_LABEL}=${chapter}` : `${PART_OF_LABEL}=${PART_OF}`;
}

/**
 * The cluster half of the action layer: apply a chapter (server-side apply, namespace first, then
 * wait for rollout), scale, clean up by label. Every write goes through the ContextGuard first.
 */
export class ClusterActions {
  constructor(private readonly deps: ClusterActionsDeps) {}

  /** Name of the current kube context (undefined without a kubeconfig). */
  currentContext(): string | undefined {
    return contextInfo(this.deps.kubeConfig()).name;
  }

  /** The current context as the guard keys it (name, server, user); undefined without one. */
  currentTarget(): KubeTarget | undefined {
    return kubeTarget(this.deps.kubeConfig());
  }

  /**
   * For writes made by other programs (istioctl, kubectl): the kubeconfig and its current context,
   * once the guard allows writes to it — pin them with core/cluster/pinnedKubeconfig.ts.
   */
  async allowedContext(): Promise<{ kubeConfig: KubeConfig; context: string }> {
    const kc = this.connect();
    return { kubeConfig: kc, context: await this.guardWrite(kc) };
  }

  /**
   * Read-only check before following a chapter's client pods: its namespace and client Deployment
   * exist. Without it a tail of a chapter that was never applied would wait for lines forever.
   */
  async requireChapterClients(chapter: ChapterId): Promise<void> {
    const namespace = chapterNamespace(chapter);
    const kc = this.connect();
    await this.requireNamespace(kc, kc.makeApiClient(clientNode().CoreV1Api), namespace);
    const name = clientDeploymentName(chapter);
    const apps = kc.makeApiClient(clientNode().AppsV1Api);
    try {
      await kubeCall(kc, { verb: 'get', resource: 'deployments.apps', namespace }, () => apps.readNamespacedDeployment({ name, namespace }), this.limits(undefined));
    } catch (err) {
      if (isNotFound(err)) throw new ResourceMissingError('Deployment', name, namespace);
      throw err;
    }
  }

  /**
   * Server-side applies a chapter, namespace first, in two waves: everything but the clients, until
   * those Deployments have rolled out, then the clients. A client that starts before every server is
   * Ready resolves (DNS) a partial set and keeps it: on a real cluster the headless chapter's clients
   * then never reach the servers that came up a second later.
   */
  async applyChapter(chapter: ChapterId, options: RolloutOptions = {}): Promise<ApplyReport> {
    const { signal, onProgress } = options;
    const kc = this.connect();
    const docs = applyOrder((await this.deps.documents(chapter)).map((d) => structuredClone(d)));
    if (docs.length === 0) throw new Error(`chapter "${chapter}" has nothing to apply`);
    throwIfAborted(signal);
    const context = await this.guardWrite(kc);
    const api = clientNode().KubernetesObjectApi.makeApiClient(kc);
    const applied: ApplyReport['applied'] = [];
    const isClient = (d: KubernetesObject): boolean => d.kind === 'Deployment' && d.metadata?.labels?.[NAME_LABEL] === CLIENT_NAME;
    const deploymentsOf = (wave: readonly KubernetesObject[]): ApplyReport['deployments'] =>
      wave
        .filter((d) => d.kind === 'Deployment')
        .map((d) => ({
          namespace: d.metadata?.namespace ?? 'default',
          name: d.metadata?.name ?? '',
          replicas: (d as V1Deployment).spec?.replicas ?? 1,
        }));
    await this.waitForTerminatingNamespaces(kc, docs, options);
    for (const wave of [docs.filter((d) => !isClient(d)), docs.filter(isClient)]) {
      for (const doc of wave) {
        throwIfAborted(signal);
        const { kind = '', apiVersion = 'v1' } = doc;
        const name = doc.metadata?.name ?? '';
        const namespace = doc.metadata?.namespace;
        const apply = (): Promise<KubernetesObject> =>
          api.patch(asClientModel(doc), undefined, undefined, FIELD_MANAGER, true, clientNode().PatchStrategy.ServerSideApply);
        await this.call(kc, { verb: 'patch', resource: resourceName(apiVersion, kind), namespace }, apiVersion, kind, apply, signal);
        applied.push({ kind, name, namespace });
        onProgress?.({ type: 'applied', kind, name, namespace, index: applied.length, total: docs.length });
      }
      await this.waitForRollouts(kc, deploymentsOf(wave), options);
    }
    return { context, applied, deployments: deploymentsOf(docs) };
  }

  /**
   * A namespace still being deleted (a Clean Up of everything a moment ago) refuses new objects: wait
   * until it is gone, then apply creates it afresh.
   */
  private async waitForTerminatingNamespaces(kc: KubeConfig, docs: readonly KubernetesObject[], options: RolloutOptions): Promise<void> {
    const { signal, onProgress, timeoutMs = this.deps.rolloutTimeoutMs?.() ?? 180_000 } = options;
    const now = this.deps.now ?? Date.now;
    const core = kc.makeApiClient(clientNode().CoreV1Api);
    for (const name of docs.filter((d) => d.kind === 'Namespace').map((d) => d.metadata?.name ?? '')) {
      const deadline = now() + timeoutMs;
      let reported = false;
      for (;;) {
        throwIfAborted(signal);
        let terminating: boolean;
        try {
          const ns = await kubeCall(kc, { verb: 'get', resource: 'namespaces' }, () => core.readNamespace({ name }), this.limits(signal));
          terminating = ns.metadata?.deletionTimestamp !== undefined || ns.status?.phase === 'Terminating';
        } catch (err) {
          if (err instanceof NamespaceMissingError) break; // gone (or never there): apply creates it
          throw err;
        }
        if (!terminating) break;
        if (!reported) onProgress?.({ type: 'namespaceTerminating', namespace: name });
        reported = true;
        if (now() >= deadline) throw new NamespaceTerminatingError(name, Math.round(timeoutMs / 1000));
        await abortableSleep(this.deps.pollIntervalMs ?? 1000, signal);
      }
    }
  }

  /**
   * Waits until every Deployment has rolled out: observedGeneration caught up, all replicas updated
   * and ready, no old replicas left. A pod stuck on one of our images that is not in the cluster
   * fails fast with ImageNotBuiltError instead of running into the timeout.
   */
  async waitForRollouts(
    kc: KubeConfig,
    deployments: ReadonlyArray<{ namespace: string; name: string }>,
    options: RolloutOptions = {},
  ): Promise<void> {
    const { signal, onProgress, timeoutMs = this.deps.rolloutTimeoutMs?.() ?? 180_000 } = options;
    const now = this.deps.now ?? Date.now;
    const deadline = now() + timeoutMs;
    const apps = kc.makeApiClient(clientNode().AppsV1Api);
    const core = kc.makeApiClient(clientNode().CoreV1Api);
    const pending = new Map(deployments.map((d) => [`${d.namespace}/${d.name}`, d]));
    const lastSeen = new Map<string, { ready: number; desired: number }>();
    const reportedWaits = new Set<string>();
    while (pending.size > 0) {
      throwIfAborted(signal);
      for (const [key, d] of pending) {
        const dep = await kubeCall(
          kc,
          { verb: 'get', resource: 'deployments.apps', namespace: d.namespace },
          () => apps.readNamespacedDeployment({ name: d.name, namespace: d.namespace }),
          this.limits(signal),
        );
        const st = rolloutState(dep);
        lastSeen.set(key, { ready: st.ready, desired: st.desired });
        if (st.done) {
          pending.delete(key);
          onProgress?.({ type: 'rolloutDone', namespace: d.namespace, deployment: d.name, desired: st.desired });
          continue;
        }
        onProgress?.({ type: 'rollout', namespace: d.namespace, deployment: d.name, ...st });
        const selector = Object.entries(dep.spec?.selector?.matchLabels ?? {})
          .map(([k, v]) => `${k}=${v}`)
          .join(',');
        if (!selector) continue;
        const pods = await kubeCall(
          kc,
          { verb: 'list', resource: 'pods', namespace: d.namespace },
          () => core.listNamespacedPod({ namespace: d.namespace, labelSelector: selector }),
          this.limits(signal),
        );
        for (const pod of pods.items) {
          const crashing = crashLooping(pod);
          if (crashing) throw await this.crashLoopError(kc, core, pod, crashing, signal);
          const stuck = stuckOnImage(pod);
          if (!stuck) continue;
          if (stuck.image.startsWith('grpc-lb-lab/')) {
            const target = kubeTarget(kc);
            throw new ImageNotBuiltError(stuck.image, pod.metadata?.name ?? '', stuck.reason, target ? { context: target.name, server: target.server } : undefined);
          }
          const waitKey = `${pod.metadata?.name}/${stuck.reason}`;
          if (!reportedWaits.has(waitKey)) {
            reportedWaits.add(waitKey);
            onProgress?.({ type: 'podWaiting', namespace: d.namespace, pod: pod.metadata?.name ?? '', reason: stuck.reason });
          }
        }
      }
      if (pending.size === 0) break;
      if (now() >= deadline) {
        const [key, d] = pending.entries().next().value as [string, { namespace: string; name: string }];
        const seen = lastSeen.get(key) ?? { ready: 0, desired: 0 };
        throw new RolloutTimeoutError(d.namespace, d.name, seen.ready, seen.desired, timeoutMs);
      }
      await abortableSleep(this.deps.pollIntervalMs ?? 1000, signal);
    }
  }

  /**
   * Scales a Deployment with a JSON merge patch on its `scale` subresource (client-node's typed
   * call sends a JSON Patch by default, so the content type is set explicitly). A server-side apply
   * of just `replicas` would make our field manager drop every other field it owns.
   */
  async scale(
    target: { namespace: string; deployment: string; replicas: number },
    options: RolloutOptions & { wait?: boolean } = {},
  ): Promise<{ context: string }> {
    const { namespace, deployment, replicas } = target;
    if (!Number.isInteger(replicas) || replicas < 0 || replicas > MAX_REPLICAS) {
      throw new RangeError(`replicas must be an integer between 0 and ${MAX_REPLICAS}, got ${replicas}`);
    }
    const kc = this.connect();
    const core = kc.makeApiClient(clientNode().CoreV1Api);
    await this.requireNamespace(kc, core, namespace);
    const context = await this.guardWrite(kc);
    const apps = kc.makeApiClient(clientNode().AppsV1Api);
    try {
      await kubeCall(
        kc,
        { verb: 'patch', resource: 'deployments.apps/scale', namespace },
        () =>
          apps.patchNamespacedDeploymentScale(
            { name: deployment, namespace, body: { spec: { replicas } }, fieldManager: FIELD_MANAGER },
            clientNode().setHeaderOptions('Content-Type', clientNode().PatchStrategy.MergePatch),
          ),
        this.limits(options.signal),
      );
    } catch (err) {
      if (isNotFound(err)) throw new ResourceMissingError('Deployment', deployment, namespace);
      throw err;
    }
    options.onProgress?.({ type: 'scaled', namespace, deployment, replicas });
    if (options.wait !== false) await this.waitForRollouts(kc, [{ namespace, name: deployment }], options);
    return { context };
  }

  /**
   * Makes `pod` the one its ReplicaSet removes first on the next scale-down: the annotation
   * `controller.kubernetes.io/pod-deletion-cost` (lower goes first; unset is 0) set to -1. Without it a
   * scale-down removes the newest pod, which in the DNS chapters may be one no client ever found.
   */
  async preferForScaleDown(target: { namespace: string; pod: string }, options: ActionOptions = {}): Promise<{ context: string }> {
    const { namespace, pod } = target;
    throwIfAborted(options.signal);
    const kc = this.connect();
    const core = kc.makeApiClient(clientNode().CoreV1Api);
    const context = await this.guardWrite(kc);
    try {
      await kubeCall(
        kc,
        { verb: 'patch', resource: 'pods', namespace },
        () =>
          core.patchNamespacedPod(
            { name: pod, namespace, body: { metadata: { annotations: { [POD_DELETION_COST]: '-1' } } }, fieldManager: FIELD_MANAGER },
            clientNode().setHeaderOptions('Content-Type', clientNode().PatchStrategy.MergePatch),
          ),
        this.limits(options.signal),
      );
    } catch (err) {
      if (isNotFound(err)) throw new ResourceMissingError('Pod', pod, namespace);
      throw err;
    }
    return { context };
  }

  /**
   * Deletes what this extension applied — found by label, never by name guessing: everything with
   * `app.kubernetes.io/part-of=grpc-lb-lab` (and `grpc-lb.dev/chapter=<id>` for one chapter), of the
   * kinds the chapters ship, in the namespaces they use. Clean-up of everything also deletes the
   * labelled namespaces; one chapter's clean-up leaves the shared namespace in place.
   */
  async cleanUp(target: ChapterId | 'all', options: ActionOptions = {}): Promise<CleanUpReport> {
    const { signal, onProgress } = options;
    const kc = this.connect();
    const chapters = target === 'all' ? DEPLOYABLE_CHAPTERS.map((c) => c.id) : [target];
    const kinds = new Map<string, { apiVersion: string; kind: string; namespaces: Set<string>; clusterScoped: boolean }>();
    for (const id of chapters) {
      for (const d of await this.deps.documents(id)) {
        const apiVersion = d.apiVersion ?? 'v1';
        const kind = d.kind ?? '';
        if (kind === 'Namespace') continue;
        const key = `${apiVersion}/${kind}`;
        const entry = kinds.get(key) ?? { apiVersion, kind, namespaces: new Set<string>(), clusterScoped: false };
        if (d.metadata?.namespace) entry.namespaces.add(d.metadata.namespace);
        else entry.clusterScoped = true;
        kinds.set(key, entry);
      }
    }
    const selector = labelSelector(target === 'all' ? undefined : target);
    const context = await this.guardWrite(kc);
    const api = clientNode().KubernetesObjectApi.makeApiClient(kc);
    const deleted: CleanUpReport['deleted'] = [];
    const kept: CleanUpReport['kept'] = [];
    const inUse = target === 'all' ? new Map<string, ChapterId>() : await this.sharedInUse(kc, target, signal);
    // Workloads first (reverse apply order), so nothing is recreated from a half-deleted chapter.
    const ordered = applyOrder([...kinds.values()]).reverse();
    const remove = async (apiVersion: string, kind: string, namespace: string | undefined): Promise<void> => {
      throwIfAborted(signal);
      const site: CallSite = { verb: 'list', resource: resourceName(apiVersion, kind), namespace };
      const list = await this.call(kc, site, apiVersion, kind, () => api.list(apiVersion, kind, namespace, undefined, undefined, undefined, undefined, selector), signal);
      if (!list) {
        onProgress?.({ type: 'skipped', apiVersion, kind, reason: 'api-not-served' });
        return;
      }
      for (const item of list.items) {
        throwIfAborted(signal);
        const name = item.metadata?.name ?? '';
        const ns = item.metadata?.namespace;
        const usedBy = inUse.get(objectKey(kind, ns, name));
        if (usedBy) {
          // Hand it to the chapter that uses it, so that chapter's clean-up deletes it later.
          const labels = { [CHAPTER_LABEL]: usedBy };
          await kubeCall(
            kc,
            { verb: 'patch', resource: resourceName(apiVersion, kind), namespace: ns },
            () => api.patch({ apiVersion, kind, metadata: { name, namespace: ns, labels } }, undefined, undefined, FIELD_MANAGER, undefined, clientNode().PatchStrategy.MergePatch),
            this.limits(signal),
          );
          kept.push({ kind, name, namespace: ns, usedBy });
          onProgress?.({ type: 'kept', kind, name, namespace: ns, usedBy });
          continue;
        }
        try {
          await kubeCall(
            kc,
            { verb: 'delete', resource: resourceName(apiVersion, kind), namespace: ns },
            () => api.delete({ apiVersion, kind, metadata: { name, namespace: ns } }, undefined, undefined, undefined, undefined, 'Background'),
            this.limits(signal),
          );
        } catch (err) {
          if (isNotFound(err)) continue; // already gone
          throw err;
        }
        deleted.push({ kind, name, namespace: ns });
        onProgress?.({ type: 'deleted', kind, name, namespace: ns });
      }
    };
    for (const k of ordered) {
      if (k.clusterScoped) await remove(k.apiVersion, k.kind, undefined);
      for (const ns of [...k.namespaces].sort()) await remove(k.apiVersion, k.kind, ns);
    }
    if (target === 'all') {
      await remove('v1', 'Namespace', undefined);
      // Deleting a namespace starts it emptying; done means gone, so an apply right after does not meet it.
      const namespaces = deleted.filter((d) => d.kind === 'Namespace').map((d) => ({ kind: 'Namespace', metadata: { name: d.name } }));
      await this.waitForTerminatingNamespaces(kc, namespaces, options);
    }
    return { context, deleted, kept };
  }

  /**
   * The objects `chapter` shares with other chapters (same kind, namespace and name: the greeter-server
   * Deployment, the Services, …), each mapped to a chapter that still uses it: one whose client
   * Deployment is in the cluster. Reads only.
   */
  private async sharedInUse(kc: KubeConfig, chapter: ChapterId, signal: AbortSignal | undefined): Promise<Map<string, ChapterId>> {
    const keysOf = async (id: ChapterId): Promise<Set<string>> =>
      new Set((await this.deps.documents(id)).filter((d) => d.kind !== 'Namespace').map((d) => objectKey(d.kind ?? '', d.metadata?.namespace, d.metadata?.name ?? '')));
    const mine = await keysOf(chapter);
    const apps = kc.makeApiClient(clientNode().AppsV1Api);
    const inUse = new Map<string, ChapterId>();
    for (const other of DEPLOYABLE_CHAPTERS.filter((c) => c.id !== chapter)) {
      throwIfAborted(signal);
      const shared = [...(await keysOf(other.id))].filter((k) => mine.has(k) && !inUse.has(k));
      if (shared.length === 0) continue;
      const namespace = chapterNamespace(other.id);
      try {
        await kubeCall(
          kc,
          { verb: 'get', resource: 'deployments.apps', namespace },
          () => apps.readNamespacedDeployment({ name: clientDeploymentName(other.id), namespace }),
          this.limits(signal),
        );
      } catch (err) {
        if (isNotFound(err)) continue;
        throw err;
      }
      for (const key of shared) inUse.set(key, other.id);
    }
    return inUse;
  }

  /**
   * Deletes one pod of the tutorial (its Deployment starts another): the traffic view's "Delete This Pod",
   * to watch the clients fail over. Only a pod labelled app.kubernetes.io/part-of=grpc-lb-lab.
   */
  async deletePod(target: { namespace: string; pod: string }, options: ActionOptions = {}): Promise<{ context: string }> {
    const { namespace, pod } = target;
    const kc = this.connect();
    const core = kc.makeApiClient(clientNode().CoreV1Api);
    let found: V1Pod;
    try {
      found = await kubeCall(kc, { verb: 'get', resource: 'pods', namespace }, () => core.readNamespacedPod({ name: pod, namespace }), this.limits(options.signal));
    } catch (err) {
      if (isNotFound(err)) throw new ResourceMissingError('Pod', pod, namespace);
      throw err;
    }
    if (found.metadata?.labels?.[PART_OF_LABEL] !== PART_OF) throw new ResourceMissingError(`Pod of this tutorial (${PART_OF_LABEL}=${PART_OF})`, pod, namespace);
    const context = await this.guardWrite(kc);
    await kubeCall(kc, { verb: 'delete', resource: 'pods', namespace }, () => core.deleteNamespacedPod({ name: pod, namespace }), this.limits(options.signal));
    options.onProgress?.({ type: 'deleted', kind: 'Pod', name: pod, namespace });
    return { context };
  }

  /** The last `lines` lines a pod's container wrote (read-only): the traffic view's "Show Logs". */
  async podLog(target: { namespace: string; pod: string; lines?: number }, options: ActionOptions = {}): Promise<string> {
    const { namespace, pod } = target;
    const kc = this.connect();
    const core = kc.makeApiClient(clientNode().CoreV1Api);
    try {
      // The app's container (a sidecar, where there is one, is an init container or comes after it).
      const found = await kubeCall(kc, { verb: 'get', resource: 'pods', namespace }, () => core.readNamespacedPod({ name: pod, namespace }), this.limits(options.signal));
      const container = found.spec?.containers[0]?.name;
      return await kubeCall(
        kc,
        { verb: 'get', resource: 'pods/log', namespace },
        () => core.readNamespacedPodLog({ name: pod, namespace, tailLines: target.lines ?? 500, timestamps: true, ...(container ? { container } : {}) }),
        this.limits(options.signal),
      );
    } catch (err) {
      if (isNotFound(err)) throw new ResourceMissingError('Pod', pod, namespace);
      throw err;
    }
  }

  /** A crash-looping pod as an error, with the last lines its previous run wrote (best effort). */
  private async crashLoopError(
    kc: KubeConfig,
    core: CoreV1Api,
    pod: V1Pod,
    crashing: { container: string; lastExit: string },
    signal: AbortSignal | undefined,
  ): Promise<PodCrashLoopError> {
    const namespace = pod.metadata?.namespace ?? '';
    const name = pod.metadata?.name ?? '';
    let lastOutput = '';
    try {
      lastOutput = await kubeCall(
        kc,
        { verb: 'get', resource: 'pods/log', namespace },
        () => core.readNamespacedPodLog({ name, namespace, container: crashing.container, previous: true, tailLines: 5 }),
        this.limits(signal),
      );
    } catch {
      // No log to show (not allowed, already rotated): the exit reason still says what happened.
    }
    return new PodCrashLoopError(namespace, name, crashing.container, crashing.lastExit, lastOutput.trim());
  }

  /** Cancel and deadline for one API call of this action. */
  private limits(signal: AbortSignal | undefined): CallLimits {
    return { signal, ...(this.deps.callTimeoutMs !== undefined ? { timeoutMs: this.deps.callTimeoutMs } : {}) };
  }

  /** The current context's KubeConfig, or ClusterUnreachableError when there is none. */
  private connect(): KubeConfig {
    const kc = this.deps.kubeConfig();
    const info = contextInfo(kc);
    const dangling = danglingEntry(kc);
    if (info.name && dangling) throw new KubeconfigDanglingError(info.name, dangling);
    if (!info.name || !info.server) throw new ClusterUnreachableError(info.name, info.server, 'no current kube context');
    return kc;
  }

  private async guardWrite(kc: KubeConfig): Promise<string> {
    await this.deps.guard.ensureWritable(kubeTarget(kc));
    return contextInfo(kc).name ?? '';
  }

  private async requireNamespace(kc: KubeConfig, core: CoreV1Api, namespace: string): Promise<void> {
    try {
      await kubeCall(kc, { verb: 'get', resource: 'namespaces', namespace: undefined }, () => core.readNamespace({ name: namespace }), this.limits(undefined));
    } catch (err) {
      if (isNotFound(err)) throw new NamespaceMissingError(namespace);
      throw err;
    }
  }

  /**
   * One KubernetesObjectApi call with error translation. A kind the cluster does not serve gives
   * ApiMissingError for writes; for reads (`list`) it returns undefined so clean-up can skip it.
   */
  private async call<T>(kc: KubeConfig, site: CallSite, apiVersion: string, kind: string, fn: () => Promise<T>, signal?: AbortSignal): Promise<T | undefined> {
    try {
      return await kubeCall(kc, site, fn, this.limits(signal));
    } catch (err) {
      if (isApiNotServed(err)) {
        if (site.verb === 'list') return undefined;
        throw new ApiMissingError(apiVersion, kind);
      }
      throw err;
    }
  }
}

/** KubernetesObjectApi's resource discovery failing: unknown group/version (404) or unknown kind. */
function isApiNotServed(err: unknown): boolean {
  if (err instanceof clientNode().ApiException) return err.code === 404 && /Failed to fetch resource metadata/.test(err.message);
  return err instanceof Error && /^Unrecognized API version and kind/.test(err.message);
}

export interface RolloutState {
  done: boolean;
  ready: number;
  updated: number;
  desired: number;
}

/** `kubectl rollout status` semantics from a Deployment's spec and status. */
export function rolloutState(dep: V1Deployment): RolloutState {
  const desired = dep.spec?.replicas ?? 1;
  const st = dep.status ?? {};
  const ready = st.readyReplicas ?? 0;
  const updated = st.updatedReplicas ?? 0;
  const total = st.replicas ?? 0;
  const observed = (st.observedGeneration ?? 0) >= (dep.metadata?.generation ?? 0);
  const done = observed && updated >= desired && ready >= desired && total <= desired;
  return { done, ready, updated, desired };
}

const IMAGE_WAIT_REASONS = new Set(['ErrImageNeverPull', 'ErrImagePull', 'ImagePullBackOff', 'InvalidImageName']);

/** The image a pod cannot start, with the kubelet's reason, if any container waits on its image. */
/** The container of `pod` in CrashLoopBackOff and how it last ended; undefined when none is. */
export function crashLooping(pod: V1Pod): { container: string; lastExit: string } | undefined {
  for (const s of [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])]) {
    if (s.state?.waiting?.reason !== 'CrashLoopBackOff') continue;
    const ended = s.lastState?.terminated;
    const lastExit = ended ? `${ended.reason ?? 'terminated'}, exit code ${ended.exitCode}` : 'CrashLoopBackOff';
    return { container: s.name, lastExit };
  }
  return undefined;
}

export function stuckOnImage(pod: V1Pod): { image: string; reason: string } | undefined {
  const statuses = [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])];
  for (const s of statuses) {
    const reason = s.state?.waiting?.reason;
    if (reason && IMAGE_WAIT_REASONS.has(reason)) return { image: s.image, reason };
  }
  return undefined;
}



