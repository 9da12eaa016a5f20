/**
 * Issue 7's rows (helper "traffic"): the measurements live in trafficMeasure.ts; this
 * file only registers them. One run of runTrafficBench yields all four rows.
 */
import { runTrafficBench, type TrafficBenchRow } from './trafficMeasure';
import { once, registerMeasurement } from './registry';

const rows = (): Promise<TrafficBenchRow[]> =>
  once('traffic-bench', () => runTrafficBench({ onProgress: (m) => process.stderr.write(`  ${m}\n`) }));

function pick(all: TrafficBenchRow[], prefix: string): TrafficBenchRow {
  const row = all.find((r) => r.name.startsWith(prefix));
  if (!row) throw new Error(`traffic bench has no row "${prefix}"`);
  return row;
}

registerMeasurement({
  id: 'traffic-follow',
  title: 'traffic: ingest through LogFollower + TrafficModel (Kubernetes API double over loopback HTTP)',
  async run() {
    const row = pick(await rows(), 'traffic: ingest through follower');
    return { value: row.value, unit: row.unit, detail: `${row.note ?? ''}; the double serves from the same process` };
  },
});

registerMeasurement({
  id: 'traffic-refresh',
  title: 'traffic: view refreshes per second while that stream runs',
  goal: '≤ 4 /s',
  async run() {
    const row = pick(await rows(), 'traffic: view refreshes');
    return { value: row.value, unit: row.unit, meetsGoal: row.value <= 4, ...(row.note ? { detail: row.note } : {}) };
  },
});

for (const [id, label] of [
  ['traffic-heap-1m', '1 M'],
  ['traffic-heap-10m', '10 M'],
] as const) {
  registerMeasurement({
    id,
    title: `traffic: model heap growth after ${label} lines (ring-buffer series)`,
    goal: '≤ 16 MB',
    async run() {
      const row = pick(await rows(), `traffic: model heap growth after ${label} lines`);
      return { value: row.value, unit: row.unit, meetsGoal: row.value <= 16, ...(row.note ? { detail: row.note } : {}) };
    },
  });
}
