import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ImageSourcesMissingError } from '../errors';
import { imageBuildPlan, type ImageBuild } from '../../../samples/images/index';

/** Files a folder must hold to be the images' build context (what the Dockerfiles COPY). */
const REQUIRED = ['package.json', 'package-lock.json', 'proto/greeter.proto', 'samples/images/server.Dockerfile', 'samples/images/client.Dockerfile'];

export function isImageContext(dir: string): boolean {
  return REQUIRED.every((f) => existsSync(join(dir, f)));
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
