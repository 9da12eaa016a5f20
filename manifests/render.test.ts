import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { parseAllDocuments } from 'yaml';
import { chapterDocuments, renderChapter } from './index';

const run = promisify(execFile);
const REPO = join(__dirname, '..');

test('`npm run -s manifests -- headless` prints exactly the documents the extension applies', async () => {
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const { stdout } = await run(npm, ['run', '-s', 'manifests', '--', 'headless'], { cwd: REPO });
  assert.equal(stdout, renderChapter('headless'));
  const docs = parseAllDocuments(stdout).map((d) => d.toJS());
  assert.deepEqual(docs, chapterDocuments('headless'));
});

test('an unknown chapter exits 2 with the list of chapters and prints no YAML', async () => {
  const error = await run(process.execPath, ['--import', 'tsx', join(__dirname, 'render.ts'), 'headles'], { cwd: REPO }).then(
    () => assert.fail('expected a non-zero exit'),
    (e: { code: number; stdout: string; stderr: string }) => e,
  );
  assert.equal(error.code, 2);
  assert.equal(error.stdout, '');
  assert.match(error.stderr, /unknown chapter "headles"; expected one of: clusterip, headless, endpoints, envoy, etcd, envoy-sidecar, istio, proxyless, max-age/);
});

test('bundled like the extension (dist/extension.js), the loader finds manifests/ beside dist/', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'grpc-lb-manifests-'));
  try {
    await build({
      stdin: {
        contents: "import { chapterDocuments } from './manifests/index'; console.log(JSON.stringify(chapterDocuments('envoy-sidecar')));",
        resolveDir: REPO,
        loader: 'ts',
      },
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      outfile: join(dir, 'dist', 'extension.js'),
      logLevel: 'silent',
    });
    cpSync(join(REPO, 'manifests'), join(dir, 'manifests'), { recursive: true, filter: (src) => !src.endsWith('.ts') });
    const { stdout } = await run(process.execPath, [join(dir, 'dist', 'extension.js')], { cwd: tmpdir() });
    assert.deepEqual(JSON.parse(stdout), chapterDocuments('envoy-sidecar'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
