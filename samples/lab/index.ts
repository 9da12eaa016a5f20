/**
 * The local lab's pure API: every chapter's lesson as a measured experiment with real gRPC servers
 * and clients on loopback — no cluster. Used by the CLI (`npm start`) and by the VS Code extension
 * (which feeds a TrafficModel from `onLine`). No console output and no process.exit here.
 */
import { LAB_SCENARIO_IDS, type LabScenarioId } from '../common/catalog';
import { LabContext, type LabRunOptions } from './context';
import { isCancellation } from '../common/errors';
import { LabAbortedError, UnknownScenarioError } from './errors';
import { CLAIMS, type LabReport, type ScenarioReport } from './report';
import { runClusterIp } from './scenarios/clusterip';
import { runEtcd } from './scenarios/etcd';
import { runHeadless } from './scenarios/headless';
import { runMaxAge } from './scenarios/maxAge';
import { runPickFirst } from './scenarios/pickFirst';
import { runRollout } from './scenarios/rollout';

export { DEFAULT_TIMINGS } from './context';
export type { LabLineOrigin, LabProcessInfo, LabProgress, LabRunOptions, LabTimings } from './context';
export { LabAbortedError, LabError, LabProcessError, UnknownScenarioError } from './errors';
export { CLAIMS, renderScenario, renderSummary, verdict } from './report';
export type { Figure, LabReport, ScenarioReport } from './report';
export { ETCD_SKIPPED } from './scenarios/etcd';

const SCENARIOS: Record<LabScenarioId, (ctx: LabContext) => Promise<ScenarioReport>> = {
  clusterip: runClusterIp,
  headless: runHeadless,
  'pick-first': runPickFirst,
  'max-age': runMaxAge,
  etcd: runEtcd,
  rollout: runRollout,
};

/** Scenario ids in tour order. */
export const SCENARIO_IDS: readonly LabScenarioId[] = LAB_SCENARIO_IDS;

export function isScenarioId(value: string): value is LabScenarioId {
  return (SCENARIO_IDS as readonly string[]).includes(value);
}

/**
 * Runs one scenario and resolves its measured report. Whatever happens (success, failure, abort),
 * every process, port and temp dir it started is gone when the promise settles.
 * Rejects with LabAbortedError on abort, with a LabError when a process fails.
 */
export async function runScenario(id: string, options: LabRunOptions = {}): Promise<ScenarioReport> {
  if (!isScenarioId(id)) throw new UnknownScenarioError(id, SCENARIO_IDS);
  if (options.signal?.aborted) throw new LabAbortedError();
  const ctx = new LabContext(id, options);
  try {
    return await SCENARIOS[id](ctx);
  } catch (error) {
    if (options.signal?.aborted) throw new LabAbortedError();
    throw error;
  } finally {
    await ctx.dispose();
  }
}

export interface TourOptions extends LabRunOptions {
  /** Which scenarios, in order (default: all). */
  scenarios?: readonly string[];
  /** Called as each scenario's report is ready (the CLI prints it at once). */
  onReport?: (report: ScenarioReport) => void;
}

/**
 * Runs scenarios one after another. A scenario that fails is reported (`holds: false`,
 * `figures.error`) and the tour goes on; an abort stops the tour and rejects with LabAbortedError.
 */
export async function runTour(options: TourOptions = {}): Promise<LabReport> {
  const ids = options.scenarios ?? SCENARIO_IDS;
  for (const id of ids) if (!isScenarioId(id)) throw new UnknownScenarioError(id, SCENARIO_IDS);
  const scenarios: ScenarioReport[] = [];
  for (const id of ids as readonly LabScenarioId[]) {
    let report: ScenarioReport;
    try {
      report = await runScenario(id, options);
    } catch (error) {
      if (isCancellation(error) || options.signal?.aborted) throw new LabAbortedError();
      report = {
        id,
        claim: CLAIMS[id],
        holds: false,
        figures: { error: error instanceof Error ? error.message : String(error) },
        distribution: {},
      };
    }
    scenarios.push(report);
    options.onReport?.(report);
  }
  return { scenarios };
}
