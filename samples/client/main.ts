/**
 * `npm run sample:client` / dist/client.js / the client image: configured by the environment
 * (docs/architecture.md "Process contract"). Prints one RpcRecord line per RPC on stdout; a bad setting
 * prints one line on stderr and exits with code 2; SIGTERM / SIGINT prints a summary line, exit 0.
 *
 * Nothing here may load grpc-js before the configuration is read: grpc-js reads
 * GRPC_NODE_USE_ALTERNATIVE_RESOLVER once, when it is loaded, and without it a
 * `dns://<server>/<name>:<port>` target silently ignores <server> (docs/architecture.md). So only pure
 * modules are imported statically; the RPC loop is required after the variable is set.
 */
import { CONFIG_ERROR_EXIT_CODE, ConfigError } from '../common/env';
import { backgroundErrorReporter, exitOnClosedStdout, exitWhenParentDies, failer, oneLine, onStopSignals } from '../common/processMain';
import { clientConfigFromEnv, dnsAuthority, type ClientConfig } from './config';

const fail: (message: string, code: number) => never = failer('greeter-client');

function jsonLine(value: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify({ ts: new Date().toISOString(), ...value })}\n`);
}

function main(): void {
  exitOnClosedStdout();
  exitWhenParentDies('greeter-client');
  let config: ClientConfig;
  try {
    config = clientConfigFromEnv(process.env);
  } catch (err) {
    if (err instanceof ConfigError) fail(`invalid configuration: ${err.message}`, CONFIG_ERROR_EXIT_CODE);
    fail(oneLine(err), 1);
  }
  if (dnsAuthority(config.target) !== undefined) {
    // Only for such targets: the alternative resolver (c-ares) skips /etc/hosts, which
    // a name such as `localhost` needs.
    process.env.GRPC_NODE_USE_ALTERNATIVE_RESOLVER = 'true';
  }

  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { GreeterLoop } = require('./greeterLoop') as typeof import('./greeterLoop');
  let loop: InstanceType<typeof GreeterLoop>;
  try {
    loop = new GreeterLoop(config);
  } catch (err) {
    fail(oneLine(err), 1);
  }

  // The client must outlive anything a resolver or a library does wrong in the background:
  // report it on stderr (one JSON line) and keep calling.
  const report = backgroundErrorReporter();
  process.on('uncaughtException', report);
  process.on('unhandledRejection', report);

  onStopSignals({
    stop: () =>
      void loop.stop().then((summary) => {
        jsonLine({ ...summary });
        process.exit(0);
      }),
    // A signal well after the first one: do not wait for the in-flight RPC.
    insist: () => {
      jsonLine({ ...loop.summary() });
      process.exit(0);
    },
  });

  jsonLine({
    event: 'started',
    client: config.podName,
    chapter: config.chapter,
    target: config.target,
    lbPolicy: config.lbPolicy,
    intervalMs: config.intervalMs,
    deadlineMs: config.deadlineMs,
  });
  // Loads the resolver's library first (kubernetes:, etcd: targets), then sends the first RPC.
  void loop.start();
}

main();
