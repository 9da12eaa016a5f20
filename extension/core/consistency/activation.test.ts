import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import Module, { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, it } from 'node:test';

/**
 * Activates the real composition root (extension/extension.ts) against a recording stand-in for the
 * `vscode` module: every contributed command gets registered, every disposable lands in
 * context.subscriptions, and activation starts no process and opens no output channel (no I/O).
 */
const ROOT = join(__dirname, '..', '..', '..');
/** CommonJS loading on purpose: the test patches the module cache's child_process and `vscode` resolution. */
const load = createRequire(__filename);

interface Recorder {
  commands: string[];
  calls: string[];
}

/** A permissive stand-in: any property is a callable, constructible stand-in; named calls are recorded. */
function standIn(rec: Recorder, path: string): unknown {
  const target = function () {} as unknown as object;
  return new Proxy(target, {
    get(_t, prop) {
      if (prop === Symbol.toPrimitive) return () => path;
      if (prop === 'then') return undefined; // not a thenable
      if (prop === '__esModule') return true; // `import * as vscode` uses the object as is
      if (typeof prop === 'symbol') return undefined;
      if (path === 'vscode.workspace' && prop === 'isTrusted') return true;
      if (path === 'vscode.env' && prop === 'language') return 'en';
      if (path === 'vscode.l10n' && prop === 't') return (s: string) => s;
      return standIn(rec, `${path}.${prop}`);
    },
    apply(_t, _this, args: unknown[]) {
      rec.calls.push(path);
      if (path === 'vscode.commands.registerCommand') rec.commands.push(String(args[0]));
      return standIn(rec, `${path}()`);
    },
    construct() {
      return standIn(rec, `new ${path}`) as object;
    },
  });
}

const VSCODE_NAMES = [
  'window', 'commands', 'workspace', 'notebooks', 'l10n', 'env', 'languages', 'extensions', 'Uri', 'EventEmitter',
  'Disposable', 'TreeItem', 'TreeItemCollapsibleState', 'ThemeIcon', 'ThemeColor', 'MarkdownString', 'NotebookData',
  'NotebookCellData', 'NotebookCellKind', 'NotebookCellOutput', 'NotebookCellOutputItem', 'ProgressLocation',
  'ViewColumn', 'CancellationTokenSource', 'RelativePattern', 'StatusBarAlignment', 'ConfigurationTarget', 'LogLevel',
  'TreeItemCheckboxState', 'Position', 'Range', 'Selection', 'NotebookEdit', 'WorkspaceEdit', 'FileType',
];

describe('activation (composition root with a recording vscode stand-in)', () => {
  it('registers every contributed command and does no I/O', async () => {
    const rec: Recorder = { commands: [], calls: [] };
    // A plain object (bundlers copy a module's own keys) whose namespaces and classes are stand-ins.
    const vscode: Record<string, unknown> = { __esModule: true };
    for (const name of VSCODE_NAMES) vscode[name] = standIn(rec, `vscode.${name}`);
    const mod = Module as unknown as { _load: (request: string, parent: unknown, isMain: boolean) => unknown };
    const originalLoad = mod._load;
    mod._load = function (request, parent, isMain) {
      if (request === 'vscode') return vscode;
      return originalLoad.call(this, request, parent, isMain);
    };
    const cp = load('node:child_process') as typeof import('node:child_process');
    const spawned: string[] = [];
    const originalSpawn = cp.spawn;
    (cp as { spawn: unknown }).spawn = (...args: unknown[]) => {
      spawned.push(String(args[0]));
      return (originalSpawn as (...a: unknown[]) => unknown)(...args);
    };
    try {
      const ext = load(join(ROOT, 'extension', 'extension.ts')) as { activate(ctx: unknown): void };
      const subscriptions: unknown[] = [];
      const context = {
        subscriptions,
        extensionPath: ROOT,
        extensionUri: { fsPath: ROOT },
        globalState: { get: () => undefined, update: async () => undefined, keys: () => [] },
        workspaceState: { get: () => undefined, update: async () => undefined, keys: () => [] },
      };
      ext.activate(context);
      const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { contributes: { commands: Array<{ command: string }> } };
      assert.deepEqual([...rec.commands].sort(), pkg.contributes.commands.map((c) => c.command).sort());
      assert.ok(subscriptions.length >= rec.commands.length, 'every registration is in context.subscriptions');
      assert.deepEqual(spawned, [], 'no process at activation');
      const outputChannels = rec.calls.filter((c) => c === 'vscode.window.createOutputChannel');
      assert.ok(!rec.calls.includes('vscode.window.showInformationMessage') && !rec.calls.includes('vscode.window.showErrorMessage'));
      // Our channels are lazy; only channels another module creates up front may exist.
      assert.ok(outputChannels.length <= 2, `output channels at activation: ${outputChannels.length}`);
    } finally {
      mod._load = originalLoad;
      (cp as { spawn: unknown }).spawn = originalSpawn;
    }
  });
});
