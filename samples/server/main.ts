/**
 * `npm run sample:server` / dist/server.js / the server image: configured by the environment
 * (DESIGN.md "Process contract"). A bad setting prints one line on stderr and exits with code 2.
 * SIGTERM / SIGINT: graceful stop, exit 0; another signal a second or more later forces the stop.
 */
import { CONFIG_ERROR_EXIT_CODE, ConfigError } from '../common/env';
import { serverConfigFromEnv, type ServerConfig } from './config';

const PROGRAM = 'greeter-server';
const REPEAT_SIGNAL_WINDOW_MS = 1000;

function fail(message: string, code: number): never {
  process.stderr.write(`${PROGRAM}: ${message}\n`);
  process.exit(code);
}

function oneLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).replace(/\s*\n\s*/g, ' ');
}

async function main(): Promise<void> {
  // Whoever reads our log went away (`| head`, a closed pipe): there is no one left to tell.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(0);
  });
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

  let firstSignalAt: number | undefined;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (firstSignalAt === undefined) {
      firstSignalAt = Date.now();
      void server.stop(signal).then(() => process.exit(0));
      return;
    }
    // Ctrl-C under `npm run` delivers SIGINT twice at once (to us and via the tsx wrapper):
    // only a signal well after the first one means "the user insists, skip the drain".
    if (Date.now() - firstSignalAt < REPEAT_SIGNAL_WINDOW_MS) return;
    server.forceStop();
    process.exit(0);
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}

main().catch((err: unknown) => fail(oneLine(err), 1));
