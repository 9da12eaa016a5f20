import { ISTIOCTL_INSTALL_ARGS, ISTIO_ADDON_URLS } from '../../../manifests/index';
import { ProcessFailedError } from '../errors';
import type { ProcessRunner } from '../process/processRunner';

export type IstioInstallStep = { kind: 'istiod' } | { kind: 'addon'; url: string; index: number; count: number };

export interface IstioInstallOptions {
  /** The context the guard allowed; named on every command as well as being the file's only one. */
  context: string;
  /** A kubeconfig holding that context only (core/cluster/pinnedKubeconfig.ts). */
  kubeconfigFile: string;
  signal?: AbortSignal;
  onLine?: (line: string) => void;
  onStep?: (step: IstioInstallStep) => void;
}

/** The commands that install Istio (istiod, the `minimal` profile) and its Prometheus and Kiali add-ons. */
export function istioInstallCommands(context: string): { command: 'istioctl' | 'kubectl'; args: string[] }[] {
  return [
    { command: 'istioctl', args: [...ISTIOCTL_INSTALL_ARGS, '--context', context] },
    ...ISTIO_ADDON_URLS.map((url) => ({ command: 'kubectl' as const, args: ['--context', context, 'apply', '-f', url] })),
  ];
}

/**
 * Installs Istio and its add-ons into the cluster of `context` — cluster-wide objects (CRDs, the
 * istio-system namespace, webhooks), which is why the adapter asks the guard first. Stops at the first
 * command that fails, with its output.
 */
export async function installIstio(runner: ProcessRunner, options: IstioInstallOptions): Promise<void> {
  const commands = istioInstallCommands(options.context);
  const addons = commands.length - 1;
  for (const [i, { command, args }] of commands.entries()) {
    options.onStep?.(i === 0 ? { kind: 'istiod' } : { kind: 'addon', url: args[args.length - 1], index: i, count: addons });
    const result = await runner.run(command, args, {
      env: { KUBECONFIG: options.kubeconfigFile },
      ...(options.signal ? { signal: options.signal } : {}),
      onStdout: (line) => options.onLine?.(line),
      onStderr: (line) => options.onLine?.(line),
    });
    if (result.exitCode !== 0) throw new ProcessFailedError(command, args, result.exitCode, result.stderr || result.stdout);
  }
}
