import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { describe, it } from 'node:test';
import { CLIENT_IMAGE, SERVER_IMAGE } from '../../../samples/common/catalog';
import { imageBuildPlan } from '../../../samples/images/index';
import { NoImageLoaderError, ProcessFailedError } from '../errors';
import { FakeProcessRunner } from '../testing/fakeProcessRunner';
import {
  chooseLoader, DEFAULT_IMAGE_SETTINGS, imageNamesFor, imagesReach, loadImages, qualifiedImageName, RIG_CONTAINERD_ADDRESS, withImageNames, type ImageSettings,
} from './imageLoaders';

const AUTO: ImageSettings = DEFAULT_IMAGE_SETTINGS;
const PLAN = imageBuildPlan('/ext');
const DOCKER_ENV = { DOCKER_HOST: 'tcp://192.168.49.2:2376', DOCKER_TLS_VERIFY: '1' };

/** The argv of every call, as a learner would type it (the archive's temp path shown as TMP). */
function typed(runner: FakeProcessRunner): string[] {
  return runner.calls.map((c) => [c.command, ...c.args].join(' ').replace(/\/[^ :]*grpc-lb-images-[^/ ]+/g, 'TMP'));
}

async function load(runner: FakeProcessRunner, context: string, settings: ImageSettings = AUTO): Promise<{ images: string[]; kind: string; tool: string }> {
  const choice = await chooseLoader(runner, context, settings);
  const images = await loadImages(runner, PLAN, choice, settings, { dockerEnv: async () => DOCKER_ENV });
  return { images, kind: choice.kind, tool: choice.tool };
}

const profiles = (runtime: string, name = 'minikube'): string[] => [JSON.stringify({ invalid: [], valid: [{ Name: name, Config: { KubernetesConfig: { ContainerRuntime: runtime } } }] })];

describe('image loaders follow the cluster (fake runner, exact argv)', () => {
  it('minikube with the docker runtime: docker build with docker-env in the child only', async () => {
    const runner = new FakeProcessRunner().tool('minikube', { stdout: profiles('docker') }).tool('docker');
    const r = await load(runner, 'minikube');
    assert.deepEqual([r.kind, r.tool], ['minikube', 'docker']);
    assert.deepEqual(typed(runner), [
      'minikube profile list -o json',
      `docker build --file samples/images/server.Dockerfile --tag ${SERVER_IMAGE} .`,
      `docker build --file samples/images/client.Dockerfile --tag ${CLIENT_IMAGE} .`,
    ]);
    for (const call of runner.callsOf('docker')) {
      assert.deepEqual(call.env, DOCKER_ENV);
      assert.equal(call.cwd, '/ext', 'built in the extension folder: the .vsix is the build context');
    }
  });

  it('minikube with containerd (or no docker CLI): minikube image build into the named profile', async () => {
    const runner = new FakeProcessRunner().tool('minikube', (args) => (args[0] === 'profile' ? { stdout: profiles('containerd', 'lab') } : {})).tool('docker');
    const r = await load(runner, 'lab', { ...AUTO, minikubeProfile: 'lab' });
    assert.deepEqual([r.kind, r.tool], ['minikube', 'minikube']);
    assert.deepEqual(typed(runner).slice(1), [
      `minikube image build --profile lab --file samples/images/server.Dockerfile --tag ${SERVER_IMAGE} .`,
      `minikube image build --profile lab --file samples/images/client.Dockerfile --tag ${CLIENT_IMAGE} .`,
    ]);
  });

  it('kind with docker: kind load docker-image into the cluster the context names', async () => {
    const runner = new FakeProcessRunner().tool('docker').tool('kind');
    await load(runner, 'kind-grpc');
    assert.deepEqual(typed(runner), [
      `docker build --file samples/images/server.Dockerfile --tag ${SERVER_IMAGE} .`,
      `kind load docker-image ${SERVER_IMAGE} --name grpc`,
      `docker build --file samples/images/client.Dockerfile --tag ${CLIENT_IMAGE} .`,
      `kind load docker-image ${CLIENT_IMAGE} --name grpc`,
    ]);
  });

  it('kind with podman: a docker.io name (podman would say localhost/…), saved and loaded as an archive', async () => {
    const runner = new FakeProcessRunner().tool('podman').tool('kind');
    await load(runner, 'kind-grpc');
    const server = `docker.io/${SERVER_IMAGE}`;
    assert.deepEqual(typed(runner).slice(0, 3), [
      `podman build --file samples/images/server.Dockerfile --tag ${server} .`,
      `podman save --format docker-archive --output TMP/server.tar ${server}`,
      'kind load image-archive TMP/server.tar --name grpc',
    ]);
    assert.equal(runner.callsOf('kind')[0].env.KIND_EXPERIMENTAL_PROVIDER, 'podman');
  });

  it('k3d: k3d image import into the cluster', async () => {
    const runner = new FakeProcessRunner().tool('docker').tool('k3d');
    await load(runner, 'k3d-lab');
    assert.deepEqual(typed(runner).slice(0, 2), [
      `docker build --file samples/images/server.Dockerfile --tag ${SERVER_IMAGE} .`,
      `k3d image import ${SERVER_IMAGE} --cluster lab`,
    ]);
  });

  it('Docker Desktop, OrbStack: a plain build into the shared daemon; Rancher Desktop without docker: nerdctl into k8s.io', async () => {
    for (const context of ['docker-desktop', 'orbstack']) {
      const runner = new FakeProcessRunner().tool('docker');
      await load(runner, context);
      assert.deepEqual(typed(runner), PLAN.map((b) => `docker build --file ${b.dockerfile} --tag ${b.image} .`), context);
    }
    const runner = new FakeProcessRunner().tool('nerdctl');
    await load(runner, 'rancher-desktop');
    assert.equal(typed(runner)[0], `nerdctl --namespace k8s.io build --file samples/images/server.Dockerfile --tag ${SERVER_IMAGE} .`);
  });

  it('the grpc-lb-rig (containerd): buildah bud, an OCI archive, ctr import into k8s.io at the rig socket', async () => {
    const runner = new FakeProcessRunner().tool('buildah').tool('ctr');
    const r = await load(runner, 'grpc-lb-rig', { ...AUTO, buildArgs: ['--isolation=chroot'] });
    assert.deepEqual([r.kind, r.tool], ['containerd', 'buildah']);
    const server = `docker.io/${SERVER_IMAGE}`;
    assert.deepEqual(typed(runner).slice(0, 3), [
      `buildah bud --isolation=chroot --file samples/images/server.Dockerfile --tag ${server} .`,
      `buildah push --quiet --disable-compression ${server} oci-archive:TMP/server.tar:${server}`,
      `ctr --address ${RIG_CONTAINERD_ADDRESS} --namespace k8s.io images import --all-platforms TMP/server.tar`,
    ]);
  });

  it('any other cluster: a registry when one is set (pushed names, IfNotPresent), else one sentence saying what to set', async () => {
    await assert.rejects(chooseLoader(new FakeProcessRunner().tool('docker'), 'gke_prod', AUTO), (e: unknown) => e instanceof NoImageLoaderError && !e.missing);
    await assert.rejects(chooseLoader(new FakeProcessRunner(), 'gke_prod', { ...AUTO, loader: 'registry' }), (e: unknown) => e instanceof NoImageLoaderError && e.missing === 'registry');
    const settings = { ...AUTO, registry: 'ghcr.io/me/', tag: 'v1' };
    const runner = new FakeProcessRunner().tool('docker');
    const r = await load(runner, 'gke_prod', settings);
    assert.deepEqual(r.images, ['ghcr.io/me/greeter-server:v1', 'ghcr.io/me/greeter-client:v1']);
    assert.deepEqual(typed(runner).slice(0, 2), ['docker build --file samples/images/server.Dockerfile --tag ghcr.io/me/greeter-server:v1 .', 'docker push ghcr.io/me/greeter-server:v1']);
    // the chapters then run those names, and pull them
    const names = imageNamesFor('gke_prod', settings);
    const [deployment] = withImageNames([{ kind: 'Deployment', spec: { template: { spec: { containers: [{ image: SERVER_IMAGE, imagePullPolicy: 'Never' }, { image: 'envoyproxy/envoy:v1' }] } } } }], names);
    assert.deepEqual(deployment.spec.template.spec.containers, [{ image: 'ghcr.io/me/greeter-server:v1', imagePullPolicy: 'IfNotPresent' }, { image: 'envoyproxy/envoy:v1' }]);
    // a local cluster keeps the local tags even with a registry set
    assert.deepEqual(imageNamesFor('kind-grpc', settings), { server: SERVER_IMAGE, client: CLIENT_IMAGE });
    assert.equal(imagesReach('gke_prod', AUTO), false, 'Build Images would not help there');
    assert.equal(imagesReach('gke_prod', settings), true);
  });

  it('a setting overrides the context: loader kind and container tool', async () => {
    const runner = new FakeProcessRunner().tool('docker').tool('podman').tool('kind');
    const r = await load(runner, 'my-kind', { ...AUTO, loader: 'kind', containerTool: 'podman' });
    assert.deepEqual([r.kind, r.tool], ['kind', 'podman']);
    assert.match(typed(runner).at(-1)!, /^kind load image-archive TMP\/client\.tar --name my-kind$/);
  });

  it('a failed step stops the build with its output; temporary archives are removed either way', async () => {
    let archive = '';
    const runner = new FakeProcessRunner()
      .tool('podman', (args) => {
        if (args[0] === 'save') archive = args[args.indexOf('--output') + 1];
        return {};
      })
      .tool('kind', { exitCode: 1, stderr: ['ERROR: no nodes found for cluster "grpc"'] });
    await assert.rejects(load(runner, 'kind-grpc'), (e: unknown) => e instanceof ProcessFailedError && /no nodes found/.test(e.message));
    assert.ok(archive && !existsSync(archive), 'the temp folder is gone');
  });

  it('qualifies names as the kubelet looks them up', () => {
    assert.equal(qualifiedImageName('grpc-lb-lab/greeter-server:dev'), 'docker.io/grpc-lb-lab/greeter-server:dev');
    assert.equal(qualifiedImageName('node:24'), 'docker.io/library/node:24');
    assert.equal(qualifiedImageName('localhost:5000/x'), 'localhost:5000/x:latest');
  });
});
