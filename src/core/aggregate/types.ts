/**
 * Aggregated span tree: spans merged by call path (service/operation along the parent chain).
 * Produced by aggregate/tree.ts; consumed by diff, rca, the flame graph, hovers and the LLM tools.
 */

/** Statistics of one call-path node over one run. Times in milliseconds. */
export interface NodeStats {
  /** spans merged into this node */
  calls: number;
  /** traces in which the node occurs */
  traces: number;
  /** calls / traces of the run (traces of the whole run, not only those containing the node) */
  callsPerTrace: number;
  /** summed wall time of the spans */
  totalMs: number;
  /**
   * summed exclusive time: span time not covered by the union of its children's intervals — for a childless span that
   * wraps a same-service sibling carrying the work (a wrapping twin, aggregate/twins.ts), not covered by the twins
   */
  selfMs: number;
  /** mean per-trace totals and self time (over all traces of the run) */
  totalPerTraceMs: number;
  selfPerTraceMs: number;
  /** latency percentiles of single spans */
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  /**
   * the span durations as a mergeable histogram (src/core/stats/latency-sketch.ts wire form; quantiles within ±1 %),
   * so percentiles of several call paths merged together (the flame graph's sandwich) can be computed honestly
   */
  sketch?: number[];
  maxMs: number;
  errors: number;
  /** errors raised by the span itself: failed, with no failed span below it at any depth (where errors originate) */
  ownErrors?: number;
  /**
   * traces in which at least one of the node's spans raised an error itself — the failures counted with the trace as
   * the unit (a retried call fails several times in one trace; its attempts are not independent)
   */
  ownErrorTraces?: number;
  /** mean per trace of the node's exclusive time that lies on the trace's critical path (sums to end-to-end latency) */
  criticalPerTraceMs?: number;
  /** mean per trace of the summed (clipped) durations of the node's direct children */
  childSumPerTraceMs?: number;
  /** mean per trace of the union of the node's children's intervals (sum − union = time children overlapped) */
  childUnionPerTraceMs?: number;
  /**
   * mean per trace of the time this childless node spent wrapping twins: same-service siblings that nearly coincide
   * with it and carry the work (aggregate/twins.ts); excluded from its self time. Absent when 0.
   */
  wrappedPerTraceMs?: number;
  /** sample standard deviations over traces (absent traces count as 0) of self time, calls and critical time */
  selfPerTraceSdMs?: number;
  callsPerTraceSd?: number;
  criticalPerTraceSdMs?: number;
}

/** Identity and place of one node in a call-path tree; shared by AggNode and the diff's DiffNode. */
export interface PathNode {
  id: number;
  /** -1 for the synthetic root */
  parent: number;
  depth: number;
  service: string;
  name: string;
  /** OTLP kind name of the majority of spans: server, client, internal, … */
  kind: string;
  children: number[];
  /** the path starts at a span whose parent is missing from the data (an orphan made a root of its own path) */
  orphan?: boolean;
}

export interface AggNode extends PathNode {
  stats: NodeStats;
}

export interface AggTree {
  /** nodes[0] is the synthetic root ("all traces"); ids are indexes into this array */
  nodes: AggNode[];
  traceCount: number;
  /** mean end-to-end latency per trace, ms (root span duration; trace extent when no root is present) */
  meanTraceMs?: number;
  /** spans deeper than `maxDepth` levels were cut (left out; their time stays in their ancestor at that level) */
  cut?: { spans: number; maxDepth: number };
}
