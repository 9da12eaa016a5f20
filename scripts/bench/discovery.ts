/**
 * Issue 8's "discovery times per mode": how long a scaled-up server waits for its first RPC, per
 * discovery mode, measured by the lab's own scenarios (real servers, clients, DNS and etcd on loopback).
 */
import { runScenario } from '../../samples/lab/index';
import type { ScenarioReport } from '../../samples/lab/report';
import { once, registerMeasurement } from './registry';

const report = (id: 'headless' | 'max-age' | 'etcd'): Promise<ScenarioReport> =>
  once(`lab-${id}`, () => runScenario(id, { onProgress: (p) => process.stderr.write(`  ${id}: ${p.message}\n`) }));

function ms(value: unknown): number | null {
  return typeof value === 'number' ? Math.round(value) : null;
}

const MODES: Array<{ id: string; scenario: 'headless' | 'max-age' | 'etcd'; title: string; figure: string; window?: string }> = [
  { id: 'discovery-dns', scenario: 'headless', title: 'discovery: dns:/// + round_robin, defaults (headless)', figure: 'scaleUpDiscoveredMs', window: 'windowMs' },
  { id: 'discovery-max-age', scenario: 'max-age', title: 'discovery: dns:/// + server max age + client DNS min interval (max-age)', figure: 'scaleUpDiscoveredMs' },
  { id: 'discovery-age-only', scenario: 'max-age', title: 'discovery: dns:/// + server max age only', figure: 'ageOnlyScaleUpDiscoveredMs', window: 'ageOnlyWindowMs' },
  { id: 'discovery-etcd', scenario: 'etcd', title: 'discovery: etcd:/// registry watch (etcd)', figure: 'scaleUpDiscoveredMs' },
];

for (const mode of MODES) {
  registerMeasurement({
    id: mode.id,
    title: mode.title,
    async run() {
      const r = await report(mode.scenario);
      if (typeof r.figures.skipped === 'string' || typeof r.figures.error === 'string') {
        return { value: null, unit: 'ms', detail: String(r.figures.skipped ?? r.figures.error) };
      }
      const value = ms(r.figures[mode.figure]);
      const window = mode.window ? ms(r.figures[mode.window]) : null;
      return {
        value,
        unit: 'ms',
        detail:
          value === null
            ? `the new server got no RPC within the ${window ?? '?'} ms window`
            : `first RPC on the new server after the scale-up; claim ${r.holds ? 'holds' : 'does NOT hold'}`,
      };
    },
  });
}
