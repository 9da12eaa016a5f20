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
  /** Tag the manifests use (imagePullPolicy IfNotPresent: the image must be in the node's runtime). */
  image: string;
  /** Dockerfile, relative to `context`. */
  dockerfile: string;
  /** Build context: the repository root (absolute). Run the build with this as cwd. */
  context: string;
}

/** The repository root, from the source tree (samples/images) or the bundle (dist/). */
export function repoRoot(): string {
  return __dirname.endsWith(join('samples', 'images')) ? join(__dirname, '..', '..') : join(__dirname, '..');
}

/** Both images, server first. */
export function imageBuildPlan(context: string = repoRoot()): ImageBuild[] {
  return [
    { name: 'server', image: SERVER_IMAGE, dockerfile: 'samples/images/server.Dockerfile', context },
    { name: 'client', image: CLIENT_IMAGE, dockerfile: 'samples/images/client.Dockerfile', context },
  ];
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
