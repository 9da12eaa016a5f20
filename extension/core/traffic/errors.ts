/**
 * Typed errors of the traffic core. The core returns a `reason` id plus facts; the adapter picks the
 * localized sentence (style guide: the core returns ids and data, the adapter localizes).
 */
import { httpStatusOf } from '../../../samples/common/kubeStatus';
import { TutorialError } from '../../../samples/common/errors';
import { CancelledError } from '../errors';

export type TrafficErrorReason =
  /** The kube context has no current cluster. */
  | 'noCluster'
  /** 401/403 from the API server: the user lacks list/watch pods or get pods/log. */
  | 'forbidden'
  /** Network failure or 5xx talking to the API server. */
  | 'unreachable'
  /** The chapter has no client (e.g. `setup`) or the deployment is missing. */
  | 'notDeployed'
  /** An experiment could not finish within its deadline. */
  | 'timeout'
  /** The operation was cancelled by the user. */
  | 'cancelled'
  | 'unknown';

export class TrafficError extends TutorialError {
  readonly code: string;
  override readonly cancelled: boolean;
  constructor(
    readonly reason: TrafficErrorReason,
    message: string,
    readonly details: { namespace?: string; pod?: string; status?: number } = {},
  ) {
    super(message);
    this.code = `traffic-${reason}`;
    this.cancelled = reason === 'cancelled';
  }

  static is(value: unknown, reason?: TrafficErrorReason): value is TrafficError {
    return value instanceof TrafficError && (reason === undefined || value.reason === reason);
  }
}

/** Maps a client-node failure to a TrafficError with a reason the adapter can explain. */
export function toTrafficError(err: unknown, context: { namespace?: string; pod?: string; what: string }): TrafficError {
  if (err instanceof TrafficError) return err;
  if (err instanceof CancelledError) return new TrafficError('cancelled', 'cancelled', context);
  const status = httpStatusOf(err);
  const base = err instanceof Error ? err.message.split('\n')[0] : String(err);
  if (status === 401 || status === 403) {
    return new TrafficError(
      'forbidden',
      `${context.what}: the API server answered ${status}. The kube context needs list/watch on pods and get on ` +
        `pods/log in namespace "${context.namespace ?? '?'}" (a namespaced Role is enough).`,
      { ...context, status },
    );
  }
  if (status === 404) {
    return new TrafficError('notDeployed', `${context.what}: not found (404). Apply the chapter first.`, {
      ...context,
      status,
    });
  }
  if (/No currently active cluster/i.test(base ?? '')) {
    return new TrafficError('noCluster', `${context.what}: the kubeconfig has no current cluster.`, context);
  }
  return new TrafficError(
    status !== undefined && status < 500 ? 'unknown' : 'unreachable',
    `${context.what}: ${base}${status !== undefined ? ` (HTTP ${status})` : ''}`,
    { ...context, ...(status !== undefined ? { status } : {}) },
  );
}
