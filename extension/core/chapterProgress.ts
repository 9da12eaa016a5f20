import { CHAPTERS, isChapterId, type ChapterId, type LabScenarioId } from '../../samples/common/catalog';
import { chapterDoneContextKey } from './workbook/walkthrough';
import type { KeyValueStorage } from './storage';


export interface ChapterProgressOptions {
  storage: KeyValueStorage;
  /** Sets a when-clause context key (`vscode.commands.executeCommand('setContext', key, value)`). */
  setContext: (key: string, value: boolean) => void;
}

const STORAGE_KEY = 'grpcLb.chaptersDone';

/**
 * Which chapters the learner finished, for the walkthrough's `onContext:` completion events: a chapter is
 * done once it was applied to a cluster, or once its local-lab scenario ran to the end. Done chapters are
 * kept in storage so their steps stay ticked after a reload; restore() re-sets their keys (no other I/O).
 */
export class ChapterProgress {
  constructor(private readonly options: ChapterProgressOptions) {}

  /** Chapters marked done so far (persisted), in catalog order. */
  done(): ChapterId[] {
    const stored = this.options.storage.get<unknown>(STORAGE_KEY);
    const ids = Array.isArray(stored) ? stored.filter((v): v is ChapterId => typeof v === 'string' && isChapterId(v)) : [];
    return CHAPTERS.map((c) => c.id).filter((id) => ids.includes(id));
  }

  /** Sets the context key of every chapter done in an earlier session (call once at activation). */
  restore(): void {
    for (const id of this.done()) this.options.setContext(chapterDoneContextKey(id), true);
  }

  /** Marks a chapter done: its walkthrough step ticks now and after a reload. */
  async markDone(chapter: ChapterId): Promise<void> {
    this.options.setContext(chapterDoneContextKey(chapter), true);
    const done = this.done();
    if (!done.includes(chapter)) await this.options.storage.update(STORAGE_KEY, [...done, chapter]);
  }

  /** A local-lab scenario ran to the end: marks the chapter it belongs to, if any (`rollout` belongs to none). */
  async labScenarioFinished(scenario: LabScenarioId): Promise<ChapterId | undefined> {
    const chapter = chapterForLabScenario(scenario);
    if (chapter) await this.markDone(chapter);
    return chapter;
  }
}

/** The chapter whose lesson a local-lab scenario teaches (catalog `labScenario`), if any. */
export function chapterForLabScenario(scenario: LabScenarioId): ChapterId | undefined {
  return CHAPTERS.find((c) => c.labScenario === scenario)?.id;
}
