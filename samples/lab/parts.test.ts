import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { Resolver } from 'node:dns/promises';
import { connect, createServer, type AddressInfo, type Server } from 'node:net';
import { test } from 'node:test';
import { LabDnsServer } from './dnsServer';
import { LabAbortedError } from './errors';
import { closeServer, listen, missingAddresses, TcpProxy } from './net';
import { LoopbackAliasMissingError } from './errors';
import { renderScenario, verdict, type ScenarioReport } from './report';
import { Supervisor } from './supervisor';
import { pidAlive } from './testUtils';

/** A backend that answers every connection with its own name, then closes. */
async function nameServer(name: string): Promise<Server> {
  const server = createServer((socket) => socket.end(name));
  return listen(server, '127.0.0.1', 0);
}

function ask(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    let data = '';
    socket.on('data', (d) => (data += d.toString()));
    socket.once('end', () => resolve(data));
    socket.once('error', reject);
  });
}

test('TcpProxy balances connections round-robin over its backends', async () => {
  const backends = await Promise.all(['a', 'b', 'c'].map(nameServer));
  const proxy = new TcpProxy(backends.map((s) => ({ host: '127.0.0.1', port: (s.address() as AddressInfo).port })));
  const { port } = await proxy.listen();
  try {
    const answers: string[] = [];
    for (let i = 0; i < 6; i++) answers.push(await ask(port));
    assert.deepEqual(answers, ['a', 'b', 'c', 'a', 'b', 'c']);
    assert.deepEqual(proxy.stats.connectionsPerBackend, [2, 2, 2]);
  } finally {
    await proxy.close();
    await Promise.all(backends.map(closeServer));
  }
});

test('TcpProxy holds a connection until a starting backend listens', async () => {
  const probe = await nameServer('x');
  const port = (probe.address() as AddressInfo).port;
  await closeServer(probe);
  const proxy = new TcpProxy([{ host: '127.0.0.1', port }]);
  const { port: proxyPort } = await proxy.listen();
  try {
    const answer = ask(proxyPort);
    await new Promise((r) => setTimeout(r, 200));
    const late = await listen(
      createServer((socket) => socket.end('late')),
      '127.0.0.1',
      port,
    );
    assert.equal(await answer, 'late');
    await closeServer(late);
  } finally {
    await proxy.close();
  }
});

test('LabDnsServer answers the A records it is given, with a 1 s TTL, and NXDOMAIN otherwise', async () => {
  const dns = new LabDnsServer();
  dns.setRecords('greeter-server-headless.lab', ['127.0.0.11', '127.0.0.12']);
  const { port } = await dns.listen();
  try {
    const resolver = new Resolver();
    resolver.setServers([`127.0.0.1:${port}`]);
    assert.deepEqual(await resolver.resolve4('greeter-server-headless.lab', { ttl: true }), [
      { address: '127.0.0.11', ttl: 1 },
      { address: '127.0.0.12', ttl: 1 },
    ]);
    dns.setRecords('greeter-server-headless.lab', ['127.0.0.13']);
    assert.deepEqual(await resolver.resolve4('greeter-server-headless.lab'), ['127.0.0.13']);
    await assert.rejects(resolver.resolve4('other.lab'), { code: 'ENOTFOUND' });
    // grpc-js also asks AAAA and TXT: an empty answer, not an error that would fail resolution.
    await assert.rejects(resolver.resolve6('greeter-server-headless.lab'), { code: 'ENODATA' });
    assert.equal(dns.aQueries.get('greeter-server-headless.lab'), 2);
  } finally {
    await dns.close();
  }
});

test('Supervisor.dispose kills the whole process group, runs clean-ups and removes temp dirs', async () => {
  const supervisor = new Supervisor();
  // A child that starts a grandchild and ignores SIGTERM: only a group SIGKILL ends both.
  const script =
    "const {spawn}=require('child_process');" +
    "const g=spawn(process.execPath,['-e','setInterval(()=>{},1000)'],{stdio:'ignore'});" +
    "console.log(g.pid);process.on('SIGTERM',()=>{});setInterval(()=>{},1000);";
  let grandchild = 0;
  const child = supervisor.spawn({
    name: 'sleeper',
    command: process.execPath,
    args: ['-e', script],
    env: process.env,
    onStdoutLine: (line) => (grandchild = Number(line)),
  });
  const dir = await supervisor.tempDir();
  let cleaned = false;
  supervisor.defer(() => (cleaned = true));
  const deadline = Date.now() + 10_000;
  while (grandchild === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  assert.ok(grandchild > 0 && pidAlive(grandchild));
  await supervisor.dispose();
  assert.equal(pidAlive(child.pid as number), false);
  // The grandchild is reaped by init after the group SIGKILL; give it a moment.
  const gone = Date.now() + 2000;
  while (pidAlive(grandchild) && Date.now() < gone) await new Promise((r) => setTimeout(r, 20));
  assert.equal(pidAlive(grandchild), false);
  assert.equal(cleaned, true);
  assert.equal(existsSync(dir), false);
  assert.throws(() => supervisor.check(), LabAbortedError);
});

test('Supervisor reports a child that dies on its own as a failure with its stderr', async () => {
  const supervisor = new Supervisor();
  supervisor.spawn({
    name: 'lab-server-9',
    command: process.execPath,
    args: ['-e', "console.error('bind: address in use'); process.exit(3)"],
    env: process.env,
  });
  const deadline = Date.now() + 10_000;
  while (!supervisor.failure && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  assert.throws(() => supervisor.check(), /lab-server-9 exited unexpectedly \(code 3\)[\s\S]*bind: address in use/);
  await supervisor.dispose();
});

test('the human rendering shows a bar per client and server, the figures and a verdict', () => {
  const report: ScenarioReport = {
    id: 'headless',
    claim: 'claim text',
    holds: true,
    figures: { servers: 3, serversHit: 3, windowMs: 8000, scaleUpDiscoveredMs: null },
    distribution: { 'lab-client-1': { 'lab-server-1': 10, 'lab-server-2': 30 } },
  };
  const text = renderScenario(report);
  assert.match(text, /lab-client-1 {2}\(40 RPCs\)/);
  assert.match(text, /lab-server-1 ████████·+ {2}25% {2}10/);
  assert.match(text, /lab-server-2 █{23}·{7} {2}75% {2}30/);
  assert.match(text, /scale-up: first RPC on the new server after +not within the window/);
  assert.equal(verdict(report), 'HOLDS: every client used 3 of 3 servers; the scaled-up server got no RPC within 8 s (grpc-js did not re-resolve DNS).');
  assert.match(verdict({ ...report, holds: false, figures: { skipped: 'install etcd' } }), /^SKIPPED — install etcd/);
});

test('every scenario has a one-line verdict from its figures; a missing figure reads "never"', () => {
  const base = { claim: '', distribution: {} };
  const cases: Array<[ScenarioReport, string]> = [
    [{ ...base, id: 'clusterip', holds: true, figures: { serversPerClient: 1, servers: 3 } }, 'HOLDS: each client used 1 server(s) of 3; the proxy balanced connections, not RPCs.'],
    [{ ...base, id: 'headless', holds: false, figures: { serversHit: 3, servers: 4, scaleUpDiscoveredMs: 812.4, windowMs: 8000 } }, 'DOES NOT HOLD: every client used 3 of 4 servers; the scaled-up server got its first RPC after 812 ms.'],
    [{ ...base, id: 'max-age', holds: true, figures: { scaleUpDiscoveredMs: 195, maxConnectionAgeMs: 3000, ageOnlyScaleUpDiscoveredMs: null, ageOnlyWindowMs: 10000 } }, 'HOLDS: with both knobs the new server got RPCs after 195 ms (age 3000 ms); with the age alone not within 10 s.'],
    [{ ...base, id: 'max-age', holds: true, figures: { scaleUpDiscoveredMs: 400, maxConnectionAgeMs: 3000, ageOnlyScaleUpDiscoveredMs: 26786, ageOnlyWindowMs: 30000 } }, 'HOLDS: with both knobs the new server got RPCs after 400 ms (age 3000 ms); with the age alone after 26786 ms.'],
    [{ ...base, id: 'etcd', holds: true, figures: { scaleUpDiscoveredMs: 104, killRemovedMs: null, leaseTtlMs: 2000 } }, 'HOLDS: a new server got RPCs after 104 ms; a kill -9 left the registry after never (lease TTL 2000 ms).'],
    [{ ...base, id: 'rollout', holds: true, figures: { failedRpcsGraceful: 0, failedRpcsAbrupt: 1 } }, 'HOLDS: graceful rollout failed 0 RPC(s); abrupt (SIGKILL) rollout failed 1.'],
    [{ ...base, id: 'rollout', holds: false, figures: { error: 'server exited\nstack' } }, 'FAILED — server exited'],
  ];
  for (const [report, expected] of cases) assert.equal(verdict(report), expected);
});

test('lab steps: a template is filled slot by slot; a missing value leaves its slot visible', async () => {
  const { fillStep, LAB_STEPS } = await import('./steps');
  assert.equal(fillStep('startingClients', [2, 'dns:///x:1']), 'starting 2 clients on dns:///x:1');
  assert.equal(fillStep('scaleUp', [3]), 'scale up 3 → {1}');
  for (const [id, template] of Object.entries(LAB_STEPS)) {
    const slots = [...template.matchAll(/\{(\d+)\}/g)].map((m) => Number(m[1]));
    assert.deepEqual([...new Set(slots)].sort(), slots.length ? [...Array(Math.max(...slots) + 1).keys()] : [], `${id}: slots 0..n, none skipped`);
  }
});

test('a loopback address the machine lacks (macOS without aliases) is named with the command that adds it', async () => {
  const notHere = (host: string): Promise<void> =>
    host === '127.0.0.1' ? Promise.resolve() : Promise.reject(Object.assign(new Error(`listen EADDRNOTAVAIL: address not available ${host}`), { code: 'EADDRNOTAVAIL' }));
  assert.deepEqual(await missingAddresses(['127.0.0.1', '127.0.0.2', '127.0.0.3'], notHere), ['127.0.0.2', '127.0.0.3']);
  if (process.platform === 'linux') assert.deepEqual(await missingAddresses(['127.0.0.1', '127.0.0.2']), [], 'Linux has all of 127.0.0.0/8');
  const err = new LoopbackAliasMissingError(['127.0.0.2', '127.0.0.3']);
  assert.match(err.message, /sudo ifconfig lo0 alias 127\.0\.0\.2 up; sudo ifconfig lo0 alias 127\.0\.0\.3 up/);
});
