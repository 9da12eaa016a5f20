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
  /**
   * Build context: the built extension (absolute) — its installed folder, or a clone after `npm run build`.
   * Run the build with this as cwd.
   */
  context: string;
  /**
   * Files (relative to `context`) the build cannot do without: the Dockerfile, the .dockerignore that keeps
   * the context small, and what its COPY lines bring in. A folder lacking one of them cannot build this image
   * (extension/core/toolchain/imageContext.ts checks them).
   */
  sources: readonly string[];
}

/** What each image's Dockerfile copies from the built extension (scripts/build.mjs, scripts/imageKit.mjs). */
const COPIED: Record<ImageName, readonly string[]> = {
  server: ['dist/server.js', 'proto/greeter.proto'],
  client: ['dist/images/client.js', 'dist/images/package.json', 'dist/images/package-lock.json', 'proto/greeter.proto'],
};

function build(name: ImageName, image: string, context: string): ImageBuild {
  const dockerfile = `samples/images/${name}.Dockerfile`;
  return { name, image, dockerfile, context, sources: [dockerfile, '.dockerignore', ...COPIED[name]] };
}

/** The built extension's root, from the source tree (samples/images) or the bundle (dist/). */
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
