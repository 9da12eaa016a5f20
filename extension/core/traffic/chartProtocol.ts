/**
 * Messages between the extension host and the traffic chart webview (extension/traffic/
 * trafficChartPanel.ts). Pure and vscode-free, so the host side and the webview script agree on one
 * typed shape, and the data shaping (shares per second) is tested with plain node.
 */
import { naturalCompare } from '../../../samples/common/naturalOrder';
import type { TrafficBucket } from '../../../samples/traffic/trafficModel';

/** Localized texts the webview shows (it has no access to vscode.l10n). */
export interface ChartStrings {
  title: string;
  empty: string;
  share: string;
  errors: string;
  /** "{0} RPCs in the last {1} s" style summary already formatted by the host. */
  summary: string;
}

export interface ChartData {
  /** Server pods, in a stable (natural) order; index = colour slot. */
  servers: string[];
  /** One point per second with traffic, oldest first. */
  points: ChartPoint[];
}

export interface ChartPoint {
  /** Start of the second, epoch ms. */
  t: number;
  /** Share 0..1 of that second's successful RPCs per server, aligned with `servers`. */
  shares: number[];
  ok: number;
  errors: number;
}

export type HostToChartMessage =
  | { type: 'strings'; strings: ChartStrings }
  | { type: 'data'; source: string; paused: boolean; data: ChartData };

export type ChartToHostMessage = { type: 'ready' } | { type: 'reset' };

/** Shapes the model's ring-buffer series for the chart; keeps at most `maxPoints` of the newest seconds. */
export function toChartData(buckets: readonly TrafficBucket[], maxPoints = 300): ChartData {
  const recent = buckets.slice(-maxPoints);
  const names = new Set<string>();
  for (const b of recent) for (const s of Object.keys(b.perServer)) names.add(s);
  const servers = [...names].sort(naturalCompare);
  const points = recent.map((b) => {
    const ok = servers.reduce((sum, s) => sum + (b.perServer[s] ?? 0), 0);
    return {
      t: b.t,
      shares: servers.map((s) => (ok === 0 ? 0 : (b.perServer[s] ?? 0) / ok)),
      ok,
      errors: b.errors,
    };
  });
  return { servers, points };
}

export function isChartToHostMessage(value: unknown): value is ChartToHostMessage {
  if (typeof value !== 'object' || value === null) return false;
  const type = (value as { type?: unknown }).type;
  return type === 'ready' || type === 'reset';
}
