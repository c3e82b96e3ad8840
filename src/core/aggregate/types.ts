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
  /** summed exclusive time: span time not covered by the union of its children's intervals */
  selfMs: number;
  /** mean per-trace totals and self time (over all traces of the run) */
  totalPerTraceMs: number;
  selfPerTraceMs: number;
  /** latency percentiles of single spans */
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  maxMs: number;
  errors: number;
}

export interface AggNode {
  id: number;
  /** -1 for the synthetic root */
  parent: number;
  depth: number;
  service: string;
  name: string;
  /** OTLP kind name of the majority of spans: server, client, internal, … */
  kind: string;
  children: number[];
  stats: NodeStats;
}

export interface AggTree {
  /** nodes[0] is the synthetic root ("all traces"); ids are indexes into this array */
  nodes: AggNode[];
  traceCount: number;
}
