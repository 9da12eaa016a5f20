import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CancelledError, ProcessFailedError, ToolMissingError } from '../errors';
import { KubeApiDouble } from '../../../samples/testing/kubeApiDouble';
import { FakeProcessRunner } from '../testing/fakeProcessRunner';
import { MIN_KUBERNETES, kubernetesOlderThanNeeded, runDoctor } from './doctor';
import { kialiUrlIn, openKiali } from './kiali';
import { minikubeDockerEnv, parseDockerEnv, startMinikube } from './minikube';
import { TOOLS, installHintFor, parseVersion } from './tools';

const JSON_ENV = '{"DOCKER_CERT_PATH":"/home/me/.minikube/certs","DOCKER_HOST":"tcp://192.168.49.2:2376","DOCKER_TLS_VERIFY":"1","MINIKUBE_ACTIVE_DOCKERD":"minikube"}';
const NONE_ENV = ['DOCKER_TLS_VERIFY=1', 'DOCKER_HOST=tcp://192.168.49.2:2376', 'DOCKER_CERT_PATH=/home/me/.minikube/certs', 'MINIKUBE_ACTIVE_DOCKERD=minikube'];
const EXPECTED_ENV = {
  DOCKER_TLS_VERIFY: '1',
  DOCKER_HOST: 'tcp://192.168.49.2:2376',
  DOCKER_CERT_PATH: '/home/me/.minikube/certs',
  MINIKUBE_ACTIVE_DOCKERD: 'minikube',
};

describe('docker-env parsing', () => {
  it('reads the JSON form and the --shell none form to the same map', () => {
    assert.deepEqual(parseDockerEnv(JSON_ENV + '\n'), EXPECTED_ENV);
    assert.deepEqual(parseDockerEnv(NONE_ENV.join('\n') + '\n'), EXPECTED_ENV);
  });

  it('reads the bash form as data: quotes stripped, comments and non-docker names ignored, nothing evaluated', () => {
    const bash = [
      'export DOCKER_TLS_VERIFY="1"',
      'export DOCKER_HOST="tcp://192.168.49.2:2376"',
      'export DOCKER_CERT_PATH="/home/me/.minikube/certs"',
      'export MINIKUBE_ACTIVE_DOCKERD="minikube"',
      'export PATH="/tmp/evil:$PATH"',
      'export LD_PRELOAD="/tmp/x.so"',
      '',
      "# To point your shell to minikube's docker-daemon, run:",
      '# eval $(minikube -p minikube docker-env)',
    ].join('\n');
    assert.deepEqual(parseDockerEnv(bash), EXPECTED_ENV);
    assert.deepEqual(parseDockerEnv('DOCKER_HOST=$(rm -rf ~)'), { DOCKER_HOST: '$(rm -rf ~)' }, 'kept verbatim, never run');
  });
});

describe('minikube and docker through the process runner (fake runner)', () => {
  it('asks minikube for JSON docker-env with an argument array', async () => {
    const runner = new FakeProcessRunner().tool('minikube', { stdout: [JSON_ENV] });
    assert.deepEqual(await minikubeDockerEnv(runner, { profile: 'lab' }), EXPECTED_ENV);
    assert.deepEqual(runner.calls[0].args, ['-p', 'lab', 'docker-env', '--shell', 'none', '-o', 'json']);
  });

  it('streams `minikube start` and turns a missing minikube into ToolMissingError with its install page', async () => {
    const runner = new FakeProcessRunner().tool('minikube', { stdout: ['😄  minikube v1.34.0', '🏄  Done!'] });
    const lines: string[] = [];
    await startMinikube(runner, { onLine: (l) => lines.push(l), extraArgs: ['--driver=docker'] });
    assert.deepEqual(runner.calls[0].args, ['start', '--driver=docker']);
    assert.deepEqual(lines, ['😄  minikube v1.34.0', '🏄  Done!']);
    await assert.rejects(startMinikube(new FakeProcessRunner()), (e: unknown) => {
      assert.ok(e instanceof ToolMissingError);
      assert.equal(e.tool, 'minikube');
      assert.match(e.installHint.url, /^https:\/\/minikube\.sigs\.k8s\.io\//);
      return true;
    });
  });

  it('opens Kiali through istioctl dashboard and reports its URL, stopping on abort', async () => {
    const runner = new FakeProcessRunner().tool('istioctl', { stdout: ['http://localhost:20001/kiali'], untilAborted: true });
    const ac = new AbortController();
    const urls: string[] = [];
    const running = openKiali(runner, { signal: ac.signal, onUrl: (u) => urls.push(u) });
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(urls, ['http://localhost:20001/kiali']);
    assert.deepEqual(runner.calls[0].args, ['dashboard', 'kiali', '--browser=false', '-n', 'istio-system']);
    ac.abort();
    await assert.rejects(running, CancelledError);
  });

  it('opens only an exact loopback Kiali URL, and gives up when none comes in time', async () => {
    assert.equal(kialiUrlIn('http://localhost:20001/kiali'), 'http://localhost:20001/kiali');
    assert.equal(kialiUrlIn('  http://127.0.0.1:20001/kiali/ '), 'http://127.0.0.1:20001/kiali/');
    for (const line of ['see https://kiali.io/docs', 'http://evil.example:20001/kiali', 'http://localhost:20001/kiali?next=http://x', 'Error: http://localhost:1/kiali failed']) {
      assert.equal(kialiUrlIn(line), undefined, line);
    }
    const runner = new FakeProcessRunner().tool('istioctl', { stdout: ['waiting for pod… see https://istio.io/latest/docs'], untilAborted: true });
    const urls: string[] = [];
    const started = Date.now();
    await assert.rejects(
      openKiali(runner, { signal: new AbortController().signal, onUrl: (u) => urls.push(u), urlTimeoutMs: 200 }),
      (e) => e instanceof ProcessFailedError && /no Kiali URL within 0 s/.test(e.message) && /istio\.io/.test(e.message),
    );
    assert.ok(Date.now() - started < 2000);
    assert.deepEqual(urls, [], 'a URL that is not Kiali on loopback is never opened');
  });
});

describe('doctor (fake runner + Kubernetes API double)', () => {
  let double: KubeApiDouble;
  before(async () => {
    double = await KubeApiDouble.start();
  });
  after(async () => {
    await double.stop();
  });

  it('lists missing tools with install hints, versions of found ones, and a cluster that answers', async () => {
    const runner = new FakeProcessRunner()
      .tool('kubectl', { stdout: ['Client Version: v1.32.3', 'Kustomize Version: v5.5.0'] })
      .tool('etcd', { stdout: ['etcd Version: 3.4.30', 'Git SHA: Not provided (use ./build instead of go build)'] });
    const report = await runDoctor({ runner, kubeConfig: () => double.kubeConfig({ context: 'minikube' }) });
    const byId = Object.fromEntries(report.tools.map((t) => [t.id, t]));
    assert.equal(byId.minikube.found, false);
    assert.match(byId.minikube.installHint.url, /minikube\.sigs\.k8s\.io/);
    assert.equal(byId.docker.found, false);
    assert.equal(byId.docker.installHint.apt, 'sudo apt-get install docker.io');
    assert.equal(byId.istioctl.found, false);
    assert.equal(byId.kubectl.found, true);
    assert.equal(byId.kubectl.version, 'v1.32.3');
    assert.equal(byId.etcd.version, '3.4.30');
    assert.equal(report.cluster.context, 'minikube');
    assert.equal(report.cluster.isMinikube, true);
    assert.equal(report.cluster.reachable, true);
    assert.equal(report.cluster.serverVersion, 'v1.32.0-double');
    assert.equal(report.ready, false, 'not ready while minikube is missing');
    assert.equal(byId.docker.optional, true, 'docker is optional: without it images are built with `minikube image build`');
    assert.deepEqual(runner.callsOf('kubectl')[0].args, ['version', '--client']);
  });

  it('reports a context whose API does not answer, and a tool whose version call fails', async () => {
    const d = await KubeApiDouble.start();
    const kc = d.kubeConfig({ context: 'kind-lab' });
    await d.stop();
    const runner = new FakeProcessRunner()
      .tool('minikube', { stdout: ['v1.34.0'] })
      .tool('docker', { exitCode: 1, stderr: ['permission denied while trying to connect to the Docker daemon socket'] });
    const report = await runDoctor({ runner, kubeConfig: () => kc });
    assert.equal(report.cluster.context, 'kind-lab');
    assert.equal(report.cluster.isMinikube, false);
    assert.equal(report.cluster.reachable, false);
    assert.match(report.cluster.problem ?? '', /not reachable/);
    const docker = report.tools.find((t) => t.id === 'docker');
    assert.equal(docker?.found, true);
    assert.match(docker?.problem ?? '', /permission denied/);
    assert.equal(report.tools.find((t) => t.id === 'minikube')?.version, 'v1.34.0');
  });

  it('requires what the image loader runs for this cluster: docker for kind, buildah and ctr for the rig; never minikube there', async () => {
    const kind = await runDoctor({ runner: new FakeProcessRunner().tool('kubectl'), kubeConfig: () => double.kubeConfig({ context: 'kind-lab' }) });
    const required = (r: typeof kind): string[] => r.tools.filter((t) => !t.optional).map((t) => t.command).sort();
    assert.deepEqual(required(kind), ['docker', 'kind', 'kubectl']);
    assert.ok('loader' in kind.images && kind.images.loader.kind === 'kind');
    assert.equal(kind.ready, false, 'docker and kind are missing');
    const rig = await runDoctor({ runner: new FakeProcessRunner().tool('kubectl').tool('buildah').tool('ctr'), kubeConfig: () => double.kubeConfig({ context: 'grpc-lb-rig' }) });
    assert.deepEqual(required(rig), ['buildah', 'ctr', 'kubectl']);
    assert.equal(rig.ready, true, 'no minikube, no docker needed on the rig');
    const elsewhere = await runDoctor({ runner: new FakeProcessRunner().tool('kubectl'), kubeConfig: () => double.kubeConfig({ context: 'gke_prod' }) });
    assert.ok('problem' in elsewhere.images && elsewhere.images.problem.name === 'NoImageLoaderError', 'says what to set instead');
  });

  it("warns about an istioctl of another minor release than the chapters pin", async () => {
    const runner = new FakeProcessRunner().tool('istioctl', { stdout: ['1.22.0'] }).tool('kubectl');
    const report = await runDoctor({ runner, kubeConfig: () => double.kubeConfig({ context: 'kind-lab' }) });
    assert.match(report.tools.find((t) => t.id === 'istioctl')?.expectedVersion ?? '', /^\d+\.\d+\.\d+$/);
    const { ISTIO_VERSION } = await import('../../../manifests/index');
    const same = await runDoctor({ runner: new FakeProcessRunner().tool('istioctl', { stdout: [ISTIO_VERSION] }), kubeConfig: () => double.kubeConfig({ context: 'kind-lab' }) });
    assert.equal(same.tools.find((t) => t.id === 'istioctl')?.expectedVersion, undefined);
  });

  it('parses the version formats the tools print', () => {
    assert.equal(parseVersion('Docker version 27.3.1, build ce12230'), '27.3.1');
    assert.equal(parseVersion('minikube version: v1.34.0\ncommit: 210b148'), 'v1.34.0');
    assert.equal(parseVersion('client version: 1.24.2'), '1.24.2');
    assert.equal(parseVersion('no digits here'), undefined);
  });
});

describe('doctor without any kubeconfig', () => {
  it("reports no kube context instead of client-node's invented localhost:8080 one", async () => {
    const { KubeConfig } = await import('@kubernetes/client-node');
    const kc = new KubeConfig();
    // What loadFromDefault() does when there is no KUBECONFIG, no ~/.kube/config and no in-cluster account.
    kc.loadFromClusterAndUser({ name: 'cluster', server: 'http://localhost:8080', skipTLSVerify: false }, { name: 'user' });
    const report = await runDoctor({ runner: new FakeProcessRunner(), kubeConfig: () => kc });
    assert.equal(report.cluster.context, undefined);
    assert.equal(report.cluster.reachable, false);
    assert.equal(report.cluster.problem, 'no current kube context');
    assert.deepEqual(report.cluster.problemCode, { kind: 'no-context' }, 'worded by the doctor: the adapter localizes it');
  });

  it('names the entry a dangling current-context points at', async () => {
    const { KubeConfig } = await import('@kubernetes/client-node');
    const kc = new KubeConfig();
    kc.loadFromString('apiVersion: v1\nkind: Config\ncurrent-context: gone\ncontexts: []\nclusters: []\nusers: []\n');
    const report = await runDoctor({ runner: new FakeProcessRunner(), kubeConfig: () => kc });
    assert.equal(report.cluster.reachable, false);
    assert.deepEqual(report.cluster.problemCode, { kind: 'dangling', missing: 'context', name: 'gone' });
    assert.match(report.cluster.problem ?? '', /current-context "gone" names no context entry/);
  });
});

describe('doctor: the cluster\'s Kubernetes release', () => {
  it('warns when it is older than the chapters need, and only then', async () => {
    assert.equal(kubernetesOlderThanNeeded('v1.28.3'), true);
    assert.equal(kubernetesOlderThanNeeded('v1.29.0'), false);
    assert.equal(kubernetesOlderThanNeeded('v1.34.4'), false);
    assert.equal(kubernetesOlderThanNeeded('v1.30.0-gke.1200'), false);
    assert.equal(kubernetesOlderThanNeeded('nonsense'), false, 'an unknown version is not called too old');
    for (const [gitVersion, tooOld] of [['v1.28.3', true], ['v1.34.4', false]] as const) {
      const double = await KubeApiDouble.start({ gitVersion });
      try {
        const report = await runDoctor({ runner: new FakeProcessRunner(), kubeConfig: () => double.kubeConfig({ context: 'minikube' }) });
        assert.equal(report.cluster.reachable, true);
        assert.equal(report.cluster.serverVersion, gitVersion);
        assert.deepEqual(report.cluster.tooOld, tooOld ? { minimum: MIN_KUBERNETES } : undefined, gitVersion);
      } finally {
        await double.stop();
      }
    }
  });
});

describe('doctor: an API server that takes the connection and says nothing', () => {
  it('reports no answer within its deadline, worded by the doctor', async () => {
    const double = await KubeApiDouble.start();
    try {
      double.stall('GET', /^\/version$/);
      const report = await runDoctor({ runner: new FakeProcessRunner(), kubeConfig: () => double.kubeConfig({ context: 'kind-x' }), apiTimeoutMs: 200 });
      assert.equal(report.cluster.reachable, false);
      assert.deepEqual(report.cluster.problemCode, { kind: 'no-answer', seconds: 0.2 });
    } finally {
      await double.stop();
    }
  });
});

describe('install hints per operating system', () => {
  it('gives the apt, Homebrew or winget command where the OS has one, and the install page always', async () => {
    const { installCommandFor } = await import('../errors');
    const docker = installHintFor('docker');
    assert.deepEqual(installCommandFor(docker, 'linux'), { manager: 'apt', command: 'sudo apt-get install docker.io' });
    assert.deepEqual(installCommandFor(docker, 'darwin'), { manager: 'brew', command: 'brew install --cask docker' });
    assert.deepEqual(installCommandFor(docker, 'win32'), { manager: 'winget', command: 'winget install Docker.DockerDesktop' });
    assert.equal(installCommandFor(installHintFor('minikube'), 'linux'), undefined, 'no Debian package: the page only');
    for (const tool of TOOLS) assert.match(tool.installHint.url, /^https:\/\//, tool.command);
    // Shell cells need bash: on Windows that is Git Bash.
    assert.deepEqual(installCommandFor(installHintFor('bash'), 'win32'), { manager: 'winget', command: 'winget install Git.Git' });
  });
});
