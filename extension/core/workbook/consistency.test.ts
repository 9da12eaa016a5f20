import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { CHAPTERS, CHAPTER_IDS, LAB_SCENARIO_IDS, isChapterId } from '../../../samples/common/catalog';
import { parseCells } from './cells';
import { parseActionCell, formatAction, EXPERIMENT_KINDS } from './actions';
import { WORKBOOK_SUFFIX, workbookPath } from './paths';
import { CHAPTERS_WALKTHROUGH_ID, WALKTHROUGHS, WALKTHROUGH_STEP_IDS, chapterDoneContextKey } from './walkthrough';

const ROOT = path.join(__dirname, '..', '..', '..');
const MEDIA = path.join(ROOT, 'walkthroughs', 'media');
const WORKBOOKS = path.join(ROOT, 'walkthroughs', 'workbooks');

const readJson = (file: string) => JSON.parse(readFileSync(path.join(ROOT, file), 'utf8'));
const pkg = readJson('package.json');
const nls: Record<string, string> = readJson('package.nls.json');
const nlsZh: Record<string, string> = readJson('package.nls.zh-cn.json');

interface Step {
  id: string;
  title: string;
  description: string;
  media: { markdown?: string; image?: string; svg?: string; altText?: string };
  completionEvents?: string[];
}
const walkthroughs = pkg.contributes.walkthroughs as { id: string; title: string; description: string; steps: Step[] }[];
/** Every step of every walkthrough. */
const steps = walkthroughs.flatMap((w) => w.steps);
/** The text of a `%key%` in package.nls.json or its zh-cn twin. */
const localized = (table: Record<string, string>, value: string): string => {
  const key = /^%(.+)%$/.exec(value)?.[1];
  assert.ok(key && table[key] !== undefined, `${value} is a %key% of package.nls`);
  return table[key];
};
const commandIds = new Set((pkg.contributes.commands as { command: string }[]).map((c) => c.command));

/** Every `command:grpcLb.x?args` link in a text, with its decoded arguments. */
function commandLinks(text: string): { command: string; args: unknown[] }[] {
  return [...text.matchAll(/\(command:(grpcLb\.[A-Za-z]+)(?:\?([^)\s]*))?\)/g)].map((m) => {
    const args: unknown = m[2] ? JSON.parse(decodeURIComponent(m[2])) : [];
    assert.ok(Array.isArray(args), `arguments of ${m[0]} must be a JSON array`);
    return { command: m[1], args };
  });
}

/** Arguments the commands accept, per the action layer's contract. */
function assertValidArgs(where: string, { command, args }: { command: string; args: unknown[] }): void {
  assert.ok(commandIds.has(command), `${where}: ${command} is not a contributed command`);
  if (args.length === 0) return;
  assert.equal(args.length, 1, `${where}: ${command} takes one argument`);
  const [arg] = args;
  assert.equal(typeof arg, 'string', `${where}: ${command} argument`);
  const value = arg as string;
  switch (command) {
    case 'grpcLb.applyChapter':
    case 'grpcLb.tailClientLogs':
      assert.ok(isChapterId(value) && value !== 'setup', `${where}: ${command}("${value}") names no deployable chapter`);
      break;
    case 'grpcLb.openWorkbook':
      assert.ok(isChapterId(value), `${where}: ${command}("${value}") names no chapter`);
      break;
    case 'grpcLb.cleanUp':
      assert.ok((isChapterId(value) && value !== 'setup') || value === 'all', `${where}: cleanUp("${value}")`);
      break;
    case 'grpcLb.startLocalLab':
      assert.ok((LAB_SCENARIO_IDS as readonly string[]).includes(value), `${where}: startLocalLab("${value}") names no lab scenario`);
      break;
    case 'grpcLb.runExperiment':
      assert.ok((EXPERIMENT_KINDS as readonly string[]).includes(value), `${where}: runExperiment("${value}")`);
      break;
    default:
      assert.fail(`${where}: ${command} takes no argument`);
  }
}

const workbookFiles = readdirSync(WORKBOOKS).filter((f) => f.endsWith('.grpclb.md'));

test('package.json contributes the setup and the chapters walkthroughs, each with its steps in order', () => {
  assert.deepEqual(
    walkthroughs.map((w) => ({ id: w.id, steps: w.steps.map((s) => s.id) })),
    WALKTHROUGHS.map((w) => ({ id: w.id, steps: [...w.steps] })),
  );
  for (const w of walkthroughs) {
    for (const table of [nls, nlsZh]) assert.ok(localized(table, w.title) && localized(table, w.description), `${w.id}: title and description`);
  }
  assert.notEqual(localized(nls, walkthroughs[0]!.title), localized(nls, walkthroughs[1]!.title), 'two titles a learner tells apart');
});

test('every chapter has a walkthrough step, a diagram and workbooks in both languages', () => {
  for (const chapter of CHAPTERS) {
    const id = chapter.id;
    assert.ok(steps.some((s) => s.id === id), `walkthrough step for ${id}`);
    assert.ok(existsSync(path.join(MEDIA, `${id}.svg`)), `walkthroughs/media/${id}.svg`);
    assert.ok(existsSync(path.join(MEDIA, `${id}.zh-cn.svg`)), `walkthroughs/media/${id}.zh-cn.svg`);
    assert.ok(existsSync(workbookPath(ROOT, id, 'en')), `workbook for ${id}`);
    assert.ok(existsSync(workbookPath(ROOT, id, 'zh-cn')), `zh-cn workbook for ${id}`);
  }
});

test('every step shows its own diagram as svg media (themed by VS Code), in its language, with alt text', () => {
  for (const step of steps) {
    // svg media is inlined into a webview that has the theme's colours; markdown media would show it as an <img>.
    assert.deepEqual(Object.keys(step.media).sort(), ['altText', 'svg'], `${step.id}: svg media`);
    for (const [table, diagram] of [
      [nls, `walkthroughs/media/${step.id}.svg`],
      [nlsZh, `walkthroughs/media/${step.id}.zh-cn.svg`],
    ] as const) {
      assert.equal(localized(table, step.media.svg!), diagram, `${step.id}: its diagram in its language`);
      assert.ok(existsSync(path.join(ROOT, diagram)), `${diagram} exists`);
      assert.ok(localized(table, step.media.altText!).length > 10, `${step.id}: alt text`);
    }
    assert.match(localized(nlsZh, step.media.altText!), /[\u4e00-\u9fff]/, `${step.id}: Chinese alt text`);
  }
});

test("every step description is the step's text in both languages, in the markup VS Code's step renderer knows", () => {
  for (const step of steps) {
    const en = localized(nls, step.description);
    const zh = localized(nlsZh, step.description);
    assert.deepEqual(commandLinks(zh), commandLinks(en), `${step.id}: both languages offer the same links and buttons`);
    assert.match(zh, /[\u4e00-\u9fff]/, `${step.id}: the zh-cn description is written in Chinese`);
    for (const [lang, text] of [['en', en], ['zh-cn', zh]] as const) {
      const where = `${step.id} (${lang})`;
      // More than a one-line summary: the step teaches, the diagram beside it only illustrates.
      assert.ok(text.split('\n').some((line) => !line.startsWith('[') && line.length > 80), `${where}: explains the step`);
      // Long enough to teach, short enough to read beside the diagram; the workbook has the rest.
      assert.ok(text.length <= 2200, `${where}: ${text.length} characters`);
      // Lines are paragraphs; only ``code``, **bold** and __italics__ are formatting (a single ` or * shows as is).
      const plain = text.replace(/``[^`]+``/g, '').replace(/\*\*[^*]+\*\*/g, '').replace(/__[^_]+__/g, '');
      assert.doesNotMatch(plain, /`|\*/, `${where}: code is \`\`…\`\` and bold is **…**`);
      assert.doesNotMatch(text, /^(#|\||!\[|- )|\n\n|\$\(/m, `${where}: no heading, table, image, list, empty line or $(icon)`);
    }
  }
});

test('every command link in workbooks and walkthrough descriptions names a contributed command with valid arguments', () => {
  const sources: [string, string][] = [
    ...workbookFiles.map((f): [string, string] => [f, readFileSync(path.join(WORKBOOKS, f), 'utf8')]),
    ...Object.entries(nls).filter(([k]) => k.startsWith('walkthrough.')),
    ...Object.entries(nlsZh).filter(([k]) => k.startsWith('walkthrough.')),
  ];
  let links = 0;
  for (const [where, text] of sources) {
    for (const link of commandLinks(text)) {
      assertValidArgs(where, link);
      links++;
    }
    // A link the regex above would miss (wrong casing, spaces) is a broken button.
    assert.equal((text.match(/command:/g) ?? []).length, commandLinks(text).length, `${where}: malformed command link`);
  }
  assert.ok(links >= 20, `found ${links} command links`);
});

test('workbooks link to each other by file, never by command (notebook markdown does not run command links)', () => {
  for (const file of workbookFiles) {
    const text = readFileSync(path.join(WORKBOOKS, file), 'utf8');
    assert.equal(commandLinks(text).length, 0, `${file}: a command link does nothing inside a notebook`);
    const zh = file.endsWith(`.zh-cn${WORKBOOK_SUFFIX}`);
    for (const [, target] of text.matchAll(/\]\(([^)\s]+\.grpclb\.md)\)/g)) {
      assert.ok(existsSync(path.join(WORKBOOKS, target!)), `${file}: ${target} exists`);
      assert.equal(target!.endsWith(`.zh-cn${WORKBOOK_SUFFIX}`), zh, `${file}: ${target} is in the same language`);
    }
  }
});

test('chapter steps have buttons to apply the chapter and open its workbook, and lab chapters to run the lab', () => {
  for (const chapter of CHAPTERS.filter((c) => c.id !== 'setup')) {
    const step = walkthroughs.find((w) => w.id === CHAPTERS_WALKTHROUGH_ID)?.steps.find((s) => s.id === chapter.id);
    assert.ok(step, `${chapter.id}: a step of the chapters walkthrough`);
    for (const table of [nls, nlsZh]) {
      // A link renders as a button only when it stands alone on its line; inside a sentence it is a link.
      const buttons = localized(table, step.description)
        .split('\n')
        .filter((line) => /^\[[^\]]+\]\(command:[^)]+\)$/.test(line))
        .flatMap((line) => commandLinks(line).map((l) => `${l.command}(${l.args.join()})`));
      assert.ok(buttons.includes(`grpcLb.applyChapter(${chapter.id})`), `${chapter.id}: apply button`);
      assert.ok(buttons.includes(`grpcLb.openWorkbook(${chapter.id})`), `${chapter.id}: workbook button`);
      if (chapter.labScenario) assert.ok(buttons.includes(`grpcLb.startLocalLab(${chapter.labScenario})`), `${chapter.id}: lab button`);
    }
  }
});

test('completion events name contributed commands or the chapter context keys', () => {
  for (const step of steps) {
    assert.ok(step.completionEvents?.length, `${step.id} has a completion event`);
    for (const event of step.completionEvents ?? []) {
      const [kind, value] = event.split(/:(.*)/s);
      if (kind === 'onCommand') assert.ok(commandIds.has(value), `${step.id}: ${event}`);
      else if (kind === 'onContext') {
        assert.ok(isChapterId(step.id), `${step.id}: onContext only for chapter steps`);
        assert.equal(value, chapterDoneContextKey(step.id as (typeof CHAPTER_IDS)[number]), `${step.id}: ${event}`);
        assert.match(value, /^[A-Za-z.]+$/, 'a plain when-clause identifier');
      } else assert.fail(`${step.id}: unexpected completion event ${event}`);
    }
  }
});

test('every package.nls.json key has a zh-cn twin and vice versa, and every %key% in package.json exists', () => {
  assert.deepEqual(Object.keys(nlsZh).sort(), Object.keys(nls).sort());
  for (const [key, value] of Object.entries(nlsZh)) {
    assert.ok(value.trim(), `zh-cn ${key} is not empty`);
    assert.equal((value.match(/\(command:/g) ?? []).length, (nls[key].match(/\(command:/g) ?? []).length, `${key}: same buttons`);
  }
  const keys = [...JSON.stringify(pkg).matchAll(/"%([^%"]+)%"/g)].map((m) => m[1]);
  assert.ok(keys.length > 20);
  for (const key of keys) assert.ok(key in nls, `%${key}% is in package.nls.json`);
});

test('every workbook parses: valid action cells, the same actions in both languages, lab cells where a lab exists', () => {
  for (const id of CHAPTER_IDS) {
    const actionsOf = (language: string): string[] => {
      const file = workbookPath(ROOT, id, language);
      // What runs: grpclb and sh cells (a ```console block is only shown, and may be translated).
      const cells = parseCells(readFileSync(file, 'utf8')).cells.filter((c) => c.kind === 'code' && (c.language === 'grpclb' || c.language === 'sh'));
      return cells.flatMap((cell) => {
        if (cell.language !== 'grpclb') return [`${cell.language}: ${cell.source}`];
        const { actions, errors } = parseActionCell(cell.source);
        assert.deepEqual(errors, [], `${path.basename(file)}: action errors`);
        return actions.map((a) => formatAction(a.action));
      });
    };
    const en = actionsOf('en');
    assert.deepEqual(actionsOf('zh-cn'), en, `${id}: the zh-cn workbook runs the same cells as the English one`);
    const chapter = CHAPTERS.find((c) => c.id === id);
    if (chapter?.labScenario) assert.ok(en.includes(`lab ${chapter.labScenario}`), `${id}: has a "lab ${chapter.labScenario}" cell`);
    if (id === 'setup') {
      for (const action of ['doctor', 'start minikube', 'build images']) assert.ok(en.includes(action), `setup: ${action}`);
    } else {
      for (const action of [`apply ${id}`, `tail ${id}`, `clean ${id}`]) assert.ok(en.includes(action), `${id}: has "${action}"`);
    }
  }
});

/** Theme colours the diagrams may use: VS Code colour ids (`charts.blue` → `--vscode-charts-blue`) every theme defines. */
const DIAGRAM_COLOURS = new Set([
  'foreground',
  'descriptionForeground',
  'disabledForeground',
  'editor-background',
  'charts-blue',
  'charts-green',
  'charts-orange',
  'charts-purple',
  'charts-red',
]);

test('diagrams are self-contained SVGs with a title, every colour a theme variable with a fallback', () => {
  for (const file of readdirSync(MEDIA).filter((f) => f.endsWith('.svg'))) {
    const text = readFileSync(path.join(MEDIA, file), 'utf8');
    assert.match(text, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" viewBox="/, file);
    assert.match(text, /<title id="t">[^<]+<\/title>/, `${file}: title for screen readers`);
    assert.match(text, /<desc id="d">[^<]+<\/desc>/, `${file}: description`);
    // Step media of kind svg is inlined into a webview whose CSP admits only its own nonce'd styles.
    assert.doesNotMatch(text, /<style|style=|class=|currentColor|<script|href="http/, file);
    const colours = [...text.matchAll(/\s(fill|stroke)="([^"]*)"/g)].map((m) => m[2]!);
    assert.ok(colours.length >= 20, `${file}: found ${colours.length} colours`);
    for (const colour of colours.filter((c) => c !== 'none')) {
      // A High Contrast theme recolours the diagram only through the variables.
      const m = /^var\(--vscode-([A-Za-z-]+), #[0-9a-f]{6}\)$/.exec(colour);
      assert.ok(m && DIAGRAM_COLOURS.has(m[1]!), `${file}: ${colour} is not var(--vscode-<theme colour>, #fallback)`);
    }
    assert.doesNotMatch(text.replace(/var\(--vscode-[^)]*\)/g, ''), /#[0-9a-fA-F]{3,8}\b|rgb|hsl/, `${file}: a colour outside a theme variable`);
    assert.match(text.trimEnd(), /<\/svg>$/, `${file} is complete`);
  }
});

test('the committed diagrams are what walkthroughs/media/draw.mjs draws', () => {
  const out = mkdtempSync(path.join(tmpdir(), 'grpclb-diagrams-'));
  try {
    execFileSync(process.execPath, [path.join(MEDIA, 'draw.mjs'), out], { stdio: 'pipe' });
    const drawn = readdirSync(out).sort();
    assert.deepEqual(drawn, readdirSync(MEDIA).filter((f) => f.endsWith('.svg')).sort(), 'one diagram per step, no strays');
    assert.deepEqual(drawn, WALKTHROUGH_STEP_IDS.flatMap((id) => [`${id}.svg`, `${id}.zh-cn.svg`]).sort());
    for (const file of drawn) {
      assert.equal(readFileSync(path.join(MEDIA, file), 'utf8'), readFileSync(path.join(out, file), 'utf8'), `${file}: run node walkthroughs/media/draw.mjs`);
    }
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

test('the grpclb grammar highlights every valid action and the language config knows # comments', () => {
  const grammar = readJson('walkthroughs/language/grpclb.tmLanguage.json');
  const patterns: RegExp[] = grammar.repository.action.patterns.map((p: { match: string }) => new RegExp(p.match));
  const contributed = pkg.contributes.grammars.find((g: { language: string }) => g.language === 'grpclb');
  assert.equal(contributed.scopeName, grammar.scopeName);
  assert.ok(existsSync(path.join(ROOT, contributed.path)));
  const config = readJson(pkg.contributes.languages.find((l: { id: string }) => l.id === 'grpclb').configuration);
  assert.equal(config.comments.lineComment, '#');
  const lines = new Set<string>(['open kiali', 'install istio', 'start minikube', 'build images', 'scale greeter-server 5', 'clean all']);
  for (const file of workbookFiles) {
    for (const cell of parseCells(readFileSync(path.join(WORKBOOKS, file), 'utf8')).cells.filter((c) => c.language === 'grpclb')) {
      for (const { action } of parseActionCell(cell.source).actions) lines.add(formatAction(action));
    }
  }
  for (const line of lines) assert.ok(patterns.some((re) => re.test(line)), `"${line}" is highlighted`);
  assert.ok(!patterns.some((re) => re.test('deploy headless')), 'an unknown verb is not highlighted as an action');
});
