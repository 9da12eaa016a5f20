/**
 * What the Kubernetes API said, read from an error of @kubernetes/client-node: its HTTP status (an
 * ApiException's `code`, a watch's `statusCode`) and the Status object in its body. One reading for the
 * extension's actions, its traffic view and the sample client's resolver.
 */

/** The Kubernetes Status an API error carries. */
export interface KubeStatus {
  message?: string;
  reason?: string;
  details?: { name?: string; kind?: string; group?: string };
}

/** The HTTP status of a client-node error, or undefined when it is not an HTTP answer (a network failure). */
export function httpStatusOf(err: unknown): number | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const e = err as { code?: unknown; statusCode?: unknown };
  for (const v of [e.code, e.statusCode]) if (typeof v === 'number' && v >= 100 && v < 600) return v;
  return undefined;
}

/** The Kubernetes Status in an API error's body: an object, or (typed APIs) a JSON string; plain text becomes its message. */
export function parseStatus(body: unknown): KubeStatus | undefined {
  if (typeof body === 'string') {
    try {
      return JSON.parse(body) as KubeStatus;
    } catch {
      return { message: body };
    }
  }
  if (body && typeof body === 'object') return body as KubeStatus;
  return undefined;
}
