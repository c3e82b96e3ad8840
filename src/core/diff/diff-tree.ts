/**
 * Differential tree: the union of the baseline and incident call paths, matched by (service, operation, orphan) along
 * the path, with per-node deltas and a significance score.
 *
 * Significance: Welch's t-test on the per-trace self time (the aggregation keeps per-trace means and standard
 * deviations for every node, absent traces count as 0), refined with a Mann-Whitney U test on the raw per-trace
 * values for the nodes the diagnosis looks at (see rca/analyze.ts). With fewer than 2 traces on a side there is no
 * test: the score is then effect-size based (relative change, saturating), and callers must treat it as weak.
 */
import type { AggTree, NodeStats } from '../aggregate/types';
import { welchFromSummary } from '../stats/index';
import type { DiffNode, DiffTree } from './types';

export interface DiffTreeWithMaps extends DiffTree {
  /** diff node id → node id in the baseline / incident AggTree (-1 when absent) */
  baselineNodeOf: Int32Array;
  incidentNodeOf: Int32Array;
}

/** 0..1 significance of a change from summary statistics. */
export function summarySignificance(
  b: NodeStats | null, i: NodeStats | null, nB: number, nI: number, metric: 'self' | 'critical' = 'self',
): number {
  const mB = b ? (metric === 'self' ? b.selfPerTraceMs : b.criticalPerTraceMs ?? b.selfPerTraceMs) : 0;
  const mI = i ? (metric === 'self' ? i.selfPerTraceMs : i.criticalPerTraceMs ?? i.selfPerTraceMs) : 0;
  const sB = b ? (metric === 'self' ? b.selfPerTraceSdMs : b.criticalPerTraceSdMs) ?? 0 : 0;
  const sI = i ? (metric === 'self' ? i.selfPerTraceSdMs : i.criticalPerTraceSdMs) ?? 0 : 0;
  if (nB >= 2 && nI >= 2) {
    const r = welchFromSummary(mB, sB * sB, nB, mI, sI * sI, nI, 'two-sided');
    return Number.isFinite(r.p) ? 1 - r.p : 0;
  }
  return effectOnlySignificance(mB, mI);
}

/** Effect-size-only score for tiny samples: relative change mapped to 0..0.9 (never "certain" without a test). */
export function effectOnlySignificance(before: number, after: number): number {
  const d = Math.abs(after - before);
  if (d === 0) return 0;
  const rel = d / (Math.abs(before) + Math.abs(after) + 1e-9);
  return Math.min(0.9, 0.9 * rel);
}

export function diffTrees(baseline: AggTree, incident: AggTree): DiffTreeWithMaps {
  const nodes: DiffNode[] = [];
  const bMap: number[] = [];
  const iMap: number[] = [];
  const nB = baseline.traceCount;
  const nI = incident.traceCount;
  const keyOf = (t: AggTree, id: number) => {
    const n = t.nodes[id]!;
    return n.service + '\u0000' + n.name + '\u0000' + (n.orphan && t.nodes[n.parent]?.parent === -1 ? 'o' : '');
  };
  const add = (parent: number, depth: number, bId: number, iId: number): number => {
    const bn = bId >= 0 ? baseline.nodes[bId]! : null;
    const inn = iId >= 0 ? incident.nodes[iId]! : null;
    const ref = (inn ?? bn)!;
    const bs = bn?.stats ?? null;
    const is = inn?.stats ?? null;
    const id = nodes.length;
    const node: DiffNode = {
      id,
      parent,
      depth,
      service: ref.service,
      name: ref.name,
      kind: ref.kind,
      children: [],
      baseline: bs,
      incident: is,
      deltaSelfMs: (is?.selfPerTraceMs ?? 0) - (bs?.selfPerTraceMs ?? 0),
      deltaTotalMs: (is?.totalPerTraceMs ?? 0) - (bs?.totalPerTraceMs ?? 0),
      deltaCriticalMs: (is?.criticalPerTraceMs ?? 0) - (bs?.criticalPerTraceMs ?? 0),
      significance: 0,
      ...((bn?.orphan || inn?.orphan) ? { orphan: true } : {}),
    };
    if (id === 0) {
      node.deltaTotalMs = (incident.meanTraceMs ?? is?.totalPerTraceMs ?? 0) - (baseline.meanTraceMs ?? bs?.totalPerTraceMs ?? 0);
      node.significance = 0;
    } else {
      node.significance = summarySignificance(bs, is, nB, nI);
    }
    nodes.push(node);
    bMap.push(bId);
    iMap.push(iId);
    return id;
  };
  // iterative DFS over matched pairs
  const stack: [number, number, number][] = [[-1, 0, 0]]; // [diffParent, bId, iId]
  const root = add(-1, 0, 0, 0);
  stack.pop();
  stack.push([root, 0, 0]);
  while (stack.length) {
    const [dId, bId, iId] = stack.pop()!;
    const depth = nodes[dId]!.depth + 1;
    const bKids = bId >= 0 ? baseline.nodes[bId]!.children : [];
    const iKids = iId >= 0 ? incident.nodes[iId]!.children : [];
    const bByKey = new Map<string, number>();
    for (const c of bKids) bByKey.set(keyOf(baseline, c), c);
    const pairs: [number, number][] = [];
    const usedB = new Set<number>();
    for (const c of iKids) {
      const b = bByKey.get(keyOf(incident, c)) ?? -1;
      if (b >= 0) usedB.add(b);
      pairs.push([b, c]);
    }
    for (const c of bKids) if (!usedB.has(c)) pairs.push([c, -1]);
    const kidIds: number[] = [];
    for (const [b, i] of pairs) {
      const id = add(dId, depth, b, i);
      kidIds.push(id);
      stack.push([id, b, i]);
    }
    nodes[dId]!.children = kidIds;
  }
  return {
    nodes,
    baselineTraces: nB,
    incidentTraces: nI,
    baselineNodeOf: Int32Array.from(bMap),
    incidentNodeOf: Int32Array.from(iMap),
  };
}
