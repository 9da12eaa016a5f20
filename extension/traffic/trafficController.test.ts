import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ToolMissingError } from '../core/errors';
import { installVscodeStandIn, type VscodeStandIn } from '../core/testing/vscodeStandIn';
import type { TrafficController as Controller, TrafficServices } from './trafficController';

/**
 * The traffic controller's local-lab runs (real lab processes; vscode is a recording stand-in).
 * A scenario the lab cannot run here is a missing tool, not a claim that failed.
 */
describe('traffic controller: local lab (vscode stand-in)', () => {
  let standIn: VscodeStandIn;
  let TrafficController: typeof Controller;
  const savedEtcd = process.env.ETCD_BINARY;

  before(() => {
    standIn = installVscodeStandIn();
    TrafficController = (createRequire(__filename)(join(__dirname, 'trafficController.ts')) as { TrafficController: typeof Controller }).TrafficController;
  });
  after(() => {
    standIn.restore();
    if (savedEtcd === undefined) delete process.env.ETCD_BINARY;
    else process.env.ETCD_BINARY = savedEtcd;
  });

  it('without etcd, the etcd scenario reports the missing tool with its install step and ticks nothing', async () => {
    process.env.ETCD_BINARY = join(__dirname, 'no-such-etcd');
    const ticked: string[] = [];
    const lines: string[] = [];
    const channel = { appendLine: (l: string) => lines.push(l), show: () => undefined } as never;
    const services: TrafficServices = {
      kubeConfig: () => {
        throw new Error('the lab needs no cluster');
      },
      cluster: { requireChapterClients: async () => undefined, scale: async () => undefined, preferForScaleDown: async () => undefined, deletePod: async () => undefined, podLog: async () => '' },
      guard: { ensureWritable: async () => undefined },
      plainChannel: () => channel,
      progress: { labScenarioFinished: async (s) => void ticked.push(s) },
    };
    const controller = new TrafficController(services);
    try {
      await assert.rejects(controller.runLab('etcd', undefined, () => undefined), (err: unknown) => {
        assert.ok(err instanceof ToolMissingError, `a ToolMissingError, got ${String(err)}`);
        assert.equal(err.tool, 'etcd');
        assert.match(err.installHint.apt ?? '', /etcd-server/);
        return true;
      });
      assert.deepEqual(ticked, [], 'the walkthrough step is not ticked');
      assert.equal(controller.result, undefined, 'no red result in the view');
      assert.ok(lines.some((l) => /etcd is not installed/.test(l)), 'the Lab channel says why');
    } finally {
      controller.dispose();
    }
  });
});
