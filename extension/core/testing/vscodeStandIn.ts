import Module from 'node:module';

/**
 * A recording stand-in for the `vscode` module, for tests that load adapter code under plain node:
 * every namespace/class is a permissive proxy (callable, constructible); calls are recorded by path
 * with their arguments. `l10n.t` returns its message (translated when a bundle is given, e.g. l10n/bundle.l10n.zh-cn.json)
 * with `{n}` filled in; the workspace is trusted unless `trusted: false`. A property set on a stand-in
 * object (e.g. a notebook controller's executeHandler) reads back as set.
 */
export interface StandInCall {
  path: string;
  args: unknown[];
  /** What the call returned (a stand-in object), e.g. the controller createNotebookController made. */
  result?: unknown;
}

export interface VscodeStandIn {
  calls: StandInCall[];
  /** Restores normal module loading. */
  restore(): void;
}

const NAMES = [
  'window', 'commands', 'workspace', 'notebooks', 'l10n', 'env', 'languages', 'extensions', 'Uri', 'EventEmitter',
  'Disposable', 'TreeItem', 'TreeItemCollapsibleState', 'ThemeIcon', 'ThemeColor', 'MarkdownString', 'NotebookData',
  'NotebookCellData', 'NotebookCellKind', 'NotebookCellOutput', 'NotebookCellOutputItem', 'ProgressLocation',
  'ViewColumn', 'CancellationTokenSource', 'RelativePattern', 'StatusBarAlignment', 'ConfigurationTarget', 'LogLevel',
  'TreeItemCheckboxState', 'Position', 'Range', 'Selection', 'NotebookEdit', 'WorkspaceEdit', 'FileType',
  'NotebookControllerAffinity',
];

export interface VscodeStandInOptions {
  /** A VS Code l10n bundle (English message → translation) that `l10n.t` translates with, as VS Code does. */
  l10nBundle?: Record<string, string>;
  /** vscode.workspace.isTrusted; default true. */
  trusted?: boolean;
}

function proxy(calls: StandInCall[], path: string, options: VscodeStandInOptions): unknown {
  const target = function () {} as unknown as object;
  const assigned = new Map<PropertyKey, unknown>();
  return new Proxy(target, {
    set(_t, prop, value) {
      assigned.set(prop, value);
      return true;
    },
    get(_t, prop) {
      if (assigned.has(prop)) return assigned.get(prop);
      if (prop === Symbol.toPrimitive) return () => path;
      if (prop === 'then' || typeof prop === 'symbol') return undefined;
      if (path === 'vscode.workspace' && prop === 'isTrusted') return options.trusted ?? true;
      if (path === 'vscode.env' && prop === 'language') return 'en';
      if (path === 'vscode.l10n' && prop === 't') {
        return (message: string, ...args: unknown[]) => (options.l10nBundle?.[message] ?? message).replace(/\{(\d+)\}/g, (_m, i: string) => String(args[Number(i)]));
      }
      return proxy(calls, `${path}.${String(prop)}`, options);
    },
    apply(_t, _this, args: unknown[]) {
      const result = proxy(calls, `${path}()`, options);
      calls.push({ path, args, result });
      return result;
    },
    construct(_t, args: unknown[]) {
      calls.push({ path: `new ${path}`, args });
      return proxy(calls, `new ${path}`, options) as object;
    },
  });
}

/** Installs the stand-in: `require('vscode')` returns it until restore(). */
export function installVscodeStandIn(options: VscodeStandInOptions = {}): VscodeStandIn {
  const calls: StandInCall[] = [];
  const vscode: Record<string, unknown> = { __esModule: true };
  for (const name of NAMES) vscode[name] = proxy(calls, `vscode.${name}`, options);
  const mod = Module as unknown as { _load: (request: string, parent: unknown, isMain: boolean) => unknown };
  const originalLoad = mod._load;
  mod._load = function (request, parent, isMain) {
    if (request === 'vscode') return vscode;
    return originalLoad.call(this, request, parent, isMain);
  };
  return { calls, restore: () => (mod._load = originalLoad) };
}
