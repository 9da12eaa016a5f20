import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'yaml';
import { chapterDocuments } from './index';
import { validateEnvoyBootstrap } from './envoyProto';

/* eslint-disable @typescript-eslint/no-explicit-any -- Envoy configs are walked as plain JSON */

function envoyConfigs(): Array<{ chapter: string; config: any }> {
  return (['envoy', 'envoy-sidecar'] as const).map((chapter) => {
    const configMap = chapterDocuments(chapter).find((d) => d.kind === 'ConfigMap') as any;
    return { chapter, config: parse(configMap.data['envoy.yaml']) };
  });
}

test('both Envoy configs validate strictly against Envoy v3 API protos', () => {
  for (const { chapter, config } of envoyConfigs()) {
    assert.deepEqual(validateEnvoyBootstrap(config), [], chapter);
    // typed_extension_protocol_options is keyed by the extension name of the message it holds
    for (const cluster of config.static_resources.clusters) {
      for (const [key, value] of Object.entries<any>(cluster.typed_extension_protocol_options)) {
        assert.equal(value['@type'], `type.googleapis.com/${key}`, chapter);
      }
    }
  }
});

test('the Envoy config says HTTP/2 upstream, STRICT_DNS, ROUND_ROBIN and gRPC health checks explicitly', () => {
  const { config } = envoyConfigs()[0];
  const cluster = config.static_resources.clusters[0];
  const options = cluster.typed_extension_protocol_options['envoy.extensions.upstreams.http.v3.HttpProtocolOptions'];
  assert.deepEqual(options.explicit_http_config, { http2_protocol_options: {} });
  assert.equal(cluster.type, 'STRICT_DNS');
  assert.equal(cluster.lb_policy, 'ROUND_ROBIN');
  assert.deepEqual(cluster.health_checks[0].grpc_health_check, {});
});

test('a misspelled field, a bad enum, a wrong @type or two members of one oneof fail the validation', () => {
  const { config } = envoyConfigs()[0];
  const cases: Array<[string, (c: any) => void, RegExp]> = [
    ['misspelled cluster field', (c) => { c.static_resources.clusters[0].lb_polcy = 'ROUND_ROBIN'; }, /clusters\[0\]\.lb_polcy: unknown field in envoy\.config\.cluster\.v3\.Cluster/],
    ['misspelled field inside an Any', (c) => {
      const options = c.static_resources.clusters[0].typed_extension_protocol_options['envoy.extensions.upstreams.http.v3.HttpProtocolOptions'];
      options.explicit_http_config = { http2_protocol_option: {} };
    }, /http2_protocol_option: unknown field/],
    ['misspelled field in the connection manager', (c) => {
      c.static_resources.listeners[0].filter_chains[0].filters[0].typed_config.stat_prefx = 'x';
    }, /stat_prefx: unknown field in envoy\.extensions\.filters\.network\.http_connection_manager\.v3\.HttpConnectionManager/],
    ['bad enum', (c) => { c.static_resources.clusters[0].type = 'STRICTDNS'; }, /type: STRICTDNS is not one of STATIC, STRICT_DNS/],
    ['unknown @type', (c) => {
      c.static_resources.listeners[0].filter_chains[0].filters[0].typed_config['@type'] = 'type.googleapis.com/envoy.nope.v3.Nope';
    }, /unknown type type\.googleapis\.com\/envoy\.nope\.v3\.Nope/],
    ['oneof set twice', (c) => { c.static_resources.clusters[0].health_checks[0].http_health_check = { path: '/' }; }, /oneof health_checker already set/],
    ['bad duration', (c) => { c.static_resources.clusters[0].connect_timeout = '1 second'; }, /connect_timeout: expected a duration/],
    ['missing required oneof', (c) => { delete c.static_resources.clusters[0].health_checks[0].grpc_health_check; }, /health_checker: one of .* is required/],
  ];
  for (const [name, mutate, expected] of cases) {
    const broken = structuredClone(config);
    mutate(broken);
    const errors = validateEnvoyBootstrap(broken);
    assert.ok(errors.some((e) => expected.test(e)), `${name}: ${JSON.stringify(errors)}`);
  }
});
