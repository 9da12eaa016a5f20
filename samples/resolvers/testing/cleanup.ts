/** Stops everything a test started, in reverse order, even when the test failed. */
export class Cleanup {
  private readonly steps: (() => unknown)[] = [];
  add(step: () => unknown): void {
    this.steps.push(step);
  }
  async run(): Promise<void> {
    for (const step of this.steps.reverse()) await Promise.resolve(step()).catch(() => undefined);
  }
}
