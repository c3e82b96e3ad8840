import * as vscode from 'vscode';
import { codeLensTitle, SHOW_IN_FLAME_COMMAND } from './hover-model';
import { toPosix } from './paths-model';
import type { TraceSession } from './state';

/** A one-line summary above each span-opening line; refreshed on every session change. */
export class TraceCodeLensProvider implements vscode.CodeLensProvider, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.changed.event;
  private readonly sub: vscode.Disposable;

  constructor(private readonly session: TraceSession) {
    this.sub = vscode.Disposable.from(
      session.onDidChange(() => this.changed.fire()),
      session.onDidMoveLines(() => this.changed.fire()),
      vscode.workspace.onDidChangeConfiguration((e) => e.affectsConfiguration('traceDoctor.codeLens') && this.changed.fire()),
    );
  }

  provideCodeLenses(doc: vscode.TextDocument): vscode.CodeLens[] {
    if (doc.uri.scheme !== 'file') return [];
    if (!vscode.workspace.getConfiguration('traceDoctor').get<boolean>('codeLens.enabled', true)) return [];
    const snap = this.session.snapshot;
    const lines = snap.lineIndex.get(toPosix(doc.uri.fsPath));
    if (!lines) return [];
    const mode = snap.mode === 'diff' ? 'diff' : 'single';
    const out: vscode.CodeLens[] = [];
    for (const [line, ops] of lines) {
      if (line >= doc.lineCount) continue;
      const range = doc.lineAt(line).range;
      for (const op of ops.slice(0, 3)) {
        out.push(
          new vscode.CodeLens(range, {
            title: codeLensTitle(op, mode),
            tooltip: 'Trace Doctor: show this operation in the flame graph',
            command: SHOW_IN_FLAME_COMMAND,
            arguments: [op.service, op.name],
          }),
        );
      }
    }
    return out;
  }

  dispose(): void {
    this.sub.dispose();
    this.changed.dispose();
  }
}

export function registerCodeLens(session: TraceSession): vscode.Disposable {
  const provider = new TraceCodeLensProvider(session);
  return vscode.Disposable.from(provider, vscode.languages.registerCodeLensProvider({ scheme: 'file' }, provider));
}
