import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { copyWorkbooks, workbookPath, chapterOfWorkbook, prefersChinese } from './paths';

test('workbookPath picks the zh-cn workbook for Chinese display languages and English otherwise', () => {
  const root = path.join('/ext', 'grpc-lb-lab');
  assert.equal(workbookPath(root, 'headless', 'en'), path.join(root, 'walkthroughs', 'workbooks', 'headless.grpclb.md'));
  assert.equal(workbookPath(root, 'headless', 'zh-cn'), path.join(root, 'walkthroughs', 'workbooks', 'headless.zh-cn.grpclb.md'));
  assert.equal(workbookPath(root, 'max-age', 'zh-CN'), path.join(root, 'walkthroughs', 'workbooks', 'max-age.zh-cn.grpclb.md'));
  assert.equal(workbookPath(root, 'setup', 'zh-tw'), path.join(root, 'walkthroughs', 'workbooks', 'setup.zh-cn.grpclb.md'));
  assert.equal(workbookPath(root, 'etcd', 'de'), path.join(root, 'walkthroughs', 'workbooks', 'etcd.grpclb.md'));
  assert.equal(prefersChinese('ja'), false);
});

test('chapterOfWorkbook reads the chapter back from either file name', () => {
  assert.equal(chapterOfWorkbook('/x/walkthroughs/workbooks/envoy-sidecar.grpclb.md'), 'envoy-sidecar');
  assert.equal(chapterOfWorkbook('C:/x/envoy-sidecar.zh-cn.grpclb.md'), 'envoy-sidecar');
  assert.equal(chapterOfWorkbook('/x/notes.grpclb.md'), undefined);
  assert.equal(chapterOfWorkbook('/x/headless.md'), undefined);
});

test('copyWorkbooks copies every workbook the folder lacks and never overwrites the learner\'s own', () => {
  const root = path.join(__dirname, '..', '..', '..');
  const target = mkdtempSync(path.join(tmpdir(), 'grpclb-workbooks-'));
  try {
    writeFileSync(path.join(target, 'headless.grpclb.md'), '# my notes\n');
    const copied = copyWorkbooks(root, target);
    const shipped = readdirSync(path.join(root, 'walkthroughs', 'workbooks')).filter((f) => f.endsWith('.grpclb.md'));
    assert.deepEqual(copied.sort(), shipped.filter((f) => f !== 'headless.grpclb.md').sort());
    assert.equal(readFileSync(path.join(target, 'headless.grpclb.md'), 'utf8'), '# my notes\n', 'the learner\'s file is kept');
    // The links between workbooks are sibling file names: every one resolves in the copy.
    for (const name of shipped) {
      for (const [, link] of readFileSync(path.join(target, name), 'utf8').matchAll(/\]\(([^)#:]+\.grpclb\.md)\)/g)) {
        assert.ok(existsSync(path.join(target, link!)), `${name} → ${link}`);
      }
    }
    assert.deepEqual(copyWorkbooks(root, target), [], 'a second copy adds nothing');
  } finally {
    rmSync(target, { recursive: true, force: true });
  }
});
