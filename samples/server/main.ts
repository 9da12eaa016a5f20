/**
 * `npm run sample:server` / dist/server.js / the server image: configured by the environment
 * (docs/architecture.md "Process contract"). A bad setting prints one line on stderr and exits with code 2.
 * SIGTERM / SIGINT: graceful stop, exit 0; another signal a second or more later forces the stop.
 */
import { CONFIG_ERROR_EXIT_CODE, ConfigError } from '../common/env';
import { exitOnClosedStdout, exitWhenParentDies, failer, oneLine, onStopSignals } from '../common/processMain';
import { serverConfigFromEnv, type ServerConfig } from './config';

const fail: (message: string, code: number) => never = failer('greeter-server');

async function main(): Promise<void> {
  exitOnClosedStdout();
  exitWhenParentDies('greeter-server');
  let config: ServerConfig;
  try {
    config = serverConfigFromEnv(process.env);
  } catch (err) {
    if (err instanceof ConfigError) fail(`invalid configuration: ${err.message}`, CONFIG_ERROR_EXIT_CODE);
    throw err;
  }

  // Loaded only once the configuration is known to be good: a typo fails in a blink.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { startGreeterServer } = require('./greeterServer') as typeof import('./greeterServer');
  let server: Awaited<ReturnType<typeof startGreeterServer>>;
  try {
    server = await startGreeterServer(config);
  } catch (err) {
    fail(oneLine(err), 1);
  }

  onStopSignals({
    stop: (signal) => void server.stop(signal).then(() => process.exit(0)),
    // A signal well after the first one: the user insists, skip the drain.
    insist: () => {
      server.forceStop();
      process.exit(0);
    },
  });
}

main().catch((err: unknown) => fail(oneLine(err), 1));
