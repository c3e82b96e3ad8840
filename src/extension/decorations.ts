import * as vscode from 'vscode';
import { toPosix } from './paths-model';
import type { TraceSession } from './state';

/**
 * Gutter mark (and overview-ruler mark) on the root-cause line and a subtler one on other candidate lines.
 * The decoration types are created once and disposed with the extension.
 */
export class TraceDecorations implements vscode.Disposable {
  private readonly rootType: vscode.TextEditorDecorationType;
  private readonly candidateType: vscode.TextEditorDecorationType;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(
    private readonly session: TraceSession,
    extensionUri: vscode.Uri,
  ) {
    this.rootType = vscode.window.createTextEditorDecorationType({
      gutterIconPath: vscode.Uri.joinPath(extensionUri, 'media', 'root-cause.svg'),
      gutterIconSize: 'contain',
      isWholeLine: true,
      backgroundColor: new vscode.ThemeColor('traceDoctor.rootCauseLineBackground'),
      overviewRulerColor: new vscode.ThemeColor('editorOverviewRuler.errorForeground'),
      overviewRulerLane: vscode.OverviewRulerLane.Right,
    });
    this.candidateType = vscode.window.createTextEditorDecorationType({
      gutterIconPath: vscode.Uri.joinPath(extensionUri, 'media', 'candidate.svg'),
      gutterIconSize: 'contain',
      overviewRulerColor: new vscode.ThemeColor('editorOverviewRuler.warningForeground'),
      overviewRulerLane: vscode.OverviewRulerLane.Right,
    });
    this.disposables.push(
      this.rootType,
      this.candidateType,
      session.onDidChange(() => this.refreshAll()),
      session.onDidMoveLines(() => this.refreshAll()),
      vscode.window.onDidChangeVisibleTextEditors(() => this.refreshAll()),
      vscode.workspace.onDidChangeConfiguration((e) => e.affectsConfiguration('traceDoctor.gutter') && this.refreshAll()),
    );
    this.refreshAll();
  }

  refreshAll(): void {
    for (const ed of vscode.window.visibleTextEditors) this.refresh(ed);
  }

  /** Lines decorated in an editor (test hook). */
  linesFor(doc: vscode.TextDocument): { root: number[]; candidates: number[] } {
    const root: number[] = [];
    const candidates: number[] = [];
    if (doc.uri.scheme !== 'file') return { root, candidates };
    const lines = this.session.snapshot.lineIndex.get(toPosix(doc.uri.fsPath));
    if (!lines) return { root, candidates };
    for (const [line, ops] of lines) {
      if (line >= doc.lineCount) continue;
      if (ops.some((o) => o.rootCause)) root.push(line);
      else if (ops.some((o) => o.candidateRank !== undefined)) candidates.push(line);
    }
    return { root, candidates };
  }

  private refresh(ed: vscode.TextEditor): void {
    const enabled = vscode.workspace.getConfiguration('traceDoctor').get<boolean>('gutter.enabled', true);
    const { root, candidates } = enabled ? this.linesFor(ed.document) : { root: [], candidates: [] };
    const opts = (line: number): vscode.DecorationOptions => ({ range: ed.document.lineAt(line).range });
    ed.setDecorations(this.rootType, root.map(opts));
    ed.setDecorations(this.candidateType, candidates.map(opts));
  }

  dispose(): void {
    for (const ed of vscode.window.visibleTextEditors) {
      ed.setDecorations(this.rootType, []);
      ed.setDecorations(this.candidateType, []);
    }
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}
