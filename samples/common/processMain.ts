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
