import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { parseCells } from './cells';
import { WORKBOOK_DIR, WORKBOOK_SUFFIX } from './paths';

const ROOT = path.join(__dirname, '..', '..', '..');
const workbooks = readdirSync(path.join(ROOT, WORKBOOK_DIR)).filter((f) => f.endsWith(WORKBOOK_SUFFIX));

/**
 * A shell cell runs as a child process with no terminal (core/workbook/shellCell.ts), in a namespace that
 * enforces Pod Security `restricted`: a pod made on the fly (`kubectl run`, `kubectl debug`) is refused there,
 * and an interactive command (`-it`, `attach`) waits for a keyboard that is not there. test:cluster runs
 * every chapter's cells on a real cluster; this names the mistakes before one is made.
 */
const REFUSED: { pattern: RegExp; why: string }[] = [
  { pattern: /\bkubectl\b[^\n|;&]*\s(run|debug)\b/, why: 'makes a pod that Pod Security "restricted" refuses; exec into a chapter pod instead' },
  { pattern: /\bkubectl\b[^\n|;&]*\s(attach|edit)\b/, why: 'waits for a terminal or an editor the cell does not have' },
  { pattern: /\bkubectl\b[^\n|;&]*\s(-it|-ti|-i|-t|--tty|--stdin)\b/, why: 'asks for a terminal the cell does not have' },
  { pattern: /\bkubectl\b[^\n|;&]*\s--context[= ]/, why: 'the cell is pinned to the context the guard allowed; a --context of its own escapes it' },
];

test('every workbook shell cell can run with no terminal in a Pod Security "restricted" namespace, pinned to the allowed context', () => {
  const offences: string[] = [];
  let cells = 0;
  for (const file of workbooks) {
    for (const cell of parseCells(readFileSync(path.join(ROOT, WORKBOOK_DIR, file), 'utf8')).cells) {
      if (cell.kind !== 'code' || cell.language !== 'sh') continue;
      cells++;
      for (const line of cell.source.split('\n')) {
        for (const { pattern, why } of REFUSED) if (pattern.test(line)) offences.push(`${file}: "${line.trim()}" ${why}`);
      }
    }
  }
  assert.ok(cells > 0, 'the workbooks have shell cells');
  assert.deepEqual(offences, []);
});

test('the check recognises the cells it refuses', () => {
  const refused = (line: string) => REFUSED.some(({ pattern }) => pattern.test(line));
  assert.ok(refused('kubectl -n grpc-lb-example run busybox --rm -it --image=busybox -- nslookup x'));
  assert.ok(refused('kubectl exec -it deployment/etcd -- sh'));
  assert.ok(refused('kubectl --context=prod delete pod x'));
  assert.ok(!refused('kubectl -n grpc-lb-example exec deployment/greeter-client-headless -- getent ahostsv4 greeter-server-headless'));
  assert.ok(!refused('kubectl -n grpc-lb-example rollout restart deployment/greeter-client-clusterip'));
});
