/**
 * `npm start [-- <scenario>...] [--json]`: the local lab tour. Progress goes to stderr; the per-scenario
 * charts, figures and verdicts (or, with --json, only the JSON report) go to stdout.
 * Ctrl-C stops every process the lab started before exiting.
 */
import { parseArgs } from 'node:util';
import { isCancellation } from '../common/errors';
import { LabError } from './errors';
import { renderScenario, renderSummary, runTour, SCENARIO_IDS, type ScenarioReport } from './index';

const USAGE = `usage: npm start [-- [${SCENARIO_IDS.join('|')}]... [--json]]

Runs the local lab: real gRPC servers and clients on loopback, one measured experiment per chapter.
  (no id)   the whole tour, in order: ${SCENARIO_IDS.join(', ')}
  <id>...   only these scenarios
  --json    print only the JSON report on stdout
`;

interface CliArgs {
  json: boolean;
  scenarios: string[];
  help: boolean;
}

function cliArgs(argv: string[]): CliArgs {
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      options: { json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
    });
    return { json: values.json ?? false, help: values.help ?? false, scenarios: positionals };
  } catch (error) {
    // parseArgs names the option it did not know ("Unknown option '--jsno'"); the usage says what is known.
    throw new LabError(`${(error as Error).message}\n\n${USAGE}`);
  }
}

async function main(): Promise<number> {
  let args: CliArgs;
  try {
    args = cliArgs(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
    return 2;
  }
  if (args.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  for (const id of args.scenarios) {
    if (!(SCENARIO_IDS as readonly string[]).includes(id)) {
      process.stderr.write(`unknown scenario "${id}"; expected one of: ${SCENARIO_IDS.join(', ')}\n`);
      return 2;
    }
  }

  const controller = new AbortController();
  let interrupts = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    interrupts++;
    if (interrupts === 1) {
      process.stderr.write(`\n${signal}: stopping every lab process…\n`);
      controller.abort();
    } else {
      // A second Ctrl-C: the supervisors' exit hooks still SIGKILL every child synchronously.
      process.exit(130);
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('SIGHUP', onSignal);

  const started = Date.now();
  const showProgress = !args.json || process.stderr.isTTY;
  const elapsed = () => `${((Date.now() - started) / 1000).toFixed(1).padStart(5)}s`;
  const reports: ScenarioReport[] = [];
  try {
    const report = await runTour({
      scenarios: args.scenarios.length > 0 ? args.scenarios : undefined,
      signal: controller.signal,
      onProgress: showProgress ? (p) => process.stderr.write(`[${elapsed()}] ${p.scenario}: ${p.message}\n`) : undefined,
      onReport: (r) => {
        reports.push(r);
        if (!args.json) process.stdout.write(`\n${renderScenario(r)}\n`);
      },
    });
    if (args.json) {
      process.stdout.write(`${JSON.stringify(report)}\n`);
    } else if (report.scenarios.length > 1) {
      process.stdout.write(`\n${renderSummary(report, Date.now() - started)}\n`);
    }
    return report.scenarios.some((s) => typeof s.figures.error === 'string') ? 1 : 0;
  } catch (error) {
    if (isCancellation(error)) {
      process.stderr.write('lab stopped; nothing is left running\n');
      return 130;
    }
    process.stderr.write(`lab failed: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
}

void main().then((code) => {
  process.exitCode = code;
  // Children are gone; end even if a stray handle (a closing socket) lingers.
  setImmediate(() => process.exit(code));
});
