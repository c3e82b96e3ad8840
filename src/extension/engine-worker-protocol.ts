/**
 * What the extension host and the engine worker (engine-worker.ts) say to each other, and the run statistics both
 * compute. No `vscode` import: the worker runs it too.
 */
import type { AggNode, AggTree } from '../core/aggregate/types';
import type { DiffNode, DiffTree } from '../core/diff/types';
import type { TablePiece } from '../core/model/transfer';
import type { Diagnosis, SourceLink } from '../core/rca/diagnosis';
import type { ExemplarToHostMessage, HostToExemplarMessage } from '../protocol/exemplars';
import { modelStats } from '../core/stats/run-stats';
import type { LoadedRunLike, RunStats } from './engine-api';

export function toRunStats(run: LoadedRunLike): RunStats {
  const s = modelStats(run.model);
  return {
    spans: s.spans,
    traces: s.traces,
    services: s.services,
    operations: s.operations,
    skipped: run.skipped,
    errors: s.errors,
    problems: run.issues.length,
    ...(s.timeRange ? { start: s.timeRange.start, end: s.timeRange.end } : {}),
    spansPerService: s.perService.map((p) => ({ service: p.service, spans: p.spans })),
  };
}

export type Side = 'baseline' | 'incident';

/** One load + analysis in the worker. */
export interface WorkerRunRequest {
  /** 'single': aggregate the incident alone; 'diagnose': analyze baseline vs incident (or split the incident) */
  kind: 'single' | 'diagnose';
  incident: string[];
  baseline?: string[];
  /** Unix-ms windows for tracing-backend URLs */
  windows?: { incident: { startMs: number; endMs: number }; baseline?: { startMs: number; endMs: number } };
  /** workspace folders scanned for span-opening lines (cached in the worker per folder) */
  folders: string[];
  /** token for tracing backends */
  token?: string;
  /** traceDoctor.capacity.target as a fraction (analyze's capacityTarget) */
  capacityTarget?: number;
  /** traceDoctor.sourceScan.maxFiles */
  maxSourceFiles?: number;
}

/**
 * 'ack': the host has handled one piece of the results and let its event loop turn; the worker sends the next only
 * then (a burst of queued messages would otherwise be handled in one go, holding the host's loop for their sum).
 */
export type HostToWorker =
  | { type: 'run'; id: number; req: WorkerRunRequest }
  | { type: 'invalidateScans' }
  | { type: 'ack'; id: number }
  /** an exemplar-trace request of a flame webview (src/protocol/exemplars.ts) for the models of run `run`, which the
   *  worker keeps after sending them (see 'result'.held) */
  | {
      type: 'exemplar';
      id: number;
      run: number;
      request: ExemplarToHostMessage;
      /** on a SharedArrayBuffer: the host sets [0] = 1 when it cancels (seen at once, before any cancel message) */
      cancelFlag?: Int32Array;
    }
  /** the host no longer wants the answer to exemplar request `id` (a newer one replaced it) */
  | { type: 'cancelExemplar'; id: number }
  /** drop the models kept for exemplar requests (the session closed) */
  | { type: 'release' };

/** The run's metadata besides its model (the model travels as table pieces). */
export interface SideMeta {
  files: string[];
  formats: string[];
  skipped: number;
  issues: LoadedRunLike['issues'];
  stats: RunStats;
}

export type TreeName = 'diff' | 'baselineAgg' | 'incidentAgg';

export type WorkerToHost =
  | { type: 'progress'; id: number; side: Side; fraction?: number; message?: string }
  | { type: 'phase'; id: number; message: string }
  | { type: 'table'; id: number; side: Side; piece: TablePiece }
  | { type: 'nodes'; id: number; tree: TreeName; nodes: (DiffNode | AggNode)[] }
  | {
      type: 'result';
      id: number;
      sides: { baseline?: SideMeta; incident: SideMeta };
      diagnosis?: Diagnosis;
      trees: { diff?: Omit<DiffTree, 'nodes'>; baselineAgg?: Omit<AggTree, 'nodes'>; incidentAgg: Omit<AggTree, 'nodes'> };
      /** source link of every operation in the trees: [service, name, link] */
      links: [string, string, SourceLink][];
      /** time spent in the worker, ms */
      timings: Record<string, number>;
      /** things the user should know (a workspace scan that stopped early) */
      notes: string[];
      /** the worker keeps the run's models (their columns shared with the host, not copied) and answers exemplar
       *  requests for them under this run's id until the next run */
      held?: boolean;
      /** an automatically split run: which traces are the normal and which the slow part (indexed by string id) */
      splitMasks?: { baseline: Uint8Array; incident: Uint8Array };
    }
  | { type: 'error'; id: number; message: string; name: string }
  /** the answer to exemplar request `id`; `timings` in ms (queue wait, trace index when built, the answer itself) */
  | { type: 'exemplarReply'; id: number; reply: HostToExemplarMessage; timings: Record<string, number> }
  /** exemplar request `id` was cancelled before the worker computed its answer */
  | { type: 'exemplarCancelled'; id: number };

/** Nodes per 'nodes' message (a DiffNode with its two NodeStats deserializes in a few µs). */
export const NODE_CHUNK = 2_000;
