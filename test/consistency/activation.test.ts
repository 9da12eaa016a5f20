import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { installVscodeStandIn } from '../../extension/core/testing/vscodeStandIn';

/**
 * Activates the real composition root (extension/extension.ts) against a recording stand-in for the
 * `vscode` module: every contributed command gets registered, every registration lands in
 * context.subscriptions, and activation starts no process and shows nothing (no I/O).
 */
const ROOT = join(__dirname, '..', '..');
/** CommonJS loading on purpose: the test patches child_process and the `vscode` resolution. */
const load = createRequire(__filename);

describe('activation (composition root with a recording vscode stand-in)', () => {
  it('registers every contributed command and does no I/O', () => {
    const standIn = installVscodeStandIn();
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
      const memento = { get: () => undefined, update: async () => undefined, keys: () => [] };
      ext.activate({ subscriptions, extensionPath: ROOT, extensionUri: { fsPath: ROOT }, globalState: memento, workspaceState: memento });
      const registered = standIn.calls.filter((c) => c.path === 'vscode.commands.registerCommand').map((c) => String(c.args[0]));
      const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { contributes: { commands: Array<{ command: string }> } };
      assert.deepEqual([...registered].sort(), pkg.contributes.commands.map((c) => c.command).sort());
      assert.ok(subscriptions.length >= registered.length, 'every registration is in context.subscriptions');
      assert.deepEqual(spawned, [], 'no process at activation');
      const shown = standIn.calls.filter((c) => /^vscode\.window\.show\w+Message$/.test(c.path));
      assert.deepEqual(shown, [], 'no message at activation');
      // The action layer's channels are created on first use; only the traffic feature makes its two up front.
      const channels = standIn.calls.filter((c) => c.path === 'vscode.window.createOutputChannel').map((c) => String(c.args[0]));
      assert.ok(!channels.some((n) => /Cluster|Tools|Workbook/.test(n)), `created at activation: ${channels.join(', ')}`);
    } finally {
      standIn.restore();
      (cp as { spawn: unknown }).spawn = originalSpawn;
    }
  });

  it('re-ticks the walkthrough steps of chapters done in an earlier session (from globalState only)', () => {
    const standIn = installVscodeStandIn();
    // Modules loaded by the first test hold the first stand-in: load the adapter afresh.
    for (const id of Object.keys(load.cache)) if (id.startsWith(join(ROOT, 'extension'))) delete load.cache[id];
    try {
      const ext = load(join(ROOT, 'extension', 'extension.ts')) as { activate(ctx: unknown): void };
      const stored = new Map<string, unknown>([['grpcLb.chaptersDone', ['headless', 'max-age']]]);
      const read: string[] = [];
      const globalState = { get: (k: string) => (read.push(k), stored.get(k)), update: async () => undefined, keys: () => [...stored.keys()] };
      const empty = { get: () => undefined, update: async () => undefined, keys: () => [] };
      ext.activate({ subscriptions: [], extensionPath: ROOT, extensionUri: { fsPath: ROOT }, globalState, workspaceState: empty });
      const set = standIn.calls
        .filter((c) => c.path === 'vscode.commands.executeCommand' && c.args[0] === 'setContext' && String(c.args[1]).startsWith('grpcLb.chapterDone.'))
        .map((c) => [c.args[1], c.args[2]]);
      assert.deepEqual(set, [
        ['grpcLb.chapterDone.headless', true],
        ['grpcLb.chapterDone.maxAge', true],
      ]);
      assert.ok(read.includes('grpcLb.chaptersDone'));
    } finally {
      standIn.restore();
    }
  });
});
