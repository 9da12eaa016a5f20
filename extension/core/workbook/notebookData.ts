import { parseCells, serializeCells, type CellRaw, type WorkbookCell } from './cells';

/**
 * Workbook text ⇄ the plain shape of VS Code's NotebookData, so that the vscode adapter is a one-to-one
 * copy and everything that can go wrong is tested here without VS Code.
 */

/** What a cell remembers between opening and saving (kept in the cell's metadata under `grpclb`). */
export interface WorkbookCellMetadata {
  /** The exact surroundings of the cell in the file. */
  raw?: CellRaw;
  /** The workbook language the cell was read with (`sh`, `grpclb`, `yaml`, … or ''). */
  language?: string;
  /** The VS Code language id it was given; if it is still the same on save, `language` is written back. */
  languageId?: string;
}

export interface NotebookCellShape {
  kind: 'markup' | 'code';
  value: string;
  languageId: string;
  metadata?: { grpclb?: WorkbookCellMetadata; [key: string]: unknown };
}

export interface WorkbookNotebookMetadata {
  eol: '\n' | '\r\n';
  /** The file started with a UTF-8 byte order mark. */
  bom: boolean;
}

export interface NotebookShape {
  cells: NotebookCellShape[];
  metadata?: { grpclb?: WorkbookNotebookMetadata; [key: string]: unknown };
}

// A ```console block becomes a plain-text cell: display-only, no controller runs plain text.
const TO_LANGUAGE_ID: Record<string, string> = { sh: 'shellscript', console: 'plaintext', '': 'plaintext' };
const FROM_LANGUAGE_ID: Record<string, string> = { shellscript: 'sh', plaintext: '' };

/** The VS Code language id for a workbook cell language. */
export function toLanguageId(language: string): string {
  return TO_LANGUAGE_ID[language] ?? language;
}

/** The workbook cell language for a VS Code language id. */
export function fromLanguageId(languageId: string): string {
  return FROM_LANGUAGE_ID[languageId] ?? languageId;
}

const BOM = '\uFEFF';

/** Reads workbook markdown into notebook cells. */
export function workbookToNotebook(text: string): NotebookShape {
  const bom = text.startsWith(BOM);
  const { cells, eol } = parseCells(bom ? text.slice(1) : text);
  return {
    cells: cells.map((cell) => {
      const languageId = cell.kind === 'markdown' ? 'markdown' : toLanguageId(cell.language);
      return {
        kind: cell.kind === 'markdown' ? 'markup' : 'code',
        value: cell.source,
        languageId,
        metadata: { grpclb: { raw: cell.raw, language: cell.language, languageId } },
      };
    }),
    metadata: { grpclb: { eol, bom } },
  };
}

/** Writes notebook cells back as workbook markdown; unchanged cells come back byte for byte. */
export function notebookToWorkbook(notebook: NotebookShape): string {
  const meta = notebook.metadata?.grpclb;
  const cells: WorkbookCell[] = notebook.cells.map((cell) => {
    const remembered = cell.metadata?.grpclb;
    if (cell.kind === 'markup') {
      return { kind: 'markdown', language: 'markdown', source: cell.value, raw: remembered?.raw };
    }
    // Keep what the file said while the language is unchanged, and also when VS Code fell back to plaintext
    // for a fence language it does not know (```md, ```text, …).
    const keep = remembered?.languageId === cell.languageId || cell.languageId === 'plaintext';
    const language = keep && remembered?.language !== undefined ? remembered.language : fromLanguageId(cell.languageId);
    // A markdown cell turned into a code cell (or the reverse) has no usable raw text.
    const raw = remembered?.raw?.open !== undefined ? remembered.raw : undefined;
    return { kind: 'code', language, source: cell.value, raw };
  });
  const text = serializeCells(cells, meta?.eol ?? '\n');
  return (meta?.bom ? BOM : '') + text;
}
