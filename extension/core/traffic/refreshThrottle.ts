/**
 * Coalesces refresh requests: at most `maxPerSecond` refreshes however fast requests arrive, the
 * first one at once (leading) and — whenever requests came in after the last refresh — one more
 * when the interval is up (trailing), so the view always ends on the latest state. Pure; the clock is
 * injectable so tests and benches can drive it.
 */
export interface ThrottleClock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const realClock: ThrottleClock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

export class RefreshThrottle {
  private readonly intervalMs: number;
  private lastFire = Number.NEGATIVE_INFINITY;
  private timer: unknown;
  private pending = false;
  private disposed = false;
  private fires = 0;

  constructor(
    private readonly refresh: () => void,
    options: { maxPerSecond?: number; clock?: ThrottleClock } = {},
    private readonly clock: ThrottleClock = options.clock ?? realClock,
  ) {
    const perSecond = options.maxPerSecond ?? 4;
    if (!(perSecond > 0)) throw new RangeError(`maxPerSecond must be > 0, got ${perSecond}`);
    this.intervalMs = 1000 / perSecond;
  }

  /** How many refreshes have run. */
  get refreshCount(): number {
    return this.fires;
  }

  /** Asks for a refresh; cheap enough to call per log line. */
  request(): void {
    if (this.disposed) return;
    if (this.timer !== undefined) {
      this.pending = true;
      return;
    }
    const wait = this.lastFire + this.intervalMs - this.clock.now();
    if (wait <= 0) {
      this.fire();
      this.arm(this.intervalMs);
    } else {
      this.pending = true;
      this.arm(wait);
    }
  }

  /** Runs a pending refresh now (e.g. when the view becomes visible). */
  flush(): void {
    if (this.disposed || !this.pending) return;
    this.fire();
  }

  dispose(): void {
    this.disposed = true;
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.pending = false;
  }

  private arm(ms: number): void {
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      if (this.disposed || !this.pending) return;
      this.fire();
      // Keep the window closed for one more interval, so a steady stream stays at the cap.
      this.arm(this.intervalMs);
    }, ms);
  }

  private fire(): void {
    this.pending = false;
    this.lastFire = this.clock.now();
    this.fires++;
    this.refresh();
  }
}
