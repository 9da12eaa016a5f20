/**
 * Every measured figure of the lab's scenarios and the cluster experiments: its key in the reports (JSON),
 * its label, and its unit. One table for the CLI, the experiment reports and the extension, which shows
 * the label in the UI language (the English label is the l10n key).
 */
export interface FigureInfo {
  label: string;
  unit?: 'ms' | 'rpcs';
}

export const FIGURES: Readonly<Record<string, FigureInfo>> = {
  serversPerClient: { label: 'servers per client (max)' },
  servers: { label: 'servers running' },
  serversHit: { label: 'servers each client used (min)' },
  proxyConnections: { label: 'proxied connections' },
  pickFirstServers: { label: 'pick_first client: servers used' },
  roundRobinServers: { label: 'round_robin client: servers used' },
  windowMs: { label: 'observation window', unit: 'ms' },
  scaleUpDiscoveredMs: { label: 'scale-up: first RPC on the new server after', unit: 'ms' },
  scaleUpFailedRpcs: { label: 'scale-up: failed RPCs', unit: 'rpcs' },
  scaleDownLastRpcMs: { label: 'scale-down: last RPC on the stopped server after', unit: 'ms' },
  scaleDownFailedRpcs: { label: 'scale-down: failed RPCs', unit: 'rpcs' },
  maxConnectionAgeMs: { label: 'server MAX_CONNECTION_AGE_MS', unit: 'ms' },
  dnsMinResolutionMs: { label: 'client DNS_MIN_RESOLUTION_MS', unit: 'ms' },
  ageOnlyScaleUpDiscoveredMs: { label: 'age only: first RPC on the new server after', unit: 'ms' },
  ageOnlyWindowMs: { label: 'age-only observation window', unit: 'ms' },
  ageOnlyClients: { label: 'age-only clients' },
  leaseTtlMs: { label: 'lease TTL', unit: 'ms' },
  scaleDownRemovedMs: { label: 'SIGTERM: key gone from etcd after', unit: 'ms' },
  killRemovedMs: { label: 'kill -9: key gone from etcd after', unit: 'ms' },
  killLastRpcMs: { label: 'kill -9: last RPC on the killed server after', unit: 'ms' },
  killFailedRpcs: { label: 'kill -9: failed RPCs', unit: 'rpcs' },
  failedRpcsGraceful: { label: 'graceful rollout: failed RPCs', unit: 'rpcs' },
  failedRpcsAbrupt: { label: 'abrupt rollout (SIGKILL): failed RPCs', unit: 'rpcs' },
  rpcsGraceful: { label: 'graceful rollout: RPCs during it', unit: 'rpcs' },
  rpcsAbrupt: { label: 'abrupt rollout: RPCs during it', unit: 'rpcs' },
  failedRpcs: { label: 'failed RPCs', unit: 'rpcs' },
  totalRpcs: { label: 'RPCs observed', unit: 'rpcs' },
  replicasBefore: { label: 'server replicas before' },
  newPod: { label: 'new server pod' },
  stoppedPod: { label: 'stopped server pod' },
  rolloutMs: { label: 'rolling restart took', unit: 'ms' },
  rolloutFailedRpcs: { label: 'rolling restart: failed RPCs', unit: 'rpcs' },
  rolloutRpcs: { label: 'rolling restart: RPCs during it', unit: 'rpcs' },
  newPodsWithoutRpcs: { label: 'new pods without an RPC in the window' },
  readyTimePrecisionMs: { label: 'precision of Ready/deletion times', unit: 'ms' },
  restoredReplicas: { label: 'replicas restored to' },
  skipped: { label: 'skipped' },
  error: { label: 'error' },
};

/** The English label of a figure, or its key when the table does not know it. */
export function figureLabelOf(key: string): string {
  return FIGURES[key]?.label ?? key;
}
