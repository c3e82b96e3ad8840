/**
 * Mergeable latency histogram with a relative-error guarantee, for percentiles of call paths merged after the fact
 * (the flame graph's sandwich view merges every call path of an operation into one box). Percentiles cannot be added
 * or averaged; these histograms can be summed, and a quantile read from the sum is within ±α (relative) of the exact
 * one over all the merged spans.
 *
 * The bucket mapping is DDSketch's (Masson, Rim, Lee: "DDSketch: a fast and fully-mergeable quantile sketch with
 * relative-error guarantees", VLDB 2019): bucket i holds the durations in (γ^(i−1), γ^i] ms, its value is
 * 2γ^i/(γ+1), so every value in it is within α = (γ−1)/(γ+1) of that. γ = γ₀^(2^level) with γ₀ = 1.01/0.99
 * (α = 1 % at level 0); one level up merges bucket pairs exactly (i → ⌈i/2⌉), which is how sketches of different
 * levels are merged and how a large tree is shrunk to a byte budget. Durations ≤ 0 are counted apart (value 0).
 *
 * Hand-written rather than @datadog/sketches-js: what is needed is a few dozen lines (mapping, sum, quantile), and the
 * wire form must be a compact plain number array inside the flame graph's columnar JSON, coarsenable in place.
 *
 * Wire form ({@link EncodedSketch}): `[level, zeros, d₀, c₀, d₁, c₁, …]` — the non-empty buckets in increasing
 * index order, dₖ the index step from the previous bucket (d₀ from 0), cₖ its count. `[]` = no sketch.
 */

export type EncodedSketch = number[];

export interface Sketch {
  level: number;
  /** durations ≤ 0 */
  zeros: number;
  /** bucket index → count */
  buckets: Map<number, number>;
}

export const BASE_ALPHA = 0.01;
const GAMMA0 = (1 + BASE_ALPHA) / (1 - BASE_ALPHA);
/** coarsest level a sketch may have (α ≈ 16 %); anything coarser says too little to be shown */
export const MAX_LEVEL = 4;
/** most buckets one decoded sketch may have (a hostile or broken payload costs no more than this) */
const MAX_BUCKETS = 100_000;

export const gammaOf = (level: number): number => GAMMA0 ** (2 ** level);
/** Relative accuracy of a sketch of this level: a quantile read from it is within ±alphaOf(level) of the exact one. */
export const alphaOf = (level: number): number => {
  const g = gammaOf(level);
  return (g - 1) / (g + 1);
};

/**
 * The sketch of `sorted` (ascending) durations, each multiplied by `scale` (e.g. 1e-6 for ns → ms). O(buckets ×
 * log n): one logarithm and one binary search per non-empty bucket.
 */
export function sketchFromSorted(sorted: ArrayLike<number>, scale = 1, level = 0): EncodedSketch {
  const n = sorted.length;
  if (n === 0) return [];
  const g = gammaOf(level);
  const lg = Math.log(g);
  const out: EncodedSketch = [level, 0];
  // durations ≤ 0 first; NaN (no duration) is sorted to the end by a typed-array sort and skipped there
  let k = 0;
  for (; k < n && sorted[k]! * scale <= 0; k++) out[1]!++;
  let prev = 0;
  while (k < n) {
    const x = sorted[k]! * scale;
    if (Number.isNaN(x)) break;
    let cur = Math.ceil(Math.log(x) / lg);
    // a value on a bucket edge may land one off through rounding: keep γ^(cur−1) < x ≤ γ^cur
    while (g ** cur < x) cur++;
    while (g ** (cur - 1) >= x) cur--;
    const upper = g ** cur;
    // the bucket's run: binary search for the first value above its upper edge
    let lo = k + 1;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (sorted[mid]! * scale <= upper) lo = mid + 1;
      else hi = mid;
    }
    out.push(cur - prev, lo - k);
    prev = cur;
    k = lo;
  }
  return out;
}

/** Reads a wire-form sketch; null for `[]` and for anything malformed (bad level, negative or fractional counts, too big). */
export function decodeSketch(enc: unknown): Sketch | null {
  if (!Array.isArray(enc) || enc.length < 2 || enc.length % 2 !== 0 || enc.length > 2 * MAX_BUCKETS + 2) return null;
  const level = enc[0];
  const zeros = enc[1];
  if (!Number.isInteger(level) || level < 0 || level > MAX_LEVEL || !Number.isInteger(zeros) || zeros < 0) return null;
  const buckets = new Map<number, number>();
  let idx = 0;
  for (let k = 2; k < enc.length; k += 2) {
    const d = enc[k];
    const c = enc[k + 1];
    if (!Number.isInteger(d) || (k > 2 && d <= 0) || !Number.isInteger(c) || c <= 0) return null;
    idx += d;
    if (!Number.isSafeInteger(idx)) return null;
    buckets.set(idx, c);
  }
  return { level, zeros, buckets };
}

export function encodeSketch(s: Sketch): EncodedSketch {
  const keys = [...s.buckets.keys()].sort((a, b) => a - b);
  const out: EncodedSketch = [s.level, s.zeros];
  let prev = 0;
  for (const k of keys) {
    out.push(k - prev, s.buckets.get(k)!);
    prev = k;
  }
  return out;
}

/** The same counts `by` levels coarser (bucket pairs merged: i → ⌈i/2⌉ per level). */
export function coarsen(s: Sketch, by: number): Sketch {
  if (by <= 0) return s;
  const f = 2 ** by;
  const buckets = new Map<number, number>();
  for (const [i, c] of s.buckets) {
    const j = Math.ceil(i / f);
    buckets.set(j, (buckets.get(j) ?? 0) + c);
  }
  return { level: s.level + by, zeros: s.zeros, buckets };
}

/** The sum of sketches (all brought to the coarsest level among them); null when there is none. */
export function mergeSketches(list: readonly Sketch[]): Sketch | null {
  if (list.length === 0) return null;
  const level = Math.max(...list.map((s) => s.level));
  const buckets = new Map<number, number>();
  let zeros = 0;
  for (const s0 of list) {
    const s = coarsen(s0, level - s0.level);
    zeros += s.zeros;
    for (const [i, c] of s.buckets) buckets.set(i, (buckets.get(i) ?? 0) + c);
  }
  return { level, zeros, buckets };
}

export function sketchCount(s: Sketch): number {
  let n = s.zeros;
  for (const c of s.buckets.values()) n += c;
  return n;
}

/**
 * Quantiles q ∈ [0, 1] of the sketched durations, with the same interpolation as the aggregation's exact ones
 * (position (n−1)·q between the two nearest order statistics): each order statistic is read within ±α, so the
 * result is too. NaN for an empty sketch.
 */
export function sketchQuantiles(s: Sketch, qs: readonly number[]): number[] {
  const n = sketchCount(s);
  if (n === 0) return qs.map(() => NaN);
  const g = gammaOf(s.level);
  const keys = [...s.buckets.keys()].sort((a, b) => a - b);
  const value = (i: number) => (2 * g ** i) / (g + 1);
  /** value of the order statistic of 0-based rank r */
  const at = (r: number): number => {
    if (r < s.zeros) return 0;
    let cum = s.zeros;
    for (const k of keys) {
      cum += s.buckets.get(k)!;
      if (r < cum) return value(k);
    }
    return value(keys[keys.length - 1]!);
  };
  return qs.map((q) => {
    const pos = (n - 1) * Math.min(1, Math.max(0, q));
    const lo = Math.floor(pos);
    const hi = Math.min(n - 1, lo + 1);
    const a = at(lo);
    return pos === lo ? a : a + (at(hi) - a) * (pos - lo);
  });
}
