import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BoundedLines } from './boundedLines';

test('BoundedLines: appends up to max lines, then keeps the last `keep` and says how many went', () => {
  const view: string[] = [];
  const bounded = new BoundedLines(10, 4);
  let dropped = 0;
  for (let i = 1; i <= 35; i++) {
    const step = bounded.push(`line ${i}`);
    if ('append' in step) view.push(step.append);
    else {
      view.splice(0, view.length, ...step.replace);
      dropped = step.dropped;
    }
    assert.ok(view.length <= 10, `never more than max lines (${view.length} after ${i})`);
  }
  assert.equal(view.at(-1), 'line 35', 'the newest line is always shown');
  assert.equal(dropped + view.length, 35, 'every line is either shown or counted as dropped');
  assert.throws(() => new BoundedLines(10, 10), RangeError);
});
