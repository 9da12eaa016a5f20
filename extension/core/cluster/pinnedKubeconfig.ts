/**
 * A kubeconfig file that holds one context only: what a child process (a workbook's ```sh cell,
 * `istioctl`, `kubectl`) gets as KUBECONFIG once the guard has allowed that context, so that a context
 * switched meanwhile — or a `--context` of its own — cannot reach another cluster.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import { clientNode } from '../../../samples/common/lazyModules';

/** A kubeconfig (JSON, which kubectl reads) holding only `context`, its cluster and user, as current. */
export function pinnedKubeconfig(kc: KubeConfig, context: string): string {
  const ctx = kc.getContextObject(context);
  if (!ctx) throw new Error(`the kubeconfig has no context "${context}"`);
  const cluster = kc.getCluster(ctx.cluster);
  if (!cluster) throw new Error(`context "${context}" names the cluster "${ctx.cluster}", which the kubeconfig does not define`);
  const user = ctx.user ? kc.getUser(ctx.user) : null;
  const pinned = new (clientNode().KubeConfig)();
  pinned.loadFromOptions({
    clusters: [cluster],
    users: user ? [user] : [],
    contexts: [ctx],
    currentContext: context,
  });
  return pinned.exportConfig();
}

/** Runs `work` with the path of a 0600 pinned kubeconfig that is deleted when `work` ends. */
export async function withPinnedKubeconfig<T>(kc: KubeConfig, context: string, work: (file: string) => Promise<T>): Promise<T> {
  const folder = await mkdtemp(join(tmpdir(), 'grpc-lb-kubeconfig-'));
  try {
    const file = join(folder, 'kubeconfig.json');
    await writeFile(file, pinnedKubeconfig(kc, context), { mode: 0o600 });
    return await work(file);
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
}
