/**
 * How the lab's two container images are built: a pure plan (tag, Dockerfile, context) and the
 * argument arrays for `docker build` and `minikube image build`. No process is started here; the
 * extension runs these with execFile (with minikube's docker-env in the child's environment for
 * `docker`), never through a shell.
 */
import { join } from 'node:path';
import { CLIENT_IMAGE, SERVER_IMAGE } from '../common/catalog';

export type ImageName = 'server' | 'client';

export interface ImageBuild {
  name: ImageName;
  /** Tag the manifests use (imagePullPolicy Never: the image must be in the node's runtime). */
  image: string;
  /** Dockerfile, relative to `context`. */
  dockerfile: string;
  /** Build context: the repository root (absolute). Run the build with this as cwd. */
  context: string;
  /**
   * Files (relative to `context`) the build cannot do without: the Dockerfile, what its COPY lines
   * bring in for `npm ci` and esbuild, the layout script it runs and the sample's entry point. A folder
   * lacking one of them cannot build this image (extension/core/toolchain/imageContext.ts checks them).
   */
  sources: readonly string[];
}

/** What every image's build stage reads besides its Dockerfile and entry point. */
const SHARED_SOURCES = ['package.json', 'package-lock.json', 'tsconfig.json', 'proto/greeter.proto', 'samples/images/bundle.mjs'];

function build(name: ImageName, image: string, context: string): ImageBuild {
  const dockerfile = `samples/images/${name}.Dockerfile`;
  return { name, image, dockerfile, context, sources: [dockerfile, ...SHARED_SOURCES, `samples/${name}/main.ts`] };
}

/** The repository root, from the source tree (samples/images) or the bundle (dist/). */
export function repoRoot(): string {
  return __dirname.endsWith(join('samples', 'images')) ? join(__dirname, '..', '..') : join(__dirname, '..');
}

/** Both images, server first. */
export function imageBuildPlan(context: string = repoRoot()): ImageBuild[] {
  return [build('server', SERVER_IMAGE, context), build('client', CLIENT_IMAGE, context)];
}

/** `docker …` arguments; run with cwd = build.context (and DOCKER_* from `minikube docker-env`). */
export function dockerBuildArgs(build: ImageBuild): string[] {
  return ['build', '--file', build.dockerfile, '--tag', build.image, '.'];
}

/** `minikube …` arguments that build straight into the cluster's runtime (any driver, no docker-env). */
export function minikubeImageBuildArgs(build: ImageBuild, profile?: string): string[] {
  return [
    'image',
    'build',
    ...(profile ? ['--profile', profile] : []),
    '--file',
    build.dockerfile,
    '--tag',
    build.image,
    '.',
  ];
}
