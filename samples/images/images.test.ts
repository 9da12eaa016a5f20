import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { freePort } from '../lab/net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, type AddressInfo } from 'node:net';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { CLIENT_IMAGE, SERVER_IMAGE } from '../common/catalog';
import { parseRpcRecord } from '../common/clientLog';
import { dockerBuildArgs, imageBuildPlan, minikubeImageBuildArgs, repoRoot } from './index';

const run = promisify(execFile);
const REPO = repoRoot();

test('the build plan tags the images as the manifests expect, with argument arrays for docker and minikube', () => {
  const plan = imageBuildPlan();
  assert.deepEqual(plan.map((b) => b.image), [SERVER_IMAGE, CLIENT_IMAGE]);
  for (const build of plan) {
    assert.equal(build.context, REPO);
    assert.ok(existsSync(join(build.context, build.dockerfile)), build.dockerfile);
  }
  assert.deepEqual(dockerBuildArgs(plan[0]), ['build', '--file', 'samples/images/server.Dockerfile', '--tag', SERVER_IMAGE, '.']);
  assert.deepEqual(minikubeImageBuildArgs(plan[1], 'demo'), [
    'image', 'build', '--profile', 'demo', '--file', 'samples/images/client.Dockerfile', '--tag', CLIENT_IMAGE, '.',
  ]);
});

/**
 * .dockerignore semantics for the patterns we use: `**` spans folders, `*` does not, a match covers what is
 * below it, `!` lets a path back in, and the last matching line wins.
 */
function isIgnored(patterns: string[], path: string): boolean {
  let ignored = false;
  for (const line of patterns) {
    const negated = line.startsWith('!');
    const pattern = negated ? line.slice(1) : line;
    const regex = new RegExp(
      '^' + pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*\*\//g, '\u0000').replace(/\*/g, '[^/]*').replace(/\u0000/g, '(?:.*/)?') + '(?:/.*)?$',
    );
    if (regex.test(path)) ignored = !negated;
  }
  return ignored;
}

test('Dockerfiles: one pinned Node LTS base (an ARG default), non-root, exec-form entrypoint, only the built extension in the context', () => {
  const ignore = readFileSync(join(REPO, '.dockerignore'), 'utf8').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  for (const build of imageBuildPlan()) {
    const lines = readFileSync(join(REPO, build.dockerfile), 'utf8').split('\n').filter((l) => l.trim() && !l.startsWith('#'));
    const froms = lines.filter((l) => l.startsWith('FROM '));
    // one base for every stage: an ARG whose default is the pinned official image (a registry-less builder overrides it)
    const firstFrom = lines.indexOf(froms[0]);
    assert.ok(
      lines.slice(0, firstFrom).some((l) => /^ARG NODE_IMAGE=node:\d+\.\d+\.\d+-bookworm-slim@sha256:[0-9a-f]{64}$/.test(l)),
      `${build.dockerfile}: NODE_IMAGE defaults to a release tag pinned by digest`,
    );
    for (const from of froms) assert.match(from, /^FROM \$\{NODE_IMAGE\}( AS \w+)?$/, build.dockerfile);
    const finalStage = lines.slice(lines.lastIndexOf(froms.at(-1)!));
    const user = finalStage.find((l) => l.startsWith('USER '));
    assert.match(user ?? '', /^USER [1-9]\d*:[1-9]\d*$/, `${build.dockerfile}: numeric non-root user`);
    assert.equal(finalStage.at(-1), `ENTRYPOINT ["node", "dist/${build.name}.js"]`);
    assert.ok(!finalStage.some((l) => l.startsWith('RUN ')), `${build.dockerfile}: the runtime stage runs nothing, it only copies`);
    for (const source of build.sources) assert.ok(!isIgnored(ignore, source) || source === '.dockerignore', `${build.dockerfile}: ${source} reaches the build`);
  }
  for (const dropped of ['node_modules/x/index.js', '.git/HEAD', 'dist/extension.js', 'dist/ext-client-node.js', 'dist/server.js.map', 'samples/client/main.ts', 'package.json', 'walkthroughs/steps/setup.md']) {
    assert.ok(isIgnored(ignore, dropped), `${dropped} stays out of the build context`);
  }
});

/** Resolves with the first stdout line `accept` returns a value for; rejects after `ms`. */
function waitForLine<T>(child: ChildProcess, accept: (line: string) => T | undefined, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    const timer = setTimeout(() => { lines.close(); reject(new Error(`no expected line within ${ms} ms`)); }, ms);
    lines.on('line', (line) => {
      const value = accept(line);
      if (value !== undefined) { clearTimeout(timer); lines.close(); resolve(value); }
    });
  });
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.once('exit', () => { clearTimeout(timer); resolve(); });
    child.kill('SIGTERM');
  });
}

function du(dir: string): number {
  return readdirSync(dir, { withFileTypes: true }).reduce(
    (sum, e) => sum + (e.isDirectory() ? du(join(dir, e.name)) : statSync(join(dir, e.name)).size),
    0,
  );
}

test('the images as their Dockerfiles lay them out (built kit, npm ci from the kit lock) serve and call, from outside the repo', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'grpc-lb-image-'));
  const children: ChildProcess[] = [];
  t.after(async () => {
    await Promise.all(children.map(stop));
    rmSync(dir, { recursive: true, force: true });
  });
  // The build context as the .vsix ships it, then each image's /app as its Dockerfile copies it.
  const kit = join(dir, 'kit');
  await run(process.execPath, [join(REPO, 'scripts/build.mjs'), '--image-kit', kit], { cwd: REPO });
  const server = join(dir, 'server');
  cpSync(join(kit, 'dist/server.js'), join(server, 'dist/server.js'));
  cpSync(join(kit, 'proto'), join(server, 'proto'), { recursive: true });
  const client = join(dir, 'client');
  for (const f of ['package.json', 'package-lock.json']) cpSync(join(kit, 'dist/images', f), join(client, f));
  // the client's modules stage; offline: from the npm cache the repository's own `npm ci` filled
  await run('npm', ['ci', '--offline', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund'], { cwd: client });
  cpSync(join(kit, 'dist/images/client.js'), join(client, 'dist/client.js'));
  cpSync(join(kit, 'proto'), join(client, 'proto'), { recursive: true });
  const modules = readdirSync(join(client, 'node_modules'));
  for (const dev of ['typescript', 'esbuild', 'kubernetes-models', 'tsx', 'eslint']) assert.ok(!modules.includes(dev), `client: no ${dev}`);
  t.diagnostic(`image payloads: server ${(du(server) / 1e6).toFixed(1)} MB, client ${(du(client) / 1e6).toFixed(1)} MB`);

  const port = await freePort();
  // An environment without the repo: the layout must be self-contained (cwd / and no NODE_PATH).
  const base = { PATH: process.env.PATH ?? '', HOME: dir };
  const serverProcess = spawn(process.execPath, [join(server, 'dist/server.js')], {
    cwd: '/',
    env: { ...base, HOST: '127.0.0.1', PORT: String(port), POD_NAME: 'image-server-0', DRAIN_MS: '0' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.push(serverProcess);
  await waitForLine(serverProcess, (line) => (line.includes('"serving"') ? true : undefined), 20_000);

  const clientProcess = spawn(process.execPath, [join(client, 'dist/client.js')], {
    cwd: '/',
    env: { ...base, TARGET: `ipv4:127.0.0.1:${port}`, POD_NAME: 'image-client-0', CHAPTER: 'clusterip', INTERVAL_MS: '50' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.push(clientProcess);
  const record = await waitForLine(clientProcess, (line) => {
    const r = parseRpcRecord(line);
    return r?.ok ? r : undefined;
  }, 20_000);
  assert.equal(record.server, 'image-server-0');
  assert.equal(record.client, 'image-client-0');

  // the proxyless chapter: an xds: target reaches the resolver grpc-js-xds registers into the image's one grpc-js,
  // which dials the control plane the bootstrap names (a listener here stands in for istiod)
  const controlPlane = createServer();
  const dialed = new Promise<void>((resolve) => controlPlane.once('connection', (socket) => { socket.destroy(); resolve(); }));
  await new Promise<void>((resolve) => controlPlane.listen(0, '127.0.0.1', resolve));
  t.after(() => controlPlane.close());
  const bootstrap = {
    xds_servers: [{ server_uri: `127.0.0.1:${(controlPlane.address() as AddressInfo).port}`, channel_creds: [{ type: 'insecure' }], server_features: ['xds_v3'] }],
    node: { id: 'image-client-1', locality: {} },
  };
  children.push(spawn(process.execPath, [join(client, 'dist/client.js')], {
    cwd: '/',
    env: { ...base, TARGET: 'xds:///greeter-server:50051', POD_NAME: 'image-client-1', CHAPTER: 'proxyless', GRPC_XDS_BOOTSTRAP_CONFIG: JSON.stringify(bootstrap) },
    stdio: ['ignore', 'ignore', 'inherit'],
  }));
  await Promise.race([dialed, new Promise((_, reject) => setTimeout(() => reject(new Error('the client never dialed the xDS server')), 15_000))]);
});

function filesUnder(dir: string, prefix = ''): string[] {
  return readdirSync(join(dir, prefix), { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? filesUnder(dir, join(prefix, e.name)) : [join(prefix, e.name)],
  );
}

test('.dockerignore as buildah reads it sends every file the Dockerfiles copy (nested protos too) and nothing else', async (t) => {
  if (process.getuid?.() !== 0 || !(await run('buildah', ['--version']).then(() => true, () => false))) {
    return t.skip('needs root and buildah (CI has both)');
  }
  const dir = mkdtempSync(join(tmpdir(), 'grpc-lb-context-'));
  const tag = `localhost/grpc-lb-context-test:${process.pid}`;
  t.after(async () => {
    await run('buildah', ['rmi', '--force', tag]).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  });
  const kit = join(dir, 'kit');
  await run(process.execPath, [join(REPO, 'scripts/build.mjs'), '--image-kit', kit], { cwd: REPO });
  // noise a real install or clone has beside the kit, which must stay out
  for (const stray of ['dist/extension.js', 'node_modules/x/index.js', 'walkthroughs/steps/setup.md']) {
    mkdirSync(join(kit, stray, '..'), { recursive: true });
    cpSync(join(kit, 'dist/server.js'), join(kit, stray));
  }
  cpSync(join(kit, 'dist/server.js'), join(kit, 'dist/server.js.map'));
  // the whole context into an image from scratch: no base image, no registry
  writeFileSync(join(dir, 'Context.Dockerfile'), 'FROM scratch\nCOPY . /context/\n');
  await run('buildah', ['bud', '--isolation=chroot', '--quiet', '--file', join(dir, 'Context.Dockerfile'), '--tag', tag, '.'], { cwd: kit });
  const container = (await run('buildah', ['from', tag])).stdout.trim();
  try {
    const root = (await run('buildah', ['mount', container])).stdout.trim();
    const sent = filesUnder(join(root, 'context')).sort();
    const needed = [...new Set(imageBuildPlan(kit).flatMap((b) => b.sources.filter((s) => s !== '.dockerignore')))];
    const protos = filesUnder(join(kit, 'proto')).map((f) => join('proto', f));
    assert.ok(protos.some((p) => p.split('/').length > 3), 'the kit has nested protos (proto/vendor/…)');
    for (const file of [...needed, ...protos]) assert.ok(sent.includes(file), `${file} reaches the build: sent ${sent.join(', ')}`);
    for (const stray of ['dist/extension.js', 'dist/server.js.map', 'node_modules/x/index.js', 'walkthroughs/steps/setup.md']) assert.ok(!sent.includes(stray), `${stray} stays out`);
  } finally {
    await run('buildah', ['umount', container]).catch(() => undefined);
    await run('buildah', ['rm', container]).catch(() => undefined);
  }
});
