import type MarkdownIt from 'markdown-it';
import { markdownIt } from '../../../samples/common/lazyModules';

/**
 * Workbook markdown ⇄ notebook cells, without VS Code.
 *
 * A workbook is plain markdown. Every top-level fenced code block (``` or ~~~, not indented, not inside a
 * list or quote) becomes a code cell; the text between two fences becomes one markdown cell. markdown-it
 * decides what is a fence (its token maps give the line ranges), so an example fence shown inside a list or
 * an indented code block stays prose, exactly as a markdown preview would show it.
 *
 * The round trip is lossless: `serializeCells(parseCells(text)) === text` for any text, whatever its fence
 * markers, info strings, blank lines, trailing whitespace, line endings or missing final newline. Each cell
 * carries the exact raw text around its source (`raw`); cells created in the notebook UI have no `raw` and get
 * tidy defaults (a blank line between cells, ``` fences, the document's line ending).
 */

/** Line range in the original text, 0-based, end exclusive (like markdown-it's `token.map`). */
export interface LineRange {
  start: number;
  end: number;
}

/** The exact text around a cell's source, so that writing it back reproduces the original bytes. */
export interface CellRaw {
  /** Blank lines before the cell (only the first cell of a document has any). */
  before: string;
  /** Code cells: the opening fence line including its line ending, e.g. "```grpclb\n". */
  open?: string;
  /** Code cells: the line ending before the closing fence plus the closing fence line, e.g. "\n```"; '' if unclosed. */
  close?: string;
  /** The line ending of the cell's last line plus any blank lines up to the next cell. */
  after: string;
}

export type CellKind = 'markdown' | 'code';

export interface WorkbookCell {
  kind: CellKind;
  /** Code cells: `grpclb`, `sh` (for sh/bash/shell/zsh) or the info string's first word; '' for none. Markdown cells: 'markdown'. */
  language: string;
  /** The cell text as the user edits it: no surrounding blank lines, no fences, no final line ending. */
  source: string;
  /** Where the cell came from in the parsed text; absent for cells created later. */
  range?: LineRange;
  /** Exact surroundings for a lossless write-back; absent for cells created later. */
  raw?: CellRaw;
}

export interface ParsedWorkbook {
  cells: WorkbookCell[];
  /** The document's line ending if it uses one kind only; new cells are joined with it. */
  eol: '\n' | '\r\n';
}

// `console` is not among them: a console block shows a session (prompts and output) and is never run.
const SHELL_WORDS = new Set(['sh', 'bash', 'shell', 'zsh', 'shellscript']);

/** The cell language for a fence info string: its first word, with shell dialects folded into `sh`. */
export function languageOfInfo(info: string): string {
  const word = info.trim().split(/\s+/)[0] ?? '';
  // Attribute-only info strings such as "{.class}" carry no language.
  if (word.startsWith('{')) return '';
  const lower = word.toLowerCase();
  if (SHELL_WORDS.has(lower)) return 'sh';
  if (lower === 'grpclb') return 'grpclb';
  return word;
}

interface Line {
  text: string;
  eol: string;
}

function splitLines(text: string): Line[] {
  const lines: Line[] = [];
  const re = /\r\n|\n|\r/g;
  let last = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    lines.push({ text: text.slice(last, m.index), eol: m[0] });
    last = m.index + m[0].length;
  }
  // The final line (possibly empty when the text ends with a line ending, in which case it is dropped).
  if (last < text.length) lines.push({ text: text.slice(last), eol: '' });
  return lines;
}

const isBlank = (line: Line): boolean => line.text.trim() === '';
const joinRaw = (lines: Line[]): string => lines.map((l) => l.text + l.eol).join('');
/** Lines joined with their own endings, minus the last line's ending. */
const joinSource = (lines: Line[]): string =>
  lines.map((l, i) => l.text + (i === lines.length - 1 ? '' : l.eol)).join('');

/** '\r\n' only when every line ending is one (then new text and edits follow it); otherwise '\n'. */
function detectEol(lines: Line[]): '\n' | '\r\n' {
  const endings = lines.filter((l) => l.eol);
  return endings.length > 0 && endings.every((l) => l.eol === '\r\n') ? '\r\n' : '\n';
}

interface FenceSpan {
  start: number;
  end: number;
  info: string;
  /** Whether the fence's last line is a closing fence (markdown-it also maps unclosed fences to the end). */
  closed: boolean;
}

let md: MarkdownIt | undefined;

function topLevelFences(text: string, lines: Line[]): FenceSpan[] {
  // markdown-it normalizes \r\n and \r to \n before tokenizing, so its line numbers match ours.
  md ??= new (markdownIt())('commonmark');
  const tokens = md.parse(text, {});
  const spans: FenceSpan[] = [];
  for (const token of tokens) {
    if (token.type !== 'fence' || token.level !== 0 || !token.map) continue;
    const start = token.map[0];
    const end = Math.min(token.map[1], lines.length);
    const openLine = lines[start]?.text ?? '';
    // An indented fence strips its indentation from the content; keep such rare fences as prose so the
    // cell source never differs from what the user sees.
    if (!/^(`{3,}|~{3,})/.test(openLine)) continue;
    const marker = openLine.match(/^(`{3,}|~{3,})/)?.[1] ?? '```';
    const lastLine = end - 1 > start ? lines[end - 1]?.text ?? '' : '';
    const closeMatch = lastLine.match(/^ {0,3}(`{3,}|~{3,})[ \t]*$/);
    const closed = !!closeMatch && closeMatch[1][0] === marker[0] && closeMatch[1].length >= marker.length;
    spans.push({ start, end, info: token.info, closed });
  }
  return spans;
}

/** Parses workbook markdown into cells (see the module comment for the rules). */
export function parseCells(text: string): ParsedWorkbook {
  const lines = splitLines(text);
  const eol = detectEol(lines);
  const cells: WorkbookCell[] = [];
  if (lines.length === 0) return { cells, eol };

  // Blank lines go to the previous cell's `after`; before the first cell they become its `before`.
  let pendingBefore = '';
  const takeBlankLines = (blank: Line[]): void => {
    const prev = cells[cells.length - 1];
    if (prev?.raw) prev.raw.after += joinRaw(blank);
    else pendingBefore += joinRaw(blank);
  };
  const takeBefore = (): string => {
    const before = pendingBefore;
    pendingBefore = '';
    return before;
  };

  const pushMarkdown = (start: number, end: number): void => {
    let s = start;
    while (s < end && isBlank(lines[s])) s++;
    takeBlankLines(lines.slice(start, s));
    if (s === end) return;
    let e = end;
    while (e > s && isBlank(lines[e - 1])) e--;
    const body = lines.slice(s, e);
    const trailing = lines.slice(e, end);
    const before = takeBefore();
    cells.push({
      kind: 'markdown',
      language: 'markdown',
      source: joinSource(body),
      range: { start: s, end: e },
      raw: { before, after: body[body.length - 1].eol + joinRaw(trailing) },
    });
  };

  let cursor = 0;
  for (const fence of topLevelFences(text, lines)) {
    if (fence.start > cursor) pushMarkdown(cursor, fence.start);
    const open = lines[fence.start];
    const contentEnd = fence.closed ? fence.end - 1 : fence.end;
    const content = lines.slice(fence.start + 1, contentEnd);
    const closeLine = fence.closed ? lines[fence.end - 1] : undefined;
    const lastContentEol = content.length ? content[content.length - 1].eol : '';
    const close = closeLine ? lastContentEol + closeLine.text : '';
    // An unclosed fence runs to the end of the file: its last line's ending goes to `after`.
    const after = closeLine ? closeLine.eol : content.length ? lastContentEol : open.eol;
    cells.push({
      kind: 'code',
      language: languageOfInfo(fence.info),
      source: joinSource(content),
      range: { start: fence.start, end: fence.end },
      raw: {
        before: takeBefore(),
        open: open.text + (content.length || closeLine ? open.eol : ''),
        close,
        after,
      },
    });
    cursor = fence.end;
  }
  if (cursor < lines.length) pushMarkdown(cursor, lines.length);
  if (pendingBefore) {
    // Blank lines only: keep them in one empty markdown cell so that nothing is lost.
    cells.push({ kind: 'markdown', language: 'markdown', source: '', range: { start: 0, end: lines.length }, raw: { before: takeBefore(), after: '' } });
  }
  return { cells, eol };
}

/** The longest line of `source` that could close a fence of this character (a bare run, no info string). */
function longestFenceRun(source: string, char: '`' | '~'): number {
  let longest = 0;
  const re = char === '`' ? /^ {0,3}(`{3,})[ \t]*\r?$/gm : /^ {0,3}(~{3,})[ \t]*\r?$/gm;
  for (let m = re.exec(source); m; m = re.exec(source)) longest = Math.max(longest, m[1].length);
  return longest;
}

function normalizeEol(source: string, eol: string): string {
  return source.replace(/\r\n|\r|\n/g, eol);
}

const endsWithEol = (s: string): boolean => /[\r\n]$/.test(s);
const startsWithEol = (s: string): boolean => /^[\r\n]/.test(s);
/** True when `text` ends with a blank line, i.e. the next block cannot run on into the previous one. */
function endsWithBlankLine(text: string): boolean {
  const last = text.match(/(\r\n|\r|\n)$/);
  if (!last) return false;
  const rest = text.slice(0, -last[0].length);
  return /(^|\r\n|\r|\n)[ \t]*$/.test(rest);
}

/** The fence lines for a code cell: the parsed ones while they still fit, adjusted ones otherwise. */
function fenceOf(cell: WorkbookCell, eol: string): { open: string; close: string } {
  const raw = cell.raw;
  const openText = raw?.open?.replace(/(\r\n|\r|\n)$/, '');
  const marker = openText?.match(/^(`{3,}|~{3,})/)?.[1];
  if (raw?.open !== undefined && raw.close !== undefined && openText !== undefined && marker) {
    const char = marker[0] as '`' | '~';
    const longest = longestFenceRun(cell.source, char);
    // A fence still fits while no line of the source could close it early.
    const fits = longest < marker.length;
    const info = openText.slice(marker.length);
    const sameLanguage = languageOfInfo(info) === cell.language;
    if (fits && sameLanguage) {
      let open = raw.open;
      let close = raw.close;
      // Only needed after edits: content added to a fence that had none, or to an unclosed last line.
      if (!endsWithEol(open) && (cell.source || close)) open += eol;
      if (cell.source && close && !startsWithEol(close)) close = eol + close;
      return { open, close };
    }
    // Changed language: swap the first word of the info and keep its attributes. Content that would
    // close the fence: lengthen the marker.
    const newInfo = sameLanguage ? info : [cell.language, ...info.trim().split(/\s+/).slice(1)].filter(Boolean).join(' ');
    const newMarker = fits ? marker : char.repeat(longest + 1);
    const closeMarker = (fits && raw.close.replace(/^(\r\n|\r|\n)/, '').trim()) || newMarker;
    return { open: newMarker + newInfo + eol, close: (cell.source ? eol : '') + closeMarker };
  }
  const ticks = '`'.repeat(Math.max(3, longestFenceRun(cell.source, '`') + 1));
  return { open: ticks + cell.language + eol, close: (cell.source ? eol : '') + ticks };
}

/**
 * Writes cells back as workbook markdown. Cells with `raw` are written exactly as parsed (source edits
 * included); new cells get a blank line after them and ``` fences long enough for their content.
 * `eol` is the line ending for new text; with '\r\n' every source is normalized to it as well.
 */
export function serializeCells(cells: readonly WorkbookCell[], eol: '\n' | '\r\n' = '\n'): string {
  let out = '';
  cells.forEach((cell, index) => {
    const isLast = index === cells.length - 1;
    const raw = cell.raw;
    const source = eol === '\r\n' ? normalizeEol(cell.source, eol) : cell.source;
    if (index > 0) {
      // A cell that was last in its file (no final line ending) may have got a successor.
      if (!endsWithEol(out)) out += eol;
      // A new cell gets a blank line before it; two markdown cells in a row need one not to merge paragraphs.
      const needsGap = !raw || (cell.kind === 'markdown' && cells[index - 1].kind === 'markdown');
      if (needsGap && !endsWithBlankLine(out)) out += eol;
    }
    const after = raw ? raw.after : isLast ? eol : eol + eol;
    if (cell.kind === 'markdown') {
      out += (raw?.before ?? '') + source + after;
    } else {
      const { open, close } = fenceOf({ ...cell, source }, eol);
      out += (raw?.before ?? '') + open + source + close + after;
    }
  });
  return out;
}
