import type { experimental } from '@grpc/grpc-js';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ResolutionReporter } from './reporter';

type Call = { ok: boolean; addrs?: string[]; details?: string; note: string };

function recorder(): { calls: Call[]; listener: experimental.ResolverListener } {
  const calls: Call[] = [];
  const listener: experimental.ResolverListener = (result, _a, _c, note) => {
    calls.push(
      result.ok
        ? { ok: true, addrs: result.value.flatMap((e) => e.addresses.map((a) => ('host' in a ? `${a.host}:${a.port}` : a.path))), note }
        : { ok: false, details: result.error.details, note },
    );
    return true;
  };
  return { calls, listener };
}

const ep = (...ports: number[]) => ports.map((port) => ({ addresses: [{ host: '127.0.0.1', port }] }));
const settle = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('ResolutionReporter (what the channel receives from a watch-based resolver)', () => {
  it('never reports synchronously, and reports an unchanged set only once', async () => {
    const { calls, listener } = recorder();
    const reporter = new ResolutionReporter(listener, 20);
    reporter.endpoints(ep(1, 2), 'n');
    assert.equal(calls.length, 0, 'not from inside the caller');
    await settle(30);
    for (let i = 0; i < 100; i++) reporter.endpoints(ep(2, 1), 'n'); // same set, other order
    await settle(60);
    assert.deepEqual(calls, [{ ok: true, addrs: ['127.0.0.1:1', '127.0.0.1:2'], note: 'n' }]);
  });

  it('coalesces a burst of changes into at most one report per gap, ending on the latest', async () => {
    const { calls, listener } = recorder();
    const reporter = new ResolutionReporter(listener, 100);
    for (let i = 1; i <= 50; i++) reporter.endpoints(ep(...Array.from({ length: i }, (_, k) => k + 1)), 'n');
    await settle(30);
    for (let i = 51; i <= 60; i++) reporter.endpoints(ep(...Array.from({ length: i }, (_, k) => k + 1)), 'n');
    await settle(250);
    assert.ok(calls.length <= 2, `coalesced: ${calls.length} reports for 60 changes`);
    assert.equal(calls.at(-1)?.addrs?.length, 60, 'the last report is the latest state');
  });

  it('follows an empty list with an error carrying the reason, so RPCs fail fast instead of queueing', async () => {
    const { calls, listener } = recorder();
    const reporter = new ResolutionReporter(listener, 0);
    reporter.endpoints([], 'no ready endpoints of "svc"');
    await settle(20);
    assert.deepEqual(calls, [
      { ok: true, addrs: [], note: 'no ready endpoints of "svc"' },
      { ok: false, details: 'no ready endpoints of "svc"', note: 'no ready endpoints of "svc"' },
    ]);
  });

  it('reports the same set again after an error or a reset (a restarted resolver must answer)', async () => {
    const { calls, listener } = recorder();
    const reporter = new ResolutionReporter(listener, 0);
    reporter.endpoints(ep(1), 'n');
    await settle(10);
    reporter.error('etcd is away');
    await settle(10);
    reporter.endpoints(ep(1), 'n');
    await settle(10);
    reporter.reset();
    reporter.endpoints(ep(1), 'n');
    await settle(10);
    assert.deepEqual(
      calls.map((c) => (c.ok ? c.addrs?.join() : `error: ${c.details}`)),
      ['127.0.0.1:1', 'error: etcd is away', '127.0.0.1:1', '127.0.0.1:1'],
    );
  });
});
