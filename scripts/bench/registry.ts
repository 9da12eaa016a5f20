/**
 * The benchmark registry: `npm run bench` runs every registered measurement in order and prints one
 * row each. To add a row, write `scripts/bench/<name>.ts` that calls {@link registerMeasurement},
 * and import it from `scripts/bench.ts`.
 */

export interface MeasurementResult {
  /** The measured value; null when it could not be measured (say why in `detail`). */
  value: number | null;
  /** Unit shown after the value (`s`, `ms`, `lines/s` …). */
  unit: string;
  /** Whether the goal was met (undefined when there is no goal). */
  meetsGoal?: boolean;
  /** One short line of context (sample size, run conditions). */
  detail?: string;
}

export interface Measurement {
  /** Stable id (used to filter: `npm run bench -- <id>`). */
  id: string;
  /** What is measured, for the printed table. */
  title: string;
  /** The goal, as printed (e.g. `≤ 5 s`). */
  goal?: string;
  run(): Promise<MeasurementResult>;
}

const measurements: Measurement[] = [];
/** Values shared between measurements (one run of `npm start` yields two rows). */
const shared = new Map<string, Promise<unknown>>();

export function registerMeasurement(measurement: Measurement): void {
  if (measurements.some((m) => m.id === measurement.id)) throw new Error(`duplicate measurement id ${measurement.id}`);
  measurements.push(measurement);
}

/** The middle value (the upper middle of an even count): a row's figure over repeated samples. */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError('median of no values');
  return [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
}

const finishers: Array<() => Promise<void>> = [];

/** Runs after the last selected row, whatever happened (e.g. the cluster rows clean their last chapter up). */
export function onFinish(finish: () => Promise<void>): void {
  finishers.push(finish);
}

/** Called by bench.ts after the last row; a finisher's failure is returned, not thrown, so every one runs. */
export async function runFinishers(): Promise<Error[]> {
  const errors: Error[] = [];
  for (const finish of finishers) {
    await finish().catch((error: unknown) => errors.push(error instanceof Error ? error : new Error(String(error))));
  }
  return errors;
}

export function registeredMeasurements(): readonly Measurement[] {
  return measurements;
}

/** Runs `compute` once per key, however many measurements ask for it. */
export function once<T>(key: string, compute: () => Promise<T>): Promise<T> {
  let value = shared.get(key) as Promise<T> | undefined;
  if (!value) {
    value = compute();
    shared.set(key, value);
  }
  return value;
}
