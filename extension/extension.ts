import * as vscode from 'vscode';

/**
 * Composition root: constructs every part once, registers it, and hands VS Code the disposables.
 * No I/O happens here; work starts when the user runs a command or opens a view.
 */
export function activate(context: vscode.ExtensionContext): void {
  void context;
}

export function deactivate(): void {
  // Everything is disposed through context.subscriptions.
}
