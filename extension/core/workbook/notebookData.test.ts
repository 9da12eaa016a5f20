import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { workbookToNotebook, notebookToWorkbook } from './notebookData';

const TEXT = '\uFEFF# Headless\r\n\r\n```grpclb\r\napply headless\r\n```\r\n\r\n```bash\r\nkubectl get pods\r\n```\r\n\r\n```md\r\n*x*\r\n```\r\n';

test('a workbook opens as notebook cells with VS Code language ids and saves back unchanged', () => {
  const notebook = workbookToNotebook(TEXT);
  assert.deepEqual(
    notebook.cells.map((c) => [c.kind, c.languageId, c.value]),
    [
      ['markup', 'markdown', '# Headless'],
      ['code', 'grpclb', 'apply headless'],
      ['code', 'shellscript', 'kubectl get pods'],
      ['code', 'md', '*x*'],
    ],
  );
  assert.equal(notebookToWorkbook(notebook), TEXT);
});

test('what VS Code does to cells is written back sensibly', () => {
  const notebook = workbookToNotebook(TEXT);
  // VS Code shows an unknown language as plaintext: the file keeps its own info string.
  notebook.cells[3].languageId = 'plaintext';
  // The user picks another language for a cell.
  notebook.cells[2].languageId = 'python';
  // Cells come back from the editor with \n line endings and a new cell without metadata is added.
  notebook.cells[1].value = 'apply headless\ntail headless';
  notebook.cells.push({ kind: 'code', languageId: 'shellscript', value: 'minikube status' });
  const text = notebookToWorkbook(notebook);
  assert.equal(
    text,
    '\uFEFF# Headless\r\n\r\n```grpclb\r\napply headless\r\ntail headless\r\n```\r\n\r\n```python\r\nkubectl get pods\r\n```\r\n\r\n```md\r\n*x*\r\n```\r\n\r\n```sh\r\nminikube status\r\n```\r\n',
  );
});

test('a markdown cell changed into a code cell gets fences', () => {
  const notebook = workbookToNotebook('Intro\n\n```grpclb\ndoctor\n```\n');
  notebook.cells[0] = { ...notebook.cells[0], kind: 'code', languageId: 'grpclb', value: 'lab headless' };
  assert.equal(notebookToWorkbook(notebook), '```grpclb\nlab headless\n```\n\n```grpclb\ndoctor\n```\n');
});

test('a ```console block opens as a plain-text cell (shown, never run) and is saved back as console', () => {
  const text = '```console\n$ kubectl get pods\nNAME   READY\n```\n';
  const notebook = workbookToNotebook(text);
  assert.deepEqual(notebook.cells.map((c) => [c.kind, c.languageId]), [['code', 'plaintext']]);
  assert.equal(notebookToWorkbook(notebook), text);
});
