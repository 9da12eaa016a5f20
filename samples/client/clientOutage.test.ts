import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { stopClient, threeServerLab } from './testFixtures';

// Outages: every server killed, then brought back. Real server and client processes on 127.0.0.1.
const { servers, startServers, startClient } = threeServerLab();

describe('greeter client process through outages', () => {
  test('all servers killed: the client stays up and logs UNAVAILABLE as JSON; servers back on the same ports: RPCs succeed again', async () => {
    const client = startClient('outage-client', { INTERVAL_MS: '50' });
    await client.waitFor('a successful RPC', () => client.records().some((r) => r.ok));

    await Promise.all(servers.map((s) => s.destroy()));
    const outageStart = client.records().length;
    await client.waitFor('5 failed RPCs', () => client.records().slice(outageStart).filter((r) => !r.ok).length >= 5, 15_000);
    const failure = client.records().slice(outageStart).find((r) => !r.ok);
    assert.ok(failure);
    assert.equal(failure.server, null);
    assert.equal(failure.code, 14);
    assert.equal(failure.client, 'outage-client');
    assert.ok(typeof failure.error === 'string' && failure.error.length > 0);
    assert.equal(client.running, true, 'the client is still running with every server gone');

    await startServers([0, 1, 2]);
    const restarted = client.records().length;
    await client.waitFor(
      'a successful RPC after the servers came back',
      () => client.records().slice(restarted).some((r) => r.ok),
      20_000,
    );
    const summary = await stopClient(client);
    const failures = summary.failures as Record<string, number>;
    assert.ok((failures['14'] ?? 0) >= 5, JSON.stringify(summary));
    // Every stdout line is either an RPC record or an event line: nothing else leaks out.
    for (const line of client.lines) {
      const value = JSON.parse(line) as Record<string, unknown>;
      assert.ok('ok' in value || typeof value.event === 'string', line);
    }
  });
});
