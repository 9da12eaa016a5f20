/**
 * `npm run bench [-- <id>...]`: runs the registered measurements (scripts/bench/*.ts). While they
 * run, each row's value, goal and a line of context go to stderr as progress; at the end ONE
 * Markdown table (measurement, figure, goal, met) goes to stdout. Add a row by registering a
 * measurement in a new file under scripts/bench/ and importing it below.
 */
import './bench/labTour';
import './bench/trafficIngest';
import './bench/trafficFollow';
import './bench/discovery';
import './bench/discoveryKubernetes';
import './bench/e2e';
import './bench/cluster';
import { registeredMeasurements, runFinishers, type Measurement, type MeasurementResult } from './bench/registry';

interface Row {
  measurement: Measurement;
  result: MeasurementResult;
}

function figure(result: MeasurementResult): string {
  return result.value === null ? 'n/a' : `${result.value.toLocaleString('en-US')} ${result.unit}`.trim();
}

/** met / NOT met against the goal; — without a goal, or when nothing was measured and the row did not judge. */
function met(row: Row): string {
  if (!row.measurement.goal) return '—';
  if (row.result.meetsGoal === true && row.result.value !== null) return 'met';
  if (row.result.meetsGoal === false) return 'NOT met';
  return '—';
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\s*\n\s*/g, ' ');
}

/** The summary: one Markdown pipe table, one line per measurement. */
function summaryTable(rows: readonly Row[]): string {
  const lines = ['| measurement | figure | goal | met |', '| --- | ---: | --- | --- |'];
  for (const row of rows) {
    lines.push(`| ${[row.measurement.title, figure(row.result), row.measurement.goal ?? '—', met(row)].map(cell).join(' | ')} |`);
  }
  return `${lines.join('\n')}\n`;
}

async function main(): Promise<number> {
  const only = process.argv.slice(2);
  const all = registeredMeasurements();
  const unknown = only.filter((id) => !all.some((m) => m.id === id));
  if (unknown.length > 0) {
    process.stderr.write(`unknown measurement ${unknown.join(', ')}; known: ${all.map((m) => m.id).join(', ')}\n`);
    return 2;
  }
  const selected = only.length > 0 ? all.filter((m) => only.includes(m.id)) : all;
  let failed = false;
  const rows: Row[] = [];
  for (const m of selected) {
    process.stderr.write(`measuring ${m.id}…\n`);
    let result: MeasurementResult;
    try {
      result = await m.run();
    } catch (error) {
      failed = true;
      result = { value: null, unit: '', detail: `error: ${error instanceof Error ? error.message : String(error)}` };
    }
    rows.push({ measurement: m, result });
    const goal = m.goal ? `goal ${m.goal}: ${met({ measurement: m, result })}` : '';
    process.stderr.write(`${m.title}\n    ${figure(result)}${goal ? `   (${goal})` : ''}\n`);
    if (result.detail) process.stderr.write(`    ${result.detail}\n`);
  }
  for (const error of await runFinishers()) {
    failed = true;
    process.stderr.write(`clean-up after the rows failed: ${error.message}\n`);
  }
  process.stdout.write(summaryTable(rows));
  return failed ? 1 : 0;
}

void main().then((code) => {
  process.exitCode = code;
  // client-node keeps its sockets alive after the cluster rows; the table is out.
  setTimeout(() => process.exit(code), 100).unref();
});
