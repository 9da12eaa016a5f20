import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const root = join(__dirname, '..', '..', '..');
const read = (p: string): string => readFileSync(join(root, p), 'utf8');
const json = (p: string): Record<string, unknown> => JSON.parse(read(p)) as Record<string, unknown>;
const adapterSources = readdirSync(join(root, 'extension', 'traffic'))
  .filter((f) => f.endsWith('.ts'))
  .map((f) => read(join('extension', 'traffic', f)));

interface Manifest {
  contributes: {
    commands: Array<{ command: string; title: string }>;
    menus?: Record<string, Array<{ command: string; when?: string }>>;
    viewsWelcome?: Array<{ view: string; contents: string }>;
  };
}

test('every traffic command is contributed with a title in English and Chinese, and shows in the view title bar', () => {
  const manifest = json('package.json') as unknown as Manifest;
  const nls = json('package.nls.json');
  const zh = json('package.nls.zh-cn.json');
  const registered = [...adapterSources.join('\n').matchAll(/registerCommand\('([^']+)'/g)].map((m) => m[1]!);
  assert.ok(registered.length >= 7, `registered: ${registered.join(', ')}`);
  for (const id of registered) {
    const contributed = manifest.contributes.commands.find((c) => c.command === id);
    assert.ok(contributed, `${id} is registered but not contributed`);
    const key = contributed.title.replace(/^%|%$/g, '');
    assert.ok(nls[key] && zh[key], `${id}: title ${key} missing in package.nls(.zh-cn).json`);
  }
  const titleMenu = (manifest.contributes.menus?.['view/title'] ?? []).filter((m) => m.when?.includes('view == grpcLb.traffic'));
  for (const id of ['grpcLb.resetTraffic', 'grpcLb.pauseTraffic', 'grpcLb.resumeTraffic', 'grpcLb.openTrafficChart']) {
    assert.ok(titleMenu.some((m) => m.command === id), `${id} missing from the view's title bar`);
  }
  // Pause and resume toggle through the context key the controller sets.
  assert.match(titleMenu.find((m) => m.command === 'grpcLb.pauseTraffic')!.when!, /!grpcLb\.trafficPaused/);
  assert.match(titleMenu.find((m) => m.command === 'grpcLb.resumeTraffic')!.when!, /(^|[^!])grpcLb\.trafficPaused/);
  assert.ok(adapterSources.some((s) => s.includes("'grpcLb.trafficPaused'")));
});

test('the empty view offers Start Local Lab and Apply a Chapter, in both languages', () => {
  const manifest = json('package.json') as unknown as Manifest;
  const welcome = manifest.contributes.viewsWelcome?.find((w) => w.view === 'grpcLb.traffic');
  assert.ok(welcome);
  const key = welcome.contents.replace(/^%|%$/g, '');
  for (const file of ['package.nls.json', 'package.nls.zh-cn.json']) {
    const text = String(json(file)[key]);
    assert.match(text, /\]\(command:grpcLb\.startLocalLab\)/, file);
    assert.match(text, /\]\(command:grpcLb\.applyChapter\)/, file);
  }
});

test('every vscode.l10n.t string of the traffic adapters has a Chinese translation', () => {
  const zh = json('l10n/bundle.l10n.zh-cn.json');
  const strings = new Set<string>();
  for (const source of adapterSources) {
    for (const m of source.matchAll(/vscode\.l10n\.t\(\s*'((?:[^'\\]|\\.)*)'/g)) strings.add(m[1]!.replace(/\\'/g, "'"));
  }
  assert.ok(strings.size > 40);
  const missing = [...strings].filter((s) => typeof zh[s] !== 'string' || zh[s] === s);
  assert.deepEqual(missing, []);
  for (const s of strings) {
    const placeholders = (x: string): string[] => [...x.matchAll(/\{\d\}/g)].map((m) => m[0]).sort();
    assert.deepEqual(placeholders(String(zh[s])), placeholders(s), `placeholders differ for "${s}"`);
  }
});
