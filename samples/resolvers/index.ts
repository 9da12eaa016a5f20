/**
 * Custom grpc-js name resolvers: `kubernetes:///svc.ns:port` (EndpointSlice API) and
 * `etcd:///name` (grpc-go naming layout in etcd), plus lazy registration of the xDS resolver.
 */
export function registerResolvers(): void {
  // implemented in the next commits
}

/** Registers `@grpc/grpc-js-xds` when `target` is an `xds:` URI (loaded lazily: it is big). */
export function registerXdsIfNeeded(target: string): void {
  if (!target.startsWith('xds:')) return;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const xds = require('@grpc/grpc-js-xds') as { register(): void };
  xds.register();
}

export { registerWithEtcd } from './etcd';
export type { EtcdRegistration, EtcdRegistrationOptions } from './etcd';
