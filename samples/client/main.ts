/**
 * `npm run sample:client` / dist/client.js / the client image: configured by the environment
 * (DESIGN.md "Process contract"). Prints one RpcRecord line per RPC on stdout; a bad setting
 * prints one line on stderr and exits with code 2; SIGTERM / SIGINT prints a summary line, exit 0.
 */
// Must stay the first import: it sets an env var grpc-js reads when it loads (see bootstrap.ts).
import './bootstrap';
import { CONFIG_ERROR_EXIT_CODE, ConfigError } from '../common/env';
import { clientConfigFromEnv } from './config';
import { GreeterLoop } from './greeterLoop';

const PROGRAM = 'greeter-client';

function fail(message: string, code: number): never {
  process.stderr.write(`${PROGRAM}: ${message}\n`);
  process.exit(code);
}

function oneLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).replace(/\s*\n\s*/g, ' ');
}

function main(): void {
  let loop: GreeterLoop;
  try {
    loop = new GreeterLoop(clientConfigFromEnv(process.env));
  } catch (err) {
    if (err instanceof ConfigError) fail(`invalid configuration: ${err.message}`, CONFIG_ERROR_EXIT_CODE);
    fail(oneLine(err), 1);
  }

  // The client must outlive anything a resolver or a library does wrong in the background:
  // report it (not an RpcRecord) and keep calling.
  const report = (err: unknown): void => {
    process.stderr.write(`${JSON.stringify({ ts: new Date().toISOString(), event: 'error', error: oneLine(err) })}\n`);
  };
  process.on('uncaughtException', report);
  process.on('unhandledRejection', report);

  let stopping = false;
  const onSignal = (): void => {
    if (stopping) {
      // A second signal: print what we have and go.
      process.stdout.write(`${JSON.stringify({ ts: new Date().toISOString(), ...loop.summary() })}\n`);
      process.exit(0);
    }
    stopping = true;
    void loop.stop().then((summary) => {
      process.stdout.write(`${JSON.stringify({ ts: new Date().toISOString(), ...summary })}\n`);
      process.exit(0);
    });
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);

  process.stdout.write(
    `${JSON.stringify({
      ts: new Date().toISOString(),
      event: 'started',
      client: loop.config.podName,
      chapter: loop.config.chapter,
      target: loop.config.target,
      lbPolicy: loop.config.lbPolicy,
      intervalMs: loop.config.intervalMs,
      deadlineMs: loop.config.deadlineMs,
    })}\n`,
  );
  loop.start();
}

main();
