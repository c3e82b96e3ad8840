import * as path from 'node:path';
import * as vscode from 'vscode';
import { startReceiver, type Receiver } from '../sources/receiver/server';
import type { TraceSession } from './state';

/** "Start Receiver" / "Stop Receiver": the built-in OTLP/HTTP receiver with a status bar span counter and live reload. */
export class ReceiverController implements vscode.Disposable {
  private receiver: Receiver | undefined;
  private unsubscribe: (() => void) | undefined;
  private readonly item: vscode.StatusBarItem;
  private timer: NodeJS.Timeout | undefined;
  private refreshing = false;
  private dirty = false;

  constructor(
    private readonly session: TraceSession,
    private readonly storageUri: vscode.Uri,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.item = vscode.window.createStatusBarItem('traceDoctor.receiver', vscode.StatusBarAlignment.Left, 49);
    this.item.name = 'Trace Doctor Receiver';
    this.item.command = 'traceDoctor.stopReceiver';
  }

  get running(): Receiver | undefined {
    return this.receiver;
  }

  get spanCount(): number {
    return this.receiver?.stats().spansAccepted ?? 0;
  }

  async start(): Promise<Receiver> {
    if (this.receiver) return this.receiver;
    const cfg = vscode.workspace.getConfiguration('traceDoctor.receiver');
    const host = cfg.get<string>('host', '127.0.0.1');
    const port = cfg.get<number>('port', 4318);
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
    const configured = cfg.get<string>('outDir', '');
    const outDir = configured ? (path.isAbsolute(configured) || !folder ? configured : path.join(folder, configured)) : path.join(this.storageUri.fsPath, 'received');
    const r = await startReceiver({
      host,
      port,
      outDir,
      allowedHosts: cfg.get<string[]>('allowedHosts', []),
      allowedOrigins: cfg.get<string[]>('allowedOrigins', []),
    });
    this.receiver = r;
    this.session.liveSource = () => r.snapshot();
    this.unsubscribe = r.onSpans(() => this.onSpans());
    this.log.info(`receiver listening on ${r.endpoint}, writing to ${outDir}`);
    void vscode.commands.executeCommand('setContext', 'traceDoctor.receiverRunning', true);
    this.updateItem();
    this.item.show();
    return r;
  }

  async stop(): Promise<void> {
    const r = this.receiver;
    if (!r) return;
    this.receiver = undefined;
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.session.liveSource = undefined;
    await r.close();
    const st = r.stats();
    this.log.info(`receiver stopped: ${st.spansAccepted} spans accepted, ${st.spansRejected} rejected; files: ${st.files.join(', ') || '(none)'}`);
    void vscode.commands.executeCommand('setContext', 'traceDoctor.receiverRunning', false);
    this.item.hide();
  }

  private onSpans(): void {
    this.updateItem();
    if (!vscode.workspace.getConfiguration('traceDoctor.receiver').get<boolean>('liveDiagnosis', true)) return;
    // The user loaded other traces: don't replace them; "Show Received Traces" switches back to the live view.
    if (!this.followsLive()) return;
    // Throttle: at most one live reload in flight, at most every `liveIntervalMs`.
    this.dirty = true;
    if (this.timer || this.refreshing) return;
    const every = vscode.workspace.getConfiguration('traceDoctor.receiver').get<number>('liveIntervalMs', 2000);
    this.timer = setTimeout(() => void this.refresh(), Math.max(250, every));
  }

  /** whether the session shows (or may show) the live window */
  private followsLive(): boolean {
    const req = this.session.lastRequest;
    return !req || req.kind === 'live' || this.session.snapshot.mode === 'none';
  }

  private async refresh(): Promise<void> {
    this.timer = undefined;
    if (!this.receiver || !this.dirty || !this.followsLive()) return;
    this.dirty = false;
    this.refreshing = true;
    try {
      await this.session.load({ kind: 'live', incident: ['live'] });
    } catch (e) {
      this.log.warn(`live reload: ${(e as Error).message}`);
    } finally {
      this.refreshing = false;
      if (this.dirty) this.onSpans();
    }
  }

  private updateItem(): void {
    const r = this.receiver;
    if (!r) return;
    const st = r.stats();
    this.item.text = `$(radio-tower) ${st.spansAccepted.toLocaleString('en-US')} spans`;
    const paused = this.followsLive() ? '' : '\nLive view paused while other traces are loaded ("Trace Doctor: Show Received Traces").';
    this.item.tooltip = `Trace Doctor receiver on ${r.endpoint}\n${st.requests} requests, ${st.spansAccepted} spans accepted, ${st.spansRejected} rejected${paused}\nClick to stop.`;
  }

  dispose(): void {
    void this.stop();
    this.item.dispose();
  }
}
