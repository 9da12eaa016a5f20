/**
 * Bench rows from the packaging and the end-to-end run:
 *  - `vsix-size`: builds the production .vsix (`npm run package`) and reports its size;
 *  - `activation`: the extension's activation time as VS Code's extension host measures it (code
 *    loading + activate(), from "Developer: Show Running Extensions"), in several fresh code-server
 *    sessions (one figure is noise on a small machine: the host shares two cores with the browser),
 *    with the last `npm run test:e2e` figure (test-results/e2e/activation.json) beside it.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { median, registerMeasurement } from './registry';

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

/** Fresh code-server sessions the `activation` row starts (BENCH_ACTIVATION_SESSIONS overrides). */
const ACTIVATION_SESSIONS = Number(process.env.BENCH_ACTIVATION_SESSIONS ?? 5);

function execFileText(file: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { cwd: ROOT, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${args[0] ?? file} failed: ${stderr.trim().split('\n').slice(-3).join(' ')}`));
      else resolve(stdout);
    });
  });
}

/** One fresh profile: start, let the workbench settle, open the walkthrough (which activates us), read the host's figure. */
async function activationInFreshSession(): Promise<{ ms: number; event: string }> {
  const { Session, localize, manifest, EXTENSION_ID } = await import('../../test/e2e/harness');
  const { pkg, nls } = manifest();
  const { CHAPTERS_WALKTHROUGH_ID } = await import('../../extension/core/workbook/walkthrough');
  const walkthrough = pkg.contributes.walkthroughs?.find((w) => w.id === CHAPTERS_WALKTHROUGH_ID);
  if (!walkthrough) throw new Error(`package.json has no ${CHAPTERS_WALKTHROUGH_ID} walkthrough`);
  const title = localize(walkthrough.title, nls);
  const s = await Session.start();
  try {
    await s.waitForStartupExtensions();
    await s.openWalkthrough(title);
    await s.walkthroughStepTitles();
    return await s.activationTime(localize(String((pkg as { displayName?: string }).displayName ?? EXTENSION_ID), nls));
  } finally {
    await s.dispose();
  }
}

registerMeasurement({
  id: 'activation',
  title: `extension activation time (extension host of code-server, ${ACTIVATION_SESSIONS} fresh sessions, median)`,
  goal: `≤ ${ACTIVATION_GOAL_MS} ms`,
  run: async () => {
    // The same code-server (cached install) and production .vsix as `npm run test:e2e`.
    const codeServer = (await execFileText('bash', [join(ROOT, 'scripts', 'e2e', 'install.sh')])).trim().split('\n').pop() ?? '';
    await execFileText(process.execPath, [join(ROOT, 'scripts', 'package.mjs')]);
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { name: string; version: string };
    process.env.E2E_CODE_SERVER = codeServer;
    process.env.E2E_VSIX = join(ROOT, `${pkg.name}-${pkg.version}.vsix`);
    const figures: number[] = [];
    let event = '';
    for (let i = 0; i < ACTIVATION_SESSIONS; i++) {
      const r = await activationInFreshSession();
      figures.push(r.ms);
      event = r.event;
    }
    const middle = median(figures);
    const file = join(ROOT, 'test-results', 'e2e', 'activation.json');
    const e2e = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as ActivationRecord) : undefined;
    return {
      value: middle,
      unit: 'ms',
      meetsGoal: middle <= ACTIVATION_GOAL_MS,
      detail:
        `runs ${figures.join(', ')} ms (${event}, after the start-up extensions); ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, load ${loadavg()[0].toFixed(1)}` +
        (e2e ? `; last npm run test:e2e: ${e2e.activationMs} ms (${e2e.measuredAt})` : ''),
    };
  },
});
