/**
 * What a lab run started, written down while it runs, so that a run cut off before its clean-up (the
 * extension host killed, a crash, a power cut of the editor) is cleaned by the next one: its child process
 * groups are killed and its temp dirs removed. The lab's own servers and clients also leave by themselves
 * when their parent dies (samples/common/processMain.ts exitWhenParentDies); etcd is not ours, so this
 * ledger is what stops it.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Where the ledgers of running labs live (one small JSON file per run). */
export const RUNS_DIR = join(tmpdir(), 'grpc-lb-lab-runs');

interface ProcessEntry {
  pid: number;
  /** Start time as the kernel reports it: a pid reused by another process has another one. */
  start: string | undefined;
}

interface RunRecord {
  owner: ProcessEntry;
  children: ProcessEntry[];
  tempDirs: string[];
}

/**
 * A process's start time (field 22 of /proc/<pid>/stat, in clock ticks since boot); undefined where
 * there is no /proc (macOS, Windows) or no such process.
 */
export function processStartTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: count fields after its closing ')'.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

/** True when `entry` is still the process it was: alive, and with the start time it had then. */
function isSameProcess(entry: ProcessEntry): boolean {
  try {
    process.kill(entry.pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ESRCH') return false;
  }
  return entry.start === undefined || processStartTime(entry.pid) === entry.start;
}

/** One run's ledger: updated as it spawns and makes temp dirs, removed when it has cleaned up. */
export class RunLedger {
  private readonly file: string;
  private readonly record: RunRecord;

  constructor(private readonly dir = RUNS_DIR) {
    this.file = join(dir, `${process.pid}-${randomUUID()}.json`);
    this.record = { owner: { pid: process.pid, start: processStartTime(process.pid) }, children: [], tempDirs: [] };
  }

  addChild(pid: number): void {
    this.record.children.push({ pid, start: processStartTime(pid) });
    this.save();
  }

  addTempDir(dir: string): void {
    this.record.tempDirs.push(dir);
    this.save();
  }

  /** The run cleaned up after itself: nothing for the next one to do. */
  close(): void {
    rmSync(this.file, { force: true });
  }

  private save(): void {
    try {
      mkdirSync(this.dir, { recursive: true });
      writeFileSync(this.file, JSON.stringify(this.record));
    } catch {
      // A ledger that cannot be written only loses the after-crash clean-up, never the run.
    }
  }
}

/**
 * Cleans what runs whose owner is gone left behind: SIGKILL to each child's process group (only where
 * the start time proves it is still the same process; without /proc a child is left alone rather than
 * risk a reused pid) and removal of their temp dirs. Returns what it did.
 */
export function cleanLeftovers(dir = RUNS_DIR): { killed: number[]; removedDirs: string[] } {
  const killed: number[] = [];
  const removedDirs: string[] = [];
  let files: string[];
  try {
    files = readdirSync(dir).filter((f) => f.endsWith('.json'));
  } catch {
    return { killed, removedDirs };
  }
  for (const f of files) {
    const path = join(dir, f);
    let record: RunRecord;
    try {
      record = JSON.parse(readFileSync(path, 'utf8')) as RunRecord;
    } catch {
      rmSync(path, { force: true });
      continue;
    }
    if (isSameProcess(record.owner)) continue; // a lab still running (in this or another window)
    for (const child of record.children) {
      if (child.start === undefined || !isSameProcess(child)) continue;
      try {
        process.kill(-child.pid, 'SIGKILL');
        killed.push(child.pid);
      } catch {
        // gone meanwhile
      }
    }
    for (const tempDir of record.tempDirs) {
      rmSync(tempDir, { recursive: true, force: true });
      removedDirs.push(tempDir);
    }
    rmSync(path, { force: true });
  }
  return { killed, removedDirs };
}
