import assert from 'node:assert/strict';
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

describe('garbage in the environment: one clear line on stderr, exit code 2, no stack trace', () => {
  const cases: Array<{ sample: 'client' | 'server'; env: Record<string, string>; variable: string }> = [
    { sample: 'client', env: {}, variable: 'TARGET' },
    { sample: 'client', env: { TARGET: 'foo://bar:1' }, variable: 'TARGET' },
    { sample: 'client', env: { TARGET: 'ipv4:127.0.0.1:1', LB_POLICY: 'random' }, variable: 'LB_POLICY' },
    { sample: 'client', env: { TARGET: 'ipv4:127.0.0.1:1', INTERVAL_MS: 'fast' }, variable: 'INTERVAL_MS' },
    { sample: 'client', env: { TARGET: 'etcd:///greeter-server', ETCD_ENDPOINTS: '127.0.0.1:2379' }, variable: 'ETCD_ENDPOINTS' },
    { sample: 'server', env: { PORT: '70000' }, variable: 'PORT' },
    { sample: 'server', env: { PORT: 'abc' }, variable: 'PORT' },
    { sample: 'server', env: { MAX_CONNECTION_AGE_MS: '3s' }, variable: 'MAX_CONNECTION_AGE_MS' },
    { sample: 'server', env: { ETCD_ENDPOINTS: 'http://127.0.0.1:2379' }, variable: 'POD_IP' },
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
        assert.doesNotMatch(child.stderr, /\bat .*:\d+:\d+/, `${what}: no stack trace`);
        assert.equal(child.lines.length, 0, `${what}: nothing on stdout`);
      }
    };
    await Promise.all([worker(), worker()]);
  });
});
