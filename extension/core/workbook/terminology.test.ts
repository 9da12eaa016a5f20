import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';

const ROOT = path.join(__dirname, '..', '..', '..');

/** Every file a learner reads in 简体中文: workbooks, diagrams, UI strings (the walkthrough steps too), and the README's Chinese half. */
function chineseTexts(): { file: string; text: string }[] {
  const inDir = (dir: string, suffix: string): { file: string; text: string }[] =>
    readdirSync(path.join(ROOT, dir))
      .filter((f) => f.endsWith(suffix))
      .map((f) => ({ file: `${dir}/${f}`, text: readFileSync(path.join(ROOT, dir, f), 'utf8') }));
  const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const chineseHalf = readme.slice(readme.indexOf('## 中文说明'));
  return [
    ...inDir('walkthroughs/workbooks', '.zh-cn.grpclb.md'),
    ...inDir('walkthroughs/media', '.zh-cn.svg'),
    { file: 'l10n/bundle.l10n.zh-cn.json', text: readFileSync(path.join(ROOT, 'l10n/bundle.l10n.zh-cn.json'), 'utf8') },
    { file: 'package.nls.zh-cn.json', text: readFileSync(path.join(ROOT, 'package.nls.zh-cn.json'), 'utf8') },
    { file: 'README.md (中文说明)', text: chineseHalf },
  ];
}

/** One term per concept: a variant the glossary does not use, and the term to use instead. */
const VARIANTS: { variant: RegExp; use: string }[] = [
  { variant: /工作簿|笔记簿/, use: '实验手册 (workbook)' },
  { variant: /滚动更新/, use: '滚动重启 (rolling restart)' },
  { variant: /向导|攻略/, use: '演练 (walkthrough, VS Code’s term)' },
  { variant: /(?<!Sidecar（)边车/, use: 'Sidecar（边车）, the gloss only after the English kind' },
  { variant: /(?<!Headless Service（)无头服务/, use: 'Headless Service（无头服务）, the gloss only after the English kind' },
  { variant: /注册表/, use: '注册中心 (registry)' },
  { variant: /本地实验(?!室)/, use: '本地实验室 (local lab)' },
];

test('the zh-cn texts use one term per concept (the glossary in CONTRIBUTING.md)', () => {
  const texts = chineseTexts();
  assert.ok(texts.length > 20, 'the Chinese files are found');
  const offences: string[] = [];
  for (const { file, text } of texts) {
    for (const { variant, use } of VARIANTS) {
      const hit = variant.exec(text);
      if (hit) offences.push(`${file}: "${text.slice(Math.max(0, hit.index - 12), hit.index + 12)}" → use ${use}`);
    }
  }
  assert.deepEqual(offences, []);
});

test('the proxyless chapter never calls the Istio agent a proxy (代理): the point is that there is none', () => {
  const nls = JSON.parse(readFileSync(path.join(ROOT, 'package.nls.zh-cn.json'), 'utf8')) as Record<string, string>;
  const texts: [string, string][] = [
    ['package.nls.zh-cn.json walkthrough.proxyless.description', nls['walkthrough.proxyless.description']!],
    ['walkthroughs/workbooks/proxyless.zh-cn.grpclb.md', readFileSync(path.join(ROOT, 'walkthroughs/workbooks/proxyless.zh-cn.grpclb.md'), 'utf8')],
  ];
  for (const [where, text] of texts) {
    assert.match(text, /[\u4e00-\u9fff]/, where);
    assert.doesNotMatch(text.replaceAll('无代理', ''), /代理/, where);
  }
});

test('the check finds the variants it names', () => {
  const hits = (text: string): number => VARIANTS.filter(({ variant }) => variant.test(text)).length;
  assert.equal(hits('打开工作簿'), 1);
  assert.equal(hits('每个 Pod 带一个边车'), 1);
  assert.equal(hits('Envoy Sidecar（边车）'), 0);
  assert.equal(hits('Headless Service（无头服务）'), 0);
  assert.equal(hits('本地实验室'), 0);
});
