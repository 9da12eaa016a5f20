import { EventEmitter } from 'node:events';
import { experimental, status as Status, Metadata } from '@grpc/grpc-js';

type Endpoint = experimental.Endpoint;
type ResolverListener = experimental.ResolverListener;

/** A stable text form of an endpoint list, to tell a real change from a repeat. */
export function endpointsKey(endpoints: readonly Endpoint[]): string {
  return endpoints
    .map((e) =>
      e.addresses
        .map((a) => ('host' in a ? `${a.host}:${a.port}` : a.path))
        .join('|'),
    )
    .sort()
    .join(',');
}

/**
 * 'refused' (details): a resolver was told no — the API refused it (401/403) or lacks what it needs
 * (404) — which no wait will change. The client ends its start-up wait on it, so that the first RPC,
 * and its error saying why, goes out at once instead of after the whole wait.
 */
export const resolutionRefusals = new EventEmitter();

/**
 * Delivers a watch-based resolver's results to grpc-js, deduplicated and rate-limited.
 *
 * Why: round_robin rebuilds its whole subchannel list on every result it receives and calls
 * `updateResolution()` often; a resolver that answers each call with a fresh (even identical)
 * result livelocks the channel. A watch already pushes every change, so this reporter only
 * reports when the endpoint set or the error actually changed, never synchronously, and at
 * most once per `minGapMs` (changes that arrive faster are coalesced into the next report).
 */
export class ResolutionReporter {
  private lastKey: string | undefined;
  private lastReportAt = 0;
  private pending: { key: string; deliver: () => void } | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly listener: ResolverListener,
    private readonly minGapMs = 100,
  ) {}

  /**
   * Reports a (possibly empty) endpoint list; `note` explains it in RPC errors.
   * An empty list is followed by an UNAVAILABLE error carrying `note`: grpc-js 1.14's round_robin
   * turns an empty list into IDLE with a queueing picker, so RPCs would hang until their deadline
   * ("Waiting for LB pick"); the error, accepted once the balancer has no children, makes them
   * fail fast with the reason instead.
   */
  endpoints(endpoints: Endpoint[], note: string): void {
    const key = `ok:${endpointsKey(endpoints)}`;
    this.offer(key, () => {
      this.listener({ ok: true, value: endpoints }, {}, null, note);
      if (endpoints.length === 0) {
        this.listener({ ok: false, error: { code: Status.UNAVAILABLE, details: note, metadata: new Metadata() } }, {}, null, note);
      }
    });
  }

  /** Reports a resolution failure; its `details` become the RPC error's details while no endpoint is known. */
  error(details: string, code: Status = Status.UNAVAILABLE): void {
    const key = `error:${code}:${details}`;
    this.offer(key, () =>
      this.listener({ ok: false, error: { code, details, metadata: new Metadata() } }, {}, null, details),
    );
  }

  /** Reports a failure no wait will mend (see resolutionRefusals), delivered like error(). */
  refused(details: string): void {
    const key = `refused:${details}`;
    this.offer(key, () => {
      this.listener({ ok: false, error: { code: Status.UNAVAILABLE, details, metadata: new Metadata() } }, {}, null, details);
      resolutionRefusals.emit('refused', details);
    });
  }

  /** Forgets what was reported, so that after a restart the first result is reported again. */
  reset(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.pending = undefined;
    this.lastKey = undefined;
  }

  private offer(key: string, deliver: () => void): void {
    if (key === this.lastKey && !this.pending) return;
    this.pending = { key, deliver };
    if (this.timer) return;
    const wait = Math.max(0, this.lastReportAt + this.minGapMs - Date.now());
    // Never report synchronously: grpc-js forbids listener calls from inside updateResolution().
    this.timer = setTimeout(() => this.flush(), wait);
    this.timer.unref();
  }

  private flush(): void {
    this.timer = undefined;
    const pending = this.pending;
    this.pending = undefined;
    if (!pending || pending.key === this.lastKey) return;
    this.lastKey = pending.key;
    this.lastReportAt = Date.now();
    pending.deliver();
  }
}
