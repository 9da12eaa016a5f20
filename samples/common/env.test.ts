import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ConfigError, readEnum, readInt, readOptionalInt, readPort, readRequired, readUrlList } from './env';

function configError(variable: string, pattern: RegExp) {
  return (err: unknown): boolean => {
    assert.ok(err instanceof ConfigError, String(err));
    assert.equal(err.variable, variable);
    assert.match(err.message, pattern);
    return true;
  };
}

describe('env readers', () => {
  test('integers: default when unset or blank, strict decimal parsing, range checked', () => {
    assert.equal(readInt({}, 'INTERVAL_MS', 200), 200);
    assert.equal(readInt({ INTERVAL_MS: '  ' }, 'INTERVAL_MS', 200), 200);
    assert.equal(readInt({ INTERVAL_MS: ' 50 ' }, 'INTERVAL_MS', 200), 50);
    assert.equal(readOptionalInt({}, 'MAX_CONNECTION_AGE_MS'), undefined);
    for (const bad of ['fast', '1.5', '1e3', '0x10', '10ms']) {
      assert.throws(() => readInt({ INTERVAL_MS: bad }, 'INTERVAL_MS', 200, { min: 1 }), configError('INTERVAL_MS', /INTERVAL_MS must be an integer >= 1 \(got "/));
    }
    assert.throws(() => readInt({ N: '0' }, 'N', 1, { min: 1, max: 5 }), configError('N', /an integer from 1 to 5 \(got "0"\)/));
    assert.throws(() => readInt({ N: '99999999999999999999' }, 'N', 1), configError('N', /an integer/));
  });

  test('ports: 1-65535', () => {
    assert.equal(readPort({}, 'PORT', 50051), 50051);
    assert.equal(readPort({ PORT: '65535' }, 'PORT', 1), 65535);
    for (const bad of ['0', '65536', '-1', 'abc', '50051/tcp']) {
      assert.throws(() => readPort({ PORT: bad }, 'PORT', 50051), configError('PORT', /PORT must be an integer from 1 to 65535/));
    }
  });

  test('enums: exact values, the error lists them', () => {
    const policies = ['round_robin', 'pick_first'] as const;
    assert.equal(readEnum({}, 'LB_POLICY', policies, 'round_robin'), 'round_robin');
    assert.equal(readEnum({ LB_POLICY: 'pick_first' }, 'LB_POLICY', policies, 'round_robin'), 'pick_first');
    assert.throws(
      () => readEnum({ LB_POLICY: 'ROUND_ROBIN' }, 'LB_POLICY', policies, 'round_robin'),
      configError('LB_POLICY', /one of round_robin, pick_first \(got "ROUND_ROBIN"\)/),
    );
  });

  test('URL lists: comma-separated http(s) URLs; blank items and other schemes are errors', () => {
    assert.equal(readUrlList({}, 'ETCD_ENDPOINTS'), undefined);
    assert.deepEqual(readUrlList({ ETCD_ENDPOINTS: 'http://127.0.0.1:2379, https://etcd:2379' }, 'ETCD_ENDPOINTS'), [
      'http://127.0.0.1:2379',
      'https://etcd:2379',
    ]);
    for (const bad of ['127.0.0.1:2379', 'ftp://x', 'http://a:1,', ',', 'not a url']) {
      assert.throws(() => readUrlList({ ETCD_ENDPOINTS: bad }, 'ETCD_ENDPOINTS'), configError('ETCD_ENDPOINTS', /comma-separated list of http/));
    }
  });

  test('required values name the variable when missing', () => {
    assert.equal(readRequired({ TARGET: 'x' }, 'TARGET', 'a target'), 'x');
    assert.throws(() => readRequired({}, 'TARGET', 'a target'), configError('TARGET', /^TARGET is required: expected a target$/));
  });
});
