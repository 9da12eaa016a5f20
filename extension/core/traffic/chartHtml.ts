/**
 * The traffic chart webview's page (pure, so its CSP is tested with plain node). Nothing is loaded:
 * no remote or extension resources; one nonce'd style and one nonce'd script that draws an SVG from
 * `HostToChartMessage`s (chartProtocol.ts). Colours come from --vscode-* theme variables.
 */
/** The page's look: theme variables only, so it follows the learner's colour theme. */
const CHART_STYLE = `
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
`;

/** The elements the script fills: title, meta line, empty note, the SVG chart and its legend. */
const CHART_BODY = `
<h1 id="title"></h1>
<div id="meta"></div>
<div id="empty" hidden></div>
<svg id="chart" viewBox="0 0 800 320" preserveAspectRatio="none" role="img"></svg>
<div id="legend"></div>
`;

/** Draws the chart from the host's messages (chartProtocol.ts) and says `ready` once it listens. */
const CHART_SCRIPT = `
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
`;

/** The whole page: no external resource, one nonce'd style and script. */
export function chartHtml(nonce: string): string {
  if (!/^[A-Za-z0-9+/=]{16,}$/.test(nonce)) throw new Error('chartHtml: the nonce must be base64 of at least 12 random bytes');
  return `<!DOCTYPE html>
<html>
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'nonce-${nonce}'; script-src 'nonce-${nonce}';">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<style nonce="${nonce}">${CHART_STYLE}</style>
</head>
<body>${CHART_BODY}<script nonce="${nonce}">${CHART_SCRIPT}</script>
</body>
</html>`;
}
