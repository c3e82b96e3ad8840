/**
 * Mergeable latency histograms (src/core/stats/latency-sketch.ts): quantiles of merged sketches agree with the exact
 * quantiles of the merged samples within the sketch's relative accuracy.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  alphaOf,
  coarsen,
  decodeSketch,
  encodeSketch,
  mergeSketches,
  sketchCount,
  sketchFromSorted,
  sketchQuantiles,
} from '../../../../src/core/stats/latency-sketch';
import { quantileSorted } from '../../../../src/core/stats/index';

/** the exact quantile the aggregation uses (linear between the two nearest order statistics) */
const exact = (values: number[], q: number): number => quantileSorted(Float64Array.from(values).sort(), q);
const sorted = (v: number[]) => Float64Array.from(v).sort();
const within = (est: number, ex: number, alpha: number) => Math.abs(est - ex) <= alpha * Math.abs(ex) + 1e-9;

test('one sketch: quantiles within ±1 % of the exact ones; counts and zeros kept; round trip', () => {
  const v = [0, 0, 1, 2, 3, 5, 8, 13, 21, 34, 55, 89, 144, 1000.5];
  const enc = sketchFromSorted(sorted(v));
  const s = decodeSketch(enc)!;
  assert.equal(s.level, 0);
  assert.equal(s.zeros, 2);
  assert.equal(sketchCount(s), v.length);
  assert.deepEqual(encodeSketch(s), enc);
  for (const q of [0, 0.1, 0.5, 0.9, 0.95, 1]) assert.ok(within(sketchQuantiles(s, [q])[0]!, exact(v, q), alphaOf(0)), `q=${q}`);
  assert.ok(Math.abs(alphaOf(0) - 0.01) < 1e-12);
  // no duration (NaN, sorted to the end by a typed-array sort) is not a value; 0 is
  const withNaN = decodeSketch(sketchFromSorted(Float64Array.from([NaN, 0, 3, 1]).sort()))!;
  assert.equal(withNaN.zeros, 1);
  assert.equal(sketchCount(withNaN), 3);
  // scaling: ns in, ms out
  const ns = decodeSketch(sketchFromSorted(sorted([5e6, 7e6]), 1e-6))!;
  assert.ok(within(sketchQuantiles(ns, [1])[0]!, 7, 0.01));
});

test('merging: the quantiles of summed sketches match the exact quantiles of the pooled samples (property)', () => {
  fc.assert(
    fc.property(
      fc.array(fc.array(fc.double({ min: 0.001, max: 1e5, noNaN: true }), { minLength: 1, maxLength: 60 }), { minLength: 1, maxLength: 6 }),
      fc.constantFrom(0.5, 0.95, 0.99, 0.01),
      fc.integer({ min: 0, max: 3 }),
      (parts, q, coarser) => {
        const sketches = parts.map((p, k) => {
          const s = decodeSketch(sketchFromSorted(sorted(p)))!;
          return k === 0 ? coarsen(s, coarser) : s; // one part coarser: the merge comes to its level
        });
        const m = mergeSketches(sketches)!;
        assert.equal(m.level, coarser);
        const pooled = parts.flat();
        assert.equal(sketchCount(m), pooled.length);
        const est = sketchQuantiles(m, [q])[0]!;
        assert.ok(within(est, exact(pooled, q), alphaOf(coarser)), `est ${est} exact ${exact(pooled, q)} α ${alphaOf(coarser)}`);
      },
    ),
    { numRuns: 300, seed: 1813 },
  );
});

test('averaging percentiles would be wrong, the sketch is not: two paths 1 ms ×90 and 100 ms ×10', () => {
  const a = Array(90).fill(1);
  const b = Array(10).fill(100);
  const m = mergeSketches([decodeSketch(sketchFromSorted(a))!, decodeSketch(sketchFromSorted(b))!])!;
  const [p50, p95] = sketchQuantiles(m, [0.5, 0.95]);
  // exact: p50 = 1, p95 = 100; the mean of the per-path p95s would say 50.5
  assert.ok(within(p50!, 1, 0.01));
  assert.ok(within(p95!, 100, 0.01));
});

test('coarsening merges bucket pairs exactly and keeps every count', () => {
  const v = Array.from({ length: 500 }, (_, i) => 0.5 + i * 1.7);
  const s = decodeSketch(sketchFromSorted(sorted(v)))!;
  const c = coarsen(s, 2);
  assert.equal(c.level, 2);
  assert.equal(sketchCount(c), 500);
  assert.ok(c.buckets.size < s.buckets.size);
  assert.ok(within(sketchQuantiles(c, [0.5])[0]!, exact(v, 0.5), alphaOf(2)));
  assert.ok(alphaOf(1) > alphaOf(0) && alphaOf(2) > alphaOf(1));
});

test('malformed wire forms are refused, not trusted', () => {
  for (const bad of [null, 'x', [0], [0, 0, 1], [9, 0], [0, -1], [0, 0, 1, -2], [0, 0, 1, 1.5], [0, 0, 3, 1, 0, 1], [0, 0, 1, 1, -1, 1], [0.5, 0], [0, 0, Infinity, 1]]) {
    assert.equal(decodeSketch(bad), null, JSON.stringify(bad));
  }
  assert.equal(decodeSketch([]), null);
  assert.deepEqual(sketchQuantiles({ level: 0, zeros: 0, buckets: new Map() }, [0.5]).map(Number.isNaN), [true]);
  assert.equal(mergeSketches([]), null);
});
