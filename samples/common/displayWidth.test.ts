import assert from 'node:assert/strict';
import { test } from 'node:test';
import { displayWidth, maxDisplayWidth, padEndToWidth, padStartToWidth } from './displayWidth';

test('CJK and fullwidth characters take two columns, ASCII one', () => {
  assert.equal(displayWidth('lab-server-1'), 12);
  assert.equal(displayWidth('观察窗口'), 8);
  assert.equal(displayWidth('（最小）'), 8);
  assert.equal(displayWidth('新的服务端 Pod'), 14);
  assert.equal(maxDisplayWidth(['servers', '观察窗口']), 8);
  assert.equal(maxDisplayWidth([]), 0);
});

test('padding fills to a display width, so a Chinese and an English label end in the same column', () => {
  const width = maxDisplayWidth(['观察窗口', 'window']);
  assert.equal(padEndToWidth('观察窗口', width), '观察窗口');
  assert.equal(padEndToWidth('window', width), 'window  ');
  assert.equal(padStartToWidth('25%', 4), ' 25%');
  assert.equal(padEndToWidth('already wider', 3), 'already wider');
});
