import * as path from 'node:path';
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
