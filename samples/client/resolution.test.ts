import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import dns2 from 'dns2';
import { serverConfigFromEnv, startGreeterServer, type GreeterServerHandle } from '../server/greeterServer';
import { freePort, SampleChild } from '../server/testHarness';
import { clientProcesses, stopClient } from './testFixtures';

// A name that exists only in the DNS server this test runs: the system resolver cannot know it.
const NAME = 'greeter.grpc-lb-lab.test';

describe('dns://<server>/<name>:<port> targets', () => {
  let dnsServer: ReturnType<typeof dns2.createServer>;
  let dnsPort = 0;
  const queries: string[] = [];
  let server: GreeterServerHandle;
  const children: SampleChild[] = [];

  before(async () => {
    dnsServer = dns2.createServer({
      udp: true,
      handle: (request, send) => {
        const response = dns2.Packet.createResponseFromRequest(request);
        const [question] = request.questions;
        queries.push(`${question.name}/${question.type}`);
        if (question.name === NAME && question.type === dns2.Packet.TYPE.A) {
          response.answers.push(
            dns2.Packet.createResourceFromQuestion(question, {
              type: dns2.Packet.TYPE.A,
              class: dns2.Packet.CLASS.IN,
              ttl: 1,
              address: '127.0.0.1',
            }),
          );
        }
        void send(response);
      },
    });
    const addresses = await dnsServer.listen({ udp: { port: 0, address: '127.0.0.1' } });
    dnsPort = addresses.udp?.port ?? 0;
    server = await startGreeterServer({ ...serverConfigFromEnv({ HOST: '127.0.0.1' }, 'dns-pod'), port: 0 }, () => undefined);
  });

  after(async () => {
    await Promise.all(children.map((c) => c.destroy()));
    server.forceStop();
    await dnsServer.close();
  });

  test('the client asks the named DNS server (GRPC_NODE_USE_ALTERNATIVE_RESOLVER set before grpc-js loads)', async () => {
    const client = SampleChild.spawn('client', 'dns-client', {
      TARGET: `dns://127.0.0.1:${dnsPort}/${NAME}:${server.port}`,
      POD_NAME: 'dns-client',
      INTERVAL_MS: '20',
    });
    children.push(client);
    await client.waitFor('5 successful RPCs', () => client.records().filter((r) => r.ok).length >= 5, 20_000);
    assert.ok(client.records().filter((r) => r.ok).every((r) => r.server === 'dns-pod'));
    assert.ok(queries.some((q) => q.startsWith(`${NAME}/`)), `queries seen: ${queries.join(', ')}`);
  });

  test('control: the same name without the authority goes to the system resolver and fails (logged, not fatal)', async () => {
    const client = SampleChild.spawn('client', 'system-dns-client', {
      TARGET: `dns:///${NAME}:${server.port}`,
      POD_NAME: 'system-dns-client',
      INTERVAL_MS: '50',
      DEADLINE_MS: '500',
      STARTUP_WAIT_MS: '300',
    });
    children.push(client);
    await client.waitFor('3 failed RPCs', () => client.records().filter((r) => !r.ok).length >= 3, 20_000);
    assert.equal(client.records().some((r) => r.ok), false);
    assert.equal(client.running, true);
  });
});

const { spawn: spawnClient } = clientProcesses();

describe('resolver errors', () => {
  test('resolver errors (etcd unreachable, no Kubernetes API) are logged as failed RPCs and the client keeps going', async () => {
    const closedPort = await freePort();
    const etcdClient = spawnClient('etcd-less', {
      TARGET: 'etcd:///greeter-server',
      ETCD_ENDPOINTS: `http://127.0.0.1:${closedPort}`,
      INTERVAL_MS: '50',
      DEADLINE_MS: '300',
      STARTUP_WAIT_MS: '300',
    });
    const k8sClient = spawnClient('k8s-less', {
      TARGET: 'kubernetes:///greeter-server-headless.grpc-lb-example:50051',
      KUBECONFIG: '/nonexistent/kubeconfig',
      KUBERNETES_SERVICE_HOST: '',
      INTERVAL_MS: '50',
      DEADLINE_MS: '300',
      STARTUP_WAIT_MS: '300',
    });
    for (const [client, names] of [
      [etcdClient, /etcd/],
      [k8sClient, /kubernetes/i],
    ] as const) {
      await client.waitFor(`${client.name}: 3 failed RPCs`, () => client.records().filter((r) => !r.ok).length >= 3, 20_000);
      assert.equal(client.running, true);
      assert.ok(client.records().every((r) => !r.ok && r.server === null));
      // The logged error says which resolver failed, so the learner knows where to look.
      assert.ok(client.records().some((r) => names.test(r.error ?? '')), JSON.stringify(client.records()[0]));
      const summary = await stopClient(client);
      assert.equal(summary.succeeded, 0);
    }
  });
});
