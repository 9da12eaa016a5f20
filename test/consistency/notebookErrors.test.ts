import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { describe, it } from 'node:test';
import { installVscodeStandIn, type StandInCall } from '../../extension/core/testing/vscodeStandIn';

/**
 * A workbook cell that fails says so once: in its output. A notification comes only when it carries a fix the
 * output cannot (a button), never to repeat the words. The real composition root runs against the vscode
 * stand-in in a trusted workspace; the kube context is not minikube's, so the guard asks (and the stand-in's
 * dialog answers nothing, as Escape would).
 */
const ROOT = join(__dirname, '..', '..');
const load = createRequire(__filename);

describe('workbook cell errors (vscode stand-in)', () => {
  it('show in the cell; a notification only with a fix button', async () => {
    const api = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{}'));
    await new Promise<void>((resolve) => api.listen(0, '127.0.0.1', resolve));
    const folder = mkdtempSync(join(tmpdir(), 'grpc-lb-cell-errors-'));
    const kubeconfig = join(folder, 'config');
    writeFileSync(kubeconfig, JSON.stringify({
      apiVersion: 'v1', kind: 'Config', 'current-context': 'shared',
      clusters: [{ name: 'shared', cluster: { server: `http://127.0.0.1:${(api.address() as { port: number }).port}` } }],
      users: [{ name: 'shared', user: { token: 't' } }],
      contexts: [{ name: 'shared', context: { cluster: 'shared', user: 'shared' } }],
    }));
    const savedKubeconfig = process.env.KUBECONFIG;
    process.env.KUBECONFIG = kubeconfig;
    for (const id of Object.keys(load.cache)) if (id.startsWith(join(ROOT, 'extension'))) delete load.cache[id];
    const standIn = installVscodeStandIn();
    try {
      // no workspace folder, and an extension folder without the image kit: Build Images cannot find its files
      (load('vscode') as { workspace: { workspaceFolders: unknown } }).workspace.workspaceFolders = [];
      const ext = load(join(ROOT, 'extension', 'extension.ts')) as { activate(ctx: unknown): void };
      const memento = { get: () => undefined, update: async () => undefined, keys: () => [] };
      ext.activate({ subscriptions: [], extensionPath: folder, extensionUri: { fsPath: folder }, globalState: memento, workspaceState: memento });
      const created = standIn.calls.find((c) => c.path === 'vscode.notebooks.createNotebookController');
      const { executeHandler } = created?.result as { executeHandler: (cells: unknown[], notebook: unknown) => Promise<void> };
      const notebook = { uri: { fsPath: join(ROOT, 'walkthroughs', 'workbooks', 'headless.grpclb.md') }, notebookType: 'grpclb-workbook' };
      const run = async (text: string): Promise<StandInCall[]> => {
        const before = standIn.calls.length;
        await Promise.race([executeHandler([{ document: { languageId: 'grpclb', getText: () => text } }], notebook), delay(5_000)]);
        await delay(100);
        return standIn.calls.slice(before);
      };
      const stderr = (calls: StandInCall[]) => calls.filter((c) => c.path.endsWith('NotebookCellOutputItem.stderr')).map((c) => String(c.args[0]));
      const notifications = (calls: StandInCall[]) => calls.filter((c) => c.path === 'vscode.window.showErrorMessage');

      // No fix to offer: the cell's output says it, and nothing else does.
      const noFix = await run('build images');
      assert.equal(stderr(noFix).filter((t) => t.includes('The files the images are built from are missing')).length, 1, stderr(noFix).join(' | '));
      assert.deepEqual(notifications(noFix), [], 'no notification repeats the cell output');

      // A fix the output cannot carry: one notification, with its button.
      const withFix = await run('apply headless');
      assert.equal(stderr(withFix).filter((t) => t.includes('"shared"')).length, 1, stderr(withFix).join(' | '));
      const shown = notifications(withFix);
      assert.equal(shown.length, 1, `one notification: ${shown.map((c) => String(c.args[0])).join(' | ')}`);
      assert.ok(shown[0]!.args.includes('Ask Again'), `its button: ${shown[0]!.args.slice(1).join(', ')}`);
    } finally {
      standIn.restore();
      if (savedKubeconfig === undefined) delete process.env.KUBECONFIG;
      else process.env.KUBECONFIG = savedKubeconfig;
      api.close();
      rmSync(folder, { recursive: true, force: true });
    }
  });
});
