import * as vscode from 'vscode';
import type { ChapterId } from '../../samples/common/catalog';
import { TrafficError } from '../core/traffic/errors';
import type { ExperimentKind } from '../core/traffic/experiments';
import type { TrafficActions, TrafficRunResult } from '../core/trafficActions';
import { EXPERIMENT_KINDS } from '../core/workbook/actions';
import { readableLogLine, type ReadableLineStrings } from '../core/workbook/readableLine';
import { experimentHeadline, localizedExperimentReport, localizedReport, type TrafficController } from './trafficController';

/**
 * What the workbook's `tail`, `lab` and `experiment` cells run (handed to the notebook controller through
 * services.traffic): the same controller as the commands, with the cell's stream and summary lines.
 */
export function createTrafficActions(controller: TrafficController, followApplied: (chapter: ChapterId) => Promise<void>): TrafficActions {
  const lineStrings: ReadableLineStrings = {
    started: (client, target, lbPolicy) => vscode.l10n.t('{0} started: {1} ({2})', client, target, lbPolicy),
    summary: (client, succeeded, total) => vscode.l10n.t('{0} summary: {1}/{2} ok', client, succeeded, total),
    error: (client, message) => vscode.l10n.t('{0} error: {1}', client, message),
  };
  const cellLine = (line: string, pod?: string): string => readableLogLine(line, pod, lineStrings);

  return {
    async runLab(scenario, options): Promise<TrafficRunResult> {
      const sub = controller.onDidLine(({ line }) => options.onLine?.(cellLine(line)));
      try {
        const report = await controller.runLab(scenario, options.signal, (message) => options.onLine?.(`… ${message}`));
        return { summary: localizedReport(report).split('\n') };
      } finally {
        sub.dispose();
      }
    },
    async tail(chapter, options): Promise<TrafficRunResult> {
      await followApplied(chapter);
      let lines = 0;
      const sub = controller.onDidLine(({ pod, line }) => {
        lines++;
        options.onLine?.(cellLine(line, pod));
      });
      try {
        await new Promise<void>((resolve) => {
          if (!options.signal || options.signal.aborted) return resolve();
          options.signal.addEventListener('abort', () => resolve(), { once: true });
        });
      } finally {
        sub.dispose();
      }
      const snap = controller.model.snapshot();
      return {
        summary: [
          vscode.l10n.t('{0} lines from the client pods of chapter {1}; the traffic view keeps following them.', lines, chapter),
          ...snap.clients.map((c) => `${c.client}: ${c.servers.map((s) => `${s.server} ${Math.round(s.share * 100)}%`).join(', ')}`),
        ],
      };
    },
    async runExperiment(experiment, options): Promise<TrafficRunResult> {
      const kind = normalizeExperiment(experiment);
      if (!kind) throw new RangeError(`unknown experiment "${experiment}"; expected one of: ${EXPERIMENT_KINDS.join(', ')}`);
      const chapter = options.chapter ?? controller.followedChapter();
      if (!chapter) {
        throw new TrafficError('notDeployed', 'no chapter is being followed: run `tail <chapter>` (or pass a chapter) first');
      }
      const report = await controller.runExperiment(
        kind,
        chapter,
        options.signal,
        (message) => options.onLine?.(`… ${message}`),
        (pod, line) => options.onLine?.(cellLine(line, pod)),
      );
      return { summary: [experimentHeadline(report), ...localizedExperimentReport(report).split('\n')] };
    },
  };

}

/** Accepts the workbook's kinds and the longer `rolling-restart` spelling. */
export function normalizeExperiment(value: unknown): ExperimentKind | undefined {
  if (value === 'rolling-restart' || value === 'restart') return 'rollout';
  return typeof value === 'string' && (EXPERIMENT_KINDS as readonly string[]).includes(value) ? (value as ExperimentKind) : undefined;
}

