// End-to-end harness: a real VS Code (code-server 4.100.3 = VS Code 1.100) with the packaged .vsix
// installed into a fresh profile, driven through headless Chromium by playwright-core — the way a
// new user sees the extension. `npm run test:e2e` (scripts/e2e/run.mjs) installs code-server once,
// builds the .vsix and passes both paths in E2E_CODE_SERVER / E2E_VSIX.
import { ChildProcess, execFile, spawn } from 'node:child_process';
import { freePort } from '../../samples/lab/net';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';

export const REPO_ROOT = resolve(__dirname, '..', '..');
/** Screenshots and figures (activation.json) land here; CI prints the path. */
export const RESULTS_DIR = join(REPO_ROOT, 'test-results', 'e2e');
/** The README's pictures, remade by every e2e run (Session.screenshot's `readme`). */
export const README_SCREENSHOTS = join(REPO_ROOT, 'media', 'screenshots');
export const EXTENSION_ID = 'grpc-lb-lab.grpc-lb-lab';
const CHROMIUM = process.env.E2E_CHROMIUM ?? '/usr/bin/chromium';

export interface E2eConfig {
  codeServer: string;
  vsix: string;
}

/** The paths run.mjs hands over; a clear error when the test is started some other way. */
export function e2eConfig(): E2eConfig {
  const codeServer = process.env.E2E_CODE_SERVER ?? '';
  const vsix = process.env.E2E_VSIX ?? '';
  if (!codeServer || !existsSync(codeServer) || !vsix || !existsSync(vsix)) {
    throw new Error(
      'E2E_CODE_SERVER / E2E_VSIX are not set or do not exist: run the end-to-end tests with `npm run test:e2e`',
    );
  }
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} not found: apt-get install -y chromium (or set E2E_CHROMIUM)`);
  return { codeServer, vsix };
}

/** Runs inside a webview frame: reads the inlined walkthrough diagram, if this frame shows one. */
const DIAGRAM_PROBE = `(() => {
  const svg = document.querySelector('body > svg');
  const text = svg && svg.querySelector('text');
  if (!text) return null;
  const declared = getComputedStyle(document.documentElement).getPropertyValue('--vscode-foreground').trim();
  const probe = document.createElement('span');
  probe.style.color = 'var(--vscode-foreground)';
  document.body.appendChild(probe);
  const foreground = declared ? getComputedStyle(probe).color : '';
  probe.remove();
  return { title: svg.querySelector('title')?.textContent ?? '', desc: svg.querySelector('desc')?.textContent ?? '', textFill: getComputedStyle(text).fill, foreground };
})()`;

/** The extension's own manifest strings, so the tests follow what the package contributes. */
export function manifest(): {
  pkg: {
    contributes: {
      commands: { command: string; title: string; category?: string }[];
      walkthroughs?: { id: string; title: string; steps: { id: string; title: string; media: { svg?: string } }[] }[];
      menus?: { commandPalette?: { command: string; when?: string }[] };
    };
  };
  nls: Record<string, string>;
  nlsZh: Record<string, string>;
} {
  const read = (f: string) => JSON.parse(readFileSync(join(REPO_ROOT, f), 'utf8'));
  return { pkg: read('package.json'), nls: read('package.nls.json'), nlsZh: read('package.nls.zh-cn.json') };
}

/** The title and description (`<title>`, `<desc>`) of a walkthrough diagram, by its path in the package. */
export function diagramText(svgPath: string): { title: string; desc: string } {
  const svg = readFileSync(join(REPO_ROOT, svgPath), 'utf8');
  return { title: /<title id="t">([^<]+)<\/title>/.exec(svg)?.[1] ?? '', desc: /<desc id="d">([^<]+)<\/desc>/.exec(svg)?.[1] ?? '' };
}

/** Resolves `%key%` through an nls table. */
export function localize(value: string, nls: Record<string, string>): string {
  const m = /^%(.+)%$/.exec(value);
  return m ? (nls[m[1]] ?? value) : value;
}

function execFileP(cmd: string, args: string[], env?: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((res, rej) => {
    execFile(cmd, args, { env, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) rej(new Error(`${cmd} ${args.join(' ')} failed: ${err.message}\n${stdout}\n${stderr}`));
      else res(stdout);
    });
  });
}

/** Polls `check` until it returns a truthy value or the deadline passes. */
/**
 * One race of VS Code's tree view API is not ours to fix: when a refresh removes a node (a new lab run
 * or experiment replaces the last result) while the workbench still fetches that node's children from
 * the previous refresh, the host logs "No tree item with id …" and answers with no children; the next
 * refresh draws the view right. Only our Traffic view's ids are let through.
 */
export const TRAFFIC_TREE_RACE = /\[error\] No tree item with id '\d+\/(result|client|server|errors):[^']*' found\.$/;

export async function waitFor<T>(what: string, check: () => T | Promise<T>, timeoutMs = 20_000, everyMs = 200): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v) return v as NonNullable<T>;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export interface SessionOptions {
  /** UI language passed as `--locale` (with a stub language pack, see docs/architecture.md). */
  locale?: 'zh-cn';
  /** Extra user settings. */
  settings?: Record<string, unknown>;
  /** Environment for code-server and so for the extension host (e.g. PATH); undefined removes a variable. */
  env?: Record<string, string | undefined>;
  /**
   * Workspace Trust on, and the workspace folder left untrusted without a prompt: the window opens in
   * Restricted Mode, as a folder a learner has not vouched for does. Default: trust is off.
   */
  untrustedWorkspace?: boolean;
}

/**
 * One code-server with a fresh profile (user data, extensions, empty workspace folder) and one
 * headless Chromium page on its workbench.
 */
export class Session {
  readonly root: string;
  readonly userDataDir: string;
  readonly extensionsDir: string;
  readonly workspaceDir: string;
  private server?: ChildProcess;
  private serverOutput = '';
  private browser?: Browser;
  page!: Page;
  /** Uncaught exceptions in the workbench page. */
  readonly pageErrors: string[] = [];
  private disposing = false;
  url = '';

  private constructor(
    private readonly config: E2eConfig,
    private readonly options: SessionOptions,
  ) {
    this.root = mkdtempSync(join(tmpdir(), 'grpc-lb-e2e-'));
    this.userDataDir = join(this.root, 'user-data');
    this.extensionsDir = join(this.root, 'extensions');
    this.workspaceDir = join(this.root, 'workspace');
    for (const d of [this.userDataDir, this.extensionsDir, this.workspaceDir, join(this.userDataDir, 'User')]) {
      mkdirSync(d, { recursive: true });
    }
  }

  static async start(options: SessionOptions = {}): Promise<Session> {
    const s = new Session(e2eConfig(), options);
    try {
      await s.install();
      await s.launch();
      await s.openBrowser();
    } catch (e) {
      await s.dispose();
      throw e;
    }
    return s;
  }

  private baseArgs(): string[] {
    return [
      this.config.codeServer,
      '--config', join(this.root, 'config.yaml'),
      '--user-data-dir', this.userDataDir,
      '--extensions-dir', this.extensionsDir,
    ];
  }

  private env(): NodeJS.ProcessEnv {
    // A fresh HOME: nothing of the user's (~/.kube/config, ~/.minikube) leaks into the test, and
    // nothing the test does touches them. XDG dirs for anything code-server writes outside its dirs.
    const home = join(this.root, 'home');
    mkdirSync(home, { recursive: true });
    return {
      ...process.env,
      HOME: home,
      XDG_CONFIG_HOME: join(this.root, 'xdg-config'),
      XDG_DATA_HOME: join(this.root, 'xdg-data'),
      ...this.options.env,
    };
  }

  private async install(): Promise<void> {
    writeFileSync(join(this.root, 'config.yaml'), 'auth: none\ncert: false\n');
    await execFileP(process.execPath, [...this.baseArgs(), '--install-extension', this.config.vsix], this.env());
    const settings = {
      'security.workspace.trust.enabled': !!this.options.untrustedWorkspace,
      ...(this.options.untrustedWorkspace ? { 'security.workspace.trust.startupPrompt': 'never', 'security.workspace.trust.banner': 'always' } : {}),
      'workbench.startupEditor': 'none',
      'workbench.tips.enabled': false,
      'workbench.welcomePage.walkthroughs.openOnInstall': false,
      'telemetry.telemetryLevel': 'off',
      'extensions.autoCheckUpdates': false,
      'extensions.autoUpdate': false,
      'update.mode': 'none',
      ...this.options.settings,
    };
    writeFileSync(join(this.userDataDir, 'User', 'settings.json'), JSON.stringify(settings, null, 2));
    if (this.options.locale) this.installStubLanguagePack(this.options.locale);
  }

  /**
   * No real language pack can be downloaded here. A stub pack (no translations of VS Code itself)
   * makes code-server start in zh-cn, so the extension gets its package.nls.zh-cn.json titles and
   * l10n bundle. code-server serves the locale only when <user-data>/languagepacks.json lists the
   * pack, and only a running server writes that file — so we write it as VS Code's
   * LanguagePacksCache does (hash = md5 of id + version).
   */
  private installStubLanguagePack(locale: 'zh-cn'): void {
    const id = 'grpc-lb-lab-test.stub-language-pack-zh-cn';
    const version = '0.0.1';
    const dir = join(this.extensionsDir, `${id}-${version}`);
    mkdirSync(join(dir, 'translations'), { recursive: true });
    writeFileSync(join(dir, 'translations', 'main.i18n.json'), JSON.stringify({ version: '1.0.0', contents: {} }));
    writeFileSync(
      join(dir, 'package.json'),
      JSON.stringify({
        name: 'stub-language-pack-zh-cn',
        publisher: 'grpc-lb-lab-test',
        version,
        engines: { vscode: '^1.100.0' },
        categories: ['Language Packs'],
        contributes: {
          localizations: [
            { languageId: locale, languageName: 'Chinese Simplified', localizedLanguageName: '中文(简体)', translations: [{ id: 'vscode', path: './translations/main.i18n.json' }] },
          ],
        },
      }),
    );
    const listFile = join(this.extensionsDir, 'extensions.json');
    const list = JSON.parse(readFileSync(listFile, 'utf8')) as unknown[];
    list.push({
      identifier: { id },
      version,
      location: { $mid: 1, fsPath: dir, external: `file://${dir}`, path: dir, scheme: 'file' },
      relativeLocation: `${id}-${version}`,
      metadata: { installedTimestamp: Date.now(), source: 'vsix' },
    });
    writeFileSync(listFile, JSON.stringify(list));
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const hash = require('node:crypto').createHash('md5').update(id).update(version).digest('hex');
    writeFileSync(
      join(this.userDataDir, 'languagepacks.json'),
      JSON.stringify({
        [locale]: {
          hash,
          extensions: [{ extensionIdentifier: { id }, version }],
          translations: { vscode: join(dir, 'translations', 'main.i18n.json') },
          label: '中文(简体)',
        },
      }),
    );
  }

  private async launch(): Promise<void> {
    const port = await freePort();
    const args = [
      ...this.baseArgs(),
      '--auth', 'none',
      '--bind-addr', `127.0.0.1:${port}`,
      '--disable-telemetry',
      '--disable-update-check',
      ...(this.options.untrustedWorkspace ? [] : ['--disable-workspace-trust']),
      '--disable-getting-started-override',
      '--ignore-last-opened',
      ...(this.options.locale ? ['--locale', this.options.locale] : []),
      this.workspaceDir,
    ];
    const child = spawn(process.execPath, args, { env: this.env(), stdio: ['ignore', 'pipe', 'pipe'] });
    this.server = child;
    const collect = (b: Buffer) => {
      this.serverOutput += b.toString();
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    this.url = `http://127.0.0.1:${port}/`;
    await waitFor(
      'code-server to answer /healthz',
      async () => {
        if (child.exitCode !== null) throw new Error(`code-server exited (${child.exitCode}):\n${this.serverOutput}`);
        const r = await fetch(`${this.url}healthz`).catch(() => undefined);
        return r?.ok;
      },
      30_000,
    );
  }

  private async openBrowser(): Promise<void> {
    this.browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      // The test decides when Chromium closes (dispose); a stray signal must not close it mid-test.
      handleSIGINT: false,
      handleSIGTERM: false,
      handleSIGHUP: false,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    const context = await this.browser.newContext({ viewport: { width: 1400, height: 900 } });
    this.page = await context.newPage();
    context.on('page', (p) => console.error(`e2e: a new page opened: ${p.url()}`));
    this.page.on('framenavigated', (f) => { if (f === this.page.mainFrame()) console.error(`e2e: navigated to ${f.url()}`); });
    this.page.on('crash', () => console.error('e2e: the workbench page crashed'));
    this.page.on('close', () => { if (!this.disposing) console.error('e2e: the workbench page closed'); });
    this.page.on('pageerror', (e) => this.pageErrors.push(String(e)));
    this.browser.on('disconnected', () => { if (!this.disposing) console.error('e2e: Chromium went away'); });
    await this.page.addInitScript({ content: recordNotifications });
    await this.page.goto(`${this.url}?folder=${encodeURIComponent(this.workspaceDir)}`);
    // The workbench is ready when the activity bar and status bar are drawn.
    await this.page.locator('.monaco-workbench .part.activitybar').waitFor({ timeout: 30_000 });
    await this.page.locator('.monaco-workbench .part.statusbar').waitFor({ timeout: 30_000 });
    // Extensions are registered once the remote extension host is up: our view container shows.
    await this.activityBarItem().waitFor({ timeout: 60_000 });
  }

  /** The "gRPC LB" icon in the activity bar (the extension's view container). */
  activityBarItem(): Locator {
    return this.page.locator('.part.activitybar .action-item a.action-label[aria-label^="gRPC LB"]').first();
  }

  // ---- what a user does ----------------------------------------------------------------------

  /** Opens the command palette with `query` typed after the `>`. */
  async openPalette(query: string): Promise<Locator> {
    const input = this.page.locator('.quick-input-widget .quick-input-box input');
    const dialog = this.page.locator('.monaco-dialog-box');
    // F1 only works with the focus inside the workbench; after a command moved the focus (a
    // notification, a webview) give it back by clicking the status bar, then try again. The palette
    // also closes when something takes the focus while it opens (e.g. a view the extension reveals
    // on its own): then open it again.
    await this.closeQuickInput();
    for (let attempt = 0; ; attempt++) {
      if (await dialog.isVisible()) {
        throw new Error(`a modal dialog is open: ${(await dialog.innerText()).replace(/\s+/g, ' ')}`);
      }
      if (attempt >= 5) throw new Error('the command palette did not open (F1)');
      if (attempt > 0) await this.page.locator('.part.statusbar').click({ position: { x: 700, y: 5 } }).catch(() => undefined);
      if (!(await input.isVisible())) {
        await this.page.keyboard.press('F1');
        const shown = await input.waitFor({ state: 'visible', timeout: 3_000 }).then(() => true, () => false);
        if (!shown) continue;
      }
      const filled = await input.fill(`>${query}`, { timeout: 2_000 }).then(() => true, () => false);
      if (filled && (await input.isVisible())) return input;
    }
  }

  /** Every row label the quick pick currently lists, collected by walking it with the keyboard. */
  async quickPickLabels(): Promise<string[]> {
    const rows = this.page.locator('.quick-input-widget .quick-input-list .monaco-list-row');
    await rows.first().waitFor({ state: 'visible', timeout: 10_000 });
    const labels: string[] = [];
    const seen = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const focused = this.page.locator('.quick-input-widget .quick-input-list .monaco-list-row.focused');
      const label = (await focused.getAttribute('aria-label')) ?? '';
      const idx = await focused.getAttribute('data-index');
      const key = `${idx}:${label}`;
      if (seen.has(key)) break;
      seen.add(key);
      labels.push(label);
      await this.page.keyboard.press('ArrowDown');
    }
    return labels;
  }

  async closeQuickInput(): Promise<void> {
    const widget = this.page.locator('.quick-input-widget');
    if (await widget.isVisible()) await this.page.keyboard.press('Escape');
    await widget.waitFor({ state: 'hidden', timeout: 5_000 }).catch(() => undefined);
  }

  /** Runs a palette command by its visible title, e.g. "gRPC LB: Doctor: Check Prerequisites". */
  async runCommand(title: string): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      await this.openPalette(title);
      try {
        await this.acceptRow((label) => label === title || label.startsWith(`${title},`), title, undefined, true);
        return;
      } catch (error) {
        // The palette was closed under us before Enter (focus taken): once more.
        if (!(error instanceof PaletteClosed) || attempt >= 2) throw error;
      }
    }
  }

  /**
   * Picks a row of the quick pick a command opened, by its aria-label ("label, description, …"),
   * after typing `filter` into it (as a user narrows a list) when one is given.
   */
  async pick(which: string | RegExp | ((label: string) => boolean), filter?: string): Promise<void> {
    const matches =
      typeof which === 'function' ? which : (label: string) => (typeof which === 'string' ? label.includes(which) : which.test(label));
    await this.acceptRow(matches, String(which), filter);
  }

  /**
   * Moves the quick pick's focus to the first row whose aria-label matches and presses Enter, as a
   * person does: wait for the list, narrow it, arrow down to the row, pause, press Enter, and check
   * that the quick pick took it. Rows are never clicked: the list is virtualized and re-rendered while
   * it filters, so a row element may be replaced under the pointer.
   */
  private async acceptRow(matches: (label: string) => boolean, what: string, filter?: string, palette = false): Promise<void> {
    const widget = this.page.locator('.quick-input-widget');
    const input = widget.locator('.quick-input-box input');
    const rows = widget.locator('.quick-input-list .monaco-list-row');
    const focused = widget.locator('.quick-input-list .monaco-list-row.focused');
    const deadline = Date.now() + 30_000;
    let filled = filter === undefined;
    let seen: string[] = [];
    while (Date.now() < deadline) {
      // The command palette's value starts with ">"; a command's own quick pick starts empty. Until
      // the palette has given way to the command's quick pick, wait (typing into the palette would
      // switch it to file search).
      const value = (await input.isVisible()) ? await input.inputValue().catch(() => null) : null;
      if (palette && value === null) throw new PaletteClosed();
      if (value === null || (!palette && value.startsWith('>'))) {
        await this.page.waitForTimeout(200);
        continue;
      }
      if (!filled) {
        await input.fill(filter ?? '');
        filled = true;
        await this.page.waitForTimeout(200);
        continue;
      }
      const label = (await focused.first().getAttribute('aria-label', { timeout: 1_000 }).catch(() => null)) ?? '';
      if (label && matches(label)) {
        // A person's reaction time: a row focused in the DOM a moment ago may not be the quick
        // pick's active item yet, and Enter would then accept nothing.
        await this.page.waitForTimeout(400);
        const still = (await focused.first().getAttribute('aria-label').catch(() => null)) ?? '';
        if (still !== label || !(await input.isVisible())) continue;
        if (process.env.E2E_DEBUG) console.error(`e2e: accepting quick pick row "${label}"`);
        await input.focus().catch(() => undefined);
        await this.page.keyboard.press('Enter');
        const taken = await waitFor('the quick pick to take the row', async () => {
          // Taken: the quick input closed (its DOM stays, hidden) or shows something else.
          if (!(await input.isVisible())) return true;
          if (palette) return !(await input.inputValue().catch(() => '')).startsWith('>');
          const now = await focused.first().getAttribute('aria-label', { timeout: 200 }).catch(() => null);
          return now !== label;
        }, 2_000, 100).then(() => true, () => false);
        if (taken) return;
        if (process.env.E2E_DEBUG) console.error(`e2e: Enter on "${label}" was not taken, again`);
        continue;
      }
      seen = (await rows.evaluateAll((els) => els.map((e) => e.getAttribute('aria-label') ?? ''))).filter(Boolean);
      if (seen.some(matches)) {
        await input.focus().catch(() => undefined);
        await this.page.keyboard.press('ArrowDown');
        await this.page.waitForTimeout(100);
      } else {
        await this.page.waitForTimeout(250); // still loading or filtering
      }
    }
    throw new Error(`no quick pick row matching ${what}; rows were: ${seen.join(' | ')}`);
  }

  /** Titles of the steps the open walkthrough page shows. */
  async walkthroughStepTitles(): Promise<string[]> {
    const titles = this.page.locator('.gettingStartedContainer button.getting-started-step h3.step-title');
    await titles.first().waitFor({ state: 'attached', timeout: 30_000 });
    // Steps render in one go; wait until the count stops changing.
    let count = -1;
    await waitFor('the walkthrough steps to render', async () => {
      const now = await titles.count();
      const stable = now > 0 && now === count;
      count = now;
      return stable;
    }, 10_000, 300);
    return (await titles.allTextContents()).map((t) => t.trim());
  }

  /** Opens a walkthrough by its title, as a learner does from the command palette. */
  async openWalkthrough(title: string): Promise<void> {
    await this.runCommand('Welcome: Open Walkthrough...');
    await this.pick((label) => label.startsWith(title), title);
  }

  /**
   * The diagram the selected walkthrough step shows (svg media, inlined into a webview): its title, the
   * description, the computed colour of its first label, and the theme's foreground in that webview (empty when the webview
   * has no --vscode-foreground), both as rgb().
   */
  async walkthroughDiagram(): Promise<{ title: string; desc: string; textFill: string; foreground: string } | undefined> {
    for (const frame of this.page.frames()) {
      if (frame === this.page.mainFrame()) continue;
      const found = (await frame.evaluate(DIAGRAM_PROBE).catch(() => null)) as { title: string; desc: string; textFill: string; foreground: string } | null;
      if (found) return found;
    }
    return undefined;
  }

  /**
   * Picks a colour theme by its label in *Preferences: Color Theme*, and returns the label of the theme that
   * was current (the picker opens on it), to switch back.
   */
  async pickColorTheme(label: string): Promise<string> {
    await this.runCommand('Preferences: Color Theme');
    const focused = this.page.locator('.quick-input-widget .quick-input-list .monaco-list-row.focused').first();
    const current = await waitFor('the current colour theme', async () => (await focused.getAttribute('aria-label', { timeout: 1_000 }))?.split(',')[0]?.trim(), 10_000);
    await this.pick((l) => l === label || l.startsWith(`${label},`), label);
    return current;
  }

  /** Selects a step of the open walkthrough by its title and clicks one of its buttons. */
  async clickWalkthroughButton(stepTitle: string, buttonText: string): Promise<void> {
    const step = this.page.locator('.gettingStartedContainer button.getting-started-step', { hasText: stepTitle }).last();
    await step.scrollIntoViewIfNeeded();
    await step.click();
    const button = step.locator('a, button', { hasText: buttonText }).first();
    await button.waitFor({ state: 'visible', timeout: 5_000 });
    await button.click();
  }

  /** The title of the quick input on screen, or undefined when none is shown. */
  async quickInputTitle(): Promise<string | undefined> {
    const widget = this.page.locator('.quick-input-widget');
    if (!(await widget.isVisible())) return undefined;
    return (await widget.locator('.quick-input-title').innerText().catch(() => '')).trim();
  }

  /** Opens the "gRPC LB" side bar (the Traffic view). */
  async showTrafficView(): Promise<void> {
    // Through the view's own "Focus on Traffic View" command: idempotent, unlike a click on the
    // activity bar icon, which closes the side bar when the extension has just revealed it.
    await this.runCommand('gRPC LB: Focus on Traffic View');
    await this.trafficPane().locator('.pane-body').first().waitFor({ timeout: 10_000 });
  }

  /** The side bar while it shows the "gRPC LB" container (its only view, Traffic, fills it). */
  private trafficPane(): Locator {
    return this.page.locator('.part.sidebar', { has: this.page.locator('.composite.title', { hasText: /gRPC LB/i }) }).first();
  }

  /** The Traffic view's rows (label and description), with every collapsed row expanded. */
  async trafficRows(): Promise<string[]> {
    const rows = this.trafficPane().locator('.pane-body .monaco-list-row');
    const collapsed = this.trafficPane().locator('.pane-body .monaco-list-row[aria-expanded="false"]');
    for (let i = 0; i < 10 && (await collapsed.count()) > 0; i++) await collapsed.first().click();
    // A row's label and description are sibling spans: innerText runs them together ("pod-x614 RPCs").
    return rows.evaluateAll((els) =>
      els.map((el) => {
        const name = el.querySelector('.label-name')?.textContent;
        const description = el.querySelector('.label-description')?.textContent ?? '';
        const text = name === undefined || name === null ? ((el as unknown as { innerText?: string }).innerText ?? '') : `${name} ${description}`;
        return text.replace(/\s+/g, ' ').trim();
      }),
    );
  }

  /** Opens the context menu of the Traffic view's first row labelled `label` and clicks its entry `item`. */
  async clickTrafficRowMenu(label: string, item: string): Promise<void> {
    const row = this.trafficPane().locator('.pane-body .monaco-list-row', { has: this.page.locator('.label-name', { hasText: label }) }).first();
    await row.click({ button: 'right' });
    const entry = this.page.locator('.monaco-menu .action-label', { hasText: item }).first();
    await entry.waitFor({ state: 'visible', timeout: 10_000 });
    // let the menu finish opening (its entries ignore a click in its first moments)
    await new Promise((resolve) => setTimeout(resolve, 400));
    // A context menu ignores a click that comes too soon after it opened (it keeps the entry highlighted and
    // stays open): hover first, click, and if the menu is still there, choose the highlighted entry with Enter.
    await entry.hover();
    await new Promise((resolve) => setTimeout(resolve, 300));
    await entry.click();
    const closed = await entry.waitFor({ state: 'hidden', timeout: 2_000 }).then(() => true, () => false);
    if (!closed) {
      await this.page.keyboard.press('Enter');
      await entry.waitFor({ state: 'hidden', timeout: 5_000 });
    }
  }

  /** Runs the notebook cell whose source contains `source` with its run button (hover, click). */
  async runNotebookCell(source: string): Promise<void> {
    const cell = this.page
      .locator('.notebook-editor .cell-list-container .monaco-list-row.code-cell-row')
      .filter({ has: this.page.locator('.view-lines', { hasText: source }) })
      .first();
    // Cells are virtualized: scroll the notebook with the wheel until the cell is rendered.
    const list = this.page.locator('.notebook-editor .cell-list-container').first();
    await list.waitFor({ timeout: 20_000 });
    const box = await list.boundingBox();
    await waitFor(`a notebook cell containing "${source}"`, async () => {
      if ((await cell.count()) > 0) return true;
      if (box) await this.page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
      await this.page.mouse.wheel(0, 300);
      return false;
    }, 30_000, 250);
    await cell.scrollIntoViewIfNeeded();
    // Select the cell (click its editor), which shows its run button, then click that.
    await cell.locator('.view-lines').first().click();
    await cell.hover();
    const run = cell.locator('.run-button-container .action-label.codicon-notebook-execute').first();
    if (await run.waitFor({ state: 'visible', timeout: 5_000 }).then(() => true, () => false)) {
      await run.click();
      return;
    }
    // The run button only shows for a hovered or selected cell, and hover is fragile under load: the
    // same action by its keybinding (Ctrl+Enter: notebook.cell.execute) in the cell editor just clicked.
    // (The palette has no plain "Execute Cell" entry while a cell editor has focus.)
    await cell.locator('.view-lines').first().click();
    await this.page.keyboard.press('Control+Enter');
  }

  /** Scrolls the active notebook by `dy` pixels with the mouse wheel. */
  async scrollNotebook(dy: number): Promise<void> {
    const box = await this.page.locator('.notebook-editor .cell-list-container').first().boundingBox();
    if (!box) return;
    await this.page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await this.page.mouse.wheel(0, dy);
    await this.page.waitForTimeout(300);
  }

  /** The visible text of every webview frame (notebook cell outputs render in one), not the workbench's own. */
  async webviewText(): Promise<string> {
    const texts: string[] = [];
    for (const frame of this.page.frames()) {
      if (frame === this.page.mainFrame()) continue;
      texts.push(String(await frame.evaluate('document.body ? document.body.innerText : ""').catch(() => '')));
    }
    return texts.join('\n');
  }

  /** Clears the notification toasts and center (what the user does with "Clear All"). */
  async dismissNotifications(): Promise<void> {
    await this.runCommand('Notifications: Clear All Notifications');
  }

  /**
   * The extension's activation time as the extension host measured it (code loading + activate
   * call), read from "Developer: Show Running Extensions", and the activation event from the log.
   */
  async activationTime(displayName: string): Promise<{ ms: number; event: string }> {
    await this.runCommand('Developer: Show Running Extensions');
    const row = this.page.locator('.runtime-extensions-editor .monaco-list-row', { hasText: displayName }).first();
    const text = await waitFor('our extension in Running Extensions with an activation time', async () => {
      const t = await row.innerText().catch(() => '');
      return /Activation: \d+ms/.test(t) ? t : undefined;
    }, 30_000);
    const ms = Number(/Activation: (\d+)ms/.exec(text)?.[1]);
    const event = new RegExp(`_doActivateExtension ${EXTENSION_ID.replace(/\./g, '\\.')}, startup: \\w+, activationEvent: '([^']*)'`)
      .exec(this.extHostLog())?.[1] ?? 'unknown';
    return { ms, event };
  }

  /** The text of the open modal dialog, closed with its default button (Escape), or undefined. */
  async dismissDialog(): Promise<string | undefined> {
    const dialog = this.page.locator('.monaco-dialog-box');
    if (!(await dialog.isVisible())) return undefined;
    const text = (await dialog.innerText()).replace(/\s+/g, ' ').trim();
    await this.page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden', timeout: 5_000 });
    return text;
  }

  /**
   * Waits for a modal dialog, then answers it as a person does: clicks the button labelled `button`.
   * Returns the dialog's text (message, detail and buttons) as it was shown.
   */
  async answerDialog(button: string, timeoutMs = 60_000): Promise<string> {
    const dialog = this.page.locator('.monaco-dialog-box');
    await dialog.waitFor({ state: 'visible', timeout: timeoutMs });
    const text = (await dialog.innerText()).replace(/\s+/g, ' ').trim();
    await dialog.locator('.dialog-buttons .monaco-button', { hasText: button }).first().click();
    await dialog.waitFor({ state: 'hidden', timeout: 5_000 });
    return text;
  }

  /** Waits for a notification toast with a button labelled `button` and clicks it, as a person does. */
  async clickNotificationButton(button: string, timeoutMs = 30_000): Promise<void> {
    const target = this.page.locator('.notifications-toasts .monaco-button', { hasText: button }).first();
    await target.waitFor({ state: 'visible', timeout: timeoutMs });
    await target.click();
  }

  /** Every notification the workbench showed since the page loaded (recorded in the page). */
  async notifications(): Promise<NotificationRecord[]> {
    return (await this.page.evaluate('window.__e2eNotifications ?? []')) as NotificationRecord[];
  }

  /**
   * A screenshot into test-results/e2e/; with `readme`, also media/screenshots/<readme>.png, the image the
   * README shows (packaged in the .vsix): each e2e run makes the README's pictures anew, so they show the
   * extension as it is.
   */
  async screenshot(name: string, readme?: string): Promise<string> {
    mkdirSync(RESULTS_DIR, { recursive: true });
    const file = join(RESULTS_DIR, `${name}.png`);
    await this.page.screenshot({ path: file });
    if (readme) {
      mkdirSync(README_SCREENSHOTS, { recursive: true });
      copyFileSync(file, join(README_SCREENSHOTS, `${readme}.png`));
    }
    return file;
  }

  /** Every file under the session's logs folder whose path `matches`, as [name, text] pairs. */
  private logFiles(matches: (path: string, name: string) => boolean): Array<[string, string]> {
    const out: Array<[string, string]> = [];
    const walk = (d: string) => {
      for (const name of existsSync(d) ? readdirSync(d) : []) {
        const p = join(d, name);
        if (statSync(p).isDirectory()) walk(p);
        else if (matches(p, name)) out.push([name, readFileSync(p, 'utf8')]);
      }
    };
    walk(join(this.userDataDir, 'logs'));
    return out;
  }

  /**
   * Waits until the extension host has activated the built-in extensions that start with the
   * window ("Eager extensions activated" in its log), then a moment more. Activation times taken
   * before that measure the start-up contention of a small machine more than the extension.
   */
  async waitForStartupExtensions(): Promise<void> {
    await waitFor('the extension host to activate the start-up extensions', () => /Eager extensions activated/.test(this.extHostLog()), 60_000, 250);
    await new Promise((r) => setTimeout(r, 2_000));
  }

  /** The extension host's log (code-server runs it as a remote extension host). */
  extHostLog(): string {
    return this.logFiles((_p, name) => /exthost\.log$/i.test(name))
      .map(([, text]) => text)
      .join('\n');
  }

  /** Our extension's own output channel logs (LogOutputChannel files under the exthost log folder). */
  extensionLogs(): string {
    return this.logFiles((p, name) => p.includes(EXTENSION_ID) || /gRPC LB/i.test(name))
      .map(([name, text]) => `--- ${name}\n${text}`)
      .join('\n');
  }

  serverLog(): string {
    return this.serverOutput;
  }

  async dispose(): Promise<void> {
    this.disposing = true;
    await this.browser?.close().catch(() => undefined);
    const child = this.server;
    if (child && child.exitCode === null) {
      const exited = new Promise<void>((r) => child.once('exit', () => r()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    }
    if (process.env.E2E_KEEP) {
      console.log(`kept ${this.root}`);
      return;
    }
    // code-server's extension host outlives it by a moment (it exits once it sees its parent gone)
    // and may still write into the profile: retry, and never fail a test over a temp folder.
    try {
      rmSync(this.root, { recursive: true, force: true, maxRetries: 10, retryDelay: 500 });
    } catch (error) {
      console.warn(`e2e: could not remove ${this.root}: ${String(error)}`);
    }
  }
}

class PaletteClosed extends Error {
  constructor() {
    super('the command palette closed before a command was picked');
  }
}

export interface NotificationRecord {
  severity: 'error' | 'warning' | 'info' | 'unknown';
  message: string;
  /** The notification's source (extension name), or 'dialog' for a modal dialog. */
  source: string;
}

/**
 * Runs in the page (plain JS: the project compiles without DOM types): records every notification
 * VS Code shows (toasts and the notification center) and every modal dialog — a command run from the
 * palette that throws is reported in a modal "Command '…' resulted in an error" dialog.
 */
const recordNotifications = `(() => {
  const records = [];
  window.__e2eNotifications = records;
  const scan = () => {
    document.querySelectorAll('.notification-list-item').forEach((el) => {
      const message = el.querySelector('.notification-list-item-message')?.textContent ?? '';
      if (!message) return;
      const icon = el.querySelector('.notification-list-item-icon')?.className ?? '';
      const severity = /codicon-error/.test(icon) ? 'error' : /codicon-warning/.test(icon) ? 'warning'
        : /codicon-info/.test(icon) ? 'info' : 'unknown';
      const source = el.querySelector('.notification-list-item-source')?.textContent ?? '';
      if (!records.some((n) => n.message === message && n.severity === severity)) records.push({ severity, message, source });
    });
  };
  const scanDialogs = () => {
    document.querySelectorAll('.monaco-dialog-box').forEach((el) => {
      const text = el.querySelector('.dialog-message-text')?.textContent ?? '';
      const detail = el.querySelector('.dialog-message-detail')?.textContent ?? '';
      const message = detail ? text + ' — ' + detail : text;
      if (!message) return;
      const icon = el.querySelector('.dialog-icon')?.className ?? '';
      const severity = /codicon-(dialog-)?error/.test(icon) ? 'error' : /codicon-(dialog-)?warning/.test(icon) ? 'warning'
        : /codicon-(dialog-)?info/.test(icon) ? 'info' : 'unknown:' + icon;
      if (!records.some((n) => n.message === message && n.severity === severity)) records.push({ severity, message, source: 'dialog' });
    });
  };
  const both = () => { scan(); scanDialogs(); };
  new MutationObserver(both).observe(document, { childList: true, subtree: true, characterData: true });
})()`;
