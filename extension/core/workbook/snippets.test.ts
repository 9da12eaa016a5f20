import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
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

/** Import paths for the package names the Go snippets use (etcd's naming resolver when the snippet uses etcd). */
function goImports(source: string): string[] {
  const etcd = /\bclientv3\./.test(source);
  const paths: Record<string, string> = {
    context: 'context',
    time: 'time',
    grpc: 'google.golang.org/grpc',
    insecure: 'google.golang.org/grpc/credentials/insecure',
    keepalive: 'google.golang.org/grpc/keepalive',
    dns: 'google.golang.org/grpc/resolver/dns',
    resolver: etcd ? 'go.etcd.io/etcd/client/v3/naming/resolver' : 'google.golang.org/grpc/resolver',
    endpoints: 'go.etcd.io/etcd/client/v3/naming/endpoints',
    clientv3: 'go.etcd.io/etcd/client/v3',
  };
  return Object.entries(paths)
    .filter(([name]) => name === 'context' || new RegExp(`\\b${name}\\.`).test(source))
    .map(([name, path]) => (name === 'clientv3' ? `clientv3 "${path}"` : `"${path}"`));
}

/**
 * A statement snippet as a compilable file: its imports, and the names it takes from the learner's code
 * (ctx, addr, kubernetesBuilder) as parameters. A whole-file snippet (it starts with `package`) stays as it is.
 */
function goUnit(source: string): string {
  if (/^package\s/m.test(source)) return source;
  const params = ['ctx context.Context', 'addr string', ...(/\bkubernetesBuilder\b/.test(source) ? ['kubernetesBuilder resolver.Builder'] : [])];
  return `package snippet\n\nimport (\n${goImports(source).map((i) => `\t${i}`).join('\n')}\n)\n\nfunc _(${params.join(', ')}) {\n${source}\n}\n`;
}

test('every Go snippet in the workbooks compiles against grpc-go and etcd\'s client (go build; unused names aside)', (t) => {
  const found = snippets('go');
  assert.ok(found.length > 0, 'the workbooks show Go snippets');
  try {
    execFileSync('go', ['version'], { stdio: 'ignore' });
  } catch {
    return t.skip('go not found: install Go (https://go.dev/doc/install)');
  }
  const dir = mkdtempSync(path.join(os.tmpdir(), 'grpclb-go-snippets-'));
  try {
    // The module versions of the rig's etcd build (scripts/cluster/etcd), whose go.sum pins them.
    writeFileSync(
      path.join(dir, 'go.mod'),
      'module snippets\n\ngo 1.24\n\nrequire (\n\tgo.etcd.io/etcd/client/v3 v3.6.5\n\tgoogle.golang.org/grpc v1.71.1\n)\n',
    );
    copyFileSync(path.join(ROOT, 'scripts', 'cluster', 'etcd', 'go.sum'), path.join(dir, 'go.sum'));
    found.forEach(({ source }, i) => {
      mkdirSync(path.join(dir, `s${i}`));
      writeFileSync(path.join(dir, `s${i}`, 'snippet.go'), goUnit(source));
    });
    let output = '';
    try {
      execFileSync('go', ['build', '-gcflags=-e', '-o', os.devNull, './...'], {
        cwd: dir,
        env: { ...process.env, GOFLAGS: '-mod=mod' },
        stdio: ['ignore', 'pipe', 'pipe'],
        timeout: 600_000,
      });
    } catch (error) {
      output = String((error as { stderr?: Buffer }).stderr ?? error);
    }
    // A snippet shows the lines that matter; what it declares is used in the learner's code around it.
    // Anything else the build says is a failure: a compile error, or a module that cannot be had.
    const errors = output
      .split('\n')
      .filter((l) => l.trim() && !/^(# |go: downloading )/.test(l) && !/declared and not used|imported and not used/.test(l))
      .map((l) => {
        const i = /^(?:\.\/)?s(\d+)\//.exec(l)?.[1];
        return i === undefined ? l : `${found[Number(i)]!.file}: ${l}`;
      });
    assert.deepEqual(errors, []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
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
