import assert from 'node:assert/strict';
import { DEFAULT_IMAGE_SETTINGS, imagesReach } from '../../extension/core/toolchain/imageLoaders';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ContextGuard } from '../../extension/core/cluster/contextGuard';
import { MemoryStorage } from '../../extension/core/storage';
import {
  ApiMissingError,
  CancelledError,
  ClusterUnreachableError,
  ContextDeclinedError,
  ForbiddenError,
  ImageNotBuiltError,
  ImageSourcesMissingError,
  KubeContextSettingError,
  NamespaceMissingError,
  ProcessFailedError,
  ResourceMissingError,
  RolloutTimeoutError,
  ToolMissingError,
} from '../../extension/core/errors';
import { installVscodeStandIn, type VscodeStandIn } from '../../extension/core/testing/vscodeStandIn';
import { LabAbortedError } from '../../samples/lab/errors';
import { TrafficError } from '../../extension/core/traffic/errors';

/**
 * Each typed error of the action layer becomes one message with the button that fixes it
 * (extension/commands/errors.ts, loaded against a recording vscode stand-in).
 */
type Presentation = { message: string; detail?: string; fixes: Array<{ label: string; run: () => unknown }> };
type PresentError = (err: unknown, deps: { guard: ContextGuard; showOutput: () => void }) => Presentation | undefined;

describe('error presentation: one message, one fix (vscode stand-in)', () => {
  let standIn: VscodeStandIn;
  let presentError: PresentError;
  let outputShown = 0;
  const guard = new ContextGuard({ storage: new MemoryStorage(), confirm: async () => false });
  // Build Images reaches the image store of the clusters the loaders recognise (imageLoaders.ts), with no setting.
  const deps = { guard, showOutput: () => void outputShown++, imagesReach: (context: string) => imagesReach(context, DEFAULT_IMAGE_SETTINGS) };

  before(() => {
    standIn = installVscodeStandIn();
    const load = createRequire(__filename);
    presentError = (load(join(__dirname, '..', '..', 'extension', 'commands', 'errors.ts')) as { presentError: PresentError }).presentError;
  });
  after(() => standIn.restore());

  /** Presents `err`, clicks its first button, returns the message and what the click did. */
  async function clickFirstFix(err: unknown): Promise<{ p: Presentation; did: Array<{ path: string; args: unknown[] }> }> {
    const p = presentError(err, deps);
    assert.ok(p, 'presented');
    const before = standIn.calls.length;
    await p.fixes[0]?.run();
    return { p, did: standIn.calls.slice(before) };
  }

  const executed = (did: Array<{ path: string; args: unknown[] }>): unknown[][] =>
    did.filter((c) => c.path === 'vscode.commands.executeCommand').map((c) => c.args);

  it('a missing tool links to its install page (and names the apt package)', async () => {
    const { p, did } = await clickFirstFix(new ToolMissingError('etcd', { url: 'https://etcd.io/docs/latest/install/', apt: 'sudo apt-get install etcd-server' }));
    assert.equal(p.message, 'etcd is not installed (not found on PATH).');
    assert.equal(p.fixes[0].label, 'Install etcd');
    assert.match(p.detail ?? '', /sudo apt-get install etcd-server/);
    assert.ok(did.some((c) => c.path === 'vscode.Uri.parse' && c.args[0] === 'https://etcd.io/docs/latest/install/'));
    assert.ok(did.some((c) => c.path === 'vscode.env.openExternal'));
  });

  it('an unreachable cluster offers Start minikube', async () => {
    const { p, did } = await clickFirstFix(new ClusterUnreachableError('minikube', 'https://192.168.49.2:8443', 'ECONNREFUSED'));
    assert.match(p.message, /"minikube" does not answer/);
    assert.deepEqual(executed(did), [['grpcLb.startMinikube']]);
  });

  it('an image that is not built offers Build Images', async () => {
    const { p, did } = await clickFirstFix(new ImageNotBuiltError('grpc-lb-lab/greeter-server:dev', 'greeter-server-1', 'ErrImageNeverPull'));
    assert.match(p.message, /grpc-lb-lab\/greeter-server:dev/);
    assert.deepEqual(executed(did), [['grpcLb.buildImages']]);
    // Only where Build Images helps: a cluster a loader recognises (kind, the rig, …); another gets what to set instead.
    const kind = await clickFirstFix(new ImageNotBuiltError('grpc-lb-lab/greeter-server:dev', 'p', 'ErrImageNeverPull', { context: 'kind-dev', server: 'https://127.0.0.1:6443' }));
    assert.deepEqual(executed(kind.did), [['grpcLb.buildImages']]);
    const rig = await clickFirstFix(new ImageNotBuiltError('grpc-lb-lab/greeter-server:dev', 'p', 'ErrImageNeverPull', { context: 'grpc-lb-rig', server: 'https://127.0.0.1:6443' }));
    assert.deepEqual(executed(rig.did), [['grpcLb.buildImages']]);
    const other = await clickFirstFix(new ImageNotBuiltError('grpc-lb-lab/greeter-server:dev', 'p', 'ErrImagePull', { context: 'gke_prod', server: 'https://203.0.113.5' }));
    assert.equal(other.p.fixes.some((f) => f.label === 'Build Images'), false, 'no Build Images button where it would not help');
    assert.match(other.p.detail ?? '', /cluster "gke_prod"/);
    assert.deepEqual(executed(other.did), [['workbench.action.openSettings', 'grpcLb.images']], 'the settings that make it work');
  });

  it('a missing namespace or deployment offers Apply a Chapter', async () => {
    for (const err of [new NamespaceMissingError('grpc-lb-example'), new ResourceMissingError('Deployment', 'greeter-server', 'grpc-lb-example')]) {
      const { did } = await clickFirstFix(err);
      assert.deepEqual(executed(did), [['grpcLb.applyChapter']]);
    }
  });

  it('a 403 names verb, resource and namespace, with the output one click away', async () => {
    const shown = outputShown;
    const { p } = await clickFirstFix(new ForbiddenError('patch', 'deployments.apps', 'grpc-lb-example', 'User "x" cannot patch'));
    assert.equal(p.message, 'Kubernetes refused: you may not patch deployments.apps in namespace "grpc-lb-example".');
    assert.equal(outputShown, shown + 1);
  });

  it('a declined context can be asked about again', async () => {
    await assert.rejects(guard.ensureWritable({ name: 'prod', server: 'https://198.18.0.10:6443', user: 'prod' }), ContextDeclinedError);
    const { p } = await clickFirstFix(new ContextDeclinedError('prod'));
    assert.equal(p.fixes[0].label, 'Ask Again');
    // The guard asks again (and this confirm says no again).
    await assert.rejects(guard.ensureWritable({ name: 'prod', server: 'https://198.18.0.10:6443', user: 'prod' }), ContextDeclinedError);
  });

  it('a grpcLb.kubeContext the kubeconfig lacks names the context and opens that setting (not "Start minikube")', async () => {
    const { p, did } = await clickFirstFix(new KubeContextSettingError('staging'));
    assert.match(p.message, /"staging" set in grpcLb\.kubeContext/);
    assert.deepEqual(executed(did), [['workbench.action.openSettings', 'grpcLb.kubeContext']]);
  });

  it('image build files missing says to reinstall (the .vsix carries them); Istio missing opens the istio workbook', async () => {
    const missing = presentError(new ImageSourcesMissingError(['/ext']), deps);
    assert.match(missing?.message ?? '', /reinstall the extension/);
    assert.ok(!missing?.fixes.some((f) => f.label === 'Open Folder'), 'no clone to open: the extension builds from its own folder');
    assert.deepEqual(executed((await clickFirstFix(new ApiMissingError('networking.istio.io/v1', 'DestinationRule'))).did), [['grpcLb.openWorkbook', 'istio']]);
  });

  it('timeouts, failed tools and unknown errors go to the output; cancellation is silent', async () => {
    for (const err of [new RolloutTimeoutError('ns', 'd', 1, 3, 180_000), new ProcessFailedError('docker', ['build'], 1, 'boom'), new Error('odd')]) {
      const p = presentError(err, deps);
      assert.equal(p?.fixes.at(-1)?.label, 'Open Output');
    }
    assert.equal(presentError(new CancelledError(), deps), undefined);
    // A stopped lab or experiment cell ends with the lab's or the traffic core's own cancellation: also a stop.
    assert.equal(presentError(new LabAbortedError(), deps), undefined, 'a stopped lab');
    assert.equal(presentError(new TrafficError('cancelled', 'cancelled'), deps), undefined, 'a stopped experiment');
    assert.ok(presentError(new TrafficError('timeout', 'too slow'), deps), 'other traffic errors still show');
  });
});
