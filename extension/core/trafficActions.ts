import type { ChapterId, LabScenarioId } from '../../samples/common/catalog';
import type { Disposable } from '../../samples/common/event';

/**
 * What the workbook controller and the commands need from the traffic features (helper "traffic",
 * extension/traffic/**): run a lab scenario, tail a chapter's client logs, run an experiment — each
 * feeding the traffic view, streaming human-readable lines to the caller, stoppable by a signal.
 * The traffic module implements this and hands it over with `services.traffic.provide(impl)`.
 */
export interface TrafficActions {
  /** Runs a local-lab scenario (no cluster) and resolves with its report's summary lines. */
  runLab(scenario: LabScenarioId, options: TrafficRunOptions): Promise<TrafficRunResult>;
  /** Follows every client pod of the chapter until `signal` aborts; resolves then. */
  tail(chapter: ChapterId, options: TrafficRunOptions): Promise<TrafficRunResult>;
  /** Runs a named experiment (`scale-up`, `scale-down`, `rolling-restart`, …) against the chapter. */
  runExperiment(experiment: string, options: TrafficRunOptions & { chapter?: ChapterId }): Promise<TrafficRunResult>;
}

export interface TrafficRunOptions {
  signal?: AbortSignal;
  /** Human-readable progress/output lines (client log lines, measurements). */
  onLine?: (line: string) => void;
}

export interface TrafficRunResult {
  /** Short lines summarising the outcome (shown under a workbook cell or in a message). */
  summary: string[];
}

/**
 * A slot the traffic module fills at activation. The composition root creates it empty; consumers
 * read it when they run, so activation order does not matter.
 */
export class TrafficActionsSlot {
  private impl: TrafficActions | undefined;

  provide(impl: TrafficActions): Disposable {
    this.impl = impl;
    return {
      dispose: () => {
        if (this.impl === impl) this.impl = undefined;
      },
    };
  }

  get(): TrafficActions | undefined {
    return this.impl;
  }
}
