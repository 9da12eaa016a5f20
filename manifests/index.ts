/**
 * The manifest loader: a chapter's documents = the shared base/ + what manifests/<chapter>/ adds
 * (its resources and its `*.patch.yaml` patches) + a few small typed transforms below (namespace,
 * the chapter label, the Envoy ConfigMaps, the Envoy sidecar). Pure: it reads YAML files that ship
 * with the code and returns plain objects — no cluster access, no `vscode`.
 *
 * `npm run -s manifests -- <chapter>` prints `renderChapter(chapter)`; the extension applies
 * `chapterDocuments(chapter)` in order with server-side apply.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KubernetesObject } from '@kubernetes/client-node';
import { yaml } from '../samples/common/lazyModules';
import {
  CHAPTER_IDS,
  CHAPTER_LABEL,
  DEPLOYABLE_CHAPTERS,
  MESH_NAMESPACE,
  PART_OF,
  PART_OF_LABEL,
  applyOrder,
  clientDeploymentName,
  getChapter,
  isChapterId,
  type ChapterId,
} from '../samples/common/catalog';

export type { KubernetesObject };

/** Istio release the istio and proxyless chapters are written and documented for. */
export const ISTIO_VERSION = '1.30.5';

/** `istioctl` arguments that install Istio for the mesh chapters (istiod only: no gateways needed). */
export const ISTIOCTL_INSTALL_ARGS: readonly string[] = ['install', '-y', '--set', 'profile=minimal'];

/** Istio's own addon manifests, pinned to ISTIO_VERSION's tag: Prometheus first (Kiali reads it). */
export const ISTIO_ADDON_URLS: readonly string[] = ['prometheus', 'kiali'].map(
  (addon) => `https://raw.githubusercontent.com/istio/istio/${ISTIO_VERSION}/samples/addons/${addon}.yaml`,
);

/** Container images the chapters run besides the lab's own (pinned; never `:latest`). */
export const ENVOY_IMAGE = 'envoyproxy/envoy:v1.37.11';
/** The rig builds this very name from etcd's Go module (scripts/cluster/etcd/go.mod pins the same release). */
export const ETCD_IMAGE = 'quay.io/coreos/etcd:v3.6.5';


/** Envoy's admin port, bound to 127.0.0.1 inside the pod: reach it with a port-forward (GET /clusters). */
export const ENVOY_ADMIN_PORT = 9901;

/** The Envoy sidecar's listener inside the client pod (the envoy-sidecar chapter's TARGET). */
export const SIDECAR_LISTENER = { address: '127.0.0.1', port: 9000 } as const;

/** A chapter id that deploys something (every one but `setup`). */
export type DeployableChapterId = Exclude<ChapterId, 'setup'>;
export const DEPLOYABLE_CHAPTER_IDS: readonly DeployableChapterId[] = DEPLOYABLE_CHAPTERS.map(
  (c) => c.id as DeployableChapterId,
);

/** A wrong chapter id, a chapter with nothing to deploy, or a broken manifest file. */
export class ManifestError extends Error {
  override readonly name = 'ManifestError';
}

/** Kubernetes object with the fields the loader touches, still open to anything else. */
interface K8sDoc extends KubernetesObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [key: string]: unknown;
}

interface PodTemplate {
  metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
  spec: {
    containers: Container[];
    initContainers?: Container[];
    volumes?: Array<Record<string, unknown> & { name: string }>;
    [key: string]: unknown;
  };
}

interface Container {
  name: string;
  env?: Array<{ name: string; value?: string; valueFrom?: unknown }>;
  [key: string]: unknown;
}

/** Per-chapter wiring that plain files cannot say without copying another chapter's resources. */
interface Recipe {
  /** Files of other chapters this chapter uses as they are (referenced, never copied). */
  include?: string[];
  /** Documents generated from files (e.g. a ConfigMap wrapping the Envoy bootstrap). */
  generate?: (root: string) => K8sDoc[];
  /** Typed changes applied after the patches. */
  transform?: (docs: K8sDoc[], root: string) => void;
}

const ENVOY_BOOTSTRAP = 'envoy/envoy.yaml';

const RECIPES: Record<DeployableChapterId, Recipe> = {
  clusterip: {},
  headless: {},
  endpoints: {},
  envoy: { generate: (root) => [envoyConfigMap(root, 'envoy')] },
  etcd: {},
  'envoy-sidecar': {
    generate: (root) => [envoyConfigMap(root, 'envoy-sidecar', SIDECAR_LISTENER)],
    transform: (docs, root) => addEnvoySidecar(docs, root),
  },
  istio: {},
  proxyless: { include: ['istio/destination-rule.yaml'] },
  'max-age': {},
};

/**
 * The folder holding base/ and the chapter folders. In the source tree that is this file's folder;
 * in the extension bundle (dist/extension.js) manifests/ ships beside dist/.
 */
export function manifestsRoot(): string {
  const candidates = [__dirname, join(__dirname, '..', 'manifests'), join(__dirname, 'manifests')];
  for (const dir of candidates) {
    if (existsSync(join(dir, 'base', 'greeter-server.yaml'))) return dir;
  }
  throw new ManifestError(`manifest files not found (looked in ${candidates.join(', ')})`);
}

function assertDeployable(id: string): DeployableChapterId {
  if (!isChapterId(id)) {
    throw new ManifestError(`unknown chapter "${id}"; expected one of: ${DEPLOYABLE_CHAPTER_IDS.join(', ')}`);
  }
  if (!(DEPLOYABLE_CHAPTER_IDS as readonly string[]).includes(id)) {
    throw new ManifestError(
      `chapter "${id}" deploys nothing; chapters with manifests: ${DEPLOYABLE_CHAPTER_IDS.join(', ')}`,
    );
  }
  return id as DeployableChapterId;
}

function readDocs(root: string, rel: string): K8sDoc[] {
  const text = readFileSync(join(root, rel), 'utf8');
  const docs: K8sDoc[] = [];
  for (const doc of yaml().parseAllDocuments(text)) {
    if (doc.errors.length > 0) throw new ManifestError(`${rel}: ${doc.errors[0].message}`);
    const value = doc.toJS() as unknown;
    if (value === null || value === undefined) continue;
    if (!isObject(value) || typeof value.kind !== 'string' || typeof value.apiVersion !== 'string' || !isObject(value.metadata) || typeof value.metadata.name !== 'string') {
      throw new ManifestError(`${rel}: every document needs apiVersion, kind and metadata.name`);
    }
    docs.push(value as unknown as K8sDoc);
  }
  return docs;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The YAML files of a folder, split into resources and patches, in name order. */
function chapterFiles(root: string, dir: string): { resources: string[]; patches: string[] } {
  const names = readdirSync(join(root, dir))
    .filter((n) => n.endsWith('.yaml') && !(dir === 'envoy' && `${dir}/${n}` === ENVOY_BOOTSTRAP))
    .sort();
  return {
    resources: names.filter((n) => !n.endsWith('.patch.yaml')).map((n) => `${dir}/${n}`),
    patches: names.filter((n) => n.endsWith('.patch.yaml')).map((n) => `${dir}/${n}`),
  };
}

/** Lists that Kubernetes merges by `name` (strategic merge), everything else is replaced. */
const MERGE_BY_NAME = new Set(['containers', 'initContainers', 'env', 'volumes', 'volumeMounts', 'ports']);

/** A small strategic-merge: objects merge deeply, named lists merge by `name`, scalars replace. */
export function mergePatch(target: Record<string, unknown>, patch: Record<string, unknown>): void {
  for (const [key, value] of Object.entries(patch)) {
    const current = target[key];
    if (isObject(value) && isObject(current)) {
      mergePatch(current, value);
    } else if (Array.isArray(value) && Array.isArray(current) && MERGE_BY_NAME.has(key)) {
      for (const item of value) {
        const existing = isObject(item)
          ? current.find((c) => isObject(c) && c.name === item.name)
          : undefined;
        if (isObject(existing) && isObject(item)) mergePatch(existing, item);
        else current.push(structuredClone(item));
      }
    } else {
      target[key] = structuredClone(value);
    }
  }
}

function podTemplate(doc: K8sDoc): PodTemplate | undefined {
  if (doc.kind !== 'Deployment' && doc.kind !== 'StatefulSet') return undefined;
  const spec = doc.spec as { template?: PodTemplate } | undefined;
  return spec?.template;
}

function setEnv(container: Container, name: string, value: string): void {
  container.env ??= [];
  const existing = container.env.find((e) => e.name === name);
  if (existing) {
    existing.value = value;
    delete existing.valueFrom;
  } else {
    container.env.push({ name, value });
  }
}

/**
 * The Envoy bootstrap as a ConfigMap. With `listener`, the listener binds there instead (the
 * sidecar listens on loopback only); the YAML keeps its comments either way.
 */
function envoyConfigMap(root: string, name: string, listener?: { address: string; port: number }): K8sDoc {
  let text = readFileSync(join(root, ENVOY_BOOTSTRAP), 'utf8');
  if (listener) {
    const doc = yaml().parseDocument(text);
    const path = ['static_resources', 'listeners', 0, 'address', 'socket_address'];
    if (!doc.hasIn(path)) throw new ManifestError(`${ENVOY_BOOTSTRAP}: no listener socket_address to move`);
    doc.setIn([...path, 'address'], listener.address);
    doc.setIn([...path, 'port_value'], listener.port);
    text = doc.toString();
  }
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name, labels: { 'app.kubernetes.io/name': 'envoy', [PART_OF_LABEL]: PART_OF } },
    data: { 'envoy.yaml': text },
  };
}

/**
 * envoy-sidecar: the Envoy container of the envoy chapter, run inside the client pod as a native
 * sidecar (init container with restartPolicy Always: it starts before the client and stops after
 * it). Its probes go: its only listener is on loopback, which the kubelet cannot reach.
 */
function addEnvoySidecar(docs: K8sDoc[], root: string): void {
  const envoyDeployment = readDocs(root, 'envoy/envoy-deployment.yaml').find((d) => d.kind === 'Deployment');
  const envoyTemplate = envoyDeployment && podTemplate(envoyDeployment);
  const envoy = envoyTemplate?.spec.containers.find((c) => c.name === 'envoy');
  if (!envoyTemplate || !envoy) throw new ManifestError('envoy/envoy-deployment.yaml: no container "envoy"');
  const client = docs.find((d) => d.kind === 'Deployment' && d.metadata.name === clientDeploymentName('envoy-sidecar'));
  const template = client && podTemplate(client);
  if (!template) throw new ManifestError('envoy-sidecar: client Deployment not found');

  const sidecar: Container = { ...structuredClone(envoy), restartPolicy: 'Always' };
  delete sidecar.readinessProbe;
  delete sidecar.livenessProbe;
  delete sidecar.ports;
  // The envoy image's user; the client pod runs as another non-root user.
  const envoyPodSecurity = envoyTemplate.spec.securityContext as Record<string, unknown> | undefined;
  sidecar.securityContext = {
    ...(sidecar.securityContext as Record<string, unknown>),
    runAsUser: envoyPodSecurity?.runAsUser,
    runAsGroup: envoyPodSecurity?.runAsGroup,
  };
  template.spec.initContainers = [...(template.spec.initContainers ?? []), sidecar];
  const volumes = structuredClone(envoyTemplate.spec.volumes ?? []);
  for (const volume of volumes) {
    const configMap = volume.configMap as { name?: string } | undefined;
    if (configMap?.name === 'envoy') configMap.name = 'envoy-sidecar';
  }
  template.spec.volumes = [...(template.spec.volumes ?? []), ...volumes];
}

/**
 * Every document of a chapter, ready for server-side apply in this order: Namespace first, then
 * RBAC / ConfigMaps / Services, then workloads. Throws ManifestError for an unknown chapter or `setup`.
 */
export function chapterDocuments(chapterId: string, root: string = manifestsRoot()): KubernetesObject[] {
  const id = assertDeployable(chapterId);
  const chapter = getChapter(id);
  const namespace = chapter.namespace as string;
  const recipe = RECIPES[id];

  const base = chapterFiles(root, 'base');
  const own = chapterFiles(root, id);
  const docs: K8sDoc[] = [...base.resources, ...own.resources, ...(recipe.include ?? [])].flatMap((rel) =>
    readDocs(root, rel),
  );
  docs.push(...(recipe.generate?.(root) ?? []));

  // The base client becomes this chapter's client; its selector gets the chapter label so the
  // clients of chapters sharing a namespace never select each other's pods.
  const clientName = clientDeploymentName(id);
  for (const doc of docs) {
    if (doc.kind === 'Deployment' && doc.metadata.name === 'greeter-client') {
      doc.metadata.name = clientName;
      const spec = doc.spec as { selector: { matchLabels: Record<string, string> } };
      spec.selector.matchLabels[CHAPTER_LABEL] = id;
      const client = podTemplate(doc)?.spec.containers.find((c) => c.name === 'client');
      if (client) setEnv(client, 'CHAPTER', id);
    }
  }

  for (const rel of own.patches) {
    for (const patch of readDocs(root, rel)) {
      const target = docs.find((d) => d.kind === patch.kind && d.metadata.name === patch.metadata.name);
      if (!target) throw new ManifestError(`${rel}: patches ${patch.kind} ${patch.metadata.name}, which chapter "${id}" does not have`);
      const { apiVersion: _a, kind: _k, ...rest } = patch;
      mergePatch(target, rest);
    }
  }

  recipe.transform?.(docs, root);

  for (const doc of docs) {
    const labels = (doc.metadata.labels ??= {});
    labels[PART_OF_LABEL] = PART_OF;
    labels[CHAPTER_LABEL] = id;
    if (doc.kind === 'Namespace') {
      doc.metadata.name = namespace;
      if (namespace === MESH_NAMESPACE) {
        // Istio's sidecar injection needs NET_ADMIN in istio-init, which Pod Security
        // "restricted" forbids: the mesh namespace warns instead of enforcing.
        labels['istio-injection'] = 'enabled';
        delete labels['pod-security.kubernetes.io/enforce'];
      }
    } else {
      doc.metadata.namespace = namespace;
    }
    if (doc.kind === 'RoleBinding') {
      for (const subject of (doc.subjects as Array<{ kind: string; namespace?: string }>) ?? []) {
        if (subject.kind === 'ServiceAccount') subject.namespace = namespace;
      }
    }
    const template = podTemplate(doc);
    if (template) {
      template.metadata ??= {};
      template.metadata.labels = { ...template.metadata.labels, [CHAPTER_LABEL]: id };
    }
  }

  return applyOrder(docs.map((doc) => ({ ...doc, metadata: orderedMetadata(doc.metadata) })));
}

/** name, namespace, labels, annotations first: the order people read manifests in. */
function orderedMetadata(metadata: K8sDoc['metadata']): K8sDoc['metadata'] {
  const { name, namespace, labels, annotations, ...rest } = metadata;
  return {
    name,
    ...(namespace === undefined ? {} : { namespace }),
    ...(labels === undefined ? {} : { labels }),
    ...(annotations === undefined ? {} : { annotations }),
    ...rest,
  };
}

/** The chapter as one multi-document YAML stream (what `kubectl apply -f -` takes). */
export function renderChapter(chapterId: string, root?: string): string {
  const docs = chapterDocuments(chapterId, root);
  const header = `# grpc-lb-lab chapter "${chapterId}": ${docs.length} documents, apply in this order\n`;
  return header + docs.map((doc) => yaml().stringify(doc, { lineWidth: 0 })).join('---\n');
}

export { CHAPTER_IDS };
