// Lays out one sample as its container image runs it: <out>/dist/<name>.js (esbuild bundle),
// <out>/proto/ (greeter.proto, read at run time) and <out>/node_modules/ holding only the packages
// the bundle leaves external, with their dependencies, copied from this checkout's node_modules.
// Usage (from the repo root): node samples/images/bundle.mjs <server|client> <out-dir>
// The Dockerfiles run it in their build stage; samples/images/images.test.ts runs it too.
import { build } from 'esbuild';
import { cpSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

// Packages that read files beside their own code at run time (health, reflection and etcd3 load
// .proto files from their folders; grpc-js-xds loads Envoy's protos), so bundling would break them.
// @grpc/grpc-js stays external with them, so there is exactly one grpc-js in the process (the xDS
// resolver must register into the same grpc-js the client uses).
export const EXTERNAL = {
  server: ['@grpc/grpc-js', 'grpc-health-check', '@grpc/reflection', 'etcd3'],
  client: ['@grpc/grpc-js', '@grpc/grpc-js-xds', 'etcd3'],
};

function packageDir(name, fromDir) {
  for (let dir = fromDir; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return candidate;
    if (dirname(dir) === dir) throw new Error(`package ${name} not found from ${fromDir}; run npm ci first`);
  }
}

/** Copies the packages and everything they depend on (dependencies, peer and optional ones present). */
function copyClosure(names, outDir) {
  const done = new Set();
  const queue = names.map((name) => ({ name, from: REPO }));
  while (queue.length > 0) {
    const { name, from } = queue.shift();
    let dir;
    try {
      dir = packageDir(name, from);
    } catch (error) {
      if (from !== REPO) continue; // an optional dependency that is not installed
      throw error;
    }
    if (done.has(dir)) continue;
    done.add(dir);
    const rel = dir.slice(REPO.length + 1); // node_modules/a or node_modules/a/node_modules/b
    // nested node_modules of a package come with it (cpSync copies the whole folder)
    if (!rel.includes('/node_modules/', 'node_modules/'.length)) cpSync(dir, join(outDir, rel), { recursive: true });
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    for (const dep of Object.keys({ ...pkg.dependencies, ...pkg.peerDependencies, ...pkg.optionalDependencies })) {
      queue.push({ name: dep, from: dir });
    }
  }
  return done.size;
}

export async function layOut(name, outDir) {
  if (!(name in EXTERNAL)) throw new Error(`expected server or client, got ${name}`);
  mkdirSync(outDir, { recursive: true });
  await build({
    entryPoints: { [name]: join(REPO, 'samples', name, 'main.ts') },
    outdir: join(outDir, 'dist'),
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    minify: true,
    external: EXTERNAL[name],
    logLevel: 'warning',
  });
  cpSync(join(REPO, 'proto'), join(outDir, 'proto'), { recursive: true });
  return copyClosure(EXTERNAL[name], outDir);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [name, out] = process.argv.slice(2);
  if (!name || !out) {
    console.error('usage: node samples/images/bundle.mjs <server|client> <out-dir>');
    process.exit(2);
  }
  const packages = await layOut(name, resolve(out));
  console.log(`${name}: dist/${name}.js + proto/ + ${packages} packages in ${out}`);
}
