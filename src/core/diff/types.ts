import type { NodeStats, PathNode } from '../aggregate/types';

/** One node of the differential tree (union of baseline and incident call paths). */
export interface DiffNode extends PathNode {
  baseline: NodeStats | null;
  incident: NodeStats | null;
  /** incident.selfPerTraceMs − baseline.selfPerTraceMs (missing side counts as 0) */
  deltaSelfMs: number;
  /** incident.totalPerTraceMs − baseline.totalPerTraceMs */
  deltaTotalMs: number;
  /** 0..1: how sure we are the change is real (1 − p-value of a test on per-trace values; effect-size based when n is tiny) */
  significance: number;
  /** set when this node is the diagnosis' root cause */
  rootCause?: boolean;
  source?: { file: string; line: number };
  /** incident.criticalPerTraceMs − baseline.criticalPerTraceMs: change of the node's contribution to end-to-end time */
  deltaCriticalMs?: number;
}

export interface DiffTree {
  /** nodes[0] is the root */
  nodes: DiffNode[];
  baselineTraces: number;
  incidentTraces: number;
}
