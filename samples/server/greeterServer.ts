/**
 * The greeter server (DESIGN.md "Process contract"): Greeter.SayHello, grpc.health.v1.Health and
 * reflection on one port, optional etcd registration, and a graceful shutdown that a load balancer
 * can follow: health NOT_SERVING → deregister → drain → tryShutdown with a deadline → force.
 * `main.ts` wires it to the environment and to signals; tests and the lab can start it in-process.
 */
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { ReflectionService } from '@grpc/reflection';
import { HealthImplementation, protoPath as healthProtoPath } from 'grpc-health-check';
import { isIP } from 'node:net';
import { hostname } from 'node:os';
import { greeterProtoPath, loadGreeter, type HelloReply, type HelloRequest } from '../common/proto';
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
import { registerWithEtcd, type EtcdRegistration } from '../resolvers/etcd';

/** The service name etcd registrations use (the `etcd:///greeter-server` target's prefix). */
export const ETCD_SERVICE_NAME = 'greeter-server';
/** Health service names the server reports: the whole server ("") and the Greeter service. */
export const HEALTH_SERVICES = ['', 'helloworld.Greeter'] as const;

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
}

export const SERVER_DEFAULTS = {
  host: '0.0.0.0',
  port: 50051,
  maxConnectionAgeGraceMs: 5000,
  etcdTtlSeconds: 10,
  drainMs: 1000,
  shutdownTimeoutMs: 5000,
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
  };
}

/** `host:port`, with brackets around an IPv6 host. */
export function joinHostPort(host: string, port: number): string {
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  return isIP(bare) === 6 ? `[${bare}]:${port}` : `${bare}:${port}`;
}

/** A lifecycle event: one JSON line on stdout, never an RpcRecord (the traffic parser skips it). */
export interface LifecycleEvent {
  event: 'serving' | 'registered' | 'registration-failed' | 'registration-lost' | 'draining' | 'stopped';
  [field: string]: unknown;
}

export type LifecycleLogger = (event: LifecycleEvent) => void;

/** Writes `{"ts","event","pod",...}` as one line on stdout. */
export function stdoutLifecycleLogger(podName: string): LifecycleLogger {
  return ({ event, ...fields }) => {
    process.stdout.write(`${JSON.stringify({ ts: new Date().toISOString(), event, pod: podName, ...fields })}\n`);
  };
}

export interface StopResult {
  /** True when every connection closed before the shutdown deadline. */
  graceful: boolean;
}

export interface GreeterServerHandle {
  readonly config: ServerConfig;
  /** The bound port (useful when config.port was 0). */
  readonly port: number;
  /** `host:port` as registered in etcd / dialled by clients. */
  readonly addr: string;
  readonly health: HealthImplementation;
  /** Graceful stop (NOT_SERVING → deregister → drain → tryShutdown → force). Idempotent. */
  stop(reason?: string): Promise<StopResult>;
  /** Closes every connection now (a second signal, or tests). */
  forceStop(): void;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Resolves with `promise`'s outcome, or with undefined after `ms` — never rejects. */
function settleWithin<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(undefined), ms);
    promise.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      () => {
        clearTimeout(timer);
        resolve(undefined);
      },
    );
  });
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** A typed start-up failure (the port is taken, the host is not local …). */
export class ServerStartError extends Error {
  override readonly name = 'ServerStartError';
}

let reflectionDefinition: protoLoader.PackageDefinition | undefined;
/** Greeter + Health in one package definition, so `grpcurl list` shows both. */
function reflectionPackage(): protoLoader.PackageDefinition {
  reflectionDefinition ??= protoLoader.loadSync([greeterProtoPath(), healthProtoPath], {
    keepCase: true,
    longs: String,
    enums: String,
    defaults: true,
    oneofs: true,
  });
  return reflectionDefinition;
}

/** Binds and starts serving; resolves once the port is bound. */
export async function startGreeterServer(
  config: ServerConfig,
  log: LifecycleLogger = stdoutLifecycleLogger(config.podName),
): Promise<GreeterServerHandle> {
  const options: grpc.ServerOptions = {};
  if (config.maxConnectionAgeMs !== undefined) {
    options['grpc.max_connection_age_ms'] = config.maxConnectionAgeMs;
    options['grpc.max_connection_age_grace_ms'] = config.maxConnectionAgeGraceMs;
  }
  const server = new grpc.Server(options);

  const greeter = loadGreeter();
  server.addService(greeter.service, {
    SayHello(
      call: grpc.ServerUnaryCall<HelloRequest, HelloReply>,
      callback: grpc.sendUnaryData<HelloReply>,
    ): void {
      callback(null, { message: `Hello ${call.request.name}`, server_pod: config.podName });
    },
  });

  const health = new HealthImplementation(Object.fromEntries(HEALTH_SERVICES.map((s) => [s, 'SERVING' as const])));
  health.addToServer(server);
  new ReflectionService(reflectionPackage()).addToServer(server);

  const bindAddress = joinHostPort(config.host, config.port);
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(bindAddress, grpc.ServerCredentials.createInsecure(), (err, boundPort) => {
      if (err) reject(new ServerStartError(`cannot listen on ${bindAddress}: ${err.message}`));
      else resolve(boundPort);
    });
  });
  const addr = joinHostPort(config.podIp ?? config.host, port);
  log({
    event: 'serving',
    addr,
    listen: joinHostPort(config.host, port),
    maxConnectionAgeMs: config.maxConnectionAgeMs ?? null,
  });

  let stopping: Promise<StopResult> | undefined;
  let registration: EtcdRegistration | undefined;
  let registering: Promise<void> | undefined;
  const etcdEndpoints = config.etcdEndpoints;
  if (etcdEndpoints) {
    // In the background, retried: a server whose registry is briefly down still serves, and
    // registers as soon as etcd answers.
    registering = (async () => {
      for (let attempt = 1, backoffMs = 500; stopping === undefined; attempt++, backoffMs = Math.min(backoffMs * 2, 10_000)) {
        try {
          const reg = await registerWithEtcd({
            endpoints: etcdEndpoints,
            service: ETCD_SERVICE_NAME,
            addr,
            ttlSeconds: config.etcdTtlSeconds,
            // etcd was away longer than the TTL: our key expired, and comes back once etcd does.
            onLeaseEvent: (e) =>
              log(e.type === 'lost' ? { event: 'registration-lost', error: e.error } : { event: 'registered', restored: true }),
          });
          if (stopping !== undefined) {
            await reg.revoke();
            return;
          }
          registration = reg;
          log({ event: 'registered', key: `${ETCD_SERVICE_NAME}/${addr}`, ttlSeconds: config.etcdTtlSeconds, endpoints: etcdEndpoints });
          return;
        } catch (err) {
          log({ event: 'registration-failed', attempt, retryInMs: backoffMs, error: errorMessage(err) });
          await sleep(backoffMs);
        }
      }
    })();
  }

  const forceStop = (): void => server.forceShutdown();

  const stop = (reason = 'stop'): Promise<StopResult> => {
    stopping ??= (async () => {
      log({ event: 'draining', reason, drainMs: config.drainMs });
      for (const service of HEALTH_SERVICES) health.setStatus(service, 'NOT_SERVING');
      // Deregister first and in parallel with the drain: etcd watchers drop us while we still serve.
      const deregister = (async () => {
        if (registering) await settleWithin(registering, config.drainMs + 1000);
        if (registration) await settleWithin(registration.revoke(), 2000);
      })();
      await Promise.all([sleep(config.drainMs), deregister]);
      const graceful = await new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => {
          server.forceShutdown();
          resolve(false);
        }, config.shutdownTimeoutMs);
        server.tryShutdown(() => {
          clearTimeout(timer);
          resolve(true);
        });
      });
      log({ event: 'stopped', reason, graceful });
      return { graceful };
    })();
    return stopping;
  };

  return { config, port, addr, health, stop, forceStop };
}
