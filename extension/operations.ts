import * as vscode from 'vscode';
import { getChapter, NAMESPACE, type ChapterId } from '../samples/common/catalog';
import type { ApplyReport, CleanUpReport } from './core/cluster/clusterActions';
import { runDoctor, type DoctorReport } from './core/toolchain/doctor';
import { withPinnedKubeconfig } from './core/cluster/pinnedKubeconfig';
import { installIstio as runIstioInstall } from './core/toolchain/istio';
import { openKiali as runKiali } from './core/toolchain/kiali';
import { chooseLoader, loadImages, type LoaderChoice } from './core/toolchain/imageLoaders';
import { minikubeDockerEnv, startMinikube as runStart } from './core/toolchain/minikube';
import { formatClusterProgress, formatDoctorReport } from './commands/format';
import type { OperationSink } from './commands/util';
import type { Services } from './services';

/**
 * The operations behind both the command palette and the workbook's ```grpclb cells: each takes the
 * shared services and a sink (lines, progress, abort signal) and returns data for a summary.
 */

export async function doctor(services: Services, sink: OperationSink): Promise<DoctorReport> {
  sink.progress(vscode.l10n.t('Checking tools and the kube context…'));
  const report = await runDoctor(
    { runner: services.runner, kubeConfig: services.kubeConfig, isMinikubeContext: (c) => services.guard.isMinikube(c), imageSettings: services.settings.images() },
    sink.signal,
  );
  for (const line of formatDoctorReport(report)) sink.line(line);
  return report;
}

export async function startMinikube(services: Services, sink: OperationSink): Promise<void> {
  sink.progress(vscode.l10n.t('minikube start — the first start downloads a few hundred MB'));
  // minikube picks its driver (docker, podman, kvm2, …) and remembers the profile's settings.
  const profile = services.settings.minikubeProfile();
  await runStart(services.runner, {
    signal: sink.signal,
    onLine: (l) => sink.line(l),
    ...(profile ? { profile } : {}),
    extraArgs: services.settings.minikubeStartArgs(),
  });
}

export async function buildImages(services: Services, sink: OperationSink): Promise<{ loader: LoaderChoice; images: string[] }> {
  const plan = services.imagePlan();
  const settings = services.settings.images();
  const context = services.cluster.currentContext() ?? '';
  const loader = await chooseLoader(services.runner, context, settings, sink.signal);
  sink.line(vscode.l10n.t('Image loader: {0} with {1} ({2})', loader.kind, loader.tool, loader.reason));
  // Loading writes into the cluster's nodes or a registry: a cluster that is not minikube's is asked about first.
  if (loader.kind !== 'minikube') await services.guard.ensureWritable(services.cluster.currentTarget());
  const images = await loadImages(services.runner, plan, loader, settings, {
    signal: sink.signal,
    onLine: (l) => sink.line(l),
    onImage: (build, i, n) => sink.progress(vscode.l10n.t('building {0} ({1}/{2})', build.image, i, n)),
    dockerEnv: () => minikubeDockerEnv(services.runner, { ...(settings.minikubeProfile ? { profile: settings.minikubeProfile } : {}), signal: sink.signal }),
  });
  return { loader, images };
}

export async function applyChapter(services: Services, chapter: ChapterId, sink: OperationSink): Promise<ApplyReport> {
  sink.progress(vscode.l10n.t('Applying chapter {0}…', chapter));
  const report = await services.cluster.applyChapter(chapter, { signal: sink.signal, onProgress: (p) => sink.progress(formatClusterProgress(p)) });
  await services.progress.markDone(chapter);
  return report;
}

export async function scaleServers(
  services: Services,
  target: { chapter?: ChapterId; deployment?: string; replicas: number },
  sink: OperationSink,
): Promise<{ namespace: string; deployment: string; replicas: number }> {
  const namespace = (target.chapter && getChapter(target.chapter).namespace) || NAMESPACE;
  const deployment = target.deployment ?? 'greeter-server';
  await services.cluster.scale(
    { namespace, deployment, replicas: target.replicas },
    { signal: sink.signal, onProgress: (p) => sink.progress(formatClusterProgress(p)) },
  );
  return { namespace, deployment, replicas: target.replicas };
}

export async function cleanUp(services: Services, target: ChapterId | 'all', sink: OperationSink): Promise<CleanUpReport> {
  sink.progress(target === 'all' ? vscode.l10n.t('Deleting everything labelled part-of=grpc-lb-lab…') : vscode.l10n.t('Deleting chapter {0}…', target));
  return services.cluster.cleanUp(target, { signal: sink.signal, onProgress: (p) => sink.line(formatClusterProgress(p)) });
}

/**
 * istiod (`istioctl install`, profile minimal) and the Prometheus and Kiali add-ons, into the current
 * context once the guard allows it: both tools get a kubeconfig holding that context only, and
 * `--context` besides. Returns the context it installed into.
 */
export async function installIstio(services: Services, sink: OperationSink): Promise<string> {
  const { kubeConfig, context } = await services.cluster.allowedContext();
  await withPinnedKubeconfig(kubeConfig, context, (kubeconfigFile) =>
    runIstioInstall(services.runner, {
      context,
      kubeconfigFile,
      signal: sink.signal,
      onLine: (l) => sink.line(l),
      onStep: (step) =>
        sink.progress(
          step.kind === 'istiod'
            ? vscode.l10n.t('istioctl install into context "{0}" (istiod, profile minimal)…', context)
            : vscode.l10n.t('applying add-on {0}/{1}: {2}', step.index, step.count, step.url),
        ),
    }),
  );
  return context;
}

const KIALI = 'kiali';

/**
 * Starts `istioctl dashboard kiali` in the background (once) and opens its URL; the port-forward
 * lives until the extension is deactivated or the process ends.
 */
export async function openKiali(services: Services, sink: OperationSink): Promise<string | undefined> {
  if (services.background.isRunning(KIALI)) {
    if (!services.kialiUrl) {
      sink.line(vscode.l10n.t('Kiali is still starting; its page opens when it answers.'));
      return undefined;
    }
    await vscode.env.openExternal(vscode.Uri.parse(services.kialiUrl));
    return services.kialiUrl;
  }
  sink.progress(vscode.l10n.t('Starting istioctl dashboard kiali…'));
  return new Promise<string | undefined>((resolve, reject) => {
    const log = services.channel('tools');
    const running = services.background.start(KIALI, (signal) =>
      runKiali(services.runner, {
        signal,
        onLine: (l) => log.info(`[kiali] ${l}`),
        onUrl: (url) => {
          services.kialiUrl = url;
          sink.line(vscode.l10n.t('Kiali: {0}', url));
          void vscode.env.openExternal(vscode.Uri.parse(url));
          resolve(url);
        },
      }),
    );
    // Cancelled before Kiali answered: stop the port-forward too (once it answered, it keeps running).
    const onAbort = (): void => {
      if (!services.kialiUrl) services.background.stop(KIALI);
      resolve(undefined);
    };
    sink.signal.addEventListener('abort', onAbort, { once: true });
    running?.then(
      () => {
        services.kialiUrl = undefined;
        resolve(undefined);
      },
      (err: unknown) => {
        services.kialiUrl = undefined;
        reject(err);
      },
    );
  });
}
