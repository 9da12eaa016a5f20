import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { istioInstallCommands } from '../extension/core/toolchain/istio';
import { ISTIOCTL_INSTALL_ARGS, ISTIO_ADDON_URLS, ISTIO_VERSION } from './index';

/**
 * The Istio install the docs show is the one the extension runs (`install istio`, grpcLb.installIstio):
 * the istio workbooks run it as an action and show exactly its commands (istioctl + ISTIOCTL_INSTALL_ARGS,
 * then ISTIO_ADDON_URLS in order, each with --context), and no walkthrough text names another profile,
 * add-on URL or Istio release.
 */
const ROOT = join(__dirname, '..');
const INSTALL = `istioctl ${ISTIOCTL_INSTALL_ARGS.join(' ')}`;
const PROFILE = ISTIOCTL_INSTALL_ARGS.find((a) => a.startsWith('profile='));

function docs(): Array<{ file: string; text: string }> {
  const out: Array<{ file: string; text: string }> = [];
  const dir = 'walkthroughs/workbooks';
  for (const name of readdirSync(join(ROOT, dir)).filter((n) => n.endsWith('.md')).sort()) {
    out.push({ file: `${dir}/${name}`, text: readFileSync(join(ROOT, dir, name), 'utf8') });
  }
  // The walkthrough steps' text is their description in the package.nls files.
  for (const file of ['package.nls.json', 'package.nls.zh-cn.json']) {
    const nls = JSON.parse(readFileSync(join(ROOT, file), 'utf8')) as Record<string, string>;
    for (const [key, text] of Object.entries(nls).filter(([k]) => /^walkthrough\..+\.description$/.test(k))) out.push({ file: `${file} ${key}`, text });
  }
  for (const file of ['README.md', 'CONTRIBUTING.md']) out.push({ file, text: readFileSync(join(ROOT, file), 'utf8') });
  return out;
}

/** The lines of the fenced blocks of one info string, `$ ` prompts and comments dropped. */
function blocks(markdown: string, info: string): string[][] {
  return [...markdown.matchAll(new RegExp(`^\`\`\`${info}\\n([\\s\\S]*?)^\`\`\``, 'gm'))].map((m) =>
    m[1]
      .split('\n')
      .map((l) => l.trim().replace(/^\$ /, ''))
      .filter((l) => l && !l.startsWith('#')),
  );
}

describe('istio install docs agree with manifests/index.ts', () => {
  it('each istio workbook installs Istio with the install action and shows exactly the commands it runs', () => {
    const books = docs().filter((d) => /^walkthroughs\/workbooks\/istio(\.[\w-]+)?\.grpclb\.md$/.test(d.file));
    assert.deepEqual(
      books.map((b) => b.file),
      ['walkthroughs/workbooks/istio.grpclb.md', 'walkthroughs/workbooks/istio.zh-cn.grpclb.md'],
    );
    for (const { file, text } of books) {
      assert.ok(blocks(text, 'grpclb').some((lines) => lines.includes('install istio')), `${file}: an "install istio" cell`);
      assert.ok(!blocks(text, '(?:sh|bash|shell)').some((lines) => lines.some((l) => /^(istioctl install|kubectl apply)/.test(l))), `${file}: no shell cell installs Istio`);
      const shown = blocks(text, 'console').find((lines) => lines.some((l) => l.startsWith('istioctl install')));
      assert.ok(shown, `${file}: shows the commands`);
      const placeholder = /--context (<[^>]+>)/.exec(shown[0])?.[1] ?? '';
      assert.deepEqual(shown, istioInstallCommands(placeholder).map((c) => [c.command, ...c.args].join(' ')), file);
    }
  });

  it('no walkthrough text names another istioctl install, add-on file or Istio release', () => {
    for (const { file, text } of docs()) {
      for (const m of text.matchAll(/istioctl install[^`\n]*/g)) assert.equal(m[0].replace(/\s+--context\s+<[^>]+>/, '').trim(), INSTALL, `${file}: ${m[0]}`);
      for (const m of text.matchAll(/https:\/\/\S+\/samples\/addons\/[\w-]+\.yaml/g)) {
        assert.ok(ISTIO_ADDON_URLS.includes(m[0]), `${file}: ${m[0]} is not in ISTIO_ADDON_URLS`);
      }
      for (const m of text.matchAll(/Istio `*(\d+\.\d+(?:\.\d+)?)/g)) assert.equal(m[1], ISTIO_VERSION, `${file}: ${m[0]}`);
      for (const m of text.matchAll(/profile=[\w-]+/g)) assert.equal(m[0], PROFILE, `${file}: ${m[0]}`);
    }
  });
});
