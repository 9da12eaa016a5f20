import * as grpc from '@grpc/grpc-js';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createEtcdResolverClass, etcd3Hosts, registerWithEtcd } from './etcd';
import { startEtcd, type EtcdProcess } from '../lab/etcdProcess';
import { observeResolver } from './testing/traffic';

it('etcd3Hosts puts dns:/// after the protocol, so grpc-js never reads an etcd host as a scheme', () => {
  assert.deepEqual(etcd3Hosts(['http://etcd:2379', 'https://etcd:2379', 'http://127.0.0.1:2379', 'http://[::1]:2379']), [
    'http://dns:///etcd:2379',
    'https://dns:///etcd:2379',
    'http://dns:///127.0.0.1:2379',
    'http://dns:///[::1]:2379',
  ]);
  assert.deepEqual(etcd3Hosts(['http://dns:///etcd:2379']), ['http://dns:///etcd:2379']);
});

/**
 * On a cluster the etcd Service is `etcd`, and etcd3 dialled `etcd:2379`: grpc-js took `etcd` for the
 * scheme this package registers, and the etcd resolver opened etcd clients of its own until the
 * client pod was OOM-killed. Here the same shape on loopback: `localhost:<port>`, with a resolver
 * registered for the scheme `localhost` (this file's process only) that must never be asked.
 */
describe('an etcd host named like a registered resolver scheme (real etcd)', () => {
  let etcd: EtcdProcess;
  let endpoints: string[];
  const misrouted: string[] = [];

  class SchemeTrap {
    constructor(target: grpc.experimental.GrpcUri) {
      misrouted.push(grpc.experimental.uriToString(target));
      throw new Error(`etcd's own address ${grpc.experimental.uriToString(target)} went to the "localhost" scheme`);
    }
    updateResolution(): void {}
    destroy(): void {}
    static getDefaultAuthority(target: grpc.experimental.GrpcUri): string {
      return target.path;
    }
  }

  before(async () => {
    etcd = await startEtcd(); // fails with "install etcd: apt-get install -y etcd-server" when missing
    endpoints = [`http://localhost:${etcd.clientPort}`];
    grpc.experimental.registerResolver('localhost', SchemeTrap);
  });
  after(async () => {
    await etcd?.stop();
  });

  it('registration and the etcd resolver reach etcd at http://localhost:<port> through DNS, not through that scheme', async () => {
    const reg = await registerWithEtcd({ endpoints, service: 'scheme-named', addr: '127.0.0.1:5001', ttlSeconds: 5 });
    const observed = observeResolver(createEtcdResolverClass({ endpoints, log: () => undefined }), 'etcd:///scheme-named');
    try {
      const deadline = Date.now() + 10_000;
      while (!observed.latest()?.addrs && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      assert.deepEqual(observed.latest()?.addrs, ['127.0.0.1:5001'], JSON.stringify(observed.reports));
    } finally {
      observed.destroy();
      await reg.revoke();
    }
    assert.deepEqual(misrouted, []);
  });
});
