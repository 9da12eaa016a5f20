import { ContextDeclinedError } from '../errors';

/** Memento-shaped storage (VS Code's globalState fits). */
export interface GuardStorage {
  get<T>(key: string): T | undefined;
  update(key: string, value: unknown): PromiseLike<void>;
}

export interface ContextGuardOptions {
  /** Asks the user whether this extension may write to `context` (a modal in VS Code). */
  confirm: (context: string) => Promise<boolean>;
  storage: GuardStorage;
  /** Contexts that belong to minikube and never need asking (default: the default profile `minikube`). */
  minikubeContexts?: () => readonly string[];
}

const STORAGE_KEY = 'grpcLb.allowedContexts';

/**
 * Stops the tutorial from writing to a cluster the learner did not mean: before the first write to
 * a context that is not minikube's it asks once. A "yes" is remembered in storage (across sessions);
 * a "no" is remembered for this session, so the learner is not nagged but can change their mind
 * after a restart.
 */
export class ContextGuard {
  private readonly declined = new Set<string>();
  private readonly pending = new Map<string, Promise<boolean>>();

  constructor(private readonly options: ContextGuardOptions) {}

  isMinikube(context: string): boolean {
    return (this.options.minikubeContexts?.() ?? ['minikube']).includes(context);
  }

  isAllowed(context: string): boolean {
    return this.isMinikube(context) || this.allowed().includes(context);
  }

  /** Resolves when writes to `context` are allowed; throws ContextDeclinedError otherwise. */
  async ensureWritable(context: string | undefined): Promise<void> {
    const name = context ?? '';
    if (this.isAllowed(name)) return;
    if (this.declined.has(name)) throw new ContextDeclinedError(name);
    // Concurrent writes (a workbook running two cells) share one question.
    let answer = this.pending.get(name);
    if (!answer) {
      answer = this.options.confirm(name);
      this.pending.set(name, answer);
    }
    let ok: boolean;
    try {
      ok = await answer;
    } finally {
      this.pending.delete(name);
    }
    if (ok) {
      if (!this.allowed().includes(name)) await this.options.storage.update(STORAGE_KEY, [...this.allowed(), name]);
      return;
    }
    this.declined.add(name);
    throw new ContextDeclinedError(name);
  }

  /** Forgets this session's "no" for one context, so the next write asks again. */
  forgetDecline(context: string): void {
    this.declined.delete(context);
  }

  /** Forgets every answer (both remembered "yes" and this session's "no"). */
  async reset(): Promise<void> {
    this.declined.clear();
    await this.options.storage.update(STORAGE_KEY, []);
  }

  private allowed(): string[] {
    return this.options.storage.get<string[]>(STORAGE_KEY) ?? [];
  }
}

/** In-memory GuardStorage for tests and the CLI. */
export class MemoryStorage implements GuardStorage {
  private readonly map = new Map<string, unknown>();
  get<T>(key: string): T | undefined {
    return this.map.get(key) as T | undefined;
  }
  async update(key: string, value: unknown): Promise<void> {
    this.map.set(key, value);
  }
}
