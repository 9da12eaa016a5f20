/**
 * Every progress line the lab's scenarios print, as a template with `{0}`-style slots. The CLI
 * prints them filled in English; the extension shows each through vscode.l10n.t, so a learner
 * reads them in the UI language (l10n/ has an entry for every template).
 */
export const LAB_STEPS = {
  startingClients: 'starting {0} clients on {1}',
  clusteripStarting: 'starting {0} servers, an L4 proxy that balances connections, and {1} clients',
  serversReady: 'servers ready; clients on {0}',
  dnsServer: 'DNS server on {0} answers {1}; starting {2} servers',
  headlessScaleUp: 'scale up {0} → {1}: a new server and its A record; watching for {2} s',
  noRpcWithin: '{0} got no RPC in {1} s',
  firstRpcAfter: '{0} got its first RPC after {1} ms',
  headlessScaleDown: 'scale down: {0} leaves DNS and gets SIGTERM',
  pickFirstClients: 'starting a pick_first client and a round_robin client on {0}',
  startingEtcd: 'starting etcd',
  etcdSkipped: 'etcd is not installed — {0}',
  gracefulStopUnavailable: 'Windows has no SIGTERM, so a graceful stop cannot be told from a kill here: run this scenario on Linux or macOS (or in WSL)',
  etcdServers: 'starting {0} servers that register with a {1} s lease',
  scaleUp: 'scale up {0} → {1}',
  etcdRegistered: '{0} registered; first RPC after {1} ms',
  etcdRegisteredNoRpc: '{0} registered; it got no RPC',
  etcdScaleDown: 'scale down: SIGTERM {0} (it revokes its lease)',
  etcdKill: 'kill -9 {0}: its key stays until the {1} s lease expires',
  maxAgeClients: 'starting {0} clients with DNS_MIN_RESOLUTION_MS={1} and {2} without (age only) on {3}',
  maxAgeScaleUp: 'scale up {0} → {1}; servers recycle connections every {2} ms',
  bothKnobsFound: 'both knobs: the new server got RPCs after {0} ms',
  bothKnobsNotFound: 'both knobs: the new server got no RPC',
  ageOnlyFound: 'age only: the new server got RPCs after {0} ms',
  ageOnlyNotFound: 'age only: the new server got no RPC within {0} s',
  gracefulReplace: 'graceful: {0} replaces {1} (SIGTERM)',
  abruptReplace: 'abrupt: {0} replaces {1} (SIGKILL)',
} as const;

export type LabStepId = keyof typeof LAB_STEPS;
export type LabStepArg = string | number;

/** A template with its `{n}` slots filled. */
export function fillStep(id: LabStepId, args: readonly LabStepArg[]): string {
  return LAB_STEPS[id].replace(/\{(\d+)\}/g, (slot, i: string) => (Number(i) < args.length ? String(args[Number(i)]) : slot));
}
