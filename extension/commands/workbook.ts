import * as path from 'node:path';
import * as vscode from 'vscode';
import { isChapterId, type ChapterId } from '../../samples/common/catalog';
import { WORKSPACE_WORKBOOK_DIR, copyWorkbooks, workbookFileName, workbookPath } from '../core/workbook/paths';
import type { Services } from '../services';
import { chapterArgOrPick } from './util';

/** workspaceState key: the learner chose to open the extension's own workbooks in this workspace. */
const COPY_DECLINED = 'grpcLb.workbookCopyDeclined';

/**
 * grpcLb.openWorkbook(chapterId?): the chapter's workbook, in the display language (zh-cn or English).
 * In a workspace the learner's own copy (grpc-lb-workbooks/) is opened when there is one; otherwise they are
 * offered one, since edits to the extension's files are lost on its next update.
 */
export function registerWorkbookCommand(services: Services, workspaceState: vscode.Memento): vscode.Disposable {
  return vscode.commands.registerCommand('grpcLb.openWorkbook', async (arg?: unknown) => {
    const picked = await chapterArgOrPick(arg, { deployableOnly: false, title: vscode.l10n.t('Open which chapter workbook?') });
    if (!picked || !isChapterId(picked)) return;
    try {
      const doc = await vscode.workspace.openNotebookDocument(await workbookToOpen(services, workspaceState, picked));
      await vscode.window.showNotebookDocument(doc);
    } catch (err) {
      services.showError(err, 'workbook');
    }
  });
}

async function workbookToOpen(services: Services, workspaceState: vscode.Memento, chapter: ChapterId): Promise<vscode.Uri> {
  const shipped = vscode.Uri.file(workbookPath(services.extensionRoot, chapter, vscode.env.language));
  const folder = vscode.workspace.workspaceFolders?.[0];
  // An untrusted folder is not written to; a virtual one has no files to copy into.
  if (!folder || folder.uri.scheme !== 'file' || !vscode.workspace.isTrusted) return shipped;
  const dir = path.join(folder.uri.fsPath, WORKSPACE_WORKBOOK_DIR);
  const own = vscode.Uri.file(path.join(dir, workbookFileName(chapter, vscode.env.language)));
  try {
    await vscode.workspace.fs.stat(own);
    return own;
  } catch {
    // no copy yet
  }
  if (workspaceState.get<boolean>(COPY_DECLINED)) return shipped;
  const copy = vscode.l10n.t('Copy to Workspace');
  const no = vscode.l10n.t('Open Without Copying');
  const choice = await vscode.window.showInformationMessage(
    vscode.l10n.t('Keep your edits to the workbooks? They are copied into {0}/ of this workspace; edits to the extension\'s own copies are lost when it updates.', WORKSPACE_WORKBOOK_DIR),
    copy,
    no,
  );
  if (choice === no) await workspaceState.update(COPY_DECLINED, true);
  if (choice !== copy) return shipped;
  const copied = copyWorkbooks(services.extensionRoot, dir);
  services.channel('workbook').info(`copied ${copied.length} workbooks into ${dir}`);
  return own;
}
