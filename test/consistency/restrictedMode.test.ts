import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { describe, it } from 'node:test';
import { installVscodeStandIn } from '../../extension/core/testing/vscodeStandIn';

/**
 * Restricted Mode (an untrusted workspace: capabilities.untrustedWorkspaces "limited"): the real
 * composition root is activated against the vscode stand-in with isTrusted false, every contributed
 * command is run (with no argument and with a chapter) and the workbook controller runs an action cell
 * and a shell cell. Nothing may start a process or send a request to the cluster — the kubeconfig points
 * at a loopback API server that counts what reaches it — and each command that would is refused with
 * the trust message.
 */
const ROOT = join(__dirname, '..', '..');
const load = createRequire(__filename);
const TRUST_MESSAGE = 'gRPC LB runs tools and changes clusters only in a trusted workspace.';
/** Commands that start processes or talk to a cluster when trusted. */
const ACTING = [
  'grpcLb.doctor', 'grpcLb.startMinikube', 'grpcLb.buildImages', 'grpcLb.applyChapter', 'grpcLb.tailClientLogs', 'grpcLb.scaleServers',
  'grpcLb.runExperiment', 'grpcLb.cleanUp', 'grpcLb.startLocalLab', 'grpcLb.installIstio', 'grpcLb.openKiali',
];

describe('Restricted Mode (untrusted workspace)', () => {
  it('no command and no workbook cell starts a process or reaches the cluster; each acting command says why', async () => {
    const requests: string[] = [];
    const api = createServer((req, res) => {
      requests.push(`${req.method} ${req.url}`);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
    await new Promise<void>((resolve) => api.listen(0, '127.0.0.1', resolve));
    const port = (api.address() as { port: number }).port;
    const folder = mkdtempSync(join(tmpdir(), 'grpc-lb-restricted-'));
    const kubeconfig = join(folder, 'config');
    writeFileSync(kubeconfig, JSON.stringify({
      apiVersion: 'v1', kind: 'Config', 'current-context': 'minikube',
      clusters: [{ name: 'minikube', cluster: { server: `http://127.0.0.1:${port}`, 'insecure-skip-tls-verify': true } }],
      users: [{ name: 'minikube', user: { token: 't' } }],
      contexts: [{ name: 'minikube', context: { cluster: 'minikube', user: 'minikube' } }],
    }));
    const savedKubeconfig = process.env.KUBECONFIG;
    process.env.KUBECONFIG = kubeconfig;

    const cp = load('node:child_process') as Record<string, unknown>;
    const spawned: string[] = [];
    const originals = new Map<string, unknown>();
    for (const name of ['spawn', 'execFile', 'exec', 'fork', 'spawnSync', 'execFileSync', 'execSync']) {
      originals.set(name, cp[name]);
      cp[name] = (...args: unknown[]) => {
        spawned.push(`${name} ${String(args[0])}`);
        throw new Error(`${name} in Restricted Mode`);
      };
    }
    for (const id of Object.keys(load.cache)) if (id.startsWith(join(ROOT, 'extension'))) delete load.cache[id];
    const standIn = installVscodeStandIn({ trusted: false });
    try {
      const ext = load(join(ROOT, 'extension', 'extension.ts')) as { activate(ctx: unknown): void };
      const memento = { get: () => undefined, update: async () => undefined, keys: () => [] };
      ext.activate({ subscriptions: [], extensionPath: ROOT, extensionUri: { fsPath: ROOT }, globalState: memento, workspaceState: memento });
      const handlers = new Map(
        standIn.calls.filter((c) => c.path === 'vscode.commands.registerCommand').map((c) => [String(c.args[0]), c.args[1] as (...a: unknown[]) => unknown]),
      );
      const refusedBy = new Set<string>();
      for (const [id, handler] of handlers) {
        for (const args of [[], ['headless'], ['scale-up']]) {
          const before = standIn.calls.length;
          // A handler that reaches past the trust check meets stand-in objects and may throw or wait: either is fine here.
          await Promise.race([Promise.resolve().then(() => handler(...args)).catch(() => undefined), delay(500)]);
          const shown = standIn.calls.slice(before).some((c) => c.path === 'vscode.window.showWarningMessage' && c.args[0] === TRUST_MESSAGE);
          if (shown) refusedBy.add(id);
        }
      }
      for (const id of ACTING) assert.ok(handlers.has(id), `${id} is registered`);
      assert.deepEqual(ACTING.filter((id) => !refusedBy.has(id)), [], 'every acting command shows the trust message');

      const created = standIn.calls.filter((c) => c.path === 'vscode.notebooks.createNotebookController');
      assert.equal(created.length, 1, 'one workbook controller');
      const { executeHandler } = created[0].result as { executeHandler: (cells: unknown[], notebook: unknown) => Promise<void> };
      const errors: string[] = [];
      const cell = (languageId: string, text: string) => ({
        document: { languageId, getText: () => text },
      });
      const before = standIn.calls.length;
      const notebook = { uri: { fsPath: join(ROOT, 'walkthroughs', 'workbooks', 'headless.grpclb.md') }, notebookType: 'grpclb-workbook' };
      await Promise.race([executeHandler([cell('grpclb', 'apply headless\ntail headless'), cell('shellscript', 'kubectl get pods')], notebook), delay(2000)]);
      for (const c of standIn.calls.slice(before)) {
        if (/NotebookCellOutputItem\.(error|stderr|text)$/.test(c.path)) errors.push(String((c.args[0] as { message?: string })?.message ?? c.args[0]));
      }
      await delay(200);
      assert.deepEqual(spawned, [], 'no process started');
      assert.deepEqual(requests, [], 'no request reached the cluster');
      assert.ok(errors.some((e) => e.includes(TRUST_MESSAGE)), `the cell says why it did not run (outputs: ${errors.join(' | ')})`);
    } finally {
      standIn.restore();
      for (const [name, fn] of originals) cp[name] = fn;
      if (savedKubeconfig === undefined) delete process.env.KUBECONFIG;
      else process.env.KUBECONFIG = savedKubeconfig;
      api.close();
      rmSync(folder, { recursive: true, force: true });
    }
  });
});
