import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { abortableSleep, CancelledError, ClusterUnreachableError } from '../../extension/core/errors';
import { TrafficError } from '../../extension/core/traffic/errors';
import { LabAbortedError, LabProcessError } from '../../samples/lab/errors';
import { isCancellation, TutorialError } from '../../samples/common/errors';

test('one error family: the lab, the traffic core and the action layer throw TutorialErrors with a code', () => {
  for (const err of [new LabProcessError('server', 'exited', ''), new TrafficError('forbidden', 'no'), new ClusterUnreachableError('c', 's', 'down')]) {
    assert.ok(err instanceof TutorialError, err.name);
    assert.match(err.code, /^[a-z-]+$/, err.name);
    assert.equal(err.name, err.constructor.name);
  }
});

test('one way to say "stopped": ours by their flag, the platform\'s by its abort code, never by a name string', async () => {
  for (const stopped of [new CancelledError(), new LabAbortedError(), new TrafficError('cancelled', 'cancelled')]) assert.ok(isCancellation(stopped), stopped.name);
  assert.ok(isCancellation(AbortSignal.abort().reason), 'a DOMException AbortError (fetch)');
  const timer = await sleep(10_000, undefined, { signal: AbortSignal.abort() }).catch((e: unknown) => e);
  assert.ok(isCancellation(timer), 'Node\'s ABORT_ERR (timers/promises)');
  const impostor = Object.assign(new Error('boom'), { name: 'AbortError' });
  assert.equal(isCancellation(impostor), false, 'a name alone does not make a stop');
  for (const failed of [new TrafficError('timeout', 'slow'), new LabProcessError('client', 'exited', ''), new Error('odd'), undefined]) {
    assert.equal(isCancellation(failed), false, String(failed));
  }
});

test('the one abortable sleep waits, and ends at once with CancelledError when stopped before or during the wait', async () => {
  const started = Date.now();
  await abortableSleep(50);
  assert.ok(Date.now() - started >= 45, 'waited');
  await assert.rejects(abortableSleep(10, AbortSignal.abort()), CancelledError);
  const stop = new AbortController();
  setTimeout(() => stop.abort(), 20);
  const during = Date.now();
  await assert.rejects(abortableSleep(5_000, stop.signal), CancelledError);
  assert.ok(Date.now() - during < 1_000, 'did not wait the 5 s out');
});
