import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { ESLint } from 'eslint';

/**
 * The architecture boundary is checked by ESLint (eslint.config.mjs): only the adapter, extension/
 * outside extension/core, may load `vscode` — statically, with import() or with require().
 */
const ROOT = join(__dirname, '..');
const eslint = new ESLint({ cwd: ROOT });

async function vscodeErrors(file: string, code: string): Promise<number> {
  const [result] = await eslint.lintText(code, { filePath: join(ROOT, file) });
  return (result?.messages ?? []).filter((m) => /may import vscode/.test(m.message)).length;
}

const LOADS = [
  "import * as vscode from 'vscode';\nexport const w = vscode.window;\n",
  "import type { Uri } from 'vscode';\nexport type U = Uri;\n",
  "export async function f(): Promise<unknown> {\n  return import('vscode');\n}\n",
  "// eslint-disable-next-line @typescript-eslint/no-require-imports\nexport const g = (): unknown => require('vscode');\n",
];

test('pure code (samples/, extension/core/, manifests/) may not load vscode in any form', async () => {
  for (const file of ['samples/common/probe.ts', 'extension/core/traffic/probe.ts', 'manifests/probe.ts']) {
    for (const code of LOADS) assert.equal(await vscodeErrors(file, code), 1, `${file} rejects:\n${code}`);
  }
});

test('the adapter (extension/ outside core) may', async () => {
  for (const code of LOADS) assert.equal(await vscodeErrors('extension/commands/probe.ts', code), 0, code);
});
