import * as grpc from '@grpc/grpc-js';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { after, before, describe, it } from 'node:test';
import { Etcd3 } from 'etcd3';
import { sampleProcess } from '../common/sampleProcess';
import { createEtcdResolverClass, registerWithEtcd, type EtcdRegistration } from './etcd';
import { startEtcd, type EtcdProcess } from '../lab/etcdProcess';
import {
  TrafficLoop,
  freeLoopbackPort,
  observeResolver,
  startTinyGreeter,
  type TinyGreeter,
} from './testing/traffic';
import { Cleanup } from './testing/cleanup';

function spreadIsEven(counts: Map<string, number>, servers: string[], minShare: number): boolean {
  const total = servers.reduce((n, s) => n + (counts.get(s) ?? 0), 0);
  return total >= 20 && servers.every((s) => (counts.get(s) ?? 0) / total >= minShare);
}

describe('etcd resolver and registration (real etcd)', () => {
  let etcd: EtcdProcess;
  let kv: Etcd3;

  before(async () => {
    etcd = await startEtcd(); // fails with "install etcd: apt-get install -y etcd-server" when missing
    kv = new Etcd3({ hosts: etcd.endpoints });
    grpc.experimental.registerResolver('etcd', createEtcdResolverClass({ endpoints: etcd.endpoints, log: () => undefined }));
  });
  after(async () => {
    kv?.close();
    await etcd?.stop();
  });

  it('registers in grpc-go naming layout with a lease, and revoke() removes the key at once (real etcd)', async () => {
    const reg = await registerWithEtcd({ endpoints: etcd.endpoints, service: 'layout', addr: '127.0.0.1:5001', ttlSeconds: 5 });
    const stored = await kv.get('layout/127.0.0.1:5001').string();
    assert.deepEqual(JSON.parse(stored ?? 'null'), { Op: 0, Addr: '127.0.0.1:5001', Metadata: null });
    assert.equal(stored, '{"Op":0,"Addr":"127.0.0.1:5001","Metadata":null}');
    const lease = (await kv.get('layout/127.0.0.1:5001').exec()).kvs[0]?.lease;
    assert.ok(lease && lease !== '0', 'the key is attached to a lease');
    await reg.revoke();
    assert.equal(await kv.get('layout/127.0.0.1:5001').string(), null);
  });

  it('spreads RPCs over 2 registered servers; a 3rd gets its first RPC within 1 s of registering (real etcd)', async (t) => {
    const cleanup = new Cleanup();
    t.after(() => cleanup.run());
    const servers: TinyGreeter[] = [];
    const regs: EtcdRegistration[] = [];
    for (const name of ['etcd-a', 'etcd-b', 'etcd-c']) {
      const s = await startTinyGreeter(name);
      servers.push(s);
      cleanup.add(() => s.stop());
    }
    for (const s of servers.slice(0, 2)) {
      const reg = await registerWithEtcd({ endpoints: etcd.endpoints, service: 'spread', addr: s.addr, ttlSeconds: 10 });
      regs.push(reg);
      cleanup.add(() => reg.revoke());
    }
    const traffic = new TrafficLoop('etcd:///spread');
    cleanup.add(() => traffic.stop());

    await traffic.waitFor('both registered servers to answer', () => traffic.counts().size === 2, 10_000);
    const windowStart = Date.now();
    await traffic.waitFor('30+ RPCs', () => traffic.records.filter((r) => r.at >= windowStart).length >= 30, 10_000);
    const counts = traffic.counts(windowStart);
    assert.ok(spreadIsEven(counts, ['etcd-a', 'etcd-b'], 0.35), `round_robin spreads evenly: ${traffic.summary()}`);
    assert.equal(counts.get('etcd-c'), undefined, 'an unregistered server gets nothing');

    const registeredAt = Date.now();
    const reg = await registerWithEtcd({
      endpoints: etcd.endpoints,
      service: 'spread',
      addr: servers[2]!.addr,
      ttlSeconds: 10,
    });
    cleanup.add(() => reg.revoke());
    await traffic.waitFor('the 3rd server to answer', () => traffic.firstSeen('etcd-c', registeredAt) !== undefined, 5000);
    const discoveryMs = traffic.firstSeen('etcd-c', registeredAt)! - registeredAt;
    console.log(`etcd: a newly registered server got its first RPC ${discoveryMs} ms after registerWithEtcd() began`);
    assert.ok(discoveryMs <= 1000, `first RPC on the new server within 1 s (took ${discoveryMs} ms)`);

    // Deregistering (revoke on graceful stop) takes it out of the rotation, with no failed RPC.
    const revokedAt = Date.now();
    await regs[0]!.revoke();
    await traffic.waitFor(
      'etcd-a to leave the rotation',
      () => (traffic.lastSeen('etcd-a') ?? 0) < Date.now() - 500,
      5000,
    );
    console.log(`etcd: a revoked server got its last RPC ${Math.max(0, traffic.lastSeen('etcd-a')! - revokedAt)} ms after revoke() began`);
    const failed = traffic.records.filter((r) => r.code !== 0);
    assert.equal(failed.length, 0, `no failed RPCs: ${traffic.summary()}`);
  });

  it('skips garbage values (logged once) and honours Op 1 and key deletion (real etcd)', async (t) => {
    const cleanup = new Cleanup();
    t.after(() => cleanup.run());
    const logged: string[] = [];
    const resolverClass = createEtcdResolverClass({ endpoints: etcd.endpoints, log: (m) => logged.push(m) });
    const a = await startTinyGreeter('garbage-ok');
    cleanup.add(() => a.stop());
    await kv.put('mixed/not-json').value('this is not json');
    await kv.put('mixed/no-port').value('{"Op":0,"Addr":"127.0.0.1","Metadata":null}');
    await kv.put(`mixed/${a.addr}`).value(`{"Op":0,"Addr":"${a.addr}","Metadata":null}`);
    cleanup.add(() => kv.delete().prefix('mixed/'));

    const seen = observeResolver(resolverClass, 'etcd:///mixed');
    cleanup.add(() => seen.destroy());
    const until = async (what: string, pred: () => boolean) => {
      const deadline = Date.now() + 5000;
      while (!pred()) {
        assert.ok(Date.now() < deadline, `timed out waiting for ${what}; reports: ${JSON.stringify(seen.reports)}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    await until('the valid server', () => seen.latest()?.addrs?.join() === a.addr);
    assert.equal(logged.length, 2, `each garbage key is logged once: ${logged.join(' | ')}`);
    assert.ok(logged.some((m) => m.includes('mixed/not-json')));

    await kv.put('mixed/10.0.0.1:1').value('{"Op":0,"Addr":"127.0.0.2:1","Metadata":null}');
    await until('the added address', () => seen.latest()?.addrs?.length === 2);
    await kv.put('mixed/10.0.0.1:1').value('{"Op":1,"Addr":"127.0.0.2:1","Metadata":null}');
    await until('Op 1 to delete it', () => seen.latest()?.addrs?.join() === a.addr);
    await kv.delete().key(`mixed/${a.addr}`);
    await until('key deletion to remove the last server', () => seen.latest()?.addrs === null);
    // An empty list, then an error with the reason (so RPCs fail fast, see reporter.ts).
    assert.deepEqual(seen.reports.at(-2)?.addrs, []);
    assert.match(seen.latest()!.error ?? '', /0 server\(s\) registered under "mixed\/"/);
    assert.equal(logged.length, 2, 'garbage still logged only once');
  });

  it('keeps serving while etcd is away and picks up new servers once it is back (real etcd)', async (t) => {
    const cleanup = new Cleanup();
    t.after(() => cleanup.run());
    const a = await startTinyGreeter('outage-a');
    const b = await startTinyGreeter('outage-b');
    cleanup.add(() => a.stop());
    cleanup.add(() => b.stop());
    const regA = await registerWithEtcd({ endpoints: etcd.endpoints, service: 'outage', addr: a.addr, ttlSeconds: 30 });
    cleanup.add(() => regA.revoke());
    const traffic = new TrafficLoop('etcd:///outage');
    cleanup.add(() => traffic.stop());
    await traffic.waitFor('outage-a to answer', () => traffic.counts().has('outage-a'), 10_000);

    await etcd.kill();
    const downAt = Date.now();
    await new Promise((r) => setTimeout(r, 1500));
    const during = traffic.records.filter((r) => r.at >= downAt);
    assert.ok(during.length > 20 && during.every((r) => r.server === 'outage-a'), `RPCs go on while etcd is down: ${traffic.summary()}`);

    await etcd.restart();
    const upAt = Date.now();
    const regB = await registerWithEtcd({ endpoints: etcd.endpoints, service: 'outage', addr: b.addr, ttlSeconds: 30 });
    cleanup.add(() => regB.revoke());
    await traffic.waitFor('outage-b (registered after the restart) to answer', () => traffic.firstSeen('outage-b', upAt) !== undefined, 15_000);
    console.log(
      `etcd: after an etcd restart, a newly registered server got its first RPC ${traffic.firstSeen('outage-b', upAt)! - upAt} ms after etcd was healthy again`,
    );
  });

  it('a registration whose lease was lost while etcd was away registers again when etcd is back (real etcd)', async (t) => {
    const cleanup = new Cleanup();
    t.after(() => cleanup.run());
    const events: string[] = [];
    const key = 'relost/127.0.0.1:5002';
    const reg = await registerWithEtcd({
      endpoints: etcd.endpoints,
      service: 'relost',
      addr: '127.0.0.1:5002',
      ttlSeconds: 2,
      onLeaseEvent: (e) => events.push(e.type),
    });
    cleanup.add(() => reg.revoke());
    const leaseOf = async () => (await kv.get(key).exec()).kvs[0]?.lease;
    const firstLease = await leaseOf();
    assert.ok(firstLease);

    await etcd.kill();
    const until = async (what: string, pred: () => boolean | Promise<boolean>, ms: number) => {
      const deadline = Date.now() + ms;
      while (!(await pred())) {
        assert.ok(Date.now() < deadline, `timed out waiting for ${what}; lease events: ${events.join(',')}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    await until('the lease to be reported lost', () => events.includes('lost'), 6000);
    await etcd.restart();
    const upAt = Date.now();
    await until('re-registration', () => events.includes('restored'), 15_000);
    console.log(`etcd: a lost registration was restored ${Date.now() - upAt} ms after etcd came back`);
    const newLease = await leaseOf();
    assert.ok(newLease && newLease !== firstLease, 'registered again under a new lease');
    // The old lease (never kept alive again) expires; the key, now on the new lease, stays.
    await new Promise((r) => setTimeout(r, 3500));
    assert.equal(await leaseOf(), newLease, 'still registered after the old lease expired');
  });

  it('without etcd, resolution fails with a message naming the etcd URL, or the missing ETCD_ENDPOINTS', async (t) => {
    const cleanup = new Cleanup();
    t.after(() => cleanup.run());
    const closedUrl = `http://127.0.0.1:${await freeLoopbackPort()}`;
    const unreachable = observeResolver(
      createEtcdResolverClass({ endpoints: [closedUrl], log: () => undefined }),
      'etcd:///nowhere',
    );
    cleanup.add(() => unreachable.destroy());
    const unset = observeResolver(createEtcdResolverClass({ endpoints: () => [], log: () => undefined }), 'etcd:///nowhere');
    cleanup.add(() => unset.destroy());
    const deadline = Date.now() + 15_000;
    while ((!unreachable.latest() || !unset.latest()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    assert.match(unreachable.latest()?.error ?? '', new RegExp(`etcd resolver: cannot read nowhere/ from etcd at ${closedUrl}`));
    assert.match(unset.latest()?.error ?? '', /set ETCD_ENDPOINTS to comma-separated URLs/);
  });

  it('a kill -9ed server (lease TTL 2 s) leaves the rotation within TTL + 1 s (real etcd, real server process)', async (t) => {
    const cleanup = new Cleanup();
    t.after(() => cleanup.run());
    const stay = await startTinyGreeter('stays');
    cleanup.add(() => stay.stop());
    const regStay = await registerWithEtcd({ endpoints: etcd.endpoints, service: 'greeter-server', addr: stay.addr, ttlSeconds: 10 });
    cleanup.add(() => regStay.revoke());

    // The real sample server, registering itself (ETCD_ENDPOINTS) with a 2 s lease.
    const port = await freeLoopbackPort();
    const spec = sampleProcess('server');
    const child: ChildProcess = spawn(spec.command, spec.args, {
      env: {
        ...process.env,
        ...spec.env,
        HOST: '127.0.0.1',
        PORT: String(port),
        POD_NAME: 'doomed',
        ETCD_ENDPOINTS: etcd.endpoints.join(','),
        ETCD_TTL_SECONDS: '2',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    cleanup.add(() => child.kill('SIGKILL'));
    let stderr = '';
    child.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
    const registered = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the server did not register within 20 s; stderr: ${stderr}`)), 20_000);
      createInterface({ input: child.stdout! }).on('line', (line) => {
        if (line.includes('"registered"')) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.once('exit', (code) => reject(new Error(`the server exited (${code}); stderr: ${stderr}`)));
    });
    await registered;

    const traffic = new TrafficLoop('etcd:///greeter-server');
    cleanup.add(() => traffic.stop());
    const seen = observeResolver(createEtcdResolverClass({ endpoints: etcd.endpoints, log: () => undefined }), 'etcd:///greeter-server');
    cleanup.add(() => seen.destroy());
    await traffic.waitFor('both servers to answer', () => traffic.counts().has('doomed') && traffic.counts().has('stays'), 10_000);
    const doomedAddr = `127.0.0.1:${port}`;
    assert.ok(seen.latest()?.addrs?.includes(doomedAddr), 'the resolver lists the child server');

    const killedAt = Date.now();
    child.kill('SIGKILL');
    const deadline = killedAt + 5000;
    while (seen.latest()?.addrs?.includes(doomedAddr) !== false && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
    }
    const removed = seen.reports.find((r) => r.at >= killedAt && r.addrs && !r.addrs.includes(doomedAddr));
    assert.ok(removed, `the resolver dropped the killed server; reports: ${JSON.stringify(seen.reports.slice(-3))}`);
    const goneMs = removed.at - killedAt;
    const lastRpcMs = (traffic.lastSeen('doomed') ?? killedAt) - killedAt;
    const failedAfterKill = traffic.records.filter((r) => r.at >= killedAt && r.code !== 0).length;
    console.log(
      `etcd: kill -9 with lease TTL 2 s: last RPC on it ${Math.max(0, lastRpcMs)} ms after the kill (the connection broke), ` +
        `dropped by the resolver ${goneMs} ms after the kill (lease expiry), ${failedAfterKill} failed RPCs`,
    );
    assert.ok(goneMs <= 3000, `gone from the rotation within TTL + 1 s (took ${goneMs} ms)`);
    assert.equal(await kv.get(`greeter-server/${doomedAddr}`).string(), null, 'its key expired with the lease');
    await traffic.waitFor('RPCs to keep succeeding on the survivor', () => (traffic.lastSeen('stays') ?? 0) > removed.at, 3000);
  });
});
