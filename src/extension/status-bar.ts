import * as vscode from 'vscode';
import { formatEffect } from '../core/format/figures';
import type { TraceSession } from './state';
import { statusBarAccessibleLabel, statusBarText } from './tree-model';

/** "$(pulse) Trace Doctor: 2 runs · root cause pre-processor"; click → Diagnose Trace. */
export class TraceStatusBar implements vscode.Disposable {
  readonly item: vscode.StatusBarItem;
  private readonly subs: vscode.Disposable;

  constructor(private readonly session: TraceSession) {
    this.item = vscode.window.createStatusBarItem('traceDoctor.status', vscode.StatusBarAlignment.Left, 50);
    this.item.name = 'Trace Doctor';
    this.item.command = 'traceDoctor.diagnose';
    this.subs = vscode.Disposable.from(session.onDidChange(() => this.update()), session.onDidChangeLoading(() => this.update()));
    this.update();
    this.item.show();
  }

  update(): void {
    const snap = this.session.snapshot;
    const runs = this.session.runDescriptors().length;
    const rc = snap.diagnosis?.rootCause ?? null;
    this.item.text = statusBarText(runs, rc, this.session.loading);
    const tip = new vscode.MarkdownString();
    if (snap.mode === 'none') tip.appendText('Trace Doctor: no traces loaded. Click to diagnose a trace file.');
    else {
      for (const r of this.session.runDescriptors()) tip.appendText(`${r.role}: ${r.files.join(', ')} — ${r.spans} spans, ${r.traces} traces\n\n`);
      const effect = rc ? formatEffect(rc.impactMs, undefined, snap.diagnosis?.explained) : null;
      if (rc) tip.appendText(`Root cause: ${rc.name} in ${rc.service}${effect ? ` (${effect})` : ''}\n\n`);
      tip.appendText('Click to diagnose another run.');
    }
    this.item.tooltip = tip;
    // screen readers get plain words: the markdown tooltip escapes text (&nbsp;, \-) and the text has $(icons)
    this.item.accessibilityInformation = { label: statusBarAccessibleLabel(this.item.text, tip.value), role: 'button' };
    this.item.backgroundColor = rc ? new vscode.ThemeColor('statusBarItem.warningBackground') : undefined;
  }

  dispose(): void {
    this.subs.dispose();
    this.item.dispose();
  }
}
