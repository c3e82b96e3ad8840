import * as vscode from 'vscode';
import { confirmCredentialTarget } from './llm-config';
import { originOf } from './trust-model';
import { registerCodeLens } from './codelens';
import { registerCommands, SOURCE_TOKEN_KEY } from './commands';
import { TraceDecorations } from './decorations';
import { createEngine } from './engine';
import { opsAt, registerHovers } from './hover';
import { toPosix } from './paths-model';
import { hoverMarkdown, codeLensTitle } from './hover-model';
import { FlamePanel, FlamePanelSerializer, LAST_REQUEST_KEY, type FlameHostDeps } from './panels/flame-panel';
import { TraceEditorProvider } from './panels/trace-editor';
import { ReceiverController } from './receiver';
import { LoadCancelled, TraceSession, type LoadRequest, type TraceSnapshot } from './state';
import { TraceStatusBar } from './status-bar';
import { runsViewMessage } from './tree-model';
import { RunsTreeProvider } from './views/runs-tree';
import { TraceFileWatcher } from './watcher';
import { askInChat, registerAskInChatHandler } from './chat-bridge';
import { registerChat } from './views/chat-view';

/**
 * What activate() returns: the extension's API for other extensions and the in-VS-Code tests (engineer H).
 * Everything is read-only state or the same operations the commands run.
 */
export interface TraceDoctorApi {
  readonly session: TraceSession;
  /** the current snapshot (runs, diff, diagnosis, operations, line index) */
  getState(): TraceSnapshot;
  /** the diagnosis currently loaded, if any */
  readonly diagnosis: TraceSnapshot['diagnosis'];
  /** the last error a command reported to the user (message names the file and position for bad trace files) */
  readonly lastError: Error | undefined;
  /** resolves when no load is in progress */
  whenIdle(): Promise<void>;
  /** hover markdown / CodeLens titles / decorated lines for a document, as the providers compute them */
  hoverAt(uri: vscode.Uri, line: number): Promise<string | undefined>;
  codeLensTitles(uri: vscode.Uri): Promise<{ line: number; title: string }[]>;
  decoratedLines(uri: vscode.Uri): Promise<{ root: number[]; candidates: number[] }>;
  /** the runs tree as plain nodes, and the status bar text */
  treeNodes(): RunsTreeProvider['nodes'];
  statusBarText(): string;
  /** the flame panel host, when open: messages posted and the webview's reported view state */
  flamePanel(): { posted: readonly { type: string }[]; viewState: unknown; visible: boolean; lastPaint?: { dataToPaintMs: number; inWebviewMs: number; webviewBootMs?: number } } | undefined;
  /** the receiver, when running */
  receiver(): { endpoint: string; grpcUrl?: string; spans: number; refused: number; notices: string[] } | undefined;
  /** the file watcher's reload count */
  watcherReloads(): number;
  /** chat seam for engineer F: handle "Ask in chat" from hovers, tree and flame graph */
  registerAskInChatHandler: typeof registerAskInChatHandler;
}

let current: { session: TraceSession; receiver: ReceiverController } | undefined;

export function activate(context: vscode.ExtensionContext): TraceDoctorApi {
  const log = vscode.window.createOutputChannel('Trace Doctor', { log: true });
  // the backend token goes to a URL that only the workspace settings name (traceDoctor.sources.urls) after a confirmation
  const engine = createEngine(log, async (urls) => {
    const token = await context.secrets.get(SOURCE_TOKEN_KEY);
    if (!token) return undefined;
    const inspected = vscode.workspace.getConfiguration('traceDoctor.sources').inspect<string[]>('urls');
    for (const u of urls) {
      if (!(await confirmCredentialTarget(u, inspected, 'your trace-source token', context.globalState))) {
        log.warn(`token not sent to ${originOf(u)} (declined)`);
        return undefined;
      }
    }
    return token;
  });
  const session = new TraceSession(engine, log);
  const receiver = new ReceiverController(session, context.globalStorageUri, log);
  current = { session, receiver };
  let lastError: Error | undefined;
  context.subscriptions.push(log, engine, session, receiver);

  const flameDeps: FlameHostDeps = {
    session,
    extensionUri: context.extensionUri,
    askInChat,
    log,
    ...(engine.exemplar ? { exemplarRemote: (run, request, signal) => engine.exemplar!(run, request, signal) } : {}),
  };
  const decorations = new TraceDecorations(session, context.extensionUri);
  const tree = new RunsTreeProvider(session);
  const treeView = vscode.window.createTreeView(RunsTreeProvider.viewId, { treeDataProvider: tree, showCollapseAll: true });
  const status = new TraceStatusBar(session);
  const watcher = new TraceFileWatcher(session, log);

  const loadRequest = async (req: LoadRequest): Promise<TraceSnapshot | undefined> => {
    try {
      return await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: 'Trace Doctor: restoring the flame graph', cancellable: true },
        (progress, token) => session.load(req, token, progress),
      );
    } catch (e) {
      if (e instanceof LoadCancelled) return undefined;
      lastError = e as Error;
      log.error(`restoring ${req.incident.join(', ')}: ${(e as Error).message}`);
      void vscode.window.showWarningMessage(`Trace Doctor: could not restore the flame graph — ${(e as Error).message}`);
      return undefined;
    }
  };

  context.subscriptions.push(
    decorations,
    tree,
    treeView,
    status,
    watcher,
    registerHovers(session),
    registerCodeLens(session),
    // edits move span-opening calls: the line index follows until the next load re-scans the saved file
    vscode.workspace.onDidChangeTextDocument((e) => {
      if (e.document.uri.scheme !== 'file' || e.contentChanges.length === 0) return;
      const path = toPosix(e.document.uri.fsPath);
      if (!session.snapshot.lineIndex.has(path)) return;
      session.moveLines(path, e.contentChanges.map((c) => ({
        startLine: c.range.start.line,
        startCharacter: c.range.start.character,
        endLine: c.range.end.line,
        endCharacter: c.range.end.character,
        text: c.text,
        prefixBlank: /^\s*$/.test(e.document.lineAt(Math.min(c.range.start.line, e.document.lineCount - 1)).text.slice(0, c.range.start.character)),
      })));
      // back to the file on disk (undone to the saved state, File: Revert File): its lines as loaded. isDirty is
      // updated after this event (seen in code-server: false on the first edit), so it is read a moment later.
      const doc = e.document;
      setTimeout(() => doc.isDirty || doc.isClosed || session.restoreLines(path), 50);
    }),
    vscode.workspace.onDidSaveTextDocument((d) => d.uri.scheme === 'file' && session.keepLines(toPosix(d.uri.fsPath))),
    vscode.window.registerWebviewPanelSerializer(FlamePanel.viewType, new FlamePanelSerializer(flameDeps, context.workspaceState, loadRequest)),
    vscode.window.registerCustomEditorProvider(
      TraceEditorProvider.viewType,
      new TraceEditorProvider(flameDeps, async (path, token) => {
        const req: LoadRequest = { kind: 'single', incident: [path] };
        try {
          const snap = await vscode.window.withProgress(
            { location: vscode.ProgressLocation.Window, title: 'Trace Doctor: loading trace' },
            () => session.load(req, token),
          );
          await context.workspaceState.update(LAST_REQUEST_KEY, req);
          return snap;
        } catch (e) {
          if (e instanceof LoadCancelled) return undefined;
          lastError = e as Error;
          log.error((e as Error).message);
          void vscode.window.showErrorMessage(`Trace Doctor: ${(e as Error).message}`);
          return undefined;
        }
      }),
      { webviewOptions: { retainContextWhenHidden: true }, supportsMultipleEditorsPerDocument: false },
    ),
    ...registerCommands({ ctx: context, session, engine, log, flame: flameDeps, receiver, onError: (e) => (lastError = e) }),
    session.onDidChange((s) => {
      void vscode.commands.executeCommand('setContext', 'traceDoctor.loaded', s.mode !== 'none');
      void vscode.commands.executeCommand('setContext', 'traceDoctor.diagnosed', s.mode === 'diff');
      treeView.message = s.mode === 'none' ? undefined : runsViewMessage(s.diagnosis?.rootCause);
    }),
    vscode.workspace.onDidChangeWorkspaceFolders(() => void session.relink()),
  );
  void vscode.commands.executeCommand('setContext', 'traceDoctor.loaded', false);

  context.subscriptions.push(registerChat(context, { session, log }));

  const api: TraceDoctorApi = {
    session,
    getState: () => session.snapshot,
    get diagnosis() {
      return session.snapshot.diagnosis;
    },
    get lastError() {
      return lastError;
    },
    whenIdle: () =>
      new Promise<void>((resolve) => {
        if (!session.loading) return resolve();
        const d = session.onDidChangeLoading((l) => {
          if (!l) {
            d.dispose();
            resolve();
          }
        });
      }),
    hoverAt: async (uri, line) => {
      const doc = await vscode.workspace.openTextDocument(uri);
      const ops = opsAt(session, doc, line);
      return ops.length ? hoverMarkdown(ops, session.snapshot.mode === 'diff' ? 'diff' : 'single') : undefined;
    },
    codeLensTitles: async (uri) => {
      const doc = await vscode.workspace.openTextDocument(uri);
      const mode = session.snapshot.mode === 'diff' ? 'diff' : 'single';
      const out: { line: number; title: string }[] = [];
      for (let l = 0; l < doc.lineCount; l++) for (const op of opsAt(session, doc, l)) out.push({ line: l, title: codeLensTitle(op, mode) });
      return out;
    },
    decoratedLines: async (uri) => decorations.linesFor(await vscode.workspace.openTextDocument(uri)),
    treeNodes: () => tree.nodes,
    statusBarText: () => status.item.text,
    flamePanel: () => {
      const p = FlamePanel.current;
      return p ? { posted: p.view.posted, viewState: p.view.viewState, visible: p.view.panel.visible, ...(p.view.lastPaint ? { lastPaint: p.view.lastPaint } : {}) } : undefined;
    },
    receiver: () => (receiver.running ? { endpoint: receiver.running.endpoint, ...(receiver.grpc ? { grpcUrl: receiver.grpc.url } : {}), spans: receiver.spanCount, refused: receiver.refusedCount, notices: [...receiver.notices] } : undefined),
    watcherReloads: () => watcher.reloads,
    registerAskInChatHandler,
  };
  return api;
}

export async function deactivate(): Promise<void> {
  await current?.receiver.stop();
  current = undefined;
}
