import { Etcd3 } from 'etcd3';

/** Options for {@link registerWithEtcd}. */
export interface EtcdRegistrationOptions {
  /** etcd client URLs, e.g. `['http://127.0.0.1:2379']`. */
  endpoints: string[];
  /** Service name: the key prefix, e.g. `greeter-server`. */
  service: string;
  /** `ip:port` other processes should dial. */
  addr: string;
  /** Lease TTL: the entry disappears this long after the process dies without revoking. */
  ttlSeconds: number;
}

export interface EtcdRegistration {
  /** Revokes the lease (deleting the key at once) and closes the etcd client. Idempotent. */
  revoke(): Promise<void>;
}

/**
 * Registers `addr` under `<service>/<addr>` with a lease kept alive in the background,
 * value in grpc-go's naming layout: `{"Op":0,"Addr":"<addr>","Metadata":null}`.
 */
export async function registerWithEtcd(opts: EtcdRegistrationOptions): Promise<EtcdRegistration> {
  const client = new Etcd3({ hosts: opts.endpoints });
  const lease = client.lease(opts.ttlSeconds, { autoKeepAlive: true });
  try {
    await lease.put(`${opts.service}/${opts.addr}`).value(JSON.stringify({ Op: 0, Addr: opts.addr, Metadata: null }));
  } catch (err) {
    client.close();
    throw err;
  }
  let revoked: Promise<void> | undefined;
  return {
    revoke() {
      revoked ??= lease
        .revoke()
        .catch(() => undefined)
        .finally(() => client.close());
      return revoked;
    },
  };
}
