/**
 * Imported FIRST by main.ts, before anything loads grpc-js. grpc-js reads
 * GRPC_NODE_USE_ALTERNATIVE_RESOLVER once, when it is loaded; without it a
 * `dns://<server>/<name>:<port>` target silently ignores <server> and asks the system resolver
 * (facts.md). We turn it on only for such targets: the alternative resolver (c-ares) skips
 * /etc/hosts, which `dns:///localhost:9000` (the envoy-sidecar chapter) relies on.
 */
import { dnsAuthority } from './config';

const target = process.env.TARGET;
if (target !== undefined && dnsAuthority(target) !== undefined) {
  process.env.GRPC_NODE_USE_ALTERNATIVE_RESOLVER = 'true';
}
