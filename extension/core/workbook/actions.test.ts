import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { CHAPTER_IDS, LAB_SCENARIO_IDS } from '../../../samples/common/catalog';
import { parseActionLine, parseActionCell, formatAction, EXPERIMENT_KINDS, type WorkbookAction } from './actions';

function ok(line: string): WorkbookAction | null {
  const result = parseActionLine(line);
  assert.ok(result.ok, `"${line}" should parse: ${result.ok ? '' : result.error.message}`);
  return result.action;
}

function err(line: string) {
  const result = parseActionLine(line);
  assert.ok(!result.ok, `"${line}" should be rejected`);
  return result.error;
}

test('every documented action parses to its typed form', () => {
  assert.deepEqual(ok('doctor'), { kind: 'doctor' });
  assert.deepEqual(ok('start minikube'), { kind: 'startMinikube' });
  assert.deepEqual(ok('build images'), { kind: 'buildImages' });
  assert.deepEqual(ok('open kiali'), { kind: 'openKiali' });
  assert.deepEqual(ok('install istio'), { kind: 'installIstio' });
  assert.equal(err('install envoy').code, 'unknown-action');
  assert.deepEqual(ok('apply headless'), { kind: 'apply', chapter: 'headless' });
  assert.deepEqual(ok('tail envoy-sidecar'), { kind: 'tail', chapter: 'envoy-sidecar' });
  assert.deepEqual(ok('clean max-age'), { kind: 'clean', chapter: 'max-age' });
  assert.deepEqual(ok('clean all'), { kind: 'clean', chapter: 'all' });
  assert.equal(err('apply all').code, 'unknown-chapter');
  assert.deepEqual(ok('scale greeter-server 5'), { kind: 'scale', deployment: 'greeter-server', replicas: 5 });
  assert.deepEqual(ok('scale greeter-server 0'), { kind: 'scale', deployment: 'greeter-server', replicas: 0 });
  assert.deepEqual(ok('experiment scale-up'), { kind: 'experiment', experiment: 'scale-up' });
  assert.deepEqual(ok('lab etcd'), { kind: 'lab', scenario: 'etcd' });
});

test('every chapter, experiment and lab scenario of the catalog is accepted', () => {
  for (const id of CHAPTER_IDS.filter((c) => c !== 'setup')) assert.deepEqual(ok(`apply ${id}`), { kind: 'apply', chapter: id });
  for (const kind of EXPERIMENT_KINDS) assert.deepEqual(ok(`experiment ${kind}`), { kind: 'experiment', experiment: kind });
  for (const id of LAB_SCENARIO_IDS) assert.deepEqual(ok(`lab ${id}`), { kind: 'lab', scenario: id });
});

test('blank lines, comments and extra spaces are allowed', () => {
  assert.equal(ok(''), null);
  assert.equal(ok('   \t'), null);
  assert.equal(ok('# scale up and watch the traffic view'), null);
  assert.deepEqual(ok('  apply   headless   # deploy the chapter'), { kind: 'apply', chapter: 'headless' });
});

test('an unknown action is named and the valid ones are listed', () => {
  const e = err('deploy headless');
  assert.equal(e.code, 'unknown-action');
  assert.equal(e.token, 'deploy');
  assert.match(e.message, /unknown action "deploy"/);
  for (const verb of ['doctor', 'apply <chapter>', 'scale greeter-server <replicas>', 'tail <chapter>', 'experiment', 'lab <scenario>', 'clean <chapter|all>']) {
    assert.ok(e.message.includes(verb), `message lists ${verb}: ${e.message}`);
  }
  assert.match(err('start kind').message, /did you mean "start minikube"/);
});

test('bad arguments give clear errors naming the bad value and the valid ones', () => {
  const chapter = err('apply headles');
  assert.equal(chapter.code, 'unknown-chapter');
  assert.match(chapter.message, /unknown chapter "headles"; expected one of: clusterip, headless/);
  assert.ok(!chapter.expected.includes('setup'));
  assert.equal(err('apply setup').code, 'chapter-deploys-nothing');
  assert.equal(err('tail').code, 'missing-argument');
  assert.equal(err('apply headless now').code, 'extra-argument');
  assert.equal(err('scale envoy 2').code, 'unknown-deployment');
  for (const count of ['21', '-1', '2.5', 'three', '1e1']) {
    const e = err(`scale greeter-server ${count}`);
    assert.equal(e.code, 'bad-replicas', count);
    assert.match(e.message, /from 0 to 20/);
  }
  assert.equal(err('scale greeter-server').code, 'missing-argument');
  const exp = err('experiment scaleup');
  assert.equal(exp.code, 'unknown-experiment');
  assert.match(exp.message, /expected one of: scale-up, scale-down, rollout/);
  const lab = err('lab endpoints');
  assert.equal(lab.code, 'unknown-scenario');
  assert.match(lab.message, /unknown lab scenario "endpoints"; expected one of: clusterip, headless/);
});

test('a cell is parsed line by line with line numbers for actions and errors', () => {
  const { actions, errors } = parseActionCell('# deploy\napply headless\r\n\nscale greeter-server 99\ntail headless');
  assert.deepEqual(actions, [
    { line: 1, action: { kind: 'apply', chapter: 'headless' } },
    { line: 4, action: { kind: 'tail', chapter: 'headless' } },
  ]);
  assert.equal(errors.length, 1);
  assert.equal(errors[0].line, 3);
  assert.equal(errors[0].code, 'bad-replicas');
});

test('formatAction is the inverse of parseActionLine', () => {
  const lines = ['doctor', 'start minikube', 'build images', 'install istio', 'open kiali', 'apply istio', 'tail etcd', 'clean proxyless', 'clean all',
    'scale greeter-server 3', 'experiment rollout', 'lab max-age'];
  for (const line of lines) {
    const action = ok(line);
    assert.ok(action);
    assert.equal(formatAction(action), line);
  }
});
