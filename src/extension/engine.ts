/**
 * The real engine behind EngineApi: A's loader and stats, B's aggregation + diagnosis + source index, G's URL sources.
 * The workspace scan is cached per folder and invalidated when source files change.
 */
import * as vscode from 'vscode';
import { aggregate } from '../core/aggregate/tree';
import type { SpanTable } from '../core/model/span-table';
import { analyze } from '../core/rca/analyze';
import { DEFAULT_CAPACITY_TARGET } from '../core/rca/capacity';
import { linkResolver } from './source-resolver';
import type { SourceIndex } from '../core/source/resolve';
import { isUrlInput, loadInput } from '../sources/resolve-input';
import { DEFAULT_MAX_SOURCE_FILES, scanWorkspace, SOURCE_EXTENSIONS, truncationNote } from '../sources/workspace-scan';
import * as path from 'node:path';
import type { DiffResult, EngineApi, LoadOptions, LoadedRunLike, SourceResolver } from './engine-api';
import { EngineWorker } from './engine-worker-client';
import { toRunStats } from './engine-worker-protocol';


function toDiffResult(a: ReturnType<typeof analyze>): DiffResult {
  return {
    diff: a.diff,
    diagnosis: a.diagnosis,
    baselineAgg: a.baseline.tree,
    incidentAgg: a.incident.tree,
    ...(a.split ? { splitMasks: { baseline: a.split.baselineMask, incident: a.split.incidentMask } } : {}),
  };
}

/** Cached workspace scans, one per folder, dropped when a source file is saved, created, deleted or renamed. */
class ScanCache implements vscode.Disposable {
  private readonly byFolder = new Map<string, Promise<SourceIndex>>();
  private readonly subs: vscode.Disposable[] = [];

  constructor(
    private readonly log: vscode.LogOutputChannel,
    private readonly onInvalidate?: () => void,
  ) {
    const touch = (uris: readonly vscode.Uri[]) => {
      const relevant = (u: vscode.Uri) =>
        !/\/(node_modules|\.git)\//.test(u.path) &&
        (SOURCE_EXTENSIONS.has(u.path.slice(u.path.lastIndexOf('.') + 1).toLowerCase()) || u.path.endsWith('/.gitignore'));
      if (uris.some(relevant)) {
        this.byFolder.clear();
        this.onInvalidate?.();
      }
    };
    // Only source files and .gitignore matter to the index (not build output, logs or trace files).
    // (VS Code globs do not nest braces: one watcher per pattern)
    for (const glob of [`**/*.{${[...SOURCE_EXTENSIONS].join(',')}}`, '**/.gitignore']) {
      const w = vscode.workspace.createFileSystemWatcher(glob);
      this.subs.push(w, w.onDidChange((u) => touch([u])), w.onDidCreate((u) => touch([u])), w.onDidDelete((u) => touch([u])));
    }
    this.subs.push(
      vscode.workspace.onDidSaveTextDocument((d) => touch([d.uri])),
      vscode.workspace.onDidChangeWorkspaceFolders(() => {
        this.byFolder.clear();
        this.onInvalidate?.();
      }),
    );
  }

  get(folder: string, signal?: AbortSignal): Promise<SourceIndex> {
    let p = this.byFolder.get(folder);
    if (!p) {
      const t0 = Date.now();
      const maxFiles = vscode.workspace.getConfiguration('traceDoctor').get<number>('sourceScan.maxFiles', DEFAULT_MAX_SOURCE_FILES);
      p = scanWorkspace(folder, { signal, maxFiles }).then((r) => {
        this.log.info(`source scan of ${folder} (${r.lister}): ${r.files} files, ${r.index.matches} span openings${r.truncated ? ' (truncated)' : ''} in ${Date.now() - t0} ms`);
        const note = truncationNote(r, folder, 'the setting traceDoctor.sourceScan.maxFiles');
        if (note) {
          this.log.warn(note);
          void vscode.window.showWarningMessage(`Trace Doctor: ${note}.`);
        }
        return r.index;
      });
      this.byFolder.set(folder, p);
      p.catch(() => this.byFolder.delete(folder));
    }
    return p;
  }

  dispose(): void {
    for (const d of this.subs.splice(0)) d.dispose();
  }
}

/** traceDoctor.capacity.target (percent) as a fraction in (0, 1]; the engine's default (70 %) when unset or invalid. */
function capacityTarget(): number {
  const v = vscode.workspace.getConfiguration('traceDoctor').get<number>('capacity.target', DEFAULT_CAPACITY_TARGET * 100);
  return typeof v === 'number' && Number.isFinite(v) && v > 0 && v <= 100 ? v / 100 : DEFAULT_CAPACITY_TARGET;
}

export function createEngine(log: vscode.LogOutputChannel, getToken: (urls: string[]) => Thenable<string | undefined>): EngineApi & vscode.Disposable {
  // dist/engine-worker.js beside dist/extension.js (esbuild.mjs builds both)
  const worker = new EngineWorker(path.join(__dirname, 'engine-worker.js'), undefined, (m) => log.warn(m));
  const scans = new ScanCache(log, () => worker.invalidateScans());
  return {
    async run(req, opts) {
      const urls = [...req.incident, ...(req.baseline ?? [])].filter((p) => isUrlInput(p));
      const token = urls.length > 0 ? await getToken(urls) : undefined;
      const maxFiles = vscode.workspace.getConfiguration('traceDoctor').get<number>('sourceScan.maxFiles', DEFAULT_MAX_SOURCE_FILES);
      const r = await worker.run({ ...req, ...(token ? { token } : {}), capacityTarget: capacityTarget(), maxSourceFiles: maxFiles }, opts);
      // a workspace scan that stopped early says so, as the host's own scan does
      for (const note of r.notes ?? []) {
        log.warn(note);
        void vscode.window.showWarningMessage(`Trace Doctor: ${note}.`);
      }
      return r;
    },
    exemplar(run, request, signal) {
      if (!worker.holds(run)) return undefined;
      return worker.exemplar(run, request, { signal, onProgress: (p) => p.message && log.info(`exemplars (engine worker): ${p.message}`) }).then((r) => {
        log.trace(`exemplars (engine worker): ${request.type} ${Object.entries(r.timings).map(([k, v]) => `${k} ${v} ms`).join(', ')}`);
        return r.reply;
      });
    },
    releaseRuns: () => worker.release(),
    async load(paths: string[], opts: LoadOptions = {}): Promise<LoadedRunLike> {
      const t0 = Date.now();
      // the token for tracing backends lives in SecretStorage ("Trace Doctor: Set Token for Trace Sources…")
      const urls = paths.filter((p) => isUrlInput(p));
      const token = urls.length > 0 ? await getToken(urls) : undefined;
      const run = await loadInput(paths.length === 1 ? paths[0]! : paths, {
        signal: opts.signal,
        ...(token ? { token } : {}),
        ...(opts.window ? { window: opts.window } : {}),
        onProgress: (p) =>
          opts.onProgress?.({
            fraction: p.totalBytes > 0 ? Math.min(1, p.bytesRead / p.totalBytes) : undefined,
            message: `${p.spans.toLocaleString('en-US')} spans read`,
          }),
        onFetchProgress: (p) => opts.onProgress?.({ message: p.message }),
      });
      log.info(`loaded ${run.model.size} spans from ${run.files.length} file(s) [${run.formats.join(', ')}] in ${Date.now() - t0} ms`);
      return run;
    },
    stats: toRunStats,
    aggregate: (model: SpanTable) => aggregate(model),
    compare: (baseline, incident, sources) => toDiffResult(analyze(baseline, incident, { capacityTarget: capacityTarget(), ...(sources ? { sourceIndex: sources } : {}) })),
    diagnoseSingle: (incident, sources) => toDiffResult(analyze(null, incident, { capacityTarget: capacityTarget(), ...(sources ? { sourceIndex: sources } : {}) })),
    async sourceResolver(folders: string[], models: SpanTable[], signal?: AbortSignal): Promise<SourceResolver> {
      return linkResolver(models, await Promise.all(folders.map(async (f) => ({ folder: f, index: await scans.get(f, signal) }))));
    },
    dispose: () => {
      worker.dispose();
      scans.dispose();
    },
  };
}
