import Module from 'node:module';

/**
 * A recording stand-in for the `vscode` module, for tests that load adapter code under plain node:
 * every namespace/class is a permissive proxy (callable, constructible); calls are recorded by path
 * with their arguments. `l10n.t` returns its message with `{n}` filled in; the workspace is trusted.
 */
export interface StandInCall {
  path: string;
  args: unknown[];
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

function proxy(calls: StandInCall[], path: string): unknown {
  const target = function () {} as unknown as object;
  return new Proxy(target, {
    get(_t, prop) {
      if (prop === Symbol.toPrimitive) return () => path;
      if (prop === 'then' || typeof prop === 'symbol') return undefined;
      if (path === 'vscode.workspace' && prop === 'isTrusted') return true;
      if (path === 'vscode.env' && prop === 'language') return 'en';
      if (path === 'vscode.l10n' && prop === 't') {
        return (message: string, ...args: unknown[]) => message.replace(/\{(\d+)\}/g, (_m, i: string) => String(args[Number(i)]));
      }
      return proxy(calls, `${path}.${String(prop)}`);
    },
    apply(_t, _this, args: unknown[]) {
      calls.push({ path, args });
      return proxy(calls, `${path}()`);
    },
    construct(_t, args: unknown[]) {
      calls.push({ path: `new ${path}`, args });
      return proxy(calls, `new ${path}`) as object;
    },
  });
}

/** Installs the stand-in: `require('vscode')` returns it until restore(). */
export function installVscodeStandIn(): VscodeStandIn {
  const calls: StandInCall[] = [];
  const vscode: Record<string, unknown> = { __esModule: true };
  for (const name of NAMES) vscode[name] = proxy(calls, `vscode.${name}`);
  const mod = Module as unknown as { _load: (request: string, parent: unknown, isMain: boolean) => unknown };
  const originalLoad = mod._load;
  mod._load = function (request, parent, isMain) {
    if (request === 'vscode') return vscode;
    return originalLoad.call(this, request, parent, isMain);
  };
  return { calls, restore: () => (mod._load = originalLoad) };
}
