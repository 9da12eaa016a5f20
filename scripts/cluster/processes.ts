/**
 * The rig's long-running processes: each is started detached with its output in LOG_DIR, and its PID
 * is recorded in the rig's state file, so that a second `cluster:up` reuses what runs and
 * `cluster:down` stops exactly what `cluster:up` started.
 */
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { LOG_DIR, STATE_DIR } from './rig';

export const RECORD_FILE = join(STATE_DIR, 'rig.json');

/** What `cluster:up` changed on the host, so `cluster:down` can undo exactly that. */
export interface RigRecord {
  processes: Record<string, { pid: number; command: string; args: string[] }>;
  /** sysctl key → value before `cluster:up` set it. */
  sysctls: Record<string, string>;
  /** Links `cluster:up` created. */
  links: string[];
}

export function readRecord(): RigRecord {
  if (!existsSync(RECORD_FILE)) return { processes: {}, sysctls: {}, links: [] };
  return JSON.parse(readFileSync(RECORD_FILE, 'utf8')) as RigRecord;
}

export function writeRecord(record: RigRecord): void {
  mkdirSync(STATE_DIR, { recursive: true });
  writeFileSync(RECORD_FILE, `${JSON.stringify(record, null, 2)}\n`);
}

/** True when `pid` runs and is still the program we started (PIDs are reused). */
export function isRunning(pid: number, command: string): boolean {
  try {
    const argv0 = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0];
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return argv0 === command && state !== 'Z';
  } catch {
    return false;
  }
}

export const logFile = (name: string): string => join(LOG_DIR, `${name}.log`);

/**
 * Starts `name` unless the record shows it running with the same arguments. Returns whether it was
 * started now.
 */
export async function ensureProcess(record: RigRecord, name: string, command: string, args: string[], { restart = false } = {}): Promise<boolean> {
  const known = record.processes[name];
  const running = known !== undefined && isRunning(known.pid, command);
  if (running && !restart && JSON.stringify(known.args) === JSON.stringify(args)) return false;
  if (running) await stopProcess(known.pid, command);
  mkdirSync(LOG_DIR, { recursive: true });
  const out = openSync(logFile(name), 'a');
  const child = spawn(command, args, { detached: true, stdio: ['ignore', out, out] });
  closeSync(out);
  child.unref();
  if (child.pid === undefined) throw new Error(`${name}: could not start ${command}`);
  record.processes[name] = { pid: child.pid, command, args };
  writeRecord(record);
  return true;
}

/** The last lines of a component's log, for an error message. */
export function logTail(name: string, lines = 15): string {
  try {
    return readFileSync(logFile(name), 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/** Polls `check` until it returns true; on timeout throws with the component's log tail. */
export async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs: number, logName?: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) {
      const tail = logName ? `\n--- last lines of ${logFile(logName)} ---\n${logTail(logName)}` : '';
      throw new Error(`${what}: not ready within ${timeoutMs / 1000} s${tail}`);
    }
    await sleep(500);
  }
}

/** Stops a recorded process: SIGTERM, then SIGKILL after `graceMs`. */
export async function stopProcess(pid: number, command: string, graceMs = 10_000): Promise<void> {
  if (!isRunning(pid, command)) return;
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (isRunning(pid, command) && Date.now() < deadline) await sleep(200);
  if (isRunning(pid, command)) process.kill(pid, 'SIGKILL');
  while (isRunning(pid, command)) await sleep(100);
}
