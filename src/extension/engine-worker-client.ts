/**
 * The extension host's side of the engine worker: starts it (lazily), runs one load + analysis at a time, rebuilds the
 * results from their pieces as they arrive (each piece is bounded work on the host's event loop), cancels by
 * terminating the worker (a synchronous analysis cannot be interrupted any other way; the next run starts a fresh one).
 * No `vscode` import (unit-tested, and used by bench/extension-worker.mjs).
 */
import { Worker } from 'node:worker_threads';
import type { AggNode, AggTree } from '../core/aggregate/types';
import type { DiffNode, DiffTree } from '../core/diff/types';
import { TableAssembler } from '../core/model/transfer';
import type { Diagnosis, SourceLink } from '../core/rca/diagnosis';
import { opKey } from '../core/source/code-attrs';
import type { ExemplarToHostMessage, HostToExemplarMessage } from '../protocol/exemplars';
import type { LoadedRunLike, RunStats, SourceResolver } from './engine-api';
import type { HostToWorker, Side, SideMeta, TreeName, WorkerRunRequest, WorkerToHost } from './engine-worker-protocol';

export interface WorkerSide {
  run: LoadedRunLike;
  stats: RunStats;
}

export interface WorkerRunResult {
  baseline?: WorkerSide;
  incident: WorkerSide;
  diff?: DiffTree;
  diagnosis?: Diagnosis;
  baselineAgg?: AggTree;
  incidentAgg: AggTree;
  /** source links of the operations in the trees, as found in the worker */
  resolver: SourceResolver;
  /** ms spent in the worker per stage, and on the host assembling the pieces */
  timings: Record<string, number>;
  /** things the user should know (a workspace scan that stopped early) */
  notes?: string[];
  /** the worker keeps this run's models for exemplar requests under this id ({@link EngineWorker.exemplar}) */
  workerRun?: number;
  /** an automatically split run: which traces are the normal and which the slow part (indexed by string id) */
  splitMasks?: { baseline: Uint8Array; incident: Uint8Array };
}

export interface WorkerRunOptions {
  signal?: AbortSignal;
  onProgress?(p: { side?: Side; fraction?: number; message?: string }): void;
}

/** Rejects a run the user cancelled or a newer run replaced. */
export class WorkerRunCancelled extends Error {
  constructor() {
    super('Loading cancelled');
    this.name = 'WorkerRunCancelled';
  }
}

/** Rejects an exemplar request that was cancelled (a newer one replaced it, the view closed). */
export class ExemplarRequestCancelled extends Error {
  constructor() {
    super('Exemplar request cancelled');
    this.name = 'ExemplarRequestCancelled';
  }
}

export interface ExemplarRequestOptions {
  signal?: AbortSignal;
  /** the worker's steps ('indexing the traces of the run') */
  onProgress?(p: { message?: string }): void;
}

interface PendingExemplar {
  resolve(r: { reply: HostToExemplarMessage; timings: Record<string, number> }): void;
  fail(e: Error): void;
  onProgress?: ExemplarRequestOptions['onProgress'];
}

export class EngineWorker {
  private worker: Worker | undefined;
  private nextId = 1;
  private current: { id: number; worker: Worker; fail(e: Error): void } | undefined;
  /** the run whose models the worker keeps for exemplar requests */
  private held: number | undefined;
  private readonly exemplars = new Map<number, PendingExemplar>();
  /** exemplar requests the worker confirmed it skipped after a cancel (tests, logs) */
  exemplarsSkipped = 0;

  /** `script`: the built worker (dist/engine-worker.js), or the .ts source with execArgv ['--import', 'tsx'] in tests */
  constructor(
    private readonly script: string,
    private readonly execArgv?: string[],
    private readonly log?: (msg: string) => void,
  ) {}

  get busy(): boolean {
    return !!this.current;
  }

  private ensure(): Worker {
    if (this.worker) return this.worker;
    const w = new Worker(this.script, { ...(this.execArgv ? { execArgv: this.execArgv } : {}) });
    w.unref();
    // a terminated (cancelled) worker's exit must not fail the run that replaced it: only this worker's run
    w.on('error', (e) => {
      this.log?.(`engine worker: ${e.message}`);
      if (this.current?.worker === w) this.current.fail(e);
    });
    w.on('exit', (code) => {
      if (this.worker === w) {
        this.worker = undefined;
        this.held = undefined;
        this.failExemplars(new Error(`the engine worker stopped (exit code ${code})`));
      }
      if (code !== 0 && this.current?.worker === w) this.current.fail(new Error(`the engine worker stopped (exit code ${code})`));
    });
    w.on('message', (m: WorkerToHost) => this.onExemplarMessage(m));
    this.worker = w;
    return w;
  }

  /** Scans cached in the worker are stale (a source file changed). */
  invalidateScans(): void {
    this.worker?.postMessage({ type: 'invalidateScans' } satisfies HostToWorker);
  }

  /** Stop the running analysis now (terminates the worker). */
  cancel(): void {
    if (!this.current) return;
    const c = this.current;
    this.current = undefined;
    void this.worker?.terminate();
    this.worker = undefined;
    this.held = undefined;
    this.failExemplars(new Error('the engine worker was stopped'));
    c.fail(new WorkerRunCancelled());
  }

  /** Whether {@link exemplar} can answer for run `run` now: the worker keeps its models and is not loading another. */
  holds(run: number): boolean {
    return !!this.worker && this.held === run && !this.current;
  }

  /** The models kept for exemplar requests are no longer needed (the session closed). */
  release(): void {
    this.held = undefined;
    this.worker?.postMessage({ type: 'release' } satisfies HostToWorker);
  }

  /**
   * An exemplar-trace request (src/protocol/exemplars.ts) answered in the worker from the models of run `run`
   * ({@link WorkerRunResult.workerRun}), by the same code as on the host (ExemplarHost). Rejects with
   * ExemplarRequestCancelled when `signal` aborts (the worker skips the request if it has not started it), with an
   * Error when the worker does not hold that run or stops.
   */
  exemplar(run: number, request: ExemplarToHostMessage, opts: ExemplarRequestOptions = {}): Promise<{ reply: HostToExemplarMessage; timings: Record<string, number> }> {
    if (opts.signal?.aborted) return Promise.reject(new ExemplarRequestCancelled());
    const w = this.worker;
    if (!w || !this.holds(run)) return Promise.reject(new Error(`the engine worker does not hold run ${run}`));
    const id = this.nextId++;
    const t0 = performance.now();
    const flag = typeof SharedArrayBuffer === 'function' ? new Int32Array(new SharedArrayBuffer(4)) : undefined;
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        if (!this.exemplars.delete(id)) return;
        if (flag) Atomics.store(flag, 0, 1);
        this.worker?.postMessage({ type: 'cancelExemplar', id } satisfies HostToWorker);
        reject(new ExemplarRequestCancelled());
      };
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      const off = () => opts.signal?.removeEventListener('abort', onAbort);
      this.exemplars.set(id, {
        resolve: (r) => {
          off();
          resolve({ reply: r.reply, timings: { ...r.timings, total: Math.round(performance.now() - t0) } });
        },
        fail: (e) => {
          off();
          reject(e);
        },
        ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
      });
      w.postMessage({ type: 'exemplar', id, run, request, ...(flag ? { cancelFlag: flag } : {}) } satisfies HostToWorker);
    });
  }

  private onExemplarMessage(m: WorkerToHost): void {
    if (m.type === 'exemplarCancelled') {
      this.exemplarsSkipped++;
      return;
    }
    const p = this.exemplars.get(m.id);
    if (!p) return;
    if (m.type === 'phase') p.onProgress?.({ message: m.message });
    else if (m.type === 'exemplarReply') {
      this.exemplars.delete(m.id);
      p.resolve({ reply: m.reply, timings: m.timings });
    } else if (m.type === 'error') {
      this.exemplars.delete(m.id);
      const e = new Error(m.message);
      e.name = m.name;
      p.fail(e);
    }
  }

  private failExemplars(e: Error): void {
    const all = [...this.exemplars.values()];
    this.exemplars.clear();
    for (const p of all) p.fail(e);
  }

  run(req: WorkerRunRequest, opts: WorkerRunOptions = {}): Promise<WorkerRunResult> {
    // one at a time: a newer run replaces the running one
    this.cancel();
    // the worker drops the models it kept for exemplar requests when the run starts
    this.held = undefined;
    if (opts.signal?.aborted) return Promise.reject(new WorkerRunCancelled());
    const id = this.nextId++;
    const t0 = performance.now();
    let hostMs = 0;
    let maxPieceMs = 0;
    return new Promise<WorkerRunResult>((resolve, reject) => {
      const w = this.ensure();
      const tables: Partial<Record<Side, TableAssembler>> = {};
      const nodes: Record<TreeName, (DiffNode | AggNode)[]> = { diff: [], baselineAgg: [], incidentAgg: [] };
      const done = () => {
        w.off('message', onMessage);
        opts.signal?.removeEventListener('abort', onAbort);
        if (this.current?.id === id) this.current = undefined;
      };
      const fail = (e: Error) => {
        done();
        reject(e);
      };
      this.current = { id, worker: w, fail };
      const onAbort = () => this.cancel();
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      // the next piece only after this loop turn: timers and I/O of the host run between two pieces
      const ack = () => setImmediate(() => this.current?.id === id && w.postMessage({ type: 'ack', id } satisfies HostToWorker));
      const onMessage = (m: WorkerToHost) => {
        if (m.id !== id) return;
        const s = performance.now();
        try {
          switch (m.type) {
            case 'progress':
              opts.onProgress?.({ side: m.side, fraction: m.fraction, message: m.message });
              break;
            case 'phase':
              opts.onProgress?.({ message: m.message });
              break;
            case 'table':
              (tables[m.side] ??= new TableAssembler()).add(m.piece);
              ack();
              break;
            case 'nodes':
              for (const n of m.nodes) nodes[m.tree].push(n);
              ack();
              break;
            case 'error': {
              const e = new Error(m.message);
              e.name = m.name;
              fail(e);
              break;
            }
            case 'result': {
              const side = (name: Side, meta: SideMeta | undefined): WorkerSide | undefined => {
                const asm = tables[name];
                if (!meta || !asm) return undefined;
                return { run: { model: asm.finish(), files: meta.files, formats: meta.formats, skipped: meta.skipped, issues: meta.issues }, stats: meta.stats };
              };
              const incident = side('incident', m.sides.incident);
              if (!incident) throw new Error('the engine worker sent no incident model');
              const links = new Map<string, SourceLink>(m.links.map(([s, n, l]) => [opKey(s, n), l]));
              const baseline = side('baseline', m.sides.baseline);
              hostMs += performance.now() - s;
              done();
              if (m.held) this.held = id;
              resolve({
                ...(baseline ? { baseline } : {}),
                incident,
                ...(m.trees.diff ? { diff: { ...m.trees.diff, nodes: nodes.diff as DiffNode[] } } : {}),
                ...(m.diagnosis ? { diagnosis: m.diagnosis } : {}),
                ...(m.trees.baselineAgg ? { baselineAgg: { ...m.trees.baselineAgg, nodes: nodes.baselineAgg as AggNode[] } } : {}),
                incidentAgg: { ...m.trees.incidentAgg, nodes: nodes.incidentAgg as AggNode[] },
                resolver: (service, name) => links.get(opKey(service, name)),
                notes: m.notes,
                ...(m.held ? { workerRun: id } : {}),
                ...(m.splitMasks ? { splitMasks: m.splitMasks } : {}),
                timings: { ...m.timings, 'host assembling': Math.round(hostMs), 'longest host step': Math.round(Math.max(maxPieceMs, performance.now() - s)), total: Math.round(performance.now() - t0) },
              });
              return;
            }
          }
        } catch (e) {
          fail(e instanceof Error ? e : new Error(String(e)));
        }
        const took = performance.now() - s;
        hostMs += took;
        if (took > maxPieceMs) maxPieceMs = took;
        if (process.env.TD_WORKER_DEBUG && took > 20) this.log?.(`engine worker: ${m.type}${m.type === 'table' ? ` ${m.piece.piece} ${m.piece.piece === 'strings' ? m.piece.values.length : m.piece.piece === 'map' ? m.piece.entries.length : ''}` : ''} took ${Math.round(took)} ms on the host`);
      };
      w.on('message', onMessage);
      w.postMessage({ type: 'run', id, req } satisfies HostToWorker);
    });
  }

  dispose(): void {
    this.cancel();
    void this.worker?.terminate();
    this.worker = undefined;
    this.held = undefined;
    this.failExemplars(new Error('the engine worker was stopped'));
  }
}
