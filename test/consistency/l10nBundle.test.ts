import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { bundleText, englishBundle, ENGLISH_BUNDLE } from '../../scripts/l10nBundle';

test('the English bundle is what `npm run l10n` generates (@vscode/l10n-dev over the code, plus the shared English tables)', async () => {
  const generated = bundleText(await englishBundle());
  assert.ok(readFileSync(ENGLISH_BUNDLE, 'utf8') === generated, 'l10n/bundle.l10n.json is stale or edited by hand: run npm run l10n');
});

test('the zh-cn bundle translates exactly the English keys: none missing, none left from removed strings', async () => {
  const en = Object.keys(await englishBundle());
  const zh = JSON.parse(readFileSync(join(ENGLISH_BUNDLE, '..', 'bundle.l10n.zh-cn.json'), 'utf8')) as Record<string, string>;
  assert.deepEqual(en.filter((k) => !(k in zh)), [], 'English strings without a Chinese entry');
  assert.deepEqual(Object.keys(zh).filter((k) => !en.includes(k)), [], 'Chinese entries no English string uses any more');
});
