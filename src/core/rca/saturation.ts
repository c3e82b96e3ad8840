
import type { AggDetail } from '../aggregate/tree';
import { countBelow, mean } from '../stats/index';
import { num, type Cand, type Ctx } from './context';

/**
 * Load-dependent waiting inside a span: when the operation's requests overlap much more in the incident (in-flight
 * requests of the same operation at a span's start) and its self time rises with that number (Spearman ρ), the time
 * is most likely spent queueing for a saturated worker/lock inside the component, not in new work: kind → queueing.
 */
export function refineByConcurrency(c: Cand, ctx: Ctx): void {
  const { b, i, diff } = ctx;
  if (!b || !i || c.kind !== 'self_time') return;
  const stats = (det: AggDetail, nodes: Set<number>) => {
    const st = det.model.start;
    const du = det.model.duration;
    let n = 0;
    for (let r = 0; r < det.nodeOf.length; r++) if (nodes.has(det.nodeOf[r]!) && !Number.isNaN(st[r]!)) n++;
    if (n < 10) return null;
    // sorted starts and ends (native typed sorts); in flight at s = #starts < s − #ends ≤ s
    const starts = new Float64Array(n);
    const ends = new Float64Array(n);
    const stride = Math.max(1, Math.ceil(n / 20000));
    const sample: number[] = [];
    let k = 0;
    for (let r = 0; r < det.nodeOf.length; r++) {
      if (!nodes.has(det.nodeOf[r]!) || Number.isNaN(st[r]!)) continue;
      if (k % stride === 0) sample.push(r);
      starts[k] = st[r]!;
      ends[k++] = st[r]! + du[r]!;
    }
    starts.sort();
    ends.sort();
    const below = countBelow;
    let sum = 0;
    for (let q = 0, e = 0; q < n; q++) {
      while (e < n && ends[e]! <= starts[q]!) e++;
      sum += Math.max(0, q - e);
    }
    const inflight = Float64Array.from(sample, (r) => Math.max(0, below(starts, st[r]!, false) - below(ends, st[r]!, true)));
    const self = Float64Array.from(sample, (r) => det.selfNs[r]!);
    return { mean: sum / n, inflight, self, n };
  };
  const nodesOf = (map: Int32Array) => new Set(c.nodes.map((d) => map[d]!).filter((x) => x >= 0));
  const si = stats(i, nodesOf(diff.incidentNodeOf));
  const sb = stats(b, nodesOf(diff.baselineNodeOf));
  if (!si || !sb) return;
  if (!(si.mean >= 1 && si.mean >= 2 * sb.mean + 0.25)) return;
  const rho = spearman(si.inflight, si.self);
  if (!(rho >= 0.3)) return;
  c.kind = 'queueing';
  c.evidence.unshift(
    `requests of this operation overlap more: ${num(sb.mean)} → ${num(si.mean)} others in flight when one starts, and its self time rises with that number (Spearman ρ = ${rho.toFixed(2)}) — waiting for a saturated worker/lock inside ${c.service}`,
  );
  c.summary = `${c.service} / ${c.name} is saturated: its requests queue inside it (${num(sb.mean)} → ${num(si.mean)} in flight) and its own time per call grew`;
}

export function spearman(x: Float64Array, y: Float64Array): number {
  const rank = (v: Float64Array) => {
    const n = v.length;
    const idx = Array.from({ length: n }, (_, k) => k).sort((a, b) => v[a]! - v[b]!);
    const r = new Float64Array(n);
    for (let k = 0; k < n; ) {
      let j = k + 1;
      while (j < n && v[idx[j]!] === v[idx[k]!]) j++;
      for (let q = k; q < j; q++) r[idx[q]!] = (k + j + 1) / 2;
      k = j;
    }
    return r;
  };
  const rx = rank(x);
  const ry = rank(y);
  const mx = mean(rx);
  const my = mean(ry);
  let sxy = 0, sxx = 0, syy = 0;
  for (let k = 0; k < rx.length; k++) {
    const a = rx[k]! - mx, b2 = ry[k]! - my;
    sxy += a * b2;
    sxx += a * a;
    syy += b2 * b2;
  }
  return sxx > 0 && syy > 0 ? sxy / Math.sqrt(sxx * syy) : 0;
}
