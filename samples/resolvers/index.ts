/**
 * Custom grpc-js name resolvers for the samples: `kubernetes:///svc.ns:port` (the EndpointSlice
 * API, see kubernetes.ts) and `etcd:///name` (the layout of etcd's client/v3/naming/endpoints, see etcd.ts), plus
 * lazy registration of the xDS resolver from @grpc/grpc-js-xds for `xds:` targets.
 */
import { experimental } from '@grpc/grpc-js';
import { clientNode, etcd3 } from '../common/lazyModules';
import { createEtcdResolverClass } from './etcd';
import { createKubernetesResolverClass } from './kubernetes';

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

/** What a learner needs to know when an `xds:` target has no bootstrap to find its control plane. */
export const XDS_BOOTSTRAP_HINT =
  'xds: targets need an xDS bootstrap: set GRPC_XDS_BOOTSTRAP (path of a bootstrap JSON file) or ' +
  'GRPC_XDS_BOOTSTRAP_CONFIG (the JSON itself); in Istio, the pod annotation ' +
  '"inject.istio.io/templates: grpc-agent" provides one (manifests/proxyless)';

/**
 * Registers the xDS resolver and balancers of `@grpc/grpc-js-xds` when `target` is an `xds:` URI;
 * otherwise does nothing (the package is large and needs an xDS control plane). Idempotent.
 * Without a bootstrap in the environment it warns once with {@link XDS_BOOTSTRAP_HINT}: grpc-js-xds
 * itself would only fail each RPC with "Cannot read properties of null". Returns true for `xds:`.
 */
export function registerXdsIfNeeded(
  target: string,
  warn: (message: string) => void = (m) => process.stderr.write(`${m}\n`),
): boolean {
  if (!target.startsWith('xds:')) return false;
  if (!xdsRegistered) {
    if (!process.env.GRPC_XDS_BOOTSTRAP && !process.env.GRPC_XDS_BOOTSTRAP_CONFIG) warn(XDS_BOOTSTRAP_HINT);
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
  if (target.startsWith('kubernetes:')) clientNode();
  else if (target.startsWith('etcd:')) etcd3();
}

export { registerWithEtcd, EtcdRegistrationError, namingValue, etcdEndpointsFromEnv } from './etcd';
export type { EtcdRegistration, EtcdRegistrationOptions, EtcdResolverOptions } from './etcd';
export { createEtcdResolverClass } from './etcd';
export { createKubernetesResolverClass, KubernetesTargetError, parseKubernetesTarget } from './kubernetes';
export type { KubernetesResolverOptions, KubernetesTarget } from './kubernetes';
