import { z } from 'zod';

/**
 * The diagnosis contract shared by the offline engine, the CLI (--json), the LLM structured answer and the webviews.
 */
export const CandidateKind = z.enum([
  'self_time',
  'queueing',
  'fan_out',
  'errors',
  'serialization',
  'attribute',
  'retries',
  'new_operation',
  'stopped_work',
  'call_delay',
]);
export type CandidateKind = z.infer<typeof CandidateKind>;

export const SourceLink = z.object({
  file: z.string().describe('path relative to the workspace root'),
  line: z.number().int().positive().describe('1-based line of the span-opening call'),
  function: z.string().optional(),
  origin: z.enum(['attribute', 'search']).optional(),
  // source-link hook (src/core/source/resolve.ts): a name built at run time, and equally likely other lines
  template: z.string().optional().describe('the span name is built at run time; the code at file:line builds it from this template (e.g. "charge ${provider}")'),
  route: z.string().optional().describe('an HTTP server span (opened by the framework\'s instrumentation, named after its route): file:line declares this route'),
  how: z
    .enum(['constant', 'imported', 'template', 'route', 'function'])
    .optional()
    .describe('how file:line was found when no span-opening call names the span literally there: the name is a constant of that file or an imported one, a run-time template, an HTTP route\'s declaration, or (function) the declaration of the function the span\'s code.function names (its attributes name no file)'),
  also: z
    .array(z.object({ file: z.string(), line: z.number().int().positive(), function: z.string().optional() }))
    .optional()
    .describe('other lines that open spans of this name and are as likely as file:line (the name alone cannot tell them apart; at most 4)'),
});
export type SourceLink = z.infer<typeof SourceLink>;

/** Load on one operation in one run (capacity estimate, see core/rca/capacity.ts). */
export const CapacityRun = z.object({
  requests: z.number().int().describe('spans of the operation in the run'),
  windowS: z.number().describe('first to last arrival, s'),
  arrivalsPerS: z.number().describe('arrival rate into the operation, spans per second'),
  arrivalsPerSRange: z.tuple([z.number(), z.number()]).describe('95 % interval of the rate (Poisson count)'),
  arrivalsCv: z.number().nullable().describe('coefficient of variation of the per-second arrival counts (how steady the rate was; Poisson ≈ 1/√rate)'),
  inFlightMean: z.number().describe('time-average requests of the operation in flight (measured; Little: rate × mean duration)'),
  inFlightMax: z.number().int(),
  durationMs: z.number().describe('mean duration of the operation'),
  waitMs: z.number().nullable().describe('mean wait before the work starts, when the work is visible as child spans'),
  workMs: z.number().describe('mean work per request in this run'),
  utilisation: z.number().nullable().describe('rate × work time / workers, null when the worker count is not visible'),
});
export type CapacityRun = z.infer<typeof CapacityRun>;

export const Capacity = z.object({
  workSource: z
    .enum(['children', 'self', 'span'])
    .describe("children: its same-service child spans (the work once it runs); self: its self time at low load; span: its whole duration at low load (the queue is in front of it)"),
  workOperations: z.array(z.string()).optional().describe('the child operations counted as work (workSource children)'),
  workMs: z.number().describe('work time per request at low load, ms'),
  workMsRange: z.tuple([z.number(), z.number()]).describe('95 % interval of the mean work time'),
  workers: z.number().int().nullable().describe('parallel workers observed (most work spans ever in flight at once), null when not visible'),
  offeredLoad: z.number().describe('incident rate × work time: busy workers needed on average (Erlangs)'),
  target: z.number().describe('utilisation target, 0..1'),
  workersNeeded: z.number().int().describe('workers keeping utilisation ≤ target at the incident rate'),
  workersNeededHigh: z.number().int().describe('the same at the upper 95 % bounds of rate and work time'),
  predictedWaitMs: z.number().nullable().describe('mean queue wait with workersNeeded workers (M/M/c Erlang C scaled by Allen-Cunneen (Ca²+Cs²)/2)'),
  baseline: CapacityRun.optional(),
  incident: CapacityRun,
  assumptions: z.array(z.string()),
  summary: z.string(),
});
export type Capacity = z.infer<typeof Capacity>;

export const Candidate = z.object({
  service: z.string(),
  name: z.string().describe('operation (span name)'),
  kind: CandidateKind,
  impactMs: z.number().describe('estimated effect on mean end-to-end latency per trace, ms'),
  confidence: z.number().min(0).max(1),
  evidence: z.array(z.string()),
  summary: z.string(),
  source: SourceLink.optional(),
  /** for kind=attribute: which attribute value got slow */
  attribute: z.object({ key: z.string(), value: z.string() }).optional(),
  /**
   * for kind=queueing: load, work time, workers and the capacity that keeps it under a target (core/rca/capacity.ts).
   * Not given for kind=call_delay: a callee far from busy has no capacity problem (the evidence says how busy).
   */
  capacity: Capacity.optional(),
  /**
   * which detector found it: an operation-level reading (self time, queueing, fan-out, …) or a service-level one
   * (remote_gap: callers wait longer for this service; service_slowdown: its operations are slower at the median;
   * vanished_work: it stopped calling its dependencies)
   */
  detector: z.enum(['operation', 'remote_gap', 'service_slowdown', 'vanished_work']).optional(),
  /**
   * service-level evidence strength of this candidate's service (Σ effect × consistency of the service detectors,
   * dimensionless; 0 = none). Candidates are ordered by service: this score plus the best operation confidence.
   */
  serviceScore: z.number().optional(),
  /**
   * this operation's added own time is the wait for that callee service: the time between its call and the callee's
   * span grew (the callee's remote-gap finding), so it is explained by that finding, not a cause of its own
   */
  waitsOn: z.string().optional(),
  /**
   * with waitsOn: the median time per call between this operation's service's spans and the waitsOn service's spans
   * (the grown caller → callee edge of that service's remote-gap finding), baseline → incident (ms)
   */
  waitsOnGapMs: z.object({ baseline: z.number(), incident: z.number() }).optional(),
  /** how many call paths (aggregated tree nodes: the operation reached through one chain of callers) the finding covers */
  callPaths: z.number().int().nonnegative().optional(),
  /** own-time findings: the operation's own time per call over those call paths, baseline → incident (ms) */
  perCallMs: z.object({ baseline: z.number(), incident: z.number() }).optional(),
  /**
   * the root cause only: the requests (traces) that hold its call paths in each run, and their mean end-to-end
   * latency (ms) — the part of the traffic it is about (a CI gate's tolerance is judged on it when the run as a whole
   * is not slower)
   */
  requests: z
    .object({ baseline: z.object({ traces: z.number().int(), meanMs: z.number() }), incident: z.object({ traces: z.number().int(), meanMs: z.number() }) })
    .optional(),
});
export type Candidate = z.infer<typeof Candidate>;

export const Split = z.object({
  method: z.enum(['time_window', 'slowest_decile', 'given']),
  description: z.string(),
  baselineTraces: z.number().int(),
  incidentTraces: z.number().int(),
});
export type Split = z.infer<typeof Split>;

/** A per-entry-point change found by the regression gate (core/rca/entry-points.ts). */
export const EntryChange = z.object({
  test: z.enum(['rate', 'latency', 'tail', 'spans', 'errors']).describe('rate: traces per minute; latency: median ms; tail: p95 ms; spans: median spans per trace; errors: share of traces with a failed span'),
  before: z.number(),
  after: z.number(),
  p: z.number().describe('p-value, Holm-adjusted over every entry point × test run'),
  text: z.string().describe('the change in words, with its figures and test'),
});
export type EntryChange = z.infer<typeof EntryChange>;

export const EntryPointFinding = z.object({
  entry: z.string().describe('root operation, refined by the first remote call made inside the root service: "svc / op → svc / op"'),
  root: z.object({ service: z.string(), name: z.string() }),
  firstCall: z.object({ service: z.string(), name: z.string() }).optional(),
  traces: z.object({ baseline: z.number().int(), incident: z.number().int() }),
  changes: z.array(EntryChange),
});
export type EntryPointFinding = z.infer<typeof EntryPointFinding>;

export const Diagnosis = z.object({
  rootCause: Candidate.nullable(),
  candidates: z.array(Candidate),
  split: Split.optional(),
  /** end-to-end latency of the runs, ms (mean per trace of root spans) */
  latency: z
    .object({ baselineMs: z.number(), incidentMs: z.number(), pValue: z.number().nullable(), test: z.string() })
    .optional(),
  /** the engine's own decision: slower / failing more beyond noise (its tests at alpha); absent from tree-only diagnoses */
  regression: z
    .object({
      slower: z.boolean(),
      errorsUp: z.boolean(),
      alpha: z.number(),
      /** entry points (kinds of request) that changed significantly, tested one by one; [] when tested and none did */
      entryPoints: z.array(EntryPointFinding).optional(),
      /** entry points seen in either run (1: every request is of one kind, and its change is the run's) */
      entryPointsSeen: z.number().int().nonnegative().optional(),
    })
    .optional(),
  /**
   * how much of a significant end-to-end slowdown the answer accounts for, ms per trace: the added mean latency, the
   * root cause's effect and all latency findings' effects together (a caller's wait for a callee counted once). Set
   * when the runs are slower end to end and the root cause is about time, not a failure or stopped work
   */
  explained: z.object({ addedMs: z.number(), rootCauseMs: z.number(), findingsMs: z.number() }).optional(),
  notes: z.array(z.string()).default([]),
});
export type Diagnosis = z.infer<typeof Diagnosis>;
