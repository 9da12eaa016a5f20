import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { serverConfigFromEnv, startGreeterServer, type GreeterServerHandle } from '../server/greeterServer';
import { freePort, SampleChild } from '../server/testHarness';
import { LabDnsServer } from '../lab/dnsServer';
import { clientProcesses, stopClient } from './testFixtures';

// A name that exists only in the DNS server this test runs: the system resolver cannot know it.
const NAME = 'greeter.grpc-lb-lab.test';

describe('dns://<server>/<name>:<port> targets', () => {
  const dnsServer = new LabDnsServer();
  let dnsPort = 0;
  let server: GreeterServerHandle;
  const children: SampleChild[] = [];

  before(async () => {
    dnsServer.setRecords(NAME, ['127.0.0.1']);
    ({ port: dnsPort } = await dnsServer.listen('127.0.0.1'));
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
    assert.ok((dnsServer.aQueries.get(NAME) ?? 0) > 0, 'the named DNS server was asked for the A record');
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
