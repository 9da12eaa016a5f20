/**
 * What the server and client mains share: failing with one stderr line, error messages on one
 * line, a closed stdout pipe ending the process quietly, and SIGTERM / SIGINT handling where only
 * a repeated signal well after the first one means "the user insists". Pure: no grpc-js here (the
 * client main must read its configuration before grpc-js loads).
 */

/** Ctrl-C under `npm run` delivers SIGINT twice at once (to us and via the tsx wrapper): repeats
 * inside this window are the same request, not an insistence. */
export const REPEAT_SIGNAL_WINDOW_MS = 1000;

/** A function that prints `<program>: <message>` on stderr and exits with `code`. */
export function failer(program: string): (message: string, code: number) => never {
  return (message, code) => {
    process.stderr.write(`${program}: ${message}\n`);
    process.exit(code);
  };
}

/** The error's message with line breaks folded, for a one-line log entry. */
export function oneLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).replace(/\s*\n\s*/g, ' ');
}

/** Whoever reads our log went away (`| head`, a closed pipe): there is no one left to tell. */
export function exitOnClosedStdout(): void {
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(0);
  });
}

/**
 * SIGTERM / SIGINT: `stop` on the first signal; `insist` on a later one that comes
 * REPEAT_SIGNAL_WINDOW_MS or more after it (repeats inside the window are ignored).
 */
export function onStopSignals(handlers: { stop(signal: NodeJS.Signals): void; insist(signal: NodeJS.Signals): void }): void {
  let firstSignalAt: number | undefined;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (firstSignalAt === undefined) {
      firstSignalAt = Date.now();
      handlers.stop(signal);
      return;
    }
    if (Date.now() - firstSignalAt < REPEAT_SIGNAL_WINDOW_MS) return;
    handlers.insist(signal);
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}

/** Set by whoever spawns a sample as its child (samples/common/sampleProcess.ts): the pid to live no longer than. */
export const PARENT_PID_VARIABLE = 'GRPC_LB_PARENT_PID';

/**
 * Ends the process soon after the parent named in GRPC_LB_PARENT_PID is gone (the lab, or the extension
 * host it runs in, killed): a child with no one to read its output would otherwise run on. Checks once a
 * second that it still has that parent (an orphan is re-parented). Does nothing when the variable is unset,
 * so a server started by hand or in a pod is not affected.
 */
export function exitWhenParentDies(program: string, env: NodeJS.ProcessEnv = process.env, intervalMs = 1000): void {
  const parent = Number(env[PARENT_PID_VARIABLE]);
  if (!Number.isInteger(parent) || parent <= 0) return;
  const timer = setInterval(() => {
    if (process.ppid === parent) return;
    process.stderr.write(`${program}: parent process ${parent} is gone; exiting\n`);
    process.exit(0);
  }, intervalMs);
  timer.unref();
}

/**
 * For errors that happen in the background (uncaughtException, unhandledRejection): one JSON line each on
 * `stream`, until the stream fails (its reader is gone). Then nothing more: a failed write there must not
 * become another background error to report, and so on forever.
 */
export function backgroundErrorReporter(stream: NodeJS.WritableStream = process.stderr): (err: unknown) => void {
  let closed = false;
  stream.on('error', () => {
    closed = true;
  });
  return (err) => {
    if (closed) return;
    try {
      stream.write(`${JSON.stringify({ ts: new Date().toISOString(), event: 'error', error: oneLine(err) })}\n`);
    } catch {
      closed = true;
    }
  };
}
