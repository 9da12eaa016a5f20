import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ImageSourcesMissingError } from '../errors';
import { imageBuildPlan, type ImageBuild } from '../../../samples/images/index';

/**
 * True when `dir` holds every file the images' build reads (each build's `sources` in the image build
 * plan, samples/images/index.ts: the Dockerfiles, .dockerignore, the bundles and the client's package lock).
 */
export function isImageContext(dir: string): boolean {
  return imageBuildPlan(dir).every((build) => build.sources.every((f) => existsSync(join(dir, f))));
}

/**
 * The build plan rooted at the first candidate folder that holds the build files — a built clone opened as
 * a workspace folder (a learner changing the samples), else the extension itself: the .vsix ships them.
 * Throws ImageSourcesMissingError when none does (a damaged install, or a clone never built).
 */
export function resolveImagePlan(candidates: readonly string[]): ImageBuild[] {
  const dir = candidates.find(isImageContext);
  if (!dir) throw new ImageSourcesMissingError(candidates);
  return imageBuildPlan(dir);
}
