import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CancelledError, ToolMissingError } from '../errors';
import { findOnPath, NodeProcessRunner } from './nodeProcessRunner';

const node = process.execPath;

describe('NodeProcessRunner (real child processes)', () => {
  it('streams stdout and stderr line by line and returns the exit code', async () => {
    const runner = new NodeProcessRunner();
    const out: string[] = [];
    const err: string[] = [];
    const res = await runner.run(node, ['-e', 'process.stdout.write("a\\nb\\r\\nc"); console.error("warn"); process.exit(3)'], {
      onStdout: (l) => out.push(l),
      onStderr: (l) => err.push(l),
    });
    assert.deepEqual(out, ['a', 'b', 'c']);
    assert.deepEqual(err, ['warn']);
    assert.equal(res.exitCode, 3);
  });

  it('passes arguments verbatim (no shell) and merges the env overlay', async () => {
    const runner = new NodeProcessRunner();
    const tricky = '$(echo pwned); `id` && echo "x" > /dev/null';
    const res = await runner.run(node, ['-e', 'console.log(JSON.stringify([process.argv[1], process.env.DOCKER_HOST, !!process.env.PATH]))', tricky], {
      env: { DOCKER_HOST: 'tcp://192.168.49.2:2376' },
    });
    assert.deepEqual(JSON.parse(res.stdout), [tricky, 'tcp://192.168.49.2:2376', true]);
  });

  it('kills the child when the signal aborts', async () => {
    const runner = new NodeProcessRunner();
    const ac = new AbortController();
    const started = Date.now();
    const running = runner.run(node, ['-e', 'console.log("up"); setInterval(() => {}, 1000)'], {
      signal: ac.signal,
      onStdout: () => ac.abort(),
    });
    await assert.rejects(running, CancelledError);
    assert.ok(Date.now() - started < 10_000);
  });

  it('reports a missing executable as ToolMissingError and finds real ones on PATH', async () => {
    const runner = new NodeProcessRunner();
    await assert.rejects(runner.run('minikube-does-not-exist-here', ['start']), ToolMissingError);
    assert.equal(await findOnPath('definitely-not-a-tool-xyz'), undefined);
    const nodeDir = node.slice(0, node.lastIndexOf('/'));
    assert.equal(await findOnPath('node', { PATH: `/nonexistent:${nodeDir}` }), `${nodeDir}/node`);
  });
});

describe('grpcLb.toolPaths', () => {
  it('runs and finds a tool at its configured path when it is not on PATH', async () => {
    const runner = new NodeProcessRunner({ PATH: '/nonexistent' }, (tool) => (tool === 'minikube' ? node : undefined));
    assert.equal(await runner.which('minikube'), node);
    const res = await runner.run('minikube', ['-e', 'console.log("configured")']);
    assert.equal(res.stdout.trim(), 'configured');
    assert.equal(await runner.which('kubectl'), undefined, 'other tools still come from PATH');
  });
});
