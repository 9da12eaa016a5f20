import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { workbookPath, chapterOfWorkbook, prefersChinese } from './paths';

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
