// `npm run test:e2e`: the extension in a real VS Code, as a new user meets it.
//   1. scripts/e2e/install.sh — cached, idempotent install of code-server 4.100.3 (+ apt packages as root);
//   2. scripts/package.mjs    — the production .vsix (skip with --no-package to reuse the last one);
//   3. node --test test/e2e/*.test.ts — each file installs the .vsix into a fresh code-server profile and
//      drives the workbench in headless Chromium (playwright-core). Screenshots: test-results/e2e/.
// Usage: npm run test:e2e [-- --no-package] [-- test/e2e/<file>.test.ts ...]
// Env: E2E_KEEP=1 keeps each session's temp profile (user data, logs) and prints its path.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const args = process.argv.slice(2);
const results = join(root, 'test-results', 'e2e');

function fail(message) {
  console.error(`test:e2e: ${message}`);
  process.exit(1);
}

const started = Date.now();
let codeServer;
try {
  const out = execFileSync('bash', [join(root, 'scripts', 'e2e', 'install.sh')], {
    cwd: root,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  codeServer = out.trim().split('\n').pop();
} catch {
  fail('installing code-server failed (see above)');
}
if (!codeServer || !existsSync(codeServer)) fail(`code-server not found after install (${codeServer})`);

const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const vsix = join(root, `${pkg.name}-${pkg.version}.vsix`);
if (!args.includes('--no-package')) {
  const r = spawnSync(process.execPath, [join(root, 'scripts', 'package.mjs')], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) fail('npm run package failed (see above)');
}
if (!existsSync(vsix)) fail(`${relative(root, vsix)} not found: run npm run package`);

rmSync(results, { recursive: true, force: true });
mkdirSync(results, { recursive: true });

const explicit = args.filter((a) => a.endsWith('.test.ts'));
const files = explicit.length
  ? explicit
  : readdirSync(join(root, 'test', 'e2e'))
      .filter((f) => f.endsWith('.test.ts'))
      .sort()
      .map((f) => join('test', 'e2e', f));
console.log(`test:e2e: code-server ${relative(root, codeServer)}, ${relative(root, vsix)}, ${files.length} file(s)`);

// One file at a time: each runs a code-server and a Chromium, and the machine may have 2 cores.
const r = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-concurrency=1', '--test-reporter=spec', ...files],
  {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, E2E_CODE_SERVER: codeServer, E2E_VSIX: vsix },
  },
);
console.log(`test:e2e: screenshots and activation.json in ${relative(root, results)}/ (${Math.round((Date.now() - started) / 1000)} s)`);
process.exit(r.status ?? 1);
