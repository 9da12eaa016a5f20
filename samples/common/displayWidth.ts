/**
 * Padding by display width, for the plain-text tables of lab reports, experiment reports and the bench.
 * `String.prototype.padEnd` counts UTF-16 code units, but a CJK character (East Asian Wide / Fullwidth: 服, （, ：)
 * takes two columns in a terminal, an Output channel or a notebook cell's monospace text, so a 简体中文 label padded
 * by length pushes its value column right by one column per character.
 *
 * string-width is pinned to 4.x: from 5 on it is an ES module only, and the extension and lab bundles are CommonJS.
 */
import stringWidth from 'string-width';

/** Columns `text` takes in a monospace font: wide and fullwidth characters count two, combining marks none. */
export function displayWidth(text: string): number {
  return stringWidth(text);
}

/** `text` followed by spaces up to `width` columns (unchanged when it is already as wide). */
export function padEndToWidth(text: string, width: number): string {
  return text + ' '.repeat(Math.max(0, width - displayWidth(text)));
}

/** Spaces, then `text`, up to `width` columns (unchanged when it is already as wide). */
export function padStartToWidth(text: string, width: number): string {
  return ' '.repeat(Math.max(0, width - displayWidth(text))) + text;
}

/** The widest of `texts` in columns (0 for none), for sizing a table column. */
export function maxDisplayWidth(texts: Iterable<string>): number {
  let widest = 0;
  for (const t of texts) widest = Math.max(widest, displayWidth(t));
  return widest;
}
