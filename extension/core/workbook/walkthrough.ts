import type { ChapterId } from '../../../samples/common/catalog';

/**
 * The walkthrough `grpcLb.tutorial`: its step ids and the context keys that complete chapter steps.
 * package.json's contributes.walkthroughs is the source of truth for VS Code; the consistency test checks
 * that it matches this list, the step files and the catalog.
 */
export const WALKTHROUGH_ID = 'grpcLb.tutorial';

/** Steps in order: three for setup, one per chapter, then clean-up. */
export const WALKTHROUGH_STEP_IDS = [
  'setup',
  'setup-minikube',
  'setup-images',
  'clusterip',
  'headless',
  'endpoints',
  'envoy',
  'etcd',
  'envoy-sidecar',
  'istio',
  'proxyless',
  'max-age',
  'clean-up',
] as const;
export type WalkthroughStepId = (typeof WALKTHROUGH_STEP_IDS)[number];

/**
 * The context key that marks a chapter's walkthrough step as done (`onContext:` completion event). The
 * composition root sets it to true once the chapter was applied, or its local-lab scenario ran, successfully:
 * `vscode.commands.executeCommand('setContext', chapterDoneContextKey(id), true)`.
 * Chapter ids are camel-cased (`max-age` → `maxAge`) so that the key is a plain when-clause identifier.
 */
export function chapterDoneContextKey(chapterId: ChapterId): string {
  return `grpcLb.chapterDone.${chapterId.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase())}`;
}
