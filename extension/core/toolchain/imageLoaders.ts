/**
 * Where the sample images go, decided by the cluster the kube context names (as Skaffold decides what
 * is local): minikube, kind, k3d, a desktop cluster sharing the local daemon, a containerd node (the
 * project's own grpc-lb-rig), or — for anything else — a registry the cluster pulls from. Each loader
 * is a list of argv steps run with execFile; nothing here builds a shell string.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLIENT_IMAGE, SERVER_IMAGE } from '../../../samples/common/catalog';
import { dockerBuildArgs, minikubeImageBuildArgs, type ImageBuild } from '../../../samples/images/index';
import { NoImageLoaderError } from '../errors';
import type { ProcessRunner } from '../process/processRunner';
import { runChecked } from './minikube';

export const LOADER_KINDS = ['minikube', 'kind', 'k3d', 'docker', 'containerd', 'registry'] as const;
export type LoaderKind = (typeof LOADER_KINDS)[number];
export const CONTAINER_TOOLS = ['docker', 'podman', 'nerdctl', 'buildah'] as const;
export type ContainerTool = (typeof CONTAINER_TOOLS)[number];

/** The project's one-node cluster (`npm run cluster:up`): its context and where its containerd listens. */
export const RIG_CONTEXT = 'grpc-lb-rig';
export const RIG_CONTAINERD_ADDRESS = '/run/grpc-lb-rig/containerd/containerd.sock';
/** containerd's own default socket (a kubeadm or k3s-less single node). */
export const DEFAULT_CONTAINERD_ADDRESS = '/run/containerd/containerd.sock';
/** The namespace CRI reads images from. */
const CRI_NAMESPACE = 'k8s.io';
/** Contexts of desktop clusters whose node uses the machine's own image store. */
const SHARED_DAEMON_CONTEXTS = new Set(['docker-desktop', 'docker-for-desktop', 'orbstack', 'rancher-desktop', 'colima']);

/** The learner's image settings (grpcLb.images.*, grpcLb.minikube.profile). */
export interface ImageSettings {
  loader: LoaderKind | 'auto';
  containerTool: ContainerTool | 'auto';
  minikubeProfile?: string;
  /** e.g. `ghcr.io/me`: images become `<registry>/greeter-server:<tag>` and are pushed there. */
  registry?: string;
  tag: string;
  /** containerd's socket for the containerd loader (default: the rig's for its context, else containerd's). */
  containerdAddress?: string;
  /** Extra arguments for every image build (a proxy, `--network=host`, a CA volume, …). */
  buildArgs: readonly string[];
}

/** Every image setting at its default: the loader and the tool follow the cluster, local tags. */
export const DEFAULT_IMAGE_SETTINGS: ImageSettings = { loader: 'auto', containerTool: 'auto', tag: 'dev', buildArgs: [] };

export interface LoaderChoice {
  kind: LoaderKind;
  /** kind/k3d cluster name or minikube profile. */
  cluster?: string;
  /** What builds the images (minikube: docker with docker-env, or minikube itself). */
  tool: ContainerTool | 'minikube';
  containerdAddress?: string;
  /** Why this loader, for the Tools channel. */
  reason: string;
}

/** One process to run: the tool, its argument array, and where. */
export interface LoaderStep {
  command: string;
  args: string[];
  cwd?: string;
  /** Set for docker with minikube's docker-env (filled in when the plan runs). */
  dockerEnv?: true;
  env?: Record<string, string>;
}

/** The image names the cluster will run: local tags, or the registry's names. */
export function imageNames(settings: Pick<ImageSettings, 'registry' | 'tag'>, kind: LoaderKind): { server: string; client: string } {
  if (kind !== 'registry' || !settings.registry) return { server: SERVER_IMAGE, client: CLIENT_IMAGE };
  const registry = settings.registry.replace(/\/+$/, '');
  return { server: `${registry}/greeter-server:${settings.tag}`, client: `${registry}/greeter-client:${settings.tag}` };
}

/** True when Build Images can put images where the cluster of `context` reads them (or a setting says how). */
export function imagesReach(context: string, settings: ImageSettings): boolean {
  return settings.loader !== 'auto' || !!settings.registry || recognizeContext(context, settings.minikubeProfile) !== undefined;
}

/** The image names the chapters should run on `context`: the registry's when images go through one. */
export function imageNamesFor(context: string | undefined, settings: ImageSettings): { server: string; client: string } {
  const viaRegistry = settings.loader === 'registry' || (settings.loader === 'auto' && !recognizeContext(context ?? '', settings.minikubeProfile));
  return imageNames(settings, viaRegistry ? 'registry' : 'docker');
}

/** The cluster behind a context by its naming convention, without any setting. */
export function recognizeContext(context: string, minikubeProfile?: string): Omit<LoaderChoice, 'tool'> | undefined {
  if (context === (minikubeProfile ?? 'minikube')) return { kind: 'minikube', cluster: minikubeProfile, reason: `context ${context} is minikube's` };
  if (context.startsWith('kind-') && context.length > 5) return { kind: 'kind', cluster: context.slice(5), reason: `context ${context} is a kind cluster's` };
  if (context.startsWith('k3d-') && context.length > 4) return { kind: 'k3d', cluster: context.slice(4), reason: `context ${context} is a k3d cluster's` };
  if (SHARED_DAEMON_CONTEXTS.has(context)) return { kind: 'docker', reason: `${context} runs its node on this machine's image store` };
  if (context === RIG_CONTEXT) return { kind: 'containerd', containerdAddress: RIG_CONTAINERD_ADDRESS, reason: `${context} is the project's one-node containerd cluster` };
  return undefined;
}

/** The first of `tools` on PATH. */
async function firstOnPath(runner: ProcessRunner, tools: readonly ContainerTool[]): Promise<ContainerTool | undefined> {
  for (const tool of tools) if (await runner.which(tool)) return tool;
  return undefined;
}

/** The container tools a loader can build with, preferred first. */
const TOOLS_FOR: Record<Exclude<LoaderKind, 'minikube'>, readonly ContainerTool[]> = {
  kind: ['docker', 'podman'],
  k3d: ['docker'],
  docker: ['docker', 'nerdctl'],
  containerd: ['buildah', 'podman', 'nerdctl'],
  registry: ['docker', 'podman', 'buildah', 'nerdctl'],
};

/**
 * Chooses the loader for `context`: the `loader` setting when it is not `auto`, else the context's naming
 * convention, else a registry when one is set. Throws NoImageLoaderError with what to set otherwise.
 */
export async function chooseLoader(runner: ProcessRunner, context: string, settings: ImageSettings, signal?: AbortSignal): Promise<LoaderChoice> {
  const base = loaderKindFor(context, settings);
  if (!base) throw new NoImageLoaderError(context);
  if (base.kind === 'registry' && !settings.registry) throw new NoImageLoaderError(context, 'registry');
  const containerdAddress = base.kind === 'containerd' ? settings.containerdAddress || base.containerdAddress || DEFAULT_CONTAINERD_ADDRESS : undefined;
  if (base.kind === 'minikube') {
    const tool = (await minikubeUsesDocker(runner, settings.minikubeProfile, signal)) && (await runner.which('docker')) ? 'docker' : 'minikube';
    return { ...base, tool, containerdAddress };
  }
  const candidates = settings.containerTool === 'auto' ? TOOLS_FOR[base.kind] : [settings.containerTool];
  const tool = (await firstOnPath(runner, candidates)) ?? candidates[0];
  return { ...base, tool, containerdAddress };
}

/** Which loader, before any tool is looked for: the setting, else the context's convention, else a set registry. */
function loaderKindFor(context: string, settings: ImageSettings): Omit<LoaderChoice, 'tool'> | undefined {
  const recognized = recognizeContext(context, settings.minikubeProfile);
  if (settings.loader !== 'auto') {
    return {
      kind: settings.loader,
      cluster: recognized?.cluster ?? clusterNameOf(context, settings),
      containerdAddress: recognized?.containerdAddress,
      reason: `setting grpcLb.images.loader = ${settings.loader}`,
    };
  }
  if (recognized) return recognized;
  return settings.registry ? { kind: 'registry', reason: `context ${context} is not a local cluster; pushing to ${settings.registry}` } : undefined;
}

function clusterNameOf(context: string, settings: ImageSettings): string {
  if (settings.loader === 'minikube') return settings.minikubeProfile ?? context;
  return context.replace(/^(kind|k3d)-/, '');
}

/**
 * True when the minikube profile runs the docker runtime (docker-env works only there); read from
 * `minikube profile list -o json`. When that cannot be read, docker is assumed (minikube's default).
 */
export async function minikubeUsesDocker(runner: ProcessRunner, profile: string | undefined, signal?: AbortSignal): Promise<boolean> {
  const res = await runner.run('minikube', ['profile', 'list', '-o', 'json'], { signal });
  if (res.exitCode !== 0) return true;
  try {
    const list = JSON.parse(res.stdout) as { valid?: { Name?: string; Config?: { KubernetesConfig?: { ContainerRuntime?: string } } }[] };
    const entry = list.valid?.find((p) => p.Name === (profile ?? 'minikube'));
    const runtime = entry?.Config?.KubernetesConfig?.ContainerRuntime;
    return !runtime || runtime === 'docker';
  } catch {
    return true;
  }
}

/** `build` with the image renamed and the learner's extra build arguments. */
function buildStep(tool: ContainerTool, build: ImageBuild, image: string, extra: readonly string[]): LoaderStep {
  const [verb, ...rest] = dockerBuildArgs({ ...build, image });
  const prefix = tool === 'buildah' ? ['bud'] : tool === 'nerdctl' ? ['--namespace', CRI_NAMESPACE, verb] : [verb];
  return { command: tool, args: [...prefix, ...extra, ...rest], cwd: build.context };
}

/**
 * The steps that build one image and put it where the cluster reads it. `tempDir` holds archives that
 * live only until the cluster has read them.
 */
export function loaderSteps(choice: LoaderChoice, build: ImageBuild, image: string, settings: ImageSettings, tempDir: string): LoaderStep[] {
  const archive = join(tempDir, `${build.name}.tar`);
  if (choice.kind === 'minikube') {
    if (choice.tool === 'minikube') return [{ command: 'minikube', args: minikubeImageBuildArgs({ ...build, image }, choice.cluster), cwd: build.context }];
    return [{ ...buildStep('docker', build, image, settings.buildArgs), dockerEnv: true }];
  }
  const tool = choice.tool as ContainerTool;
  // podman and buildah name an unqualified tag localhost/…; the kubelet asks for docker.io/…
  if (tool === 'podman' || tool === 'buildah') image = qualifiedImageName(image);
  const built = buildStep(tool, build, image, settings.buildArgs);
  switch (choice.kind) {
    case 'kind':
      if (tool === 'podman') {
        return [
          built,
          { command: 'podman', args: ['save', '--format', 'docker-archive', '--output', archive, image] },
          { command: 'kind', args: ['load', 'image-archive', archive, '--name', choice.cluster ?? 'kind'], env: { KIND_EXPERIMENTAL_PROVIDER: 'podman' } },
        ];
      }
      return [built, { command: 'kind', args: ['load', 'docker-image', image, '--name', choice.cluster ?? 'kind'] }];
    case 'k3d':
      return [built, { command: 'k3d', args: ['image', 'import', image, '--cluster', choice.cluster ?? 'k3s-default'] }];
    case 'docker':
      return [built];
    case 'containerd':
      return [built, ...containerdImport(tool, image, archive, choice.containerdAddress ?? DEFAULT_CONTAINERD_ADDRESS)];
    case 'registry':
      return [built, { command: tool, args: tool === 'nerdctl' ? ['--namespace', CRI_NAMESPACE, 'push', image] : ['push', image] }];
  }
}

/** `minikube image load`, by hand: the image into an OCI archive, imported into containerd's CRI namespace. */
function containerdImport(tool: ContainerTool, image: string, archive: string, address: string): LoaderStep[] {
  const ctr = (args: string[]): LoaderStep => ({ command: 'ctr', args: ['--address', address, '--namespace', CRI_NAMESPACE, ...args] });
  // nerdctl builds straight into the CRI namespace: nothing to import.
  if (tool === 'nerdctl') return [];
  const save: LoaderStep =
    tool === 'buildah'
      ? { command: 'buildah', args: ['push', '--quiet', '--disable-compression', image, `oci-archive:${archive}:${image}`] }
      : { command: tool, args: ['save', '--format', 'oci-archive', '--output', archive, image] };
  return [save, ctr(['images', 'import', '--all-platforms', archive])];
}

/**
 * The name CRI looks an image up by: `grpc-lb-lab/greeter-server:dev` → `docker.io/grpc-lb-lab/…`,
 * `node:20` → `docker.io/library/node:20` (Docker's normalisation, which the kubelet and buildah share).
 */
export function qualifiedImageName(name: string): string {
  const slash = name.indexOf('/');
  const first = slash < 0 ? '' : name.slice(0, slash);
  const hasRegistry = first !== '' && (first.includes('.') || first.includes(':') || first === 'localhost');
  const qualified = hasRegistry ? name : slash < 0 ? `docker.io/library/${name}` : `docker.io/${name}`;
  const lastPart = qualified.slice(qualified.lastIndexOf('/') + 1);
  return lastPart.includes(':') || lastPart.includes('@') ? qualified : `${qualified}:latest`;
}

/** Tools a loader runs besides its container tool (Doctor names the missing ones). */
export function toolsOf(choice: LoaderChoice): string[] {
  const extra: Record<LoaderKind, string[]> = { minikube: ['minikube'], kind: ['kind'], k3d: ['k3d'], docker: [], containerd: choice.tool === 'nerdctl' ? [] : ['ctr'], registry: [] };
  return [...new Set([...(choice.tool === 'minikube' ? [] : [choice.tool]), ...extra[choice.kind]])];
}

interface ContainerSpec {
  image?: string;
  imagePullPolicy?: string;
}
interface PodTemplateHolder {
  kind?: string;
  spec?: { template?: { spec?: { containers?: ContainerSpec[]; initContainers?: ContainerSpec[] } } };
}

/**
 * The chapter's documents with the sample images renamed (registry loader): their pull policy becomes
 * IfNotPresent, as the cluster must pull them. Other images and documents are unchanged.
 */
export function withImageNames<T extends object>(docs: readonly T[], names: { server: string; client: string }): T[] {
  if (names.server === SERVER_IMAGE && names.client === CLIENT_IMAGE) return [...docs];
  const rename: Record<string, string> = { [SERVER_IMAGE]: names.server, [CLIENT_IMAGE]: names.client };
  return docs.map((doc) => {
    const copy = structuredClone(doc) as T & PodTemplateHolder;
    const pod = copy.spec?.template?.spec;
    for (const container of [...(pod?.containers ?? []), ...(pod?.initContainers ?? [])]) {
      const renamed = container.image ? rename[container.image] : undefined;
      if (renamed) {
        container.image = renamed;
        container.imagePullPolicy = 'IfNotPresent';
      }
    }
    return copy;
  });
}

export interface LoadImagesOptions {
  signal?: AbortSignal;
  onLine?: (line: string, stream: 'stdout' | 'stderr') => void;
  onImage?: (build: ImageBuild, index: number, total: number) => void;
  /** minikube's docker-env, read only when a step needs it. */
  dockerEnv?: () => Promise<Record<string, string>>;
}

/** Runs every image's loader steps in order; a failed step throws ProcessFailedError with its output. */
export async function loadImages(
  runner: ProcessRunner,
  plan: readonly ImageBuild[],
  choice: LoaderChoice,
  settings: ImageSettings,
  options: LoadImagesOptions = {},
): Promise<string[]> {
  const names = imageNames(settings, choice.kind);
  const tempDir = mkdtempSync(join(tmpdir(), 'grpc-lb-images-'));
  try {
    const needsEnv = choice.kind === 'minikube' && choice.tool === 'docker';
    const dockerEnv = needsEnv ? await options.dockerEnv?.() : undefined;
    for (const [i, build] of plan.entries()) {
      options.onImage?.(build, i + 1, plan.length);
      for (const step of loaderSteps(choice, build, names[build.name], settings, tempDir)) {
        // what runs, as the learner would type it (the Tools channel)
        options.onLine?.(`$ ${[step.command, ...step.args].join(' ')}`, 'stdout');
        const env = { ...(step.dockerEnv ? dockerEnv : {}), ...step.env };
        await runChecked(runner, step.command, step.args, { signal: options.signal, onLine: options.onLine, cwd: step.cwd, env });
      }
    }
    return plan.map((b) => names[b.name]);
  } finally {
    rmSync(tempDir, { recursive: true, force: true });
  }
}
