import * as vscode from 'vscode';
import { LoadCancelled, type TraceSnapshot } from '../state';
import { FlameView, type FlameHostDeps } from './flame-panel';
import { toPosix } from '../paths-model';

/** "Open With… → Trace Doctor Flame Graph" on trace files: a read-only custom editor showing that file's run. */
export class TraceEditorProvider implements vscode.CustomReadonlyEditorProvider {
  static readonly viewType = 'traceDoctor.traceFile';

  constructor(
    private readonly deps: FlameHostDeps,
    private readonly loadFile: (path: string, token?: vscode.CancellationToken) => Promise<TraceSnapshot | undefined>,
  ) {}

  openCustomDocument(uri: vscode.Uri): vscode.CustomDocument {
    return { uri, dispose: () => undefined };
  }

  async resolveCustomEditor(doc: vscode.CustomDocument, panel: vscode.WebviewPanel, token: vscode.CancellationToken): Promise<void> {
    const file = toPosix(doc.uri.fsPath);
    const mine = (s: TraceSnapshot) => s.mode === 'single' && (s.incident?.paths ?? []).some((p) => toPosix(p) === file);
    const view = new FlameView(panel, this.deps, mine);
    panel.onDidDispose(() => view.dispose());
    try {
      const snap = await this.loadFile(doc.uri.fsPath, token);
      if (snap && mine(snap)) view.show(snap);
    } catch (e) {
      if (!(e instanceof LoadCancelled)) throw e;
    }
  }
}
