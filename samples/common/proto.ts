import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Locates proto/greeter.proto both from the source tree (tsx) and from the esbuild bundle
 * (dist/ with proto/ shipped beside it).
 */
export function greeterProtoPath(): string {
  const candidates = [
    join(__dirname, '..', '..', 'proto', 'greeter.proto'),
    join(__dirname, '..', 'proto', 'greeter.proto'),
    join(__dirname, 'proto', 'greeter.proto'),
  ];
  const found = candidates.find((p) => existsSync(p));
  if (!found) throw new Error(`greeter.proto not found (looked in ${candidates.join(', ')})`);
  return found;
}

export interface HelloRequest {
  name: string;
}
export interface HelloReply {
  message: string;
  server_pod: string;
}

export type GreeterClient = grpc.Client & {
  SayHello(
    request: HelloRequest,
    options: grpc.CallOptions,
    callback: (error: grpc.ServiceError | null, reply?: HelloReply) => void,
  ): grpc.ClientUnaryCall;
};

export interface GreeterDefinition {
  /** Service definition to pass to `server.addService`. */
  service: grpc.ServiceDefinition;
  /** Client constructor. */
  Client: new (target: string, credentials: grpc.ChannelCredentials, options?: grpc.ChannelOptions) => GreeterClient;
  /** Raw package definition (for reflection). */
  packageDefinition: protoLoader.PackageDefinition;
}

let cached: GreeterDefinition | undefined;

export function loadGreeter(): GreeterDefinition {
  if (cached) return cached;
  const packageDefinition = protoLoader.loadSync(greeterProtoPath(), {
    keepCase: true,
    longs: String,
    enums: String,
    defaults: true,
    oneofs: true,
  });
  const loaded = grpc.loadPackageDefinition(packageDefinition) as unknown as {
    helloworld: { Greeter: GreeterDefinition['Client'] & { service: grpc.ServiceDefinition } };
  };
  const Greeter = loaded.helloworld.Greeter;
  cached = { service: Greeter.service, Client: Greeter, packageDefinition };
  return cached;
}
