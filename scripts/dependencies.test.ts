/**
 * Dependency hygiene: what `npm ci --omit=dev` would install is only what the samples, the lab and the extension
 * run with, and all of it runs on the Node the manifest promises (engines.node), so a learner on Node 20 gets no
 * EBADENGINE warning and no package that may use a Node 22 API.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import semver from 'semver';

const ROOT = join(__dirname, '..');
const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  engines: { node: string };
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};
const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as {
  packages: Record<string, { dev?: boolean; engines?: { node?: string } | string[] }>;
};

test('tools that only build, test or package are devDependencies', () => {
  for (const tool of ['tsx', 'typescript', 'esbuild', 'eslint', '@vscode/vsce', 'ovsx']) {
    assert.equal(manifest.dependencies[tool], undefined, `${tool} is in dependencies`);
    assert.ok(manifest.devDependencies[tool], `${tool} is a devDependency`);
  }
});

test('every run-time package in the lock file runs on the oldest Node that engines.node admits', () => {
  const oldest = semver.minVersion(manifest.engines.node);
  assert.ok(oldest, `engines.node ${manifest.engines.node} has a lowest version`);
  const refused: string[] = [];
  for (const [path, entry] of Object.entries(lock.packages)) {
    if (path === '' || entry.dev) continue;
    const wanted = Array.isArray(entry.engines) ? undefined : entry.engines?.node;
    if (wanted && !semver.satisfies(oldest, wanted)) refused.push(`${path.replace(/^.*node_modules\//, '')} wants node ${wanted}`);
  }
  assert.deepEqual(refused, [], `run-time packages that refuse Node ${oldest.version}`);
});
