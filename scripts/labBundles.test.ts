/**
 * `npm start` runs the lab from dist/ and rebuilds those bundles only when they are older than the
 * source: these tests drive scripts/labBundles.mjs (in a child node, it is an ES module) on a temp
 * tree with controlled file times.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { test } from 'node:test';

const MODULE = pathToFileURL(join(__dirname, 'labBundles.mjs')).href;

function call(fn: 'labBundlesStaleReason' | 'forgetLabBundleInputs' | 'writeLabBundleInputs', root: string, ...args: unknown[]): unknown {
  const script =
    `const m = await import(${JSON.stringify(MODULE)});` +
    `const [root, args] = JSON.parse(process.argv[1]);` +
    `const out = m.${fn}(...args, root);` +
    `process.stdout.write(JSON.stringify(out === undefined ? null : out));`;
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script, JSON.stringify([root, args])], { encoding: 'utf8' });
  return JSON.parse(out);
}

function file(root: string, rel: string, mtimeMs: number): void {
  const path = join(root, rel);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, '//\n');
  utimesSync(path, mtimeMs / 1000, mtimeMs / 1000);
}

test('lab bundles: rebuilt when missing, unrecorded, older than an input; reused when current', (t) => {
  const root = mkdtempSync(join(tmpdir(), 'lab-bundles-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const built = Date.now() - 60_000;
  const inputs = ['samples/lab/cli.ts', 'node_modules/@grpc/grpc-js/build/src/index.js'];
  for (const input of inputs) file(root, input, built - 3_600_000);
  file(root, 'package.json', built - 3_600_000);

  assert.equal(call('labBundlesStaleReason', root), 'no record of a previous build');
  call('writeLabBundleInputs', root, built, inputs);
  assert.equal(call('labBundlesStaleReason', root), 'dist/lab.js is missing');
  for (const bundle of ['dist/lab.js', 'dist/server.js', 'dist/client.js']) file(root, bundle, built + 5_000);
  assert.equal(call('labBundlesStaleReason', root), null, 'current bundles are reused');

  file(root, 'samples/lab/cli.ts', built + 10_000);
  assert.equal(call('labBundlesStaleReason', root), 'samples/lab/cli.ts changed');
  file(root, 'samples/lab/cli.ts', built - 1_000);
  file(root, 'package.json', built + 10_000);
  assert.equal(call('labBundlesStaleReason', root), 'package.json changed', 'a dependency or script change rebuilds');
  file(root, 'package.json', built - 1_000);
  assert.equal(call('labBundlesStaleReason', root), null);

  file(root, 'dist/server.js', built - 1_000);
  assert.equal(call('labBundlesStaleReason', root), 'dist/server.js is older than the last build');
  file(root, 'dist/server.js', built + 5_000);
  rmSync(join(root, inputs[1]));
  assert.equal(call('labBundlesStaleReason', root), `${inputs[1]} is gone`);
  file(root, inputs[1], built - 1_000);
  call('forgetLabBundleInputs', root);
  assert.equal(call('labBundlesStaleReason', root), 'no record of a previous build', 'an interrupted build leaves no record');
});
