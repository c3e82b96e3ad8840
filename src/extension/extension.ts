import * as vscode from 'vscode';

export function activate(_context: vscode.ExtensionContext): void {
  // Surfaces are registered by the modules of src/extension (issue #3/#5).
}

export function deactivate(): void {}
