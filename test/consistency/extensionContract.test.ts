import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, it } from 'node:test';
import { LAB_STEPS } from '../../samples/lab/steps';
import { FIGURES } from '../../samples/common/figures';
import { CLAIMS } from '../../samples/lab/report';

/**
 * Contract checks between package.json and the adapter code (the style of vscode-pull-request-github's
 * check-commands): every contributed command is registered in code and vice versa, every command the
 * code executes exists, and every vscode.l10n.t string has its English and 简体中文 bundle entry.
 */
const ROOT = join(__dirname, '..', '..');
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  contributes: { commands: Array<{ command: string; title: string; category?: string }>; views?: Record<string, Array<{ id: string }>> };
};

function sources(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) sources(path, out);
    else if (name.endsWith('.ts') && !name.endsWith('.test.ts')) out.push(path);
  }
  return out;
}

const files = sources(join(ROOT, 'extension')).map((path) => ({ path: relative(ROOT, path), text: readFileSync(path, 'utf8') }));

function matchesIn(re: RegExp): Map<string, string[]> {
  const found = new Map<string, string[]>();
  for (const f of files) {
    for (const m of f.text.matchAll(re)) found.set(m[1], [...(found.get(m[1]) ?? []), f.path]);
  }
  return found;
}

const contributed = pkg.contributes.commands.map((c) => c.command);
const registered = matchesIn(/registerCommand\(\s*['"`]([^'"`]+)['"`]/g);

describe('extension contract: package.json ⇄ code', () => {
  it('registers every contributed command, and contributes every registered one', () => {
    const notRegistered = contributed.filter((id) => !registered.has(id));
    assert.deepEqual(notRegistered, [], `contributed but never registered: ${notRegistered.join(', ')}`);
    const notContributed = [...registered.keys()].filter((id) => !contributed.includes(id));
    assert.deepEqual(notContributed, [], `registered but not in contributes.commands: ${notContributed.join(', ')}`);
  });

  it('registers each command exactly once', () => {
    const twice = [...registered.entries()].filter(([, where]) => where.length > 1).map(([id, where]) => `${id} (${where.join(', ')})`);
    assert.deepEqual(twice, []);
  });

  it('gives every command a localized title and the "gRPC LB" category', () => {
    const nls = JSON.parse(readFileSync(join(ROOT, 'package.nls.json'), 'utf8')) as Record<string, string>;
    const zh = JSON.parse(readFileSync(join(ROOT, 'package.nls.zh-cn.json'), 'utf8')) as Record<string, string>;
    for (const c of pkg.contributes.commands) {
      assert.match(c.command, /^grpcLb\.[a-z][A-Za-z]+$/, c.command);
      const key = /^%(.+)%$/.exec(c.title)?.[1];
      assert.ok(key && nls[key], `${c.command}: title must be a %key% in package.nls.json`);
      assert.ok(zh[key], `${c.command}: ${key} missing in package.nls.zh-cn.json`);
      assert.equal(c.category, '%command.category%');
    }
  });

  it('only executes commands that exist (its own, view focus commands, or VS Code built-ins it names)', () => {
    const views = Object.values(pkg.contributes.views ?? {}).flat().map((v) => `${v.id}.focus`);
    const builtIns = ['workbench.trust.manage', 'setContext', 'vscode.open', 'vscode.openFolder', 'workbench.action.openWalkthrough'];
    const executed = matchesIn(/executeCommand\(\s*['"`]([^'"`]+)['"`]/g);
    const unknown = [...executed.keys()].filter((id) => !contributed.includes(id) && !views.includes(id) && !builtIns.includes(id));
    assert.deepEqual(unknown, [], `executed but unknown: ${unknown.join(', ')}`);
  });

  it('reads every contributed setting, and describes each in English and 简体中文', () => {
    const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
      contributes: { configuration: { properties: Record<string, { markdownDescription?: string }> } };
    };
    const nls = JSON.parse(readFileSync(join(ROOT, 'package.nls.json'), 'utf8')) as Record<string, string>;
    const zh = JSON.parse(readFileSync(join(ROOT, 'package.nls.zh-cn.json'), 'utf8')) as Record<string, string>;
    const settingsFile = files.find((f) => f.path === join('extension', 'settings.ts'))!;
    const properties = Object.entries(manifest.contributes.configuration.properties);
    assert.ok(properties.length > 0);
    for (const [id, property] of properties) {
      const key = id.replace(/^grpcLb\./, '');
      assert.ok(settingsFile.text.includes(`'${key}'`), `${id} is read in extension/settings.ts`);
      const description = /^%(.+)%$/.exec(property.markdownDescription ?? '')?.[1];
      assert.ok(description && nls[description] && zh[description], `${id} has a description in both languages`);
    }
    // And each reader is used somewhere outside settings.ts.
    for (const reader of [...settingsFile.text.matchAll(/^  (\w+)\(\): /gm)].map((m) => m[1]!)) {
      assert.ok(files.some((f) => f.path !== settingsFile.path && f.text.includes(`${reader}()`)), `settings.${reader}() is used`);
    }
  });

  it('has an English and a 简体中文 bundle entry for every vscode.l10n.t string', () => {
    const en = JSON.parse(readFileSync(join(ROOT, 'l10n', 'bundle.l10n.json'), 'utf8')) as Record<string, string>;
    const zh = JSON.parse(readFileSync(join(ROOT, 'l10n', 'bundle.l10n.zh-cn.json'), 'utf8')) as Record<string, string>;
    const keys = new Map<string, string>();
    for (const f of files) {
      for (const m of f.text.matchAll(/l10n\.t\(\s*(['"`])((?:\\.|(?!\1)[^\\])*)\1/g)) keys.set(m[2].replace(/\\(['"`\\])/g, '$1'), f.path);
    }
    assert.ok(keys.size > 50, 'found the localized strings');
    const missing = [...keys.entries()].filter(([k]) => !(k in en) || !(k in zh)).map(([k, where]) => `${where}: ${JSON.stringify(k)}`);
    assert.deepEqual(missing, [], `strings without a bundle entry:\n${missing.join('\n')}`);
    const untranslated = [...keys.keys()].filter((k) => zh[k] === k && !KEEP_AS_IS.has(k));
    assert.deepEqual(untranslated, [], `zh-cn entries left in English: ${untranslated.join(' | ')}`);
  });
  it('has an English and a 简体中文 bundle entry for every figure label and scenario claim (figures.ts, report.ts)', () => {
    const en = JSON.parse(readFileSync(join(ROOT, 'l10n', 'bundle.l10n.json'), 'utf8')) as Record<string, string>;
    const zh = JSON.parse(readFileSync(join(ROOT, 'l10n', 'bundle.l10n.zh-cn.json'), 'utf8')) as Record<string, string>;
    const missing = [...Object.values(FIGURES).map((f) => f.label), ...Object.values(CLAIMS)].filter((text) => !en[text] || !zh[text]);
    assert.deepEqual(missing, []);
  });

  it('has an English and a 简体中文 bundle entry for every local-lab step the extension shows', () => {
    const en = JSON.parse(readFileSync(join(ROOT, 'l10n', 'bundle.l10n.json'), 'utf8')) as Record<string, string>;
    const zh = JSON.parse(readFileSync(join(ROOT, 'l10n', 'bundle.l10n.zh-cn.json'), 'utf8')) as Record<string, string>;
    const templates = Object.values(LAB_STEPS);
    assert.ok(templates.length > 10, 'found the lab steps');
    assert.deepEqual(templates.filter((t) => !(t in en) || !(t in zh) || zh[t] === t), [], 'lab steps without a translated bundle entry');
    for (const t of templates) {
      const slots = (text: string) => [...text.matchAll(/\{\d+\}/g)].map((m) => m[0]).sort().join();
      assert.equal(slots(zh[t]!), slots(t), `the Chinese "${zh[t]}" keeps the slots of "${t}"`);
    }
  });
});

/** Strings that are the same in Chinese (proper names). */
const KEEP_AS_IS = new Set(['ClusterIP Service', 'Kiali: {0}', 'gRPC LB: {0}']);
