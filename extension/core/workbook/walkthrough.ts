import { CHAPTER_IDS, type ChapterId } from '../../../samples/common/catalog';

/**
 * The two walkthroughs: a short one that sets up the tools, the cluster and the images, and one with a step
 * per chapter, so that neither list is too long to scan. package.json's contributes.walkthroughs is the
 * source of truth for VS Code; the consistency test checks that it matches these lists, the catalog and the
 * diagrams.
 */
export const SETUP_WALKTHROUGH_ID = 'grpcLb.setup';
/** The chapters' walkthrough keeps the id of the single walkthrough before it, and so its steps' progress. */
export const CHAPTERS_WALKTHROUGH_ID = 'grpcLb.tutorial';

/** The setup chapter's walkthrough steps (the chapter itself is the first). */
export const SETUP_STEP_IDS = ['setup', 'setup-minikube', 'setup-images'] as const;
/** Chapters after `setup`: one walkthrough step each, named by the chapter id. */
type DeployChapterId = Exclude<ChapterId, 'setup'>;
export type WalkthroughStepId = (typeof SETUP_STEP_IDS)[number] | DeployChapterId | 'clean-up';

/** The chapters' steps in order: one per chapter of the catalog (CHAPTER_IDS) after setup, then clean-up. */
export const CHAPTER_STEP_IDS: readonly WalkthroughStepId[] = [
  ...CHAPTER_IDS.filter((id): id is DeployChapterId => id !== 'setup'),
  'clean-up',
];

/** Both walkthroughs in the order package.json contributes them. */
export const WALKTHROUGHS: readonly { id: string; steps: readonly WalkthroughStepId[] }[] = [
  { id: SETUP_WALKTHROUGH_ID, steps: SETUP_STEP_IDS },
  { id: CHAPTERS_WALKTHROUGH_ID, steps: CHAPTER_STEP_IDS },
];

/** Every step of both walkthroughs, setup first. */
export const WALKTHROUGH_STEP_IDS: readonly WalkthroughStepId[] = WALKTHROUGHS.flatMap((w) => w.steps);

/**
 * The context key that marks a chapter's walkthrough step as done (`onContext:` completion event). The
 * composition root sets it to true once the chapter was applied, or its local-lab scenario ran, successfully:
 * `vscode.commands.executeCommand('setContext', chapterDoneContextKey(id), true)`.
 * Chapter ids are camel-cased (`max-age` → `maxAge`) so that the key is a plain when-clause identifier.
 */
export function chapterDoneContextKey(chapterId: ChapterId): string {
  return `grpcLb.chapterDone.${chapterId.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase())}`;
}
