import * as vscode from 'vscode';
import { isChapterId, type ChapterId } from '../../samples/common/catalog';
import { MAX_REPLICAS } from '../core/workbook/actions';
import * as ops from '../operations';
import type { Services } from '../services';
import { ASK, chapterArgOrPick, chapterTitle, requireTrust, runWithProgress } from './util';

/** grpcLb.applyChapter(chapterId?), grpcLb.scaleServers(replicas?, chapterId?), grpcLb.cleanUp(chapterId | 'all'?). */
export function registerClusterCommands(services: Services): vscode.Disposable[] {
  let lastChapter: ChapterId | undefined;
  return [
    vscode.commands.registerCommand('grpcLb.applyChapter', async (arg?: unknown) => {
      if (!requireTrust()) return;
      const picked = await chapterArgOrPick(arg, { deployableOnly: true, title: vscode.l10n.t('Apply which chapter to the cluster?') });
      if (!picked || !isChapterId(picked)) return;
      const report = await runWithProgress(services, 'cluster', vscode.l10n.t('Applying chapter: {0}', chapterTitle(picked)), (sink) =>
        ops.applyChapter(services, picked, sink),
      );
      if (!report) return;
      lastChapter = picked;
      const tail = vscode.l10n.t('Tail Client Logs');
      const choice = await vscode.window.showInformationMessage(
        vscode.l10n.t('Chapter {0} is running in context "{1}" ({2} objects applied, all pods ready).', picked, report.context, report.applied.length),
        tail,
      );
      if (choice === tail) await vscode.commands.executeCommand('grpcLb.tailClientLogs', picked);
    }),
    vscode.commands.registerCommand('grpcLb.scaleServers', async (replicasArg?: unknown, chapterArg?: unknown) => {
      if (!requireTrust()) return;
      let replicas = typeof replicasArg === 'number' ? replicasArg : typeof replicasArg === 'string' ? Number(replicasArg) : NaN;
      // No count, or one out of range (a link or keybinding argument): ask, with it as the suggestion.
      if (!Number.isInteger(replicas) || replicas < 0 || replicas > MAX_REPLICAS) {
        const input = await vscode.window.showInputBox({
          ...ASK,
          title: vscode.l10n.t('Scale greeter-server'),
          prompt: vscode.l10n.t('Number of greeter-server pods (0–{0})', MAX_REPLICAS),
          value: Number.isFinite(replicas) ? String(replicas) : '5',
          validateInput: (v) => (/^\d+$/.test(v) && Number(v) <= MAX_REPLICAS ? undefined : vscode.l10n.t('A whole number from 0 to {0}', MAX_REPLICAS)),
        });
        if (input === undefined) return;
        replicas = Number(input);
      }
      const chapter = typeof chapterArg === 'string' && isChapterId(chapterArg) ? chapterArg : lastChapter;
      const result = await runWithProgress(services, 'cluster', vscode.l10n.t('Scaling greeter-server to {0}', replicas), (sink) =>
        ops.scaleServers(services, { chapter, replicas }, sink),
      );
      if (result) {
        void vscode.window.showInformationMessage(vscode.l10n.t('{0}/{1} now runs {2} ready pods.', result.namespace, result.deployment, result.replicas));
      }
    }),
    vscode.commands.registerCommand('grpcLb.cleanUp', async (arg?: unknown) => {
      if (!requireTrust()) return;
      const picked = await chapterArgOrPick(arg, {
        deployableOnly: true,
        title: vscode.l10n.t('Clean up what?'),
        extra: [{ id: 'all', label: vscode.l10n.t('Everything this tutorial created') }],
      });
      if (!picked || (picked !== 'all' && !isChapterId(picked))) return;
      const target = picked as ChapterId | 'all';
      const report = await runWithProgress(services, 'cluster', vscode.l10n.t('Cleaning up'), (sink) => ops.cleanUp(services, target, sink));
      if (report) {
        const done =
          report.deleted.length === 0
            ? vscode.l10n.t('Nothing to clean up in context "{0}".', report.context)
            : vscode.l10n.t('Deleted {0} objects labelled app.kubernetes.io/part-of=grpc-lb-lab in context "{1}".', report.deleted.length, report.context);
        const kept = [...new Set(report.kept.map((k) => k.usedBy))];
        void vscode.window.showInformationMessage(
          kept.length === 0 ? done : `${done} ${vscode.l10n.t('Kept {0} shared objects that chapter {1} still uses.', report.kept.length, kept.join(', '))}`,
        );
      }
    }),
  ];
}
