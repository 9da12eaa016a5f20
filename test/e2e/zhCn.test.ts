// The same extension with VS Code's display language set to zh-cn (`--locale zh-cn` and a stub
// language pack, see harness.ts): the walkthrough, the command titles and the extension's own
// messages are in Chinese. Run with `npm run test:e2e`.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { CHAPTER_IDS } from '../../samples/common/catalog';
import { CHAPTERS_WALKTHROUGH_ID, SETUP_WALKTHROUGH_ID } from '../../extension/core/workbook/walkthrough';
import { REPO_ROOT, Session, diagramText, localize, manifest, waitFor } from './harness';

const { pkg, nlsZh } = manifest();
const bundleZh = JSON.parse(readFileSync(join(REPO_ROOT, 'l10n', 'bundle.l10n.zh-cn.json'), 'utf8')) as Record<string, string>;
const HAN = /[\u4e00-\u9fff]/;

describe('the extension in VS Code with the display language zh-cn', { timeout: 240_000 }, () => {
  let s: Session;
  const step = (name: string, fn: () => Promise<void>) =>
    test(name, async () => {
      try {
        await fn();
      } catch (error) {
        const shot = await s.screenshot(`FAILED-zh-cn-${name.replace(/[^a-z0-9]+/gi, '-').slice(0, 50)}`).catch(() => '');
        console.error(`screenshot: ${shot}`);
        throw error;
      }
    });

  before(async () => {
    s = await Session.start({
      locale: 'zh-cn',
      env: {
        PATH: (process.env.PATH ?? '').split(delimiter).filter((d) => d && !existsSync(join(d, 'minikube'))).join(delimiter),
        KUBECONFIG: undefined,
      },
    });
  });

  after(async () => {
    await s?.dispose();
  });

  step('both walkthroughs show their Chinese titles, step titles and diagrams', async () => {
    // VS Code's own UI stays English (the stub pack translates nothing of VS Code itself).
    for (const id of [SETUP_WALKTHROUGH_ID, CHAPTERS_WALKTHROUGH_ID]) {
      const walkthrough = pkg.contributes.walkthroughs?.find((w) => w.id === id);
      assert.ok(walkthrough, `package.json contributes the ${id} walkthrough`);
      const title = localize(walkthrough.title, nlsZh);
      assert.match(title, HAN, `package.nls.zh-cn.json translates the title of ${id}`);
      await s.openWalkthrough(title);
      const titles = walkthrough.steps.map((st) => localize(st.title, nlsZh));
      const shown = await waitFor(`the steps of ${id}`, async () => {
        const now = await s.walkthroughStepTitles();
        return now.includes(titles[0]!) ? now : undefined;
      }, 30_000, 300);
      assert.deepEqual(shown, titles);
      for (const stepTitle of titles) assert.match(stepTitle, HAN, `package.nls.zh-cn.json translates the step title "${stepTitle}"`);
      // The selected first step shows the zh-cn diagram: package.nls.zh-cn.json localizes the svg path too.
      const diagram = diagramText(localize(walkthrough.steps[0]!.media.svg ?? '', nlsZh));
      assert.match(diagram.desc, HAN);
      await waitFor(`the zh-cn diagram "${diagram.title}"`, async () => {
        const shownDiagram = await s.walkthroughDiagram();
        return shownDiagram?.title === diagram.title && shownDiagram.desc === diagram.desc;
      }, 30_000, 250);
      await s.screenshot(`zh-cn-01-walkthrough-${id}`);
      // VS Code's Open Walkthrough does nothing while a walkthrough with a selected step is the active editor.
      await s.runCommand('View: Close All Editors');
    }
    for (const chapter of CHAPTER_IDS) {
      assert.ok(pkg.contributes.walkthroughs?.some((w) => w.steps.some((st) => st.id === chapter)), `a walkthrough step for chapter ${chapter}`);
    }
  });

  step('the command palette lists the gRPC LB commands under their Chinese titles', async () => {
    const category = localize('%command.category%', nlsZh);
    await s.openPalette(`${category}: `);
    const labels = await s.quickPickLabels();
    await s.screenshot('zh-cn-02-command-palette');
    await s.closeQuickInput();
    const conditional = new Set((pkg.contributes.menus?.commandPalette ?? []).filter((m) => m.when).map((m) => m.command));
    for (const c of pkg.contributes.commands.filter((c) => !conditional.has(c.command))) {
      const expected = `${localize(c.category ?? '', nlsZh)}: ${localize(c.title, nlsZh)}`;
      assert.match(localize(c.title, nlsZh), HAN, `package.nls.zh-cn.json translates the title of ${c.command}`);
      assert.ok(
        labels.some((l) => l === expected || l.startsWith(`${expected},`)),
        `"${expected}" is listed; the palette shows: ${labels.join(' | ')}`,
      );
    }
  });

  step("the extension's own messages are in Chinese (Doctor's report)", async () => {
    const english = 'Missing: {0}. Details are in the output.';
    const zh = bundleZh[english];
    assert.ok(zh, `l10n/bundle.l10n.zh-cn.json translates "${english}"`);
    const expected = new RegExp(`^${zh.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace('\\{0\\}', '.*minikube.*')}$`);
    await s.runCommand(`${localize('%command.category%', nlsZh)}: ${localize('%command.doctor.title%', nlsZh)}`);
    const report = await waitFor(
      "Doctor's report in Chinese",
      async () => (await s.notifications()).find((n) => /minikube/.test(n.message) && n.severity !== 'info'),
      60_000,
    );
    await s.screenshot('zh-cn-03-doctor');
    assert.match(report.message, expected);
  });

  step("a local-lab run ends with its verdict in Chinese", async () => {
    await s.dismissNotifications();
    await s.runCommand(`${localize('%command.category%', nlsZh)}: ${localize('%command.startLocalLab.title%', nlsZh)}`);
    await s.pick((label) => label === 'clusterip' || label.startsWith('clusterip,'), 'clusterip');
    const holds = bundleZh['Lab {0}: the claim holds. {1}'];
    const verdict = bundleZh['{0}: each client used {1} server(s) of {2}; the proxy balanced connections, not RPCs.'];
    assert.ok(holds && verdict, 'the bundle translates the lab message and the clusterip verdict');
    const lead = holds.slice(0, holds.indexOf('{0}'));
    const done = await waitFor(
      'the lab notification',
      // The progress notification ("本地实验室：clusterip") shows first; the result follows it.
      async () => (await s.notifications()).find((n) => n.message.startsWith(lead)),
      90_000,
      500,
    );
    await s.screenshot('zh-cn-04-lab', 'lab-zh-cn');
    // The verdict inside it is Chinese too ("成立：每个客户端只用了 3 个服务端中的 1 个…"), not "HOLDS: each client used…".
    assert.match(done.message, new RegExp(`${bundleZh['HOLDS']}：`));
    assert.doesNotMatch(done.message, /HOLDS|each client used/);
  });

  step('no error notification and no extension-host error', async () => {
    assert.deepEqual((await s.notifications()).filter((n) => n.severity === 'error'), []);
    // The stub language pack has no translations of VS Code's built-in extensions, and VS Code logs
    // that for each one it activates (ids vscode.*). A missing bundle of ours would still fail here.
    const errors = s
      .extHostLog()
      .split('\n')
      .filter((line) => /\[error\]/.test(line) && !/No bundle location found for extension vscode\./.test(line));
    assert.deepEqual(errors, []);
    assert.deepEqual(s.pageErrors, []);
  });
});
