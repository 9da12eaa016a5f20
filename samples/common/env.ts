/**
 * Small, pure readers for the samples' environment variables (docs/architecture.md "Process contract").
 * Each one either returns a typed value or throws a {@link ConfigError} whose message names the
 * variable, what it expects and what it got — the mains print that one line and exit with code 2.
 */

/** The environment shape the readers take (process.env or a plain object in tests). */
export type Env = Readonly<Record<string, string | undefined>>;

/** A bad or missing setting. `variable` is the environment variable at fault. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(
    readonly variable: string,
    readonly expected: string,
    readonly got: string | undefined,
  ) {
    super(
      got === undefined
        ? `${variable} is required: expected ${expected}`
        : `${variable} must be ${expected} (got ${JSON.stringify(got)})`,
    );
  }
}

/** Exit code the mains use for a configuration error (like a usage error in sysexits). */
export const CONFIG_ERROR_EXIT_CODE = 2;

/** The trimmed value, or undefined when the variable is unset or blank. */
export function readOptional(env: Env, name: string): string | undefined {
  const raw = env[name];
  if (raw === undefined) return undefined;
  const value = raw.trim();
  return value === '' ? undefined : value;
}

export function readString(env: Env, name: string, fallback: string): string {
  return readOptional(env, name) ?? fallback;
}

/** A non-blank value; throws when unset. `expected` describes it for the error message. */
export function readRequired(env: Env, name: string, expected: string): string {
  const value = readOptional(env, name);
  if (value === undefined) throw new ConfigError(name, expected, undefined);
  return value;
}

export interface IntRange {
  min?: number;
  max?: number;
}

function describeInt({ min, max }: IntRange): string {
  if (min !== undefined && max !== undefined) return `an integer from ${min} to ${max}`;
  if (min !== undefined) return `an integer >= ${min}`;
  if (max !== undefined) return `an integer <= ${max}`;
  return 'an integer';
}

/** Parses a decimal integer (no units, no fractions, no hex) within `range`. */
export function parseIntStrict(name: string, value: string, range: IntRange = {}): number {
  const expected = describeInt(range);
  if (!/^[+-]?\d+$/.test(value)) throw new ConfigError(name, expected, value);
  const n = Number(value);
  if (!Number.isSafeInteger(n)) throw new ConfigError(name, expected, value);
  if (range.min !== undefined && n < range.min) throw new ConfigError(name, expected, value);
  if (range.max !== undefined && n > range.max) throw new ConfigError(name, expected, value);
  return n;
}

/** An optional integer: undefined when unset (callers use that to mean "off"). */
export function readOptionalInt(env: Env, name: string, range: IntRange = {}): number | undefined {
  const value = readOptional(env, name);
  return value === undefined ? undefined : parseIntStrict(name, value, range);
}

export function readInt(env: Env, name: string, fallback: number, range: IntRange = {}): number {
  return readOptionalInt(env, name, range) ?? fallback;
}

/** A TCP port, 1-65535. */
export function readPort(env: Env, name: string, fallback: number): number {
  return readInt(env, name, fallback, { min: 1, max: 65535 });
}

/** One of `values` (exact, case-sensitive, as gRPC spells policy names). */
export function readEnum<T extends string>(env: Env, name: string, values: readonly T[], fallback: T): T {
  const value = readOptional(env, name);
  if (value === undefined) return fallback;
  if ((values as readonly string[]).includes(value)) return value as T;
  throw new ConfigError(name, `one of ${values.join(', ')}`, value);
}

/**
 * A comma-separated list of http(s) URLs, e.g. `http://127.0.0.1:2379,http://10.0.0.2:2379`.
 * Returns undefined when unset; an empty list is an error (a lone comma is a typo, not "off").
 */
export function readUrlList(env: Env, name: string): string[] | undefined {
  const value = readOptional(env, name);
  if (value === undefined) return undefined;
  const expected = 'a comma-separated list of http:// or https:// URLs, e.g. http://127.0.0.1:2379';
  const items = value.split(',').map((s) => s.trim());
  if (items.some((s) => s === '')) throw new ConfigError(name, expected, value);
  for (const item of items) {
    let url: URL;
    try {
      url = new URL(item);
    } catch {
      throw new ConfigError(name, expected, value);
    }
    if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.hostname === '') {
      throw new ConfigError(name, expected, value);
    }
  }
  return items;
}
