import * as vscode from 'vscode';
import { RefreshThrottle } from '../core/traffic/refreshThrottle';
import { mapTrafficTree, type TrafficTreeNode, type TrafficTreeStrings, type TrafficTreeView } from '../core/traffic/trafficTree';
import type { TrafficController } from './trafficController';

/** The localized strings of the pure tree mapping. */
export function localizedTreeStrings(): TrafficTreeStrings {
  return {
    serverDescription: (count, share, rate) => vscode.l10n.t('{0} · {1}% · {2} rpc/s', count, share, rate),
    idleServerDescription: (count, share, ago) => vscode.l10n.t('{0} · {1}% · last seen {2}', count, share, ago),
    clientDescription: (total, errors, rate) =>
      errors > 0 ? vscode.l10n.t('{0} RPCs · {1} errors · {2} rpc/s', total, errors, rate) : vscode.l10n.t('{0} RPCs · {1} rpc/s', total, rate),
    errorsLabel: (n) => (n === 1 ? vscode.l10n.t('1 failed RPC') : vscode.l10n.t('{0} failed RPCs', n)),
    lastSeenAgo: (s) => (s < 1 ? vscode.l10n.t('just now') : vscode.l10n.t('{0} s ago', Math.round(s))),
    waiting: (source) => vscode.l10n.t('Waiting for RPC log lines from {0}…', source),
    badgeTooltip: (n) => (n === 1 ? vscode.l10n.t('1 server pod receiving traffic') : vscode.l10n.t('{0} server pods receiving traffic', n)),
    source: (s) => (s.kind === 'cluster' ? vscode.l10n.t('chapter {0} (cluster)', s.chapter) : vscode.l10n.t('lab: {0}', s.scenario)),
    paused: (d) => vscode.l10n.t('{0} — paused', d),
    tooltipLabel: (key) =>
      ({
        client: vscode.l10n.t('Client pod'),
        server: vscode.l10n.t('Server pod'),
        rpcs: vscode.l10n.t('RPCs'),
        ok: vscode.l10n.t('Succeeded'),
        errors: vscode.l10n.t('Failed'),
        share: vscode.l10n.t('Share of this client'),
        rate: vscode.l10n.t('RPC/s (last 10 s)'),
        lastSeen: vscode.l10n.t('Last seen'),
        lastError: vscode.l10n.t('Last error'),
        skipped: vscode.l10n.t('Non-RPC lines'),
      })[key],
  };
}

/**
 * Tree of client pods → server pods for view `grpcLb.traffic`. It only maps: the model counts, the
 * pure `mapTrafficTree` shapes, this class turns descriptors into TreeItems — at most 4 times a second
 * however fast lines arrive (RefreshThrottle), and sets the badge and the description.
 */
export class TrafficTreeProvider implements vscode.TreeDataProvider<TrafficTreeNode>, vscode.Disposable {
  private readonly changeEmitter = new vscode.EventEmitter<TrafficTreeNode | undefined>();
  readonly onDidChangeTreeData = this.changeEmitter.event;
  private readonly disposables: vscode.Disposable[] = [];
  private readonly throttle: RefreshThrottle;
  private readonly strings = localizedTreeStrings();
  private view: TrafficTreeView = { nodes: [], badge: undefined, description: '' };
  private treeView: vscode.TreeView<TrafficTreeNode> | undefined;
  private defaultTitle = '';

  constructor(private readonly controller: TrafficController) {
    this.throttle = new RefreshThrottle(() => this.refreshNow());
    this.disposables.push(
      this.changeEmitter,
      controller.model.onDidChange(() => {
        if (!controller.paused) this.throttle.request();
      }),
      controller.onDidChangeState(() => this.throttle.request()),
      { dispose: () => this.throttle.dispose() },
    );
    this.refreshNow();
  }

  attach(treeView: vscode.TreeView<TrafficTreeNode>): void {
    this.treeView = treeView;
    this.defaultTitle = treeView.title ?? vscode.l10n.t('Traffic');
    this.disposables.push(treeView.onDidChangeVisibility((e) => e.visible && this.throttle.flush()));
    this.applyViewState();
  }

  /** Refresh count so far (for diagnostics and the e2e test). */
  get refreshCount(): number {
    return this.throttle.refreshCount;
  }

  getChildren(element?: TrafficTreeNode): TrafficTreeNode[] {
    return element ? element.children : this.view.nodes;
  }

  getTreeItem(node: TrafficTreeNode): vscode.TreeItem {
    const collapsible =
      node.children.length === 0
        ? vscode.TreeItemCollapsibleState.None
        : node.kind === 'result'
          ? vscode.TreeItemCollapsibleState.Collapsed
          : vscode.TreeItemCollapsibleState.Expanded;
    const item = new vscode.TreeItem(node.label, collapsible);
    item.id = node.id;
    item.description = node.description;
    item.contextValue = node.contextValue;
    item.iconPath = new vscode.ThemeIcon(
      node.icon,
      node.kind === 'errors' ? new vscode.ThemeColor('errorForeground') : undefined,
    );
    if (node.tooltip.rows.length > 0) {
      const md = new vscode.MarkdownString();
      md.appendMarkdown(`**${escapeMarkdown(node.tooltip.title)}**\n\n`);
      md.appendMarkdown(`| | |\n|---|---|\n`);
      for (const row of node.tooltip.rows) md.appendMarkdown(`| ${escapeMarkdown(row.label)} | ${escapeMarkdown(row.value)} |\n`);
      item.tooltip = md;
    } else {
      item.tooltip = node.tooltip.title;
    }
    return item;
  }

  private refreshNow(): void {
    const c = this.controller;
    this.view = mapTrafficTree(c.model.snapshot(), {
      ...(c.source ? { source: c.source } : {}),
      ...(c.result ? { result: c.result } : {}),
      paused: c.paused,
      strings: this.strings,
      locale: vscode.env.language,
    });
    this.applyViewState();
    this.changeEmitter.fire(undefined);
  }

  private applyViewState(): void {
    if (!this.treeView) return;
    this.treeView.badge = this.view.badge && this.view.badge.value > 0 ? this.view.badge : undefined;
    // The title names the source: a view alone in its container shows its title, never its description.
    this.treeView.title = this.view.description
      ? vscode.l10n.t('{0}: {1}', this.defaultTitle, this.view.description)
      : this.defaultTitle;
  }

  dispose(): void {
    for (const d of this.disposables.splice(0).reverse()) d.dispose();
  }
}

function escapeMarkdown(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-.!|<>]/g, (c) => `\\${c}`);
}
