import * as vscode from 'vscode';
import { notebookToWorkbook, workbookToNotebook, type NotebookCellShape } from '../core/workbook/notebookData';

/** The notebook type contributed in package.json for `*.grpclb.md` files. */
export const WORKBOOK_NOTEBOOK_TYPE = 'grpclb-workbook';

/**
 * Opens a chapter workbook (markdown) as a notebook and saves it back as markdown. All the parsing lives in
 * extension/core/workbook; this class only converts between the plain shapes and VS Code's classes.
 */
export class WorkbookSerializer implements vscode.NotebookSerializer {
  private readonly encoder = new TextEncoder();

  deserializeNotebook(content: Uint8Array, _token: vscode.CancellationToken): vscode.NotebookData {
    // TextDecoder drops a leading BOM unless told otherwise; the core keeps track of it.
    const text = new TextDecoder('utf-8', { ignoreBOM: true }).decode(content);
    const shape = workbookToNotebook(text);
    const data = new vscode.NotebookData(
      shape.cells.map((cell) => {
        const cellData = new vscode.NotebookCellData(
          cell.kind === 'markup' ? vscode.NotebookCellKind.Markup : vscode.NotebookCellKind.Code,
          cell.value,
          cell.languageId,
        );
        cellData.metadata = cell.metadata;
        return cellData;
      }),
    );
    data.metadata = shape.metadata;
    return data;
  }

  serializeNotebook(data: vscode.NotebookData, _token: vscode.CancellationToken): Uint8Array {
    const cells: NotebookCellShape[] = data.cells.map((cell) => ({
      kind: cell.kind === vscode.NotebookCellKind.Markup ? 'markup' : 'code',
      value: cell.value,
      languageId: cell.languageId,
      metadata: cell.metadata,
    }));
    return this.encoder.encode(notebookToWorkbook({ cells, metadata: data.metadata }));
  }
}

/** Registers the workbook serializer; call once from activate(). */
export function registerWorkbookSerializer(context: vscode.ExtensionContext): vscode.Disposable {
  const registration = vscode.workspace.registerNotebookSerializer(WORKBOOK_NOTEBOOK_TYPE, new WorkbookSerializer(), {
    // Cell outputs come from running actions; they are never written into the markdown.
    transientOutputs: true,
  });
  context.subscriptions.push(registration);
  return registration;
}
