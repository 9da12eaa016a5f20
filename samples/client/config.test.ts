import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { ConfigError } from '../common/env';
import { CHAPTERS } from '../common/catalog';
import { SampleChild } from '../server/testHarness';
import { clientConfigFromEnv, dnsAuthority, validateTarget } from './config';
import { channelOptions } from './greeterLoop';

describe('client configuration', () => {
  test('accepts every chapter target and the lab forms', () => {
    const targets = [
      ...CHAPTERS.flatMap((c) => (c.target ? [c.target] : [])),
      'ipv4:127.0.0.1:5001,127.0.0.1:5002',
      'ipv4:///127.0.0.1:5001',
      'ipv6:[::1]:5001',
      'dns://127.0.0.1:5353/greeter.lab:50051',
      'localhost:50051',
      'unix:///tmp/greeter.sock',
    ];
    for (const target of targets) assert.equal(validateTarget(target), target);
  });

  test('rejects garbage targets with a message naming TARGET and the schemes', () => {
    for (const bad of ['foo://bar:1', 'http://greeter:50051', 'ipv4:999.1.1.1:80', 'ipv4:127.0.0.1:0', 'dns:///', 'a b', '::::']) {
      assert.throws(
        () => validateTarget(bad),
        (err: unknown) => err instanceof ConfigError && err.variable === 'TARGET' && /dns:, ipv4:/.test(err.message),
        bad,
      );
    }
    assert.throws(() => validateTarget('dns://dns.example/greeter:50051'), /DNS server given as IP/);
  });

  test('an upper-case scheme is a ConfigError that shows the lower-case target (grpc-js matches schemes case-sensitively)', () => {
    for (const [bad, good] of [['DNS:///greeter-server:50051', 'dns:///greeter-server:50051'], ['Kubernetes:///svc.ns:50051', 'kubernetes:///svc.ns:50051']]) {
      assert.throws(
        () => validateTarget(bad!),
        (err: unknown) => err instanceof ConfigError && err.variable === 'TARGET' && err.message.includes(good!),
        bad,
      );
    }
  });

  test('dnsAuthority finds the DNS server of dns://server/name targets only', () => {
    assert.equal(dnsAuthority('dns://127.0.0.1:5353/greeter.lab:50051'), '127.0.0.1:5353');
    assert.equal(dnsAuthority('dns:///greeter-server:50051'), undefined);
    assert.equal(dnsAuthority('ipv4:127.0.0.1:1'), undefined);
  });

  test('env → config → channel options', () => {
    const config = clientConfigFromEnv(
      { TARGET: 'dns:///greeter-server-headless:50051', LB_POLICY: 'pick_first', DNS_MIN_RESOLUTION_MS: '1000', CHAPTER: 'max-age' },
      'host-1',
    );
    assert.equal(config.podName, 'host-1');
    assert.equal(config.intervalMs, 200);
    assert.equal(config.deadlineMs, 1000);
    const options = channelOptions(config);
    assert.deepEqual(JSON.parse(options['grpc.service_config'] as string), { loadBalancingConfig: [{ pick_first: {} }] });
    assert.equal(options['grpc.dns_min_time_between_resolutions_ms'], 1000);
    const defaults = channelOptions(clientConfigFromEnv({ TARGET: 'localhost:1' }, 'h'));
    assert.deepEqual(JSON.parse(defaults['grpc.service_config'] as string), { loadBalancingConfig: [{ round_robin: {} }] });
    assert.equal('grpc.dns_min_time_between_resolutions_ms' in defaults, false);
  });
});

describe('kubernetes:, etcd: and xds: targets are checked with the resolvers\' own parsing', () => {
  const rejects = (bad: string, form: RegExp): void => {
    assert.throws(
      () => validateTarget(bad),
      (err: unknown) =>
        err instanceof ConfigError &&
        err.variable === 'TARGET' &&
        err.got === bad &&
        form.test(err.message) &&
        err.message.startsWith('TARGET must be of the form '),
      bad,
    );
    assert.throws(() => clientConfigFromEnv({ TARGET: bad }, 'h'), ConfigError, bad);
  };

  test('kubernetes: svc.ns:port and its variants pass; anything the resolver would refuse is a ConfigError', () => {
    for (const good of [
      'kubernetes:///greeter-server-headless.grpc-lb-example:50051',
      'kubernetes:///greeter:grpc',
      'kubernetes:///greeter.ns.svc.cluster.local:80',
      'kubernetes:///greeter',
    ]) {
      assert.equal(validateTarget(good), good);
      assert.equal(clientConfigFromEnv({ TARGET: good }, 'h').target, good);
    }
    const form = /kubernetes:\/\/\/<service>\[\.<namespace>\]\[:<port number or name>\]/;
    for (const bad of [
      'kubernetes:///',
      'kubernetes:///a.b.c:50051',
      'kubernetes:///Greeter:80',
      'kubernetes:///greeter_server:80',
      'kubernetes:///greeter:0',
      'kubernetes:///greeter:70000',
      'kubernetes:///greeter:Bad_Name',
      'kubernetes:///greeter.ns:',
      'kubernetes:///.ns:80',
    ]) {
      rejects(bad, form);
    }
  });

  test('etcd: a service name passes; an empty name or a trailing slash is a ConfigError', () => {
    for (const good of ['etcd:///greeter-server', 'etcd:///greeter/server', 'etcd:greeter-server']) {
      assert.equal(validateTarget(good), good);
    }
    for (const bad of ['etcd:///', 'etcd:////', 'etcd:///greeter-server/']) rejects(bad, /etcd:\/\/\/<service name>/);
  });

  test('xds: a listener name passes; an empty name, a path, a query or a bad port is a ConfigError', () => {
    for (const good of [
      'xds:///greeter-server.grpc-lb-mesh.svc.cluster.local:50051',
      'xds:///greeter-server',
      'xds://control-plane.example/greeter-server:50051',
    ]) {
      assert.equal(validateTarget(good), good);
    }
    for (const bad of ['xds:///', 'xds:///greeter/extra', 'xds:///greeter?x=1', 'xds:///greeter:0', 'xds:///greeter:', 'xds:///:50051']) {
      rejects(bad, /xds:\/\/\/<listener name>/);
    }
  });

  test('config.ts stays pure: validating these targets loads neither grpc-js nor a resolver library', () => {
    const script =
      "const { validateTarget } = require('./samples/client/config');" +
      "for (const t of ['kubernetes:///a.b.c:1', 'etcd:///', 'xds:///']) { try { validateTarget(t); } catch {} }" +
      "validateTarget('kubernetes:///greeter.ns:50051');" +
      "process.stdout.write(JSON.stringify(Object.keys(require.cache).filter((k) => /node_modules[\\\\/](@grpc|@kubernetes|etcd3)/.test(k))));";
    const out = execFileSync(process.execPath, ['--import', 'tsx', '-e', script], {
      cwd: join(__dirname, '..', '..'),
      encoding: 'utf8',
    });
    assert.deepEqual(JSON.parse(out), []);
  });
});

describe('garbage in the environment: one clear line on stderr, exit code 2, no stack trace', () => {
  const cases: Array<{ sample: 'client' | 'server'; env: Record<string, string>; variable: string; says?: RegExp }> = [
    { sample: 'client', env: {}, variable: 'TARGET' },
    { sample: 'client', env: { TARGET: 'foo://bar:1' }, variable: 'TARGET' },
    {
      sample: 'client',
      env: { TARGET: 'kubernetes:///a.b.c:50051' },
      variable: 'TARGET',
      says: /of the form kubernetes:\/\/\/<service>\[\.<namespace>\]\[:<port number or name>\].* \(got "kubernetes:\/\/\/a\.b\.c:50051"\)$/,
    },
    { sample: 'client', env: { TARGET: 'etcd:///greeter-server/' }, variable: 'TARGET', says: /of the form etcd:\/\/\/<service name>/ },
    { sample: 'client', env: { TARGET: 'xds:///greeter/extra' }, variable: 'TARGET', says: /of the form xds:\/\/\/<listener name>/ },
    { sample: 'client', env: { TARGET: 'ipv4:127.0.0.1:1', LB_POLICY: 'random' }, variable: 'LB_POLICY' },
    { sample: 'client', env: { TARGET: 'ipv4:127.0.0.1:1', INTERVAL_MS: 'fast' }, variable: 'INTERVAL_MS' },
    { sample: 'client', env: { TARGET: 'etcd:///greeter-server', ETCD_ENDPOINTS: '127.0.0.1:2379' }, variable: 'ETCD_ENDPOINTS' },
    { sample: 'server', env: { PORT: '70000' }, variable: 'PORT' },
    { sample: 'server', env: { PORT: 'abc' }, variable: 'PORT' },
    { sample: 'server', env: { MAX_CONNECTION_AGE_MS: '3s' }, variable: 'MAX_CONNECTION_AGE_MS' },
    { sample: 'server', env: { HOST: '0.0.0.0', ETCD_ENDPOINTS: 'http://127.0.0.1:2379' }, variable: 'POD_IP' },
  ];

  test(`${cases.length} cases across client and server`, async () => {
    // Two at a time: each child loads grpc-js, and the machine has two cores.
    const queue = [...cases];
    const worker = async (): Promise<void> => {
      for (let c = queue.shift(); c; c = queue.shift()) {
        const child = SampleChild.spawn(c.sample, `${c.sample}:${c.variable}`, c.env);
        const exit = await child.exited;
        const what = `${c.sample} ${JSON.stringify(c.env)}`;
        assert.deepEqual(exit, { code: 2, signal: null }, `${what}: ${child.stderr}`);
        const lines = child.stderr.split('\n').filter((l) => l.trim() !== '');
        assert.equal(lines.length, 1, `${what}: ${child.stderr}`);
        assert.match(lines[0], new RegExp(`^greeter-${c.sample}: invalid configuration: ${c.variable} `), what);
        if (c.says) assert.match(lines[0], c.says, what);
        assert.doesNotMatch(child.stderr, /\bat .*:\d+:\d+/, `${what}: no stack trace`);
        assert.equal(child.lines.length, 0, `${what}: nothing on stdout`);
      }
    };
    await Promise.all([worker(), worker()]);
  });
});
