import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatRpcRecord } from '../../../samples/common/clientLog';
import { TrafficModel } from '../../../samples/traffic/trafficModel';
import { RefreshThrottle, type ThrottleClock } from './refreshThrottle';

/** A manual clock: timers run when `advance` passes their due time. */
class FakeClock implements ThrottleClock {
  t = 0;
  private timers: Array<{ due: number; fn: () => void; id: number }> = [];
  private nextId = 1;
  now(): number {
    return this.t;
  }
  setTimeout(fn: () => void, ms: number): unknown {
    const id = this.nextId++;
    this.timers.push({ due: this.t + ms, fn, id });
    return id;
  }
  clearTimeout(handle: unknown): void {
    this.timers = this.timers.filter((x) => x.id !== handle);
  }
  advance(ms: number): void {
    const end = this.t + ms;
    for (;;) {
      this.timers.sort((a, b) => a.due - b.due);
      const next = this.timers[0];
      if (!next || next.due > end) break;
      this.timers.shift();
      this.t = next.due;
      next.fn();
    }
    this.t = end;
  }
}

test('100k lines in one burst give 2 refreshes (leading + trailing), and the last one shows the final count', () => {
  const clock = new FakeClock();
  const model = new TrafficModel();
  const seen: number[] = [];
  const throttle = new RefreshThrottle(() => seen.push(model.snapshot().totalRpcs), { clock });
  model.onDidChange(() => throttle.request());
  const line = formatRpcRecord({ ts: '2026-01-01T00:00:00.000Z', client: 'c', chapter: 'x', target: 't', ok: true, server: 's', code: 0, ms: 1 });
  for (let i = 0; i < 100_000; i++) model.ingestLine(line);
  clock.advance(1000);
  assert.equal(throttle.refreshCount, 2);
  assert.equal(seen.at(-1), 100_000, 'a trailing refresh always follows the last line');
});

test('a steady flood over 10 s stays at or under 4 refreshes per second', () => {
  const clock = new FakeClock();
  const throttle = new RefreshThrottle(() => undefined, { clock });
  const perSecond = new Map<number, number>();
  let last = 0;
  const counted = (): void => {
    const s = Math.floor(clock.now() / 1000);
    perSecond.set(s, (perSecond.get(s) ?? 0) + throttle.refreshCount - last);
    last = throttle.refreshCount;
  };
  for (let ms = 0; ms < 10_000; ms++) {
    for (let k = 0; k < 10; k++) throttle.request(); // 10k lines/s
    clock.advance(1);
    counted();
  }
  clock.advance(1000);
  assert.ok(throttle.refreshCount <= 41, `refreshes: ${throttle.refreshCount}`);
  assert.ok(throttle.refreshCount >= 39, 'still refreshes steadily under load');
  for (const [, n] of perSecond) assert.ok(n <= 4, `at most 4 in any second, got ${n}`);
});

test('a quiet stream refreshes at once per line, and dispose stops pending refreshes', () => {
  const clock = new FakeClock();
  const throttle = new RefreshThrottle(() => undefined, { clock });
  throttle.request();
  assert.equal(throttle.refreshCount, 1, 'leading refresh is immediate');
  clock.advance(2000);
  throttle.request();
  assert.equal(throttle.refreshCount, 2);
  throttle.request();
  throttle.dispose();
  clock.advance(2000);
  assert.equal(throttle.refreshCount, 2);
});

test('with the real clock a 100k-line burst is bounded too', async () => {
  const throttle = new RefreshThrottle(() => undefined);
  for (let i = 0; i < 100_000; i++) throttle.request();
  await new Promise((r) => setTimeout(r, 600));
  assert.ok(throttle.refreshCount >= 2 && throttle.refreshCount <= 3, `refreshes: ${throttle.refreshCount}`);
  throttle.dispose();
});
