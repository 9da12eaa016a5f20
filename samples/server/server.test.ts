import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import assert from 'node:assert/strict';
import { connect } from 'node:http2';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { loadGreeter, type HelloReply } from '../common/proto';
import { serverConfigFromEnv, startGreeterServer, type LifecycleEvent } from './greeterServer';
import { checkHealth, freePort, pollUntil, SampleChild, startServerProcess } from './testHarness';

const LOADER_OPTIONS = { keepCase: true, longs: String, enums: String, defaults: true, oneofs: true };

async function sayHello(address: string, name: string): Promise<HelloReply> {
  const { Client } = loadGreeter();
  const client = new Client(address, grpc.credentials.createInsecure());
  try {
    return await new Promise<HelloReply>((resolve, reject) =>
      client.SayHello({ name }, { deadline: Date.now() + 3000 }, (err, reply) => (err || !reply ? reject(err) : resolve(reply))),
    );
  } finally {
    client.close();
  }
}

const children: SampleChild[] = [];
after(async () => {
  await Promise.all(children.map((c) => c.destroy()));
});

describe('greeter server process', () => {
  test('answers SayHello with its pod name; Health reports SERVING, then NOT_SERVING while it drains after SIGTERM', async () => {
    const port = await freePort();
    const address = `127.0.0.1:${port}`;
    const server = await startServerProcess(port, 'health-pod', { DRAIN_MS: '2500' });
    children.push(server);

    const reply = await sayHello(address, 'learner');
    assert.deepEqual(reply, { message: 'Hello learner', server_pod: 'health-pod' });
    assert.equal(await checkHealth(address, ''), 'SERVING');
    assert.equal(await checkHealth(address, 'helloworld.Greeter'), 'SERVING');
    await assert.rejects(checkHealth(address, 'no.such.Service'), (err: grpc.ServiceError) => err.code === grpc.status.NOT_FOUND);

    server.signal('SIGTERM');
    await server.waitForEvent('draining', 10_000);
    // Over the wire, during the drain: the health service says NOT_SERVING, for the whole
    // server and for Greeter, while Greeter itself still answers (that is what draining is for).
    const status = await checkHealth(address, '');
    const greeterStatus = await checkHealth(address, 'helloworld.Greeter');
    const duringDrain = await sayHello(address, 'late');
    assert.equal(server.events().some((e) => e.event === 'stopped'), false, 'the checks ran during the drain');
    assert.equal(status, 'NOT_SERVING');
    assert.equal(greeterStatus, 'NOT_SERVING');
    assert.equal(duringDrain.server_pod, 'health-pod');

    const exit = await server.exited;
    assert.deepEqual(exit, { code: 0, signal: null });
    const events = server.events().map((e) => e.event);
    assert.deepEqual(events, ['serving', 'draining', 'stopped']);
    const stopped = server.events().find((e) => e.event === 'stopped');
    assert.equal(stopped?.graceful, true);
    assert.equal(stopped?.pod, 'health-pod');
    assert.equal(stopped?.reason, 'SIGTERM');
  });

  test('Ctrl-C (SIGINT, delivered twice at once as under npm run) still drains; every lifecycle line is JSON with ts, event and pod', async () => {
    const port = await freePort();
    const server = await startServerProcess(port, 'sigint-pod', { DRAIN_MS: '300' });
    children.push(server);
    server.signal('SIGINT');
    server.signal('SIGINT');
    assert.deepEqual(await server.exited, { code: 0, signal: null });
    assert.deepEqual(
      server.events().map((e) => e.event),
      ['serving', 'draining', 'stopped'],
    );
    assert.ok(server.lines.length >= 3);
    for (const line of server.lines) {
      const value = JSON.parse(line) as Record<string, unknown>;
      assert.equal(typeof value.ts, 'string');
      assert.ok(!Number.isNaN(Date.parse(value.ts as string)));
      assert.equal(typeof value.event, 'string');
      assert.equal(value.pod, 'sigint-pod');
      assert.equal('ok' in value, false, 'lifecycle lines must not look like RPC records');
    }
  });

  test('a port already in use: one clear error line on stderr and exit code 1', async () => {
    const port = await freePort();
    const first = await startServerProcess(port, 'first');
    children.push(first);
    const second = SampleChild.spawn('server', 'second', { HOST: '127.0.0.1', PORT: String(port), POD_NAME: 'second' });
    children.push(second);
    const exit = await second.exited;
    assert.equal(exit.code, 1);
    const ours = second.stderr.split('\n').filter((l) => l.startsWith('greeter-server:'));
    assert.equal(ours.length, 1, second.stderr);
    assert.match(ours[0], new RegExp(`cannot listen on 127\\.0\\.0\\.1:${port}.*EADDRINUSE`));
    assert.doesNotMatch(second.stderr, /\n\s+at /, 'no stack trace');
    first.signal('SIGTERM');
    assert.equal((await first.exited).code, 0);
  });

  test('reflection lists Greeter and Health', async () => {
    const port = await freePort();
    const server = await startGreeterServer({ ...serverConfigFromEnv({}, 'refl'), host: '127.0.0.1', port }, () => undefined);
    try {
      const reflectionProto = join(require.resolve('@grpc/reflection/package.json'), '..', 'build', 'proto', 'grpc', 'reflection', 'v1', 'reflection.proto');
      const pkg = grpc.loadPackageDefinition(protoLoader.loadSync(reflectionProto, LOADER_OPTIONS)) as unknown as {
        grpc: { reflection: { v1: { ServerReflection: new (a: string, c: grpc.ChannelCredentials) => grpc.Client } } };
      };
      const client = new pkg.grpc.reflection.v1.ServerReflection(`127.0.0.1:${port}`, grpc.credentials.createInsecure()) as grpc.Client & {
        ServerReflectionInfo(): grpc.ClientDuplexStream<unknown, unknown>;
      };
      const names = await new Promise<string[]>((resolve, reject) => {
        const stream = client.ServerReflectionInfo();
        stream.on('data', (msg: { list_services_response?: { service: Array<{ name: string }> } }) => {
          resolve((msg.list_services_response?.service ?? []).map((s) => s.name));
          stream.end();
        });
        stream.on('error', reject);
        stream.write({ list_services: '*' });
      });
      client.close();
      assert.ok(names.includes('helloworld.Greeter'), names.join(','));
      assert.ok(names.includes('grpc.health.v1.Health'), names.join(','));
    } finally {
      server.forceStop();
    }
  });

  test('MAX_CONNECTION_AGE_MS makes the server end each connection with GOAWAY after that age', async () => {
    const withAge = serverConfigFromEnv({ HOST: '127.0.0.1', MAX_CONNECTION_AGE_MS: '300' }, 'aged');
    const withoutAge = serverConfigFromEnv({ HOST: '127.0.0.1' }, 'ageless');
    const events: LifecycleEvent[] = [];
    const aged = await startGreeterServer({ ...withAge, port: 0 }, (e) => events.push(e));
    const ageless = await startGreeterServer({ ...withoutAge, port: 0 }, () => undefined);
    const goawayWithin = (port: number, ms: number): Promise<number | undefined> =>
      new Promise((resolve) => {
        const started = Date.now();
        const session = connect(`http://127.0.0.1:${port}`);
        session.on('error', () => undefined);
        const timer = setTimeout(() => {
          session.destroy();
          resolve(undefined);
        }, ms);
        session.once('goaway', () => {
          clearTimeout(timer);
          session.destroy();
          resolve(Date.now() - started);
        });
      });
    try {
      const [agedGoaway, agelessGoaway] = await Promise.all([goawayWithin(aged.port, 3000), goawayWithin(ageless.port, 1500)]);
      assert.notEqual(agedGoaway, undefined, 'the aged server sent GOAWAY');
      assert.equal(agelessGoaway, undefined, 'without the setting, connections are not aged out');
      assert.equal(events[0]?.maxConnectionAgeMs, 300);
    } finally {
      aged.forceStop();
      ageless.forceStop();
    }
  });

  test('stop() is idempotent and turns health NOT_SERVING before the drain ends (in-process)', async () => {
    const events: LifecycleEvent[] = [];
    const server = await startGreeterServer({ ...serverConfigFromEnv({ HOST: '127.0.0.1', DRAIN_MS: '400' }, 'inproc'), port: 0 }, (e) =>
      events.push(e),
    );
    const first = server.stop('test');
    const second = server.stop('again');
    const status = await pollUntil('NOT_SERVING', async () => {
      const s = await checkHealth(`127.0.0.1:${server.port}`, '');
      return s === 'NOT_SERVING' ? s : undefined;
    }, 2000);
    assert.equal(status, 'NOT_SERVING');
    assert.equal(first, second);
    assert.deepEqual(await first, { graceful: true });
    assert.deepEqual(
      events.map((e) => e.event),
      ['serving', 'draining', 'stopped'],
    );
  });
});
