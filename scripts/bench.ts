/**
 * `npm run bench [-- <id>...]`: runs the registered measurements (scripts/bench/*.ts) and prints a
 * table: value, goal, whether it was met, and a line of context. Add a row by registering a
 * measurement in a new file under scripts/bench/ and importing it below.
 */
import './bench/labTour';
import './bench/trafficIngest';
import './bench/trafficFollow';
import './bench/discovery';
import './bench/e2e';
import { registeredMeasurements, type MeasurementResult } from './bench/registry';

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
  for (const m of selected) {
    process.stderr.write(`measuring ${m.id}…\n`);
    let result: MeasurementResult;
    try {
      result = await m.run();
    } catch (error) {
      failed = true;
      result = { value: null, unit: '', detail: `error: ${error instanceof Error ? error.message : String(error)}` };
    }
    const value = result.value === null ? 'n/a' : `${result.value.toLocaleString('en-US')} ${result.unit}`;
    const goal = m.goal ? `goal ${m.goal}: ${result.meetsGoal ? 'met' : 'NOT met'}` : '';
    process.stdout.write(`${m.title}\n    ${value}${goal ? `   (${goal})` : ''}\n`);
    if (result.detail) process.stdout.write(`    ${result.detail}\n`);
  }
  return failed ? 1 : 0;
}

void main().then((code) => {
  process.exitCode = code;
});
