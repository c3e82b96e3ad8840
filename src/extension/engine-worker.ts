/**
 * The engine worker (a node worker_thread): loads the runs, scans the workspace for span-opening lines, aggregates and
 * diagnoses — all the CPU-heavy work that used to hold the extension host's event loop for seconds at 1M spans. The
 * results go back in bounded pieces (engine-worker-protocol.ts, src/core/model/transfer.ts). No `vscode` import.
 */
import { parentPort } from 'node:worker_threads';
import { aggregate } from '../core/aggregate/tree';
import type { AggTree } from '../core/aggregate/types';
import type { DiffTree } from '../core/diff/types';
import { shareColumns, tablePieces } from '../core/model/transfer';
import type { SpanTable } from '../core/model/span-table';
import { analyze } from '../core/rca/analyze';
import type { SourceLink } from '../core/rca/diagnosis';
import { opKey } from '../core/source/code-attrs';
import { linkResolver } from './source-resolver';
import type { SourceIndex } from '../core/source/resolve';
import { loadInput } from '../sources/resolve-input';
import { scanWorkspace, truncationNote } from '../sources/workspace-scan';
import type { ExemplarToHostMessage } from '../protocol/exemplars';
import type { LoadedRunLike } from './engine-api';
import { ExemplarHost, type ExemplarSnapshot } from './panels/exemplar-host';
import { NODE_CHUNK, toRunStats, type HostToWorker, type SideMeta, type Side, type TreeName, type WorkerRunRequest, type WorkerToHost } from './engine-worker-protocol';

const port = parentPort;
if (!port) throw new Error('engine-worker.ts runs as a worker thread');
const post = (m: WorkerToHost, transfer?: ArrayBuffer[]) => port.postMessage(m, transfer);

/** Post one piece of the results and wait until the host has handled it (see 'ack' in engine-worker-protocol.ts). */
let ackWaiter: (() => void) | undefined;
function postPiece(m: WorkerToHost, transfer?: ArrayBuffer[]): Promise<void> {
  return new Promise<void>((resolve) => {
    ackWaiter = resolve;
    post(m, transfer);
  });
}

const scans = new Map<string, Promise<SourceIndex>>();
/** notes of scans made during the current run (a scan that stopped at the file limit) */
let scanNotes: string[] = [];
/** the running load's progress line while a scan reads a big workspace ("… 4,200 source files read") */
let scanPhase: ((message: string) => void) | undefined;
/** a progress line at most this often during a scan */
const SCAN_PROGRESS_MS = 250;
function scan(folder: string, maxFiles?: number): Promise<SourceIndex> {
  let p = scans.get(folder);
  if (!p) {
    let last = -Infinity; // the first count (after 200 files) at once, then at most every SCAN_PROGRESS_MS
    const onProgress = (q: { files: number; path: string }) => {
      const now = Date.now();
      if (!q.path || now - last < SCAN_PROGRESS_MS) return;
      last = now;
      scanPhase?.(`finding span-opening lines in the workspace: ${q.files.toLocaleString('en-US')} source files read`);
    };
    p = scanWorkspace(folder, { ...(maxFiles ? { maxFiles } : {}), onProgress }).then((r) => {
      const note = truncationNote(r, folder, 'the setting traceDoctor.sourceScan.maxFiles');
      if (note) scanNotes.push(note);
      return r.index;
    });
    scans.set(folder, p);
    p.catch(() => scans.delete(folder));
  }
  return p;
}

/** The same resolution as the host's engine.sourceResolver: code.* attributes first, then the workspace scan. */
async function resolver(folders: string[], models: SpanTable[], maxFiles?: number): Promise<(service: string, name: string) => SourceLink | undefined> {
  return linkResolver(models, await Promise.all(folders.map(async (f) => ({ folder: f, index: await scan(f, maxFiles).catch(() => undefined) }))));
}

/**
 * The models of the last run, kept for the flame webviews' exemplar requests (the same ExemplarHost code the extension
 * host runs, so the answers are the same). Their typed-array columns are shared with the host (shareColumns), so
 * keeping them costs only the string table and the sparse maps.
 */
let held: { run: number; host: ExemplarHost } | undefined;

async function run(id: number, req: WorkerRunRequest): Promise<void> {
  held = undefined;
  const timings: Record<string, number> = {};
  let t = performance.now();
  const lap = (k: string) => {
    const now = performance.now();
    timings[k] = Math.round(now - t);
    t = now;
  };
  const load = async (side: Side, paths: string[]): Promise<LoadedRunLike> => {
    const window = side === 'baseline' ? req.windows?.baseline : req.windows?.incident;
    const r = await loadInput(paths.length === 1 ? paths[0]! : paths, {
      ...(req.token ? { token: req.token } : {}),
      ...(window ? { window } : {}),
      onProgress: (p) =>
        post({ type: 'progress', id, side, fraction: p.totalBytes > 0 ? Math.min(1, p.bytesRead / p.totalBytes) : undefined, message: `${p.spans.toLocaleString('en-US')} spans read` }),
      // a tracing backend: what is being asked and waited for ("querying Jaeger /api/traces for checkout"), or a slow
      // backend shows nothing but the run's name until its timeout
      onFetchProgress: (p) => post({ type: 'progress', id, side, message: p.message }),
    });
    lap(`load ${side}`);
    return r;
  };
  const baseline = req.kind === 'diagnose' && req.baseline ? await load('baseline', req.baseline) : undefined;
  const incident = await load('incident', req.incident);
  const models = baseline ? [baseline.model, incident.model] : [incident.model];
  post({ type: 'phase', id, message: 'finding span-opening lines in the workspace' });
  scanNotes = [];
  scanPhase = (message) => post({ type: 'phase', id, message });
  const resolve = await resolver(req.folders, models, req.maxSourceFiles).finally(() => (scanPhase = undefined));
  lap('source scan');
  post({ type: 'phase', id, message: 'diagnosing' });
  let diff: DiffTree | undefined;
  let diagnosis;
  let splitMasks: { baseline: Uint8Array; incident: Uint8Array } | undefined;
  let baselineAgg: AggTree | undefined;
  let incidentAgg: AggTree;
  if (req.kind === 'single') {
    incidentAgg = aggregate(incident.model);
  } else {
    const a = analyze(baseline?.model ?? null, incident.model, { sourceIndex: resolve, ...(req.capacityTarget ? { capacityTarget: req.capacityTarget } : {}) });
    diff = a.diff;
    diagnosis = a.diagnosis;
    baselineAgg = baseline ? a.baseline.tree : undefined;
    incidentAgg = a.incident.tree;
    if (!baseline && a.split) splitMasks = { baseline: a.split.baselineMask, incident: a.split.incidentMask };
  }
  lap('analyze');
  const meta = (r: LoadedRunLike): SideMeta => ({ files: r.files, formats: r.formats, skipped: r.skipped, issues: r.issues.slice(0, 200), stats: toRunStats(r) });
  const sides = { ...(baseline ? { baseline: meta(baseline) } : {}), incident: meta(incident) };
  // source links of every operation the surfaces show (the host has no scan of its own for this load)
  const links: [string, string, SourceLink][] = [];
  const seen = new Set<string>();
  for (const tree of [diff, baselineAgg, incidentAgg]) {
    for (const n of tree?.nodes ?? []) {
      if (n.parent < 0) continue;
      const k = opKey(n.service, n.name);
      if (seen.has(k)) continue;
      seen.add(k);
      const l = resolve(n.service, n.name);
      if (l) links.push([n.service, n.name, l]);
    }
  }
  lap('stats and links');
  // the models: columns shared (or transferred where SharedArrayBuffer is missing), strings and sparse maps in chunks
  const shared = { baseline: baseline && shareColumns(baseline.model), incident: shareColumns(incident.model) };
  const keep = shared.incident !== incident.model;
  lap('share columns');
  for (const side of ['baseline', 'incident'] as const) {
    const model = shared[side];
    if (!model) continue;
    const { pieces, transfer } = tablePieces(model);
    for (let k = 0; k < pieces.length; k++) await postPiece({ type: 'table', id, side, piece: pieces[k]! }, k === 0 ? transfer : undefined);
  }
  const sendNodes = async (tree: TreeName, t: { nodes: unknown[] } | undefined) => {
    if (!t) return;
    for (let i = 0; i < t.nodes.length; i += NODE_CHUNK) await postPiece({ type: 'nodes', id, tree, nodes: t.nodes.slice(i, i + NODE_CHUNK) as never });
  };
  await sendNodes('diff', diff);
  await sendNodes('baselineAgg', baselineAgg);
  await sendNodes('incidentAgg', incidentAgg);
  const metaOf = <T extends { nodes: unknown[] }>(x: T | undefined) => {
    if (!x) return undefined;
    const { nodes: _n, ...rest } = x;
    return rest as Omit<T, 'nodes'>;
  };
  lap('post');
  if (keep) {
    const snap: ExemplarSnapshot = {
      mode: req.kind === 'single' ? 'single' : 'diff',
      autoSplit: req.kind !== 'single' && !shared.baseline,
      ...(splitMasks ? { splitMasks } : {}),
      ...(shared.baseline ? { baseline: { run: { model: shared.baseline } } } : {}),
      incident: { run: { model: shared.incident } },
    };
    held = { run: id, host: new ExemplarHost(() => snap) };
  }
  post({
    type: 'result',
    id,
    sides,
    ...(diagnosis ? { diagnosis } : {}),
    trees: { ...(diff ? { diff: metaOf(diff) } : {}), ...(baselineAgg ? { baselineAgg: metaOf(baselineAgg) } : {}), incidentAgg: metaOf(incidentAgg)! },
    links,
    timings,
    notes: scanNotes,
    ...(keep ? { held: true } : {}),
    ...(splitMasks ? { splitMasks } : {}),
  });
}

// ---- exemplar requests: one at a time, in order; a request cancelled while it waits is skipped ----
const exemplarQueue: { id: number; run: number; request: ExemplarToHostMessage; at: number; flag?: Int32Array }[] = [];
const cancelledExemplars = new Set<number>();
let exemplarActive: number | undefined;
let draining = false;
const turn = () => new Promise<void>((r) => setImmediate(r));

/** Skip request `id` when the host cancelled it (its shared flag, or a cancel message read since the last turn). */
function wasCancelled(q: { id: number; flag?: Int32Array }): boolean {
  const flagged = !!q.flag && Atomics.load(q.flag, 0) === 1;
  if (!cancelledExemplars.delete(q.id) && !flagged) return false;
  post({ type: 'exemplarCancelled', id: q.id });
  return true;
}

async function drainExemplars(): Promise<void> {
  // one loop turn first: cancel messages queued behind the request are read before it starts
  await turn();
  for (let q = exemplarQueue.shift(); q; q = exemplarQueue.shift()) {
    exemplarActive = q.id;
    try {
      if (wasCancelled(q)) continue;
      const h = held;
      if (!h || h.run !== q.run) throw new Error(`the engine worker no longer holds the models of run ${q.run}`);
      const timings: Record<string, number> = { queued: Math.round(performance.now() - q.at) };
      if (h.host.needsIndex) {
        post({ type: 'phase', id: q.id, message: 'indexing the traces of the run' });
        const t = performance.now();
        h.host.prepare();
        timings.index = Math.round(performance.now() - t);
        await turn();
        if (wasCancelled(q)) continue;
      }
      const t = performance.now();
      const reply = h.host.handle(q.request);
      if (!reply) throw new Error(`not an exemplar request: ${String((q.request as { type?: unknown }).type)}`);
      timings.answer = Math.round(performance.now() - t);
      post({ type: 'exemplarReply', id: q.id, reply, timings });
    } catch (e) {
      const err = e instanceof Error ? e : new Error(String(e));
      post({ type: 'error', id: q.id, message: err.message, name: err.name });
    } finally {
      exemplarActive = undefined;
    }
    await turn();
  }
  draining = false;
}

port.on('message', (m: HostToWorker) => {
  if (m.type === 'ack') {
    const w = ackWaiter;
    ackWaiter = undefined;
    w?.();
    return;
  }
  if (m.type === 'invalidateScans') {
    scans.clear();
    return;
  }
  if (m.type === 'exemplar') {
    exemplarQueue.push({ id: m.id, run: m.run, request: m.request, at: performance.now(), ...(m.cancelFlag ? { flag: m.cancelFlag } : {}) });
    if (!draining) {
      draining = true;
      void drainExemplars();
    }
    return;
  }
  if (m.type === 'cancelExemplar') {
    if (exemplarActive === m.id || exemplarQueue.some((q) => q.id === m.id)) cancelledExemplars.add(m.id);
    return;
  }
  if (m.type === 'release') {
    held = undefined;
    return;
  }
  if (m.type === 'run') {
    run(m.id, m.req).catch((e: unknown) => {
      const err = e instanceof Error ? e : new Error(String(e));
      post({ type: 'error', id: m.id, message: err.message, name: err.name });
    });
  }
});
