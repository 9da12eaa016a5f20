import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { displayWidth } from '../../samples/common/displayWidth';
import type { ScenarioReport } from '../../samples/lab/report';
import type { ExperimentReport } from '../core/traffic/experiments';
import { installVscodeStandIn, type VscodeStandIn } from '../core/testing/vscodeStandIn';

/**
 * The Lab channel's reports in 简体中文 (vscode is a stand-in that translates with the shipped zh-cn bundle): the figure
 * values form one column on screen. A CJK character takes two columns, so labels padded by string length put each
 * value one column further right per character of its label.
 */
describe('lab and experiment reports in 简体中文 line up', () => {
  const bundle = JSON.parse(readFileSync(join(__dirname, '..', '..', 'l10n', 'bundle.l10n.zh-cn.json'), 'utf8')) as Record<string, string>;
  let standIn: VscodeStandIn;
  let controller: {
    localizedReport(report: ScenarioReport): string;
    localizedExperimentReport(report: ExperimentReport): string;
  };

  before(() => {
    standIn = installVscodeStandIn({ l10nBundle: bundle });
    controller = createRequire(__filename)(join(__dirname, 'trafficController.ts')) as typeof controller;
  });
  after(() => standIn.restore());

  /** The display column where the value starts on each line that shows one of these (English) labels, translated. */
  function valueColumns(text: string, englishLabels: string[]): Map<string, number> {
    const columns = new Map<string, number>();
    for (const english of englishLabels) {
      const label = bundle[english];
      assert.ok(label, `the zh-cn bundle translates "${english}"`);
      const line = text.split('\n').find((l) => l.startsWith(`  ${label} `));
      assert.ok(line, `a line for "${label}" in:\n${text}`);
      const gap = /^ +/.exec(line.slice(2 + label.length))?.[0].length ?? 0;
      columns.set(label, displayWidth(`  ${label}`) + gap);
    }
    return columns;
  }

  function assertOneColumn(columns: Map<string, number>, text: string): void {
    assert.equal(new Set(columns.values()).size, 1, `value columns ${JSON.stringify([...columns])} differ in:\n${text}`);
  }

  it('a lab scenario report: every figure value starts at the same column', () => {
    const report: ScenarioReport = {
      id: 'headless',
      claim: 'claim text',
      holds: true,
      figures: { servers: 3, serversHit: 3, windowMs: 8000, scaleUpDiscoveredMs: null },
      distribution: { 'lab-client-1': { 'lab-server-1': 10, 'lab-server-2': 30 } },
    };
    const text = controller.localizedReport(report);
    const columns = valueColumns(text, [
      'servers running',
      'servers each client used (min)',
      'observation window',
      'scale-up: first RPC on the new server after',
    ]);
    assertOneColumn(columns, text);
  });

  it('a cluster experiment report: every figure value starts at the same column', () => {
    const report: ExperimentReport = {
      kind: 'scale-up',
      chapter: 'headless',
      namespace: 'grpc-lb-example',
      figures: { replicasBefore: 3, newPod: 'greeter-server-7c9d8-x2x4q', scaleUpDiscoveredMs: 812, scaleUpFailedRpcs: 0, newPodsWithoutRpcs: 0 },
      distribution: { 'greeter-client-headless-1': { 'greeter-server-7c9d8-a1b2c': 40 } },
    };
    const text = controller.localizedExperimentReport(report);
    const columns = valueColumns(text, [
      'server replicas before',
      'new server pod',
      'scale-up: first RPC on the new server after',
      'scale-up: failed RPCs',
      'new pods without an RPC in the window',
    ]);
    assertOneColumn(columns, text);
  });
});
