// `npm run package`: production bundle + `vsce package` → grpc-lb-lab-<version>.vsix, then checks it.
// The bundle is self-contained (no node_modules in the .vsix: --no-dependencies); the only external
// besides `vscode` is @grpc/grpc-js-xds, which must never be required when the extension loads.
// Prints the .vsix path and size; exits non-zero when a check fails.
import { execFileSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const vsix = join(root, `${pkg.name}-${pkg.version}.vsix`);
const SIZE_GOAL = 3 * 1024 * 1024;

function run(what, cmd, args) {
  try {
    execFileSync(cmd, args, { cwd: root, stdio: 'inherit' });
  } catch {
    console.error(`package: ${what} failed (see the output above)`);
    process.exit(1);
  }
}

// --no-build packages whatever dist/ holds (used while iterating on the packaging itself).
if (!process.argv.includes('--no-build')) {
  run('the production build', process.execPath, [join(root, 'scripts', 'build.mjs'), '--production']);
}

const bundle = readFileSync(join(root, 'dist', 'extension.js'), 'utf8');
// esbuild keeps externals as plain require("<name>") calls; a top-level one would run at load time.
const xdsRequires = bundle.match(/require\(["']@grpc\/grpc-js-xds["']\)/g) ?? [];
console.log(`dist/extension.js: ${(bundle.length / 1024).toFixed(0)} KiB, ${xdsRequires.length} lazy require(s) of @grpc/grpc-js-xds`);

const vsce = join(dirname(require.resolve('@vscode/vsce/package.json')), 'vsce');
// The project has no public home yet, so there is no repository URL to give (and none is invented):
// --allow-missing-repository lets vsce package without one, and --no-rewrite-relative-links keeps the README's
// relative image paths (media/…) as they are — VS Code resolves them against the installed extension's folder, where
// the .vsix put those files. Without the flag vsce refuses relative links when it cannot guess a repository.
run('vsce package', process.execPath, [
  vsce, 'package', '--no-dependencies', '--allow-missing-repository', '--no-rewrite-relative-links', '--skip-license',
  '--out', vsix,
]);

// Contents check: only run-time files.
const listing = execFileSync(process.execPath, [vsce, 'ls', '--no-dependencies'], { cwd: root, encoding: 'utf8' })
  .split('\n').map((l) => l.trim()).filter(Boolean);
const allowed = /^(package\.json|package\.nls(\.[a-z-]+)?\.json|README\.md|LICENSE(\.md)?|CHANGELOG\.md|dist\/(extension|server|client|lab|ext-[a-z-]+)\.js|dist\/images\/(client\.js|package(-lock)?\.json)|samples\/images\/(server|client)\.Dockerfile|\.dockerignore|proto\/.+\.proto|walkthroughs\/.+|manifests\/.+\.(ya?ml|json)|media\/.+|l10n\/.+\.json)$/;
const stray = listing.filter((f) => !allowed.test(f));
const size = statSync(vsix).size;
console.log(`${vsix.slice(root.length + 1)}: ${listing.length} files, ${(size / 1024 / 1024).toFixed(2)} MB (goal ≤ 3 MB)`);
let failed = false;
if (stray.length) {
  console.error(`unexpected files in the .vsix (fix .vscodeignore):\n  ${stray.join('\n  ')}`);
  failed = true;
}
if (!listing.includes('dist/extension.js')) {
  console.error('dist/extension.js is missing from the .vsix');
  failed = true;
}
// The libraries extension.js loads on first use (samples/common/lazyModules.ts) are files of their own.
const chunks = [...new Set(bundle.match(/(?<=require\(["']\.\/)ext-[a-z-]+\.js(?=["']\))/g) ?? [])];
const missingChunks = chunks.filter((c) => !listing.includes(`dist/${c}`));
if (missingChunks.length) {
  console.error(`dist/extension.js requires ${missingChunks.join(', ')}, missing from the .vsix (fix .vscodeignore)`);
  failed = true;
}
// scripts/build.mjs routes every `import * as vscode` through one re-export: more than one require of
// "vscode" means esbuild copies the API object per importing file again (milliseconds of activation each).
const vscodeRequires = bundle.match(/require\(["']vscode["']\)/g)?.length ?? 0;
if (vscodeRequires !== 1) {
  console.error(`dist/extension.js requires "vscode" ${vscodeRequires} times, expected once (see vscodeOnce in scripts/build.mjs)`);
  failed = true;
}
// README images: every relative one must be in the .vsix, or the Extensions view shows a broken image.
const readme = readFileSync(join(root, 'README.md'), 'utf8');
const readmeImages = [...readme.matchAll(/!\[[^\]]*\]\(([^)\s]+)[^)]*\)|<img[^>]+src=["']([^"']+)["']/g)]
  .map((m) => m[1] ?? m[2])
  .filter((src) => !/^[a-z]+:/i.test(src));
const missingImages = readmeImages.filter((src) => !listing.includes(src.replace(/^\.\//, '')));
if (missingImages.length) {
  console.error(`README.md shows images the .vsix does not hold (put them under media/): ${missingImages.join(', ')}`);
  failed = true;
}
// What Open VSX (code-server, VSCodium) would check before and on upload, without publishing.
try {
  execFileSync(process.execPath, [join(root, 'scripts', 'openVsxCheck.mjs'), vsix], { cwd: root, stdio: 'inherit' });
} catch {
  failed = true;
}
if (size > SIZE_GOAL) console.warn(`warning: the .vsix is larger than the 3 MB goal`);
process.exit(failed ? 1 : 0);
