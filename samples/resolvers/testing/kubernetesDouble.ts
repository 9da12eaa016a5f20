/**
 * The `kubernetes:///` resolver against the Kubernetes API double (samples/testing/kubeApiDouble.ts):
 * the setup shared by samples/resolvers/kubernetes.test.ts and the bench's `discovery-kubernetes`
 * row (scripts/bench/discoveryKubernetes.ts), so both time a scale-up the same way.
 */
import { KubeConfig } from '@kubernetes/client-node';
import { createKubernetesResolverClass, type KubernetesResolverOptions, type ResolverConstructor } from '../kubernetes';
import type { DoubleEndpoint, DoubleSlice, KubeApiDouble } from '../../testing/kubeApiDouble';
import { startTinyGreeter, type TinyGreeter, type TrafficLoop } from './traffic';

/** An EndpointSlice endpoint for `ip`, ready unless told otherwise. */
export const ready = (ip: string, isReady = true): DoubleEndpoint => ({ addresses: [ip], conditions: { ready: isReady } });

/**
 * A resolver class whose KubeConfig points at `double` (bearer token, current context in
 * `namespace`), outside a pod (no service-account namespace file). Register it with
 * `grpc.experimental.registerResolver('kubernetes', …)`.
 */
export function kubernetesResolverOnDouble(
  double: KubeApiDouble,
  namespace: string,
  options: Omit<KubernetesResolverOptions, 'loadKubeConfig'> = {},
): ResolverConstructor {
  return createKubernetesResolverClass({
    namespaceFile: '/nonexistent/namespace',
    ...options,
    loadKubeConfig: () => {
      const kc = new KubeConfig();
      kc.loadFromOptions(double.kubeConfigOptions({ namespace }));
      return kc;
    },
  });
}

/** Servers `names[i]` on 127.0.0.(i+1), all on one port — like pods of one Deployment. */
export async function podsOnOnePort(names: string[]): Promise<{ port: number; pods: TinyGreeter[] }> {
  if (names.length === 0) throw new Error('podsOnOnePort: no names');
  const first = await startTinyGreeter(names[0]!, '127.0.0.1', 0);
  const pods = [first];
  try {
    for (let i = 1; i < names.length; i++) pods.push(await startTinyGreeter(names[i]!, `127.0.0.${i + 1}`, first.port));
  } catch (error) {
    await Promise.all(pods.map((p) => p.stop()));
    throw error;
  }
  return { port: first.port, pods };
}

/**
 * Puts `slice` (the service's slice, now listing `pod`'s endpoint as well) into the double and
 * waits for `pod`'s first RPC on `traffic`; resolves the milliseconds from the change to the
 * completion of that RPC. Rejects when `pod` gets no RPC within `timeoutMs`.
 */
export async function timeNewEndpoint(
  double: KubeApiDouble,
  traffic: TrafficLoop,
  slice: DoubleSlice,
  pod: string,
  timeoutMs = 5000,
): Promise<number> {
  const changedAt = Date.now();
  double.put(slice);
  await traffic.waitFor(`${pod} to answer`, () => traffic.firstSeen(pod, changedAt) !== undefined, timeoutMs);
  return traffic.firstSeen(pod, changedAt)! - changedAt;
}
