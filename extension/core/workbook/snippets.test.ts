import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import ts from 'typescript';
import { parseCells } from './cells';
import { WORKBOOK_DIR, WORKBOOK_SUFFIX } from './paths';

const ROOT = path.join(__dirname, '..', '..', '..');

/** The ```typescript and ```go cells of every workbook: code a learner copies into their own service. */
function snippets(language: 'typescript' | 'go'): { file: string; source: string }[] {
  const out: { file: string; source: string }[] = [];
  for (const file of readdirSync(path.join(ROOT, WORKBOOK_DIR)).filter((f) => f.endsWith(WORKBOOK_SUFFIX))) {
    for (const cell of parseCells(readFileSync(path.join(ROOT, WORKBOOK_DIR, file), 'utf8')).cells) {
      if (cell.kind === 'code' && cell.language === language) out.push({ file, source: cell.source });
    }
  }
  return out;
}

test('every TypeScript snippet in the workbooks type-checks against the grpc-js the samples use', () => {
  const found = snippets('typescript');
  assert.ok(found.length > 0, 'the workbooks show TypeScript snippets');
  // Inside the repository, so that '@grpc/grpc-js' resolves to node_modules as in the learner's project.
  const dir = mkdtempSync(path.join(ROOT, '.snippets-'));
  try {
    const files = found.map((s, i) => {
      const name = path.join(dir, `snippet${i}.ts`);
      // Each snippet is a module of its own; `export {}` keeps their names apart.
      writeFileSync(name, `${s.source}\nexport {};\n`);
      return name;
    });
    const program = ts.createProgram(files, {
      strict: true,
      noEmit: true,
      noUnusedLocals: false,
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.CommonJS,
      moduleResolution: ts.ModuleResolutionKind.Node10,
      esModuleInterop: true,
      skipLibCheck: true,
      types: ['node'],
    });
    const errors = ts.getPreEmitDiagnostics(program).map((d) => {
      const index = d.file ? files.indexOf(d.file.fileName) : -1;
      const where = index >= 0 ? found[index]!.file : d.file?.fileName ?? '';
      return `${where}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
    });
    assert.deepEqual(errors, []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('every Go snippet in the workbooks is valid Go (gofmt parses it)', (t) => {
  const found = snippets('go');
  assert.ok(found.length > 0, 'the workbooks show Go snippets');
  try {
    execFileSync('gofmt', ['-h'], { stdio: 'ignore' });
  } catch (error) {
    // `gofmt -h` exits 2 after printing its usage: only a missing binary means Go is absent.
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return t.skip('gofmt not found: install Go (https://go.dev/doc/install)');
  }
  for (const { file, source } of found) {
    // A snippet is a whole file (it starts with `package`) or statements, checked as a function body.
    const unit = /^package\s/m.test(source) ? source : `package snippet\n\nfunc _() {\n${source}\n}\n`;
    try {
      execFileSync('gofmt', ['-e'], { input: unit, stdio: ['pipe', 'ignore', 'pipe'] });
    } catch (error) {
      assert.fail(`${file}: ${String((error as { stderr?: Buffer }).stderr ?? error)}\n${source}`);
    }
  }
});

test('each chapter whose lesson is a code change shows it in TypeScript and Go, in both languages', () => {
  // ClusterIP, Envoy and Istio change manifests, not code; these chapters change the client or server.
  const chapters = ['headless', 'endpoints', 'etcd', 'max-age', 'proxyless'];
  for (const chapter of chapters) {
    for (const file of [`${chapter}${WORKBOOK_SUFFIX}`, `${chapter}.zh-cn${WORKBOOK_SUFFIX}`]) {
      const languages = new Set(
        parseCells(readFileSync(path.join(ROOT, WORKBOOK_DIR, file), 'utf8'))
          .cells.filter((c) => c.kind === 'code')
          .map((c) => c.language),
      );
      assert.ok(languages.has('typescript') && languages.has('go'), `${file} shows a TypeScript and a Go snippet`);
    }
  }
});
