import { CHAPTER_IDS, type ChapterId } from '../../../samples/common/catalog';

/**
 * The walkthrough `grpcLb.tutorial`: its step ids and the context keys that complete chapter steps.
 * package.json's contributes.walkthroughs is the source of truth for VS Code; the consistency test checks
 * that it matches this list, the step files and the catalog.
 */
export const WALKTHROUGH_ID = 'grpcLb.tutorial';

/** The setup chapter's walkthrough steps (the chapter itself is the first). */
const SETUP_STEP_IDS = ['setup', 'setup-minikube', 'setup-images'] as const;
/** Chapters after `setup`: one walkthrough step each, named by the chapter id. */
type DeployChapterId = Exclude<ChapterId, 'setup'>;
export type WalkthroughStepId = (typeof SETUP_STEP_IDS)[number] | DeployChapterId | 'clean-up';

/** Steps in order: three for setup, one per chapter of the catalog (CHAPTER_IDS), then clean-up. */
export const WALKTHROUGH_STEP_IDS: readonly WalkthroughStepId[] = [
  ...SETUP_STEP_IDS,
  ...CHAPTER_IDS.filter((id): id is DeployChapterId => id !== 'setup'),
  'clean-up',
];

/**
 * The context key that marks a chapter's walkthrough step as done (`onContext:` completion event). The
 * composition root sets it to true once the chapter was applied, or its local-lab scenario ran, successfully:
 * `vscode.commands.executeCommand('setContext', chapterDoneContextKey(id), true)`.
 * Chapter ids are camel-cased (`max-age` → `maxAge`) so that the key is a plain when-clause identifier.
 */
export function chapterDoneContextKey(chapterId: ChapterId): string {
  return `grpcLb.chapterDone.${chapterId.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase())}`;
}
