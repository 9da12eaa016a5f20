// `npm start [-- <scenario>...] [--json]`: the lab CLI (samples/lab/cli.ts) from its esbuild bundle.
// From dist/, the lab spawns dist/server.js and dist/client.js (samples/common/sampleProcess.ts):
// each of those starts in a fraction of the CPU that a TypeScript start through tsx takes, which
// is most of what the user waits for before the first chart. The bundles are rebuilt first when
// the source changed since the last build (scripts/labBundles.mjs), so this always runs the
// current code. Build output goes to stderr: stdout stays the lab's (only JSON with --json).
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { labBundlesStaleReason, ROOT } from './labBundles.mjs';

const stale = labBundlesStaleReason();
if (stale !== undefined) {
  process.stderr.write(`building the lab bundles (${stale})…\n`);
  const build = spawnSync(process.execPath, [join(ROOT, 'scripts', 'build.mjs'), '--lab'], {
    cwd: ROOT,
    stdio: ['ignore', 2, 2],
  });
  if (build.status !== 0) {
    process.stderr.write(`the lab bundles did not build (${build.error?.message ?? `exit ${build.status ?? build.signal}`}); see above\n`);
    process.exit(1);
  }
}
// The CLI reads process.argv.slice(2), which is this script's arguments.
createRequire(import.meta.url)(join(ROOT, 'dist', 'lab.js'));
