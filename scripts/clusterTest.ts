/**
 * `npm run test:cluster [-- <chapter> ...]` — the opt-in test on a real cluster.
 *
 * Uses the kube context named by GRPC_LB_CLUSTER_CONTEXT, or else the kubeconfig's `minikube`
 * context if it answers. For each chapter it server-side applies the chapter's manifests (field
 * manager grpc-lb-lab, through @kubernetes/client-node — no kubectl), waits for the rollout, reads
 * the client pods' logs and asserts the chapter's lesson; where a chapter claims something about
 * scale-up it scales the servers 3 → 4 and measures when the new pod gets its first RPC.
 * Without a usable cluster it prints why it skips and exits 0. The images must be built into the
 * cluster first (the extension's "Build Images", or samples/images/*.Dockerfile).
 * The mesh chapters (istio, proxyless) need Istio installed (ISTIO_VERSION in manifests/index.ts);
 * they are skipped with a message when its DestinationRule CRD is absent.
 * GRPC_LB_CLUSTER_KEEP=1 leaves the namespaces in place at the end; GRPC_LB_CLUSTER_OBSERVE_MS sets how
 * long steady traffic is watched per chapter (default 15 s).
 */
import * as k8s from '@kubernetes/client-node';
import { parseRpcRecord, type RpcRecord } from '../samples/common/clientLog';
import { CHAPTER_LABEL, MESH_NAMESPACE, NAMESPACE, clientDeploymentName, getChapter } from '../samples/common/catalog';
import { DEPLOYABLE_CHAPTER_IDS, FIELD_MANAGER, chapterDocuments, type DeployableChapterId } from '../manifests/index';
import { judgeScaleUp, judgeSpread, firstRpcAfter, scaleUpExpectation, type Verdict } from './clusterLessons';

export type ContextChoice = { context: string; explicit: boolean } | { skip: string };

/** Which context to test against, or why to skip. */
export function chooseContext(kc: k8s.KubeConfig, env: NodeJS.ProcessEnv): ContextChoice {
  const named = env.GRPC_LB_CLUSTER_CONTEXT?.trim();
  const contexts = kc.getContexts().map((c) => c.name);
  if (named) {
    if (!contexts.includes(named)) {
      throw new Error(`GRPC_LB_CLUSTER_CONTEXT=${named} is not a context of your kubeconfig (have: ${contexts.join(', ') || 'none'})`);
    }
    return { context: named, explicit: true };
  }
  if (contexts.includes('minikube')) return { context: 'minikube', explicit: false };
  return { skip: 'no kube context named "minikube" and GRPC_LB_CLUSTER_CONTEXT is not set' };
}

const delay = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

function statusCode(error: unknown): number | undefined {
  return typeof error === 'object' && error !== null && 'code' in error ? Number((error as { code: unknown }).code) : undefined;
}

export interface ClusterClients {
  objects: k8s.KubernetesObjectApi;
  apps: k8s.AppsV1Api;
  core: k8s.CoreV1Api;
  crds: k8s.ApiextensionsV1Api;
  version: k8s.VersionApi;
}

export function clients(kc: k8s.KubeConfig): ClusterClients {
  return {
    objects: k8s.KubernetesObjectApi.makeApiClient(kc),
    apps: kc.makeApiClient(k8s.AppsV1Api),
    core: kc.makeApiClient(k8s.CoreV1Api),
    crds: kc.makeApiClient(k8s.ApiextensionsV1Api),
    version: kc.makeApiClient(k8s.VersionApi),
  };
}

/** Server-side apply, in the loader's order (namespace first). */
export async function applyChapter(api: ClusterClients, id: DeployableChapterId): Promise<k8s.KubernetesObject[]> {
  const docs = chapterDocuments(id);
  for (const doc of docs) {
    await api.objects.patch(doc, undefined, undefined, FIELD_MANAGER, true, k8s.PatchStrategy.ServerSideApply);
  }
  return docs;
}

/** Waits until every Deployment has all replicas updated and ready, and no old pods left. */
export async function waitForRollout(api: ClusterClients, namespace: string, names: string[], timeoutMs: number, log: (line: string) => void): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (const name of names) {
    let last = '';
    for (;;) {
      const d = await api.apps.readNamespacedDeployment({ name, namespace });
      const want = d.spec?.replicas ?? 1;
      const s = d.status ?? {};
      const done =
        (s.observedGeneration ?? 0) >= (d.metadata?.generation ?? 0) &&
        s.updatedReplicas === want && s.readyReplicas === want && s.replicas === want && s.availableReplicas === want;
      if (done) break;
      last = `${name}: ${s.readyReplicas ?? 0}/${want} ready, ${s.updatedReplicas ?? 0} updated, ${s.replicas ?? 0} total`;
      if (Date.now() > deadline) {
        throw new Error(`rollout not done within ${timeoutMs / 1000} s (${last}); are the images built into the cluster? (${await podProblems(api, namespace)})`);
      }
      await delay(2000);
    }
    log(`  ${name} ready`);
  }
}

/** Waiting reasons of pods that are not running, e.g. "greeter-server-x: ErrImageNeverPull". */
async function podProblems(api: ClusterClients, namespace: string): Promise<string> {
  const pods = await api.core.listNamespacedPod({ namespace });
  const problems = pods.items.flatMap((p) =>
    [...(p.status?.containerStatuses ?? []), ...(p.status?.initContainerStatuses ?? [])]
      .filter((c) => c.state?.waiting?.reason)
      .map((c) => `${p.metadata?.name}: ${c.state?.waiting?.reason}`),
  );
  return problems.join(', ') || 'no waiting containers';
}

async function readyPods(api: ClusterClients, namespace: string, selector: string): Promise<k8s.V1Pod[]> {
  const pods = await api.core.listNamespacedPod({ namespace, labelSelector: selector });
  return pods.items.filter(
    (p) => !p.metadata?.deletionTimestamp && (p.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True'),
  );
}

/** The client pods' RPC records of the last `sinceSeconds`. */
async function clientRecords(api: ClusterClients, namespace: string, clientPods: string[], sinceSeconds: number): Promise<RpcRecord[]> {
  const records: RpcRecord[] = [];
  for (const name of clientPods) {
    const text = await api.core.readNamespacedPodLog({ name, namespace, container: 'client', sinceSeconds });
    for (const line of text.split('\n')) {
      const record = parseRpcRecord(line);
      if (record) records.push(record);
    }
  }
  return records;
}

async function scaleServers(api: ClusterClients, namespace: string, replicas: number): Promise<void> {
  await api.apps.patchNamespacedDeploymentScale({
    name: 'greeter-server',
    namespace,
    body: [{ op: 'replace', path: '/spec/replicas', value: replicas }],
  });
}

export interface ChapterOutcome {
  chapter: string;
  verdicts: Verdict[];
  skipped?: string;
}

const SELECT_SERVERS = 'app.kubernetes.io/name=greeter-server,app.kubernetes.io/part-of=grpc-lb-lab';

/** Applies one chapter and judges its lessons. `observeMs` is how long traffic is watched. */
export async function testChapter(
  api: ClusterClients,
  id: DeployableChapterId,
  log: (line: string) => void,
  { observeMs = 15_000, rolloutMs = 300_000 } = {},
): Promise<ChapterOutcome> {
  const namespace = getChapter(id).namespace ?? NAMESPACE;
  if (namespace === MESH_NAMESPACE) {
    try {
      await api.crds.readCustomResourceDefinition({ name: 'destinationrules.networking.istio.io' });
    } catch (error) {
      if (statusCode(error) === 404) return { chapter: id, verdicts: [], skipped: 'Istio is not installed (no DestinationRule CRD)' };
      throw error;
    }
  }
  log(`${id}: applying ${chapterDocuments(id).length} documents to ${namespace}`);
  const docs = await applyChapter(api, id);
  const deployments = docs.filter((d) => d.kind === 'Deployment').map((d) => d.metadata?.name as string);
  await waitForRollout(api, namespace, deployments, rolloutMs, log);

  await delay(observeMs);
  const servers = (await readyPods(api, namespace, SELECT_SERVERS)).map((p) => p.metadata?.name as string);
  const clientPods = (await readyPods(api, namespace, `app.kubernetes.io/name=greeter-client,${CHAPTER_LABEL}=${id}`)).map(
    (p) => p.metadata?.name as string,
  );
  const records = await clientRecords(api, namespace, clientPods, Math.round(observeMs / 1000));
  const verdicts = [judgeSpread(id, records, clientPods, servers)];
  log(`  ${verdicts[0].holds ? 'PASS' : 'FAIL'} ${verdicts[0].summary}`);

  const serverEnv = (docs.find((d) => d.kind === 'Deployment' && d.metadata?.name === 'greeter-server') as k8s.V1Deployment)
    .spec?.template.spec?.containers[0].env ?? [];
  const age = Number(serverEnv.find((e) => e.name === 'MAX_CONNECTION_AGE_MS')?.value) || undefined;
  const expectation = scaleUpExpectation(id, { maxConnectionAgeMs: age });
  if (expectation) {
    log(`  scaling greeter-server 3 → 4`);
    await scaleServers(api, namespace, 4);
    try {
      await waitForRollout(api, namespace, ['greeter-server'], rolloutMs, log);
      const fresh = (await readyPods(api, namespace, SELECT_SERVERS)).find((p) => !servers.includes(p.metadata?.name as string));
      if (!fresh) throw new Error('no new server pod after scaling to 4');
      const ready = (fresh.status?.conditions ?? []).find((c) => c.type === 'Ready')?.lastTransitionTime;
      const readyAt = ready ? new Date(ready) : new Date();
      const windowMs = (expectation.withinMs ?? expectation.notWithinMs ?? 0) + 2000;
      let discovered: number | null = null;
      while (discovered === null && Date.now() - readyAt.getTime() < windowMs) {
        await delay(2000);
        const recent = await clientRecords(api, namespace, clientPods, Math.ceil(windowMs / 1000) + 5);
        discovered = firstRpcAfter(recent, fresh.metadata?.name as string, readyAt);
      }
      const verdict = judgeScaleUp(expectation, discovered);
      verdicts.push(verdict);
      log(`  ${verdict.holds ? 'PASS' : 'FAIL'} ${verdict.summary}`);
    } finally {
      await scaleServers(api, namespace, 3);
    }
  }
  await api.apps.deleteNamespacedDeployment({ name: clientDeploymentName(id), namespace });
  return { chapter: id, verdicts };
}

export async function main(argv: string[], env: NodeJS.ProcessEnv, log: (line: string) => void): Promise<number> {
  const wanted = argv.length > 0 ? argv : [...DEPLOYABLE_CHAPTER_IDS];
  const unknown = wanted.filter((id) => !(DEPLOYABLE_CHAPTER_IDS as readonly string[]).includes(id));
  if (unknown.length > 0) {
    log(`unknown chapter(s) ${unknown.join(', ')}; expected: ${DEPLOYABLE_CHAPTER_IDS.join(', ')}`);
    return 2;
  }
  const kc = new k8s.KubeConfig();
  try {
    kc.loadFromDefault();
  } catch (error) {
    if (env.GRPC_LB_CLUSTER_CONTEXT) throw error;
    log(`test:cluster skipped: no usable kubeconfig (${(error as Error).message})`);
    return 0;
  }
  const choice = chooseContext(kc, env);
  if ('skip' in choice) {
    log(`test:cluster skipped: ${choice.skip}. Start minikube or set GRPC_LB_CLUSTER_CONTEXT to run it.`);
    return 0;
  }
  kc.setCurrentContext(choice.context);
  const api = clients(kc);
  try {
    const version = await withTimeout(api.version.getCode(), 5000, `context ${choice.context}`);
    log(`test:cluster on context ${choice.context} (Kubernetes ${version.gitVersion})`);
  } catch (error) {
    if (choice.explicit) {
      log(`test:cluster: context ${choice.context} does not answer: ${(error as Error).message}`);
      return 1;
    }
    log(`test:cluster skipped: context ${choice.context} does not answer (${(error as Error).message}); run \`minikube start\` first.`);
    return 0;
  }

  const outcomes: ChapterOutcome[] = [];
  for (const id of wanted as DeployableChapterId[]) {
    try {
      const outcome = await testChapter(api, id, log, { observeMs: Number(env.GRPC_LB_CLUSTER_OBSERVE_MS) || 15_000 });
      if (outcome.skipped) log(`${id}: skipped — ${outcome.skipped}`);
      outcomes.push(outcome);
    } catch (error) {
      log(`${id}: ERROR ${(error as Error).message}`);
      outcomes.push({ chapter: id, verdicts: [{ holds: false, summary: (error as Error).message }] });
    }
  }
  if (!env.GRPC_LB_CLUSTER_KEEP) {
    // by label, never by guess: only namespaces this lab created
    const namespaces = await api.core.listNamespace({ labelSelector: 'app.kubernetes.io/part-of=grpc-lb-lab' });
    for (const name of namespaces.items.map((n) => n.metadata?.name as string)) {
      try {
        await api.core.deleteNamespace({ name });
        log(`deleted namespace ${name}`);
      } catch (error) {
        if (statusCode(error) !== 404) log(`could not delete namespace ${name}: ${(error as Error).message}`);
      }
    }
  }
  const failed = outcomes.filter((o) => o.verdicts.some((v) => !v.holds));
  log(`test:cluster: ${outcomes.length - failed.length} of ${outcomes.length} chapters hold${failed.length ? `; failed: ${failed.map((o) => o.chapter).join(', ')}` : ''}`);
  return failed.length > 0 ? 1 : 0;
}

if (require.main === module) {
  main(process.argv.slice(2), process.env, (line) => console.log(line)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      console.error(`test:cluster: ${(error as Error).message}`);
      process.exitCode = 1;
    },
  );
}
