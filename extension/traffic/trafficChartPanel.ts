import * as vscode from 'vscode';
import { randomBytes } from 'node:crypto';
import {
  isChartToHostMessage,
  toChartData,
  type ChartStrings,
  type HostToChartMessage,
} from '../core/traffic/chartProtocol';
import { RefreshThrottle } from '../core/traffic/refreshThrottle';
import type { TrafficController } from './trafficController';
import { localizedTreeStrings } from './trafficTreeProvider';

/**
 * A webview chart of each server pod's share of RPCs per second over time, from the model's ring
 * buffer. Strict CSP (nonce'd inline script and style, nothing remote, no resources at all), theme
 * colours through --vscode-* CSS variables, updates throttled to 2 per second.
 */
export class TrafficChartPanel implements vscode.Disposable {
  static readonly viewType = 'grpcLb.trafficChart';
  private static current: TrafficChartPanel | undefined;
  private readonly disposables: vscode.Disposable[] = [];
  private readonly throttle: RefreshThrottle;
  private ready = false;

  static show(controller: TrafficController): TrafficChartPanel {
    if (TrafficChartPanel.current) {
      TrafficChartPanel.current.panel.reveal(undefined, true);
      return TrafficChartPanel.current;
    }
    const panel = vscode.window.createWebviewPanel(
      TrafficChartPanel.viewType,
      vscode.l10n.t('gRPC LB: Traffic Share'),
      { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true },
      { enableScripts: true, localResourceRoots: [], retainContextWhenHidden: false },
    );
    TrafficChartPanel.current = new TrafficChartPanel(panel, controller);
    return TrafficChartPanel.current;
  }

  static disposeCurrent(): void {
    TrafficChartPanel.current?.dispose();
  }

  private constructor(
    private readonly panel: vscode.WebviewPanel,
    private readonly controller: TrafficController,
  ) {
    this.throttle = new RefreshThrottle(() => this.post(), { maxPerSecond: 2 });
    panel.webview.html = chartHtml(panel.webview.cspSource, randomBytes(16).toString('base64'));
    this.disposables.push(
      panel.onDidDispose(() => this.dispose()),
      panel.webview.onDidReceiveMessage((msg: unknown) => {
        if (!isChartToHostMessage(msg)) return;
        if (msg.type === 'ready') {
          this.ready = true;
          this.send({ type: 'strings', strings: chartStrings() });
          this.post();
        } else if (msg.type === 'reset') {
          void vscode.commands.executeCommand('grpcLb.resetTraffic');
        }
      }),
      panel.onDidChangeViewState(() => panel.visible && this.throttle.request()),
      controller.model.onDidChange(() => this.throttle.request()),
      controller.onDidChangeState(() => this.throttle.request()),
      { dispose: () => this.throttle.dispose() },
    );
  }

  private post(): void {
    if (!this.ready || !this.panel.visible) return;
    const source = this.controller.source;
    const strings = localizedTreeStrings();
    this.send({
      type: 'data',
      source: source ? strings.source(source) : '',
      paused: this.controller.paused,
      data: toChartData(this.controller.model.timeSeries()),
    });
  }

  private send(message: HostToChartMessage): void {
    void this.panel.webview.postMessage(message);
  }

  dispose(): void {
    if (TrafficChartPanel.current === this) TrafficChartPanel.current = undefined;
    for (const d of this.disposables.splice(0).reverse()) d.dispose();
    this.panel.dispose();
  }
}

function chartStrings(): ChartStrings {
  return {
    title: vscode.l10n.t('Share of RPCs per server pod, per second'),
    empty: vscode.l10n.t('No traffic yet. Start the local lab or tail a chapter’s client logs.'),
    share: vscode.l10n.t('share'),
    errors: vscode.l10n.t('failed RPCs'),
    summary: vscode.l10n.t('RPCs per second'),
  };
}

/** The whole page: no external resource, one nonce'd style and script. */
export function chartHtml(cspSource: string, nonce: string): string {
  void cspSource; // nothing is loaded from the extension, so the webview source is not allowed either
  return `<!DOCTYPE html>
<html>
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'nonce-${nonce}'; script-src 'nonce-${nonce}';">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<style nonce="${nonce}">
  body { color: var(--vscode-foreground); background: var(--vscode-editor-background); font-family: var(--vscode-font-family); font-size: var(--vscode-font-size); margin: 0; padding: 12px 16px; }
  h1 { font-size: 1.1em; font-weight: 600; margin: 0 0 4px; }
  #meta { color: var(--vscode-descriptionForeground); margin-bottom: 8px; }
  svg { width: 100%; height: 320px; display: block; }
  .axis { stroke: var(--vscode-editorWidget-border, var(--vscode-foreground)); stroke-width: 1; opacity: .5; }
  .grid { stroke: var(--vscode-editorWidget-border, var(--vscode-foreground)); stroke-width: 1; opacity: .15; }
  .label { fill: var(--vscode-descriptionForeground); font-size: 11px; }
  .err { fill: var(--vscode-errorForeground); opacity: .6; }
  #legend { display: flex; flex-wrap: wrap; gap: 4px 16px; margin-top: 8px; }
  .key { display: inline-flex; align-items: center; gap: 6px; }
  .swatch { width: 12px; height: 12px; border-radius: 2px; display: inline-block; }
  #empty { color: var(--vscode-descriptionForeground); padding: 24px 0; }
  .c0 { color: var(--vscode-charts-blue); } .c1 { color: var(--vscode-charts-orange); } .c2 { color: var(--vscode-charts-green); }
  .c3 { color: var(--vscode-charts-purple); } .c4 { color: var(--vscode-charts-yellow); } .c5 { color: var(--vscode-charts-red); }
  .c6 { color: var(--vscode-terminal-ansiCyan); } .c7 { color: var(--vscode-terminal-ansiMagenta); }
  .swatch { background: currentColor; }
  path.line { fill: none; stroke: currentColor; stroke-width: 2; }
</style>
</head>
<body>
<h1 id="title"></h1>
<div id="meta"></div>
<div id="empty" hidden></div>
<svg id="chart" viewBox="0 0 800 320" preserveAspectRatio="none" role="img"></svg>
<div id="legend"></div>
<script nonce="${nonce}">
(function () {
  const vscode = acquireVsCodeApi();
  const NS = 'http://www.w3.org/2000/svg';
  const svg = document.getElementById('chart');
  const legend = document.getElementById('legend');
  const empty = document.getElementById('empty');
  const meta = document.getElementById('meta');
  let strings = { title: '', empty: '', share: '', errors: '', summary: '' };
  const W = 800, H = 320, L = 40, R = 8, T = 8, B = 22;
  function el(name, attrs, parent) {
    const e = document.createElementNS(NS, name);
    for (const k in attrs) e.setAttribute(k, String(attrs[k]));
    parent.appendChild(e);
    return e;
  }
  function draw(msg) {
    const data = msg.data;
    meta.textContent = msg.source + (msg.paused ? ' — ⏸' : '');
    while (svg.firstChild) svg.removeChild(svg.firstChild);
    while (legend.firstChild) legend.removeChild(legend.firstChild);
    const points = data.points;
    empty.hidden = points.length > 0;
    svg.style.display = points.length > 0 ? 'block' : 'none';
    if (points.length === 0) return;
    const t0 = points[0].t, t1 = Math.max(points[points.length - 1].t, t0 + 1000);
    const x = (t) => L + ((t - t0) / (t1 - t0)) * (W - L - R);
    const y = (v) => T + (1 - v) * (H - T - B);
    for (const v of [0, 0.25, 0.5, 0.75, 1]) {
      el('line', { x1: L, x2: W - R, y1: y(v), y2: y(v), class: v === 0 ? 'axis' : 'grid' }, svg);
      el('text', { x: 2, y: y(v) + 4, class: 'label' }, svg).textContent = Math.round(v * 100) + '%';
    }
    const secs = Math.round((t1 - t0) / 1000);
    el('text', { x: L, y: H - 4, class: 'label' }, svg).textContent = new Date(t0).toLocaleTimeString();
    el('text', { x: W - R - 60, y: H - 4, class: 'label' }, svg).textContent = new Date(t1).toLocaleTimeString();
    const maxErr = Math.max(1, ...points.map((p) => p.errors + p.ok));
    for (const p of points) {
      if (p.errors > 0) {
        const h = (p.errors / maxErr) * (H - T - B);
        el('rect', { x: x(p.t) - 1, y: H - B - h, width: 3, height: h, class: 'err' }, svg);
      }
    }
    data.servers.forEach((server, i) => {
      let d = '';
      points.forEach((p, j) => { d += (j === 0 ? 'M' : 'L') + x(p.t).toFixed(1) + ' ' + y(p.shares[i]).toFixed(1) + ' '; });
      const path = el('path', { d, class: 'line c' + (i % 8) }, svg);
      const title = el('title', {}, path);
      title.textContent = server;
      const key = document.createElement('span');
      key.className = 'key c' + (i % 8);
      const sw = document.createElement('span');
      sw.className = 'swatch';
      const last = points[points.length - 1];
      const name = document.createElement('span');
      name.textContent = server + ' — ' + Math.round(last.shares[i] * 100) + '% ' + strings.share;
      name.style.color = 'var(--vscode-foreground)';
      key.appendChild(sw);
      key.appendChild(name);
      legend.appendChild(key);
    });
    const errs = points.reduce((s, p) => s + p.errors, 0);
    if (errs > 0) {
      const key = document.createElement('span');
      key.className = 'key';
      key.style.color = 'var(--vscode-errorForeground)';
      key.textContent = '▮ ' + errs + ' ' + strings.errors;
      legend.appendChild(key);
    }
    svg.setAttribute('aria-label', strings.title + ' (' + secs + ' s)');
  }
  window.addEventListener('message', (event) => {
    const msg = event.data;
    if (!msg || typeof msg.type !== 'string') return;
    if (msg.type === 'strings') {
      strings = msg.strings;
      document.getElementById('title').textContent = strings.title;
      empty.textContent = strings.empty;
    } else if (msg.type === 'data') {
      draw(msg);
    }
  });
  vscode.postMessage({ type: 'ready' });
})();
</script>
</body>
</html>`;
}
