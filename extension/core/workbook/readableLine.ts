import { parseRpcRecord } from '../../../samples/common/clientLog';

/** gRPC status code names (grpc/grpc doc/statuscodes.md), so a cell reads "UNAVAILABLE", not "14". */
const STATUS_NAMES = [
  'OK', 'CANCELLED', 'UNKNOWN', 'INVALID_ARGUMENT', 'DEADLINE_EXCEEDED', 'NOT_FOUND', 'ALREADY_EXISTS',
  'PERMISSION_DENIED', 'RESOURCE_EXHAUSTED', 'FAILED_PRECONDITION', 'ABORTED', 'OUT_OF_RANGE',
  'UNIMPLEMENTED', 'INTERNAL', 'UNAVAILABLE', 'DATA_LOSS', 'UNAUTHENTICATED',
] as const;

export function statusName(code: number): string {
  return STATUS_NAMES[code] ?? `status ${code}`;
}

/** `2026-11-25T23:52:39.069Z` → `23:52:39.069`; anything else unchanged. */
function timeOfDay(ts: string): string {
  const m = /T(\d{2}:\d{2}:\d{2}(?:\.\d{1,3})?)/.exec(ts);
  return m ? m[1]! : ts;
}

/** The sentences around a client's started / summary / error line (the adapter localizes them). */
export interface ReadableLineStrings {
  started(client: string, target: string, lbPolicy: string): string;
  summary(client: string, succeeded: string, total: string): string;
  error(client: string, message: string): string;
}

export const ENGLISH_LINE_STRINGS: ReadableLineStrings = {
  started: (client, target, lbPolicy) => `${client} started: ${target} (${lbPolicy})`,
  summary: (client, succeeded, total) => `${client} summary: ${succeeded}/${total} ok`,
  error: (client, message) => `${client} error: ${message}`,
};

/**
 * A sample client's stdout line as a learner reads it in a workbook cell. An RPC record becomes
 * `23:52:39.069  lab-client-1 → lab-server-2  3 ms` (or `✗ UNAVAILABLE: …`); the client's
 * started / summary / error lines become one short line each (they name their client); anything
 * else is shown as it came, after `[pod]` when the pod it came from is known. The Client Logs
 * channel keeps the JSON as printed, for copying into other tools.
 */
export function readableLogLine(line: string, pod?: string, strings: ReadableLineStrings = ENGLISH_LINE_STRINGS): string {
  const readable = readableRecord(line, strings);
  return readable === undefined ? (pod ? `[${pod}] ${line}` : line) : readable;
}

function readableRecord(line: string, strings: ReadableLineStrings): string | undefined {
  const rpc = parseRpcRecord(line);
  if (rpc) {
    const when = timeOfDay(rpc.ts);
    return rpc.ok
      ? `${when}  ${rpc.client} → ${rpc.server ?? '?'}  ${rpc.ms} ms`
      : `${when}  ${rpc.client} ✗ ${statusName(rpc.code)}${rpc.error ? `: ${rpc.error}` : ''}  ${rpc.ms} ms`;
  }
  let value: unknown;
  try {
    value = line.trimStart().startsWith('{') ? JSON.parse(line) : undefined;
  } catch {
    value = undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const e = value as Record<string, unknown>;
  const when = typeof e.ts === 'string' ? `${timeOfDay(e.ts)}  ` : '';
  const client = typeof e.client === 'string' ? e.client : 'client';
  switch (e.event) {
    case 'started':
      return `${when}${strings.started(client, String(e.target), String(e.lbPolicy))}`;
    case 'summary': {
      const servers = e.servers && typeof e.servers === 'object' ? Object.entries(e.servers as Record<string, number>) : [];
      const spread = servers.map(([server, n]) => `${server} ${n}`).join(', ');
      return `${when}${strings.summary(client, String(e.succeeded), String(e.total))}${spread ? ` — ${spread}` : ''}`;
    }
    case 'error':
      return `${when}${strings.error(client, String(e.error))}`;
    default:
      return undefined;
  }
}
