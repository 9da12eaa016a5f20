import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { cleanLeftovers, processStartTime, RunLedger } from './leftovers';
import { PARENT_PID_VARIABLE } from '../common/processMain';

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function until(what: string, ms: number, probe: () => boolean): Promise<void> {
  const deadline = Date.now() + ms;
  while (!probe()) {
    if (Date.now() > deadline) assert.fail(`${what}: not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

test('a run cut off before its clean-up is cleaned by the next: its child group killed, its temp dir removed', { skip: process.platform !== 'linux' && 'needs /proc' }, async () => {
  const runs = mkdtempSync(join(tmpdir(), 'grpc-lb-runs-'));
  const leftDir = mkdtempSync(join(tmpdir(), 'grpc-lb-left-'));
  // The owner: a process that has ended (as an extension host killed with SIGKILL).
  const owner = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  const ownerPid = Number(owner.stdout);
  // Its child: detached, its own group (as the lab starts etcd), still running.
  const child = spawn('sleep', ['60'], { detached: true, stdio: 'ignore' });
  const exited = new Promise((r) => child.once('exit', (_code, signal) => r(signal)));
  try {
    const ledger = { owner: { pid: ownerPid, start: '1' }, children: [{ pid: child.pid!, start: processStartTime(child.pid!) }], tempDirs: [leftDir] };
    writeFileSync(join(runs, `${ownerPid}-cut-off.json`), JSON.stringify(ledger));
    // A run that is still going (this process) is not touched.
    const live = new RunLedger(runs);
    live.addTempDir(mkdtempSync(join(tmpdir(), 'grpc-lb-live-')));

    const done = cleanLeftovers(runs);
    assert.deepEqual(done.killed, [child.pid]);
    assert.equal(await exited, 'SIGKILL');
    assert.equal(existsSync(leftDir), false, 'its temp dir is gone');
    assert.deepEqual(readdirSync(runs).filter((f) => f.startsWith(`${ownerPid}-`)), [], 'and its ledger');
    assert.equal(readdirSync(runs).filter((f) => f.startsWith(`${process.pid}-`)).length, 1, 'a live run keeps its ledger');
    live.close();
  } finally {
    if (alive(child.pid!)) process.kill(child.pid!, 'SIGKILL');
    rmSync(runs, { recursive: true, force: true });
    rmSync(leftDir, { recursive: true, force: true });
  }
});

test('a child pid that now belongs to another process (another start time) is left alone', { skip: process.platform !== 'linux' && 'needs /proc' }, async () => {
  const runs = mkdtempSync(join(tmpdir(), 'grpc-lb-runs-'));
  const other = spawn('sleep', ['60'], { detached: true, stdio: 'ignore' });
  try {
    mkdirSync(runs, { recursive: true });
    writeFileSync(join(runs, '1-reused.json'), JSON.stringify({ owner: { pid: 2 ** 22 + 1, start: '1' }, children: [{ pid: other.pid, start: 'not-its-start' }], tempDirs: [] }));
    assert.deepEqual(cleanLeftovers(runs).killed, []);
    assert.ok(alive(other.pid!));
  } finally {
    process.kill(other.pid!, 'SIGKILL');
    rmSync(runs, { recursive: true, force: true });
  }
});

test('a sample process leaves when the parent named in GRPC_LB_PARENT_PID dies', async () => {
  const tsx = pathToFileURL(require.resolve('tsx')).href;
  const processMain = join(__dirname, '..', 'common', 'processMain.ts');
  // The parent starts a child that watches it, prints the child's pid, and waits to be killed.
  const childCode = `require(${JSON.stringify(processMain)}).exitWhenParentDies('test-child', process.env, 100); setInterval(() => {}, 1000);`;
  const parentCode = `
    const { spawn } = require('node:child_process');
    const c = spawn(process.execPath, ['--import', ${JSON.stringify(tsx)}, '-e', ${JSON.stringify(childCode)}],
      { env: { ...process.env, ${PARENT_PID_VARIABLE}: String(process.pid) }, stdio: 'ignore' });
    console.log(c.pid); setInterval(() => {}, 1000);`;
  const parent = spawn(process.execPath, ['-e', parentCode], { stdio: ['ignore', 'pipe', 'inherit'] });
  const childPid = await new Promise<number>((resolve) => parent.stdout.once('data', (d: Buffer) => resolve(Number(String(d).trim()))));
  try {
    await new Promise((r) => setTimeout(r, 1500)); // the child has loaded and watches
    assert.ok(alive(childPid), 'the child runs while its parent does');
    parent.kill('SIGKILL');
    await until('the orphaned child to exit', 5000, () => !alive(childPid));
  } finally {
    if (alive(childPid)) process.kill(childPid, 'SIGKILL');
    parent.kill('SIGKILL');
  }
});

test('a run records what it adopts (the lab\'s etcd and its data dir) and forgets it once cleaned up', { skip: process.platform !== 'linux' && 'needs /proc' }, async () => {
  const { Supervisor } = await import('./supervisor');
  const runs = mkdtempSync(join(tmpdir(), 'grpc-lb-runs-'));
  const dataDir = mkdtempSync(join(tmpdir(), 'grpc-lb-etcd-'));
  const etcdLike = spawn('sleep', ['60'], { detached: true, stdio: 'ignore' });
  const supervisor = new Supervisor(undefined, runs);
  try {
    supervisor.adopt(etcdLike.pid!, dataDir);
    const [ledger] = readdirSync(runs).filter((f) => f.startsWith(`${process.pid}-`));
    const record = JSON.parse(readFileSync(join(runs, ledger!), 'utf8')) as { children: Array<{ pid: number; start?: string }>; tempDirs: string[] };
    assert.deepEqual(record.children.map((c) => c.pid), [etcdLike.pid]);
    assert.equal(record.children[0]!.start, processStartTime(etcdLike.pid!), 'with its start time, so a reused pid is never killed');
    assert.deepEqual(record.tempDirs, [dataDir]);
    await supervisor.dispose();
    assert.deepEqual(readdirSync(runs).filter((f) => f.startsWith(`${process.pid}-`)), [], 'a run that cleaned up leaves no ledger');
  } finally {
    process.kill(etcdLike.pid!, 'SIGKILL');
    rmSync(runs, { recursive: true, force: true });
    rmSync(dataDir, { recursive: true, force: true });
  }
});
