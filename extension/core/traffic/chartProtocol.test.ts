import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TrafficModel } from '../../../samples/traffic/trafficModel';
import { isChartToHostMessage, toChartData } from './chartProtocol';

test('chart data: per-second shares per server from the model series, bounded and naturally ordered', () => {
  const model = new TrafficModel({ seriesSeconds: 5 });
  const t0 = Date.UTC(2026, 0, 1);
  const rec = (sec: number, server: string | null) =>
    model.ingest({ ts: new Date(t0 + sec * 1000).toISOString(), client: 'c', chapter: 'x', target: 't', ok: server !== null, server, code: server ? 0 : 14, ms: 1 });
  for (let sec = 0; sec < 8; sec++) {
    rec(sec, 'server-10');
    rec(sec, 'server-2');
    rec(sec, 'server-2');
    rec(sec, 'server-2');
  }
  rec(7, null);
  const data = toChartData(model.timeSeries());
  assert.deepEqual(data.servers, ['server-2', 'server-10']);
  assert.equal(data.points.length, 5, 'the ring buffer keeps only the newest seconds');
  assert.equal(data.points[0]!.t, t0 + 3000);
  assert.deepEqual(data.points[4]!.shares, [0.75, 0.25]);
  assert.equal(data.points[4]!.errors, 1);
  assert.equal(toChartData(model.timeSeries(), 2).points.length, 2);
  assert.deepEqual(toChartData([]), { servers: [], points: [] });
});

test('chart messages from the webview are validated', () => {
  assert.ok(isChartToHostMessage({ type: 'ready' }));
  assert.ok(!isChartToHostMessage({ type: 'eval', code: 'x' }));
  assert.ok(!isChartToHostMessage(null));
});

test('chart page: strict CSP with a nonce, nothing remote, theme colours only', async () => {
  const { chartHtml } = await import('./chartHtml');
  const nonce = 'c2VjcmV0LW5vbmNlLTEyMzQ1Ng==';
  const html = chartHtml(nonce);
  const csp = /http-equiv="Content-Security-Policy" content="([^"]+)"/.exec(html)?.[1] ?? '';
  assert.match(csp, /default-src 'none'/);
  assert.match(csp, new RegExp(`script-src 'nonce-${nonce.replace(/[+/=]/g, '\\$&')}'`));
  assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|https?:/);
  assert.doesNotMatch(html.replace('http://www.w3.org/2000/svg', ''), /https?:\/\//, 'no remote resource');
  for (const tag of html.match(/<(script|style)\b[^>]*>/g) ?? []) assert.ok(tag.includes(`nonce="${nonce}"`), tag);
  assert.doesNotMatch(html, /#[0-9a-fA-F]{3,6}\b/, 'no hard-coded colours: theme variables only');
  assert.match(html, /var\(--vscode-charts-blue\)/);
  assert.throws(() => chartHtml('x"><script>'));
});
