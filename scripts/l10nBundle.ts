/**
 * `npm run l10n` — writes the English bundle, l10n/bundle.l10n.json, which is generated, never edited:
 * @vscode/l10n-dev extracts every `vscode.l10n.t('…')` of the extension's code, and the shared English tables
 * that the lab, the CLI and the extension all print from (figure labels, scenario claims, lab steps) add their
 * sentences, since the extension localizes them by their English text. The zh-cn bundle is translated by hand
 * against it (test/consistency/l10nBundle.test.ts checks both).
 */
import { getL10nJson } from '@vscode/l10n-dev';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FIGURES } from '../samples/common/figures';
import { CLAIMS } from '../samples/lab/report';
import { LAB_STEPS } from '../samples/lab/steps';

const ROOT = join(__dirname, '..');
export const ENGLISH_BUNDLE = join(ROOT, 'l10n', 'bundle.l10n.json');

/** The extension's shipped TypeScript: no tests, no test doubles. */
function shippedSources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'testing' ? [] : shippedSources(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') ? [path] : [];
  });
}

/** Every English string the extension shows, each its own key and value, sorted. */
export async function englishBundle(): Promise<Record<string, string>> {
  const files = shippedSources(join(ROOT, 'extension')).map((path) => ({ extension: '.ts', contents: readFileSync(path, 'utf8') }));
  const extracted = await getL10nJson(files);
  const tables = [...Object.values(FIGURES).map((f) => f.label), ...Object.values(CLAIMS), ...Object.values(LAB_STEPS)];
  const keys = new Set([...Object.keys(extracted), ...tables]);
  return Object.fromEntries([...keys].sort().map((key) => [key, key]));
}

export function bundleText(bundle: Record<string, string>): string {
  return JSON.stringify(bundle, null, 2) + '\n';
}

if (require.main === module) {
  englishBundle()
    .then((bundle) => {
      writeFileSync(ENGLISH_BUNDLE, bundleText(bundle));
      process.stderr.write(`l10n: ${Object.keys(bundle).length} strings in l10n/bundle.l10n.json\n`);
    })
    .catch((error: unknown) => {
      process.stderr.write(`l10n failed: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    });
}
