/**
 * The server's configuration from the environment (docs/architecture.md "Process contract"). Pure and
 * light: main.ts reads it before loading grpc-js, so a bad setting fails fast with one line.
 */
import { isIP } from 'node:net';
import { hostname } from 'node:os';
import {
  ConfigError,
  readInt,
  readOptional,
  readOptionalInt,
  readPort,
  readString,
  readUrlList,
  type Env,
} from '../common/env';

export interface ServerConfig {
  /** Address to bind, e.g. `0.0.0.0` or `127.0.0.2`. */
  host: string;
  /** Port to bind; 0 picks a free one (in-process use only — the env reader requires 1-65535). */
  port: number;
  /** Name reported in every reply (`server_pod`) and in lifecycle logs. */
  podName: string;
  /** Address others dial (registered in etcd); when unset, `host` is used. */
  podIp?: string;
  /** Sets `grpc.max_connection_age_ms` (undefined = connections live forever). */
  maxConnectionAgeMs?: number;
  /** Sets `grpc.max_connection_age_grace_ms`: how long in-flight RPCs get after the age GOAWAY. */
  maxConnectionAgeGraceMs: number;
  /** etcd client URLs; set = register `greeter-server/<addr>` under a lease. */
  etcdEndpoints?: string[];
  etcdTtlSeconds: number;
  /** How long to keep serving after turning NOT_SERVING, so resolvers and balancers notice first. */
  drainMs: number;
  /** Deadline for `tryShutdown` (in-flight RPCs finishing) before `forceShutdown`. */
  shutdownTimeoutMs: number;
  /**
   * Work time per RPC before the reply (0 = reply at once): keeps RPCs in flight long enough that a
   * SIGKILL catches some, as a real service's would — the contrast with a graceful stop shows.
   */
  workMs: number;
}

export const SERVER_DEFAULTS = {
  // Loopback unless told otherwise: `npm run sample:server` on a laptop does not offer reflection to
  // the network; the manifests set HOST=0.0.0.0 for pods.
  host: '127.0.0.1',
  port: 50051,
  maxConnectionAgeGraceMs: 5000,
  etcdTtlSeconds: 10,
  drainMs: 1000,
  shutdownTimeoutMs: 5000,
  workMs: 0,
} as const;

function isWildcard(host: string): boolean {
  return host === '0.0.0.0' || host === '::' || host === '[::]';
}

/** Reads the server's configuration from the environment; throws ConfigError on bad values. */
export function serverConfigFromEnv(env: Env, defaultPodName: string = hostname()): ServerConfig {
  const host = readString(env, 'HOST', SERVER_DEFAULTS.host);
  const port = readPort(env, 'PORT', SERVER_DEFAULTS.port);
  const podIp = readOptional(env, 'POD_IP');
  if (podIp !== undefined && isIP(podIp) === 0) {
    throw new ConfigError('POD_IP', 'an IPv4 or IPv6 address', podIp);
  }
  const etcdEndpoints = readUrlList(env, 'ETCD_ENDPOINTS');
  if (etcdEndpoints && podIp === undefined && isWildcard(host)) {
    // Registering 0.0.0.0:port would tell every client to dial itself.
    throw new ConfigError(
      'POD_IP',
      `the address clients should dial when ETCD_ENDPOINTS is set and HOST is ${host} (or set HOST to that address)`,
      undefined,
    );
  }
  return {
    host,
    port,
    podName: readString(env, 'POD_NAME', defaultPodName),
    podIp,
    maxConnectionAgeMs: readOptionalInt(env, 'MAX_CONNECTION_AGE_MS', { min: 1 }),
    maxConnectionAgeGraceMs: readInt(env, 'MAX_CONNECTION_AGE_GRACE_MS', SERVER_DEFAULTS.maxConnectionAgeGraceMs, {
      min: 0,
    }),
    etcdEndpoints,
    etcdTtlSeconds: readInt(env, 'ETCD_TTL_SECONDS', SERVER_DEFAULTS.etcdTtlSeconds, { min: 1, max: 3600 }),
    drainMs: readInt(env, 'DRAIN_MS', SERVER_DEFAULTS.drainMs, { min: 0, max: 600_000 }),
    shutdownTimeoutMs: readInt(env, 'SHUTDOWN_TIMEOUT_MS', SERVER_DEFAULTS.shutdownTimeoutMs, {
      min: 0,
      max: 600_000,
    }),
    workMs: readInt(env, 'WORK_MS', SERVER_DEFAULTS.workMs, { min: 0, max: 60_000 }),
  };
}

/** `host:port`, with brackets around an IPv6 host. */
export function joinHostPort(host: string, port: number): string {
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  return isIP(bare) === 6 ? `[${bare}]:${port}` : `${bare}:${port}`;
}

