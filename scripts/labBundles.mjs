// Whether dist/'s sample bundles (lab, server, client) are current: scripts/build.mjs records the
// esbuild inputs of those bundles and when the build started; `npm start` (scripts/labStart.mjs)
// rebuilds them when any input, or anything that changes how they are built, is newer than that.
import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const LAB_BUNDLES = ['dist/lab.js', 'dist/server.js', 'dist/client.js'];
const RECORD = '.cache/lab-bundles.json';
/** Not esbuild inputs, but they change what a build produces (npm install rewrites node_modules/.package-lock.json). */
const BUILD_INPUTS = ['package.json', 'package-lock.json', 'node_modules/.package-lock.json', 'tsconfig.json', 'scripts/build.mjs', 'scripts/labBundles.mjs'];

/** Called by scripts/build.mjs before it writes anything: an interrupted build leaves no record, so the next start rebuilds. */
export function forgetLabBundleInputs(root = ROOT) {
  rmSync(join(root, RECORD), { force: true });
}

/** Called by scripts/build.mjs after the sample bundles were written. Paths are relative to the repo root. */
export function writeLabBundleInputs(startedMs, inputs, root = ROOT) {
  mkdirSync(join(root, dirname(RECORD)), { recursive: true });
  writeFileSync(join(root, RECORD), JSON.stringify({ startedMs, inputs }));
}

/** Why the bundles must be rebuilt (a short phrase), or undefined when they are current. */
export function labBundlesStaleReason(root = ROOT) {
  let record;
  try {
    record = JSON.parse(readFileSync(join(root, RECORD), 'utf8'));
  } catch {
    return 'no record of a previous build';
  }
  if (typeof record?.startedMs !== 'number' || !Array.isArray(record.inputs)) return 'no record of a previous build';
  for (const bundle of LAB_BUNDLES) {
    const built = mtimeMs(join(root, bundle));
    if (built === undefined) return `${bundle} is missing`;
    if (built < record.startedMs) return `${bundle} is older than the last build`;
  }
  for (const input of [...BUILD_INPUTS, ...record.inputs]) {
    const changed = mtimeMs(join(root, input));
    // A vanished input changed the source too (its importer will be rebuilt or fail with a clear error).
    if (changed === undefined) {
      if (BUILD_INPUTS.includes(input)) continue;
      return `${input} is gone`;
    }
    if (changed >= record.startedMs) return `${input} changed`;
  }
  return undefined;
}

function mtimeMs(path) {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return undefined;
  }
}
