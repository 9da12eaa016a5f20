/**
 * Maps a TrafficModel snapshot to plain tree item descriptors for the `grpcLb.traffic` view:
 * client pods → server pods with count, share %, RPC/s, errors and last seen. Pure: the adapter
 * turns descriptors into vscode.TreeItems and passes localized `TrafficTreeStrings`.
 */
import { naturalCompare } from '../../../samples/common/naturalOrder';
import type { ClientTraffic, TrafficSnapshot } from '../../../samples/traffic/trafficModel';

/** What feeds the view: a chapter's pods on the cluster, or a local-lab scenario. */
export type TrafficSource =
  | { kind: 'cluster'; chapter: string; namespace: string; context?: string }
  | { kind: 'lab'; scenario: string };

export interface TooltipRow {
  /** Row id; the adapter may localize it via `TrafficTreeStrings.tooltipLabel`. */
  key: 'client' | 'server' | 'rpcs' | 'ok' | 'errors' | 'share' | 'rate' | 'lastSeen' | 'lastError' | 'skipped';
  label: string;
  value: string;
}

export interface TrafficTreeNode {
  /** Stable id (keeps expansion state across refreshes). */
  id: string;
  kind: 'client' | 'server' | 'errors' | 'waiting' | 'result' | 'figure';
  label: string;
  description: string;
  tooltip: { title: string; rows: TooltipRow[] };
  /** Codicon id. */
  icon: string;
  /** For `viewItem ==` menus. */
  contextValue: string;
  children: TrafficTreeNode[];
}

export interface TrafficTreeView {
  nodes: TrafficTreeNode[];
  /** Server pods that answered an RPC within the rate window; undefined when the view is empty. */
  badge: { value: number; tooltip: string } | undefined;
  /** View description: names the source, and "paused" when paused. */
  description: string;
}

/** Every user-visible string the mapping produces; English defaults, the adapter passes l10n. */
export interface TrafficTreeStrings {
  serverDescription(count: string, sharePercent: string, rate: string): string;
  /** A server that answered nothing within the rate window: count, share and when it was last seen. */
  idleServerDescription(count: string, sharePercent: string, ago: string): string;
  clientDescription(total: string, errors: number, rate: string): string;
  errorsLabel(errors: number): string;
  lastSeenAgo(seconds: number): string;
  waiting(source: string): string;
  badgeTooltip(servers: number): string;
  source(source: TrafficSource): string;
  paused(description: string): string;
  tooltipLabel(key: TooltipRow['key']): string;
}

export const englishTreeStrings: TrafficTreeStrings = {
  serverDescription: (count, share, rate) => `${count} · ${share}% · ${rate} rpc/s`,
  idleServerDescription: (count, share, ago) => `${count} · ${share}% · last seen ${ago}`,
  clientDescription: (total, errors, rate) =>
    errors > 0 ? `${total} RPCs · ${errors} errors · ${rate} rpc/s` : `${total} RPCs · ${rate} rpc/s`,
  errorsLabel: (n) => (n === 1 ? '1 failed RPC' : `${n} failed RPCs`),
  lastSeenAgo: (s) => (s < 1 ? 'just now' : `${Math.round(s)} s ago`),
  waiting: (source) => `Waiting for RPC log lines from ${source}…`,
  badgeTooltip: (n) => (n === 1 ? '1 server pod receiving traffic' : `${n} server pods receiving traffic`),
  source: (s) => (s.kind === 'cluster' ? `chapter ${s.chapter} (cluster)` : `lab: ${s.scenario}`),
  paused: (d) => `${d} — paused`,
  tooltipLabel: (key) =>
    ({
      client: 'Client pod',
      server: 'Server pod',
      rpcs: 'RPCs',
      ok: 'Succeeded',
      errors: 'Failed',
      share: 'Share of this client',
      rate: 'RPC/s (last 10 s)',
      lastSeen: 'Last seen',
      lastError: 'Last error',
      skipped: 'Non-RPC lines',
    })[key],
};

/** The last lab scenario or experiment, shown on top of the tree: a title and figure rows. */
export interface ResultSummary {
  id: string;
  title: string;
  /** One-line verdict or headline, shown as the description. */
  headline: string;
  rows: Array<{ label: string; value: string }>;
  ok: boolean;
}

export interface MapOptions {
  source?: TrafficSource;
  /** Last measured result (lab report or cluster experiment), pinned on top. */
  result?: ResultSummary;
  paused?: boolean;
  strings?: TrafficTreeStrings;
  /** Number formatting (the adapter passes the UI locale). */
  locale?: string;
}

function resultNode(result: ResultSummary): TrafficTreeNode {
  return {
    id: `result:${result.id}`,
    kind: 'result',
    label: result.title,
    description: result.headline,
    tooltip: { title: result.title, rows: [] },
    icon: result.ok ? 'beaker' : 'warning',
    contextValue: 'grpcLb.result',
    children: result.rows.map((row, i) => ({
      id: `result:${result.id}/${i}`,
      kind: 'figure' as const,
      label: row.label,
      description: row.value,
      tooltip: { title: `${row.label}: ${row.value}`, rows: [] },
      icon: 'dash',
      contextValue: 'grpcLb.figure',
      children: [],
    })),
  };
}

export function mapTrafficTree(snapshot: TrafficSnapshot, options: MapOptions = {}): TrafficTreeView {
  const s = options.strings ?? englishTreeStrings;
  const sourceText = options.source ? s.source(options.source) : '';
  const description = options.paused && sourceText ? s.paused(sourceText) : sourceText;
  const pinned: TrafficTreeNode[] = options.result ? [resultNode(options.result)] : [];

  if (snapshot.clients.length === 0) {
    // No source: empty, so the viewsWelcome (Start Local Lab / Apply a Chapter) shows.
    return { nodes: pinned.concat(options.source ? [waitingNode(s.waiting(sourceText))] : []), badge: undefined, description };
  }

  const now = snapshot.lastTs;
  const ctx: NodeContext = {
    s,
    n: (value, digits = 0) => value.toLocaleString(options.locale ?? 'en', { minimumFractionDigits: digits, maximumFractionDigits: digits }),
    ago: (t) => (Number.isFinite(now) && Number.isFinite(t) ? s.lastSeenAgo(Math.max(0, (now - t) / 1000)) : ''),
    row: (key, value) => ({ key, label: s.tooltipLabel(key), value }),
    // Pods of a cluster chapter get the pod menus (Show Logs, Delete This Pod); the lab's processes do not.
    pod: options.source?.kind === 'cluster' ? '.pod' : '',
    receiving: new Set<string>(),
  };
  const clients = [...snapshot.clients].sort((a, b) => naturalCompare(a.client, b.client));
  const nodes = pinned.concat(clients.map((client) => clientNode(client, ctx)));
  return { nodes, badge: { value: ctx.receiving.size, tooltip: s.badgeTooltip(ctx.receiving.size) }, description };
}

/** What the node builders share: wording, number and time formatting, and the servers seen receiving. */
interface NodeContext {
  s: TrafficTreeStrings;
  n(value: number, digits?: number): string;
  ago(t: number): string;
  row(key: TooltipRow['key'], value: string): TooltipRow;
  pod: string;
  /** Server pods that answered within the rate window (the badge), filled as the servers are mapped. */
  receiving: Set<string>;
}

function waitingNode(label: string): TrafficTreeNode {
  return { id: 'waiting', kind: 'waiting', label, description: '', tooltip: { title: label, rows: [] }, icon: 'loading~spin', contextValue: 'grpcLb.waiting', children: [] };
}

function clientNode(client: ClientTraffic, ctx: NodeContext): TrafficTreeNode {
  const { s, n, ago, row } = ctx;
  const servers = [...client.servers].sort((a, b) => naturalCompare(a.server, b.server));
  const rate = servers.reduce((sum, x) => sum + x.rpcPerSecond, 0);
  const children = servers.map((server) => serverNode(client.client, server, ctx));
  if (client.errors > 0) children.push(errorsNode(client, ctx));
  return {
    id: `client:${client.client}`,
    kind: 'client',
    label: client.client,
    description: s.clientDescription(n(client.total), client.errors, n(rate, 1)),
    tooltip: {
      title: client.client,
      rows: [
        row('client', client.client),
        row('rpcs', n(client.total)),
        row('ok', n(client.ok)),
        row('errors', n(client.errors)),
        row('rate', n(rate, 1)),
        row('lastSeen', `${new Date(client.lastSeen).toISOString()} (${ago(client.lastSeen)})`),
        ...(client.lastError ? [row('lastError', client.lastError)] : []),
      ],
    },
    icon: 'vm',
    contextValue: `grpcLb.client${ctx.pod}`,
    children,
  };
}

function serverNode(client: string, server: ClientTraffic['servers'][number], ctx: NodeContext): TrafficTreeNode {
  const { s, n, ago, row } = ctx;
  if (server.rpcPerSecond > 0) ctx.receiving.add(server.server);
  const share = n(server.share * 100, 1);
  return {
    id: `server:${client}/${server.server}`,
    kind: 'server',
    label: server.server,
    description:
      server.rpcPerSecond > 0
        ? s.serverDescription(n(server.count), share, n(server.rpcPerSecond, 1))
        : s.idleServerDescription(n(server.count), share, ago(server.lastSeen)),
    tooltip: {
      title: `${client} → ${server.server}`,
      rows: [
        row('server', server.server),
        row('rpcs', n(server.count)),
        row('share', `${share}%`),
        row('rate', n(server.rpcPerSecond, 1)),
        row('lastSeen', `${new Date(server.lastSeen).toISOString()} (${ago(server.lastSeen)})`),
      ],
    },
    icon: server.rpcPerSecond > 0 ? 'server-process' : 'debug-disconnect',
    contextValue: `grpcLb.server${ctx.pod}`,
    children: [],
  };
}

function errorsNode(client: ClientTraffic, ctx: NodeContext): TrafficTreeNode {
  const { s, n, row } = ctx;
  return {
    id: `errors:${client.client}`,
    kind: 'errors',
    label: s.errorsLabel(client.errors),
    description: client.lastError ?? '',
    tooltip: {
      title: s.errorsLabel(client.errors),
      rows: [row('errors', n(client.errors)), ...(client.lastError ? [row('lastError', client.lastError)] : [])],
    },
    icon: 'error',
    contextValue: 'grpcLb.errors',
    children: [],
  };
}
