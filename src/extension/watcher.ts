import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { LoadCancelled, type TraceSession } from './state';

/** Reloads the loaded runs (debounced) when their files change on disk. */
export class TraceFileWatcher implements vscode.Disposable {
  private watchers: vscode.Disposable[] = [];
  private key = '';
  private timer: NodeJS.Timeout | undefined;
  private readonly sub: vscode.Disposable;
  /** reloads done because files changed (test hook) */
  reloads = 0;
  private failing = false;

  constructor(
    private readonly session: TraceSession,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.sub = session.onDidChange(() => this.rewatch());
  }

  private rewatch(): void {
    const req = this.session.lastRequest;
    const enabled = vscode.workspace.getConfiguration('traceDoctor').get<boolean>('watch.enabled', true);
    const paths = enabled && req && req.kind !== 'live' ? [...(req.baseline ?? []), ...req.incident].filter((p) => !/^[a-z][a-z0-9+.-]*:\/\//i.test(p)) : [];
    const key = paths.join('\n');
    if (key === this.key) return;
    this.key = key;
    this.clear();
    for (const p of paths) {
      let isDir = false;
      try {
        isDir = fs.statSync(p).isDirectory();
      } catch {
        /* deleted: watch its folder for re-creation */
      }
      const pattern = isDir ? new vscode.RelativePattern(vscode.Uri.file(p), '**/*.{json,jsonl,ndjson}') : new vscode.RelativePattern(vscode.Uri.file(path.dirname(p)), path.basename(p));
      const w = vscode.workspace.createFileSystemWatcher(pattern);
      const fire = (u: vscode.Uri) => this.schedule(u);
      this.watchers.push(w, w.onDidChange(fire), w.onDidCreate(fire), w.onDidDelete(fire));
    }
  }

  private schedule(u: vscode.Uri): void {
    this.log.info(`trace file changed: ${u.fsPath}`);
    if (this.timer) clearTimeout(this.timer);
    const ms = vscode.workspace.getConfiguration('traceDoctor').get<number>('watch.debounceMs', 500);
    this.timer = setTimeout(() => void this.reload(), ms);
  }

  private async reload(): Promise<void> {
    this.timer = undefined;
    try {
      await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: 'Trace Doctor: reloading traces' }, () => this.session.reload());
      this.reloads++;
      this.failing = false;
    } catch (e) {
      if (e instanceof LoadCancelled) return;
      this.log.error(`reload failed: ${(e as Error).message}`);
      // A file being written may fail several times in a row: tell the user once per failure streak; the last good
      // snapshot stays on screen and the next change retries.
      if (!this.failing) void vscode.window.showWarningMessage(`Trace Doctor: could not reload the changed trace file — ${(e as Error).message}`);
      this.failing = true;
    }
  }

  private clear(): void {
    for (const d of this.watchers.splice(0)) d.dispose();
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.clear();
    this.sub.dispose();
  }
}
