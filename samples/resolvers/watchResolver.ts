import type { ChannelOptions, experimental } from '@grpc/grpc-js';
import { ResolutionReporter } from './reporter';

type ResolverListener = experimental.ResolverListener;
type GrpcUri = experimental.GrpcUri;

/** The class shape `experimental.registerResolver` takes (grpc-js does not export its name). */
export type ResolverConstructor = Parameters<typeof experimental.registerResolver>[1];

/** A watch resolver class whose constructor takes its settings after what grpc-js passes. */
type WatchResolverClass<S> = new (target: GrpcUri, listener: ResolverListener, options: ChannelOptions, settings: S) => experimental.Resolver;

/**
 * The class grpc-js constructs (target, listener, channel options) for a resolver class that also takes
 * settings: a subclass that passes them on. Statics (getDefaultAuthority) are inherited.
 */
export function withSettings<S>(Base: WatchResolverClass<S>, settings: S): ResolverConstructor {
  const Bound = class extends Base {
    constructor(target: GrpcUri, listener: ResolverListener, options: ChannelOptions) {
      super(target, listener, options, settings);
    }
  };
  return Bound as unknown as ResolverConstructor;
}

/**
 * The skeleton both watch-based resolvers (kubernetes:, etcd:) share: the watch starts on the
 * first `updateResolution()`, outside the channel's call; while it runs `updateResolution()` is a
 * no-op on purpose (the watch pushes every change, and answering each call with a report would
 * livelock round_robin — docs/architecture.md); `destroy()` stops it; a failed watch is restarted with capped,
 * jittered exponential backoff. A `generation` counter, bumped on every (re)start and on destroy,
 * lets callbacks of an old watch tell that they are stale.
 */
export abstract class WatchResolver implements experimental.Resolver {
  protected readonly reporter: ResolutionReporter;
  protected running = false;
  protected generation = 0;
  protected failures = 0;
  protected retryTimer: NodeJS.Timeout | undefined;
  private startPending = false;

  constructor(listener: ResolverListener, minReportGapMs: number | undefined) {
    this.reporter = new ResolutionReporter(listener, minReportGapMs);
  }

  /** Lists and starts watching; bumps `generation` first. Called outside the channel's call. */
  protected abstract start(): Promise<void>;

  /** Releases what `start()` set up (watch, client) and forgets per-run state. Called by `destroy()`. */
  protected abstract teardown(): void;

  /** Starts the watch if it is not running; while it runs this is a no-op (never a synchronous report). */
  updateResolution(): void {
    if (this.running) return;
    this.running = true;
    if (this.startPending) return;
    this.startPending = true;
    // Not inside the channel's call: start() may load a client library synchronously.
    setImmediate(() => {
      this.startPending = false;
      if (this.running) void this.start();
    });
  }

  destroy(): void {
    this.running = false;
    this.generation++;
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    this.teardown();
    this.reporter.reset();
  }

  /**
   * Runs `retry` after `min(maxMs, initialMs · 2^failures)` ±20 %, unless the resolver was
   * destroyed or restarted meanwhile; a retry already scheduled wins.
   */
  protected scheduleRetry(initialMs: number, maxMs: number, retry: () => void): void {
    if (!this.running || this.retryTimer) return;
    const delay = Math.min(maxMs, initialMs * 2 ** this.failures++) * (0.8 + Math.random() * 0.4);
    const generation = this.generation;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      if (this.running && generation === this.generation) retry();
    }, delay);
  }
}
