import * as vscode from 'vscode';
import { getChapter, type ChapterId } from '../samples/common/catalog';
import { minikubeDockerEnv } from './core/toolchain/minikube';
import { chapterOfWorkbook } from './core/workbook/paths';
import { runShellCell } from './core/workbook/shellCell';
import { formatAction, parseActionCell, type WorkbookAction } from './core/workbook/actions';
import { presentError, showPresentation } from './commands/errors';
import { formatActionError } from './commands/format';
import type { OperationSink } from './commands/util';
import * as ops from './operations';
import type { Services } from './services';
import { WORKBOOK_NOTEBOOK_TYPE } from './workbook/workbookSerializer';

const CONTROLLER_ID = 'grpcLb.workbookController';
const SHELL_LANGUAGES = new Set(['shellscript', 'sh', 'bash']);
/** Streamed lines shown per action in a cell. */
const MAX_STREAMED_LINES = 200;

/**
 * Runs workbook cells: ```grpclb cells through the same operations as the command palette, streaming
 * their output into the cell (stop button = cancellation), and ```sh cells in bash, pinned to the
 * kube context the guard allowed (see core/workbook/shellCell.ts).
 */
export class WorkbookController implements vscode.Disposable {
  private readonly controller: vscode.NotebookController;
  private executionOrder = 0;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(private readonly services: Services) {
    this.controller = vscode.notebooks.createNotebookController(CONTROLLER_ID, WORKBOOK_NOTEBOOK_TYPE, vscode.l10n.t('gRPC LB Workbook'));
    this.controller.supportedLanguages = ['grpclb', 'shellscript'];
    this.controller.supportsExecutionOrder = true;
    this.controller.description = vscode.l10n.t('Runs grpclb actions and shell cells');
    this.controller.executeHandler = (cells, notebook) => this.executeCells(cells, notebook);
    const prefer = (nb: vscode.NotebookDocument): void => {
      if (nb.notebookType === WORKBOOK_NOTEBOOK_TYPE) this.controller.updateNotebookAffinity(nb, vscode.NotebookControllerAffinity.Preferred);
    };
    vscode.workspace.notebookDocuments.forEach(prefer);
    this.disposables.push(
      this.controller,
      vscode.workspace.onDidOpenNotebookDocument(prefer),
    );
  }

  dispose(): void {
    for (const d of this.disposables.splice(0)) d.dispose();
  }

  private async executeCells(cells: vscode.NotebookCell[], notebook: vscode.NotebookDocument): Promise<void> {
    // One after another: a cell that applies a chapter must finish before the next one tails it.
    // Run All stops at the first failed cell, as a script stops at its first failed command.
    for (const cell of cells) {
      if (!(await this.executeCell(cell, notebook)) && cells.length > 1) return;
    }
  }

  /** Runs one cell; resolves with whether it succeeded. */
  private async executeCell(cell: vscode.NotebookCell, notebook: vscode.NotebookDocument): Promise<boolean> {
    const execution = this.controller.createNotebookCellExecution(cell);
    execution.executionOrder = ++this.executionOrder;
    execution.start(Date.now());
    const writer = new CellWriter(execution);
    await writer.clear();
    if (!vscode.workspace.isTrusted) {
      await writer.error(vscode.l10n.t('gRPC LB runs tools and changes clusters only in a trusted workspace.'));
      execution.end(false, Date.now());
      return false;
    }
    const ac = new AbortController();
    const sub = execution.token.onCancellationRequested(() => ac.abort());
    let ok = false;
    try {
      if (cell.document.languageId !== 'grpclb' && !SHELL_LANGUAGES.has(cell.document.languageId)) {
        // ```console transcripts, YAML, … are shown, never run.
        writer.line(vscode.l10n.t('This cell is for reading; only grpclb and sh cells run.'));
        ok = true;
      } else if (SHELL_LANGUAGES.has(cell.document.languageId)) {
        ok = await this.runShellCell(cell, writer, ac.signal);
      } else {
        ok = await this.runActionCell(cell, notebook, writer, ac.signal);
      }
    } finally {
      sub.dispose();
      await writer.flush();
      execution.end(ok, Date.now());
    }
    return ok;
  }

  private async runActionCell(cell: vscode.NotebookCell, notebook: vscode.NotebookDocument, writer: CellWriter, signal: AbortSignal): Promise<boolean> {
    const { actions, errors } = parseActionCell(cell.document.getText());
    if (errors.length > 0) {
      // Nothing runs when any line is wrong, so a typo on line 3 leaves nothing half done.
      for (const e of errors) await writer.error(vscode.l10n.t('line {0}: {1}', e.line + 1, formatActionError(e)));
      return false;
    }
    const chapter = chapterOfWorkbook(notebook.uri.fsPath);
    for (const { action } of actions) {
      if (signal.aborted) return false;
      writer.line(`▶ ${formatAction(action)}`);
      // A tail or a lab streams a line per RPC: show the first ones, count the rest (a cell that
      // grows without bound slows the editor down); progress and the summary always show.
      let streamed = 0;
      const hidden = (): number => Math.max(0, streamed - MAX_STREAMED_LINES);
      const sink: OperationSink = {
        signal,
        line: (t) => {
          if (++streamed <= MAX_STREAMED_LINES) writer.line(t);
          else if (streamed === MAX_STREAMED_LINES + 1) writer.line(vscode.l10n.t('… further lines are counted, not shown here (the traffic view keeps counting)'));
        },
        progress: (t) => writer.line(`… ${t}`),
      };
      const flushHidden = (): void => {
        if (hidden() > 0) writer.line(vscode.l10n.t('… {0} more lines not shown', hidden()));
      };
      try {
        const summary = await this.runAction(action, chapter, sink);
        flushHidden();
        for (const l of summary) writer.line(`→ ${l}`);
      } catch (err) {
        flushHidden();
        // Stopped by the user: a tail runs until stopped, so that is its normal end.
        if (!(await this.reportCellError(writer, err))) return action.kind === 'tail';
        return false;
      }
    }
    return true;
  }

  /** Runs one action; returns summary lines. */
  private async runAction(action: WorkbookAction, chapter: ChapterId | undefined, sink: OperationSink): Promise<string[]> {
    const s = this.services;
    switch (action.kind) {
      case 'doctor': {
        const r = await ops.doctor(s, sink);
        return [r.ready ? vscode.l10n.t('ready') : vscode.l10n.t('not ready yet: see the lines marked ✖')];
      }
      case 'startMinikube':
        await ops.startMinikube(s, sink);
        return [vscode.l10n.t('minikube is running.')];
      case 'buildImages': {
        const r = await ops.buildImages(s, sink);
        return [vscode.l10n.t('built {0}', r.images.join(', '))];
      }
      case 'apply': {
        const r = await ops.applyChapter(s, action.chapter, sink);
        return [vscode.l10n.t('chapter {0} applied to context "{1}"; all pods ready', action.chapter, r.context)];
      }
      case 'scale': {
        const r = await ops.scaleServers(s, { chapter: chapterForNamespace(chapter), deployment: action.deployment, replicas: action.replicas }, sink);
        return [vscode.l10n.t('{0}/{1}: {2} pods ready', r.namespace, r.deployment, r.replicas)];
      }
      case 'clean': {
        const r = await ops.cleanUp(s, action.chapter, sink);
        const kept = [...new Set(r.kept.map((k) => k.usedBy))];
        return [
          vscode.l10n.t('deleted {0} objects', r.deleted.length),
          ...(kept.length ? [vscode.l10n.t('Kept {0} shared objects that chapter {1} still uses.', r.kept.length, kept.join(', '))] : []),
        ];
      }
      case 'installIstio': {
        const context = await ops.installIstio(s, sink);
        return [vscode.l10n.t('Istio, Prometheus and Kiali installed into context "{0}"', context)];
      }
      case 'openKiali': {
        const url = await ops.openKiali(s, sink);
        return url ? [vscode.l10n.t('Kiali: {0}', url)] : [];
      }
      case 'tail':
      case 'experiment':
      case 'lab': {
        const traffic = s.traffic.get();
        if (!traffic) throw new Error(vscode.l10n.t('the traffic features are not loaded'));
        const options = { signal: sink.signal, onLine: (l: string) => sink.line(l) };
        const r =
          action.kind === 'tail'
            ? await traffic.tail(action.chapter, options)
            : action.kind === 'lab'
              ? await traffic.runLab(action.scenario, options)
              : await traffic.runExperiment(action.experiment, { ...options, chapter: chapterForNamespace(chapter) });
        return r.summary;
      }
    }
  }

  /**
   * ```sh cells run in bash as a child process, pinned to the current context once the guard allows it
   * (the same question as any write), streaming into the cell; the cell fails with its exit code.
   */
  private async runShellCell(cell: vscode.NotebookCell, writer: CellWriter, signal: AbortSignal): Promise<boolean> {
    const script = cell.document.getText().trimEnd();
    const target = this.services.cluster.currentTarget();
    const context = target?.name;
    try {
      if (target) await this.services.guard.ensureWritable(target);
      const env = /\bdocker\b/.test(script) ? await this.dockerEnv(writer, signal) : {};
      // The learner's workspace folder (a clone, if they opened one), else the extension's folder.
      const cwd = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? this.services.extensionRoot;
      if (context) writer.line(vscode.l10n.t('$ (kube context "{0}")', context));
      let streamed = 0;
      const exitCode = await runShellCell(this.services.runner, {
        script,
        env,
        cwd,
        ...(context ? { pin: { kubeConfig: this.services.kubeConfig(), context } } : {}),
        signal,
        onLine: (line) => {
          if (++streamed <= MAX_STREAMED_LINES) writer.line(line);
        },
      });
      if (streamed > MAX_STREAMED_LINES) writer.line(vscode.l10n.t('… {0} more lines not shown', streamed - MAX_STREAMED_LINES));
      if (exitCode === 0) return true;
      await writer.error(vscode.l10n.t('The shell cell failed (exit code {0}); the cells after it did not run.', String(exitCode)));
      return false;
    } catch (err) {
      await this.reportCellError(writer, err);
      return false;
    }
  }

  /**
   * A cell's error, shown once: in the cell's output (and the Workbook log). A notification comes only with a
   * fix the output cannot offer (a button such as Build Images), never to repeat the words. False when the
   * learner stopped the cell.
   */
  private async reportCellError(writer: CellWriter, err: unknown): Promise<boolean> {
    const output = () => this.services.channel('workbook').show(true);
    const p = presentError(err, { guard: this.services.guard, showOutput: output, imagesReach: this.services.imagesReach });
    if (!p) {
      writer.line(vscode.l10n.t('■ stopped'));
      return false;
    }
    this.services.channel('workbook').error(err instanceof Error ? err : String(err));
    await writer.error(p.detail ? `${p.message}\n${p.detail}` : p.message);
    const fixes = p.fixes.filter((f) => f.run !== output);
    if (fixes.length > 0) void showPresentation({ message: p.message, fixes });
    return true;
  }

  /** minikube's docker-env for cells that call docker; within 10 s, else the learner's own Docker settings. */
  private async dockerEnv(writer: CellWriter, signal: AbortSignal): Promise<Record<string, string>> {
    try {
      const profile = this.services.settings.minikubeProfile();
      return await minikubeDockerEnv(this.services.runner, { signal: AbortSignal.any([signal, AbortSignal.timeout(10_000)]), ...(profile ? { profile } : {}) });
    } catch (err) {
      if (signal.aborted) throw err;
      writer.line(vscode.l10n.t("(minikube's docker-env is not available, the cell uses your own Docker settings: {0})", err instanceof Error ? err.message : String(err)));
      return {};
    }
  }
}

/** The workbook's chapter when it deploys something (scale/experiment then target its namespace). */
function chapterForNamespace(chapter: ChapterId | undefined): ChapterId | undefined {
  return chapter && getChapter(chapter).namespace ? chapter : undefined;
}

/**
 * Streams text into a cell's output: lines are batched (at most ~4 updates a second) into one
 * stdout output; errors go to a separate stderr item.
 */
class CellWriter {
  private output: vscode.NotebookCellOutput | undefined;
  private buffer: string[] = [];
  private timer: NodeJS.Timeout | undefined;
  private chain: Promise<unknown> = Promise.resolve();

  constructor(private readonly execution: vscode.NotebookCellExecution) {}

  async clear(): Promise<void> {
    this.output = new vscode.NotebookCellOutput([]);
    await this.execution.replaceOutput([this.output]);
  }

  line(text: string): void {
    this.buffer.push(text);
    this.timer ??= setTimeout(() => void this.flush(), 250);
  }

  async error(text: string): Promise<void> {
    await this.flush();
    await this.enqueue(() => this.execution.appendOutputItems(vscode.NotebookCellOutputItem.stderr(text + '\n'), this.output!));
  }

  async flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.buffer.length === 0) return this.chain.then(() => undefined);
    const text = this.buffer.join('\n') + '\n';
    this.buffer = [];
    await this.enqueue(() => this.execution.appendOutputItems(vscode.NotebookCellOutputItem.stdout(text), this.output!));
  }

  private enqueue(fn: () => Thenable<void>): Promise<void> {
    const next = this.chain.then(fn, fn);
    this.chain = next.catch(() => undefined);
    return next as Promise<void>;
  }
}

export function registerWorkbookController(context: vscode.ExtensionContext, services: Services): void {
  context.subscriptions.push(new WorkbookController(services));
}
