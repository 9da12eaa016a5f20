// Bundles the extension and the sample processes with esbuild into dist/ (CJS, Node 20).
// `vscode` is provided by the host. The .proto files are read at run time from proto/, which ships
// beside dist/ in the .vsix. @grpc/grpc-js-xds loads Envoy's protos from its own folder at run
// time, so it stays external (the container images install it; the extension never needs xds).
import * as esbuild from 'esbuild';
import { copyFileSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';

// etcd3 reads its protos at module load from `${__dirname}/../proto/rpc.proto`. Bundled, __dirname is
// dist/, so that would be the extension's proto/ folder: ship etcd3's protos in proto/etcd3/ (git-ignored,
// copied here) and point the bundled etcd3 there. Without this the extension fails to activate (the
// lab's etcd scenario imports etcd3, and the traffic view imports the lab).
const require = createRequire(import.meta.url);
const etcd3Protos = join(dirname(require.resolve('etcd3/package.json')), 'proto');
mkdirSync('proto/etcd3', { recursive: true });
for (const f of readdirSync(etcd3Protos).filter((n) => n.endsWith('.proto'))) copyFileSync(join(etcd3Protos, f), join('proto/etcd3', f));
const etcd3ProtoPath = {
  name: 'etcd3-proto-path',
  setup(build) {
    build.onLoad({ filter: /etcd3[\\/]lib[\\/]connection-pool\.js$/ }, (args) => {
      const source = readFileSync(args.path, 'utf8');
      const from = '`${__dirname}/../proto/rpc.proto`';
      if (!source.includes(from)) throw new Error(`etcd3 changed how it loads rpc.proto (${args.path}); update scripts/build.mjs`);
      return { contents: source.replace(from, '`${__dirname}/../proto/etcd3/rpc.proto`'), loader: 'js' };
    });
  },
};

const production = process.argv.includes('--production');
const common = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  sourcemap: !production,
  minify: production,
  logLevel: 'warning',
  external: ['vscode', '@grpc/grpc-js-xds'],
  plugins: [etcd3ProtoPath],
};

await Promise.all([
  esbuild.build({ ...common, entryPoints: { extension: 'extension/extension.ts' }, outdir: 'dist' }),
  esbuild.build({ ...common, entryPoints: { server: 'samples/server/main.ts', client: 'samples/client/main.ts', lab: 'samples/lab/cli.ts' }, outdir: 'dist' }),
]);
console.log(`built dist/ (${production ? 'production' : 'development'})`);
