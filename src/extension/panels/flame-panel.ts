import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { revealOperationSource } from '../navigation';
import type { FlameViewState } from '../../protocol/messages';
import { isReplayableRequest, LAST_REQUEST_KEY } from '../request-model';
import type { LoadRequest, TraceSession, TraceSnapshot } from '../state';
import { buildWebviewHtml, webviewOptions } from '../webview-html';
import { buildSetData, fromPage, parseWebviewMessage, toPage, type HostToFlame } from './flame-protocol';
import { ExemplarRequests, type ExemplarRemote } from './exemplar-host';
import type { HostToExemplarMessage } from '../../protocol/exemplars';

export interface FlameHostDeps {
  session: TraceSession;
  extensionUri: vscode.Uri;
  askInChat(service: string, name: string): unknown;
  log: vscode.LogOutputChannel;
  /** answers exemplar requests in the engine worker (EngineApi.exemplar); without it they are answered on the host */
  exemplarRemote?: ExemplarRemote;
}

/**
 * Binds one WebviewPanel to the flame-graph bundle: HTML with a strict CSP, model posted after `ready` and on every
 * session change that `accept` lets through, webview messages handled (go to source, ask in chat).
 */
export class FlameView implements vscode.Disposable {
  private ready = false;
  /** names shown with escapes (visibleUnsafeDeep) → the originals, for what the page sends back */
  private readonly shownNames = new Map<string, string>();
  private pending: HostToFlame[] = [];
  private shown: TraceSnapshot | undefined;
  /** the webview's last reported view state (mode, zoom, search) — test hook */
  viewState: FlameViewState | undefined;
  /** messages posted to the webview (newest last, bounded) — test hook */
  readonly posted: { type: string }[] = [];
  /**
   * Timing of the last data shown (issue 13 item 15), ms: from the data being ready on the host to the webview's first
   * frame with it, and the webview's own share (setData received → frame drawn). Logged and read by the e2e run.
   */
  lastPaint: { dataToPaintMs: number; inWebviewMs: number; webviewBootMs?: number } | undefined;
  private readonly createdAt = performance.now();
  private dataReadyAt: number | undefined;
  private readyAt: number | undefined;
  private readonly disposables: vscode.Disposable[] = [];
  /** answers the webview's exemplar-trace requests from the loaded runs (in the engine worker when it holds them) */
  private readonly exemplars: ExemplarRequests;

  constructor(
    readonly panel: vscode.WebviewPanel,
    private readonly deps: FlameHostDeps,
    /** which session snapshots this view shows (the custom editor only shows its own file) */
    private readonly accept: (s: TraceSnapshot) => boolean = () => true,
  ) {
    this.exemplars = new ExemplarRequests(() => this.shown ?? this.deps.session.snapshot, deps.exemplarRemote, {}, (m) => deps.log.warn(m));
    const webview = panel.webview;
    webview.options = webviewOptions(deps.extensionUri);
    webview.html = buildWebviewHtml(webview, deps.extensionUri, {
      title: 'Trace Doctor: Flame Graph',
      script: 'dist/webview/flame.js',
      // the bundle may ship its stylesheet in media/ (loaded through the CSP's style-src) or adopt it itself
      styles: ['media/flame.css', 'dist/webview/flame.css'].filter((f) => fs.existsSync(path.join(deps.extensionUri.fsPath, f))),
      bodyAttributes: { 'data-view': 'flame' },
    });
    this.disposables.push(
      webview.onDidReceiveMessage((m: unknown) => this.onMessage(m)),
      deps.session.onDidChange((s) => {
        if (s.mode === 'none' || this.accept(s)) this.show(s);
      }),
      vscode.window.onDidChangeActiveColorTheme((t) => this.post({ type: 'setTheme', kind: themeKind(t.kind) })),
    );
    const cur = deps.session.snapshot;
    // opened while the first runs load: say so until they arrive
    if (cur.mode === 'none' && deps.session.loading) this.post({ type: 'setData', tree: null, diagnosis: null, title: 'Loading traces…', loading: true });
    if (cur.mode !== 'none' && this.accept(cur)) {
      this.shown = cur;
      this.dataReadyAt = this.createdAt;
    }
  }

  /** The snapshot currently drawn (or about to be, once the webview is ready). */
  get snapshot(): TraceSnapshot | undefined {
    return this.shown;
  }

  show(s: TraceSnapshot): void {
    this.shown = s;
    if (s.mode !== 'none') this.dataReadyAt = performance.now();
    this.post(buildSetData(s));
  }

  /** Select (and zoom to) an operation. */
  focus(service: string, name: string): void {
    this.post({ type: 'focusNode', service, name });
  }

  private post(m: HostToFlame): void {
    if (!this.ready) {
      // Only the newest setData matters; keep other messages in order.
      if (m.type === 'setData') this.pending = this.pending.filter((p) => p.type !== 'setData');
      this.pending.push(m);
      return;
    }
    this.send(m);
  }

  private send(m: HostToFlame | HostToExemplarMessage): void {
    this.posted.push({ type: m.type });
    if (this.posted.length > 50) this.posted.shift();
    // names from the traces reach the page with bidi overrides and the like shown as escapes (one walk, no copy
    // when there are none); what the page sends back is mapped to the original names
    void this.panel.webview.postMessage(toPage(m, this.shownNames));
  }

  private onMessage(shown: unknown): void {
    const raw = fromPage(shown, this.shownNames);
    const reply = this.exemplars.handle(raw);
    if (reply) {
      void reply.then((r) => {
        if (r && this.ready) this.send(r);
      });
      return;
    }
    const m = parseWebviewMessage(raw);
    if (!m) {
      this.deps.log.warn(`flame webview: ignored malformed message ${safeJson(raw)}`);
      return;
    }
    switch (m.type) {
      case 'ready': {
        this.ready = true;
        this.readyAt = performance.now();
        const queued = this.pending;
        this.pending = [];
        if (!queued.some((q) => q.type === 'setData')) {
          this.send(buildSetData(this.shown ?? this.deps.session.snapshot));
        }
        for (const q of queued) this.send(q);
        break;
      }
      case 'openSource':
        void revealOperationSource(this.shown ?? this.deps.session.snapshot, m.service, m.name, m.source);
        break;
      case 'askInChat':
        void this.deps.askInChat(m.service, m.name);
        break;
      case 'stateChanged':
        this.viewState = m.state;
        break;
      case 'error':
        this.deps.log.error(`flame webview: ${m.message}`);
        break;
      case 'painted': {
        if (this.dataReadyAt === undefined) break;
        const boot = this.readyAt !== undefined ? Math.round(this.readyAt - this.createdAt) : undefined;
        this.lastPaint = { dataToPaintMs: Math.round(performance.now() - this.dataReadyAt), inWebviewMs: m.afterSetDataMs, ...(boot !== undefined ? { webviewBootMs: boot } : {}) };
        this.deps.log.info(
          `flame panel: first paint ${this.lastPaint.dataToPaintMs} ms after the data was ready (in the webview ${m.afterSetDataMs} ms from setData, ${m.sinceScriptStartMs} ms from its script's start; webview ready ${boot ?? '?'} ms after the panel was created)`,
        );
        this.dataReadyAt = undefined;
        break;
      }
    }
  }

  dispose(): void {
    this.exemplars.dispose();
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}

/** The single "Trace Doctor: Flame Graph" panel that follows the session (createOrShow + serializer revive). */
export class FlamePanel implements vscode.Disposable {
  static readonly viewType = 'traceDoctor.flame';
  static current: FlamePanel | undefined;

  private readonly disposables: vscode.Disposable[] = [];

  static createOrShow(deps: FlameHostDeps, column?: vscode.ViewColumn): FlamePanel {
    const col = column ?? (vscode.window.activeTextEditor ? vscode.ViewColumn.Beside : vscode.ViewColumn.Active);
    if (FlamePanel.current) {
      FlamePanel.current.view.panel.reveal(col, true);
      return FlamePanel.current;
    }
    const panel = vscode.window.createWebviewPanel(FlamePanel.viewType, 'Trace Doctor: Flame Graph', { viewColumn: col, preserveFocus: true }, {
      ...webviewOptions(deps.extensionUri),
      retainContextWhenHidden: true,
    });
    return (FlamePanel.current = new FlamePanel(panel, deps));
  }

  static revive(panel: vscode.WebviewPanel, deps: FlameHostDeps): FlamePanel {
    FlamePanel.current?.dispose();
    return (FlamePanel.current = new FlamePanel(panel, deps));
  }

  readonly view: FlameView;

  private constructor(panel: vscode.WebviewPanel, deps: FlameHostDeps) {
    panel.iconPath = vscode.Uri.joinPath(deps.extensionUri, 'media', 'activity.svg');
    this.view = new FlameView(panel, deps);
    this.updateTitle(deps.session.snapshot);
    this.disposables.push(
      this.view,
      deps.session.onDidChange((s) => this.updateTitle(s)),
      panel.onDidDispose(() => this.dispose()),
    );
  }

  private updateTitle(s: TraceSnapshot): void {
    const t = s.mode === 'diff' ? 'Trace Doctor: Diff Flame Graph' : s.mode === 'single' ? 'Trace Doctor: Flame Graph' : 'Trace Doctor: Flame Graph (no traces)';
    this.view.panel.title = t;
  }

  dispose(): void {
    if (FlamePanel.current === this) FlamePanel.current = undefined;
    const panel = this.view.panel;
    for (const d of this.disposables.splice(0)) d.dispose();
    panel.dispose();
  }
}

export { LAST_REQUEST_KEY };

/** Restores the flame panel after a window reload: re-creates the host and loads the persisted runs again. */
export class FlamePanelSerializer implements vscode.WebviewPanelSerializer {
  constructor(
    private readonly deps: FlameHostDeps,
    private readonly memento: vscode.Memento,
    private readonly reload: (req: LoadRequest) => Promise<unknown>,
  ) {}

  async deserializeWebviewPanel(panel: vscode.WebviewPanel, state: unknown): Promise<void> {
    FlamePanel.revive(panel, this.deps);
    if (this.deps.session.snapshot.mode !== 'none') return;
    const fromState = state && typeof state === 'object' ? (state as { request?: unknown }).request : undefined;
    const req = isReplayableRequest(fromState) ? fromState : this.memento.get<unknown>(LAST_REQUEST_KEY);
    if (isReplayableRequest(req)) await this.reload(req);
  }
}

function themeKind(k: vscode.ColorThemeKind): 'light' | 'dark' | 'high-contrast' | 'high-contrast-light' {
  switch (k) {
    case vscode.ColorThemeKind.Light:
      return 'light';
    case vscode.ColorThemeKind.HighContrast:
      return 'high-contrast';
    case vscode.ColorThemeKind.HighContrastLight:
      return 'high-contrast-light';
    default:
      return 'dark';
  }
}

function safeJson(v: unknown): string {
  try {
    return JSON.stringify(v)?.slice(0, 200) ?? String(v);
  } catch {
    return String(v);
  }
}
