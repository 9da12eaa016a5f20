import * as vscode from 'vscode';
import type { ChapterProgress } from './core/chapterProgress';
import type { ClusterActions } from './core/cluster/clusterActions';
import type { ContextGuard } from './core/cluster/contextGuard';
import type { KubeConfigLoader } from './core/cluster/kube';
import type { ProcessRunner } from './core/process/processRunner';
import type { ImageBuild } from '../samples/images/index';
import type { TrafficActionsSlot } from './core/trafficActions';
import type { Settings } from './settings';

/** Output channel names, one per concern: timestamped log records of the extension's actions. */
export const CHANNELS = {
  cluster: 'gRPC LB: Cluster',
  tools: 'gRPC LB: Tools',
  workbook: 'gRPC LB: Workbook',
} as const;
export type ChannelId = keyof typeof CHANNELS;

/** Channels that show other programs' lines as they are (pod logs, lab reports), without log levels. */
export const PLAIN_CHANNELS = {
  clientLogs: 'gRPC LB: Client Logs',
  lab: 'gRPC LB: Lab',
} as const;
export type PlainChannelId = keyof typeof PLAIN_CHANNELS;

/**
 * Everything the commands, the workbook controller and the traffic features share. Built once by
 * the composition root (extension.ts); nothing here does I/O until a command runs.
 */
export interface Services {
  /** Folder of the installed extension (manifests/, walkthroughs/, Dockerfiles ship there). */
  extensionRoot: string;
  runner: ProcessRunner;
  kubeConfig: KubeConfigLoader;
  guard: ContextGuard;
  cluster: ClusterActions;
  /** Done chapters (walkthrough completion keys, kept in globalState). */
  progress: ChapterProgress;
  /** Filled by the traffic module (registerTrafficFeatures); read when a workbook cell runs. */
  traffic: TrafficActionsSlot;
  /** Lazily created LogOutputChannel per concern. */
  channel(id: ChannelId): vscode.LogOutputChannel;
  /** Lazily created plain channel (pod logs, lab reports). */
  plainChannel(id: PlainChannelId): vscode.OutputChannel;
  /** One localized message for an action error, with a button to its fix. */
  showError(err: unknown, channel?: ChannelId | PlainChannelId): void;
  /** Long-running helpers (Kiali port-forward) that live until stopped or deactivation. */
  background: BackgroundTasks;
  /** URL of the running Kiali port-forward, if any. */
  kialiUrl?: string;
  /** The sample images to build (samples/images build plan; each build's context is absolute). */
  imagePlan: () => readonly ImageBuild[];
  /** The learner's settings (contributes.configuration), read when used. */
  settings: Settings;
  /** True when Build Images can reach the image store of the cluster behind `context` (or a setting says how). */
  imagesReach: (context: string) => boolean;
}

/** Named background processes (one per name), aborted on dispose. */
export class BackgroundTasks implements vscode.Disposable {
  private readonly tasks = new Map<string, AbortController>();

  isRunning(name: string): boolean {
    return this.tasks.has(name);
  }

  /** Starts `run` under `name` unless one is running; it ends when aborted or when `run` settles. */
  start(name: string, run: (signal: AbortSignal) => Promise<void>): Promise<void> | undefined {
    if (this.tasks.has(name)) return undefined;
    const ac = new AbortController();
    this.tasks.set(name, ac);
    return run(ac.signal).finally(() => {
      if (this.tasks.get(name) === ac) this.tasks.delete(name);
    });
  }

  stop(name: string): void {
    this.tasks.get(name)?.abort();
    this.tasks.delete(name);
  }

  dispose(): void {
    for (const ac of this.tasks.values()) ac.abort();
    this.tasks.clear();
  }
}

/**
 * Lazily created output channels: creating them at activation would clutter the Output list and
 * cost activation time (each is backed by a log file).
 */
export class Channels implements vscode.Disposable {
  private readonly channels = new Map<ChannelId, vscode.LogOutputChannel>();
  private readonly plainChannels = new Map<PlainChannelId, vscode.OutputChannel>();

  get(id: ChannelId): vscode.LogOutputChannel {
    let ch = this.channels.get(id);
    if (!ch) {
      ch = vscode.window.createOutputChannel(CHANNELS[id], { log: true });
      this.channels.set(id, ch);
    }
    return ch;
  }

  plain(id: PlainChannelId): vscode.OutputChannel {
    let ch = this.plainChannels.get(id);
    if (!ch) {
      ch = vscode.window.createOutputChannel(PLAIN_CHANNELS[id]);
      this.plainChannels.set(id, ch);
    }
    return ch;
  }

  /** Either kind, by id (where an error's "Open Output" button leads). */
  output(id: ChannelId | PlainChannelId): vscode.OutputChannel {
    return id in PLAIN_CHANNELS ? this.plain(id as PlainChannelId) : this.get(id as ChannelId);
  }

  dispose(): void {
    for (const ch of [...this.channels.values(), ...this.plainChannels.values()]) ch.dispose();
    this.channels.clear();
    this.plainChannels.clear();
  }
}
