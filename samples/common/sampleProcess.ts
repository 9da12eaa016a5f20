import { existsSync } from 'node:fs';
import { basename, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { PARENT_PID_VARIABLE } from './processMain';

export type SampleName = 'server' | 'client';

export interface ProcessSpec {
  command: string;
  args: string[];
  /** Extra environment the launcher needs (merge it over the caller's env). */
  env: Record<string, string>;
}

/**
 * How to start a sample process as a child (lab, tests, extension): the esbuild bundle
 * `dist/<name>.js` when this code runs from the bundle, otherwise the TypeScript source through tsx.
 * Always command + argument array for execFile/spawn, never a shell string.
 * ELECTRON_RUN_AS_NODE makes VS Code's Electron executable behave as plain node; node ignores it.
 */
export function sampleProcess(name: SampleName): ProcessSpec {
  // The child leaves when this process dies (processMain.ts exitWhenParentDies).
  const env = { ELECTRON_RUN_AS_NODE: '1', [PARENT_PID_VARIABLE]: String(process.pid) };
  const bundled = join(__dirname, `${name}.js`);
  if (basename(__dirname) === 'dist' && existsSync(bundled)) {
    return { command: process.execPath, args: [bundled], env };
  }
  // An absolute loader URL, so the child works whatever its working directory is.
  const tsxLoader = pathToFileURL(require.resolve('tsx')).href;
  return { command: process.execPath, args: ['--import', tsxLoader, join(__dirname, '..', name, 'main.ts')], env };
}
