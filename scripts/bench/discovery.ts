/**
 * Issue 8's "discovery times per mode": how long a scaled-up server waits for its first RPC, per
 * discovery mode, measured by the lab's own scenarios (real servers, clients, DNS and etcd on loopback).
 * `discovery-etcd-kill` reads the same etcd scenario run as `discovery-etcd`: after `kill -9` of a
 * registered server, how long its key stays in the registry (until its lease expires).
 */
import { DEFAULT_TIMINGS, runScenario } from '../../samples/lab/index';
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

registerMeasurement({
  id: 'discovery-etcd-kill',
  title: `discovery: etcd:/// registry after kill -9 of a server → its key gone (lease TTL ${DEFAULT_TIMINGS.etcdTtlSeconds} s) (etcd)`,
  goal: '≤ TTL + 1 s',
  async run() {
    const r = await report('etcd');
    if (typeof r.figures.skipped === 'string' || typeof r.figures.error === 'string') {
      return { value: null, unit: 'ms', detail: String(r.figures.skipped ?? r.figures.error) };
    }
    const value = ms(r.figures.killRemovedMs);
    const ttl = ms(r.figures.leaseTtlMs);
    if (ttl === null) throw new Error('the etcd scenario report has no leaseTtlMs');
    const lastRpc = ms(r.figures.killLastRpcMs);
    return {
      value,
      unit: 'ms',
      meetsGoal: value !== null && value <= ttl + 1000,
      detail:
        (value === null
          ? `the killed server's key was still registered ${ttl + 5000} ms after the kill`
          : `kill -9 → etcd deleted the key when its lease expired`) +
        `; lease TTL ${ttl} ms (goal ≤ ${ttl + 1000} ms); the clients' last RPC on it ` +
        `${lastRpc === null ? 'n/a' : `${lastRpc} ms`} after the kill, ${String(r.figures.killFailedRpcs)} failed RPCs`,
    };
  },
});
