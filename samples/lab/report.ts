import type { LabScenarioId } from '../common/catalog';
import { maxDisplayWidth, padEndToWidth, padStartToWidth } from '../common/displayWidth';
import { naturalCompare } from '../common/naturalOrder';
import { FIGURES, figureLabelOf } from '../common/figures';

/** A measured figure: a number (ms, counts), null when the event did not happen within its window, or a note. */
export type Figure = number | null | string | boolean;

/**
 * One scenario's measured result — the JSON shape of `npm start -- --json` (issue 4):
 * `{"id","claim","holds","figures":{…},"distribution":{"<client>":{"<server>":count}}}`.
 * `figures.skipped` (a string) is set when the scenario could not run here (etcd not installed),
 * `figures.error` when it failed; `holds` is false in both cases.
 */
export interface ScenarioReport {
  id: LabScenarioId;
  /** The chapter's claim, in one English sentence. */
  claim: string;
  /** Whether the measurement supports the claim. */
  holds: boolean;
  figures: Record<string, Figure>;
  /** client → server → successful RPCs over the whole scenario. */
  distribution: Record<string, Record<string, number>>;
}

export interface LabReport {
  scenarios: ScenarioReport[];
}

export const CLAIMS: Record<LabScenarioId, string> = {
  clusterip:
    'Behind an L4 proxy that balances connections (a ClusterIP Service), each gRPC client sends every RPC to one server.',
  headless:
    'DNS with round_robin spreads RPCs over every server, but a server added later gets no RPC until a connection drops.',
  'pick-first':
    "gRPC's default policy, pick_first, sends every RPC to one of the name's addresses; round_robin, set in the service config, uses them all.",
  'max-age':
    'Server max_connection_age plus client dns_min_time_between_resolutions make a scaled-up server get RPCs within about the age.',
  etcd: 'Servers registered in etcd under a lease are used within a second, and a killed server leaves the registry within its lease TTL.',
  rollout:
    'A graceful rolling restart (SIGTERM: NOT_SERVING, drain, shutdown) fails no RPC; an abrupt one (SIGKILL) fails the RPCs in flight.',
};

/**
 * The words of a verdict, with the measured figures already formatted (`ms`: "123 ms" or "never").
 * The CLI uses English; the extension passes the UI language's.
 */
export interface VerdictStrings {
  skipped(reason: string): string;
  failed(reason: string): string;
  mark(holds: boolean): string;
  never: string;
  clusterip(mark: string, serversPerClient: string, servers: string): string;
  /** `discovered` is undefined when the new server got no RPC within `window`. */
  headless(mark: string, serversHit: string, servers: string, discovered: string | undefined, window: string): string;
  pickFirst(mark: string, pickFirstServers: string, roundRobinServers: string, servers: string): string;
  /** `ageOnly` is undefined when the age alone brought no RPC within `ageOnlyWindow`. */
  maxAge(mark: string, bothKnobs: string, age: string, ageOnly: string | undefined, ageOnlyWindow: string): string;
  etcd(mark: string, discovered: string, killRemoved: string, ttl: string): string;
  rollout(mark: string, failedGraceful: string, failedAbrupt: string): string;
}

export const ENGLISH_VERDICT: VerdictStrings = {
  skipped: (reason) => `SKIPPED — ${reason}`,
  failed: (reason) => `FAILED — ${reason}`,
  mark: (holds) => (holds ? 'HOLDS' : 'DOES NOT HOLD'),
  never: 'never',
  clusterip: (mark, perClient, servers) => `${mark}: each client used ${perClient} server(s) of ${servers}; the proxy balanced connections, not RPCs.`,
  headless: (mark, hit, servers, discovered, window) =>
    `${mark}: every client used ${hit} of ${servers} servers; the scaled-up server ` +
    (discovered === undefined ? `got no RPC within ${window} (grpc-js did not re-resolve DNS).` : `got its first RPC after ${discovered}.`),
  pickFirst: (mark, pickFirst, roundRobin, servers) =>
    `${mark}: the pick_first client used ${pickFirst} of ${servers} servers; the round_robin client used ${roundRobin}.`,
  maxAge: (mark, both, age, ageOnly, window) =>
    `${mark}: with both knobs the new server got RPCs after ${both} (age ${age}); with the age alone ` +
    (ageOnly === undefined ? `not within ${window}.` : `after ${ageOnly}.`),
  etcd: (mark, discovered, killRemoved, ttl) => `${mark}: a new server got RPCs after ${discovered}; a kill -9 left the registry after ${killRemoved} (lease TTL ${ttl}).`,
  rollout: (mark, graceful, abrupt) => `${mark}: graceful rollout failed ${graceful} RPC(s); abrupt (SIGKILL) rollout failed ${abrupt}.`,
};

/** The one-line verdict on the chapter's claim, from the measured figures. */
export function verdict(report: ScenarioReport, words: VerdictStrings = ENGLISH_VERDICT): string {
  const f = report.figures;
  if (typeof f.skipped === 'string') return words.skipped(f.skipped);
  if (typeof f.error === 'string') return words.failed(f.error.split('\n')[0] ?? '');
  const mark = words.mark(report.holds);
  const ms = (value: Figure | undefined): string => (value === null || value === undefined ? words.never : typeof value === 'number' ? `${Math.round(value)} ms` : String(value));
  const text = (value: Figure | undefined): string => String(value);
  switch (report.id) {
    case 'clusterip':
      return words.clusterip(mark, text(f.serversPerClient), text(f.servers));
    case 'headless':
      return words.headless(mark, text(f.serversHit), text(f.servers), f.scaleUpDiscoveredMs === null ? undefined : ms(f.scaleUpDiscoveredMs), secs(f.windowMs));
    case 'pick-first':
      return words.pickFirst(mark, text(f.pickFirstServers), text(f.roundRobinServers), text(f.servers));
    case 'max-age':
      return words.maxAge(
        mark,
        ms(f.scaleUpDiscoveredMs),
        ms(f.maxConnectionAgeMs),
        f.ageOnlyScaleUpDiscoveredMs === null ? undefined : ms(f.ageOnlyScaleUpDiscoveredMs),
        secs(f.ageOnlyWindowMs),
      );
    case 'etcd':
      return words.etcd(mark, ms(f.scaleUpDiscoveredMs), ms(f.killRemovedMs), ms(f.leaseTtlMs));
    case 'rollout':
      return words.rollout(mark, text(f.failedRpcsGraceful), text(f.failedRpcsAbrupt));
  }
}

function secs(value: Figure | undefined): string {
  return typeof value === 'number' ? `${(value / 1000).toFixed(value % 1000 === 0 ? 0 : 1)} s` : String(value);
}

const BAR_WIDTH = 30;

/** The words of a rendered report besides the numbers (English for the CLI; the extension passes the UI language's). */
export interface ReportWords {
  /** The scenario's claim (the English sentence is CLAIMS[id]). */
  claim(id: LabScenarioId): string;
  /** `claim: …` and `verdict: …` line heads. */
  claimHead: string;
  verdictHead: string;
  /** `(12 RPCs)` after a client. */
  clientRpcs(count: number): string;
  figureLabel(key: string): string;
  figure(key: string, value: Figure): string;
  verdict: VerdictStrings;
}

export const ENGLISH_REPORT: ReportWords = {
  claim: (id) => CLAIMS[id],
  claimHead: 'claim',
  verdictHead: 'verdict',
  clientRpcs: (count) => `(${count} RPCs)`,
  figureLabel: figureLabelOf,
  figure: (key, value) => formatFigure(key, value),
  verdict: ENGLISH_VERDICT,
};

/**
 * Human rendering of one scenario: title, per-client bar chart of server shares, the figures,
 * and the verdict. Plain text (no colours), so it reads the same in a terminal, a log or a notebook cell.
 */
export function renderScenario(report: ScenarioReport, words: ReportWords = ENGLISH_REPORT): string {
  const lines: string[] = [];
  lines.push(`== ${report.id} ==`);
  lines.push(`${words.claimHead}: ${words.claim(report.id)}`);
  const clients = Object.keys(report.distribution);
  if (clients.length > 0) {
    const serverWidth = Math.max(6, maxDisplayWidth(clients.flatMap((c) => Object.keys(report.distribution[c]))));
    for (const client of clients) {
      const row = report.distribution[client];
      const total = Object.values(row).reduce((a, b) => a + b, 0);
      lines.push(`  ${client}  ${words.clientRpcs(total)}`);
      const servers = Object.keys(row).sort(naturalCompare);
      for (const server of servers) {
        const share = total === 0 ? 0 : row[server] / total;
        const filled = Math.round(share * BAR_WIDTH);
        const bar = '█'.repeat(filled) + '·'.repeat(BAR_WIDTH - filled);
        lines.push(
          `    ${padEndToWidth(server, serverWidth)} ${bar} ${padStartToWidth(`${Math.round(share * 100)}%`, 4)}  ${row[server]}`,
        );
      }
    }
  }
  const figureKeys = Object.keys(report.figures).filter((k) => k !== 'skipped' && k !== 'error');
  if (figureKeys.length > 0) {
    const labels = figureKeys.map((k) => words.figureLabel(k));
    // Padded by display width: a 简体中文 label is twice as wide as its length.
    const width = maxDisplayWidth(labels);
    figureKeys.forEach((key, i) => {
      lines.push(`  ${padEndToWidth(labels[i], width)}  ${words.figure(key, report.figures[key])}`);
    });
  }
  lines.push(`${words.verdictHead}: ${verdict(report, words.verdict)}`);
  return lines.join('\n');
}

function formatFigure(key: string, value: Figure): string {
  const unit = FIGURES[key]?.unit;
  if (value === null) return key.startsWith('ageOnly') || key.startsWith('scaleUp') ? 'not within the window' : '—';
  if (typeof value === 'number') {
    if (unit === 'ms') return `${Math.round(value)} ms`;
    return String(value);
  }
  return String(value);
}

/** A short summary table of a tour (one line per scenario). */
export function renderSummary(report: LabReport, elapsedMs?: number): string {
  const lines = ['== summary =='];
  const width = maxDisplayWidth(report.scenarios.map((s) => s.id));
  for (const s of report.scenarios) {
    lines.push(`  ${padEndToWidth(s.id, width)}  ${verdict(s)}`);
  }
  if (elapsedMs !== undefined) lines.push(`  tour took ${(elapsedMs / 1000).toFixed(1)} s`);
  return lines.join('\n');
}
