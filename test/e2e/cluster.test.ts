// One learner's flow against a real cluster — the rig that `npm run cluster:up` builds — in a real VS Code:
// Build Sample Images from the installed .vsix (no clone: the rig's copies of the images are removed first,
// and the extension's containerd loader puts them back), the kube-context question answered with "Allow
// Writes", Apply Chapter… headless, Tail Client Logs (the
// Traffic view lists the pods the API lists), Run Experiment… scale-up (the report's figure) and Clean
// Up… headless (the API lists none of the chapter's Deployments any more).
//
// Runs only when the rig answers (its kubeconfig exists and /readyz is ok through it); otherwise every
// step is skipped with the reason — unless GRPC_LB_E2E_CLUSTER=1 (CI), where a missing rig fails.
// The namespace grpc-lb-example is shared: run it under the rig's lock, e.g.
//   flock /tmp/grpc-lb-rig.lock npm run test:e2e -- test/e2e/cluster.test.ts
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test, type TestContext } from 'node:test';
import { CHAPTER_LABEL, CLIENT_IMAGE, NAMESPACE, PART_OF, SERVER_IMAGE, clientDeploymentName } from '../../samples/common/catalog';
import { qualifiedImageName } from '../../extension/core/toolchain/imageLoaders';
import { nodeBaseOf, npmBuildVolumes } from '../../scripts/cluster/images';
import { imageBuildPlan } from '../../samples/images/index';
import { SERVER_DEPLOYMENT, SERVER_POD_SELECTOR } from '../../extension/core/traffic/experiments';
import { clientPodSelector } from '../../extension/core/traffic/logFollower';
import { judgeScaleUp, scaleUpExpectation } from '../../scripts/clusterLessons';
import { BIN_DIR, CONTAINERD_NAMESPACE, CONTAINERD_SOCKET, CONTEXT, KUBECONFIG_PATH, run, tryRun } from '../../scripts/cluster/rig';
import { REPO_ROOT, Session, TRAFFIC_TREE_RACE, localize, manifest, waitFor, type NotificationRecord } from './harness';

const CHAPTER = 'headless';
const REQUIRED = process.env.GRPC_LB_E2E_CLUSTER === '1';
const RIG = join(BIN_DIR, 'rig');
const PART_OF_SELECTOR = `app.kubernetes.io/part-of=${PART_OF}`;
const CHAPTER_SELECTOR = `${PART_OF_SELECTOR},${CHAPTER_LABEL}=${CHAPTER}`;

const { nls } = manifest();
const command = (key: string): string => `${localize('%command.category%', nls)}: ${localize(`%command.${key}.title%`, nls)}`;

/**
 * The extension's English message for `template` (a key of l10n/bundle.l10n.json, so a reworded
 * message fails here and not as a timeout) as a pattern whose groups are its {0}, {1}, … arguments.
 */
const bundle = JSON.parse(readFileSync(join(REPO_ROOT, 'l10n', 'bundle.l10n.json'), 'utf8')) as Record<string, string>;
function message(template: string): RegExp {
  const text = bundle[template];
  assert.ok(text, `l10n/bundle.l10n.json has the message "${template}"`);
  const pattern = text
    .split(/\{\d+\}/)
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('(.+?)');
  return new RegExp(`^${pattern}$`);
}

/** The rig's own kubectl on the rig's kubeconfig and context (execFile with an argument array). */
async function kubectl(...args: string[]): Promise<string> {
  return (await run(RIG, ['kubectl', `--kubeconfig=${KUBECONFIG_PATH}`, `--context=${CONTEXT}`, ...args])).stdout;
}

/** The images the tutorial builds, as containerd (and so the kubelet) names them. */
const PROJECT_IMAGES = [SERVER_IMAGE, CLIENT_IMAGE].map(qualifiedImageName);

/** Image names in the rig's containerd, CRI namespace. */
async function containerdImages(): Promise<string[]> {
  const { stdout } = await run('ctr', ['--address', CONTAINERD_SOCKET, '--namespace', CONTAINERD_NAMESPACE, 'images', 'ls', '--quiet']);
  return stdout.split('\n').map((l) => l.trim()).filter(Boolean);
}

/** Why the rig cannot be used, or undefined when it answers. */
async function rigProblem(): Promise<string | undefined> {
  if (!existsSync(KUBECONFIG_PATH)) return `no rig: ${KUBECONFIG_PATH} does not exist (npm run cluster:up builds it)`;
  if (!existsSync(RIG)) return `no rig: ${RIG} does not exist (npm run cluster:up builds it)`;
  const readyz = await tryRun(RIG, ['kubectl', `--kubeconfig=${KUBECONFIG_PATH}`, `--context=${CONTEXT}`, 'get', '--raw=/readyz', '--request-timeout=5s']);
  if (readyz?.stdout.trim() !== 'ok') return `the rig does not answer: /readyz through ${KUBECONFIG_PATH} is not ok (npm run cluster:up starts it)`;
  return undefined;
}

interface PodList {
  items: Array<{ metadata: { name: string; deletionTimestamp?: string }; status?: { phase?: string } }>;
}

/** Running pods (not being deleted) of the namespace that match `selector`, by name. */
async function runningPods(selector: string): Promise<string[]> {
  const list = JSON.parse(await kubectl('get', 'pods', '-n', NAMESPACE, '-l', selector, '-o', 'json')) as PodList;
  return list.items
    .filter((p) => p.status?.phase === 'Running' && !p.metadata.deletionTimestamp)
    .map((p) => p.metadata.name)
    .sort();
}

async function deployments(selector: string): Promise<string[]> {
  const out = await kubectl('get', 'deployments', '-n', NAMESPACE, '-l', selector, '-o', 'name');
  return out.split('\n').map((l) => l.trim()).filter(Boolean).sort();
}

/** One row of the Traffic view as the workbench shows it (label and description). */
interface ViewTraffic {
  /** client pod → server pod → RPC count */
  clients: Map<string, Map<string, number>>;
  rows: string[];
}

const CLIENT_ROW = /^(greeter-client-[a-z0-9-]+) ([\d,]+) RPCs/;
const SERVER_ROW = /^(greeter-server-[a-z0-9-]+) ([\d,]+) · [\d.,]+%/;

/** The Traffic view's client rows with the server rows under each (rows come in display order). */
function parseTraffic(rows: string[]): ViewTraffic {
  const clients = new Map<string, Map<string, number>>();
  let current: Map<string, number> | undefined;
  for (const row of rows) {
    const c = CLIENT_ROW.exec(row);
    if (c) {
      current = new Map();
      clients.set(c[1], current);
      continue;
    }
    const s = SERVER_ROW.exec(row);
    if (s && current) current.set(s[1], Number(s[2].replace(/,/g, '')));
    else if (!s) current = undefined;
  }
  return { clients, rows };
}

/**
 * Waits for the first notification since `from` (an earlier count of them) that `pick` recognizes, and
 * stops at once when an error notification or a dialog shows up instead. `poll` runs on every look.
 */
async function awaitNotification<T>(
  s: Session,
  from: number,
  what: string,
  pick: (n: NotificationRecord) => T | null | undefined,
  timeoutMs: number,
  poll?: () => Promise<void>,
): Promise<T> {
  let failure: NotificationRecord | undefined;
  const found = await waitFor(
    what,
    async () => {
      await poll?.();
      const notes = (await s.notifications()).slice(from);
      failure = notes.find((n) => n.severity === 'error' || n.source === 'dialog');
      return failure ? true : notes.map(pick).find(Boolean);
    },
    timeoutMs,
    500,
  );
  if (failure) throw new Error(`instead of ${what}, ${failure.source === 'dialog' ? 'a dialog' : 'an error'}: ${failure.message}`);
  return found as T;
}

describe('a learner on a real cluster (the rig): apply, tail, experiment, clean up', { timeout: 900_000 }, () => {
  let problem: string | undefined;
  let s: Session | undefined;
  /** The first step that failed: the later ones build on it and are skipped. */
  let broken: string | undefined;
  let cleanedUp = false;
  let trustDir: string | undefined;

  /** A step of the flow: skipped without the rig; a failure leaves a screenshot and the extension's logs. */
  const step = (name: string, timeoutMs: number, fn: (s: Session) => Promise<void>) =>
    test(name, { timeout: timeoutMs }, async (t: TestContext) => {
      if (problem) return t.skip(problem);
      if (broken) return t.skip(`an earlier step failed: ${broken}`);
      const session = s as Session;
      try {
        await fn(session);
      } catch (error) {
        broken = name;
        const shot = await session.screenshot(`FAILED-cluster-${name.replace(/[^a-z0-9]+/gi, '-').slice(0, 50)}`).catch(() => '');
        const notes = (await session.notifications().catch(() => [])).map((n) => `${n.severity}: ${n.message}`).join('\n');
        console.error(`screenshot: ${shot}\nnotifications:\n${notes}\n${session.extensionLogs().slice(-6000)}`);
        throw error;
      }
    });

  before(async () => {
    problem = await rigProblem();
    if (problem && REQUIRED) throw new Error(`GRPC_LB_E2E_CLUSTER=1, but ${problem}`);
    if (problem) return;
    // Another chapter's objects would stay after this chapter's clean-up (and the flow asserts none
    // are left): the shared namespace must hold no Deployment of the tutorial but this chapter's.
    const others = (await deployments(PART_OF_SELECTOR)).filter((d) => !d.endsWith(`/${SERVER_DEPLOYMENT}`) && !d.endsWith(`/${clientDeploymentName(CHAPTER)}`));
    assert.deepEqual(others, [], `namespace ${NAMESPACE} on the rig holds another run's Deployments (clean them up first)`);
    // The chapter must run what Build Sample Images loads, not what cluster:images left in containerd.
    await tryRun('ctr', ['--address', CONTAINERD_SOCKET, '--namespace', CONTAINERD_NAMESPACE, 'images', 'rm', ...PROJECT_IMAGES]);
    assert.deepEqual((await containerdImages()).filter((i) => PROJECT_IMAGES.includes(i)), [], 'the project images are gone from the rig');
    trustDir = mkdtempSync(join(tmpdir(), 'grpc-lb-e2e-trust-'));
    s = await Session.start({
      // The rig's kubeconfig is the learner's: its current context grpc-lb-rig is what the extension uses.
      env: { KUBECONFIG: KUBECONFIG_PATH },
      settings: {
        // What this machine's builds need (the rig's cluster:images passes the same): buildah without user
        // namespaces, and npm in the client's build stage trusting the host's TLS proxy.
        // The Node base: the rig's local one under the tag (no registry here to serve the digest-pinned default).
        'grpcLb.images.buildArgs': ['--isolation=chroot', `--build-arg=NODE_IMAGE=${nodeBaseOf(imageBuildPlan()).image}`, ...(await npmBuildVolumes(trustDir))],
      },
    });
    await s.screenshot('cluster-00-workbench');
    await s.waitForStartupExtensions();
  });

  after(async () => {
    await s?.dispose();
    if (trustDir) rmSync(trustDir, { recursive: true, force: true });
    // A flow that stopped half-way must not leave the chapter on the shared cluster.
    if (s && !cleanedUp) {
      await tryRun(RIG, [
        'kubectl', `--kubeconfig=${KUBECONFIG_PATH}`, `--context=${CONTEXT}`,
        'delete', 'deployments,services', '-n', NAMESPACE, '-l', CHAPTER_SELECTOR, '--ignore-not-found', '--wait=false',
      ]);
    }
  });

  step('"Build Sample Images" asks before writing to grpc-lb-rig, then builds from the installed extension into its containerd', 600_000, async (s) => {
    await s.runCommand(command('buildImages'));
    // The context is not minikube's: the extension asks first, naming it. A learner allows it.
    const allow = bundle['Allow Writes'];
    assert.ok(allow, 'l10n/bundle.l10n.json has "Allow Writes"');
    const shown = s.page.locator('.monaco-dialog-box');
    await shown.waitFor({ state: 'visible', timeout: 60_000 });
    await s.screenshot('cluster-01-context-question');
    const question = await s.answerDialog(allow);
    const afterQuestion = (await s.notifications()).length;
    const ask = message('Write to kube context "{0}" ({1})?');
    const asked = (await s.notifications()).map((n) => (n.source === 'dialog' ? ask.exec(n.message.split(' — ')[0]) : null)).find(Boolean);
    assert.equal(asked?.[1], CONTEXT, `the question names the context ${CONTEXT}: ${question}`);
    assert.match(asked?.[2] ?? '', /^https:\/\/\S+$/, `the question shows the cluster's API server: ${question}`);
    assert.ok(question.includes(`"${CONTEXT}"`), `the dialog shows the context's name: ${question}`);
    // buildah builds both images in the extension's own folder (npm ci of the client's two modules takes a while)
    const built = message('Built {0} ({1}, {2}).');
    const note = await awaitNotification(s, afterQuestion, 'the "Built …" notification', (n) => built.exec(n.message), 540_000);
    await s.screenshot('cluster-01-images-built');
    assert.deepEqual([note[2], note[3]], ['containerd', 'buildah'], `the rig's loader: ${note[0]}`);
    assert.deepEqual((await containerdImages()).filter((i) => PROJECT_IMAGES.includes(i)).sort(), [...PROJECT_IMAGES].sort(), 'containerd (k8s.io) holds both images again');
    const toolsLog = s.extensionLogs();
    assert.match(toolsLog, /samples\/images\/server\.Dockerfile/, 'the build ran (its steps are in the Tools channel)');
    await s.dismissNotifications();
  });

  step('"Apply Chapter… headless" runs the chapter on those images', 300_000, async (s) => {
    await s.runCommand(command('applyChapter'));
    await s.pick((label) => /(^|, )headless(,|$)/.test(label), CHAPTER);
    // The rollout takes about 30 s here; the completion notification names the context and the count.
    const done = message('Chapter {0} is running in context "{1}" ({2} objects applied, all pods ready).');
    const from = (await s.notifications()).length;
    const note = await awaitNotification(s, from, 'the "Chapter headless is running" notification', (n) => done.exec(n.message), 240_000);
    await s.screenshot('cluster-02-chapter-applied');
    assert.equal(note[1], CHAPTER);
    assert.equal(note[2], CONTEXT);
    assert.ok(Number(note[3]) >= 4, `objects applied: ${note[3]}`);
    assert.deepEqual(await deployments(CHAPTER_SELECTOR), [`deployment.apps/${clientDeploymentName(CHAPTER)}`, `deployment.apps/${SERVER_DEPLOYMENT}`].sort());
    await s.dismissNotifications();
  });

  step('"Tail Client Logs" shows the real client pods and the server pods each one calls, with counts', 180_000, async (s) => {
    await s.runCommand(command('tailClientLogs'));
    await s.pick((label) => /^headless(,|$)/.test(label), CHAPTER);
    await s.showTrafficView();
    let api = { clients: [] as string[], servers: [] as string[] };
    let seen: string[] = [];
    // Headless + round_robin: every client pod calls every server pod. Wait until the view shows the
    // pods the API lists right now, each client with every server and a count.
    const view = await waitFor(
      'the Traffic view to list the API\'s client pods, each with every server pod',
      async () => {
        api = { clients: await runningPods(clientPodSelector(CHAPTER)), servers: await runningPods(SERVER_POD_SELECTOR) };
        seen = await s.trafficRows();
        const v = parseTraffic(seen);
        const same = [...v.clients.keys()].sort().join() === api.clients.join();
        const spread = [...v.clients.values()].every((servers) => [...servers.keys()].sort().join() === api.servers.join());
        return same && spread && api.clients.length > 0 ? v : undefined;
      },
      120_000,
      1_000,
    ).catch((error: unknown) => {
      throw new Error(`${String(error)}\nthe API lists clients ${api.clients.join(', ')} and servers ${api.servers.join(', ')}; the view's rows: ${JSON.stringify(seen)}`);
    });
    await s.screenshot('cluster-03-traffic-view', 'traffic-view-cluster');
    // While the view follows the chapter, the status bar says which cluster and namespace the counts come from.
    await waitFor(
      'the status bar to name the kube context and namespace',
      async () => ((await s.page.locator('.statusbar-item', { hasText: `${CONTEXT} · ${NAMESPACE}` }).count()) > 0 ? true : undefined),
      30_000,
      500,
    );
    assert.equal(api.clients.length, 2, `client pods: ${api.clients.join(', ')}`);
    assert.equal(api.servers.length, 3, `server pods: ${api.servers.join(', ')}`);
    for (const [client, servers] of view.clients) {
      assert.match(client, new RegExp(`^${clientDeploymentName(CHAPTER)}-`));
      for (const [server, count] of servers) {
        assert.ok(count > 0, `${client} → ${server}: ${count} RPCs`);
        assert.match(server, new RegExp(`^${SERVER_DEPLOYMENT}-`));
      }
    }
    console.log(`traffic view: ${[...view.clients].map(([c, m]) => `${c} → ${[...m].map(([sv, n]) => `${sv} ${n}`).join(', ')}`).join('; ')}`);
  });

  step('"Run Experiment… scale-up" reports the new pod and its figure (headless: no RPC within the window)', 300_000, async (s) => {
    const before = await runningPods(SERVER_POD_SELECTOR);
    const seen = new Set<string>();
    const from = (await s.notifications()).length;
    await s.runCommand(command('runExperiment'));
    await s.pick((label) => /^scale-up(,|$)/.test(label), 'scale-up');
    // The chapter is the one followed: no question. The report comes after the 45 s window.
    const none = message('Scale-up: the new pod {0} got no RPC within {1} s; failed RPCs: {2}.');
    const first = message('Scale-up: the new pod {0} got its first RPC {1} after it was Ready; failed RPCs: {2}.');
    const headline = await awaitNotification(
      s,
      from,
      'the scale-up report',
      (n) => (none.test(n.message) || first.test(n.message) ? n : undefined),
      240_000,
      async () => {
        for (const pod of await runningPods(SERVER_POD_SELECTOR).catch(() => [])) seen.add(pod);
      },
    );
    const noRpc = none.exec(headline.message);
    const [, newPod, figure, failedRpcs] = noRpc ?? first.exec(headline.message) ?? [];
    console.log(`experiment: ${headline.message}`);
    assert.match(newPod, new RegExp(`^${SERVER_DEPLOYMENT}-`));
    assert.ok(!before.includes(newPod) && seen.has(newPod), `the new pod ${newPod} is one the API listed during the experiment (before: ${before.join(', ')}; seen: ${[...seen].join(', ')})`);
    assert.match(failedRpcs, /^\d+$/);
    // The figure: the window in seconds, or the time to the first RPC in ms.
    const discoveredMs = noRpc ? null : Number(/^([\d,]+) ms$/.exec(figure)?.[1]?.replace(/,/g, '') ?? NaN);
    if (noRpc) assert.ok(Number(figure) > 0, `window: ${figure} s`);
    else assert.ok(Number.isFinite(discoveredMs), `first RPC after: ${figure}`);
    const expectation = scaleUpExpectation(CHAPTER, {});
    assert.ok(expectation, 'the headless lesson has a scale-up expectation');
    const verdict = judgeScaleUp(expectation, discoveredMs);
    assert.ok(verdict.holds, `the headless lesson: ${verdict.summary}`);
    // The same report in the "gRPC LB: Lab" output channel, with its figure rows, and pinned in the view.
    const report = await waitFor('the report in the gRPC LB: Lab channel', () => {
      const logs = s.extensionLogs();
      return logs.includes(`experiment scale-up on chapter ${CHAPTER} (${NAMESPACE})`) && logs.includes(newPod) ? logs : undefined;
    }, 10_000);
    assert.match(report, /scale-up: first RPC on the new server after\s+(not within the window|\d[\d,]* ms)/);
    await s.showTrafficView();
    const rows = await s.trafficRows();
    assert.ok(rows.some((r) => r.startsWith(`Experiment: scale-up (${CHAPTER})`) && r.includes(headline.message)), `the view pins the result: ${rows.join(' | ')}`);
    // The view with the pinned result's figures, the Lab channel's report and (still) the notification.
    await s.screenshot('cluster-04-experiment-report');
    // The experiment puts the replica count back.
    await waitFor('greeter-server back at its replica count', async () => (await runningPods(SERVER_POD_SELECTOR)).length === before.length, 120_000, 1_000);
    await s.dismissNotifications();
  });

  step('the Traffic view\'s "Delete This Pod" on a server pod deletes it; its Deployment starts another', 240_000, async (s) => {
    const before = await runningPods(SERVER_POD_SELECTOR);
    const victim = before[0]!;
    await s.showTrafficView();
    await waitFor(`the view to show ${victim}`, async () => ((await s.trafficRows()).some((r) => r.startsWith(victim)) ? true : undefined), 60_000, 1_000);
    const deleted = message('Deleted pod {0}: its Deployment starts another. Watch the clients move to the other servers in the Traffic view.');
    // Headless Chromium sometimes loses a click on a context menu entry (the menu closes, no command runs): when
    // nothing happened — no notification and the pod still running — the learner's gesture is made once more.
    let note: RegExpExecArray | undefined;
    for (let attempt = 1; !note; attempt++) {
      const from = (await s.notifications()).length;
      await s.clickTrafficRowMenu(victim, localize('%command.deletePod.title%', nls));
      note = await awaitNotification(s, from, 'the "Deleted pod" notification', (n) => deleted.exec(n.message), attempt === 1 ? 20_000 : 60_000).catch(
        async (error: unknown) => {
          if (attempt > 1 || !(await runningPods(SERVER_POD_SELECTOR)).includes(victim)) throw error;
          return undefined;
        },
      );
    }
    assert.equal(note[1], victim);
    await waitFor(`${victim} to be gone from the running pods`, async () => (!(await runningPods(SERVER_POD_SELECTOR)).includes(victim) ? true : undefined), 60_000, 1_000);
    await s.screenshot('cluster-05-pod-deleted');
    await waitFor('greeter-server back at its replica count', async () => (await runningPods(SERVER_POD_SELECTOR)).length === before.length, 120_000, 1_000);
    await s.dismissNotifications();
  });

  step('"Clean Up… headless" deletes the chapter: the API lists no Deployment of the tutorial', 180_000, async (s) => {
    const from = (await s.notifications()).length;
    await s.runCommand(command('cleanUp'));
    await s.pick((label) => /(^|, )headless(,|$)/.test(label), CHAPTER);
    const deleted = message('Deleted {0} objects labelled app.kubernetes.io/part-of=grpc-lb-lab in context "{1}".');
    const note = await awaitNotification(s, from, 'the clean-up notification', (n) => deleted.exec(n.message), 120_000);
    cleanedUp = true;
    assert.equal(note[2], CONTEXT);
    assert.ok(Number(note[1]) >= 4, `objects deleted: ${note[1]}`);
    assert.deepEqual(await deployments(PART_OF_SELECTOR), [], `Deployments labelled ${PART_OF_SELECTOR} in ${NAMESPACE}`);
    const services = (await kubectl('get', 'services', '-n', NAMESPACE, '-l', CHAPTER_SELECTOR, '-o', 'name')).trim();
    assert.equal(services, '', `Services of the chapter in ${NAMESPACE}`);
    // The pods go with their Deployments (graceful: the servers drain first).
    await waitFor('the chapter\'s pods to go', async () => (await runningPods(CHAPTER_SELECTOR)).length === 0, 120_000, 1_000);
    await s.screenshot('cluster-05-cleaned-up');
  });

  step('no error notification and no extension-host error', 30_000, async (s) => {
    const unexpected = (await s.notifications()).filter((n) => n.severity === 'error');
    assert.deepEqual(unexpected, [], 'unexpected error notifications');
    const errors = s.extHostLog().split('\n').filter((line) => /\[error\]/.test(line) && !TRAFFIC_TREE_RACE.test(line));
    assert.deepEqual(errors, [], 'extension host errors');
    assert.deepEqual(s.pageErrors, [], 'uncaught exceptions in the workbench page');
  });
});
