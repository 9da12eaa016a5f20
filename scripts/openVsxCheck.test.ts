/**
 * The store listing: what the Marketplace and Open VSX show a learner (icon, categories, keywords, preview), and
 * scripts/openVsxCheck.mjs, which `npm run package` uses to check a .vsix against Open VSX's rules without publishing.
 * The .mjs module runs in a child node (it is an ES module); the file list is the one `vsce ls` says the .vsix holds.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';

const ROOT = join(__dirname, '..');
const MODULE = pathToFileURL(join(__dirname, 'openVsxCheck.mjs')).href;
const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as Record<string, unknown> & {
  icon?: string;
  keywords?: string[];
  categories?: string[];
};
const nls = JSON.parse(readFileSync(join(ROOT, 'package.nls.json'), 'utf8')) as Record<string, string>;

function openVsxProblems(m: unknown, files: string[]): string[] {
  const script =
    `const { openVsxProblems } = await import(${JSON.stringify(MODULE)});` +
    `const [m, nls, files] = JSON.parse(process.argv[1]);` +
    `process.stdout.write(JSON.stringify(openVsxProblems(m, nls, files)));`;
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script, JSON.stringify([m, nls, files])], { encoding: 'utf8' });
  return JSON.parse(out) as string[];
}

/** The files `vsce package` puts in the .vsix, as the archive names them (lowercased, under extension/). */
function vsixFiles(): string[] {
  const vsce = join(dirname(require.resolve('@vscode/vsce/package.json')), 'vsce');
  return execFileSync(process.execPath, [vsce, 'ls', '--no-dependencies'], { cwd: ROOT, encoding: 'utf8' })
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .map((f) => `extension/${f}`.toLowerCase());
}

describe('store listing', () => {
  it('shows a 128×128 PNG icon that the .vsix ships', () => {
    assert.ok(manifest.icon, 'package.json names an icon');
    const png = readFileSync(join(ROOT, manifest.icon));
    assert.deepEqual([...png.subarray(1, 4)].map((b) => String.fromCharCode(b)).join(''), 'PNG', 'the icon is a PNG');
    // IHDR follows the 8-byte signature and the chunk's length and type: width and height, big-endian.
    assert.deepEqual([png.readUInt32BE(16), png.readUInt32BE(20)], [128, 128]);
    assert.ok(vsixFiles().includes(`extension/${manifest.icon}`), 'the icon is in the .vsix');
  });

  it('is a public preview, filed where a learner looks, found by the words a learner types', () => {
    assert.equal(manifest.private, undefined, 'a private package cannot be published');
    assert.equal(manifest.preview, true);
    assert.deepEqual(manifest.categories, ['Education', 'Notebooks', 'Visualization']);
    for (const word of ['grpc', 'kubernetes', 'k8s', 'load balancing', 'service mesh', 'xds']) {
      assert.ok(manifest.keywords?.includes(word), `keyword ${word}`);
    }
    // The Marketplace refuses more than 30 keywords.
    assert.ok((manifest.keywords?.length ?? 0) <= 30);
    // No public home yet: no URL is invented for it.
    for (const field of ['repository', 'bugs', 'homepage']) assert.equal(manifest[field], undefined, field);
  });

  it('would be accepted by Open VSX as packaged', () => {
    assert.deepEqual(openVsxProblems(manifest, vsixFiles()), []);
  });

  it("reports what Open VSX would refuse: an SVG or missing icon, a bad name or version, a URL that is not one, no license", () => {
    const files = ['extension/package.json', 'extension/readme.md'];
    const problems = openVsxProblems(
      { ...manifest, name: 'grpc lb lab', version: 'latest', icon: 'media/icon.svg', repository: 'our repo', license: undefined },
      files,
    );
    const expected = [/invalid extension name: grpc lb lab/, /version 'latest' is reserved/, /must not be an SVG/, /media\/icon\.svg is not in the \.vsix/, /repository is not a URL: our repo/, /no license/];
    for (const pattern of expected) assert.ok(problems.some((p) => pattern.test(p)), `${pattern} in ${JSON.stringify(problems)}`);
    assert.equal(problems.length, expected.length, JSON.stringify(problems));
  });
});
