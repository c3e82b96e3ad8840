import * as path from 'node:path';
import * as vscode from 'vscode';
import { startReceiver, type Receiver, type RefusedEvent } from '../sources/receiver/server';
import { GrpcBindError, startGrpcReceiver, type GrpcReceiver } from '../sources/receiver/grpc';
import { refusedText, runLabel } from './format-model';
import type { TraceSession } from './state';


/**
 * "Start Receiver" / "Stop Receiver": the built-in OTLP/HTTP receiver, and the OTLP/gRPC one beside it feeding the same
 * files and live window, with a status bar span counter and live reload.
 */
export class ReceiverController implements vscode.Disposable {
  private receiver: Receiver | undefined;
  /** the OTLP/gRPC server beside it (undefined when off or its port could not be bound) */
  private grpcServer: GrpcReceiver | undefined;
  private unsubscribe: (() => void) | undefined;
  private readonly item: vscode.StatusBarItem;
  private timer: NodeJS.Timeout | undefined;
  private refreshing = false;
  private dirty = false;
  private unsubscribeRefused: (() => void) | undefined;
  /** requests answered with an error status since the receiver started */
  private refused = 0;
  /** output-channel lines about refused requests in the current minute (a broken exporter retries in a loop) */
  private logged = { minute: 0, lines: 0 };
  /** one notification per receiver start for each of: spans arriving while other traces are shown, a refused request */
  private told = { paused: false, refused: false };
  /** the notifications shown (for the extension's test API) */
  readonly notices: string[] = [];

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

  get grpc(): GrpcReceiver | undefined {
    return this.grpcServer;
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
    let r: Receiver;
    try {
      r = await startReceiver({
        host,
        port,
        outDir,
        allowedHosts: cfg.get<string[]>('allowedHosts', []),
        allowedOrigins: cfg.get<string[]>('allowedOrigins', []),
      });
    } catch (e) {
      // 4318 is the OTLP/HTTP port of every local Collector and agent: say what is likely there and what to change
      if ((e as NodeJS.ErrnoException).code === 'EADDRINUSE') {
        const err = new Error(
          `port ${port} on ${host} is already in use — another OTLP receiver (a local OpenTelemetry Collector or agent?) or a second Trace Doctor. Set traceDoctor.receiver.port to another port (0 = any free port) and start the receiver again (EADDRINUSE)`,
        ) as NodeJS.ErrnoException;
        err.code = 'EADDRINUSE';
        throw err;
      }
      throw e;
    }
    this.receiver = r;
    await this.startGrpc(r, host, cfg.get<number>('grpcPort', 4317));
    this.session.liveSource = () => r.snapshot();
    this.unsubscribe = r.onSpans(() => this.onSpans());
    this.refused = 0;
    this.told = { paused: false, refused: false };
    this.unsubscribeRefused = r.onRefused((e) => this.onRefused(e));
    this.log.info(`receiver listening on ${r.endpoint}${this.grpcServer ? ` (OTLP/HTTP) and ${this.grpcServer.url} (OTLP/gRPC)` : ''}, writing to ${outDir}`);
    void vscode.commands.executeCommand('setContext', 'traceDoctor.receiverRunning', true);
    this.updateItem();
    this.item.show();
    return r;
  }

  /** The OTLP/gRPC server (port -1 = off). A port it cannot bind leaves the OTLP/HTTP receiver running, with a warning. */
  private async startGrpc(r: Receiver, host: string, port: number): Promise<void> {
    if (port < 0) return;
    try {
      this.grpcServer = await startGrpcReceiver(r, { host, port });
    } catch (e) {
      if (!(e instanceof GrpcBindError)) throw e;
      this.log.warn(`${e.message}; receiving OTLP/HTTP only`);
      void this.notify(
        'warning',
        `Trace Doctor: ${e.message}. Receiving OTLP/HTTP only, on ${r.endpoint}. Set traceDoctor.receiver.grpcPort to another port (0 = any free port, -1 = no gRPC) and start the receiver again.`,
        'Open Settings',
      ).then((a) => {
        if (a === 'Open Settings') void vscode.commands.executeCommand('workbench.action.openSettings', 'traceDoctor.receiver.grpcPort');
      });
    }
  }

  async stop(): Promise<void> {
    const r = this.receiver;
    if (!r) return;
    this.receiver = undefined;
    const g = this.grpcServer;
    this.grpcServer = undefined;
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    this.unsubscribeRefused?.();
    this.unsubscribeRefused = undefined;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.session.liveSource = undefined;
    await g?.close();
    await r.close();
    const st = r.stats();
    this.log.info(`receiver stopped: ${st.spansAccepted} spans accepted, ${st.spansRejected} rejected; files: ${st.files.join(', ') || '(none)'}`);
    void vscode.commands.executeCommand('setContext', 'traceDoctor.receiverRunning', false);
    this.item.hide();
  }

  get refusedCount(): number {
    return this.refused;
  }

  private notify(kind: 'info' | 'warning', text: string, ...actions: string[]): Thenable<string | undefined> {
    this.notices.push(text);
    if (this.notices.length > 20) this.notices.shift();
    return kind === 'info' ? vscode.window.showInformationMessage(text, ...actions) : vscode.window.showWarningMessage(text, ...actions);
  }

  /**
   * A request the receiver refused (wrong content type or path, gRPC on the HTTP port, bad protobuf, an oversized
   * batch): the exporter only logs it on its side, so it is said here too — every one in the output channel (at most
   * 20 lines a minute), the count and the last one on the status bar, and the first one as a notification.
   */
  private onRefused(e: RefusedEvent): void {
    this.refused++;
    const text = refusedText(e);
    const minute = Math.floor(e.at / 60_000);
    if (minute !== this.logged.minute) this.logged = { minute, lines: 0 };
    if (++this.logged.lines <= 20) this.log.warn(`receiver refused a request: ${text}`);
    else if (this.logged.lines === 21) this.log.warn('receiver: more refused requests this minute; not logged until the next minute (the status bar counts them)');
    this.updateItem();
    if (this.told.refused) return;
    this.told.refused = true;
    void this.notify('warning', `Trace Doctor: the receiver refused a request — ${text}. Check the exporter's protocol and endpoint (OTLP/HTTP: ${this.receiver?.endpoint ?? 'POST /v1/traces'}${this.grpcServer ? `; OTLP/gRPC: ${this.grpcServer.url}` : ''}).`, 'Show Log').then((a) => {
      if (a === 'Show Log') this.log.show(true);
    });
  }

  private onSpans(): void {
    this.updateItem();
    if (!vscode.workspace.getConfiguration('traceDoctor.receiver').get<boolean>('liveDiagnosis', true)) return;
    // The user loaded other traces: don't replace them; "Show Received Traces" switches back to the live view — and
    // the first spans say so once, or nothing but the status bar count would change.
    if (!this.followsLive()) {
      if (!this.told.paused) {
        this.told.paused = true;
        const req = this.session.lastRequest;
        const shown = req ? (req.baseline?.length ? `${runLabel(req.baseline)} → ${runLabel(req.incident)}` : runLabel(req.incident)) : 'other traces';
        void this.notify('info', `Trace Doctor: spans are arriving at the receiver; the flame graph still shows ${shown}. "Show Received Traces" switches to the live view.`, 'Show Received Traces').then((a) => {
          if (a === 'Show Received Traces') void vscode.commands.executeCommand('traceDoctor.showReceivedTraces');
        });
      }
      return;
    }
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
    this.item.text = `$(radio-tower) ${st.spansAccepted.toLocaleString('en-US')} spans${this.refused ? ` $(warning) ${this.refused.toLocaleString('en-US')} refused` : ''}`;
    const paused = this.followsLive() ? '' : '\nLive view paused while other traces are loaded ("Trace Doctor: Show Received Traces").';
    const refused = this.refused && st.lastRefused ? `\n${this.refused} request(s) refused; the last: ${refusedText(st.lastRefused)}` : '';
    const on = this.grpcServer ? `OTLP/HTTP ${r.endpoint} and OTLP/gRPC ${this.grpcServer.url}` : r.endpoint;
    this.item.tooltip = `Trace Doctor receiver on ${on}\n${st.requests} requests, ${st.spansAccepted} spans accepted, ${st.spansRejected} rejected${refused}${paused}\nClick to stop.`;
  }

  dispose(): void {
    void this.stop();
    this.item.dispose();
  }
}
