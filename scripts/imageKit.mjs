// The image kit: what the client image installs besides the bundles, written into dist/images/ by
// scripts/build.mjs so an installed .vsix builds both images with no clone (samples/images/*.Dockerfile).
// The server bundle (dist/server.js) is self-contained. The client bundle keeps @grpc/grpc-js and
// @grpc/grpc-js-xds external: the xDS resolver registers into the grpc-js it requires, which must be
// the client's own, and grpc-js-xds reads Envoy's protos and its wasm from its own folder. Those two are
// installed in the image by `npm ci` from a package-lock.json cut out of this repository's lock, so the
// image gets exactly the versions the tests ran.
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Packages the client bundle leaves external (esbuild `external`) and the image installs. */
export const CLIENT_IMAGE_EXTERNALS = ['@grpc/grpc-js', '@grpc/grpc-js-xds'];

/** The lock entry path `dep` resolves to from the package at `from` (Node's upward node_modules search). */
function resolveEntry(packages, from, dep) {
  for (let base = from; ; ) {
    const candidate = base ? `${base}/node_modules/${dep}` : `node_modules/${dep}`;
    if (packages[candidate]) return candidate;
    if (!base) return undefined;
    const parent = base.lastIndexOf('/node_modules/');
    base = parent < 0 ? '' : base.slice(0, parent);
  }
}

/**
 * A package.json and package-lock.json (v3) that install `names` at the versions `rootLock` holds, with
 * every package they need (dependencies, optional and peer ones the lock has). A package the root lock
 * marks dev-only is a production dependency here, so those flags are dropped.
 */
export function kitPackage(rootLock, names, packageName) {
  const packages = rootLock.packages ?? {};
  const dependencies = {};
  const entries = {};
  const queue = [];
  for (const name of names) {
    const path = resolveEntry(packages, '', name);
    if (!path) throw new Error(`${name} is not in package-lock.json; run npm install`);
    dependencies[name] = packages[path].version;
    queue.push(path);
  }
  while (queue.length > 0) {
    const path = queue.shift();
    if (entries[path]) continue;
    const entry = { ...packages[path] };
    for (const flag of ['dev', 'devOptional', 'peer']) delete entry[flag];
    entries[path] = entry;
    const wanted = { ...entry.dependencies, ...entry.optionalDependencies, ...entry.peerDependencies };
    for (const dep of Object.keys(wanted)) {
      const found = resolveEntry(packages, path, dep);
      if (found) queue.push(found);
      else if (!entry.optionalDependencies?.[dep] && !entry.peerDependenciesMeta?.[dep]?.optional) {
        throw new Error(`${path} needs ${dep}, which package-lock.json does not hold`);
      }
    }
  }
  const manifest = { name: packageName, version: '0.0.0', private: true, license: 'MIT', dependencies };
  const sorted = Object.fromEntries(Object.keys(entries).sort().map((k) => [k, entries[k]]));
  const root = { name: packageName, version: '0.0.0', license: 'MIT', dependencies };
  const lock = { name: packageName, version: '0.0.0', lockfileVersion: 3, requires: true, packages: { '': root, ...sorted } };
  return { manifest, lock };
}

/**
 * Writes dist/images/package.json and package-lock.json under `outRoot` from the repository's lock. When
 * `outRoot` is another folder, the protos, Dockerfiles and .dockerignore go there too (a whole build context).
 */
export function writeImageKit(repoRoot, outRoot) {
  const rootLock = JSON.parse(readFileSync(join(repoRoot, 'package-lock.json'), 'utf8'));
  const { manifest, lock } = kitPackage(rootLock, CLIENT_IMAGE_EXTERNALS, 'grpc-lb-lab-client-image');
  if (outRoot !== repoRoot) {
    cpSync(join(repoRoot, 'proto'), join(outRoot, 'proto'), { recursive: true, filter: (f) => !f.endsWith('.ts') });
    for (const file of ['.dockerignore', 'samples/images/server.Dockerfile', 'samples/images/client.Dockerfile']) {
      cpSync(join(repoRoot, file), join(outRoot, file));
    }
  }
  const dir = join(outRoot, 'dist', 'images');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify(manifest, null, 2) + '\n');
  writeFileSync(join(dir, 'package-lock.json'), JSON.stringify(lock, null, 2) + '\n');
}
