import { CHAPTER_IDS, LAB_SCENARIO_IDS, isChapterId, type ChapterId, type LabScenarioId } from '../../../samples/common/catalog';

/**
 * The action language of ```grpclb cells: one action per line, `#` starts a comment, blank lines are fine.
 * Each action maps to a command of the extension, so a cell does exactly what the command palette does.
 *
 *   doctor                      → grpcLb.doctor
 *   start minikube              → grpcLb.startMinikube
 *   build images                → grpcLb.buildImages
 *   apply <chapter>             → grpcLb.applyChapter(chapter)
 *   scale greeter-server <n>    → grpcLb.scaleServers (n in 0..20)
 *   tail <chapter>              → grpcLb.tailClientLogs(chapter)
 *   experiment <kind>           → grpcLb.runExperiment(kind): scale-up | scale-down | rollout
 *   lab <scenario>              → grpcLb.startLocalLab(scenario)
 *   clean <chapter>|all         → grpcLb.cleanUp(chapter | 'all')
 *   install istio               → grpcLb.installIstio (istiod + the Prometheus and Kiali add-ons)
 *   open kiali                  → grpcLb.openKiali
 */

export const EXPERIMENT_KINDS = ['scale-up', 'scale-down', 'rollout'] as const;
export type ExperimentKind = (typeof EXPERIMENT_KINDS)[number];

/** Deployments a workbook may scale. */
export const SCALABLE_DEPLOYMENTS = ['greeter-server'] as const;
export type ScalableDeployment = (typeof SCALABLE_DEPLOYMENTS)[number];

export const MAX_REPLICAS = 20;

export type WorkbookAction =
  | { kind: 'doctor' }
  | { kind: 'startMinikube' }
  | { kind: 'buildImages' }
  | { kind: 'apply'; chapter: ChapterId }
  | { kind: 'scale'; deployment: ScalableDeployment; replicas: number }
  | { kind: 'tail'; chapter: ChapterId }
  | { kind: 'experiment'; experiment: ExperimentKind }
  | { kind: 'lab'; scenario: LabScenarioId }
  /** `all` also deletes the tutorial's namespaces. */
  | { kind: 'clean'; chapter: ChapterId | 'all' }
  | { kind: 'installIstio' }
  | { kind: 'openKiali' };

/** The action lines as users write them, for error messages and completion. */
export const ACTION_SYNTAX: readonly string[] = [
  'doctor',
  'start minikube',
  'build images',
  'apply <chapter>',
  'scale greeter-server <replicas>',
  'tail <chapter>',
  'experiment <scale-up|scale-down|rollout>',
  'lab <scenario>',
  'clean <chapter|all>',
  'install istio',
  'open kiali',
];

export type ActionErrorCode =
  | 'unknown-action'
  | 'missing-argument'
  | 'extra-argument'
  | 'unknown-chapter'
  | 'chapter-deploys-nothing'
  | 'unknown-deployment'
  | 'bad-replicas'
  | 'unknown-experiment'
  | 'unknown-scenario';

/** Why a line is not a valid action: a code for adapters that localize, and a complete English message. */
export interface ActionError {
  code: ActionErrorCode;
  message: string;
  /** The word that was wrong, when there is one. */
  token?: string;
  /** What would have been accepted in its place. */
  expected: readonly string[];
}

export type ActionLineResult =
  | { ok: true; action: WorkbookAction }
  /** A blank line or a comment. */
  | { ok: true; action: null }
  | { ok: false; error: ActionError };

/** Chapters that deploy something: every chapter but `setup`. */
const DEPLOYABLE_IDS = CHAPTER_IDS.filter((id) => id !== 'setup');

function fail(code: ActionErrorCode, message: string, expected: readonly string[], token?: string): ActionLineResult {
  return { ok: false, error: { code, message, expected, ...(token !== undefined ? { token } : {}) } };
}

function chapterArg(verb: string, words: string[]): { chapter: ChapterId } | ActionLineResult {
  const [value, ...extra] = words;
  if (value === undefined) {
    return fail('missing-argument', `"${verb}" needs a chapter: ${verb} <chapter>, one of: ${DEPLOYABLE_IDS.join(', ')}`, DEPLOYABLE_IDS);
  }
  if (extra.length) return tooMany(verb, extra);
  if (!isChapterId(value)) {
    return fail('unknown-chapter', `unknown chapter "${value}"; expected one of: ${DEPLOYABLE_IDS.join(', ')}`, DEPLOYABLE_IDS, value);
  }
  if (value === 'setup') {
    return fail('chapter-deploys-nothing', `"${verb} setup" does nothing: the setup chapter deploys nothing; use one of: ${DEPLOYABLE_IDS.join(', ')}`, DEPLOYABLE_IDS, value);
  }
  return { chapter: value };
}

function tooMany(verb: string, extra: string[]): ActionLineResult {
  return fail('extra-argument', `unexpected "${extra.join(' ')}" after "${verb}"`, [], extra[0]);
}

function oneOf<T extends string>(value: string, valid: readonly T[]): value is T {
  return (valid as readonly string[]).includes(value);
}

/** Fixed two-word actions: `start minikube`, `build images`, `install istio`, `open kiali`. */
const PHRASES: Record<string, { object: string; action: WorkbookAction }> = {
  start: { object: 'minikube', action: { kind: 'startMinikube' } },
  build: { object: 'images', action: { kind: 'buildImages' } },
  install: { object: 'istio', action: { kind: 'installIstio' } },
  open: { object: 'kiali', action: { kind: 'openKiali' } },
};

/**
 * Parses one line of a ```grpclb cell. Blank lines and `#` comments give `action: null`; anything else is
 * either a typed action or an error that names the offending word and lists what would be valid.
 */
export function parseActionLine(line: string): ActionLineResult {
  const text = line.replace(/#.*$/, '').trim();
  if (!text) return { ok: true, action: null };
  const [verb, ...args] = text.split(/\s+/);
  switch (verb) {
    case 'doctor':
      return args.length ? tooMany(verb, args) : { ok: true, action: { kind: 'doctor' } };
    case 'start':
    case 'build':
    case 'install':
    case 'open': {
      const phrase = PHRASES[verb];
      if (args[0] !== phrase.object) {
        return fail(
          args[0] === undefined ? 'missing-argument' : 'unknown-action',
          `unknown action "${text}"; did you mean "${verb} ${phrase.object}"?`,
          [`${verb} ${phrase.object}`],
          args[0],
        );
      }
      return args.length > 1 ? tooMany(`${verb} ${phrase.object}`, args.slice(1)) : { ok: true, action: phrase.action };
    }
    case 'apply':
    case 'tail':
    case 'clean': {
      if (verb === 'clean' && args.length === 1 && args[0] === 'all') return { ok: true, action: { kind: 'clean', chapter: 'all' } };
      const parsed = chapterArg(verb, args);
      if (!('chapter' in parsed)) return parsed;
      return { ok: true, action: { kind: verb, chapter: parsed.chapter } as WorkbookAction };
    }
    case 'scale': {
      const [deployment, count, ...extra] = args;
      if (deployment === undefined || count === undefined) {
        return fail('missing-argument', `"scale" needs a deployment and a replica count: scale greeter-server <0..${MAX_REPLICAS}>`, SCALABLE_DEPLOYMENTS);
      }
      if (extra.length) return tooMany('scale', extra);
      if (!oneOf(deployment, SCALABLE_DEPLOYMENTS)) {
        return fail('unknown-deployment', `cannot scale "${deployment}"; expected one of: ${SCALABLE_DEPLOYMENTS.join(', ')}`, SCALABLE_DEPLOYMENTS, deployment);
      }
      if (!/^\d+$/.test(count) || Number(count) > MAX_REPLICAS) {
        return fail('bad-replicas', `replica count "${count}" must be a whole number from 0 to ${MAX_REPLICAS}`, [`0..${MAX_REPLICAS}`], count);
      }
      return { ok: true, action: { kind: 'scale', deployment, replicas: Number(count) } };
    }
    case 'experiment': {
      const [kind, ...extra] = args;
      if (kind === undefined) {
        return fail('missing-argument', `"experiment" needs a kind, one of: ${EXPERIMENT_KINDS.join(', ')}`, EXPERIMENT_KINDS);
      }
      if (extra.length) return tooMany('experiment', extra);
      if (!oneOf(kind, EXPERIMENT_KINDS)) {
        return fail('unknown-experiment', `unknown experiment "${kind}"; expected one of: ${EXPERIMENT_KINDS.join(', ')}`, EXPERIMENT_KINDS, kind);
      }
      return { ok: true, action: { kind: 'experiment', experiment: kind } };
    }
    case 'lab': {
      const [scenario, ...extra] = args;
      if (scenario === undefined) {
        return fail('missing-argument', `"lab" needs a scenario, one of: ${LAB_SCENARIO_IDS.join(', ')}`, LAB_SCENARIO_IDS);
      }
      if (extra.length) return tooMany('lab', extra);
      if (!oneOf(scenario, LAB_SCENARIO_IDS)) {
        return fail('unknown-scenario', `unknown lab scenario "${scenario}"; expected one of: ${LAB_SCENARIO_IDS.join(', ')}`, LAB_SCENARIO_IDS, scenario);
      }
      return { ok: true, action: { kind: 'lab', scenario } };
    }
    default:
      return fail('unknown-action', `unknown action "${verb}"; valid actions: ${ACTION_SYNTAX.join(' | ')}`, ACTION_SYNTAX, verb);
  }
}

export interface ParsedActionLine {
  /** 0-based line number within the cell. */
  line: number;
  action: WorkbookAction;
}

export interface ActionLineError extends ActionError {
  /** 0-based line number within the cell. */
  line: number;
}

/**
 * Parses a whole ```grpclb cell. A controller should refuse to run a cell with any error, so that a typo on
 * line 3 does not leave lines 1-2 half done.
 */
export function parseActionCell(source: string): { actions: ParsedActionLine[]; errors: ActionLineError[] } {
  const actions: ParsedActionLine[] = [];
  const errors: ActionLineError[] = [];
  source.split(/\r\n|\r|\n/).forEach((text, line) => {
    const result = parseActionLine(text);
    if (!result.ok) errors.push({ line, ...result.error });
    else if (result.action) actions.push({ line, action: result.action });
  });
  return { actions, errors };
}

/** The action line for an action (the inverse of parseActionLine), e.g. for showing what runs. */
export function formatAction(action: WorkbookAction): string {
  switch (action.kind) {
    case 'doctor':
      return 'doctor';
    case 'startMinikube':
      return 'start minikube';
    case 'buildImages':
      return 'build images';
    case 'installIstio':
      return 'install istio';
    case 'openKiali':
      return 'open kiali';
    case 'apply':
    case 'tail':
    case 'clean':
      return `${action.kind} ${action.chapter}`;
    case 'scale':
      return `scale ${action.deployment} ${action.replicas}`;
    case 'experiment':
      return `experiment ${action.experiment}`;
    case 'lab':
      return `lab ${action.scenario}`;
  }
}
