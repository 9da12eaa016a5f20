import * as path from 'node:path';
import { copyFileSync, existsSync, mkdirSync, readdirSync } from 'node:fs';
import { isChapterId, type ChapterId } from '../../../samples/common/catalog';

/** Where the walkthrough content lives, relative to the extension root. */
export const WALKTHROUGH_DIR = 'walkthroughs';
export const WORKBOOK_DIR = path.join(WALKTHROUGH_DIR, 'workbooks');
export const WORKBOOK_SUFFIX = '.grpclb.md';
/** The only translation shipped besides English. */
export const ZH_CN = 'zh-cn';

/** True for VS Code display languages that should get the 简体中文 workbooks (zh-cn, zh-tw, zh-hans, …). */
export function prefersChinese(language: string): boolean {
  return language.toLowerCase().startsWith('zh');
}

/** File name of a chapter's workbook: `<chapter>.grpclb.md` or `<chapter>.zh-cn.grpclb.md`. */
export function workbookFileName(chapterId: ChapterId, language: string): string {
  return prefersChinese(language) ? `${chapterId}.${ZH_CN}${WORKBOOK_SUFFIX}` : `${chapterId}${WORKBOOK_SUFFIX}`;
}

/**
 * Absolute path of the workbook to open for a chapter in the given display language (vscode.env.language):
 * the zh-cn file for any Chinese locale, the English one otherwise.
 */
export function workbookPath(extensionRoot: string, chapterId: ChapterId, language: string): string {
  return path.join(extensionRoot, WORKBOOK_DIR, workbookFileName(chapterId, language));
}

/**
 * The chapter a workbook file belongs to, from its name (`headless.grpclb.md`, `headless.zh-cn.grpclb.md`),
 * or undefined for any other file — e.g. a copy the user saved elsewhere under another name.
 */
export function chapterOfWorkbook(filePath: string): ChapterId | undefined {
  const base = path.basename(filePath);
  if (!base.endsWith(WORKBOOK_SUFFIX)) return undefined;
  const stem = base.slice(0, -WORKBOOK_SUFFIX.length).replace(new RegExp(`\\.${ZH_CN}$`, 'i'), '');
  return isChapterId(stem) ? stem : undefined;
}

/** The folder in a workspace where the learner's own copies of the workbooks live. */
export const WORKSPACE_WORKBOOK_DIR = 'grpc-lb-workbooks';

/**
 * Copies every workbook that is not there yet from the extension into `targetDir` (the workbooks link to
 * each other by file name, so they go together), and returns the names it copied. A file already there is
 * the learner's, edits and all: it is never overwritten.
 */
export function copyWorkbooks(extensionRoot: string, targetDir: string): string[] {
  const source = path.join(extensionRoot, WORKBOOK_DIR);
  mkdirSync(targetDir, { recursive: true });
  const copied: string[] = [];
  for (const name of readdirSync(source).filter((f) => f.endsWith(WORKBOOK_SUFFIX))) {
    if (existsSync(path.join(targetDir, name))) continue;
    copyFileSync(path.join(source, name), path.join(targetDir, name));
    copied.push(name);
  }
  return copied;
}
