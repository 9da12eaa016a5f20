import * as grpc from '@grpc/grpc-js';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadGreeter } from '../common/proto';
import { XDS_BOOTSTRAP_HINT, registerResolvers, registerXdsIfNeeded } from './index';

const xdsLoaded = () => Object.keys(require.cache).some((k) => k.includes(`${'@grpc'}/grpc-js-xds/`));

function firstRpcError(target: string): Promise<grpc.ServiceError | null> {
  const { Client } = loadGreeter();
  const client = new Client(target, grpc.credentials.createInsecure());
  return new Promise((resolve) =>
    client.SayHello({ name: 'x' }, { deadline: Date.now() + 3000 }, (err) => {
      client.close();
      resolve(err);
    }),
  );
}

describe('registerResolvers / registerXdsIfNeeded', () => {
  it('registerResolvers is idempotent and makes kubernetes: and etcd: targets parse at channel creation', () => {
    registerResolvers();
    registerResolvers();
    const { Client } = loadGreeter();
    assert.throws(() => new Client('kubernetes:///Bad_Name:1', grpc.credentials.createInsecure()), /bad kubernetes target/);
    assert.throws(() => new Client('etcd:///has space', grpc.credentials.createInsecure()), /bad etcd target/);
  });

  it('loads grpc-js-xds only for xds: targets, warns once without a bootstrap, and then routes xds: through it', async () => {
    const saved = { a: process.env.GRPC_XDS_BOOTSTRAP, b: process.env.GRPC_XDS_BOOTSTRAP_CONFIG };
    delete process.env.GRPC_XDS_BOOTSTRAP;
    delete process.env.GRPC_XDS_BOOTSTRAP_CONFIG;
    try {
      const target = 'xds:///greeter-server.grpc-lb-mesh.svc.cluster.local:50051';
      const warnings: string[] = [];
      assert.equal(registerXdsIfNeeded('dns:///greeter-server:50051', (m) => warnings.push(m)), false);
      assert.equal(xdsLoaded(), false, 'a dns: client does not pay for grpc-js-xds');

      assert.equal(registerXdsIfNeeded(target, (m) => warnings.push(m)), true);
      assert.equal(registerXdsIfNeeded(target, (m) => warnings.push(m)), true);
      assert.equal(xdsLoaded(), true);
      assert.deepEqual(warnings, [XDS_BOOTSTRAP_HINT]);
      assert.match((await firstRpcError(target))?.details ?? '', /^xDS name resolution failed/);
    } finally {
      if (saved.a !== undefined) process.env.GRPC_XDS_BOOTSTRAP = saved.a;
      if (saved.b !== undefined) process.env.GRPC_XDS_BOOTSTRAP_CONFIG = saved.b;
    }
  });
});
