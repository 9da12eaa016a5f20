// A new user's first session with the packaged extension in a real VS Code (English UI):
// walkthrough, command palette, local lab + traffic view, a chapter workbook, Doctor, Apply Chapter
// without a cluster, and no unexpected errors. Run with `npm run test:e2e`.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { delimiter, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { CHAPTER_IDS } from '../../samples/common/catalog';
import { CHAPTERS_WALKTHROUGH_ID, SETUP_WALKTHROUGH_ID } from '../../extension/core/workbook/walkthrough';
import {
  EXTENSION_ID,
  RESULTS_DIR,
  Session,
  diagramText,
  localize,
  manifest,
  waitFor,
  type NotificationRecord,
  TRAFFIC_TREE_RACE,
} from './harness';

const { pkg, nls } = manifest();

/** A walkthrough the package contributes, by id. */
function walkthroughOf(id: string): NonNullable<typeof pkg.contributes.walkthroughs>[number] {
  const walkthrough = pkg.contributes.walkthroughs?.find((w) => w.id === id);
  assert.ok(walkthrough, `package.json contributes the ${id} walkthrough`);
  return walkthrough;
}
const l10nBundle = JSON.parse(readFileSync(join(__dirname, '..', '..', 'l10n', 'bundle.l10n.json'), 'utf8')) as Record<string, string>;

/** PATH without any folder that holds minikube, so Doctor's verdict does not depend on the machine. */
function pathWithoutMinikube(): string {
  return (process.env.PATH ?? '')
    .split(delimiter)
    .filter((dir) => dir && !existsSync(join(dir, 'minikube')))
    .join(delimiter);
}

describe('the extension in VS Code (English)', { timeout: 300_000 }, () => {
  let s: Session;
  /** A test whose failure leaves a screenshot and the extension's own logs behind. */
  const step = (name: string, fn: () => Promise<void>) =>
    test(name, async () => {
      try {
        await fn();
      } catch (error) {
        const shot = await s.screenshot(`FAILED-${name.replace(/[^a-z0-9]+/gi, '-').slice(0, 60)}`).catch(() => '');
        const notes = (await s.notifications().catch(() => [])).map((n) => `${n.severity}: ${n.message}`).join('\n');
        console.error(`screenshot: ${shot}\nnotifications:\n${notes}\n${s.extensionLogs().slice(-4000)}`);
        throw error;
      }
    });
  /** Error notifications a step provoked on purpose; any other error fails the last test. */
  const expectedErrors: NotificationRecord[] = [];

  before(async () => {
    s = await Session.start({
      env: {
        PATH: pathWithoutMinikube(),
        // A new user without a cluster: no KUBECONFIG and (fresh HOME) no ~/.kube/config.
        KUBECONFIG: undefined,
      },
    });
    await s.screenshot('01-workbench');
    // The walkthrough (next) activates the extension; let the workbench finish starting first, so
    // the activation time recorded below is this extension's and not the machine's start-up load.
    await s.waitForStartupExtensions();
  });

  after(async () => {
    await s?.dispose();
  });

  step('the setup walkthrough lists its steps and draws its diagram in the theme colours, High Contrast too', async () => {
    const setup = walkthroughOf(SETUP_WALKTHROUGH_ID);
    await s.openWalkthrough(localize(setup.title, nls));
    assert.deepEqual(await s.walkthroughStepTitles(), setup.steps.map((st) => localize(st.title, nls)));
    // The first step is selected; its diagram is inlined into a webview that has the theme's variables.
    const expected = diagramText(localize(setup.steps[0]!.media.svg ?? '', nls));
    const themed = await waitFor('the setup diagram in a themed webview', async () => {
      const d = await s.walkthroughDiagram();
      return d?.title === expected.title && d.foreground ? d : undefined;
    }, 30_000, 250);
    assert.equal(themed.textFill, themed.foreground, 'the labels are drawn in --vscode-foreground');
    await s.screenshot('02-walkthrough-setup');
    const before = await s.pickColorTheme('Dark High Contrast');
    const contrast = await waitFor('the diagram redrawn in High Contrast', async () => {
      const d = await s.walkthroughDiagram();
      return d?.foreground && d.foreground !== themed.foreground ? d : undefined;
    }, 30_000, 250);
    assert.equal(contrast.foreground, 'rgb(255, 255, 255)', 'Dark High Contrast has a white foreground');
    assert.equal(contrast.textFill, contrast.foreground, 'the labels follow the High Contrast theme');
    await s.screenshot('02-walkthrough-setup-high-contrast');
    await s.pickColorTheme(before);
    await waitFor('the first theme again', async () => (await s.walkthroughDiagram())?.foreground === themed.foreground, 30_000, 250);
    // VS Code's Open Walkthrough does nothing while a walkthrough with a selected step is the active editor.
    await s.runCommand('View: Close All Editors');
  });

  step('the chapters walkthrough opens and lists a step for every chapter, and only those and clean-up', async () => {
    const walkthrough = walkthroughOf(CHAPTERS_WALKTHROUGH_ID);
    await s.openWalkthrough(localize(walkthrough.title, nls));
    // The page replaces the setup walkthrough's steps with these.
    const first = localize(walkthrough.steps[0]!.title, nls);
    const shown = await waitFor('the chapters walkthrough', async () => {
      const titles = await s.walkthroughStepTitles();
      return titles.includes(first) ? titles : undefined;
    }, 30_000, 300);
    assert.deepEqual(shown, walkthrough.steps.map((st) => localize(st.title, nls)), 'the steps, and no setup step');
    for (const chapter of CHAPTER_IDS.filter((id) => id !== 'setup')) {
      const step = walkthrough.steps.find((st) => st.id === chapter);
      assert.ok(step, `the walkthrough has a step for chapter ${chapter}`);
      const stepTitle = localize(step.title, nls);
      assert.ok(!/^%.*%$/.test(stepTitle), `step ${chapter} has an English title in package.nls.json`);
      assert.ok(shown.includes(stepTitle), `step "${stepTitle}" is shown; shown: ${shown.join(' | ')}`);
    }
    await s.screenshot('02-walkthrough-chapters');
    // A step's button that asks something first (which chapter to clean up) keeps its quick pick open.
    await s.clickWalkthroughButton(localize(walkthrough.steps.find((st) => st.id === 'clean-up')?.title ?? '', nls), localize('%command.cleanUp.title%', nls));
    const asked = await waitFor('the Clean Up quick pick', () => s.quickInputTitle(), 10_000);
    await new Promise((r) => setTimeout(r, 1_000));
    assert.equal(await s.quickInputTitle(), asked, 'the quick pick a walkthrough button opened stays open');
    assert.equal(asked, 'Clean up what?');
    await s.closeQuickInput();
    // The walkthrough stays open: the later steps run their commands with its page in the editor
    // area, as a learner following it would.
  });

  step('the command palette lists every "gRPC LB" command', async () => {
    const category = localize('%command.category%', nls);
    await s.openPalette(`${category}: `);
    const labels = await s.quickPickLabels();
    await s.screenshot('03-command-palette');
    await s.closeQuickInput();
    // A command the manifest shows in the palette only `when` something holds (Pause/Resume
    // Traffic View toggle) is checked by the other tests; every other one must be listed.
    const conditional = new Set((pkg.contributes.menus?.commandPalette ?? []).filter((m) => m.when).map((m) => m.command));
    const listed = (c: { title: string; category?: string }) => {
      const expected = `${localize(c.category ?? '', nls)}: ${localize(c.title, nls)}`;
      return labels.some((l) => l === expected || l.startsWith(`${expected},`));
    };
    for (const c of pkg.contributes.commands.filter((c) => !conditional.has(c.command))) {
      assert.ok(listed(c), `"${localize(c.title, nls)}" is listed; the palette shows: ${labels.join(' | ')}`);
    }
    assert.ok(
      pkg.contributes.commands.filter((c) => conditional.has(c.command)).some(listed) || conditional.size === 0,
      'of the commands shown only `when` something holds, at least one (e.g. Pause Traffic View) is listed',
    );
  });

  step('"Start Local Lab" fills the traffic view with lab-server pods and their shares', async () => {
    await s.runCommand(`${localize('%command.category%', nls)}: ${localize('%command.startLocalLab.title%', nls)}`);
    await s.pick((label) => label === 'clusterip' || label.startsWith('clusterip,'), 'clusterip');
    await s.showTrafficView();
    const rows = await waitFor(
      'lab-server rows with a share in the traffic view',
      async () => {
        const labels = await s.trafficRows();
        const servers = labels.filter((l) => /lab-server-\d+/.test(l) && /\d+(\.\d+)?\s*%/.test(l));
        return servers.length > 0 ? labels : undefined;
      },
      60_000,
      500,
    );
    await s.screenshot('04-local-lab-traffic');
    assert.ok(rows.some((l) => /lab-client-\d+/.test(l)), `a lab-client row is shown; rows: ${rows.join(' | ')}`);
  });

  step('a chapter workbook opens (copied into the workspace, to keep edits) and its `lab` cell streams output', async () => {
    await s.runCommand(`${localize('%command.category%', nls)}: ${localize('%command.openWorkbook.title%', nls)}`);
    await s.pick((label) => /(^|, )clusterip(,|$)/.test(label), 'clusterip');
    // In a workspace the learner is offered a copy of the workbooks there: edits to the extension's own are lost on update.
    await s.clickNotificationButton(l10nBundle['Copy to Workspace']!);
    // All of them, so the links between them work (the copy runs file by file: wait for the whole set).
    const shipped = readdirSync(join(__dirname, '..', '..', 'walkthroughs', 'workbooks')).filter((f) => f.endsWith('.grpclb.md'));
    const copied = join(s.workspaceDir, 'grpc-lb-workbooks');
    await waitFor('every workbook copied into the workspace', async () => (shipped.every((f) => existsSync(join(copied, f))) ? true : undefined), 15_000);
    await s.page.locator('.notebook-editor .cell-list-container .code-cell-row').first().waitFor({ timeout: 30_000 });
    await s.screenshot('05-workbook');
    await s.runNotebookCell('lab clusterip');
    // Streaming: the cell shows the first lines while the lab still runs, the verdict later.
    const first = await waitFor('the lab cell to show its first output', async () => (await s.webviewText()).trim() || undefined, 60_000, 250);
    const final = await waitFor(
      'the lab cell to show the lab servers and the verdict',
      async () => {
        const text = await s.webviewText();
        return /lab-server-\d+/.test(text) && /verdict|HOLDS|FAILS/i.test(text) ? text : undefined;
      },
      90_000,
      500,
    );
    assert.ok(final.length > first.length, `output grew while the cell ran (first: ${JSON.stringify(first.slice(0, 200))})`);
    // Each RPC reads as "client → server  ms", not as the client's JSON log line.
    assert.match(final, /lab-client-\d+ → lab-server-\d+ +\d+(\.\d+)? ms/);
    assert.doesNotMatch(final, /"ok":\s*true/);
    // Show the cell's output in the screenshot: close the panel the lab's output channel opened and
    // scroll the notebook down a little.
    await s.runCommand('View: Hide Panel');
    await s.scrollNotebook(350);
    await s.screenshot('06-workbook-lab-cell', 'workbook-cell');
  });

  step('"Doctor" reports the missing minikube clearly', async () => {
    await s.runCommand(`${localize('%command.category%', nls)}: ${localize('%command.doctor.title%', nls)}`);
    const report = await waitFor(
      'a Doctor notification about minikube',
      async () => (await s.notifications()).find((n) => /minikube/i.test(n.message) && n.severity !== 'info'),
      60_000,
    );
    await s.screenshot('07-doctor');
    assert.notEqual(report.severity, 'error', `a missing tool is a warning, not an error: ${report.message}`);
    assert.match(report.message, /minikube/);
  });

  step('"Apply Chapter" without a cluster gives a clear error, not a crash', async () => {
    const before = (await s.notifications()).length;
    await s.runCommand(`${localize('%command.category%', nls)}: ${localize('%command.applyChapter.title%', nls)}`);
    await s.pick((label) => /(^|, )clusterip(,|$)/.test(label), 'clusterip');
    const error = await waitFor(
      'an error notification from Apply Chapter',
      async () => (await s.notifications()).slice(before).find((n) => n.severity === 'error'),
      60_000,
    );
    await s.screenshot('08-apply-without-cluster');
    expectedErrors.push(error);
    assert.notEqual(error.source, 'dialog', `the command handled its error (no "Command … resulted in an error" dialog): ${error.message}`);
    assert.match(error.message, /kube|cluster|minikube|context/i, `the error says what is missing: ${error.message}`);
    assert.doesNotMatch(error.message, /\n\s+at |TypeError|undefined/, `no stack trace or internal error: ${error.message}`);
    // Still alive: another command runs after the error.
    await s.dismissNotifications();
    await s.runCommand(`${localize('%command.category%', nls)}: ${localize('%command.resetTraffic.title%', nls)}`);
    assert.equal(await s.dismissDialog(), undefined, 'a command still runs after the error');
  });

  step('records the activation time reported by the extension host', async () => {
    const activation = await s.activationTime(localize(String((pkg as { displayName?: string }).displayName ?? EXTENSION_ID), nls));
    await s.screenshot('09-running-extensions');
    mkdirSync(RESULTS_DIR, { recursive: true });
    const record = {
      extension: EXTENSION_ID,
      activationMs: activation.ms,
      activationEvent: activation.event,
      measuredAt: new Date().toISOString(),
      host: 'code-server 4.100.3 (VS Code 1.100), remote extension host',
      machine: `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, load ${loadavg()[0].toFixed(1)}`,
    };
    writeFileSync(join(RESULTS_DIR, 'activation.json'), `${JSON.stringify(record, null, 2)}\n`);
    console.log(`activation: ${activation.ms} ms (${activation.event})`);
    assert.ok(activation.ms >= 0);
  });

  step('no error notification and no extension-host error besides those expected', async () => {
    const unexpected = (await s.notifications()).filter(
      (n) => n.severity === 'error' && !expectedErrors.some((e) => e.message === n.message),
    );
    assert.deepEqual(unexpected, [], 'unexpected error notifications');
    const errors = s
      .extHostLog()
      .split('\n')
      .filter((line) => /\[error\]/.test(line) && !TRAFFIC_TREE_RACE.test(line));
    assert.deepEqual(errors, [], 'extension host errors');
    assert.deepEqual(s.pageErrors, [], 'uncaught exceptions in the workbench page');
  });
});
