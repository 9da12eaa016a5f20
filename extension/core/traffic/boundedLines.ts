/**
 * Keeps a log view bounded (the Client Logs channel of a tail that runs for hours): lines are appended
 * until there are `max`, then the view is replaced by its last `keep` lines, and so on. Pure: the adapter
 * applies what `push` says to an OutputChannel (appendLine / replace).
 */
export class BoundedLines {
  private recent: string[] = [];
  private shown = 0;
  private dropped = 0;

  constructor(
    private readonly max = 20_000,
    private readonly keep = 5_000,
  ) {
    if (!(keep > 0 && keep < max)) throw new RangeError(`keep must be between 1 and max - 1, got ${keep} of ${max}`);
  }

  /** Either append this one line, or replace the whole view by `lines` (`dropped`: how many went so far). */
  push(line: string): { append: string } | { replace: string[]; dropped: number } {
    this.recent.push(line);
    if (this.recent.length > 2 * this.keep) this.recent = this.recent.slice(-this.keep);
    if (++this.shown <= this.max) return { append: line };
    const kept = this.recent.slice(-this.keep);
    this.dropped += this.shown - kept.length;
    this.shown = kept.length;
    return { replace: kept, dropped: this.dropped };
  }

  /** The view was cleared: start counting again. */
  reset(): void {
    this.recent = [];
    this.shown = 0;
    this.dropped = 0;
  }
}
