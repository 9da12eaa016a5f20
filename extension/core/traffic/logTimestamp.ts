/**
 * Kubernetes log timestamps (`timestamps=true`): each line starts with an RFC3339Nano UTC time and a
 * space. We keep them as normalized strings (always 9 fractional digits, `Z`) so that plain string
 * comparison orders them exactly — no float rounding of nanoseconds.
 */

/** Splits `"<ts> <text>"`. Returns undefined for the timestamp if the prefix is not an RFC3339 time. */
export function splitTimestamp(line: string): { ts: string | undefined; text: string } {
  const space = line.indexOf(' ');
  if (space < 20 || space > 40) return { ts: undefined, text: line };
  const ts = normalizeTimestamp(line.slice(0, space));
  if (ts === undefined) return { ts: undefined, text: line };
  return { ts, text: line.slice(space + 1) };
}

const RFC3339 = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/;

/** `2026-01-02T03:04:05.5Z` → `2026-01-02T03:04:05.500000000Z`; non-UTC offsets are converted to UTC. */
export function normalizeTimestamp(ts: string): string | undefined {
  const m = RFC3339.exec(ts);
  if (!m) return undefined;
  const frac = (m[2] ?? '').padEnd(9, '0');
  let base = m[1]!;
  if (m[3] !== 'Z') {
    const ms = Date.parse(`${base}${m[3]}`);
    if (Number.isNaN(ms)) return undefined;
    base = new Date(ms).toISOString().slice(0, 19);
  }
  return `${base}.${frac}Z`;
}

/** RFC3339 with whole seconds (what `sinceTime` accepts), rounded down. */
export function toSinceTime(normalized: string): string {
  return `${normalized.slice(0, 19)}Z`;
}
