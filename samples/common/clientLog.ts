/**
 * The client log schema (docs/architecture.md "Process contract"): one JSON object per line on stdout, per RPC.
 * The client writes it with `formatRpcRecord`; the traffic model reads it with `parseRpcRecord`.
 */
export interface RpcRecord {
  /** ISO-8601 time the RPC finished. */
  ts: string;
  /** POD_NAME of the client. */
  client: string;
  chapter: string;
  target: string;
  ok: boolean;
  /** POD_NAME of the server that answered; null when the RPC failed. */
  server: string | null;
  /** gRPC status code (0 = OK, 14 = UNAVAILABLE, 4 = DEADLINE_EXCEEDED …). */
  code: number;
  /** Round-trip time in milliseconds. */
  ms: number;
  /** Failure message; only present when ok is false. */
  error?: string;
}

export function formatRpcRecord(record: RpcRecord): string {
  // Fixed key order, so the lines read the same in every log viewer.
  const ordered: RpcRecord = {
    ts: record.ts,
    client: record.client,
    chapter: record.chapter,
    target: record.target,
    ok: record.ok,
    server: record.server,
    code: record.code,
    ms: record.ms,
  };
  if (!record.ok) ordered.error = record.error ?? '';
  return JSON.stringify(ordered);
}

/**
 * Parses one stdout line. Returns undefined for anything that is not an RPC record (lifecycle
 * lines, summaries, garbage, half-written lines): callers count those as skipped, never fail.
 */
export function parseRpcRecord(line: string): RpcRecord | undefined {
  const text = line.trim();
  if (text.length < 2 || text.charCodeAt(0) !== 123 /* { */) return undefined;
  const fast = CANONICAL_RECORD.exec(text);
  if (fast !== null) return fromCanonical(fast);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const r = value as Record<string, unknown>;
  if (
    typeof r.ts !== 'string' ||
    typeof r.client !== 'string' ||
    typeof r.ok !== 'boolean' ||
    typeof r.code !== 'number' ||
    !(typeof r.server === 'string' || r.server === null)
  ) {
    return undefined;
  }
  if (r.ok && typeof r.server !== 'string') return undefined;
  return {
    ts: r.ts,
    client: r.client,
    chapter: typeof r.chapter === 'string' ? r.chapter : '',
    target: typeof r.target === 'string' ? r.target : '',
    ok: r.ok,
    server: r.server as string | null,
    code: r.code,
    ms: typeof r.ms === 'number' ? r.ms : 0,
    ...(r.ok ? {} : { error: typeof r.error === 'string' ? r.error : '' }),
  };
}

/** A JSON string body without escapes or control characters: its JSON value is the raw text. */
const PLAIN = String.raw`"([^"\\\x00-\x1f]*)"`;
/** The JSON number grammar (so `Number(text)` equals what JSON.parse gives). */
const NUMBER = String.raw`(-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?)`;
/**
 * Fast path for the exact shape {@link formatRpcRecord} writes (fixed key order, no whitespace, no
 * escapes). Only lines whose JSON.parse result is fully determined by this match are taken here;
 * anything else (escapes, other key orders, extra keys, `ok:true` without a server …) falls through
 * to JSON.parse and the checks below, so the accepted records and the rejected lines are the same.
 */
const CANONICAL_RECORD = new RegExp(
  String.raw`^\{"ts":${PLAIN},"client":${PLAIN},"chapter":${PLAIN},"target":${PLAIN},` +
    String.raw`"ok":(?:(true),"server":${PLAIN}|false,"server":(?:${PLAIN}|null)),` +
    String.raw`"code":${NUMBER},"ms":${NUMBER}(?:,"error":${PLAIN})?\}$`,
);

function fromCanonical(m: RegExpExecArray): RpcRecord {
  if (m[5] !== undefined) {
    return { ts: m[1], client: m[2], chapter: m[3], target: m[4], ok: true, server: m[6], code: Number(m[8]), ms: Number(m[9]) };
  }
  return {
    ts: m[1],
    client: m[2],
    chapter: m[3],
    target: m[4],
    ok: false,
    server: m[7] ?? null,
    code: Number(m[8]),
    ms: Number(m[9]),
    error: m[10] ?? '',
  };
}
