import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ENDPOINTS_ROLE } from '../resolvers/kubernetes';
import { SampleChild } from '../server/testHarness';
import { KubeApiDouble } from '../testing/kubeApiDouble';

// The endpoints chapter's 403 lesson: the real client process, its kubernetes:/// resolver refused by
// the API (RBAC without the Role). The refusal ends the client's start-up wait (STARTUP_WAIT_MS, 5 s by
// default): the first RPC, and its error naming the Role, follows the refusal within a second.
test('a client refused by RBAC says so, naming the Role, within 1 s of the refusal (not after its start-up wait)', async (t) => {
  const double = await KubeApiDouble.start();
  const folder = mkdtempSync(join(tmpdir(), 'grpc-lb-refusal-'));
  const children: SampleChild[] = [];
  t.after(async () => {
    await Promise.all(children.map((c) => c.destroy()));
    await double.stop();
    rmSync(folder, { recursive: true, force: true });
  });
  double.refuse = 403;
  const kubeconfig = join(folder, 'config.json');
  const options = double.kubeConfigOptions({ namespace: 'lab' });
  writeFileSync(kubeconfig, JSON.stringify({
    apiVersion: 'v1',
    kind: 'Config',
    'current-context': options.currentContext,
    clusters: options.clusters.map((c) => ({ name: c.name, cluster: { server: c.server, 'insecure-skip-tls-verify': true } })),
    users: options.users.map((u) => ({ name: u.name, user: { token: u.token } })),
    contexts: options.contexts.map((c) => ({ name: c.name, context: { cluster: c.cluster, user: c.user, namespace: 'lab' } })),
  }));
  const client = SampleChild.spawn('client', 'refused-client', {
    TARGET: 'kubernetes:///greeter-server-headless.lab:50051',
    POD_NAME: 'refused-client',
    KUBECONFIG: kubeconfig,
    INTERVAL_MS: '200',
    STARTUP_WAIT_MS: '5000',
  });
  children.push(client);
  const failed = await client.waitFor(
    'a failed RPC whose error names the Role',
    () => client.records().find((r) => !r.ok && (r.error ?? '').includes(ENDPOINTS_ROLE)),
    20_000,
  );
  const refusal = double.requests.find((r) => r.path.includes('/endpointslices'));
  assert.ok(refusal, 'the resolver asked the API for EndpointSlices');
  const afterRefusalMs = Date.parse(failed.ts) - refusal.at;
  console.log(`refusal → first RPC error naming the Role: ${afterRefusalMs} ms (start-up wait 5000 ms)`);
  assert.ok(afterRefusalMs <= 1000, `the error came ${afterRefusalMs} ms after the refusal`);
  assert.match(failed.error ?? '', /403 Forbidden/);
});
