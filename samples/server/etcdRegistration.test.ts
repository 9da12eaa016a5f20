import assert from 'node:assert/strict';
import { createServer, type Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { Etcd3 } from 'etcd3';
import { startEtcd, type EtcdProcess } from '../lab/etcdProcess';
import { checkHealth, freePorts, pollUntil, SampleChild, startServerProcess } from './testHarness';

// Real etcd (apt: etcd-server) on free loopback ports, real server and client processes.
describe('server registration in etcd', () => {
  let etcd: EtcdProcess;
  let kv: Etcd3;
  const children: SampleChild[] = [];

  before(async () => {
    etcd = await startEtcd();
    kv = new Etcd3({ hosts: etcd.endpoints });
  });

  after(async () => {
    await Promise.all(children.map((c) => c.destroy()));
    kv?.close();
    await etcd?.stop();
  });

  test('registers greeter-server/<ip>:<port> (Go naming layout, under a lease), serves etcd:/// clients, and deregisters during the drain', async () => {
    const [portA, portB] = await freePorts(2);
    const env = { ETCD_ENDPOINTS: etcd.endpoints.join(','), ETCD_TTL_SECONDS: '5', DRAIN_MS: '1500' };
    const [a, b] = await Promise.all([startServerProcess(portA, 'etcd-a', env), startServerProcess(portB, 'etcd-b', env)]);
    children.push(a, b);
    await Promise.all([a.waitForEvent('registered'), b.waitForEvent('registered')]);

    const keyA = `greeter-server/127.0.0.1:${portA}`;
    assert.equal(await kv.get(keyA).string(), `{"Op":0,"Addr":"127.0.0.1:${portA}","Metadata":null}`);
    const entries = await kv.getAll().prefix('greeter-server/').exec();
    assert.equal(entries.kvs.length, 2);
    for (const entry of entries.kvs) assert.notEqual(String(entry.lease), '0', 'the key is bound to a lease');

    const client = SampleChild.spawn('client', 'etcd-client', {
      TARGET: 'etcd:///greeter-server',
      ETCD_ENDPOINTS: etcd.endpoints.join(','),
      POD_NAME: 'etcd-client',
      INTERVAL_MS: '10',
    });
    children.push(client);
    const answeredBy = () => new Set(client.records().flatMap((r) => (r.ok && r.server ? [r.server] : [])));
    await client.waitFor('RPCs on both servers', () => answeredBy().size >= 2);
    assert.deepEqual([...answeredBy()].sort(), ['etcd-a', 'etcd-b']);
    const early = client.records().filter((r) => !r.ok);
    assert.equal(early.length, 0, JSON.stringify(early.slice(0, 3)));

    a.signal('SIGTERM');
    await a.waitForEvent('draining');
    await pollUntil('the key to disappear', async () => (await kv.get(keyA).string()) === null, 3000);
    assert.equal(a.events().some((e) => e.event === 'stopped'), false, 'deregistered before the server stopped');
    assert.equal((await a.exited).code, 0);
    const afterStop = client.records().length;
    await client.waitFor('30 more RPCs', () => client.records().length >= afterStop + 30);
    client.signal('SIGTERM');
    await client.exited;
    const records = client.records();
    assert.equal(records.filter((r) => !r.ok).length, 0, 'no failed RPCs while a registered server left');
    assert.deepEqual([...new Set(records.slice(afterStop).map((r) => r.server))], ['etcd-b']);
  });

  test('etcd down at start: the server serves anyway, logs registration-failed, and registers once etcd is back', async () => {
    const [port] = await freePorts(1);
    await etcd.kill();
    const server = await startServerProcess(port, 'etcd-late', { ETCD_ENDPOINTS: etcd.endpoints.join(','), ETCD_TTL_SECONDS: '5' });
    children.push(server);
    await server.waitForEvent('registration-failed', 20_000);
    // Ready means discoverable: until it is registered, its readiness probe (gRPC health) says NOT_SERVING.
    assert.equal(await checkHealth(`127.0.0.1:${port}`, ''), 'NOT_SERVING');
    await etcd.restart();
    await server.waitForEvent('registered', 20_000);
    assert.equal(await checkHealth(`127.0.0.1:${port}`, ''), 'SERVING');
    assert.equal(await kv.get(`greeter-server/127.0.0.1:${port}`).string(), `{"Op":0,"Addr":"127.0.0.1:${port}","Metadata":null}`);
    server.signal('SIGTERM');
    assert.equal((await server.exited).code, 0);
    assert.equal(await kv.get(`greeter-server/127.0.0.1:${port}`).string(), null, 'revoked on shutdown');
  });

  test('etcd that accepts connections but never answers (a registry still starting): the attempt times out, and the server registers once etcd answers', async () => {
    const [port] = await freePorts(1);
    await etcd.kill();
    // Holds etcd's client port, accepts, and says nothing: etcd3 sets no deadline, so without a
    // timeout of its own the first registration attempt waited forever.
    const sockets = new Set<Socket>();
    const silent = createServer((socket) => sockets.add(socket));
    await new Promise<void>((resolve) => silent.listen(etcd.clientPort, '127.0.0.1', resolve));
    let restarted = false;
    try {
      const server = await startServerProcess(port, 'etcd-silent', { ETCD_ENDPOINTS: etcd.endpoints.join(','), ETCD_TTL_SECONDS: '5' });
      children.push(server);
      const failed = await server.waitForEvent('registration-failed', 20_000);
      assert.match(String(failed.error), /no answer within/);
      await new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        silent.close(() => resolve());
      });
      await etcd.restart();
      restarted = true;
      await server.waitForEvent('registered', 30_000);
      assert.equal(await kv.get(`greeter-server/127.0.0.1:${port}`).string(), `{"Op":0,"Addr":"127.0.0.1:${port}","Metadata":null}`);
      assert.deepEqual(
        server.events().filter((e) => e.event === 'registration-lost'),
        [],
        'a failed first attempt is not reported as a lost lease',
      );
      server.signal('SIGTERM');
      assert.equal((await server.exited).code, 0);
    } finally {
      silent.close();
      if (!restarted) await etcd.restart();
    }
  });
});
