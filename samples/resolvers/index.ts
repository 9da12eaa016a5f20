/**
 * Custom grpc-js name resolvers for the samples: `kubernetes:///svc.ns:port` (the EndpointSlice
 * API, see kubernetes.ts) and `etcd:///name` (grpc-go naming layout in etcd, see etcd.ts), plus
 * lazy registration of the xDS resolver from @grpc/grpc-js-xds for `xds:` targets.
 */
import { experimental } from '@grpc/grpc-js';
import { createEtcdResolverClass, loadEtcd3 } from './etcd';
import { createKubernetesResolverClass, loadClientNode } from './kubernetes';

let registered = false;
let xdsRegistered = false;

/**
 * Registers the `kubernetes` and `etcd` schemes with grpc-js. Idempotent. Neither resolver
 * loads its client library (@kubernetes/client-node, etcd3) until a channel uses its scheme.
 * The etcd resolver reads ETCD_ENDPOINTS when a channel starts resolving.
 */
export function registerResolvers(): void {
  if (registered) return;
  registered = true;
  experimental.registerResolver('kubernetes', createKubernetesResolverClass());
  experimental.registerResolver('etcd', createEtcdResolverClass());
}

/**
 * Registers the xDS resolver and balancers of `@grpc/grpc-js-xds` when `target` is an `xds:` URI;
 * otherwise does nothing (the package is large and needs GRPC_XDS_BOOTSTRAP). Idempotent.
 * Returns true if the target needs xDS.
 */
export function registerXdsIfNeeded(target: string): boolean {
  if (!target.startsWith('xds:')) return false;
  if (!xdsRegistered) {
    // Loaded only here: it is external in the esbuild bundle and costly to load.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const xds = require('@grpc/grpc-js-xds') as { register(): void };
    xds.register();
    xdsRegistered = true;
  }
  return true;
}

/**
 * Loads the client library that `target`'s resolver needs (@kubernetes/client-node takes ~2.5 s
 * to load, etcd3 ~0.7 s), so a client can await it before its first RPC instead of seeing the
 * first RPCs time out "waiting for name resolution". Does nothing for other schemes.
 */
export async function preloadResolver(target: string): Promise<void> {
  // Let the caller's pending output flush first: loading blocks the event loop.
  await new Promise((resolve) => setImmediate(resolve));
  if (target.startsWith('kubernetes:')) loadClientNode();
  else if (target.startsWith('etcd:')) loadEtcd3();
}

export { registerWithEtcd, EtcdRegistrationError, namingValue, etcdEndpointsFromEnv } from './etcd';
export type { EtcdRegistration, EtcdRegistrationOptions, EtcdResolverOptions } from './etcd';
export { createEtcdResolverClass } from './etcd';
export { createKubernetesResolverClass, KubernetesTargetError, parseKubernetesTarget } from './kubernetes';
export type { KubernetesResolverOptions, KubernetesTarget } from './kubernetes';
