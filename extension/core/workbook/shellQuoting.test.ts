import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseCells } from './cells';

const WORKBOOKS = join(__dirname, '..', '..', '..', 'walkthroughs', 'workbooks');

/**
 * The words of a shell line that a shell would glob: `*`, `?` or `[…]` outside quotes. macOS's zsh fails such a
 * word with "no matches found" when no file matches (bash passes it on), so a learner who copies a cell into
 * a terminal gets an error there. Test brackets (`[ … ]`, `[[ … ]]`) and `$?`/`$*` are not globs.
 */
function unquotedGlobWords(line: string): string[] {
  const unquoted = line.replace(/'[^']*'|"(?:\\.|[^"\\])*"/g, "''").replace(/(^|\s)#.*$/, '$1');
  return unquoted
    .split(/\s+/)
    .filter((word) => word && !/^\[\[?$|^\]\]?$/.test(word))
    .filter((word) => /[*?]|\[[^\]]*\]/.test(word.replace(/\$[?*@#]/g, '')));
}

test('the glob check finds what zsh would expand and passes what is quoted', () => {
  assert.deepEqual(unquotedGlobWords('kubectl get pods -o custom-columns=C:.spec.containers[*].name'), ['custom-columns=C:.spec.containers[*].name']);
  assert.deepEqual(unquotedGlobWords("kubectl get pods -o 'custom-columns=C:.spec.containers[*].name'"), []);
  assert.deepEqual(unquotedGlobWords('if [ "$?" -ne 0 ]; then echo "a*b"; fi # why?'), []);
});

test('shell cells quote every glob character, so they run as written in zsh (macOS) as in bash', () => {
  const offending: string[] = [];
  for (const file of readdirSync(WORKBOOKS).filter((f) => f.endsWith('.grpclb.md'))) {
    for (const cell of parseCells(readFileSync(join(WORKBOOKS, file), 'utf8')).cells) {
      if (cell.kind !== 'code' || cell.language !== 'sh') continue;
      for (const line of cell.source.split('\n')) {
        for (const word of unquotedGlobWords(line)) offending.push(`${file}: ${word}`);
      }
    }
  }
  assert.deepEqual(offending, []);
});
