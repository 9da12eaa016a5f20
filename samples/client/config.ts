/**
 * The client's configuration from the environment (docs/architecture.md "Process contract"). Pure: it must
 * not load grpc-js, because main.ts uses it to decide an environment variable that grpc-js
 * reads once, when it is first loaded.
 */
import { isIP, isIPv4 } from 'node:net';
import { hostname } from 'node:os';
import {
  ConfigError,
  readEnum,
  readInt,
  readOptionalInt,
  readRequired,
  readString,
  readUrlList,
  type Env,
} from '../common/env';
// Pure string parsing shared with the resolvers; kubernetes.ts and etcd.ts themselves load grpc-js.
import { ETCD_TARGET_FORM, KUBERNETES_TARGET_FORM, parseEtcdTarget, parseKubernetesTarget } from '../resolvers/targets';

export const LB_POLICIES = ['round_robin', 'pick_first'] as const;
export type LbPolicy = (typeof LB_POLICIES)[number];

/** Target schemes this client can resolve: grpc-js built-ins plus ours (samples/resolvers) and xDS. */
export const TARGET_SCHEMES = ['dns', 'ipv4', 'ipv6', 'unix', 'kubernetes', 'etcd', 'xds'] as const;

export interface ClientConfig {
  target: string;
  lbPolicy: LbPolicy;
  /** Pause between the end of one round of RPCs and the start of the next. */
  intervalMs: number;
  /** RPCs sent together each round (1 = one at a time). */
  concurrency: number;
  /** Per-RPC deadline. */
  deadlineMs: number;
  /** Sets `grpc.dns_min_time_between_resolutions_ms` (undefined = grpc-js default, 30 s). */
  dnsMinResolutionMs?: number;
  /** How long the first RPC waits for the channel to become ready (0 = not at all). */
  startupWaitMs: number;
  /** Caps the reconnect backoff, so a client whose servers all went away notices their return soon. */
  reconnectBackoffMaxMs: number;
  /** Chapter id written into every log record ('' when unset). */
  chapter: string;
  /** This client's name in the log (`client` field). */
  podName: string;
  /** etcd client URLs for `etcd:` targets (read by the etcd resolver). */
  etcdEndpoints?: string[];
}

export const CLIENT_DEFAULTS = {
  lbPolicy: 'round_robin' as LbPolicy,
  intervalMs: 200,
  concurrency: 1,
  deadlineMs: 1000,
  startupWaitMs: 5000,
  reconnectBackoffMaxMs: 5000,
};

const TARGET_EXPECTED =
  `a gRPC target: ${TARGET_SCHEMES.map((s) => `${s}:`).join(', ')} ` +
  '(e.g. dns:///greeter-server:50051, ipv4:127.0.0.1:50051,127.0.0.1:50052, etcd:///greeter-server) or host:port';

const KUBERNETES_TARGET_EXPECTED =
  `of the form ${KUBERNETES_TARGET_FORM} (lowercase DNS labels), e.g. kubernetes:///greeter-server-headless.grpc-lb-example:50051`;
const ETCD_TARGET_EXPECTED = `of the form ${ETCD_TARGET_FORM}, e.g. etcd:///greeter-server`;
const XDS_TARGET_EXPECTED =
  'of the form xds:///<listener name>[:<port>], e.g. xds:///greeter-server.grpc-lb-mesh.svc.cluster.local:50051';

const HOST_PORT = /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*|\[[0-9A-Fa-f:.]+\])(?::(\d{1,5}))?$/;

function validHostPort(text: string): boolean {
  const m = HOST_PORT.exec(text);
  if (!m) return false;
  return m[1] === undefined || (Number(m[1]) >= 1 && Number(m[1]) <= 65535);
}

function validIpPort(text: string, family: 4 | 6): boolean {
  if (family === 4) {
    const m = /^([0-9.]+)(?::(\d{1,5}))?$/.exec(text);
    return !!m && isIPv4(m[1]) && (m[2] === undefined || (Number(m[2]) >= 1 && Number(m[2]) <= 65535));
  }
  const m = /^(?:\[([0-9A-Fa-f:.]+)\](?::(\d{1,5}))?|([0-9A-Fa-f:.]+))$/.exec(text);
  if (!m) return false;
  const ip = m[1] ?? m[3];
  return isIP(ip) === 6 && (m[2] === undefined || (Number(m[2]) >= 1 && Number(m[2]) <= 65535));
}

/**
 * The listener name of an `xds:` target, as @grpc/grpc-js-xds takes it: the whole path, which it
 * also sends as the :authority of each call — so no `/`, `?` or `#`, and a trailing `:<port>`
 * must be a port. (An authority, `xds://<authority>/<name>`, must be in the xDS bootstrap; that
 * is checked by grpc-js-xds when it reads the bootstrap.)
 */
function validXdsName(name: string): boolean {
  if (name === '' || /[/?#]/.test(name) || name.startsWith(':') || name.endsWith(':')) return false;
  const port = /:(\d+)$/.exec(name)?.[1];
  return port === undefined || (Number(port) >= 1 && Number(port) <= 65535);
}

/** Splits `scheme:[//authority/]path` the way grpc-js does; undefined when there is no scheme. */
export function splitTarget(target: string): { scheme: string; authority?: string; path: string } | undefined {
  const m = /^([A-Za-z][A-Za-z0-9+.-]*):(?:\/\/([^/]*)\/)?(.*)$/.exec(target);
  if (!m) return undefined;
  return { scheme: m[1], authority: m[2], path: m[3] };
}

/**
 * The DNS server named in a `dns://<server>/name:port` target, if any. grpc-js honours it only
 * with GRPC_NODE_USE_ALTERNATIVE_RESOLVER=true set before it loads (docs/architecture.md).
 */
export function dnsAuthority(target: string): string | undefined {
  const parts = splitTarget(target.trim());
  if (!parts || parts.scheme !== 'dns' || !parts.authority) return undefined;
  return parts.authority;
}

/** Throws ConfigError unless `target` is a target this client can dial. */
export function validateTarget(target: string, variable = 'TARGET'): string {
  const fail = (): never => {
    throw new ConfigError(variable, TARGET_EXPECTED, target);
  };
  if (/\s/.test(target)) fail();
  const parts = splitTarget(target);
  const scheme = parts?.scheme.toLowerCase();
  if (parts && scheme && (TARGET_SCHEMES as readonly string[]).includes(scheme)) {
    const { authority, path } = parts;
    // grpc-js looks schemes up case-sensitively: `DNS:///x:1` would be dialled as the DNS name "DNS:///x:1".
    if (parts.scheme !== scheme) {
      throw new ConfigError(variable, `written with a lower-case scheme: ${scheme}:${target.slice(parts.scheme.length + 1)}`, target);
    }
    // kubernetes:, etcd: and xds: say what form they expect, for an empty path too.
    if (path === '' && !['kubernetes', 'etcd', 'xds'].includes(scheme)) fail();
    switch (scheme) {
      case 'dns':
        if (authority && !validIpPort(authority, 4) && !validIpPort(authority, 6)) {
          // c-ares (the alternative resolver) accepts only an IP address as the DNS server.
          throw new ConfigError(variable, 'a DNS server given as IP[:port] in dns://<server>/<name>:<port>', target);
        }
        if (!validHostPort(path)) fail();
        break;
      case 'ipv4':
      case 'ipv6':
        if (!path.split(',').every((item) => validIpPort(item, scheme === 'ipv4' ? 4 : 6))) fail();
        break;
      case 'kubernetes':
        try {
          parseKubernetesTarget(path);
        } catch {
          throw new ConfigError(variable, KUBERNETES_TARGET_EXPECTED, target);
        }
        break;
      case 'etcd':
        try {
          parseEtcdTarget(path);
        } catch {
          throw new ConfigError(variable, ETCD_TARGET_EXPECTED, target);
        }
        break;
      case 'xds':
        if (!validXdsName(path)) throw new ConfigError(variable, XDS_TARGET_EXPECTED, target);
        break;
      default:
        // unix paths are checked when the channel connects.
        break;
    }
    return target;
  }
  // grpc-js reads an unknown scheme as a DNS name, so `host:port` works — but `foo://x` would be
  // quietly resolved as a host called "foo://x": reject it here, with the schemes we know.
  if (target.includes('://') || !validHostPort(target)) fail();
  return target;
}

/** Reads the client's configuration; throws ConfigError on a bad or missing value. */
export function clientConfigFromEnv(env: Env, defaultPodName: string = hostname()): ClientConfig {
  const target = validateTarget(readRequired(env, 'TARGET', TARGET_EXPECTED));
  return {
    target,
    lbPolicy: readEnum(env, 'LB_POLICY', LB_POLICIES, CLIENT_DEFAULTS.lbPolicy),
    intervalMs: readInt(env, 'INTERVAL_MS', CLIENT_DEFAULTS.intervalMs, { min: 1, max: 3_600_000 }),
    concurrency: readInt(env, 'CONCURRENCY', CLIENT_DEFAULTS.concurrency, { min: 1, max: 64 }),
    deadlineMs: readInt(env, 'DEADLINE_MS', CLIENT_DEFAULTS.deadlineMs, { min: 1, max: 3_600_000 }),
    startupWaitMs: readInt(env, 'STARTUP_WAIT_MS', CLIENT_DEFAULTS.startupWaitMs, { min: 0, max: 3_600_000 }),
    dnsMinResolutionMs: readOptionalInt(env, 'DNS_MIN_RESOLUTION_MS', { min: 0, max: 3_600_000 }),
    reconnectBackoffMaxMs: readInt(env, 'RECONNECT_BACKOFF_MAX_MS', CLIENT_DEFAULTS.reconnectBackoffMaxMs, {
      min: 100,
      max: 3_600_000,
    }),
    chapter: readString(env, 'CHAPTER', ''),
    podName: readString(env, 'POD_NAME', defaultPodName),
    etcdEndpoints: readUrlList(env, 'ETCD_ENDPOINTS'),
  };
}
