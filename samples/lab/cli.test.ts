import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { pidAlive } from './testUtils';

const ROOT = join(__dirname, '..', '..');
const CLI = join(__dirname, 'cli.ts');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function startCli(args: string[], env: NodeJS.ProcessEnv = {}) {
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<Run>((resolve) => child.once('exit', (code) => resolve({ code, stdout, stderr })));
  return { child, done, stderr: () => stderr };
}

/** Pids whose parent is `pid` (Linux /proc). */
function childrenOf(pid: number): number[] {
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) out.push(Number(name));
    } catch {
      // the process ended meanwhile
    }
  }
  return out;
}

test('npm start -- etcd clusterip --json prints only the report, and a missing etcd does not stop the tour', async () => {
  const { done } = startCli(['etcd', 'clusterip', '--json'], { ETCD_BINARY: '/nonexistent/etcd' });
  const run = await done;
  assert.equal(run.code, 0, run.stderr);
  const report = JSON.parse(run.stdout) as { scenarios: Array<Record<string, unknown>> };
  assert.deepEqual(Object.keys(report), ['scenarios']);
  assert.deepEqual(
    report.scenarios.map((s) => s.id),
    ['etcd', 'clusterip'],
  );
  for (const scenario of report.scenarios) {
    assert.deepEqual(Object.keys(scenario), ['id', 'claim', 'holds', 'figures', 'distribution']);
    assert.equal(typeof scenario.claim, 'string');
    assert.equal(typeof scenario.holds, 'boolean');
  }
  const [etcd, clusterip] = report.scenarios as Array<{
    holds: boolean;
    figures: Record<string, unknown>;
    distribution: Record<string, Record<string, number>>;
  }>;
  assert.match(String(etcd.figures.skipped), /apt-get install -y etcd-server/);
  assert.equal(clusterip.holds, true);
  assert.equal(clusterip.figures.serversPerClient, 1);
  assert.equal(Object.keys(clusterip.distribution).length, 2);
});

test('npm start -- <unknown> exits 2 naming the valid scenarios', async () => {
  const run = await startCli(['nope']).done;
  assert.equal(run.code, 2);
  assert.match(run.stderr, /unknown scenario "nope"; expected one of: clusterip, headless, pick-first, max-age, etcd, rollout/);
  assert.equal(run.stdout, '');
});

test('Ctrl-C (SIGINT) during a scenario stops every child before the CLI exits', async () => {
  const cli = startCli(['clusterip']);
  const pid = cli.child.pid as number;
  const deadline = Date.now() + 40_000;
  // Wait until the 3 servers listen and the 2 clients run (clusterip starts them together).
  let children = childrenOf(pid);
  while ((children.length < 5 || !/servers ready/.test(cli.stderr())) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 50));
    children = childrenOf(pid);
  }
  assert.match(cli.stderr(), /servers ready/);
  assert.equal(children.length, 5, `expected 3 servers and 2 clients as children\n${cli.stderr()}`);
  cli.child.kill('SIGINT');
  const run = await cli.done;
  assert.equal(run.code, 130, run.stderr);
  assert.match(run.stderr, /nothing is left running/);
  assert.deepEqual(
    children.filter((p) => pidAlive(p)),
    [],
  );
});
