/** Helpers for the lab's tests: is anything a run started still alive? */
import { execFileSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { existsSync } from 'node:fs';
import type { LabProcessInfo } from './context';
import { canConnect } from './net';

export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** True when a UDP port can be bound again on 127.0.0.1 (the lab DNS server released it). */
export function udpPortFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createSocket('udp4');
    socket.once('error', () => {
      socket.close();
      resolve(false);
    });
    socket.bind(port, '127.0.0.1', () => socket.close(() => resolve(true)));
  });
}

/** The DNS server port in a `dns://127.0.0.1:<port>/name:port` target. */
export function dnsPortOf(target: string): number | undefined {
  const match = /^dns:\/\/127\.0\.0\.1:(\d+)\//.exec(target);
  return match ? Number(match[1]) : undefined;
}

/**
 * Everything left behind by a run, from the processes and services it announced: live pids,
 * TCP addresses still accepting connections, UDP DNS ports still bound, etcd data dirs still on disk.
 */
export async function leftovers(started: readonly LabProcessInfo[]): Promise<string[]> {
  const left: string[] = [];
  for (const info of started) {
    if (info.pid !== undefined && pidAlive(info.pid)) left.push(`${info.name} pid ${info.pid} alive`);
    if (info.addr) {
      const hostPort = info.addr.replace(/^https?:\/\//, '');
      const i = hostPort.lastIndexOf(':');
      if (await canConnect(hostPort.slice(0, i), Number(hostPort.slice(i + 1)), 300)) {
        left.push(`${info.name} still accepts connections on ${info.addr}`);
      }
    }
    if (info.target) {
      const port = dnsPortOf(info.target);
      if (port !== undefined && !(await udpPortFree(port))) left.push(`DNS port ${port} still bound`);
    }
    if (info.dataDir && existsSync(info.dataDir)) left.push(`${info.dataDir} still exists`);
  }
  return left;
}

/** Whether the `etcd` binary (or $ETCD_BINARY) runs: etcd tests are skipped without it. */
export function etcdInstalled(): boolean {
  try {
    execFileSync(process.env.ETCD_BINARY ?? 'etcd', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
