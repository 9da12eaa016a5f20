import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { parseRpcRecord, type RpcRecord } from '../common/clientLog';
import { serverConfigFromEnv, startGreeterServer, type GreeterServerHandle } from '../server/greeterServer';
import { pollUntil } from '../server/testHarness';
import { clientConfigFromEnv } from './config';
import { GreeterLoop } from './greeterLoop';

// The loop in-process (as the lab can use it) against in-process servers on 127.0.0.1.
describe('GreeterLoop', () => {
  const servers: GreeterServerHandle[] = [];
  after(() => servers.forEach((s) => s.forceStop()));

  async function startServers(names: string[], env: Record<string, string> = {}): Promise<GreeterServerHandle[]> {
    const started = await Promise.all(
      names.map((name) => startGreeterServer({ ...serverConfigFromEnv({ HOST: '127.0.0.1', ...env }, name), port: 0 }, () => undefined)),
    );
    servers.push(...started);
    return started;
  }

  function loopFor(target: string, env: Record<string, string> = {}): { loop: GreeterLoop; records: RpcRecord[]; lines: string[] } {
    const lines: string[] = [];
    const records: RpcRecord[] = [];
    const config = clientConfigFromEnv({ TARGET: target, INTERVAL_MS: '5', ...env }, 'loop-client');
    const loop = new GreeterLoop(config, {
      write: (line) => {
        lines.push(line);
        const record = parseRpcRecord(line);
        if (record) records.push(record);
      },
    });
    return { loop, records, lines };
  }

  test('servers with MAX_CONNECTION_AGE_MS recycle connections under steady traffic; RPCs keep flowing to both', async () => {
    const [a, b] = await startServers(['age-a', 'age-b'], { MAX_CONNECTION_AGE_MS: '300' });
    const { loop, records } = loopFor(`ipv4:127.0.0.1:${a.port},127.0.0.1:${b.port}`);
    loop.start();
    // ~2 s: each connection is aged out several times (300 ms ± 10 %).
    const span = (): number => (records.length < 2 ? 0 : Date.parse(records[records.length - 1].ts) - Date.parse(records[0].ts));
    await pollUntil('2 s of traffic', () => span() >= 2000, 15_000);
    const summary = await loop.stop();
    assert.equal(summary.total, records.length);
    // Measured here: ~1 refused stream per 1,000 RPCs at this (exaggerated) age, 0 at 3 s — a
    // stream that races the GOAWAY is refused, and grpc-js retries a refusal only once.
    const failures = records.filter((r) => !r.ok);
    assert.ok(failures.every((r) => r.code === 14), JSON.stringify(failures.slice(0, 3)));
    assert.ok(summary.succeeded >= records.length * 0.97, `${summary.failed} of ${records.length} failed`);
    const lastSecond = records.filter((r) => Date.parse(r.ts) >= Date.parse(records[records.length - 1].ts) - 1000);
    assert.deepEqual([...new Set(lastSecond.flatMap((r) => (r.ok && r.server ? [r.server] : [])))].sort(), ['age-a', 'age-b']);
  });

  test('every line it writes is a parseable RpcRecord; failures carry code 14 and no server', async () => {
    const { loop, records, lines } = loopFor('ipv4:127.0.0.1:1', { STARTUP_WAIT_MS: '0', DEADLINE_MS: '500' });
    loop.start();
    await pollUntil('3 records', () => records.length >= 3, 10_000);
    const summary = await loop.stop();
    assert.equal(lines.length, records.length);
    for (const r of records) {
      assert.equal(r.ok, false);
      assert.equal(r.server, null);
      assert.equal(r.code, 14);
      assert.equal(r.client, 'loop-client');
    }
    assert.equal(summary.failures['14'], records.length);
    // Stopped means stopped: no record after stop().
    const count = records.length;
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(records.length, count);
  });
});
