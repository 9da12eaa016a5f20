import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { CancelledError, ClusterUnreachableError } from '../errors';
import { TrafficError } from '../traffic/errors';
import { LabAbortedError, LabProcessError } from '../../../samples/lab/errors';
import { isCancellation, TutorialError } from '../../../samples/common/errors';

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
