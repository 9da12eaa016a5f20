import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { freePort } from '../lab/net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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

/** .dockerignore semantics for the patterns we use: `**` spans folders, `*` does not; a match excludes what is below. */
function ignoredBy(patterns: string[], path: string): string | undefined {
  return patterns.find((pattern) => {
    const regex = new RegExp(
      '^' + pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*\*\//g, '\u0000').replace(/\*/g, '[^/]*').replace(/\u0000/g, '(?:.*/)?') + '(?:/.*)?$',
    );
    return regex.test(path);
  });
}

test('Dockerfiles: one pinned Node LTS base (an ARG default), multi-stage, non-root, exec-form entrypoint, nothing they need ignored', () => {
  const ignore = readFileSync(join(REPO, '.dockerignore'), 'utf8').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  for (const build of imageBuildPlan()) {
    const lines = readFileSync(join(REPO, build.dockerfile), 'utf8').split('\n').filter((l) => l.trim() && !l.startsWith('#'));
    const froms = lines.filter((l) => l.startsWith('FROM '));
    assert.ok(froms.length >= 2, `${build.dockerfile}: multi-stage`);
    // one base for every stage: an ARG whose default is the pinned official image (a registry-less builder overrides it)
    const firstFrom = lines.indexOf(froms[0]);
    assert.ok(lines.slice(0, firstFrom).some((l) => /^ARG NODE_IMAGE=node:\d+\.\d+\.\d+-bookworm-slim$/.test(l)), `${build.dockerfile}: pinned NODE_IMAGE default`);
    for (const from of froms) assert.match(from, /^FROM \$\{NODE_IMAGE\}( AS \w+)?$/, build.dockerfile);
    const finalStage = lines.slice(lines.lastIndexOf(froms.at(-1)!));
    const user = finalStage.find((l) => l.startsWith('USER '));
    assert.match(user ?? '', /^USER [1-9]\d*:[1-9]\d*$/, `${build.dockerfile}: numeric non-root user`);
    assert.equal(finalStage.at(-1), `ENTRYPOINT ["node", "dist/${build.name}.js"]`);
    assert.ok(!finalStage.some((l) => /^(RUN|COPY) /.test(l) && !l.includes('--from=')), 'the runtime stage only copies the build output');
    for (const line of lines.filter((l) => l.startsWith('COPY ') && !l.includes('--from='))) {
      for (const source of line.split(/\s+/).slice(1, -1)) {
        assert.ok(existsSync(join(REPO, source)), `${build.dockerfile}: ${source} exists`);
        assert.equal(ignoredBy(ignore, source), undefined, `${build.dockerfile}: ${source} is not in .dockerignore`);
      }
    }
    for (const needed of [`samples/${build.name}/main.ts`, 'samples/images/bundle.mjs', 'proto/greeter.proto', 'package-lock.json']) {
      assert.equal(ignoredBy(ignore, needed), undefined, `${needed} reaches the build`);
    }
    for (const dropped of ['node_modules/x/index.js', 'samples/resolvers/node_modules/a', '.git/HEAD', 'dist/extension.js', 'samples/client/client.test.ts']) {
      assert.ok(ignoredBy(ignore, dropped), `${dropped} stays out of the build context`);
    }
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

test('the image layout (bundle + proto + external node_modules) serves and calls, from outside the repo', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'grpc-lb-image-'));
  const children: ChildProcess[] = [];
  t.after(async () => {
    await Promise.all(children.map(stop));
    rmSync(dir, { recursive: true, force: true });
  });
  for (const name of ['server', 'client']) {
    await run(process.execPath, [join(REPO, 'samples/images/bundle.mjs'), name, join(dir, name)], { cwd: REPO });
    const modules = readdirSync(join(dir, name, 'node_modules'));
    for (const dev of ['typescript', 'esbuild', 'kubernetes-models', 'tsx', 'eslint']) assert.ok(!modules.includes(dev), `${name}: no ${dev}`);
    t.diagnostic(`${name} image payload: ${(du(join(dir, name)) / 1e6).toFixed(1)} MB`);
  }

  const port = await freePort();
  // An environment without the repo: the layout must be self-contained (cwd / and no NODE_PATH).
  const base = { PATH: process.env.PATH ?? '', HOME: dir };
  const server = spawn(process.execPath, [join(dir, 'server/dist/server.js')], {
    cwd: '/',
    env: { ...base, HOST: '127.0.0.1', PORT: String(port), POD_NAME: 'image-server-0', DRAIN_MS: '0' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.push(server);
  await waitForLine(server, (line) => (line.includes('"serving"') ? true : undefined), 20_000);

  const client = spawn(process.execPath, [join(dir, 'client/dist/client.js')], {
    cwd: '/',
    env: { ...base, TARGET: `ipv4:127.0.0.1:${port}`, POD_NAME: 'image-client-0', CHAPTER: 'clusterip', INTERVAL_MS: '50' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.push(client);
  const record = await waitForLine(client, (line) => {
    const r = parseRpcRecord(line);
    return r?.ok ? r : undefined;
  }, 20_000);
  assert.equal(record.server, 'image-server-0');
  assert.equal(record.client, 'image-client-0');

  // the proxyless chapter's xDS resolver loads from the client image's node_modules
  const { stdout } = await run(process.execPath, ['-e', "require('@grpc/grpc-js-xds').register(); console.log('xds registered')"], {
    cwd: join(dir, 'client/dist'),
    env: base,
  });
  assert.equal(stdout.trim(), 'xds registered');
});
