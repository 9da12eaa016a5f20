import * as vscode from 'vscode';
import { isChapterId } from '../../samples/common/catalog';
import { workbookPath } from '../core/workbook/paths';
import type { Services } from '../services';
import { chapterArgOrPick } from './util';

/** grpcLb.openWorkbook(chapterId?): the chapter's workbook, in the display language (zh-cn or English). */
export function registerWorkbookCommand(services: Services): vscode.Disposable {
  return vscode.commands.registerCommand('grpcLb.openWorkbook', async (arg?: unknown) => {
    const picked = await chapterArgOrPick(arg, { deployableOnly: false, title: vscode.l10n.t('Open which chapter workbook?') });
    if (!picked || !isChapterId(picked)) return;
    const uri = vscode.Uri.file(workbookPath(services.extensionRoot, picked, vscode.env.language));
    try {
      const doc = await vscode.workspace.openNotebookDocument(uri);
      await vscode.window.showNotebookDocument(doc);
    } catch (err) {
      services.showError(err, 'workbook');
    }
  });
}
