/**
 * The greeter server (docs/architecture.md "Process contract"): Greeter.SayHello, grpc.health.v1.Health and
 * reflection on one port, optional etcd registration, and a graceful shutdown that a load balancer
 * can follow: health NOT_SERVING → deregister → drain → tryShutdown with a deadline → force.
 * `main.ts` wires it to the environment and to signals; tests and the lab can start it in-process.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { ReflectionService } from '@grpc/reflection';
import { HealthImplementation, protoPath as healthProtoPath } from 'grpc-health-check';
import { greeterProtoPath, loadGreeter, type HelloReply, type HelloRequest } from '../common/proto';
import { registerWithEtcd, type EtcdRegistration } from '../resolvers/etcd';
import { joinHostPort, type ServerConfig } from './config';

export { joinHostPort, SERVER_DEFAULTS, serverConfigFromEnv, type ServerConfig } from './config';

/** The service name etcd registrations use (the `etcd:///greeter-server` target's prefix). */
export const ETCD_SERVICE_NAME = 'greeter-server';
/** Health service names the server reports: the whole server ("") and the Greeter service. */
export const HEALTH_SERVICES = ['', 'helloworld.Greeter'] as const;

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
  // With a registry, Ready means registered: until then no client can find this server, so its readiness
  // probe (gRPC health) says NOT_SERVING and a rollout waits for the registration.
  const health = addServices(server, config, config.etcdEndpoints ? 'NOT_SERVING' : 'SERVING');
  const bindAddress = joinHostPort(config.host, config.port);
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(bindAddress, grpc.ServerCredentials.createInsecure(), (err, boundPort) => {
      if (err) reject(new ServerStartError(`cannot listen on ${bindAddress}: ${err.message}`));
      else resolve(boundPort);
    });
  });
  const addr = joinHostPort(config.podIp ?? config.host, port);
  log({ event: 'serving', addr, listen: joinHostPort(config.host, port), maxConnectionAgeMs: config.maxConnectionAgeMs ?? null });

  const registration = config.etcdEndpoints
    ? new BackgroundRegistration(config, config.etcdEndpoints, addr, log, () => {
        if (stopping === undefined) for (const service of HEALTH_SERVICES) health.setStatus(service, 'SERVING');
      })
    : undefined;
  let stopping: Promise<StopResult> | undefined;
  const forceStop = (): void => {
    server.forceShutdown();
    // Best effort: if the process exits first, the lease simply expires after its TTL.
    registration?.abandon();
  };
  const stop = (reason = 'stop'): Promise<StopResult> => (stopping ??= drainAndStop(server, health, config, log, reason, registration));
  return { config, port, addr, health, stop, forceStop };
}

/** The greeter, the health service (every service at `initial`) and reflection, added to `server`. */
function addServices(server: grpc.Server, config: ServerConfig, initial: 'SERVING' | 'NOT_SERVING'): HealthImplementation {
  const greeter = loadGreeter();
  server.addService(greeter.service, {
    SayHello(call: grpc.ServerUnaryCall<HelloRequest, HelloReply>, callback: grpc.sendUnaryData<HelloReply>): void {
      const reply = (): void => callback(null, { message: `Hello ${call.request.name}`, server_pod: config.podName });
      if (config.workMs > 0) setTimeout(reply, config.workMs);
      else reply();
    },
  });
  const health = new HealthImplementation(Object.fromEntries(HEALTH_SERVICES.map((s) => [s, initial])));
  health.addToServer(server);
  new ReflectionService(reflectionPackage()).addToServer(server);
  return health;
}

/**
 * The graceful stop: health NOT_SERVING and deregistration at once, serve on for DRAIN_MS so everyone
 * sending here learns we are leaving, then tryShutdown (forced after SHUTDOWN_TIMEOUT_MS).
 */
async function drainAndStop(
  server: grpc.Server,
  health: HealthImplementation,
  config: ServerConfig,
  log: LifecycleLogger,
  reason: string,
  registration: BackgroundRegistration | undefined,
): Promise<StopResult> {
  log({ event: 'draining', reason, drainMs: config.drainMs });
  for (const service of HEALTH_SERVICES) health.setStatus(service, 'NOT_SERVING');
  // Deregister first and in parallel with the drain: etcd watchers drop us while we still serve.
  await Promise.all([sleep(config.drainMs), registration?.deregister(config.drainMs + 1000)]);
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
}

/**
 * Keeps the server registered in etcd, from the background and retried: a server whose registry is
 * briefly down still serves, and registers as soon as etcd answers.
 */
class BackgroundRegistration {
  private registration: EtcdRegistration | undefined;
  private readonly registering: Promise<void>;
  private stopped = false;

  constructor(
    private readonly config: ServerConfig,
    private readonly endpoints: string[],
    private readonly addr: string,
    private readonly log: LifecycleLogger,
    /** Called once the first registration is in etcd. */
    private readonly onRegistered: () => void,
  ) {
    this.registering = this.register();
  }

  /** Stops retrying and revokes the lease (the key goes at once), each bounded in time. */
  async deregister(registeringWithinMs: number): Promise<void> {
    this.stopped = true;
    await settleWithin(this.registering, registeringWithinMs);
    if (this.registration) await settleWithin(this.registration.revoke(), 2000);
  }

  /** A forced stop: revoke without waiting. */
  abandon(): void {
    this.stopped = true;
    void this.registration?.revoke();
  }

  private async register(): Promise<void> {
    const { config, addr, log } = this;
    for (let attempt = 1, backoffMs = 500; !this.stopped; attempt++, backoffMs = Math.min(backoffMs * 2, 10_000)) {
      try {
        const reg = await registerWithEtcd({
          endpoints: this.endpoints,
          service: ETCD_SERVICE_NAME,
          addr,
          ttlSeconds: config.etcdTtlSeconds,
          // etcd was away longer than the TTL: our key expired, and comes back once etcd does.
          onLeaseEvent: (e) => log(e.type === 'lost' ? { event: 'registration-lost', error: e.error } : { event: 'registered', restored: true }),
        });
        if (this.stopped) {
          await reg.revoke();
          return;
        }
        this.registration = reg;
        log({ event: 'registered', key: `${ETCD_SERVICE_NAME}/${addr}`, ttlSeconds: config.etcdTtlSeconds, endpoints: this.endpoints });
        this.onRegistered();
        return;
      } catch (err) {
        log({ event: 'registration-failed', attempt, retryInMs: backoffMs, error: errorMessage(err) });
        await sleep(backoffMs);
      }
    }
  }
}
