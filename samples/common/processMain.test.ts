import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { backgroundErrorReporter } from './processMain';

test('the background error reporter writes one JSON line per error, and stops (no loop) once its stream fails', async () => {
  const written: string[] = [];
  let broken = false;
  const stderr = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      if (broken) return callback(Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
      written.push(String(chunk));
      callback();
    },
  });
  const report = backgroundErrorReporter(stderr);
  report(new Error('resolver\nhiccup'));
  assert.equal(written.length, 1);
  assert.deepEqual(Object.keys(JSON.parse(written[0]!)), ['ts', 'event', 'error']);
  assert.equal(JSON.parse(written[0]!).error, 'resolver hiccup');
  // The reader goes away: the failed write is an 'error' event on the stream, handled, never uncaught.
  broken = true;
  report(new Error('second'));
  await new Promise((r) => setImmediate(r));
  for (let i = 0; i < 100; i++) report(new Error('again'));
  await new Promise((r) => setImmediate(r));
  assert.equal(written.length, 1, 'nothing more is written once the stream failed');
});
