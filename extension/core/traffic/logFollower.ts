/**
 * Follows the logs of every client pod of a chapter through @kubernetes/client-node 1.4: lists and
 * watches the pods (label selector), follows each Running pod's log (`Log.log`, container always
 * named, `follow` + `timestamps`), picks up new pods, drops deleted ones, and reconnects a stream that
 * ends — resuming with `sinceTime` and skipping every line at or before the last timestamp it already
 * counted, so a reconnect never counts a line twice. Each accepted line goes to the sink (a
 * TrafficModel) and to `onLine(pod, line)`. Pure: no vscode.
 */
import { StringDecoder } from 'node:string_decoder';
import { Writable } from 'node:stream';
import type { CoreV1Api, KubeConfig, Log, V1Pod, Watch } from '@kubernetes/client-node';
import { clientNode } from '../../../samples/common/lazyModules';
import { CHAPTER_LABEL, getChapter, type ChapterId } from '../../../samples/common/catalog';
import { splitTimestamp, toSinceTime } from './logTimestamp';
import { toTrafficError, type TrafficError } from './errors';
import { httpStatusOf } from '../../../samples/common/kubeStatus';
import { answerWithin } from '../cluster/kube';

/** Label selector of a chapter's client pods (DESIGN "Kubernetes names"). */
export function clientPodSelector(chapter: string): string {
  return `app.kubernetes.io/name=greeter-client,${CHAPTER_LABEL}=${chapter}`;
}

/** Where a chapter's client pods live. */
export function chapterNamespace(chapter: ChapterId): string {
  const ns = getChapter(chapter).namespace;
  if (!ns) throw new Error(`chapter "${chapter}" deploys nothing, so it has no client logs to follow`);
  return ns;
}

/**
 * The container whose stdout carries the RPC log: the one named like the app, else the first one that
 * is not a known sidecar (envoy-sidecar and istio chapters add a second container).
 */
export function clientContainerOf(pod: V1Pod): string | undefined {
  const names = (pod.spec?.containers ?? []).map((c) => c.name);
  const preferred = ['greeter-client', 'client'].find((n) => names.includes(n));
  if (preferred) return preferred;
  return names.find((n) => !['istio-proxy', 'envoy', 'envoy-sidecar'].includes(n)) ?? names[0];
}

export type FollowerEvent =
  | { kind: 'podFollowed'; pod: string; container: string }
  | { kind: 'podDropped'; pod: string }
  | { kind: 'streamEnded'; pod: string; reason: 'ended' | 'idle' | 'error'; reconnectInMs: number }
  | { kind: 'error'; error: TrafficError };

export interface LineSink {
  ingestLine(line: string): unknown;
}

export interface LogFollowerOptions {
  kubeConfig: KubeConfig;
  namespace: string;
  labelSelector: string;
  /** Every accepted line is ingested here (usually a TrafficModel). */
  sink?: LineSink;
  onLine?: (pod: string, line: string) => void;
  onEvent?: (event: FollowerEvent) => void;
  signal?: AbortSignal;
  /** Injectable delay for backoff (tests make it instant). Must reject or resolve early on abort. */
  delay?: (ms: number, signal: AbortSignal) => Promise<void>;
  /** Reconnect backoff, doubled per failure and capped. Defaults 1 s → 30 s (like client-node's ListWatch). */
  backoff?: { initialMs?: number; maxMs?: number };
  /**
   * A dropped connection does not end the Writable given to `Log.log` (the response body is piped,
   * and pipe() does not forward errors), so a stream that delivered nothing for this long is
   * reconnected. Safe because reconnects de-duplicate. Default 30 s.
   */
  idleReconnectMs?: number;
  /** Lines of history fetched when a pod is first followed. Default 1000. Ignored with `sinceTime`. */
  tailLines?: number;
  /** RFC3339: on first connect, only lines from this time on. */
  sinceTime?: string;
  /**
   * On first connect, only lines of the last this many seconds — measured by the node's clock, so a
   * skewed local clock (a minikube VM) cannot hide lines. Experiments use it to start fresh.
   */
  sinceSeconds?: number;
  containerFor?: (pod: V1Pod) => string | undefined;
}

export interface FollowerStats {
  /** Lines accepted and handed to the sink/onLine. */
  lines: number;
  /** Lines seen again after a reconnect and skipped. */
  duplicates: number;
  reconnects: number;
  podsFollowed: number;
  /** Lines longer than MAX_LINE_CHARS, skipped (no client of ours writes one: it is not a log record). */
  tooLong: number;
}

/** The longest log line kept while waiting for its newline; a longer one is skipped, not buffered. */
export const MAX_LINE_CHARS = 64 * 1024;

/** Per connection: lines accepted, and lines at the pod's last timestamp seen again (a reconnect replays them). */
interface StreamTally {
  accepted: number;
  sameSeen: number;
}

/**
 * Cuts a text stream into lines. What waits for its newline is bounded by MAX_LINE_CHARS: a longer line
 * is skipped to its end and reported through `onTooLong`, so a stream without newlines cannot grow memory.
 */
export class LineSplitter {
  private partial = '';
  private skipping = false;

  constructor(private readonly onTooLong: () => void = () => undefined) {}

  /** The complete lines `text` ends (without their newline). */
  push(text: string): string[] {
    const out: string[] = [];
    const all = this.partial + text;
    let start = 0;
    for (;;) {
      const nl = all.indexOf('\n', start);
      if (nl < 0) break;
      if (!this.skipping) out.push(all.slice(start, nl));
      this.skipping = false;
      start = nl + 1;
    }
    this.partial = this.skipping ? '' : all.slice(start);
    if (this.partial.length > MAX_LINE_CHARS) {
      this.onTooLong();
      this.partial = '';
      this.skipping = true;
    }
    return out;
  }
}

interface PodState {
  name: string;
  container: string;
  phase: string;
  /** Normalized timestamp of the newest accepted line. */
  lastTs?: string;
  /** How many accepted lines carry exactly `lastTs` (the kubelet may stamp several alike). */
  sameTsCount: number;
  stopped: boolean;
  /** Ends the current stream at once. */
  interrupt?: () => void;
  loop?: Promise<void>;
}

/** Server-side watch timeout; a real API server closes the watch cleanly after it. */
const WATCH_TIMEOUT_SECONDS = 240;

const defaultDelay = (ms: number, signal: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });

export class LogFollower {
  private readonly pods = new Map<string, PodState>();
  private readonly core: CoreV1Api;
  private readonly log: Log;
  private readonly watch: Watch;
  private readonly abort = new AbortController();
  private readonly delay: (ms: number, signal: AbortSignal) => Promise<void>;
  private readonly initialBackoff: number;
  private readonly maxBackoff: number;
  private readonly stats_: FollowerStats = { lines: 0, duplicates: 0, reconnects: 0, podsFollowed: 0, tooLong: 0 };
  private running?: Promise<void>;

  constructor(private readonly options: LogFollowerOptions) {
    const { CoreV1Api, Log, Watch } = clientNode();
    this.core = options.kubeConfig.makeApiClient(CoreV1Api);
    this.log = new Log(options.kubeConfig);
    this.watch = new Watch(options.kubeConfig);
    this.delay = options.delay ?? defaultDelay;
    this.initialBackoff = options.backoff?.initialMs ?? 1000;
    this.maxBackoff = options.backoff?.maxMs ?? 30_000;
    if (options.signal) {
      if (options.signal.aborted) this.abort.abort();
      else options.signal.addEventListener('abort', () => this.stop(), { once: true });
    }
  }

  /** Starts listing/watching pods and following their logs. Resolves once stopped. */
  start(): Promise<void> {
    this.running ??= this.run();
    return this.running;
  }

  /** Stops every watch and stream; idempotent. */
  stop(): void {
    if (this.abort.signal.aborted) return;
    this.abort.abort();
    for (const pod of this.pods.values()) this.dropPod(pod.name, false);
  }

  get stopped(): boolean {
    return this.abort.signal.aborted;
  }

  /** Names of the pods whose logs are followed now, sorted. */
  followedPods(): string[] {
    return [...this.pods.keys()].sort();
  }

  get stats(): Readonly<FollowerStats> {
    return { ...this.stats_ };
  }

  private async run(): Promise<void> {
    const signal = this.abort.signal;
    let backoff = this.initialBackoff;
    let resourceVersion: string | undefined;
    while (!signal.aborted) {
      try {
        if (resourceVersion === undefined) {
          const list = await answerWithin(
            this.options.kubeConfig,
            { verb: 'list', resource: 'pods', namespace: this.options.namespace },
            () => this.core.listNamespacedPod({ namespace: this.options.namespace, labelSelector: this.options.labelSelector }),
            { signal },
          );
          if (signal.aborted) break;
          this.reconcile(list.items);
          resourceVersion = list.metadata?.resourceVersion ?? '';
        }
        const started = Date.now();
        const outcome = await this.watchOnce(resourceVersion);
        if (signal.aborted) break;
        if (outcome.gone) {
          resourceVersion = undefined; // 410: our version is too old, list again.
          continue;
        }
        resourceVersion = outcome.resourceVersion;
        if (outcome.error === undefined) {
          // A clean end is normal (servers close watches every few minutes): watch again at once,
          // unless it ended immediately with nothing, which would otherwise spin.
          if (outcome.events > 0 || Date.now() - started > 5000) {
            backoff = this.initialBackoff;
            continue;
          }
        } else {
          this.emit({
            kind: 'error',
            error: toTrafficError(outcome.error, { namespace: this.options.namespace, what: 'watch pods' }),
          });
          resourceVersion = undefined; // after a broken connection, relist to catch up.
        }
      } catch (err) {
        if (signal.aborted) break;
        this.emit({ kind: 'error', error: toTrafficError(err, { namespace: this.options.namespace, what: 'list pods' }) });
      }
      await this.delay(backoff, signal);
      backoff = Math.min(backoff * 2, this.maxBackoff);
    }
    await Promise.all([...this.pods.values()].map((p) => p.loop));
  }

  private watchOnce(
    resourceVersion: string,
  ): Promise<{ gone: boolean; error?: unknown; resourceVersion: string; events: number }> {
    return new Promise((resolve) => {
      let rv = resourceVersion;
      let events = 0;
      let gone = false;
      let settled = false;
      let controller: AbortController | undefined;
      const finish = (error?: unknown): void => {
        if (settled) return;
        settled = true;
        clearTimeout(guard);
        this.abort.signal.removeEventListener('abort', onAbort);
        controller?.abort();
        resolve({ gone, resourceVersion: rv, events, ...(error ? { error } : {}) });
      };
      const onAbort = (): void => finish();
      this.abort.signal.addEventListener('abort', onAbort, { once: true });
      // The server ends the watch after timeoutSeconds; if that end never arrives (a connection that
      // died silently), our own timer ends it a little later and we watch again from `rv`.
      const guard = setTimeout(() => finish(), (WATCH_TIMEOUT_SECONDS + 30) * 1000);
      guard.unref?.();
      this.watch
        .watch(
          `/api/v1/namespaces/${encodeURIComponent(this.options.namespace)}/pods`,
          {
            labelSelector: this.options.labelSelector,
            allowWatchBookmarks: true,
            timeoutSeconds: WATCH_TIMEOUT_SECONDS,
            ...(rv ? { resourceVersion: rv } : {}),
          },
          (phase: string, obj: unknown) => {
            events++;
            const pod = obj as V1Pod & { code?: number };
            if (phase === 'ERROR') {
              if (pod.code === 410) gone = true;
              finish(gone ? undefined : Object.assign(new Error('watch error event'), { statusCode: pod.code }));
              return;
            }
            const v = pod.metadata?.resourceVersion;
            if (v) rv = v;
            if (phase === 'ADDED' || phase === 'MODIFIED') this.upsertPod(pod);
            else if (phase === 'DELETED' && pod.metadata?.name) this.dropPod(pod.metadata.name, true);
            // BOOKMARK only advances the resource version; unknown types are ignored.
          },
          (err: unknown) => finish(err ?? undefined),
        )
        .then(
          (c) => {
            controller = c;
            if (settled) c.abort();
          },
          (err: unknown) => finish(err),
        );
    });
  }

  private reconcile(items: V1Pod[]): void {
    const names = new Set<string>();
    for (const pod of items) {
      if (pod.metadata?.name) names.add(pod.metadata.name);
      this.upsertPod(pod);
    }
    for (const name of [...this.pods.keys()]) if (!names.has(name)) this.dropPod(name, true);
  }

  private upsertPod(pod: V1Pod): void {
    const name = pod.metadata?.name;
    if (!name || this.abort.signal.aborted) return;
    const phase = pod.status?.phase ?? 'Unknown';
    const existing = this.pods.get(name);
    if (existing) {
      existing.phase = phase;
      return;
    }
    if (phase !== 'Running') return; // no log to follow yet; a later MODIFIED brings it.
    const container = (this.options.containerFor ?? clientContainerOf)(pod);
    if (!container) return;
    const state: PodState = { name, container, phase, sameTsCount: 0, stopped: false };
    this.pods.set(name, state);
    this.stats_.podsFollowed++;
    this.emit({ kind: 'podFollowed', pod: name, container });
    state.loop = this.followPod(state);
  }

  private dropPod(name: string, notify: boolean): void {
    const state = this.pods.get(name);
    if (!state) return;
    state.stopped = true;
    state.interrupt?.();
    this.pods.delete(name);
    if (notify) this.emit({ kind: 'podDropped', pod: name });
  }

  private async followPod(state: PodState): Promise<void> {
    const signal = this.abort.signal;
    let backoff = this.initialBackoff;
    while (!state.stopped && !signal.aborted) {
      const started = Date.now();
      const outcome = await this.streamOnce(state);
      if (state.stopped || signal.aborted) return;
      if (outcome.status === 404) {
        // The pod is gone; the watch will confirm. Stop here rather than hammer the API.
        this.dropPod(state.name, true);
        return;
      }
      if (state.phase !== 'Running' && outcome.accepted === 0) {
        // A terminated pod writes nothing more; it stays listed until the watch reports it deleted.
        return;
      }
      if (outcome.accepted > 0 || Date.now() - started > 5000) backoff = this.initialBackoff;
      const wait = outcome.reason === 'error' || outcome.accepted === 0 ? backoff : 0;
      if (outcome.error) {
        this.emit({
          kind: 'error',
          error: toTrafficError(outcome.error, {
            namespace: this.options.namespace,
            pod: state.name,
            what: `follow log of ${state.name}`,
          }),
        });
      }
      this.emit({ kind: 'streamEnded', pod: state.name, reason: outcome.reason, reconnectInMs: wait });
      if (wait > 0) {
        await this.delay(wait, signal);
        backoff = Math.min(backoff * 2, this.maxBackoff);
      }
      if (state.stopped || signal.aborted) return;
      this.stats_.reconnects++;
    }
  }

  /** One `Log.log` request; resolves when it ends, idles out, fails, or the pod is dropped. */
  private streamOnce(
    state: PodState,
  ): Promise<{ reason: 'ended' | 'idle' | 'error'; accepted: number; status?: number; error?: unknown }> {
    return new Promise((resolve) => {
      const decoder = new StringDecoder('utf8');
      const lines = new LineSplitter(() => this.stats_.tooLong++);
      const tally: StreamTally = { accepted: 0, sameSeen: 0 };
      let lastByteAt = Date.now();
      let settled = false;
      let controller: AbortController | undefined;
      const idleMs = this.options.idleReconnectMs ?? 30_000;

      const writable = new Writable({
        write: (chunk: Buffer, _encoding, callback) => {
          lastByteAt = Date.now();
          if (!settled) {
            // A line cut by a dropped stream stays in the splitter and is dropped with it: the reconnect replays it whole.
            for (const line of lines.push(decoder.write(chunk))) this.acceptLine(state, line, tally);
          }
          callback();
        },
      });

      const finish = (reason: 'ended' | 'idle' | 'error', error?: unknown): void => {
        if (settled) return;
        settled = true;
        clearInterval(idleTimer);
        state.interrupt = undefined;
        controller?.abort();
        writable.destroy();
        const status = error === undefined ? undefined : httpStatusOf(error);
        resolve({
          reason,
          accepted: tally.accepted,
          ...(status !== undefined ? { status } : {}),
          ...(error !== undefined ? { error } : {}),
        });
      };
      state.interrupt = () => finish('ended');
      writable.on('finish', () => finish('ended'));
      writable.on('close', () => finish('ended'));
      writable.on('error', (err) => finish('error', err));
      const idleTimer = setInterval(
        () => {
          if (Date.now() - lastByteAt >= idleMs) finish('idle');
        },
        Math.max(10, Math.min(1000, idleMs / 4)),
      );
      idleTimer.unref?.();

      this.log.log(this.options.namespace, state.name, state.container, writable, this.logOptions(state)).then(
        (c) => {
          controller = c;
          if (settled) c.abort();
        },
        (err: unknown) => finish('error', err),
      );
    });
  }

  /** Where a (re)connection starts: after the last line seen, else the follower's own start point. */
  private logOptions(state: PodState): { follow: true; timestamps: true; sinceTime?: string; sinceSeconds?: number; tailLines?: number } {
    if (state.lastTs !== undefined) return { follow: true, timestamps: true, sinceTime: toSinceTime(state.lastTs) };
    if (this.options.sinceSeconds !== undefined) return { follow: true, timestamps: true, sinceSeconds: Math.max(1, Math.ceil(this.options.sinceSeconds)) };
    if (this.options.sinceTime !== undefined) return { follow: true, timestamps: true, sinceTime: this.options.sinceTime };
    return { follow: true, timestamps: true, tailLines: this.options.tailLines ?? 1000 };
  }

  /**
   * One log line: skipped when a reconnect replays it (its timestamp is older than the last one seen, or it
   * is one of the lines already seen at that same timestamp), else handed to the sink.
   */
  private acceptLine(state: PodState, raw: string, tally: StreamTally): void {
    if (raw.length === 0) return;
    const { ts, text } = splitTimestamp(raw.endsWith('\r') ? raw.slice(0, -1) : raw);
    if (ts !== undefined) {
      if (state.lastTs !== undefined && ts < state.lastTs) {
        this.stats_.duplicates++;
        return;
      }
      if (ts === state.lastTs) {
        tally.sameSeen++;
        if (tally.sameSeen <= state.sameTsCount) {
          this.stats_.duplicates++;
          return;
        }
        state.sameTsCount++;
      } else {
        state.lastTs = ts;
        state.sameTsCount = 1;
        tally.sameSeen = 1;
      }
    }
    tally.accepted++;
    this.stats_.lines++;
    this.options.sink?.ingestLine(text);
    this.options.onLine?.(state.name, text);
  }

  private emit(event: FollowerEvent): void {
    try {
      this.options.onEvent?.(event);
    } catch {
      // A listener's bug must not stop the follower.
    }
  }
}
