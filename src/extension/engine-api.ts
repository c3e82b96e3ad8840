/**
 * What the extension needs from the engine (A's loader, B's aggregate/diff/diagnose and source-link index).
 * extension.ts injects the real implementation (./engine.ts); tests may inject fakes. No `vscode` import.
 */
import type { AggTree } from '../core/aggregate/types';
import type { DiffTree } from '../core/diff/types';
import type { SpanTable } from '../core/model/span-table';
import type { Diagnosis, SourceLink } from '../core/rca/diagnosis';

/** Mirrors A's LoadedRun (src/sources/file.ts). */
export interface LoadedRunLike {
  model: SpanTable;
  files: string[];
  formats: string[];
  skipped: number;
  issues: { message: string; file?: string; line?: number; offset?: number }[] | readonly unknown[];
}

export interface LoadOptions {
  signal?: AbortSignal;
  /** for tracing-backend URLs that carry no time range of their own (Unix ms) */
  window?: { startMs: number; endMs: number };
  /** 0..1 fraction or a message, when the loader reports progress */
  onProgress?: (p: { fraction?: number; message?: string }) => void;
}

export interface RunStats {
  spans: number;
  traces: number;
  services: number;
  operations: number;
  skipped: number;
  errors: number;
  /** problems the loader reported (files not loaded, bad lines…), logged to the output channel */
  problems?: number;
  /** ISO times, when known */
  start?: string;
  end?: string;
  spansPerService: { service: string; spans: number }[];
}

export interface DiffResult {
  diff: DiffTree;
  diagnosis: Diagnosis;
  baselineAgg: AggTree;
  incidentAgg: AggTree;
  /** one run split automatically: which traces are the normal and the slow part (masks indexed by the interned
   *  trace-id string id) — the exemplar traces use them instead of splitting again */
  splitMasks?: { baseline: Uint8Array; incident: Uint8Array };
}

export interface SourceResolver {
  /** source link for an operation (span name → file/line from the workspace scan and span attributes) */
  (service: string, name: string): SourceLink | undefined;
}

/** One load + analysis in the engine worker (engine-worker-protocol.ts); what `run` resolves to. */
export type { WorkerRunRequest } from './engine-worker-protocol';
export type { WorkerRunResult, WorkerRunOptions } from './engine-worker-client';

export interface EngineApi {
  /**
   * Load and analyze off the extension host's thread (the engine worker). Optional: without it the session loads and
   * analyzes on the host (tests with fakes, and the receiver's live view).
   */
  run?(req: import('./engine-worker-protocol').WorkerRunRequest, opts: import('./engine-worker-client').WorkerRunOptions): Promise<import('./engine-worker-client').WorkerRunResult>;
  /**
   * Answer a flame webview's exemplar request in the engine worker from the models of worker run `run`
   * (WorkerRunResult.workerRun). Optional; returns undefined when the worker cannot (it keeps another run's models, is
   * loading a newer run, or was stopped): the caller answers on the host instead (ExemplarRequests).
   */
  exemplar?(run: number, request: import('../protocol/exemplars').ExemplarToHostMessage, signal: AbortSignal): Promise<import('../protocol/exemplars').HostToExemplarMessage> | undefined;
  /** The session closed: the worker may drop the models it keeps for exemplar requests. */
  releaseRuns?(): void;
  load(paths: string[], opts?: LoadOptions): Promise<LoadedRunLike>;
  stats(run: LoadedRunLike): RunStats;
  aggregate(model: SpanTable): AggTree;
  /** baseline vs incident; `sources` gives the diagnosis and the diff nodes their source links */
  compare(baseline: SpanTable, incident: SpanTable, sources?: SourceResolver): DiffResult;
  /** one run split automatically into a normal and a slow part */
  diagnoseSingle(incident: SpanTable, sources?: SourceResolver): DiffResult;
  /** build the workspace source-link index (span names found in code + code.* attributes of the models) */
  sourceResolver(workspaceFolders: string[], models: SpanTable[], signal?: AbortSignal): Promise<SourceResolver>;
}
