import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { parseCells, serializeCells, languageOfInfo, type WorkbookCell } from './cells';

const roundTrip = (text: string): string => {
  const parsed = parseCells(text);
  return serializeCells(parsed.cells, parsed.eol);
};

/** What the notebook shows: kind, language and source of every cell. */
const view = (cells: readonly WorkbookCell[]): string[] => cells.map((c) => `${c.kind}:${c.language}:${c.source}`);

const TRICKY: Record<string, string> = {
  'empty file': '',
  'blank lines only': '\n\n  \n',
  'tilde fence with a longer marker and attributes': '~~~~ sh {.x data-y="1"}\nls\n~~~\n~~~~\n',
  'backtick info with attributes': '```grpclb {#cell-1 title="apply it"}\napply headless\n```\n',
  'CRLF everywhere': '# T\r\n\r\n```sh\r\necho hi\r\n```\r\n\r\ntext  \r\n',
  'mixed line endings': '# T\n\r\n```sh\r\necho\n```\r\nx',
  'old Mac CR line endings': 'a\r\r```sh\rls\r```\r',
  'no trailing newline after a fence': 'para\n\n```grpclb\ndoctor\n```',
  'no trailing newline after prose': '```grpclb\ndoctor\n```\n\nthe end',
  'unclosed fence at end of file': 'a\n\n```sh\nls\n',
  'unclosed empty fence without newline': 'a\n\n```sh',
  'empty fence': '```\n```\n',
  'fence holding one empty line': '```\n\n```\n',
  'blank lines before the first fence and after the last': '\n\n```sh\nx\n```\n\n\n',
  'adjacent fences without a blank line': '```a\n1\n```\n```b\n2\n```\n',
  'trailing whitespace on every kind of line': 'text   \n\t\n```sh   \nls   \n```   \n   ',
  'closing fence indented and longer': '```sh\nls\n   `````\n',
  'hard line break and html': 'line one  \nline two\n\n<details>\n<summary>x</summary>\n\n```sh\nls\n```\n\n</details>\n',
  'setext heading and front matter lookalike': '---\ntitle: x\n---\n\nHeading\n=======\n\n```grpclb\ndoctor\n```\n',
};

test('round trip is lossless for tricky inputs', () => {
  for (const [name, text] of Object.entries(TRICKY)) {
    assert.equal(roundTrip(text), text, name);
  }
});

test('round trip is lossless for every shipped workbook', () => {
  const dir = path.join(__dirname, '..', '..', '..', 'walkthroughs', 'workbooks');
  const files = readdirSync(dir).filter((f) => f.endsWith('.grpclb.md'));
  assert.ok(files.length >= 20, `expected a workbook per chapter in two languages, found ${files.length}`);
  for (const file of files) {
    const text = readFileSync(path.join(dir, file), 'utf8');
    assert.equal(roundTrip(text), text, file);
    assert.ok(parseCells(text).cells.some((c) => c.kind === 'code' && c.language === 'grpclb'), `${file} has a grpclb cell`);
  }
});

test('round trip is lossless for generated documents', () => {
  // Deterministic pseudo-random documents stitched from awkward fragments.
  const fragments = [
    '# Heading', 'Some prose with `code`.', '', '   ', '\t', '```grpclb', '```', '~~~', '~~~~ sh', '````', 'apply headless',
    '- list item', '  ```sh', '> quote', '    indented code', 'trailing  ', '<div>', '```sh {.a}', '``` ', '***',
  ];
  const endings = ['\n', '\r\n', '\n', '\n'];
  let seed = 42;
  const next = (n: number): number => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  for (let doc = 0; doc < 400; doc++) {
    const count = next(14);
    let text = '';
    const crlf = next(4) === 0;
    for (let i = 0; i < count; i++) text += fragments[next(fragments.length)] + (crlf ? '\r\n' : endings[next(endings.length)]);
    if (next(3) === 0) text = text.replace(/(\r\n|\n)$/, '');
    assert.equal(roundTrip(text), text, JSON.stringify(text));
  }
});

test('markdown-it token maps decide the cells: top-level fences are code, the rest is prose', () => {
  const text = [
    '# Headless', // 0
    '', // 1
    'Spread over all pods.', // 2
    '', // 3
    '```grpclb', // 4
    'apply headless', // 5
    'tail headless', // 6
    '```', // 7
    '', // 8
    '- a list with an example fence:', // 9
    '', // 10
    '  ```sh', // 11
    '  kubectl get pods', // 12
    '  ```', // 13
    '', // 14
    '~~~bash', // 15
    'kubectl get endpointslices', // 16
    '~~~', // 17
    '',
  ].join('\n');
  const { cells, eol } = parseCells(text);
  assert.equal(eol, '\n');
  assert.deepEqual(view(cells), [
    'markdown:markdown:# Headless\n\nSpread over all pods.',
    'code:grpclb:apply headless\ntail headless',
    'markdown:markdown:- a list with an example fence:\n\n  ```sh\n  kubectl get pods\n  ```',
    'code:sh:kubectl get endpointslices',
  ]);
  assert.deepEqual(
    cells.map((c) => c.range),
    [
      { start: 0, end: 3 },
      { start: 4, end: 8 },
      { start: 9, end: 14 },
      { start: 15, end: 18 },
    ],
  );
});

test('fences in quotes and indented fences stay prose; "~~~" and "````" fences become cells', () => {
  assert.deepEqual(view(parseCells('> ```sh\n> ls\n> ```\n').cells), ['markdown:markdown:> ```sh\n> ls\n> ```']);
  assert.deepEqual(view(parseCells('  ```sh\n  ls\n  ```\n').cells), ['markdown:markdown:  ```sh\n  ls\n  ```']);
  assert.deepEqual(view(parseCells('````md\n```sh\nls\n```\n````\n').cells), ['code:md:```sh\nls\n```']);
});

test('info strings map to cell languages', () => {
  assert.equal(languageOfInfo('grpclb'), 'grpclb');
  assert.equal(languageOfInfo('GRPCLB {.run}'), 'grpclb');
  assert.equal(languageOfInfo('bash'), 'sh');
  assert.equal(languageOfInfo('console'), 'console', 'a console transcript is shown, never run');
  assert.equal(languageOfInfo('yaml title="x"'), 'yaml');
  assert.equal(languageOfInfo(''), '');
  assert.equal(languageOfInfo('{.only-attributes}'), '');
});

test('edited cells are written back as markdown that parses to the same cells', () => {
  const { cells, eol } = parseCells('Intro\n\n```grpclb\n```\n\n```sh {.keep}\nls\n```\n\nEnd');
  cells[1] = { ...cells[1], source: 'apply headless' }; // content added to an empty fence
  cells[2] = { ...cells[2], source: 'cat <<EOF\n```\nEOF' }; // content that would close a ``` fence
  cells.push({ kind: 'code', language: 'sh', source: 'echo added after a last line without newline' });
  cells.splice(1, 0, { kind: 'code', language: 'grpclb', source: 'doctor' }); // a new cell without raw text
  const text = serializeCells(cells, eol);
  assert.deepEqual(view(parseCells(text).cells), view(cells));
  // Untouched cells keep their exact text, the changed fence keeps its attributes.
  assert.ok(text.startsWith('Intro\n\n```grpclb\ndoctor\n```\n\n```grpclb\napply headless\n```\n'), text);
  assert.match(text, /````sh \{\.keep\}\ncat <<EOF\n```\nEOF\n````/);
});

test('changing a cell language rewrites only the first word of the info string', () => {
  const { cells, eol } = parseCells('```bash {.x}\nls\n```\n');
  assert.equal(serializeCells(cells, eol), '```bash {.x}\nls\n```\n', 'bash is kept while the cell stays a shell cell');
  cells[0] = { ...cells[0], language: 'grpclb', source: 'doctor' };
  assert.equal(serializeCells(cells, eol), '```grpclb {.x}\ndoctor\n```\n');
});

test('new cells in a CRLF document use CRLF and are separated by a blank line', () => {
  const { cells, eol } = parseCells('# T\r\n');
  assert.equal(eol, '\r\n');
  cells.push({ kind: 'code', language: 'sh', source: 'echo a\necho b' });
  cells.push({ kind: 'markdown', language: 'markdown', source: 'done' });
  assert.equal(serializeCells(cells, eol), '# T\r\n\r\n```sh\r\necho a\r\necho b\r\n```\r\n\r\ndone\r\n');
});

test('two markdown cells in a row stay two paragraphs', () => {
  const cells: WorkbookCell[] = [
    { kind: 'markdown', language: 'markdown', source: 'one' },
    { kind: 'markdown', language: 'markdown', source: 'two' },
  ];
  const text = serializeCells(cells);
  assert.equal(text, 'one\n\ntwo\n');
  assert.deepEqual(view(parseCells(text).cells), ['markdown:markdown:one\n\ntwo']);
});
