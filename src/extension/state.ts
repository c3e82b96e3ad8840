import * as fs from 'node:fs';
import * as vscode from 'vscode';
import type { AggTree } from '../core/aggregate/types';
import type { DiffTree } from '../core/diff/types';
import type { SpanTable } from '../core/model/span-table';
import type { Diagnosis } from '../core/rca/diagnosis';
import { incidentAndBaseline, lastWindow, type TimeWindow } from '../sources/query/time';
import type { EngineApi, LoadedRunLike, RunStats, SourceResolver } from './engine-api';
import { attachSourceLinks, buildLineIndex, summarizeAgg, summarizeDiff, type OpSummary } from './ops-model';
import { shiftLines, type LineEdit } from './line-shift';
import { baseName, resolveSourcePath, toPosix, type PathEnv } from './paths-model';
import { TRACE_FILE_EXCLUDE } from './quickpick-model';
import type { RunDescriptor } from './tree-model';

export type SessionMode = 'none' | 'single' | 'diff';

export interface LoadedSide {
  role: 'baseline' | 'incident' | 'run';
  /** what the user asked for (files, directories or URLs) */
  paths: string[];
  run: LoadedRunLike;
  stats: RunStats;
  agg: AggTree;
}

/** Everything the surfaces show; replaced as a whole on every change (never mutated after publication). */
export interface TraceSnapshot {
  version: number;
  mode: SessionMode;
  /** 'single': only `incident` (role 'run'). 'diff': incident + baseline, or incident alone when autoSplit. */
  baseline?: LoadedSide;
  incident?: LoadedSide;
  autoSplit: boolean;
  /** autoSplit: the engine's split of the run (normal / slow traces), for the exemplar traces */
  splitMasks?: { baseline: Uint8Array; incident: Uint8Array };
  /** the engine worker keeps this snapshot's models under this run id and answers the exemplar requests there */
  workerRun?: number;
  diff?: DiffTree;
  diagnosis?: Diagnosis | null;
  /** baseline/incident aggregated trees of the diff (auto-split halves included) */
  ops: OpSummary[];
  /** absolute fs path → 0-based line → operations opened there */
  lineIndex: Map<string, Map<number, OpSummary[]>>;
}

export interface LoadRequest {
  /** 'live': the receiver's live window (incident = ['live']), diagnosed with an automatic split when possible */
  kind: 'single' | 'diagnose' | 'live';
  incident: string[];
  baseline?: string[];
  /**
   * Time windows for tracing-backend URLs, as durations ending now: the incident is the last `incident`, the
   * baseline the `baseline` before it (recomputed on every reload, so a reload fetches the latest window).
   */
  windows?: { incident: string; baseline?: string };
}

export interface ProgressSink {
  report(value: { message?: string; increment?: number }): void;
}

const EMPTY: TraceSnapshot = { version: 0, mode: 'none', autoSplit: false, ops: [], lineIndex: new Map() };

/** Thrown when a newer load replaced this one, or the user cancelled. */
export class LoadCancelled extends Error {
  constructor() {
    super('Loading cancelled');
  }
}

/**
 * The one state object of the extension: the loaded runs, the engine's trees and diagnosis, and the source-line
 * index read by hovers, CodeLens, decorations, the runs tree, the status bar and the flame panel.
 */
export class TraceSession implements vscode.Disposable {
  private snap: TraceSnapshot = EMPTY;
  private request: LoadRequest | undefined;
  private generation = 0;
  private _loading = 0;
  private readonly _onDidChange = new vscode.EventEmitter<TraceSnapshot>();
  private readonly _onDidChangeLoading = new vscode.EventEmitter<boolean>();
  /** fires with the new snapshot after every load, reload and close */
  readonly onDidChange = this._onDidChange.event;
  private readonly _onDidMoveLines = new vscode.EventEmitter<string>();
  /** fires with a file's path when edits moved its span-opening lines (the line index changed in place) */
  readonly onDidMoveLines = this._onDidMoveLines.event;
  /** per file: its lines as in the file on disk (as loaded, or as last saved) while its editor has unsaved edits */
  private readonly savedLines = new Map<string, Map<number, OpSummary[]>>();
  readonly onDidChangeLoading = this._onDidChangeLoading.event;

  /** set by the receiver controller while it runs */
  liveSource: (() => LoadedRunLike) | undefined;

  constructor(
    private readonly engine: EngineApi,
    private readonly log: vscode.LogOutputChannel,
  ) {}

  get snapshot(): TraceSnapshot {
    return this.snap;
  }
  get loading(): boolean {
    return this._loading > 0;
  }
  get lastRequest(): LoadRequest | undefined {
    return this.request;
  }
  /** every file (or directory) the loaded runs came from */
  get loadedPaths(): string[] {
    const s = this.snap;
    return [...(s.baseline?.run.files ?? []), ...(s.incident?.run.files ?? [])];
  }

  /** Load runs as requested, compute trees + diagnosis + source links, then publish. */
  async load(req: LoadRequest, token?: vscode.CancellationToken, progress?: ProgressSink): Promise<TraceSnapshot> {
    const gen = ++this.generation;
    const abort = new AbortController();
    const sub = token?.onCancellationRequested(() => abort.abort());
    this.setLoading(+1);
    try {
      const check = () => {
        if (abort.signal.aborted || gen !== this.generation) throw new LoadCancelled();
      };
      // The side's AggTree comes from aggregate() for a single run, from analyze() in diff mode (no double work).
      const windows = req.windows ? timeWindows(req.windows) : undefined;
      const loadSide = async (role: LoadedSide['role'], paths: string[], share: number): Promise<Omit<LoadedSide, 'agg'>> => {
        progress?.report({ message: `reading ${role === 'run' ? 'traces' : role} (${paths.map(baseName).join(', ')})` });
        let last = 0;
        const live = req.kind === 'live' ? this.liveSource : undefined;
        if (req.kind === 'live' && !live) throw new Error('The receiver is not running.');
        const window = role === 'baseline' ? windows?.baseline : windows?.incident;
        const run = live ? live() : await this.engine.load(paths, {
          signal: abort.signal,
          ...(window ? { window } : {}),
          onProgress: (p) => {
            if (p.fraction !== undefined && p.fraction > last) {
              progress?.report({ increment: (p.fraction - last) * share, message: p.message });
              last = p.fraction;
            }
          },
        });
        if (last < 1) progress?.report({ increment: (1 - last) * share });
        check();
        const stats = this.engine.stats(run);
        for (const issue of run.issues.slice(0, 20)) this.log.warn(`${role}: ${describeIssue(issue)}`);
        if (run.skipped > 0) this.log.warn(`${role}: ${run.skipped} lines/spans skipped while reading ${paths.join(', ')}`);
        return { role, paths, run, stats };
      };

      let next: TraceSnapshot | undefined;
      let resolver: SourceResolver | undefined;
      if (req.kind !== 'live' && this.engine.run) {
        // loading, the workspace scan and the analysis run in the engine worker: the extension host stays responsive
        const run = await this.engine.run(
          { kind: req.kind, incident: req.incident, ...(req.baseline ? { baseline: req.baseline } : {}), ...(windows ? { windows } : {}), folders: this.folders() },
          { signal: abort.signal, onProgress: workerProgress(progress, req.kind === 'diagnose' && !!req.baseline) },
        );
        check();
        const side = (role: LoadedSide['role'], paths: string[], w: { run: LoadedRunLike; stats: RunStats }, agg: AggTree): LoadedSide => {
          for (const issue of w.run.issues.slice(0, 20)) this.log.warn(`${role}: ${describeIssue(issue)}`);
          if (w.run.skipped > 0) this.log.warn(`${role}: ${w.run.skipped} lines/spans skipped while reading ${paths.join(', ')}`);
          return { role, paths, run: w.run, stats: w.stats, agg };
        };
        resolver = run.resolver;
        this.log.info(`engine worker: ${Object.entries(run.timings).map(([k, v]) => `${k} ${v} ms`).join(', ')}`);
        const held = run.workerRun !== undefined ? { workerRun: run.workerRun } : {};
        if (req.kind === 'single') {
          const incident = side('run', req.incident, run.incident, run.incidentAgg);
          next = { version: 0, mode: 'single', incident, autoSplit: false, ops: summarizeAgg(incident.agg), lineIndex: new Map(), ...held };
        } else {
          if (!run.diff || !run.diagnosis) throw new Error('the engine worker returned no diagnosis');
          const baseline = req.baseline && run.baseline && run.baselineAgg ? side('baseline', req.baseline, run.baseline, run.baselineAgg) : undefined;
          next = {
            version: 0,
            mode: 'diff',
            ...(baseline ? { baseline } : {}),
            incident: side('incident', req.incident, run.incident, run.incidentAgg),
            autoSplit: !baseline,
            ...(!baseline && run.splitMasks ? { splitMasks: run.splitMasks } : {}),
            ...held,
            diff: run.diff,
            diagnosis: run.diagnosis,
            ops: summarizeDiff(run.diff, run.diagnosis),
            lineIndex: new Map(),
          };
        }
      } else if (req.kind === 'live') {
        const incident = await loadSide('incident', req.incident, 50);
        resolver = await this.resolver([incident.run.model], abort.signal);
        try {
          const r = this.engine.diagnoseSingle(incident.run.model, resolver);
          next = { version: 0, mode: 'diff', incident: { ...incident, agg: r.incidentAgg }, autoSplit: true, ...(r.splitMasks ? { splitMasks: r.splitMasks } : {}), diff: r.diff, diagnosis: r.diagnosis, ops: summarizeDiff(r.diff, r.diagnosis), lineIndex: new Map() };
        } catch (e) {
          // too few traces to split yet: show the live run on its own
          this.log.info(`live: no split yet (${(e as Error).message})`);
          const single: LoadedSide = { ...incident, role: 'run', agg: this.engine.aggregate(incident.run.model) };
          next = { version: 0, mode: 'single', incident: single, autoSplit: false, ops: summarizeAgg(single.agg), lineIndex: new Map() };
        }
      } else if (req.kind === 'single') {
        const side = await loadSide('run', req.incident, 80);
        const incident: LoadedSide = { ...side, agg: this.engine.aggregate(side.run.model) };
        progress?.report({ message: 'finding span-opening lines in the workspace' });
        resolver = await this.resolver([incident.run.model], abort.signal);
        const ops = summarizeAgg(incident.agg);
        next = { version: 0, mode: 'single', incident, autoSplit: false, ops, lineIndex: new Map() };
      } else {
        const share = req.baseline ? 40 : 70;
        const baseline = req.baseline ? await loadSide('baseline', req.baseline, share) : undefined;
        const incident = await loadSide('incident', req.incident, share);
        progress?.report({ message: 'finding span-opening lines in the workspace' });
        resolver = await this.resolver(baseline ? [baseline.run.model, incident.run.model] : [incident.run.model], abort.signal);
        check();
        progress?.report({ message: 'diagnosing' });
        // analyze() is synchronous (about 3.6 s for 1M + 1M spans): let the progress message reach the UI first
        await new Promise((r) => setTimeout(r, 0));
        check();
        const r = baseline ? this.engine.compare(baseline.run.model, incident.run.model, resolver) : this.engine.diagnoseSingle(incident.run.model, resolver);
        check();
        const ops = summarizeDiff(r.diff, r.diagnosis);
        next = {
          version: 0,
          mode: 'diff',
          baseline: baseline && { ...baseline, agg: r.baselineAgg },
          incident: { ...incident, agg: r.incidentAgg },
          autoSplit: !baseline,
          ...(r.splitMasks ? { splitMasks: r.splitMasks } : {}),
          diff: r.diff,
          diagnosis: r.diagnosis,
          ops,
          lineIndex: new Map(),
        };
      }
      progress?.report({ message: 'linking spans to source' });
      await this.linkSources(next!, resolver);
      check();
      this.request = req;
      this.publish(next!);
      return this.snap;
    } catch (e) {
      if (abort.signal.aborted || gen !== this.generation) throw new LoadCancelled();
      throw e;
    } finally {
      sub?.dispose();
      this.setLoading(-1);
    }
  }

  /** Load the last request again (files changed on disk, or the user asked). No-op when nothing is loaded. */
  async reload(token?: vscode.CancellationToken, progress?: ProgressSink): Promise<TraceSnapshot | undefined> {
    if (!this.request) return undefined;
    return this.load(this.request, token, progress);
  }

  /** Recompute the line index (workspace folders changed, files created). */
  async relink(): Promise<void> {
    if (this.snap.mode === 'none') return;
    const next = { ...this.snap, ops: this.snap.ops.map((o) => ({ ...o })) };
    const models = [next.baseline?.run.model, next.incident?.run.model].filter((m) => !!m);
    await this.linkSources(next, await this.resolver(models));
    this.publish(next);
  }

  close(): void {
    this.generation++;
    this.request = undefined;
    this.publish({ ...EMPTY });
  }

  /** The runs as the tree model and status bar describe them. */
  runDescriptors(): RunDescriptor[] {
    const out: RunDescriptor[] = [];
    for (const side of [this.snap.baseline, this.snap.incident]) {
      if (!side) continue;
      out.push({
        role: side.role,
        files: side.paths,
        spans: side.stats.spans,
        traces: side.stats.traces,
        services: side.stats.services,
        skipped: side.stats.skipped,
      });
    }
    return out;
  }

  private folders(): string[] {
    return (vscode.workspace.workspaceFolders ?? []).filter((f) => f.uri.scheme === 'file').map((f) => toPosix(f.uri.fsPath));
  }

  /** Source links for operations: code.* span attributes first, then span-opening calls found in the workspace. */
  private async resolver(models: SpanTable[], signal?: AbortSignal): Promise<SourceResolver | undefined> {
    try {
      return await this.engine.sourceResolver(this.folders(), models, signal);
    } catch (e) {
      if (signal?.aborted) throw e;
      this.log.warn(`source links: ${(e as Error).message}`);
      return undefined;
    }
  }

  private async linkSources(next: TraceSnapshot, resolver: SourceResolver | undefined): Promise<void> {
    const folders = this.folders();
    if (resolver) attachSourceLinks(next.ops, resolver);
    // symlinks resolved: a link is only used when it stays inside a workspace folder
    const env: PathEnv = { folders, exists: (p) => isFile(p), realpath: (p) => realpathOrUndefined(p) };
    const direct = (f: string) => resolveSourcePath(f, env);
    // Paths that don't resolve directly (e.g. /app/x.py from a container) are matched by suffix against the workspace.
    if (next.ops.some((o) => o.source && !direct(o.source.file)) && folders.length > 0) {
      const uris = await vscode.workspace.findFiles('**/*', TRACE_FILE_EXCLUDE, 50_000);
      env.files = uris.flatMap((u) => {
        const p = toPosix(u.fsPath);
        const folder = folders.find((f) => p.startsWith(f + '/'));
        return folder ? [{ folder, rel: p.slice(folder.length + 1) }] : [];
      });
    }
    next.lineIndex = buildLineIndex(next.ops, (f) => resolveSourcePath(f, env));
  }

  /**
   * An editor's edits moved lines of `path` (0-based, VS Code's coordinates): its entries of the line index follow
   * them, so the CodeLens, hover and gutter stay on the span-opening calls until the next load re-scans the file.
   */
  moveLines(path: string, edits: readonly LineEdit[]): boolean {
    const lines = this.snap.lineIndex.get(path);
    if (!lines) return false;
    const moved = shiftLines(lines, edits);
    if (!moved) return false;
    if (!this.savedLines.has(path)) this.savedLines.set(path, lines);
    this.snap.lineIndex.set(path, moved);
    this._onDidMoveLines.fire(path);
    return true;
  }

  /** The file's editor is back to the file on disk (undone to the saved state, reverted): its lines as on disk. */
  restoreLines(path: string): void {
    const saved = this.savedLines.get(path);
    if (!saved) return;
    this.savedLines.delete(path);
    this.snap.lineIndex.set(path, saved);
    this._onDidMoveLines.fire(path);
  }

  /** Saved: the moved lines are now the file's. */
  keepLines(path: string): void {
    this.savedLines.delete(path);
  }

  private publish(next: TraceSnapshot): void {
    this.savedLines.clear();
    // the engine worker's kept models serve only a snapshot that names them (close, the live view: drop them)
    if (next.workerRun === undefined) this.engine.releaseRuns?.();
    this.snap = { ...next, version: this.snap.version + 1 };
    this._onDidChange.fire(this.snap);
  }

  private setLoading(d: number): void {
    const was = this.loading;
    this._loading += d;
    if (was !== this.loading) this._onDidChangeLoading.fire(this.loading);
  }

  dispose(): void {
    this._onDidChange.dispose();
    this._onDidChangeLoading.dispose();
    this._onDidMoveLines.dispose();
  }
}

/**
 * The worker's progress as the notification shows it: reading each run takes its share of the bar (40 + 40 with a
 * baseline, 70 without), the phases after it only change the message.
 */
function workerProgress(progress: ProgressSink | undefined, twoRuns: boolean): (p: { side?: 'baseline' | 'incident'; fraction?: number; message?: string }) => void {
  const share = twoRuns ? 40 : 70;
  const last: Record<string, number> = { baseline: 0, incident: 0 };
  return (p) => {
    if (!progress) return;
    if (p.side && p.fraction !== undefined && p.fraction > last[p.side]!) {
      progress.report({ increment: (p.fraction - last[p.side]!) * share, message: `reading ${p.side}: ${p.message ?? ''}`.trim() });
      last[p.side] = p.fraction;
    } else if (p.message) progress.report({ message: p.side ? `reading ${p.side}: ${p.message}` : p.message });
  };
}

/** Unix-ms windows ending now for a request's durations (G's incidentAndBaseline / lastWindow). */
function timeWindows(w: { incident: string; baseline?: string }): { incident: TimeWindow; baseline?: TimeWindow } {
  return w.baseline ? incidentAndBaseline(w.incident, w.baseline) : { incident: lastWindow(w.incident) };
}

function isFile(p: string): boolean {
  try {
    return fs.statSync(p).isFile();
  } catch {
    return false;
  }
}

export function describeIssue(issue: unknown): string {
  if (issue && typeof issue === 'object') {
    const o = issue as { message?: string; file?: string; line?: number; offset?: number };
    const where = [o.file, o.line !== undefined ? `line ${o.line}` : undefined, o.offset !== undefined ? `byte ${o.offset}` : undefined]
      .filter(Boolean)
      .join(', ');
    return where ? `${where}: ${o.message ?? ''}` : String(o.message ?? JSON.stringify(issue));
  }
  return String(issue);
}

function realpathOrUndefined(p: string): string | undefined {
  try {
    return toPosix(fs.realpathSync.native(p));
  } catch {
    return undefined;
  }
}
