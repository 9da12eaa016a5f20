// Bundles the extension and the sample processes with esbuild into dist/ (CJS, Node 20).
// `vscode` is provided by the host. The .proto files are read at run time from proto/, which ships
// beside dist/ in the .vsix. @grpc/grpc-js-xds loads Envoy's protos from its own folder at run
// time, so it stays external (the container images install it; the extension never needs xds).
import * as esbuild from 'esbuild';

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
};

await Promise.all([
  esbuild.build({ ...common, entryPoints: { extension: 'extension/extension.ts' }, outdir: 'dist' }),
  esbuild.build({ ...common, entryPoints: { server: 'samples/server/main.ts', client: 'samples/client/main.ts', lab: 'samples/lab/cli.ts' }, outdir: 'dist' }),
]);
console.log(`built dist/ (${production ? 'production' : 'development'})`);
