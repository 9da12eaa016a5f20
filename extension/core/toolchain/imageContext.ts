import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ImageSourcesMissingError } from '../errors';
import { imageBuildPlan, type ImageBuild } from '../../../samples/images/index';

/**
 * True when `dir` holds every file the images' build reads (each build's `sources` in the image build
 * plan, samples/images/index.ts: Dockerfiles, package files, tsconfig.json, the proto, bundle.mjs and
 * the samples' entry points).
 */
export function isImageContext(dir: string): boolean {
  return imageBuildPlan(dir).every((build) => build.sources.every((f) => existsSync(join(dir, f))));
}

/**
 * The build plan rooted at the first candidate folder that holds the sources — a clone of the
 * repository opened as a workspace folder, or the extension itself when run from source (F5).
 * An installed .vsix ships only the bundle, so without a clone this throws ImageSourcesMissingError.
 */
export function resolveImagePlan(candidates: readonly string[]): ImageBuild[] {
  const dir = candidates.find(isImageContext);
  if (!dir) throw new ImageSourcesMissingError(candidates);
  return imageBuildPlan(dir);
}
