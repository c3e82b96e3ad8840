import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bootstrapMeanDiff, cliffsDelta, mannWhitney, mulberry32, normalCdf, quantileSorted, studentTUpper, twoProportion, welchFromSummary, mean, variance } from '../../../../src/core/stats/index';

const close = (a: number, b: number, tol: number, msg?: string) => assert.ok(Math.abs(a - b) <= tol, `${msg ?? ''} ${a} vs ${b}`);

// reference values from scipy 1.17 (scipy.stats.mannwhitneyu / ttest_ind)
test('Mann-Whitney exact (no ties) matches scipy', () => {
  const r = mannWhitney([1, 2, 3, 4, 5], [6, 7, 8, 9, 10], 'greater');
  assert.equal(r.method, 'mann-whitney (exact)');
  assert.equal(r.u, 25);
  close(r.p, 0.003968253968253968, 1e-12);
  assert.equal(r.cliffsDelta, 1);
  const two = mannWhitney([1.1, 2.5, 3.3, 4.0, 5.2, 6.1], [2.0, 4.4, 5.5, 6.6, 7.7], 'two-sided');
  assert.equal(two.u, 22);
  close(two.p, 0.24675324675324672, 1e-12);
});

test('Mann-Whitney normal approximation with ties and continuity correction matches scipy', () => {
  const a = [1, 2, 2, 3, 3, 3, 4, 5, 6, 7, 8, 9, 10, 10, 11];
  const b = [3, 4, 5, 5, 6, 7, 8, 9, 9, 10, 12, 13, 14, 15, 15, 16];
  const g = mannWhitney(a, b, 'greater');
  assert.equal(g.u, 180.5);
  close(g.p, 0.008693243857116296, 2e-6);
  close(mannWhitney(a, b, 'two-sided').p, 0.017386487714232592, 4e-6);
  // symmetric: the other direction is not significant
  assert.ok(mannWhitney(b, a, 'greater').p > 0.9);
});

test('Mann-Whitney degenerate inputs', () => {
  assert.ok(Number.isNaN(mannWhitney([], [1, 2]).p));
  const tied = mannWhitney([5, 5, 5], [5, 5, 5, 5], 'greater');
  assert.equal(tied.p, 1);
  assert.equal(tied.cliffsDelta, 0);
});

test('Welch t matches scipy; t distribution and normal CDF sane', () => {
  const a = [1, 2, 2, 3, 3, 3, 4, 5, 6, 7, 8, 9, 10, 10, 11];
  const b = [3, 4, 5, 5, 6, 7, 8, 9, 9, 10, 12, 13, 14, 15, 15, 16];
  const r = welchFromSummary(mean(a), variance(a), a.length, mean(b), variance(b), b.length, 'greater');
  close(r.statistic, 2.783857039695745, 1e-9);
  close(r.p, 0.004748018217357009, 1e-6);
  close(normalCdf(1.959964), 0.975, 1e-6);
  close(studentTUpper(2.228, 10), 0.025, 2e-4);
});

test("Cliff's delta, two-proportion test, quantiles, bootstrap determinism", () => {
  close(cliffsDelta([1, 2, 3], [2, 3, 4]), 6 / 9 - 1 / 9, 1e-12); // P(b>a) − P(b<a)
  assert.ok(twoProportion(0, 100, 30, 100).p < 1e-6);
  assert.ok(twoProportion(10, 100, 10, 100).p > 0.4);
  close(quantileSorted([1, 2, 3, 4], 0.5), 2.5, 1e-12);
  const rnd = mulberry32(7);
  const a = Array.from({ length: 50 }, () => rnd());
  const b = Array.from({ length: 50 }, () => rnd() + 0.3);
  const x = bootstrapMeanDiff(a, b, { seed: 3, iterations: 500 });
  const y = bootstrapMeanDiff(a, b, { seed: 3, iterations: 500 });
  assert.deepEqual(x, y);
  assert.ok(x.lo > 0 && x.pNotGreater < 0.01);
});

test('false-positive rate of the one-sided Mann-Whitney test is about alpha', () => {
  const rnd = mulberry32(11);
  let fp = 0;
  const N = 400;
  for (let k = 0; k < N; k++) {
    const a = Array.from({ length: 30 }, () => Math.exp(rnd()));
    const b = Array.from({ length: 30 }, () => Math.exp(rnd()));
    if (mannWhitney(a, b, 'greater').p < 0.05) fp++;
  }
  assert.ok(fp / N < 0.08 && fp / N > 0.02, `false-positive rate ${fp / N}`);
});

test("taroneFactor: tests that could never reach α/k are not counted; with none of them it is Bonferroni's count", async () => {
  const { taroneFactor, fisherGreater } = await import('../../../../src/core/stats/index');
  // 100 tests of which 97 could not give p below 0.05 whatever the data (5 of 5 calls went on before and after),
  // 3 could: the factor is 3, not 100
  const untestable = Array.from({ length: 97 }, () => fisherGreater(0, 5, 0, 5));
  assert.equal(untestable[0], 1);
  assert.equal(taroneFactor([...untestable, 1e-9, 1e-6, 1e-4], 0.01), 3);
  // every test able to reach a tiny p: Bonferroni over all of them
  assert.equal(taroneFactor(Array.from({ length: 50 }, () => 1e-12), 0.01), 50);
  // the smallest k with at most k tests attainable below α/k: 10 tests at 1e-3 — α/10 = 1e-3 admits all 10
  assert.equal(taroneFactor(Array.from({ length: 10 }, () => 1e-3), 0.01), 10);
  // 3 tests at 3e-3: α/1 and α/2 admit all 3 (more than k), α/3 ≈ 3.3e-3 admits 3 → k = 3
  assert.equal(taroneFactor([3e-3, 3e-3, 3e-3], 0.01), 3);
  assert.equal(taroneFactor([], 0.01), 1);
});

test('taroneFactor stays linear after its sort on 200,000 tests (hostile inputs make many operation pairs)', async () => {
  const { taroneFactor } = await import('../../../../src/core/stats/index');
  // one test in 7 able to reach a tiny p: the factor is their count
  assert.equal(taroneFactor(Array.from({ length: 200000 }, (_, i) => (i % 7 === 0 ? 1e-12 : 0.5)), 0.01), 28572);
});
