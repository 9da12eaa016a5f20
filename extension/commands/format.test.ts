import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { installVscodeStandIn, type VscodeStandIn } from '../core/testing/vscodeStandIn';
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
