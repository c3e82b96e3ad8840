/**
 * p50/p95 of a flame-graph box that merges several call-path nodes (the sandwich view). Percentiles cannot be summed
 * or averaged, so in order of preference:
 *
 * 1. one node with calls on that side: its exact percentiles;
 * 2. every such node carries a latency histogram (FlameData.bSketch/iSketch): the histograms are summed and the
 *    percentiles read from the sum — within ±α of the exact ones over all the merged spans (α = 1 % unless a big
 *    tree had them coarsened);
 * 3. otherwise: only the range of the per-path values is known, and that is what is shown.
 *
 * Pure; the cost is the summed size of the nodes' histograms.
 */
import type { FlameData } from '../../protocol/messages';
import { alphaOf, decodeSketch, mergeSketches, sketchQuantiles, type Sketch } from '../stats/latency-sketch';

export type PercentileHow = 'exact' | 'merged' | 'range' | 'none';

export interface SidePercentiles {
  how: PercentileHow;
  /** exact or merged value (NaN for 'range' and 'none') */
  p50: number;
  p95: number;
  /** 'range': lowest and highest per-path value */
  p50Range?: [number, number];
  p95Range?: [number, number];
  /** 'merged': relative accuracy of the values (0.01 = ±1 %) */
  alpha?: number;
  /** call paths (nodes) with calls on this side */
  paths: number;
}

export interface MergedPercentiles {
  baseline: SidePercentiles;
  incident: SidePercentiles;
}

type Cols = Pick<FlameData, 'bP50' | 'bP95' | 'bCalls' | 'iP50' | 'iP95' | 'iCalls' | 'bSketch' | 'iSketch'>;

/** p50/p95 of one side over the distinct nodes `ids` of `data` (see the module comment for how). */
export function sidePercentiles(data: Cols, ids: readonly number[], side: 'baseline' | 'incident'): SidePercentiles {
  const b = side === 'baseline';
  const calls = b ? data.bCalls : data.iCalls;
  const p50 = b ? data.bP50 : data.iP50;
  const p95 = b ? data.bP95 : data.iP95;
  const sk = b ? data.bSketch : data.iSketch;
  const used = [...new Set(ids)].filter((i) => i >= 0 && i < calls.length && calls[i]! > 0);
  if (used.length === 0) return { how: 'none', p50: NaN, p95: NaN, paths: 0 };
  if (used.length === 1) return { how: 'exact', p50: p50[used[0]!]!, p95: p95[used[0]!]!, paths: 1 };
  const sketches: Sketch[] = [];
  for (const i of used) {
    const s = sk ? decodeSketch(sk[i]) : null;
    if (!s) break;
    sketches.push(s);
  }
  const merged = sketches.length === used.length ? mergeSketches(sketches) : null;
  if (merged) {
    const [q50, q95] = sketchQuantiles(merged, [0.5, 0.95]);
    if (Number.isFinite(q50) && Number.isFinite(q95)) return { how: 'merged', p50: q50!, p95: q95!, alpha: alphaOf(merged.level), paths: used.length };
  }
  const range = (a: ArrayLike<number>): [number, number] => {
    let lo = Infinity;
    let hi = -Infinity;
    for (const i of used) {
      const v = a[i]!;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    return [lo, hi];
  };
  return { how: 'range', p50: NaN, p95: NaN, p50Range: range(p50), p95Range: range(p95), paths: used.length };
}

export function mergedPercentiles(data: Cols, ids: readonly number[]): MergedPercentiles {
  return { baseline: sidePercentiles(data, ids, 'baseline'), incident: sidePercentiles(data, ids, 'incident') };
}
