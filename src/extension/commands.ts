import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { askInChat } from './chat-bridge';
import type { EngineApi } from './engine-api';
import { FlamePanel, LAST_REQUEST_KEY, type FlameHostDeps } from './panels/flame-panel';
import { toPosix } from './paths-model';
import { buildRunPickItems, parseWindowChoice, traceFolder, WINDOW_CHOICES, type WindowChoice, roleHint, sniffTraceHead, SNIFF_GZ_BYTES, TRACE_FILE_EXCLUDE, TRACE_FILE_GLOB, type PickItem, type TraceFileInfo } from './quickpick-model';
import type { ReceiverController } from './receiver';
import { runLabel } from './format-model';
import { diagnosisMarkdown, diagnosisNotice, statsMessage, statsText } from './report-model';
import { revealOperationSource } from './navigation';
import { createExample, EXAMPLE_FOLDER } from './example-model';
import { describeIssue, LoadCancelled, type LoadRequest, type TraceSession, type TraceSnapshot } from './state';

export const COMMANDS = {
  openTraceFile: 'traceDoctor.openTraceFile',
  diagnose: 'traceDoctor.diagnose',
  compareTraces: 'traceDoctor.compareTraces',
  closeTraces: 'traceDoctor.closeTraces',
  reload: 'traceDoctor.reload',
  showFlameGraph: 'traceDoctor.showFlameGraph',
  showInFlameGraph: 'traceDoctor.showInFlameGraph',
  goToSource: 'traceDoctor.goToSource',
  askInChat: 'traceDoctor.askInChat',
  showReport: 'traceDoctor.showDiagnosisReport',
  startReceiver: 'traceDoctor.startReceiver',
  stopReceiver: 'traceDoctor.stopReceiver',
  showLog: 'traceDoctor.showLog',
  setSourceToken: 'traceDoctor.setSourceToken',
  showReceived: 'traceDoctor.showReceivedTraces',
  diagnoseFromBackend: 'traceDoctor.diagnoseFromBackend',
  openTraceFolder: 'traceDoctor.openTraceFolder',
  openExample: 'traceDoctor.openExample',
} as const;

/** SecretStorage key of the token sent to tracing backends (Jaeger, Tempo, Zipkin URLs). */
export const SOURCE_TOKEN_KEY = 'traceDoctor.sources.token';

export interface CommandContext {
  ctx: vscode.ExtensionContext;
  session: TraceSession;
  engine: EngineApi;
  log: vscode.LogOutputChannel;
  flame: FlameHostDeps;
  receiver: ReceiverController;
  /** told about every error shown to the user (the API's lastError) */
  onError?(e: Error): void;
}

/** What "Diagnose Trace" and friends return to a caller of executeCommand (tests). */
export interface CommandResult {
  mode: TraceSnapshot['mode'];
  rootCause: { service: string; name: string } | null;
  candidates: { service: string; name: string }[];
  spans: { baseline?: number; incident?: number };
  linkedLines: number;
}

function result(s: TraceSnapshot): CommandResult {
  let linkedLines = 0;
  for (const lines of s.lineIndex.values()) linkedLines += lines.size;
  return {
    mode: s.mode,
    rootCause: s.diagnosis?.rootCause ? { service: s.diagnosis.rootCause.service, name: s.diagnosis.rootCause.name } : null,
    candidates: (s.diagnosis?.candidates ?? []).map((c) => ({ service: c.service, name: c.name })),
    spans: { baseline: s.baseline?.stats.spans, incident: s.incident?.stats.spans },
    linkedLines,
  };
}

/** Accepts a Uri, a path string, a URL string or an array of them (command arguments from tests, menus, links). */
export function argPaths(arg: unknown): string[] | undefined {
  if (arg === undefined || arg === null) return undefined;
  const one = (a: unknown): string | undefined => {
    if (a instanceof vscode.Uri) return a.scheme === 'file' ? a.fsPath : a.toString();
    if (typeof a === 'string' && a) return /^[a-z][a-z0-9+.-]+:\/\//i.test(a) && !a.startsWith('file://') ? a : a.startsWith('file://') ? vscode.Uri.parse(a).fsPath : a;
    if (a && typeof a === 'object' && 'fsPath' in a && typeof (a as { fsPath: unknown }).fsPath === 'string') return (a as { fsPath: string }).fsPath;
    return undefined;
  };
  const list = (Array.isArray(arg) ? arg : [arg]).map(one).filter((x): x is string => !!x);
  if (list.length === 0) return undefined;
  // relative paths are taken from the first workspace folder
  const base = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  return list.map((p) => (/^[a-z][a-z0-9+.-]+:\/\//i.test(p) || path.isAbsolute(p) || !base ? p : path.join(base, p)));
}

const label = runLabel;

export function registerCommands(c: CommandContext): vscode.Disposable[] {
  const { session, log } = c;

  /** Run a load with a cancellable notification; errors become clear notifications. Returns undefined on failure. */
  async function runLoad(req: LoadRequest, title: string, opts: { openFlame?: boolean } = {}): Promise<TraceSnapshot | undefined> {
    // Open the flame panel as the load starts (issue 13 item 15): its webview boots while the worker loads and
    // analyzes, so the graph is drawn as soon as the data is ready instead of a webview start-up later.
    let opened: FlamePanel | undefined;
    try {
      const snap = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: `Trace Doctor: ${title}`, cancellable: true },
        (progress, token) => {
          const p = session.load(req, token, progress);
          if (opts.openFlame && !FlamePanel.current) opened = openFlame();
          return p;
        },
      );
      await c.ctx.workspaceState.update(LAST_REQUEST_KEY, req);
      return snap;
    } catch (e) {
      // a panel opened for this load and left with nothing to show goes away again
      if (opened && FlamePanel.current === opened && session.snapshot.mode === 'none') opened.dispose();
      if (e instanceof LoadCancelled) {
        log.info(`${title}: cancelled`);
        return undefined;
      }
      reportError(e, title);
      return undefined;
    }
  }

  function reportError(e: unknown, title: string): void {
    const msg = e instanceof Error ? e.message : String(e);
    c.onError?.(e instanceof Error ? e : new Error(msg));
    log.error(`${title}: ${msg}`);
    if (e instanceof Error && e.stack) log.debug(e.stack);
    void vscode.window.showErrorMessage(`Trace Doctor: ${msg}`, 'Show Log').then((b) => b && log.show(true));
  }

  function logStats(snap: TraceSnapshot): void {
    for (const side of [snap.baseline, snap.incident]) {
      if (!side) continue;
      log.info(`\n${statsText(`${side.role}: ${side.paths.join(', ')}`, side.stats)}`);
    }
  }

  function openFlame(): FlamePanel {
    return FlamePanel.createOrShow(c.flame);
  }

  /** an issue with its file relative to the workspace (a notification has no room for /home/…/incident.jsonl.gz) */
  function relIssue(issue: unknown): unknown {
    const f = (issue as { file?: unknown } | null)?.file;
    return typeof f === 'string' && path.isAbsolute(f) ? { ...(issue as object), file: vscode.workspace.asRelativePath(f) } : issue;
  }

  async function afterDiagnosis(snap: TraceSnapshot, quiet: boolean): Promise<void> {
    logStats(snap);
    const md = diagnosisMarkdown(snap.diagnosis, {
      baseline: snap.baseline ? label(snap.baseline.paths) : `${label(snap.incident?.paths ?? [])} (automatic split)`,
      incident: label(snap.incident?.paths ?? []),
    }, true);
    log.info(`\n${md}`);
    openFlame();
    if (quiet) return;
    const rc = snap.diagnosis?.rootCause;
    // a run read only in part (truncated gzip, skipped lines, files of a folder not loaded) is said in the same
    // notification, as a warning: the answer is about what was read
    const sides = [snap.baseline, snap.incident].flatMap((side) => (side ? [{ role: side.role === 'baseline' ? 'baseline' : 'incident', label: label(side.paths), stats: side.stats, ...(side.run.issues[0] ? { firstIssue: describeIssue(relIssue(side.run.issues[0])) } : {}) }] : []));
    // two systems compared (another example's "normal" as the baseline): said first, as a warning
    const services = snap.baseline && snap.incident ? { baseline: snap.baseline.stats.spansPerService.map((x) => x.service), incident: snap.incident.stats.spansPerService.map((x) => x.service) } : undefined;
    const notice = diagnosisNotice(snap.diagnosis, sides, services);
    if (notice.unrelated) log.warn(notice.unrelated);
    const problems = notice.warning;
    const actions = [...(rc ? ['Go to Source', 'Show Report', 'Ask in Chat'] : ['Show Report']), ...(problems ? ['Show Output'] : [])];
    const message = notice.text;
    // Not awaited: the command resolves as soon as the diagnosis is shown; the buttons act later.
    void (problems ? vscode.window.showWarningMessage : vscode.window.showInformationMessage)(message, ...actions).then(async (pick) => {
      if (pick === 'Show Output') log.show(true);
      else if (pick === 'Go to Source' && rc) await revealOperationSource(session.snapshot, rc.service, rc.name);
      else if (pick === 'Show Report') await vscode.commands.executeCommand(COMMANDS.showReport);
      else if (pick === 'Ask in Chat' && rc) await askInChat(rc.service, rc.name);
    });
  }

  /** Trace files of the workspace (sniffed), plus configured URLs. */
  async function findTraceFiles(token?: vscode.CancellationToken): Promise<TraceFileInfo[]> {
    const max = vscode.workspace.getConfiguration('traceDoctor').get<number>('search.maxFiles', 2000);
    const uris = await vscode.workspace.findFiles(TRACE_FILE_GLOB, TRACE_FILE_EXCLUDE, max, token);
    const out: TraceFileInfo[] = [];
    const buf = Buffer.alloc(SNIFF_GZ_BYTES);
    for (const u of uris) {
      if (u.scheme !== 'file') continue;
      let fd: number | undefined;
      try {
        fd = fs.openSync(u.fsPath, 'r');
        const n = fs.readSync(fd, buf, 0, SNIFF_GZ_BYTES, 0);
        const sniffed = sniffTraceHead(buf.subarray(0, n), u.fsPath);
        if (!sniffed) continue;
        const st = fs.fstatSync(fd);
        out.push({ path: u.fsPath, rel: toPosix(vscode.workspace.asRelativePath(u, true)), size: st.size, mtime: st.mtimeMs, format: sniffed.format, ...(sniffed.gzip ? { gzip: true } : {}) });
      } catch (e) {
        log.debug(`skip ${u.fsPath}: ${(e as Error).message}`);
      } finally {
        if (fd !== undefined) fs.closeSync(fd);
      }
    }
    for (const url of vscode.workspace.getConfiguration('traceDoctor').get<string[]>('sources.urls', [])) {
      if (typeof url === 'string' && /^((jaeger|tempo|zipkin)\+)?https?:\/\//i.test(url)) out.push({ path: url, rel: url, format: 'url' });
    }
    return out;
  }

  const BROWSE = '\u0000browse';
  const EXAMPLE = '\u0000example';

  type RunItem = vscode.QuickPickItem & { value: string | null };
  /**
   * The two run picks of Diagnose Trace / Compare Traces are ONE quick input shown twice (steps 1/2 and 2/2): between
   * the steps it never closes, so the keyboard stays in it. With two separate showQuickPick calls, closing the first
   * handed the focus back to the active editor — the flame panel's webview after a first diagnosis — which took it
   * back after the second pick had opened: what the user typed to filter the baseline went nowhere.
   */
  async function withRunPicker<T>(fn: (qp: vscode.QuickPick<RunItem>) => Promise<T>): Promise<T> {
    const qp = vscode.window.createQuickPick<RunItem>();
    try {
      return await fn(qp);
    } finally {
      qp.dispose();
    }
  }

  async function pickRun(qp: vscode.QuickPick<RunItem>, files: TraceFileInfo[], role: 'incident' | 'baseline', step: number, exclude?: string, allowNone = true): Promise<string | null | undefined> {
    let items: PickItem[] = buildRunPickItems(files, role, exclude);
    if (!allowNone) items = items.filter((i) => i.value !== null);
    const qItems: RunItem[] = [
      ...items.map((i) => ({ label: i.label, description: i.description, detail: i.detail, value: i.value })),
      { label: '$(folder-opened) Browse…', description: 'a file outside the list', value: BROWSE },
      // nothing to pick from: a new user's first try — offer the example the walkthrough offers
      ...(files.length === 0 && step === 1 ? [{ label: '$(beaker) Open Example Workspace…', description: 'no traces yet? the example shipped with Trace Doctor', value: EXAMPLE }] : []),
    ];
    qp.title = role === 'incident' ? 'Trace Doctor: the incident run (slow / spiked)' : 'Trace Doctor: the baseline run (normal)';
    qp.placeholder = files.length ? `Pick the ${role} trace file` : `No trace files found in the workspace — browse for one${step === 1 ? ', or open the example' : ''}`;
    qp.step = step;
    qp.totalSteps = 2;
    qp.matchOnDescription = true;
    qp.matchOnDetail = true;
    qp.ignoreFocusOut = true;
    qp.value = '';
    qp.items = qItems;
    qp.activeItems = qItems.slice(0, 1);
    const picked = await new Promise<RunItem | undefined>((resolve) => {
      const subs: vscode.Disposable[] = [];
      const done = (v: RunItem | undefined) => {
        subs.forEach((d) => d.dispose());
        resolve(v);
      };
      subs.push(
        qp.onDidAccept(() => {
          const sel = qp.selectedItems[0] ?? qp.activeItems[0];
          if (sel) done(sel);
        }),
        qp.onDidHide(() => done(undefined)),
      );
      qp.show();
    });
    if (!picked) return undefined;
    if (picked.value === EXAMPLE) {
      qp.hide();
      void openExample();
      return undefined;
    }
    if (picked.value === BROWSE) {
      qp.hide();
      const uris = await vscode.window.showOpenDialog({ canSelectMany: false, openLabel: `Use as ${role}`, filters: TRACE_FILTERS });
      return uris?.[0]?.fsPath;
    }
    return picked.value;
  }

  async function openTraceFile(arg?: unknown, all?: unknown): Promise<CommandResult | undefined> {
    let paths = argPaths(Array.isArray(all) && all.length > 1 ? all : arg);
    if (!paths) {
      // start in the workspace's trace folder (where most trace files are), not the active editor's folder
      const files = await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: 'Trace Doctor: finding trace files' }, () => findTraceFiles());
      const dir = traceFolder(files) ?? vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
      const uris = await vscode.window.showOpenDialog({ canSelectMany: true, openLabel: 'Open Trace', title: 'Trace Doctor: Open Trace File', filters: TRACE_FILTERS, ...(dir ? { defaultUri: vscode.Uri.file(dir) } : {}) });
      if (!uris?.length) return undefined;
      paths = uris.map((u) => u.fsPath);
    }
    const snap = await runLoad({ kind: 'single', incident: paths }, `loading ${label(paths)}`, { openFlame: true });
    if (!snap?.incident) return undefined;
    logStats(snap);
    openFlame();
    const msg = statsMessage(label(paths), snap.incident.stats);
    void vscode.window.showInformationMessage(msg, 'Show Stats', 'Diagnose').then((b) => {
      if (b === 'Show Stats') log.show(true);
      else if (b === 'Diagnose') void vscode.commands.executeCommand(COMMANDS.diagnose, paths);
    });
    return result(snap);
  }

  async function diagnose(incidentArg?: unknown, baselineArg?: unknown, opts?: { quiet?: boolean }): Promise<CommandResult | undefined> {
    let incident = argPaths(incidentArg);
    let baseline = argPaths(baselineArg);
    // Explorer context menu: (clicked uri, all selected uris) — the selection includes the clicked file.
    if (incident && baseline && Array.isArray(baselineArg) && baseline.includes(incident[0]!)) {
      const others = baseline.filter((p) => p !== incident![0]);
      baseline = others.length === 1 ? others : undefined;
    }
    if (!incident) {
      const files = await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: 'Trace Doctor: finding trace files' }, () => findTraceFiles());
      const picked = await withRunPicker(async (qp) => {
        const inc = await pickRun(qp, files, 'incident', 1);
        if (!inc) return undefined;
        const base = await pickRun(qp, files, 'baseline', 2, inc);
        return base === undefined ? undefined : { inc, base };
      });
      if (!picked) return undefined;
      incident = [picked.inc];
      baseline = picked.base === null ? undefined : [picked.base];
    }
    const title = baseline ? `diagnosing ${label(incident)} against ${label(baseline)}` : `diagnosing ${label(incident)}`;
    const snap = await runLoad({ kind: 'diagnose', incident, baseline }, title, { openFlame: true });
    if (!snap) return undefined;
    // The notification is not awaited, so callers with arguments (Explorer menu, tests) get their result at once.
    await afterDiagnosis(snap, !!opts?.quiet);
    return result(snap);
  }

  /**
   * Diagnose Trace from a tracing backend (Jaeger / Tempo / Zipkin query URL, or an OTLP file URL): pick or paste the
   * URL, then the windows ("last 15 min vs the hour before"). Arguments (url, {incident, baseline?}) skip the UI.
   */
  async function diagnoseFromBackend(urlArg?: unknown, windowsArg?: unknown): Promise<CommandResult | undefined> {
    let url = typeof urlArg === 'string' ? urlArg : undefined;
    if (!url) {
      const configured = vscode.workspace.getConfiguration('traceDoctor').get<string[]>('sources.urls', []).filter((u) => typeof u === 'string' && u);
      const ENTER = '\u0000enter';
      const items = [
        ...configured.map((u) => ({ label: u, description: 'traceDoctor.sources.urls', value: u })),
        { label: '$(link) Enter a URL…', description: 'Jaeger, Tempo or Zipkin query API, or a trace file URL', value: ENTER },
      ];
      const picked = items.length === 1 ? items[0] : await vscode.window.showQuickPick(items, { title: 'Trace Doctor: tracing backend', ignoreFocusOut: true });
      if (!picked) return undefined;
      url = picked.value;
      if (url === ENTER) {
        url = await vscode.window.showInputBox({
          title: 'Trace Doctor: tracing backend URL',
          prompt: 'e.g. http://jaeger:16686/api/traces?service=checkout, a Jaeger UI search or trace page URL, jaeger+http://jaeger:16686?service=checkout, tempo+http://tempo:3200?q={...}, zipkin+http://zipkin:9411?service=checkout',
          ignoreFocusOut: true,
          validateInput: (v) => (/^((jaeger|tempo|zipkin)\+)?https?:\/\/\S+$/i.test(v.trim()) ? undefined : 'an http(s) URL'),
        });
        if (!url) return undefined;
        url = url.trim();
      }
    }
    let choice: WindowChoice | undefined;
    if (windowsArg && typeof windowsArg === 'object' && typeof (windowsArg as WindowChoice).incident === 'string') {
      const w = windowsArg as Partial<WindowChoice> & { incident: string };
      choice = parseWindowChoice(w.baseline ? `${w.incident} vs ${w.baseline}` : w.incident) ?? undefined;
      if (!choice) throw new Error(`invalid windows ${JSON.stringify(windowsArg)}: use durations like {incident: "15m", baseline: "1h"}`);
    } else {
      const CUSTOM = 'Custom…';
      const picked = await vscode.window.showQuickPick(
        [...WINDOW_CHOICES.map((w) => ({ label: w.label, description: w.description, w })), { label: CUSTOM, description: 'e.g. 30m vs 2h', w: undefined }],
        { title: 'Trace Doctor: incident vs baseline windows', ignoreFocusOut: true },
      );
      if (!picked) return undefined;
      choice = picked.w;
      if (!choice) {
        const text = await vscode.window.showInputBox({
          title: 'Trace Doctor: windows',
          prompt: '"<incident> vs <baseline>" as durations ending now, e.g. "15m vs 1h"; one duration alone splits it automatically',
          ignoreFocusOut: true,
          validateInput: (v) => (parseWindowChoice(v) ? undefined : 'e.g. 15m vs 1h, or 30m'),
        });
        choice = text ? (parseWindowChoice(text) ?? undefined) : undefined;
        if (!choice) return undefined;
      }
    }
    const windows = { incident: choice.incident, ...(choice.baseline ? { baseline: choice.baseline } : {}) };
    const snap = await runLoad(
      { kind: 'diagnose', incident: [url], ...(choice.baseline ? { baseline: [url] } : {}), windows },
      `fetching traces (${choice.label.toLowerCase()})`,
    );
    if (!snap) return undefined;
    await afterDiagnosis(snap, false);
    return result(snap);
  }

  async function compare(a?: unknown, b?: unknown): Promise<CommandResult | undefined> {
    // Explorer: (clicked uri, all selected uris)
    if (Array.isArray(b) && b.length === 2 && !Array.isArray(a)) {
      const two = argPaths(b)!;
      const [x, y] = two;
      const baseFirst = roleHint(x!) === 'baseline' || roleHint(y!) === 'incident' || (roleHint(x!) === null && roleHint(y!) === null && fs.statSync(x!).mtimeMs <= fs.statSync(y!).mtimeMs);
      return diagnose(baseFirst ? [y] : [x], baseFirst ? [x] : [y]);
    }
    let baseline = argPaths(a);
    let incident = argPaths(b);
    if (!baseline || !incident) {
      const files = await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: 'Trace Doctor: finding trace files' }, () => findTraceFiles());
      const picked = await withRunPicker(async (qp) => {
        const base = baseline?.[0] ?? (await pickRun(qp, files, 'baseline', 1, undefined, false));
        if (!base) return undefined;
        const inc = incident?.[0] ?? (await pickRun(qp, files, 'incident', 2, base, false));
        return inc ? { base, inc } : undefined;
      });
      if (!picked) return undefined;
      baseline = [picked.base];
      incident = [picked.inc];
    }
    return diagnose(incident, baseline);
  }

  /**
   * Open Example Workspace…: copy the shipped example (dist/example) into a new folder where the user says, then open it
   * (in this window when no folder is open; else the user picks Open, Open in New Window or Add to Workspace).
   * Arguments `(parentFolder, { open: false })` skip the dialog and the opening (tests); returns the new folder.
   */
  async function openExample(parentArg?: unknown, opts?: { open?: boolean }): Promise<string | undefined> {
    log.info(`Open Example Workspace: ${parentArg === undefined ? 'asking where' : `in ${String(parentArg)}`}`);
    let parent = argPaths(parentArg)?.[0];
    if (!parent) {
      const home = os.homedir();
      const uris = await vscode.window.showOpenDialog({
        canSelectFiles: false, canSelectFolders: true, canSelectMany: false, openLabel: 'Create Example Here',
        title: `Trace Doctor: where to create the example workspace (a new folder "${EXAMPLE_FOLDER}" is made inside)`,
        ...(home ? { defaultUri: vscode.Uri.file(home) } : {}),
      });
      parent = uris?.[0]?.fsPath;
      if (!parent) return undefined;
    }
    let dest: string;
    try {
      dest = await createExample(c.ctx.asAbsolutePath(path.join('dist', 'example')), parent);
    } catch (e) {
      const err = e instanceof Error ? e : new Error(String(e));
      c.onError?.(err);
      log.error(`Open Example Workspace: ${err.message}`);
      void vscode.window.showErrorMessage(`Trace Doctor: ${err.message}`);
      return undefined;
    }
    log.info(`example workspace created: ${dest}`);
    if (opts?.open === false) return dest;
    const uri = vscode.Uri.file(dest);
    const open = vscode.workspace.workspaceFolders?.length
      // a workspace is open: ask, as VS Code does after cloning a repository (nothing is closed without the user's word)
      ? await vscode.window.showInformationMessage(`Trace Doctor: the example workspace is ready in ${dest}.`, 'Open', 'Open in New Window', 'Add to Workspace')
      : 'Open';
    if (open === 'Open' || open === 'Open in New Window') await vscode.commands.executeCommand('vscode.openFolder', uri, { forceNewWindow: open === 'Open in New Window' });
    else if (open === 'Add to Workspace') vscode.workspace.updateWorkspaceFolders(vscode.workspace.workspaceFolders?.length ?? 0, 0, { uri });
    return dest;
  }

  const reg = (id: string, fn: (...args: any[]) => unknown) => vscode.commands.registerCommand(id, fn);
  return [
    reg(COMMANDS.openExample, openExample),
    reg(COMMANDS.openTraceFile, openTraceFile),
    reg(COMMANDS.openTraceFolder, async (arg?: unknown) => {
      if (argPaths(arg)) return openTraceFile(arg);
      const uris = await vscode.window.showOpenDialog({ canSelectFiles: false, canSelectFolders: true, canSelectMany: false, openLabel: 'Open Traces', title: 'Trace Doctor: a folder of trace files (every trace file under it is one run)' });
      return uris?.[0] ? openTraceFile(uris[0]) : undefined;
    }),
    reg(COMMANDS.diagnose, diagnose),
    reg(COMMANDS.compareTraces, compare),
    reg(COMMANDS.diagnoseFromBackend, diagnoseFromBackend),
    reg(COMMANDS.closeTraces, async () => {
      session.close();
      await c.ctx.workspaceState.update(LAST_REQUEST_KEY, undefined);
      FlamePanel.current?.dispose();
      return result(session.snapshot);
    }),
    reg(COMMANDS.reload, async () => {
      const req = session.lastRequest;
      if (!req) {
        void vscode.window.showInformationMessage('Trace Doctor: no traces are loaded.');
        return undefined;
      }
      const snap = await runLoad(req, 'reloading traces');
      return snap && result(snap);
    }),
    reg(COMMANDS.showFlameGraph, () => void openFlame()),
    reg(COMMANDS.showInFlameGraph, (service?: unknown, name?: unknown) => {
      const p = openFlame();
      if (typeof service === 'string' && typeof name === 'string') p.view.focus(service, name);
      else if (service && typeof service === 'object' && 'op' in service) {
        const op = (service as { op?: { service: string; name: string } }).op;
        if (op) p.view.focus(op.service, op.name);
      }
    }),
    reg(COMMANDS.goToSource, (service?: unknown, name?: unknown) => {
      const op = service && typeof service === 'object' && 'op' in service ? (service as { op?: { service: string; name: string } }).op : undefined;
      const s = op?.service ?? service;
      const n = op?.name ?? name;
      if (typeof s === 'string' && typeof n === 'string') return revealOperationSource(session.snapshot, s, n);
      // no operation given (the walkthrough's button, a keybinding): the root cause's line
      const rc = session.snapshot.diagnosis?.rootCause;
      if (rc) return revealOperationSource(session.snapshot, rc.service, rc.name);
      void vscode.window.showInformationMessage(session.snapshot.diagnosis === undefined
        ? 'Trace Doctor: nothing is diagnosed yet — run "Trace Doctor: Diagnose Trace" first.'
        : 'Trace Doctor: the diagnosis names no root cause, so there is no line to go to.');
      return false;
    }),
    reg(COMMANDS.askInChat, (service?: unknown, name?: unknown) => {
      const op = service && typeof service === 'object' && 'op' in service ? (service as { op?: { service: string; name: string } }).op : undefined;
      const s = op?.service ?? service;
      const n = op?.name ?? name;
      if (typeof s === 'string' && typeof n === 'string') return askInChat(s, n);
      // from a keybinding with nothing loaded (the palette hides it then): say what to do instead of nothing
      if (session.snapshot.mode === 'none') {
        void vscode.window.showInformationMessage('Trace Doctor: nothing is loaded to ask about yet. Diagnose a trace first; then ask about an operation from its hover, the Runs view or the flame graph.', 'Diagnose Trace').then((b) => b && vscode.commands.executeCommand(COMMANDS.diagnose));
        return undefined;
      }
      return vscode.commands.executeCommand('traceDoctor.chat.focus');
    }),
    reg(COMMANDS.showReport, async () => {
      const snap = session.snapshot;
      if (snap.mode !== 'diff') {
        void vscode.window.showInformationMessage('Trace Doctor: no diagnosis yet — run "Trace Doctor: Diagnose Trace".');
        return;
      }
      const md = diagnosisMarkdown(snap.diagnosis, {
        baseline: snap.baseline ? label(snap.baseline.paths) : `${label(snap.incident?.paths ?? [])} (automatic split)`,
        incident: label(snap.incident?.paths ?? []),
      });
      // A real file (not an untitled document): no "save changes?" prompt, and the preview can watch it.
      const dir = c.ctx.globalStorageUri;
      await vscode.workspace.fs.createDirectory(dir);
      const uri = vscode.Uri.joinPath(dir, 'diagnosis-report.md');
      await vscode.workspace.fs.writeFile(uri, Buffer.from(md, 'utf8'));
      await vscode.commands.executeCommand('markdown.showPreview', uri).then(undefined, () => vscode.window.showTextDocument(uri));
      return uri;
    }),
    reg(COMMANDS.startReceiver, async () => {
      try {
        const r = await c.receiver.start();
        const g = c.receiver.grpc;
        void vscode.window
          .showInformationMessage(`Trace Doctor: receiving OTLP/HTTP traces on ${r.endpoint}${g ? ` and OTLP/gRPC on ${g.url}` : ''}`, 'Copy Endpoint', ...(g ? ['Copy gRPC Endpoint'] : []))
          .then((b) => {
            if (b) void vscode.env.clipboard.writeText(b === 'Copy gRPC Endpoint' && g ? g.url : r.endpoint);
          });
        return { endpoint: r.endpoint, url: r.url, ...(g ? { grpcUrl: g.url } : {}) };
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'EADDRINUSE') {
          // the fix is a setting: offer it
          c.onError?.(e as Error);
          log.error(`starting the receiver: ${(e as Error).message}`);
          void vscode.window.showErrorMessage(`Trace Doctor: ${(e as Error).message}`, 'Open Settings').then((b) => b && vscode.commands.executeCommand('workbench.action.openSettings', 'traceDoctor.receiver.port'));
          return undefined;
        }
        reportError(e, 'starting the receiver');
        return undefined;
      }
    }),
    reg(COMMANDS.showReceived, async () => {
      if (!c.receiver.running) {
        void vscode.window.showInformationMessage('Trace Doctor: the receiver is not running — "Trace Doctor: Start Receiver" first.');
        return undefined;
      }
      const snap = await runLoad({ kind: 'live', incident: ['live'] }, 'loading received spans');
      if (snap) openFlame();
      return snap && result(snap);
    }),
    reg(COMMANDS.stopReceiver, async () => {
      const n = c.receiver.spanCount;
      await c.receiver.stop();
      return { spans: n };
    }),
    reg(COMMANDS.showLog, () => log.show()),
    reg(COMMANDS.setSourceToken, async () => {
      const v = await vscode.window.showInputBox({
        title: 'Trace Doctor: token for trace sources',
        prompt: 'Sent as "Authorization: Bearer <token>" (or as given when it contains a space) to the configured Jaeger / Tempo / Zipkin URLs. Empty clears it. Kept in VS Code SecretStorage.',
        password: true,
        ignoreFocusOut: true,
      });
      if (v === undefined) return;
      if (v) await c.ctx.secrets.store(SOURCE_TOKEN_KEY, v);
      else await c.ctx.secrets.delete(SOURCE_TOKEN_KEY);
      void vscode.window.showInformationMessage(v ? 'Trace Doctor: token saved.' : 'Trace Doctor: token cleared.');
    }),
  ];
}

/**
 * Open-dialog filters: trace files only. (No "All files" entry: VS Code's own file dialog — code-server, remote —
 * shows the union of all filters, so '*' would list every .py file again.)
 */
export const TRACE_FILTERS: Record<string, string[]> = {
  'Trace files (OTLP, Jaeger, Zipkin, Tempo)': ['json', 'jsonl', 'ndjson', 'gz', 'pb', 'binpb', 'protobuf', 'otlp'],
};
