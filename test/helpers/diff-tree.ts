/**
 * Hand-made differential trees for flame-graph tests: nodes given in pre-order with their parent index and the two
 * runs' stats; ids, children, depths and the deltas are filled in (one builder instead of a copy per test).
 */
import type { NodeStats } from '../../src/core/aggregate/types';
import type { DiffNode, DiffTree } from '../../src/core/diff/types';

/**
 * Stats of a node seen once per trace in each of `traces` traces: totals are per-trace values × traces, every
 * percentile is the per-trace total, no errors.
 */
export function nodeStats(totalPerTrace: number, selfPerTrace: number, traces = 1): NodeStats {
  return {
    calls: traces,
    traces,
    callsPerTrace: 1,
    totalMs: totalPerTrace * traces,
    selfMs: selfPerTrace * traces,
    totalPerTraceMs: totalPerTrace,
    selfPerTraceMs: selfPerTrace,
    p50Ms: totalPerTrace,
    p95Ms: totalPerTrace,
    p99Ms: totalPerTrace,
    maxMs: totalPerTrace,
    errors: 0,
  };
}

export interface DiffRow {
  service: string;
  name: string;
  /** index of the parent row, -1 for a root */
  parent: number;
  /** null: the node is not in that run (gone in the incident / new in it) */
  baseline: NodeStats | null;
  incident: NodeStats | null;
  /** anything else of the node (source, significance, …) */
  extra?: Partial<DiffNode>;
}

export function diffTreeFromRows(rows: DiffRow[], traces: { baseline: number; incident: number } = { baseline: 1, incident: 1 }): DiffTree {
  const nodes: DiffNode[] = rows.map((r, id) => ({
    id,
    parent: r.parent,
    depth: 0,
    service: r.service,
    name: r.name,
    kind: 'internal',
    children: [],
    baseline: r.baseline,
    incident: r.incident,
    deltaSelfMs: (r.incident?.selfPerTraceMs ?? 0) - (r.baseline?.selfPerTraceMs ?? 0),
    deltaTotalMs: (r.incident?.totalPerTraceMs ?? 0) - (r.baseline?.totalPerTraceMs ?? 0),
    significance: 0.9,
    ...r.extra,
  }));
  for (const n of nodes) if (n.parent >= 0) nodes[n.parent]!.children.push(n.id);
  for (const n of nodes) n.depth = n.parent < 0 ? 0 : nodes[n.parent]!.depth + 1;
  return { nodes, baselineTraces: traces.baseline, incidentTraces: traces.incident };
}
