/**
 * Keeps a kubeconfig's TLS settings on the requests @kubernetes/client-node makes inside VS Code.
 *
 * client-node puts them (client certificate and key, CA, insecure-skip-tls-verify, tls-server-name) on an
 * `https.Agent` it passes with each request. VS Code's extension host wraps `https.request` for its
 * proxy support (@vscode/proxy-agent; `http.proxySupport` defaults to "override"): for any host but
 * `localhost` / `127.0.0.1` it swaps that agent for its own, which connects DIRECT through
 * `https.globalAgent` and keeps only the agent's `ca`. The client certificate never reaches the API
 * server, which then answers as `system:anonymous` (403) — seen against the rig at 198.18.0.1, and the
 * same holds for minikube's docker driver on Linux (192.168.49.2).
 *
 * The fix: copy the agent's TLS options onto the request options as well, where the proxy wrapper keeps
 * them (and where Node's agent would merge them anyway), so whichever agent makes the connection uses
 * them. Outside VS Code this changes nothing: an https.Agent merges the same values itself.
 */

/** The TLS options an https.Agent passes to tls.connect (Node's Agent#getName list, plus passphrase). */
export const AGENT_TLS_OPTIONS = [
  'ca',
  'cert',
  'clientCertEngine',
  'ciphers',
  'key',
  'pfx',
  'passphrase',
  'rejectUnauthorized',
  'servername',
  'minVersion',
  'maxVersion',
  'secureProtocol',
  'crl',
  'honorCipherOrder',
  'ecdhCurve',
  'dhparam',
  'secureOptions',
  'sessionIdContext',
  'sigalgs',
  'privateKeyEngine',
  'privateKeyIdentifier',
] as const;

/** The part of the `https` module this touches. */
export interface HttpsModuleLike {
  Agent: abstract new (...args: never[]) => object;
  request: (...args: never[]) => unknown;
  get: (...args: never[]) => unknown;
}

const INSTALLED = Symbol.for('grpc-lb-lab.agentTls');

/**
 * Request options with the TLS options of their https.Agent added where the request has none of its
 * own; anything else (no agent, another kind of agent) is returned as it is.
 */
export function withAgentTlsOptions(options: unknown, AgentClass: HttpsModuleLike['Agent']): unknown {
  if (options === null || typeof options !== 'object') return options;
  const agent = (options as { agent?: unknown }).agent;
  if (!(agent instanceof AgentClass)) return options;
  const agentOptions = (agent as { options?: Record<string, unknown> }).options;
  if (!agentOptions) return options;
  const request = options as Record<string, unknown>;
  let lifted: Record<string, unknown> | undefined;
  for (const key of AGENT_TLS_OPTIONS) {
    if (agentOptions[key] !== undefined && request[key] === undefined) {
      lifted ??= { ...request };
      lifted[key] = agentOptions[key];
    }
  }
  return lifted ?? options;
}

/**
 * Wraps `request` and `get` of the given `https` module object so every request carries its agent's
 * TLS options (see above). Pass the extension's own `require('https')`: in VS Code's extension host each
 * extension gets its own copy of the module, so other extensions are not touched. Idempotent.
 */
export function keepAgentTlsOnRequests(https: HttpsModuleLike): void {
  const marked = https as unknown as Record<symbol, boolean>;
  if (marked[INSTALLED]) return;
  const wrap = <F extends (...args: never[]) => unknown>(original: F): F =>
    function (this: unknown, ...args: unknown[]): unknown {
      // request(options[, cb]) or request(url[, options][, cb]): the agent rides in the options object.
      const patched = args.map((arg) => withAgentTlsOptions(arg, https.Agent));
      return (original as unknown as (...a: unknown[]) => unknown).apply(this, patched);
    } as unknown as F;
  https.request = wrap(https.request);
  https.get = wrap(https.get);
  marked[INSTALLED] = true;
}
