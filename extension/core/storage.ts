/** Memento-shaped storage: VS Code's globalState fits, and so does MemoryStorage in tests and the CLI. */
export interface KeyValueStorage {
  get<T>(key: string): T | undefined;
  update(key: string, value: unknown): PromiseLike<void>;
}

/** In-memory KeyValueStorage for tests and the CLI. */
export class MemoryStorage implements KeyValueStorage {
  private readonly map = new Map<string, unknown>();
  get<T>(key: string): T | undefined {
    return this.map.get(key) as T | undefined;
  }
  async update(key: string, value: unknown): Promise<void> {
    this.map.set(key, value);
  }
}
