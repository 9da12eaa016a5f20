import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { installVscodeStandIn, type VscodeStandIn } from '../core/testing/vscodeStandIn';
import type { DoctorReport } from '../core/toolchain/doctor';
import { parseActionLine, type ActionError, type ActionErrorCode } from '../core/workbook/actions';

/** Workbook syntax errors reach the cell through l10n.t (vscode stand-in: messages come back filled in). */
describe('workbook syntax errors, localized (vscode stand-in)', () => {
  let standIn: VscodeStandIn;
  let formatActionError: (e: ActionError) => string;
  before(() => {
    standIn = installVscodeStandIn();
    formatActionError = (createRequire(__filename)(join(__dirname, 'format.ts')) as { formatActionError: typeof formatActionError }).formatActionError;
  });
  after(() => standIn.restore());

  const cases: Array<[string, ActionErrorCode, RegExp]> = [
    ['deploy', 'unknown-action', /unknown action "deploy"; valid actions: doctor \| .*apply <chapter> \|/],
    ['apply', 'missing-argument', /an argument is missing; expected one of: clusterip, /],
    ['apply clusterip now', 'extra-argument', /unexpected "now" at the end of the line/],
    ['apply clusterp', 'unknown-chapter', /unknown chapter "clusterp"; expected one of: clusterip/],
    ['apply setup', 'chapter-deploys-nothing', /the setup chapter deploys nothing; use one of: clusterip/],
    ['scale greeter-client 3', 'unknown-deployment', /cannot scale "greeter-client"; expected one of: greeter-server/],
    ['scale greeter-server 99', 'bad-replicas', /replica count "99" must be a whole number from 0 to 20/],
    ['experiment scale-sideways', 'unknown-experiment', /unknown experiment "scale-sideways"; expected one of: scale-up/],
    ['lab clusterpi', 'unknown-scenario', /unknown lab scenario "clusterpi"; expected one of: clusterip/],
  ];
  for (const [line, code, expected] of cases) {
    it(`${code}: "${line}"`, () => {
      const r = parseActionLine(line);
      assert.equal(r.ok, false, `"${line}" is rejected`);
      if (r.ok) return;
      assert.equal(r.error.code, code);
      assert.match(formatActionError(r.error), expected);
    });
  }
});

describe('doctor lines: what the doctor words itself is localized, a tool\'s own words are kept (vscode stand-in)', () => {
  let standIn: VscodeStandIn;
  let formatDoctorReport: (r: DoctorReport) => string[];
  before(() => {
    standIn = installVscodeStandIn();
    formatDoctorReport = (createRequire(__filename)(join(__dirname, 'format.ts')) as { formatDoctorReport: typeof formatDoctorReport }).formatDoctorReport;
  });
  after(() => standIn.restore());

  it('a hung version call, a silent failure, a tool\'s message and an unreachable API', () => {
    const hint = { url: 'https://example.test/install' };
    const lines = formatDoctorReport({
      ready: false,
      tools: [
        { id: 'minikube', command: 'minikube', optional: false, found: true, path: '/bin/minikube', problem: 'timed out', problemCode: { kind: 'timed-out', seconds: 10 }, installHint: hint },
        { id: 'docker', command: 'docker', optional: false, found: true, path: '/bin/docker', problem: 'exit code 3', problemCode: { kind: 'exit-code', code: 3 }, installHint: hint },
        { id: 'kubectl', command: 'kubectl', optional: true, found: true, path: '/bin/kubectl', problem: 'error: unknown flag --client', installHint: hint },
      ],
      cluster: { context: 'kind-x', server: 'https://127.0.0.1:6443', isMinikube: false, reachable: false, problem: 'no answer within 5 s', problemCode: { kind: 'no-answer', seconds: 5 } },
      images: { loader: { kind: 'kind', cluster: 'x', tool: 'docker', reason: 'context kind-x is a kind cluster\'s' } },
    });
    assert.match(lines[0]!, /minikube: found at \/bin\/minikube but it does not work: no answer within 10 s/);
    assert.match(lines[1]!, /docker: found at \/bin\/docker but it does not work: exit code 3/);
    assert.match(lines[2]!, /kubectl \(optional\): found at \/bin\/kubectl but it does not work: error: unknown flag --client/);
    assert.match(lines[3]!, /kube context "kind-x" \(https:\/\/127\.0\.0\.1:6443\): the API does not answer — no answer within 5 s/);
    assert.match(lines[4]!, /^✔ images: kind with docker \(context kind-x is a kind cluster's\)$/);
  });
});
