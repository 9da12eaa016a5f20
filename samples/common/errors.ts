/**
 * The root of every error the project throws on purpose — the lab's, the traffic core's and the extension's
 * action layer's: data (a `code` and the facts as fields) with an English message; the extension's adapter
 * turns the code into one localized sentence. `cancelled` marks the errors that mean "the user stopped it".
 */
export abstract class TutorialError extends Error {
  abstract readonly code: string;
  /** True when the run was stopped on purpose: not a failure, nothing to report. */
  readonly cancelled: boolean = false;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/**
 * The one way to ask "was this stopped, not failed?": a TutorialError that says so, or what AbortSignal-aware
 * platform APIs throw — a DOMException with the ABORT_ERR code (fetch) or Node's ABORT_ERR (timers/promises,
 * child_process, events.once).
 */
export function isCancellation(err: unknown): boolean {
  if (err instanceof TutorialError) return err.cancelled;
  if (typeof DOMException !== 'undefined' && err instanceof DOMException) return err.code === DOMException.ABORT_ERR;
  return err instanceof Error && (err as NodeJS.ErrnoException).code === 'ABORT_ERR';
}
