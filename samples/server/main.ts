/**
 * `npm run sample:server` / dist/server.js / the server image: configured by the environment
 * (DESIGN.md "Process contract"). A bad setting prints one line on stderr and exits with code 2.
 * SIGTERM / SIGINT: graceful stop, exit 0; a second signal forces the stop at once.
 */
import { CONFIG_ERROR_EXIT_CODE, ConfigError } from '../common/env';
import { serverConfigFromEnv, type ServerConfig } from './config';

const PROGRAM = 'greeter-server';

function fail(message: string, code: number): never {
  process.stderr.write(`${PROGRAM}: ${message}\n`);
  process.exit(code);
}

function oneLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).replace(/\s*\n\s*/g, ' ');
}

async function main(): Promise<void> {
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

  let signals = 0;
  const onSignal = (signal: NodeJS.Signals): void => {
    signals++;
    if (signals > 1) {
      // The user insists: skip the drain.
      server.forceStop();
      process.exit(0);
    }
    void server.stop(signal).then(() => process.exit(0));
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}

main().catch((err: unknown) => fail(oneLine(err), 1));
