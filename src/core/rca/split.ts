/**
 * Single-input split: when only one run is given, separate its traces into a "normal" and a "slow" part.
 *
 * 1. Level shift in time: traces ordered by start time, per-trace end-to-end latency as a series. For every split
 *    point k the Mann-Whitney z of the later segment against the earlier one comes from prefix sums of the pooled ranks
 *    (O(n) after one sort). The best |z| is tested against a permutation distribution of the maximum (seeded PRNG,
 *    so the result is deterministic) — the max over many split points would otherwise look significant by chance —
 *    and must show at least a medium effect (|Cliff's delta| ≥ 0.33). The slower segment becomes the incident — up to
 *    a second shift back inside it, found and tested the same way (the incident ended while the run was recorded:
 *    normal → slow → normal); the traces after it are normal again and join the baseline.
 * 2. Otherwise: the slowest decile of traces (at least one) vs the rest.
 */
import type { SpanTable } from '../model/span-table';
import { mulberry32 } from '../stats/index';
import { formatMs } from '../format';
import { textOrder } from './context';
import type { Split } from './diagnosis';

export interface SplitResult {
  split: Split;
  /** masks indexed by the interned trace-id string id (model.traceIdCol values), 1 = member */
  baselineMask: Uint8Array;
  incidentMask: Uint8Array;
  /** for tests/diagnostics: the change point (index in start order) when method = time_window */
  changeIndex?: number;
  pValue?: number;
}

export interface SplitOptions {
  seed?: number;
  alpha?: number;
  /** permutations for the change-point test (default: 400 for n ≤ 5000, fewer above) */
  permutations?: number;
}

interface TraceSeries {
  ids: Uint32Array; // interned trace id per trace
  start: Float64Array;
  latencyMs: Float64Array;
}

/** Per trace: start and end-to-end latency (longest non-orphan root, else the extent), straight from the columns. */
export function traceSeries(model: SpanTable): TraceSeries {
  const n = model.size;
  const dense = new Int32Array(model.strings.size).fill(-1);
  const ids: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = model.traceIdCol[i]!;
    if (dense[t]! < 0) {
      dense[t] = ids.length;
      ids.push(t);
    }
  }
  const T = ids.length;
  const st = new Float64Array(T).fill(Infinity);
  const en = new Float64Array(T).fill(-Infinity);
  const root = new Float64Array(T).fill(-1);
  for (let i = 0; i < n; i++) {
    const t = dense[model.traceIdCol[i]!]!;
    const s = model.start[i]!;
    if (!Number.isNaN(s)) {
      if (s < st[t]!) st[t] = s;
      if (s + model.duration[i]! > en[t]!) en[t] = s + model.duration[i]!;
    }
    if (model.parent[i]! < 0 && model.orphan[i] === 0 && model.duration[i]! > root[t]!) root[t] = model.duration[i]!;
  }
  const lat = new Float64Array(T);
  for (let t = 0; t < T; t++) {
    const ext = en[t]! - st[t]!;
    lat[t] = (root[t]! >= 0 ? root[t]! : Number.isFinite(ext) ? ext : 0) / 1e6;
    if (!Number.isFinite(st[t]!)) st[t] = 0;
  }
  return { ids: Uint32Array.from(ids), start: st, latencyMs: lat };
}

/** Average ranks (1-based) of x, and the tie-correction sum Σ(t³ − t). */
function ranks(x: Float64Array): { r: Float64Array; tie: number } {
  const n = x.length;
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  order.sort((a, b) => x[a]! - x[b]!);
  const r = new Float64Array(n);
  let tie = 0;
  for (let i = 0; i < n; ) {
    let j = i + 1;
    while (j < n && x[order[j]!] === x[order[i]!]) j++;
    const avg = (i + 1 + j) / 2;
    for (let k = i; k < j; k++) r[order[k]!] = avg;
    const t = j - i;
    if (t > 1) tie += t * t * t - t;
    i = j;
  }
  return { r, tie };
}

/** Best split point of a rank series: max |z| of the later segment's Mann-Whitney statistic. */
function bestSplit(r: Float64Array, tie: number, minSeg: number): { k: number; z: number; u: number } {
  const n = r.length;
  let total = 0;
  for (let i = 0; i < n; i++) total += r[i]!;
  const tieAdj = n > 1 ? tie / (n * (n - 1)) : 0;
  let prefix = 0;
  let best = { k: -1, z: 0, u: 0 };
  for (let k = 1; k < n; k++) {
    prefix += r[k - 1]!;
    if (k < minSeg || n - k < minSeg) continue;
    const nA = k;
    const nB = n - k;
    const rB = total - prefix;
    const u = rB - (nB * (nB + 1)) / 2;
    const sigma2 = ((nA * nB) / 12) * (n + 1 - tieAdj);
    if (sigma2 <= 0) continue;
    const z = (u - (nA * nB) / 2) / Math.sqrt(sigma2);
    if (Math.abs(z) > Math.abs(best.z)) best = { k, z, u };
  }
  return best;
}

/** Permutation p-value of a best split's |z| (the max over split points would otherwise look significant by chance). */
function permutationP(r: Float64Array, tie: number, minSeg: number, z: number, B: number, seed: number): number {
  const rnd = mulberry32(seed);
  const perm = Float64Array.from(r);
  const n = perm.length;
  let atLeast = 0;
  for (let b = 0; b < B; b++) {
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(rnd() * (i + 1));
      const tmp = perm[i]!;
      perm[i] = perm[j]!;
      perm[j] = tmp;
    }
    if (Math.abs(bestSplit(perm, tie, minSeg).z) >= Math.abs(z)) atLeast++;
  }
  return (atLeast + 1) / (B + 1);
}

/**
 * The level shift of a series, when it is real: the best split point, at least a medium effect (|Cliff's delta| ≥
 * 0.33) and its permutation p below alpha. `direction` up: the later part must be slower; down: faster (checked before
 * the permutations are run). Null otherwise.
 */
function levelShift(
  x: Float64Array, B: number, seed: number, alpha: number, direction?: 'up' | 'down',
): { k: number; z: number; cliff: number; p: number } | null {
  const n = x.length;
  const { r, tie } = ranks(x);
  const minSeg = Math.max(3, Math.floor(n * 0.05));
  const best = bestSplit(r, tie, minSeg);
  if (best.k <= 0) return null;
  if (direction && (direction === 'up' ? best.z <= 0 : best.z >= 0)) return null;
  const cliff = (2 * best.u) / (best.k * (n - best.k)) - 1;
  if (Math.abs(cliff) < 0.33) return null;
  const p = permutationP(r, tie, minSeg, best.z, B, seed);
  return p < alpha ? { k: best.k, z: best.z, cliff, p } : null;
}

export function splitTraces(model: SpanTable, opts: SplitOptions = {}): SplitResult {
  const ser = traceSeries(model);
  const T = ser.ids.length;
  const baselineMask = new Uint8Array(model.strings.size);
  const incidentMask = new Uint8Array(model.strings.size);
  // ties (traces that start, or last, alike) broken by the trace id — its text, not where the file put it
  const idText = (t: number) => model.strings.get(ser.ids[t]!);
  const byId = (a: number, b: number) => textOrder(idText(a), idText(b));
  const order = Array.from({ length: T }, (_, i) => i).sort((a, b) => ser.start[a]! - ser.start[b]! || byId(a, b));
  const alpha = opts.alpha ?? 0.01;

  if (T >= 8) {
    const x = Float64Array.from(order, (i) => ser.latencyMs[i]!);
    const B = opts.permutations ?? (T <= 5000 ? 400 : T <= 50000 ? 100 : 40);
    const seed = opts.seed ?? 42;
    const obs = levelShift(x, B, seed, alpha);
    if (obs) {
      const { p, cliff } = obs;
      const laterSlower = obs.z > 0;
      // the slow window may also END inside the run (the incident recovered while it was recorded): look for a second
      // shift back inside the slow side, tested the same way; the traces after it are normal again
      let lo = laterSlower ? obs.k : 0;
      let hi = laterSlower ? T : obs.k;
      let ended = '';
      // later slower: the slow part must end (its later piece faster); earlier slower: it must start late
      const back = hi - lo >= 8 ? levelShift(x.slice(lo, hi), B, seed + 1, alpha, laterSlower ? 'down' : 'up') : null;
      if (back) {
        const at2 = model.toIso(ser.start[order[lo + back.k]!]!);
        if (laterSlower) {
          hi = lo + back.k;
          ended = `; it ends at ${at2} (trace ${hi + 1}): the ${T - hi} traces after it are normal again and count as baseline`;
        } else {
          lo = back.k;
          ended = `; it starts at ${at2} (trace ${lo + 1}): the ${lo} traces before it count as baseline`;
        }
      }
      for (let q = 0; q < T; q++) {
        const id = ser.ids[order[q]!]!;
        if (q >= lo && q < hi) incidentMask[id] = 1;
        else baselineMask[id] = 1;
      }
      const at = model.toIso(ser.start[order[obs.k]!]!);
      const mean = (from: number, to: number) => {
        let s = 0;
        for (let q = from; q < to; q++) s += x[q]!;
        return s / Math.max(1, to - from);
      };
      const before = mean(0, obs.k);
      const after = mean(obs.k, T);
      const inc = hi - lo;
      return {
        split: {
          method: 'time_window',
          description:
            `level shift in end-to-end latency at ${at} (trace ${obs.k + 1} of ${T} by start time): mean ` +
            `${before.toFixed(1)} ms before, ${after.toFixed(1)} ms after (permutation test p=${p.toPrecision(2)}, ` +
            `Cliff's delta ${cliff.toFixed(2)}); the ${laterSlower ? 'later' : 'earlier'} window is the incident${ended}`,
          baselineTraces: T - inc,
          incidentTraces: inc,
        },
        baselineMask,
        incidentMask,
        changeIndex: obs.k,
        pValue: p,
      };
    }
  }

  // slowest decile vs the rest
  const bySlow = Array.from({ length: T }, (_, i) => i).sort((a, b) => ser.latencyMs[b]! - ser.latencyMs[a]! || ser.start[a]! - ser.start[b]! || byId(a, b));
  const k = T >= 2 ? Math.max(1, Math.round(T / 10)) : T;
  for (let q = 0; q < T; q++) {
    const id = ser.ids[bySlow[q]!]!;
    if (q < k) incidentMask[id] = 1;
    else baselineMask[id] = 1;
  }
  const threshold = k > 0 && k <= T ? ser.latencyMs[bySlow[k - 1]!]! : 0;
  return {
    split: {
      method: 'slowest_decile',
      description:
        T < 2
          ? `only ${T} trace: nothing to compare against`
          : `no level shift in time; the slowest ${k} of ${T} traces (≥ ${formatMs(threshold)} end-to-end) vs the other ${T - k}`,
      baselineTraces: T - k,
      incidentTraces: k,
    },
    baselineMask,
    incidentMask,
  };
}
