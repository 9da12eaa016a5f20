/**
 * Parsing of the `kubernetes:` and `etcd:` target paths, shared by the resolvers (kubernetes.ts,
 * etcd.ts) and the client's configuration check (samples/client/config.ts). Pure string parsing:
 * this module must import nothing, so the client can validate TARGET before grpc-js, etcd3 or
 * @kubernetes/client-node is loaded.
 */

/** A target that cannot be resolved, e.g. `kubernetes:///a.b.c:port`. Thrown when the channel is created. */
export class KubernetesTargetError extends Error {
  override readonly name = 'KubernetesTargetError';
}

export interface KubernetesTarget {
  service: string;
  /** Undefined: the pod's own namespace (service-account file), else the kubeconfig context's, else `default`. */
  namespace?: string;
  /** A number is dialled as is; a name is looked up in each EndpointSlice's ports; undefined = the slice's only port. */
  port?: number | string;
}

/** The form of a `kubernetes:` target that {@link parseKubernetesTarget} accepts. */
export const KUBERNETES_TARGET_FORM = 'kubernetes:///<service>[.<namespace>][:<port number or name>]';
/** The form of an `etcd:` target that {@link parseEtcdTarget} accepts. */
export const ETCD_TARGET_FORM = 'etcd:///<service name>';

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const PORT_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/**
 * Parses the path of `kubernetes:///svc.ns:port` (`svc:port`, `svc.ns`, `svc.ns.svc.cluster.local:port`
 * and a port name instead of a number are accepted too).
 */
export function parseKubernetesTarget(path: string): KubernetesTarget {
  const usage = `expected ${KUBERNETES_TARGET_FORM}`;
  const colon = path.lastIndexOf(':');
  const hostPart = colon >= 0 ? path.slice(0, colon) : path;
  const portPart = colon >= 0 ? path.slice(colon + 1) : undefined;
  const labels = hostPart.replace(/\.svc(\.cluster\.local)?\.?$/, '').split('.');
  if (labels.length > 2 || labels.some((l) => !DNS_LABEL.test(l))) {
    throw new KubernetesTargetError(`bad kubernetes target "${path}": ${usage}`);
  }
  const [service, namespace] = labels as [string, string | undefined];
  let port: number | string | undefined;
  if (portPart !== undefined) {
    if (/^\d+$/.test(portPart)) {
      port = Number(portPart);
      if (port < 1 || port > 65535) throw new KubernetesTargetError(`bad port in kubernetes target "${path}": ${usage}`);
    } else if (PORT_NAME.test(portPart)) {
      port = portPart;
    } else {
      throw new KubernetesTargetError(`bad port in kubernetes target "${path}": ${usage}`);
    }
  }
  return { service, namespace, port };
}

/** Parses the path of `etcd:///name`. */
export function parseEtcdTarget(path: string): string {
  const name = path.replace(/^\/+/, '');
  if (!name || /[\s/]$/.test(name) || /\s/.test(name)) {
    throw new Error(`bad etcd target "${path}": expected ${ETCD_TARGET_FORM}, e.g. etcd:///greeter-server`);
  }
  return name;
}
