// `npm run package:ovsx [path.vsix]`: checks a built .vsix the way Open VSX would take it, without publishing.
// `ovsx publish` has no dry run (it uploads, and needs a token), so this runs what ovsx itself checks before the
// upload — its own readVSIXPackage, validateManifest and isLicenseOk — and then the registry's metadata rules
// (eclipse/openvsx server, ExtensionValidator: name pattern, version characters, field sizes, control characters,
// URLs) on the manifest inside the .vsix, plus that the listing icon is in the archive. scripts/package.mjs runs it
// after `vsce package`, so CI (test:e2e packages the extension) proves every build would be accepted by both stores.
// Exits non-zero with one line per problem.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);

/** Open VSX's limits (characters) and allowed version characters besides letters and digits. */
const NAME_PATTERN = /^[\w\-+$~]+$/;
const VERSION_EXTRA = new Set(['$', '+', '-', ',', '.', ':', ';', '_']);
const DEFAULT_LIMIT = 255;
const DESCRIPTION_LIMIT = 2048;
// Unicode categories the registry refuses in text fields: control, format, unassigned, private use, separators.
const FORBIDDEN_CHARACTER = /[\p{Cc}\p{Cf}\p{Cn}\p{Co}\p{Zl}\p{Zp}]/u;

/** `%key%` manifest values resolved from package.nls.json, as the registry shows them. */
function localized(value, nls) {
  const m = typeof value === 'string' ? /^%(.+)%$/.exec(value) : null;
  return m ? nls[m[1]] : value;
}

/**
 * Problems Open VSX would report for this manifest (resolved with `nls`, the English package.nls.json) and this
 * list of files in the .vsix (lowercased paths under `extension/`). Empty when it would be accepted.
 */
export function openVsxProblems(manifest, nls, files) {
  const problems = [];
  const text = (field, value, limit) => {
    if (value === undefined || value === null) return;
    if (typeof value !== 'string') problems.push(`${field} is not a string`);
    else if (value.length > limit) problems.push(`${field} is longer than ${limit} characters`);
    else if (FORBIDDEN_CHARACTER.test(value)) problems.push(`${field} holds a control or unassigned character`);
  };
  const url = (field, value) => {
    if (value === undefined) return;
    const raw = typeof value === 'object' && value !== null ? value.url : value;
    try {
      if (!new URL(String(raw).replace(/^git\+/, '')).host) throw new Error('no host');
    } catch {
      problems.push(`${field} is not a URL: ${raw}`);
    }
  };

  for (const field of ['publisher', 'name', 'version']) {
    if (!manifest[field]) problems.push(`missing required field '${field}'`);
  }
  if (manifest.publisher && !NAME_PATTERN.test(manifest.publisher)) problems.push(`invalid namespace (publisher): ${manifest.publisher}`);
  if (manifest.name && !NAME_PATTERN.test(manifest.name)) problems.push(`invalid extension name: ${manifest.name}`);
  if (manifest.version) {
    if (['latest', 'pre-release', 'reviews'].includes(manifest.version)) problems.push(`version '${manifest.version}' is reserved`);
    const bad = [...manifest.version].find((c) => !/[\p{L}\p{N}]/u.test(c) && !VERSION_EXTRA.has(c));
    if (bad !== undefined) problems.push(`invalid character '${bad}' in version ${manifest.version}`);
  }
  if (!manifest.engines?.vscode) problems.push('missing engines.vscode');

  const displayName = localized(manifest.displayName, nls);
  const description = localized(manifest.description, nls);
  if (manifest.displayName && displayName === undefined) problems.push(`displayName ${manifest.displayName} has no entry in package.nls.json`);
  if (manifest.description && description === undefined) problems.push(`description ${manifest.description} has no entry in package.nls.json`);
  text('displayName', displayName, DEFAULT_LIMIT);
  text('description', description, DESCRIPTION_LIMIT);
  text('license', manifest.license, DEFAULT_LIMIT);
  for (const c of manifest.categories ?? []) text(`category '${c}'`, c, DEFAULT_LIMIT);
  for (const k of manifest.keywords ?? []) text(`keyword '${k}'`, k, DEFAULT_LIMIT);
  url('homepage', manifest.homepage);
  url('repository', manifest.repository);
  url('bugs', typeof manifest.bugs === 'object' && manifest.bugs !== null && !manifest.bugs.url ? undefined : manifest.bugs);

  // Open VSX takes only licensed extensions: a license field or a LICENSE file in the package.
  if (!manifest.license && !files.some((f) => /^extension\/license(\.(md|txt))?$/i.test(f))) {
    problems.push('no license: set "license" or ship a LICENSE file');
  }
  if (manifest.icon) {
    if (/\.svg$/i.test(manifest.icon)) problems.push(`the icon must not be an SVG: ${manifest.icon}`);
    if (!files.includes(`extension/${manifest.icon.replace(/^\.\//, '')}`.toLowerCase())) problems.push(`the icon ${manifest.icon} is not in the .vsix`);
  }
  return problems;
}

async function main() {
  const root = join(dirname(fileURLToPath(import.meta.url)), '..');
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const vsix = process.argv[2] ?? join(root, `${pkg.name}-${pkg.version}.vsix`);
  // ovsx's own steps before an upload: read the manifest out of the archive, validate it, look for a license.
  const { readVSIXPackage } = require('ovsx/lib/zip');
  const { validateManifest, isLicenseOk } = require('ovsx');
  const manifest = await readVSIXPackage(vsix);
  const problems = [];
  try {
    validateManifest(manifest);
  } catch (err) {
    problems.push(`ovsx: ${err.message}`);
  }
  if (!(await isLicenseOk(root, pkg))) problems.push('ovsx: the extension has no license');

  const { readZip } = require('@vscode/vsce/out/zip');
  // vsce's reader lowercases entry names; only package.nls.json is read, the rest are listed.
  const files = [];
  const entries = await readZip(vsix, (name) => {
    if (name.startsWith('extension/')) files.push(name);
    return name === 'extension/package.nls.json';
  });
  const nlsBytes = entries.get('extension/package.nls.json');
  const nls = nlsBytes ? JSON.parse(nlsBytes.toString('utf8')) : {};
  problems.push(...openVsxProblems(manifest, nls, files));

  if (problems.length) {
    console.error(`Open VSX would refuse ${vsix}:\n  ${problems.join('\n  ')}`);
    process.exit(1);
  }
  console.log(`Open VSX: ${manifest.publisher}.${manifest.name} ${manifest.version} passes ovsx's checks and the registry's metadata rules (not published)`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await main();
