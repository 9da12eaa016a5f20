// Bundles the extension and the sample processes with esbuild into dist/ (CJS, Node 20).
// `vscode` is provided by the host. The .proto files are read at run time from proto/, which ships
// beside dist/ in the .vsix. @grpc/grpc-js-xds loads Envoy's protos from its own folder at run
// time, so it stays external (the container images install it; the extension never needs xds).
import * as esbuild from 'esbuild';
import { copyFileSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';
import { CLIENT_IMAGE_EXTERNALS, writeImageKit } from './imageKit.mjs';
import { forgetLabBundleInputs, writeLabBundleInputs } from './labBundles.mjs';

// Some dependencies read their own .proto files at run time, relative to their module's __dirname.
// Bundled, __dirname is dist/, so those paths would point outside the extension. We copy each
// package's protos into proto/vendor/<pkg>/ (git-ignored, shipped in the .vsix) and rewrite the one
// path expression in each module. A changed upstream expression fails the build instead of the user.
const require = createRequire(import.meta.url);
const packageDir = (name) => dirname(require.resolve(`${name}/package.json`));
const VENDORED_PROTOS = [
  {
    pkg: 'etcd3',
    protoDir: 'proto',
    files: [{ module: /etcd3[\\/]lib[\\/]connection-pool\.js$/, from: '`${__dirname}/../proto/rpc.proto`', to: '`${__dirname}/../proto/vendor/etcd3/rpc.proto`' }],
  },
  {
    pkg: 'grpc-health-check',
    protoDir: 'proto',
    files: [
      {
        module: /grpc-health-check[\\/]build[\\/]src[\\/]health\.js$/,
        from: "`${__dirname}/../../proto`",
        to: "`${__dirname}/../proto/vendor/grpc-health-check`",
      },
      {
        module: /grpc-health-check[\\/]build[\\/]src[\\/]health\.js$/,
        from: "path.resolve(__dirname, '../../proto/health/v1/health.proto')",
        to: "path.resolve(__dirname, '../proto/vendor/grpc-health-check/health/v1/health.proto')",
      },
    ],
  },
  {
    pkg: '@grpc/reflection',
    protoDir: 'build/proto/grpc',
    dest: 'grpc-reflection/grpc',
    files: ['v1', 'v1alpha'].map((v) => ({
      module: new RegExp(`reflection[\\\\/]build[\\\\/]src[\\\\/]implementations[\\\\/]reflection-${v}\\.js$`),
      from: `path.join(__dirname, '../../proto/grpc/reflection/${v}/reflection.proto')`,
      to: `path.join(__dirname, '../proto/vendor/grpc-reflection/grpc/reflection/${v}/reflection.proto')`,
    })),
  },
];

function copyProtos(from, to) {
  mkdirSync(to, { recursive: true });
  for (const entry of readdirSync(from, { withFileTypes: true })) {
    if (entry.isDirectory()) copyProtos(join(from, entry.name), join(to, entry.name));
    else if (entry.name.endsWith('.proto')) copyFileSync(join(from, entry.name), join(to, entry.name));
  }
}
for (const v of VENDORED_PROTOS) copyProtos(join(packageDir(v.pkg), v.protoDir), join('proto/vendor', v.dest ?? v.pkg));

const vendoredProtoPaths = {
  name: 'vendored-proto-paths',
  setup(build) {
    const rewrites = VENDORED_PROTOS.flatMap((v) => v.files);
    build.onLoad({ filter: /(etcd3|grpc-health-check|reflection)[\\/].*\.js$/ }, (args) => {
      const mine = rewrites.filter((r) => r.module.test(args.path));
      if (mine.length === 0) return undefined;
      let source = readFileSync(args.path, 'utf8');
      for (const r of mine) {
        if (!source.includes(r.from)) throw new Error(`${args.path} no longer contains ${r.from}; update scripts/build.mjs`);
        source = source.replace(r.from, r.to);
      }
      return { contents: source, loader: 'js' };
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
  // tsx is only reached when running from source (sampleProcess), never from the bundle.
  external: ['vscode', '@grpc/grpc-js-xds', 'tsx'],
  plugins: [vendoredProtoPaths],
};

// The client image's bundle (scripts/imageKit.mjs): grpc-js and grpc-js-xds come from the image's node_modules.
function clientImageBundle(outdir) {
  return { ...common, sourcemap: false, entryPoints: { client: 'samples/client/main.ts' }, outdir, external: [...common.external, ...CLIENT_IMAGE_EXTERNALS] };
}

// The extension's heavy libraries are loaded on first use through samples/common/lazyModules.ts.
// Lazy evaluation is not enough: V8 compiles every byte of a file when it is required, so each
// loader's module is bundled into a file of its own beside extension.js (dist/ext-*.js, so the
// vendored-proto __dirname paths above still hold) and the extension requires that file instead.
const EXTENSION_CHUNKS = [
  { chunk: 'ext-client-node', entry: '@kubernetes/client-node', filter: /^@kubernetes\/client-node$/ },
  { chunk: 'ext-yaml', entry: 'yaml', filter: /^yaml$/ },
  { chunk: 'ext-markdown-it', entry: 'markdown-it', filter: /^markdown-it$/ },
  { chunk: 'ext-lab', entry: 'samples/lab/index.ts', filter: /^\.\.\/lab\/index$/, importer: /samples[\\/]common[\\/]lazyModules\.ts$/ },
];
const extensionChunks = {
  name: 'extension-chunks',
  setup(build) {
    for (const c of EXTENSION_CHUNKS) {
      build.onResolve({ filter: c.filter }, (args) =>
        !c.importer || c.importer.test(args.importer) ? { path: `./${c.chunk}.js`, external: true } : undefined,
      );
    }
  },
};
const chunkEntry = (entry) => (entry.startsWith('samples/') ? entry : require.resolve(entry));

// Every module imports `vscode` as a namespace, and esbuild turns each such import of an external
// CommonJS module into `__toESM(require("vscode"))`, which copies the whole API object (hundreds of
// getters) once per importing file: ~13 ms of the extension's activation for 17 files. Routing
// them through one ES module that re-exports `vscode` makes that copy once.
const vscodeOnce = {
  name: 'vscode-once',
  setup(build) {
    build.onResolve({ filter: /^vscode$/ }, (args) =>
      args.namespace === 'vscode-once' ? { path: 'vscode', external: true } : { path: 'vscode', namespace: 'vscode-once' },
    );
    build.onLoad({ filter: /.*/, namespace: 'vscode-once' }, () => ({ contents: "export * from 'vscode';", loader: 'js' }));
  },
};

// `--image-kit <dir>`: only what the images are built from, laid out in <dir> as the extension ships it (the
// Dockerfiles' build context): dist/server.js, the client image's bundle and lock, proto/, the Dockerfiles and
// .dockerignore. `npm run cluster:images` and samples/images/images.test.ts build from such a folder.
const kitAt = process.argv.indexOf('--image-kit');
if (kitAt > 0) {
  const dir = process.argv[kitAt + 1];
  if (!dir) throw new Error('usage: node scripts/build.mjs --image-kit <dir>');
  await Promise.all([
    esbuild.build({ ...common, sourcemap: false, entryPoints: { server: 'samples/server/main.ts' }, outdir: join(dir, 'dist') }),
    esbuild.build(clientImageBundle(join(dir, 'dist', 'images'))),
  ]);
  writeImageKit(process.cwd(), dir);
  console.log(`built the image kit in ${dir}`);
  process.exit(0);
}

// `--lab`: only the sample bundles (what `npm start` runs, see scripts/labStart.mjs). Their esbuild
// input list is recorded so `npm start` can tell whether they are older than the source.
const labOnly = process.argv.includes('--lab');
const buildStarted = Date.now();
forgetLabBundleInputs();
const [samples] = await Promise.all([
  esbuild.build({ ...common, entryPoints: { server: 'samples/server/main.ts', client: 'samples/client/main.ts', lab: 'samples/lab/cli.ts' }, outdir: 'dist', metafile: true }),
  labOnly
    ? undefined
    : esbuild.build({ ...common, entryPoints: { extension: 'extension/extension.ts' }, outdir: 'dist', plugins: [...common.plugins, extensionChunks, vscodeOnce] }),
  labOnly ? undefined : esbuild.build(clientImageBundle('dist/images')),
  labOnly
    ? undefined
    : esbuild.build({ ...common, entryPoints: Object.fromEntries(EXTENSION_CHUNKS.map((c) => [c.chunk, chunkEntry(c.entry)])), outdir: 'dist' }),
]);
if (!labOnly) writeImageKit(process.cwd(), process.cwd());
writeLabBundleInputs(buildStarted, Object.keys(samples.metafile.inputs));
console.log(`built dist/ (${labOnly ? 'lab bundles, ' : ''}${production ? 'production' : 'development'})`);
