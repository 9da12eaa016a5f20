import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ISTIOCTL_INSTALL_ARGS, ISTIO_ADDON_URLS, ISTIO_VERSION } from './index';

/**
 * The Istio install the docs tell the learner to run is the one the manifests and the cluster test are
 * written for: the istio workbooks' shell cell runs exactly `istioctl` + ISTIOCTL_INSTALL_ARGS and applies
 * ISTIO_ADDON_URLS in order, and no walkthrough text names another profile, add-on URL or Istio release.
 */
const ROOT = join(__dirname, '..');
const INSTALL = `istioctl ${ISTIOCTL_INSTALL_ARGS.join(' ')}`;
const PROFILE = ISTIOCTL_INSTALL_ARGS.find((a) => a.startsWith('profile='));

function docs(): Array<{ file: string; text: string }> {
  const out: Array<{ file: string; text: string }> = [];
  for (const dir of ['walkthroughs/workbooks', 'walkthroughs/steps']) {
    for (const name of readdirSync(join(ROOT, dir)).filter((n) => n.endsWith('.md')).sort()) {
      out.push({ file: `${dir}/${name}`, text: readFileSync(join(ROOT, dir, name), 'utf8') });
    }
  }
  for (const file of ['README.md', 'CONTRIBUTING.md']) out.push({ file, text: readFileSync(join(ROOT, file), 'utf8') });
  return out;
}

function shellCells(markdown: string): string[][] {
  return [...markdown.matchAll(/^```(?:sh|bash|shell)\n([\s\S]*?)^```/gm)].map((m) =>
    m[1]
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('#')),
  );
}

describe('istio install docs agree with manifests/index.ts', () => {
  it('each istio workbook installs Istio with ISTIOCTL_INSTALL_ARGS and applies ISTIO_ADDON_URLS in order', () => {
    const books = docs().filter((d) => /^walkthroughs\/workbooks\/istio(\.[\w-]+)?\.grpclb\.md$/.test(d.file));
    assert.deepEqual(
      books.map((b) => b.file),
      ['walkthroughs/workbooks/istio.grpclb.md', 'walkthroughs/workbooks/istio.zh-cn.grpclb.md'],
    );
    const want = [INSTALL, ...ISTIO_ADDON_URLS.map((url) => `kubectl apply -f ${url}`)];
    for (const { file, text } of books) {
      const cell = shellCells(text).find((lines) => lines.some((l) => l.startsWith('istioctl install')));
      assert.deepEqual(cell, want, file);
    }
  });

  it('no walkthrough text names another istioctl install, add-on file or Istio release', () => {
    for (const { file, text } of docs()) {
      for (const m of text.matchAll(/istioctl install[^`\n]*/g)) assert.equal(m[0].trim(), INSTALL, `${file}: ${m[0]}`);
      for (const m of text.matchAll(/https:\/\/\S+\/samples\/addons\/[\w-]+\.yaml/g)) {
        assert.ok(ISTIO_ADDON_URLS.includes(m[0]), `${file}: ${m[0]} is not in ISTIO_ADDON_URLS`);
      }
      for (const m of text.matchAll(/Istio `?(\d+\.\d+(?:\.\d+)?)/g)) assert.equal(m[1], ISTIO_VERSION, `${file}: ${m[0]}`);
      for (const m of text.matchAll(/profile=[\w-]+/g)) assert.equal(m[0], PROFILE, `${file}: ${m[0]}`);
    }
  });
});
