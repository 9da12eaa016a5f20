import { spawn } from 'node:child_process';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { once, registerMeasurement } from './registry';

const ROOT = join(__dirname, '..', '..');

interface TourRun {
  firstDistributionMs: number | null;
  totalMs: number;
  code: number | null;
  verdicts: string[];
  load: number;
  /** Why `npm start` rebuilt the lab bundles first (its stderr line), when it did. */
  rebuilt?: string;
}

/**
 * Runs `npm start` (the whole tour) as a user would, timing from the spawn to the first bar chart
 * on stdout and to the exit. Uses the npm that runs this script when there is one. The time includes
 * the rebuild of the lab bundles when `npm start` does one (the source changed since the last build).
 */
function runTour(): Promise<TourRun> {
  const npmCli = process.env.npm_execpath;
  const [command, args] = npmCli
    ? [process.execPath, [npmCli, 'start', '--silent']]
    : ['npm', ['start', '--silent']];
  const load = loadavg()[0];
  return new Promise((resolve, reject) => {
    const started = performance.now();
    let firstDistributionMs: number | null = null;
    let buffer = '';
    const verdicts: string[] = [];
    let rebuilt: string | undefined;
    let errBuffer = '';
    const child = spawn(command, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stderr.on('data', (chunk: Buffer) => {
      if (rebuilt !== undefined || errBuffer.length > 4096) return;
      errBuffer += chunk.toString();
      const m = /^building the lab bundles \((.*)\)/m.exec(errBuffer);
      if (m) rebuilt = m[1];
    });
    child.once('error', reject);
    child.stdout.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      let nl: number;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        if (firstDistributionMs === null && line.includes('█')) firstDistributionMs = performance.now() - started;
        if (line.startsWith('verdict: ')) verdicts.push(line.slice('verdict: '.length));
      }
    });
    child.once('exit', (code) => resolve({ firstDistributionMs, totalMs: performance.now() - started, code, verdicts, load, rebuilt }));
  });
}

const tour = () => once('npm-start-tour', runTour);

registerMeasurement({
  id: 'first-distribution',
  title: '`npm start` → first distribution printed',
  goal: '≤ 5 s',
  async run() {
    const run = await tour();
    const seconds = run.firstDistributionMs === null ? null : run.firstDistributionMs / 1000;
    return {
      value: seconds === null ? null : Number(seconds.toFixed(2)),
      unit: 's',
      meetsGoal: seconds !== null && seconds <= 5,
      detail:
        `clusterip chart; 1-min load average at start ${run.load.toFixed(1)} on ${navigatorCores()} cores; ` +
        (run.rebuilt === undefined
          ? 'lab bundles were current (no rebuild)'
          : `includes rebuilding the lab bundles (${run.rebuilt}); run again for the usual start`),
    };
  },
});

registerMeasurement({
  id: 'tour',
  title: '`npm start` whole tour (5 scenarios)',
  async run() {
    const run = await tour();
    return {
      value: Number((run.totalMs / 1000).toFixed(1)),
      unit: 's',
      detail: `exit ${run.code}; ${run.verdicts.length} verdicts: ${run.verdicts.map((v) => v.split(':')[0]).join(', ')}`,
    };
  },
});

function navigatorCores(): number {
  return availableParallelism();
}
