import type { InstallHint } from '../errors';

export type ToolId = 'minikube' | 'docker' | 'kubectl' | 'istioctl' | 'etcd' | 'kind' | 'k3d' | 'podman' | 'buildah' | 'nerdctl' | 'ctr';

export interface ToolSpec {
  id: ToolId;
  /** Executable name looked up on PATH. */
  command: string;
  /** Arguments that print the version and exit without touching a cluster or daemon. */
  versionArgs: readonly string[];
  /** Optional tools are reported but never block anything (the extension talks to the API itself). */
  optional: boolean;
  installHint: InstallHint;
}

/** The toolchain the tutorial uses. Install hints point at each project's own install page. */
export const TOOLS: readonly ToolSpec[] = [
  {
    id: 'minikube',
    command: 'minikube',
    versionArgs: ['version', '--short'],
    optional: false,
    installHint: { url: 'https://minikube.sigs.k8s.io/docs/start/', brew: 'brew install minikube', winget: 'winget install Kubernetes.minikube' },
  },
  {
    // Build Images uses it with minikube's docker-env when it is there, and `minikube image build` when not.
    id: 'docker',
    command: 'docker',
    versionArgs: ['--version'],
    optional: true,
    installHint: {
      url: 'https://docs.docker.com/engine/install/',
      apt: 'sudo apt-get install docker.io',
      brew: 'brew install --cask docker',
      winget: 'winget install Docker.DockerDesktop',
    },
  },
  {
    id: 'kubectl',
    command: 'kubectl',
    versionArgs: ['version', '--client'],
    optional: true,
    installHint: { url: 'https://kubernetes.io/docs/tasks/tools/', brew: 'brew install kubectl', winget: 'winget install Kubernetes.kubectl' },
  },
  {
    id: 'istioctl',
    command: 'istioctl',
    versionArgs: ['version', '--remote=false'],
    optional: true,
    installHint: { url: 'https://istio.io/latest/docs/setup/getting-started/#download', brew: 'brew install istioctl' },
  },
  {
    id: 'etcd',
    command: 'etcd',
    versionArgs: ['--version'],
    optional: true,
    installHint: { url: 'https://etcd.io/docs/latest/install/', apt: 'sudo apt-get install etcd-server', brew: 'brew install etcd' },
  },
  {
    // Only for learners who use kind instead of minikube (images are then loaded with `kind load`).
    id: 'kind',
    command: 'kind',
    versionArgs: ['version'],
    optional: true,
    installHint: { url: 'https://kind.sigs.k8s.io/docs/user/quick-start/#installation', brew: 'brew install kind', winget: 'winget install Kubernetes.kind' },
  },
  // The other image loaders' tools (imageLoaders.ts): Doctor requires only those the current cluster's loader runs.
  {
    id: 'k3d',
    command: 'k3d',
    versionArgs: ['version'],
    optional: true,
    installHint: { url: 'https://k3d.io/stable/#installation', brew: 'brew install k3d', winget: 'winget install k3d' },
  },
  {
    id: 'podman',
    command: 'podman',
    versionArgs: ['--version'],
    optional: true,
    installHint: { url: 'https://podman.io/docs/installation', apt: 'sudo apt-get install podman', brew: 'brew install podman', winget: 'winget install RedHat.Podman' },
  },
  {
    id: 'buildah',
    command: 'buildah',
    versionArgs: ['--version'],
    optional: true,
    installHint: { url: 'https://github.com/containers/buildah/blob/main/install.md', apt: 'sudo apt-get install buildah' },
  },
  {
    id: 'nerdctl',
    command: 'nerdctl',
    versionArgs: ['--version'],
    optional: true,
    installHint: { url: 'https://github.com/containerd/nerdctl#install', brew: 'brew install nerdctl' },
  },
  {
    id: 'ctr',
    command: 'ctr',
    versionArgs: ['--version'],
    optional: true,
    installHint: { url: 'https://github.com/containerd/containerd/blob/main/docs/getting-started.md', apt: 'sudo apt-get install containerd' },
  },
];

/**
 * Programs the extension runs besides the toolchain: bash runs the workbooks' shell cells, which on Windows
 * means Git Bash (or VS Code inside WSL).
 */
const OTHER_INSTALL_HINTS: Readonly<Record<string, InstallHint>> = {
  bash: { url: 'https://git-scm.com/downloads/win', winget: 'winget install Git.Git' },
};

/** Install hint for an executable name; an empty URL for programs we know nothing of (no button then). */
export function installHintFor(command: string): InstallHint {
  return TOOLS.find((t) => t.command === command)?.installHint ?? OTHER_INSTALL_HINTS[command] ?? { url: '' };
}

/** The first version-looking token of a `--version` style output ("Docker version 27.3.1, build x" → "27.3.1"). */
export function parseVersion(output: string): string | undefined {
  const m = /\bv?(\d+\.\d+(?:\.\d+)?(?:[-+][0-9A-Za-z.-]+)?)/.exec(output);
  if (!m) return undefined;
  return m[0].startsWith('v') ? m[0] : m[1];
}
