/**
 * The chapter catalog: one table as data. Ids are used in commands, manifest folders,
 * the `grpc-lb.dev/chapter` label and the client log's `chapter` field. Titles and prose are
 * localized by the adapters (package.nls*.json, l10n bundles, walkthrough markdown), not here.
 */
export const CHAPTER_IDS = [
  'setup',
  'clusterip',
  'headless',
  'endpoints',
  'envoy',
  'etcd',
  'envoy-sidecar',
  'istio',
  'proxyless',
  'max-age',
] as const;

export type ChapterId = (typeof CHAPTER_IDS)[number];

export const NAMESPACE = 'grpc-lb-example';
export const MESH_NAMESPACE = 'grpc-lb-mesh';
export const PART_OF = 'grpc-lb-lab';
/** The label every object of the tutorial carries with the value PART_OF: what Clean Up selects. */
export const PART_OF_LABEL = 'app.kubernetes.io/part-of';
/** The field manager of every server-side apply and every scale or restart patch the project makes. */
export const FIELD_MANAGER = 'grpc-lb-lab';
export const CHAPTER_LABEL = 'grpc-lb.dev/chapter';
export const SERVER_PORT = 50051;
export const SERVER_IMAGE = 'grpc-lb-lab/greeter-server:dev';
export const CLIENT_IMAGE = 'grpc-lb-lab/greeter-client:dev';

export interface Chapter {
  id: ChapterId;
  /** Namespace its resources live in; undefined for `setup`, which deploys nothing. */
  namespace?: string;
  /** The client's TARGET env in the cluster; undefined for `setup`. */
  target?: string;
  /** Local-lab scenario that teaches the same lesson without a cluster, where one can be honest. */
  labScenario?: LabScenarioId;
  /** True for the "beyond the original tutorial" chapters. */
  beyond?: boolean;
}

export type LabScenarioId = 'clusterip' | 'headless' | 'pick-first' | 'max-age' | 'etcd' | 'rollout';
export const LAB_SCENARIO_IDS: readonly LabScenarioId[] = ['clusterip', 'headless', 'pick-first', 'max-age', 'etcd', 'rollout'];

export const CHAPTERS: readonly Chapter[] = [
  { id: 'setup' },
  { id: 'clusterip', namespace: NAMESPACE, target: 'dns:///greeter-server:50051', labScenario: 'clusterip' },
  { id: 'headless', namespace: NAMESPACE, target: 'dns:///greeter-server-headless:50051', labScenario: 'headless' },
  { id: 'endpoints', namespace: NAMESPACE, target: 'kubernetes:///greeter-server-headless.grpc-lb-example:50051' },
  { id: 'envoy', namespace: NAMESPACE, target: 'dns:///envoy:50051' },
  { id: 'etcd', namespace: NAMESPACE, target: 'etcd:///greeter-server', labScenario: 'etcd' },
  { id: 'envoy-sidecar', namespace: NAMESPACE, target: 'dns:///127.0.0.1:9000' },
  { id: 'istio', namespace: MESH_NAMESPACE, target: 'dns:///greeter-server:50051' },
  {
    id: 'proxyless',
    namespace: MESH_NAMESPACE,
    target: 'xds:///greeter-server.grpc-lb-mesh.svc.cluster.local:50051',
    beyond: true,
  },
  {
    id: 'max-age',
    namespace: NAMESPACE,
    target: 'dns:///greeter-server-headless:50051',
    labScenario: 'max-age',
    beyond: true,
  },
];

export function isChapterId(value: string): value is ChapterId {
  return (CHAPTER_IDS as readonly string[]).includes(value);
}

/** The chapter with this id, or a clear error listing the valid ids. */
export function getChapter(id: string): Chapter {
  const chapter = CHAPTERS.find((c) => c.id === id);
  if (!chapter) {
    throw new Error(`unknown chapter "${id}"; expected one of: ${CHAPTER_IDS.join(', ')}`);
  }
  return chapter;
}

/** Chapters that deploy something to a cluster (every one but `setup`). */
export const DEPLOYABLE_CHAPTERS: readonly Chapter[] = CHAPTERS.filter((c) => c.target !== undefined);

/** Deployment name of a chapter's client, per DESIGN: `greeter-client-<chapter>`. */
export function clientDeploymentName(id: ChapterId): string {
  return `greeter-client-${id}`;
}

/**
 * Apply order: the namespace, then RBAC, config and Services (and the policies and rules that name
 * them), then workloads — etcd before Envoy before the servers before the clients, so that each
 * starts with what it calls already there. One table for the manifests and the extension's apply.
 */
const APPLY_KIND_ORDER = ['Namespace', 'ServiceAccount', 'Role', 'RoleBinding', 'ConfigMap', 'Secret', 'Service', 'DestinationRule', 'NetworkPolicy', 'StatefulSet', 'Deployment'];
const APPLY_APP_ORDER = ['etcd', 'envoy', 'greeter-server', 'greeter-client'];

interface Orderable {
  kind?: string;
  metadata?: { labels?: Record<string, string> };
}

function rank(list: readonly string[], value: string | undefined): number {
  const i = list.indexOf(value ?? '');
  return i < 0 ? list.length : i;
}

/** `docs` in apply order (see above); documents of the same rank keep their order. */
export function applyOrder<T extends Orderable>(docs: readonly T[]): T[] {
  return docs
    .map((doc, index) => ({ doc, index, kind: rank(APPLY_KIND_ORDER, doc.kind), app: rank(APPLY_APP_ORDER, doc.metadata?.labels?.['app.kubernetes.io/name']) }))
    .sort((a, b) => a.kind - b.kind || a.app - b.app || a.index - b.index)
    .map((entry) => entry.doc);
}
