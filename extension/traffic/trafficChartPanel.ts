import * as vscode from 'vscode';
import { randomBytes } from 'node:crypto';
import {
  isChartToHostMessage,
  toChartData,
  type ChartStrings,
  type HostToChartMessage,
} from '../core/traffic/chartProtocol';
import { chartHtml } from '../core/traffic/chartHtml';
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
    panel.webview.html = chartHtml(randomBytes(16).toString('base64'));
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
