/**
 * Bench rows from the packaging and the end-to-end run:
 *  - `vsix-size`: builds the production .vsix (`npm run package`) and reports its size;
 *  - `activation`: the extension's activation time as VS Code's extension host measured it in the
 *    last `npm run test:e2e` run (code loading + activate(), from "Developer: Show Running
 *    Extensions"), read from test-results/e2e/activation.json. Running a real VS Code takes minutes,
 *    so the bench reads the e2e run's figure instead of starting one.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { registerMeasurement } from './registry';

const ROOT = join(__dirname, '..', '..');
const SIZE_GOAL_BYTES = 3 * 1024 * 1024;
const ACTIVATION_GOAL_MS = 50;

registerMeasurement({
  id: 'vsix-size',
  title: 'vsix size (npm run package: production bundle, --no-dependencies)',
  goal: '≤ 3 MB',
  run: () =>
    new Promise((resolve, reject) => {
      execFile(process.execPath, [join(ROOT, 'scripts', 'package.mjs')], { cwd: ROOT, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
        if (err) {
          reject(new Error(`npm run package failed: ${stderr.trim().split('\n').slice(-3).join(' ')}`));
          return;
        }
        const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { name: string; version: string };
        const file = `${pkg.name}-${pkg.version}.vsix`;
        const bytes = statSync(join(ROOT, file)).size;
        const files = /: (\d+) files, /.exec(stdout)?.[1];
        resolve({
          value: Math.round((bytes / 1024 / 1024) * 100) / 100,
          unit: 'MB',
          meetsGoal: bytes <= SIZE_GOAL_BYTES,
          detail: `${file}${files ? `, ${files} files` : ''} (${bytes.toLocaleString('en-US')} bytes)`,
        });
      });
    }),
});

interface ActivationRecord {
  activationMs: number;
  activationEvent: string;
  measuredAt: string;
  host: string;
  machine: string;
}

registerMeasurement({
  id: 'activation',
  title: 'extension activation time (extension host, last npm run test:e2e)',
  goal: `≤ ${ACTIVATION_GOAL_MS} ms`,
  run: async () => {
    const file = join(ROOT, 'test-results', 'e2e', 'activation.json');
    if (!existsSync(file)) {
      return { value: null, unit: 'ms', detail: 'no e2e run yet: run `npm run test:e2e` first (it writes test-results/e2e/activation.json)' };
    }
    const r = JSON.parse(readFileSync(file, 'utf8')) as ActivationRecord;
    return {
      value: r.activationMs,
      unit: 'ms',
      meetsGoal: r.activationMs <= ACTIVATION_GOAL_MS,
      detail: `${r.activationEvent}; ${r.host}; ${r.machine}; measured ${r.measuredAt}`,
    };
  },
});
