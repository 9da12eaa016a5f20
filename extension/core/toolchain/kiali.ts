import { ProcessFailedError } from '../errors';
import type { ProcessRunner } from '../process/processRunner';

export interface KialiOptions {
  signal: AbortSignal;
  /** Called once with the local URL Kiali is served on. */
  onUrl: (url: string) => void;
  onLine?: (line: string) => void;
  namespace?: string;
}

/**
 * Runs `istioctl dashboard kiali --browser=false` (a port-forward) until `signal` aborts; reports
 * the URL it prints so the adapter can open it (vscode.env.openExternal works in remote windows too).
 */
export async function openKiali(runner: ProcessRunner, options: KialiOptions): Promise<void> {
  const args = ['dashboard', 'kiali', '--browser=false', '-n', options.namespace ?? 'istio-system'];
  let reported = false;
  const onLine = (line: string): void => {
    options.onLine?.(line);
    const m = /https?:\/\/[^\s"]+/.exec(line);
    if (m && !reported) {
      reported = true;
      options.onUrl(m[0]);
    }
  };
  const res = await runner.run('istioctl', args, { signal: options.signal, onStdout: onLine, onStderr: onLine });
  if (res.exitCode !== 0) throw new ProcessFailedError('istioctl', args, res.exitCode, res.stderr || res.stdout);
}
