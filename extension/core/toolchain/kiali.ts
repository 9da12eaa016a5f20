import { CancelledError, ProcessFailedError } from '../errors';
import type { ProcessRunner } from '../process/processRunner';

export interface KialiOptions {
  signal: AbortSignal;
  /** Called once with the local URL Kiali is served on. */
  onUrl: (url: string) => void;
  onLine?: (line: string) => void;
  namespace?: string;
  /** How long istioctl may take to print the URL before the port-forward is given up (default 60 s). */
  urlTimeoutMs?: number;
}

/**
 * The line istioctl prints once its port-forward listens: a plain-http URL on this machine's loopback,
 * path /kiali. Only such a line is opened in the browser; anything else istioctl (or the cluster) prints is
 * just logged.
 */
const KIALI_URL = /^(http:\/\/(?:localhost|127\.0\.0\.1|\[::1\]):\d{1,5}\/kiali\/?)$/;

/** The Kiali URL in one line of istioctl's output, or undefined when the line is not exactly one. */
export function kialiUrlIn(line: string): string | undefined {
  return KIALI_URL.exec(line.trim())?.[1];
}

/**
 * Runs `istioctl dashboard kiali --browser=false` (a port-forward) until `signal` aborts; reports
 * the URL it prints so the adapter can open it (vscode.env.openExternal works in remote windows too).
 * Without a URL within `urlTimeoutMs` the port-forward is stopped and the wait fails.
 */
export async function openKiali(runner: ProcessRunner, options: KialiOptions): Promise<void> {
  const args = ['dashboard', 'kiali', '--browser=false', '-n', options.namespace ?? 'istio-system'];
  const timeoutMs = options.urlTimeoutMs ?? 60_000;
  const stop = new AbortController();
  const onAbort = (): void => stop.abort();
  options.signal.addEventListener('abort', onAbort, { once: true });
  let reported = false;
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    stop.abort();
  }, timeoutMs);
  const output: string[] = [];
  const onLine = (line: string): void => {
    options.onLine?.(line);
    output.push(line);
    const url = kialiUrlIn(line);
    if (url && !reported) {
      reported = true;
      clearTimeout(timer);
      options.onUrl(url);
    }
  };
  try {
    const res = await runner.run('istioctl', args, { signal: stop.signal, onStdout: onLine, onStderr: onLine });
    if (res.exitCode !== 0) throw new ProcessFailedError('istioctl', args, res.exitCode, res.stderr || res.stdout);
  } catch (err) {
    if (timedOut && err instanceof CancelledError) {
      const said = output.slice(-5).join('\n');
      throw new ProcessFailedError('istioctl', args, null, `no Kiali URL within ${Math.round(timeoutMs / 1000)} s${said ? `; it said:\n${said}` : ''}`);
    }
    throw err;
  } finally {
    clearTimeout(timer);
    options.signal.removeEventListener('abort', onAbort);
  }
}
