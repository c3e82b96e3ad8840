/**
 * Statistics for the diagnosis engine: Mann-Whitney U (exact for small samples without ties, normal approximation
 * with tie and continuity correction otherwise), Cliff's delta, Welch's t-test, two-proportion z-test, a seeded
 * PRNG and a bootstrap of the difference of means. Pure functions over numeric arrays; no allocation per element
 * beyond one sort of the pooled sample.
 */

export type Num = ArrayLike<number>;

/** mulberry32: small, fast, seedable PRNG returning floats in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Standard normal CDF (Abramowitz–Stegun 7.1.26 via erf, |error| < 1.5e-7). */
export function normalCdf(z: number): number {
  if (!Number.isFinite(z)) return z > 0 ? 1 : 0;
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * x);
  const y = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-x * x);
  return z >= 0 ? 0.5 * (1 + y) : 0.5 * (1 - y);
}

/** ln Γ(x) for x > 0 (Lanczos, Numerical Recipes gammln; relative error < 2e-10). */
export function logGamma(x: number): number {
  const c = [76.18009172947146, -86.50532032941677, 24.01409824083091, -1.231739572450155, 0.1208650973866179e-2, -0.5395239384953e-5];
  let y = x;
  const tmp = x + 5.5 - (x + 0.5) * Math.log(x + 5.5);
  let ser = 1.000000000190015;
  for (const ci of c) ser += ci / ++y;
  return -tmp + Math.log((2.5066282746310005 * ser) / x);
}

function betacf(a: number, b: number, x: number): number {
  const FPMIN = 1e-300;
  let qab = a + b, qap = a + 1, qam = a - 1, c = 1, d = 1 - (qab * x) / qap;
  if (Math.abs(d) < FPMIN) d = FPMIN;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= 200; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((qam + m2) * (a + m2));
    d = 1 + aa * d; if (Math.abs(d) < FPMIN) d = FPMIN;
    c = 1 + aa / c; if (Math.abs(c) < FPMIN) c = FPMIN;
    d = 1 / d; h *= d * c;
    aa = (-(a + m) * (qab + m) * x) / ((a + m2) * (qap + m2));
    d = 1 + aa * d; if (Math.abs(d) < FPMIN) d = FPMIN;
    c = 1 + aa / c; if (Math.abs(c) < FPMIN) c = FPMIN;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < 3e-12) break;
  }
  void qab; void qap; void qam;
  return h;
}

/** Regularised incomplete beta I_x(a, b). */
export function incompleteBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const bt = Math.exp(logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log(1 - x));
  return x < (a + 1) / (a + b + 2) ? (bt * betacf(a, b, x)) / a : 1 - (bt * betacf(b, a, 1 - x)) / b;
}

/** P(X ≤ k) for X ~ Binomial(n, p). */
export function binomialLower(k: number, n: number, p: number): number {
  if (k < 0) return 0;
  if (k >= n) return 1;
  if (p <= 0) return 1;
  if (p >= 1) return 0;
  return incompleteBeta(1 - p, n - k, k + 1);
}

/** ln C(n, k) */
export const lnC = (n: number, k: number) => logGamma(n + 1) - logGamma(k + 1) - logGamma(n - k + 1);

/**
 * P(X ≥ k) for a unimodal discrete distribution on [lo, hi] given by its log-pmf: sums the shorter side (the upper tail
 * when k lies above the mean, else 1 − the lower tail), stopping once the terms no longer matter.
 */
function upperTail(k: number, lo: number, hi: number, mean: number, logPmf: (x: number) => number): number {
  if (k <= lo) return 1;
  if (k > hi) return 0;
  let sum = 0;
  if (k >= mean) {
    for (let x = k; x <= hi; x++) {
      const t = Math.exp(logPmf(x));
      sum += t;
      if (x > mean && t <= sum * 1e-17) break;
    }
    return Math.min(1, sum);
  }
  for (let x = k - 1; x >= lo; x--) {
    const t = Math.exp(logPmf(x));
    sum += t;
    if (x < mean && t <= sum * 1e-17) break;
  }
  return Math.max(0, Math.min(1, 1 - sum));
}

/**
 * Exact exceedance test: P(X ≥ k) where X is the number of nI incident values above the m-th largest of nB baseline
 * values when both come from one distribution (Gumbel & von Schelling 1950; no ties assumed).
 */
export function exceedanceUpper(nB: number, m: number, nI: number, k: number): number {
  if (m < 1 || m > nB) return 1;
  const den = lnC(nB + nI, nI);
  return upperTail(k, 0, nI, (nI * m) / (nB + 1), (x) => lnC(m - 1 + x, x) + lnC(nB - m + nI - x, nI - x) - den);
}

/** One-sided Fisher exact test: P(X ≥ kI) with X ~ Hypergeometric(nB + nI, kB + kI, nI) — did the share rise? */
export function fisherGreater(kB: number, nB: number, kI: number, nI: number): number {
  return hypergeometricUpper(nB + nI, kB + kI, nI, kI);
}

/** P(X ≥ k) for X ~ Hypergeometric(N items, K marked, n drawn). */
function hypergeometricUpper(N: number, K: number, n: number, k: number): number {
  if (N === 0 || K === 0) return k <= 0 ? 1 : 0;
  const den = lnC(N, n);
  return upperTail(k, Math.max(0, n - (N - K)), Math.min(K, n), (n * K) / N, (x) => lnC(K, x) + lnC(N - K, n - x) - den);
}

/**
 * Exceedance test against a POOLED reference of deviations, for samples too small for a rank test: `refSorted` holds
 * many reference deviations (ascending; e.g. log-ratios of each baseline value to its own group's median, pooled over
 * groups), `devs` the new sample's deviations from its own group's baseline. For each k ≥ minK, the k-th largest
 * deviation t gives q = (#reference ≥ t + 1) / (M + 1) and P(Binomial(n, q) ≥ k); the answer is the smallest of
 * those, Bonferroni-corrected over the k tried. Valid when the groups share the shape of their variation (the
 * reference), not their level; `floor` skips deviations too small to matter. 2 of 2 values beyond every one of
 * 5,000 reference deviations gives p ≈ 4e-8, where a rank test against 7 own baseline values cannot go below 1/36.
 */
export function pooledExceedance(refSorted: Num, devs: readonly number[], opts: { minK?: number; floor?: number } = {}): number {
  const minK = opts.minK ?? 2;
  const floor = opts.floor ?? 0;
  const n = devs.length;
  const M = refSorted.length;
  if (n < minK || M === 0) return 1;
  const d = [...devs].sort((x, y) => y - x);
  let best = 1;
  let tried = 0;
  for (let k = minK; k <= n; k++) {
    const t = d[k - 1]!;
    if (!(t > floor)) break;
    tried++;
    const q = (M - countBelow(refSorted, t) + 1) / (M + 1);
    best = Math.min(best, incompleteBeta(q, k, n - k + 1)); // P(Binomial(n, q) ≥ k)
  }
  return tried ? Math.min(1, best * tried) : 1;
}

/**
 * One-sided test that an event rate FELL: kB events over nB exposures (calls, traces, minutes) in the baseline,
 * kI over nI in the incident. Conditional on the total, kI ~ Binomial(kB + kI, nI / (nB + nI)) under equal rates
 * (the exact conditional test of two Poisson rates); returns P(X ≤ kI).
 */
export function rateDropTest(kB: number, nB: number, kI: number, nI: number): number {
  if (nB <= 0 || nI <= 0 || kB + kI === 0) return 1;
  return binomialLower(kI, kB + kI, nI / (nB + nI));
}

/**
 * Tarone's multiple-testing factor for discrete tests (Tarone 1990): a test whose smallest attainable p-value (given
 * its margins — e.g. 5 calls that all went on before and after cannot give a small p whatever happens) is above α/k
 * can never be significant at that level, so it need not be counted. Given each test's smallest attainable p, returns
 * the smallest k with at most k tests attainable below α/k: Bonferroni with that k controls the family-wise error as
 * Bonferroni over all tests does, with more power when most tests could never have been significant.
 */
export function taroneFactor(minPs: readonly number[], alpha: number): number {
  const sorted = Float64Array.from(minPs).sort();
  // m = how many tests can reach α/k; it only falls as k grows, so one pointer walks down once (linear after the sort)
  let m = sorted.length;
  for (let k = 1; k <= sorted.length; k++) {
    while (m > 0 && sorted[m - 1]! > alpha / k) m--;
    if (m <= k) return k;
  }
  return Math.max(1, sorted.length);
}

/**
 * Fisher's method: one combined p-value for independent tests of the same question (−2 Σ ln pᵢ ~ χ² with 2k degrees
 * of freedom; the even-df survival function has a closed form).
 */
export function fisherCombine(ps: readonly number[]): number {
  const k = ps.length;
  if (k === 0) return 1;
  let x = 0;
  for (const p of ps) x += -2 * Math.log(Math.max(1e-300, Math.min(1, p)));
  const h = x / 2;
  let term = 1;
  let sum = 1;
  for (let j = 1; j < k; j++) {
    term *= h / j;
    sum += term;
  }
  return Math.min(1, Math.exp(-h) * sum);
}

/** P(T > t) for Student's t with df degrees of freedom (upper tail). */
export function studentTUpper(t: number, df: number): number {
  if (!Number.isFinite(t)) return t > 0 ? 0 : 1;
  if (df > 1e6) return 1 - normalCdf(t);
  const x = df / (df + t * t);
  const tail = 0.5 * incompleteBeta(x, df / 2, 0.5);
  return t > 0 ? tail : 1 - tail;
}

export type Alternative = 'greater' | 'less' | 'two-sided';

export interface TestResult {
  /** p-value for the chosen alternative (NaN when the test cannot be run: empty sample) */
  p: number;
  /** test statistic (U of sample b, z, or t) */
  statistic: number;
  method: string;
}

export interface MannWhitneyResult extends TestResult {
  /** U counting pairs where b > a (ties count ½) */
  u: number;
  /** Cliff's delta of b vs a: P(b > a) − P(b < a), in [−1, 1] */
  cliffsDelta: number;
  n1: number;
  n2: number;
}

/** Exact null distribution of U (no ties) for small samples: counts of U=k over all C(n1+n2, n1) arrangements. */
function exactUCdf(n1: number, n2: number): Float64Array {
  // f[i][j][u]: number of arrangements of i a's and j b's with U = u; dynamic programming over the last element.
  const maxU = n1 * n2;
  let prev: Float64Array[] = [];
  for (let j = 0; j <= n2; j++) {
    const arr = new Float64Array(maxU + 1);
    arr[0] = 1;
    prev.push(arr);
  }
  for (let i = 1; i <= n1; i++) {
    const cur: Float64Array[] = [];
    for (let j = 0; j <= n2; j++) {
      const arr = new Float64Array(maxU + 1);
      // last element is an a (contributes 0 to U of b>a... counts pairs b>a where b after a? define U_b = #(b>a))
      // Using the recursion f(i,j,u) = f(i-1,j,u) + f(i,j-1,u-i): last (largest) element a → no pair; b → beats i a's.
      const pa = prev[j]!;
      for (let u = 0; u <= maxU; u++) arr[u] = pa[u]!;
      if (j > 0) {
        const pb = cur[j - 1]!;
        for (let u = i; u <= maxU; u++) arr[u] += pb[u - i]!;
      }
      cur.push(arr);
    }
    prev = cur;
  }
  const dist = prev[n2]!;
  let total = 0;
  for (let u = 0; u <= maxU; u++) total += dist[u]!;
  const cdf = new Float64Array(maxU + 1);
  let acc = 0;
  for (let u = 0; u <= maxU; u++) {
    acc += dist[u]!;
    cdf[u] = acc / total;
  }
  return cdf;
}

/**
 * Mann-Whitney U test of sample b against sample a. alternative 'greater' = b tends to be larger than a.
 * Exact when both samples are small (n1·n2 ≤ 400) and there are no ties; otherwise the normal approximation with tie
 * correction and continuity correction.
 */
export function mannWhitney(a: Num, b: Num, alternative: Alternative = 'two-sided'): MannWhitneyResult {
  const n1 = a.length;
  const n2 = b.length;
  if (n1 === 0 || n2 === 0) return { p: NaN, statistic: NaN, u: NaN, cliffsDelta: 0, n1, n2, method: 'mann-whitney (empty sample)' };
  const n = n1 + n2;
  // Sort each sample natively (typed-array numeric sort), then merge: ranks with ties averaged, no comparator sort.
  const sa = Float64Array.from(a as ArrayLike<number>).sort();
  const sb = Float64Array.from(b as ArrayLike<number>).sort();
  let rankSumB = 0;
  let tieTerm = 0;
  let hasTies = false;
  let ia = 0;
  let ib = 0;
  let rank = 0; // ranks assigned so far
  while (ia < n1 || ib < n2) {
    const v = ib >= n2 || (ia < n1 && sa[ia]! <= sb[ib]!) ? sa[ia]! : sb[ib]!;
    let ca = 0;
    let cb = 0;
    while (ia < n1 && sa[ia] === v) {
      ia++;
      ca++;
    }
    while (ib < n2 && sb[ib] === v) {
      ib++;
      cb++;
    }
    if (ca + cb === 0) {
      // NaN: rank it alone on its side so the loop always advances
      if (ia < n1 && Number.isNaN(sa[ia]!)) ia++, ca++;
      else ib++, cb++;
    }
    const t = ca + cb;
    const avgRank = rank + (t + 1) / 2;
    rankSumB += cb * avgRank;
    if (t > 1) {
      hasTies = true;
      tieTerm += t * t * t - t;
    }
    rank += t;
  }
  const u = rankSumB - (n2 * (n2 + 1)) / 2; // pairs with b > a (+½ ties)
  const cliffsDelta = (2 * u) / (n1 * n2) - 1;
  if (!hasTies && n1 * n2 <= 400) {
    const cdf = exactUCdf(n1, n2);
    const uInt = Math.round(u);
    const pGreater = 1 - (uInt > 0 ? cdf[uInt - 1]! : 0); // P(U >= u)
    const pLess = cdf[uInt]!; // P(U <= u)
    const p = alternative === 'greater' ? pGreater : alternative === 'less' ? pLess : Math.min(1, 2 * Math.min(pGreater, pLess));
    return { p, statistic: u, u, cliffsDelta, n1, n2, method: 'mann-whitney (exact)' };
  }
  const mu = (n1 * n2) / 2;
  const sigma2 = ((n1 * n2) / 12) * (n + 1 - tieTerm / (n * (n - 1)));
  if (sigma2 <= 0) return { p: 1, statistic: 0, u, cliffsDelta, n1, n2, method: 'mann-whitney (all values tied)' };
  const sigma = Math.sqrt(sigma2);
  const d = u - mu;
  let p: number;
  if (alternative === 'greater') p = 1 - normalCdf((d - 0.5) / sigma);
  else if (alternative === 'less') p = normalCdf((d + 0.5) / sigma);
  else p = Math.min(1, 2 * (1 - normalCdf((Math.abs(d) - 0.5) / sigma)));
  return { p: Math.max(0, Math.min(1, p)), statistic: d / sigma, u, cliffsDelta, n1, n2, method: 'mann-whitney (normal approx., tie-corrected)' };
}

/** Cliff's delta of b vs a (P(b>a) − P(b<a)), via the U statistic. */
export function cliffsDelta(a: Num, b: Num): number {
  return mannWhitney(a, b).cliffsDelta;
}

/** Magnitude labels of Romano et al. (2006). */
export function cliffsMagnitude(d: number): 'negligible' | 'small' | 'medium' | 'large' {
  const x = Math.abs(d);
  return x < 0.147 ? 'negligible' : x < 0.33 ? 'small' : x < 0.474 ? 'medium' : 'large';
}

/** Welch's t-test from summary statistics (means, sample variances, sizes). b vs a. */
export function welchFromSummary(
  meanA: number, varA: number, nA: number, meanB: number, varB: number, nB: number, alternative: Alternative = 'two-sided',
): TestResult {
  if (nA < 2 || nB < 2) return { p: NaN, statistic: NaN, method: 'welch (too few samples)' };
  const sa = varA / nA;
  const sb = varB / nB;
  const se = Math.sqrt(sa + sb);
  const diff = meanB - meanA;
  if (se === 0) return { p: diff === 0 ? 1 : 0, statistic: diff === 0 ? 0 : Math.sign(diff) * Infinity, method: 'welch' };
  const t = diff / se;
  const df = (sa + sb) ** 2 / ((sa * sa) / (nA - 1) + (sb * sb) / (nB - 1));
  const up = studentTUpper(t, df);
  const p = alternative === 'greater' ? up : alternative === 'less' ? 1 - up : Math.min(1, 2 * Math.min(up, 1 - up));
  return { p, statistic: t, method: 'welch' };
}

/** Two-proportion z-test: is the rate kB/nB different from kA/nA. */
export function twoProportion(kA: number, nA: number, kB: number, nB: number, alternative: Alternative = 'greater'): TestResult {
  if (nA === 0 || nB === 0) return { p: NaN, statistic: NaN, method: 'two-proportion (empty)' };
  const pA = kA / nA, pB = kB / nB, pool = (kA + kB) / (nA + nB);
  const se = Math.sqrt(pool * (1 - pool) * (1 / nA + 1 / nB));
  if (se === 0) return { p: pA === pB ? 1 : 0, statistic: 0, method: 'two-proportion z' };
  const z = (pB - pA) / se;
  const p = alternative === 'greater' ? 1 - normalCdf(z) : alternative === 'less' ? normalCdf(z) : 2 * (1 - normalCdf(Math.abs(z)));
  return { p, statistic: z, method: 'two-proportion z' };
}

/**
 * One-sided test that B's share (kB of nB) is greater than A's (kA of nA): Fisher's exact test with the mid-p
 * correction (P(X > k) + ½ P(X = k); the plain exact test is conservative for discrete counts, mid-p keeps the error
 * rate near nominal) when an expected cell count is below 5 — the normal approximation is anti-conservative there
 * (0/20 → 5/20 failing traces: z gives p = 0.008, mid-p 0.012) — else the two-proportion z test.
 */
export function proportionGreater(kA: number, nA: number, kB: number, nB: number): TestResult {
  const N = nA + nB;
  const K = kA + kB;
  if (nA === 0 || nB === 0 || N === 0) return twoProportion(kA, nA, kB, nB, 'greater');
  const minExpected = (Math.min(K, N - K) * Math.min(nA, nB)) / N;
  if (minExpected < 5) {
    const p = (hypergeometricUpper(N, K, nB, kB) + hypergeometricUpper(N, K, nB, kB + 1)) / 2;
    return { p, statistic: kB / nB - kA / nA, method: "Fisher's exact test (mid-p)" };
  }
  return twoProportion(kA, nA, kB, nB, 'greater');
}

export function mean(x: Num): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i]!;
  return x.length ? s / x.length : NaN;
}

export function variance(x: Num): number {
  const n = x.length;
  if (n < 2) return 0;
  const m = mean(x);
  let s = 0;
  for (let i = 0; i < n; i++) s += (x[i]! - m) ** 2;
  return s / (n - 1);
}

/** How many values of the ascending-sorted array are < x (or <= x when inclusive): a binary search. */
export function countBelow(sorted: Num, x: number, inclusive = false): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (inclusive ? sorted[mid]! <= x : sorted[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Percentile (linear interpolation between closest ranks) of an ascending-sorted array; q in [0, 1]. */
export function quantileSorted(sorted: Num, q: number): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  if (n === 1) return sorted[0]!;
  const pos = (n - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.min(n - 1, lo + 1);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

/**
 * Bootstrap of mean(b) − mean(a): a percentile confidence interval and the one-sided p-value P(diff ≤ 0).
 * Deterministic for a given seed. Large samples are resampled from at most `maxN` elements each.
 */
export function bootstrapMeanDiff(a: Num, b: Num, opts: { iterations?: number; seed?: number; level?: number } = {}): {
  diff: number; lo: number; hi: number; pNotGreater: number;
} {
  const B = opts.iterations ?? 1000;
  const rnd = mulberry32(opts.seed ?? 1);
  const level = opts.level ?? 0.95;
  const n1 = a.length, n2 = b.length;
  const diff = mean(b) - mean(a);
  if (n1 === 0 || n2 === 0) return { diff, lo: NaN, hi: NaN, pNotGreater: NaN };
  const out = new Float64Array(B);
  let notGreater = 0;
  for (let it = 0; it < B; it++) {
    let sa = 0, sb = 0;
    for (let i = 0; i < n1; i++) sa += a[Math.floor(rnd() * n1)]!;
    for (let i = 0; i < n2; i++) sb += b[Math.floor(rnd() * n2)]!;
    const d = sb / n2 - sa / n1;
    out[it] = d;
    if (d <= 0) notGreater++;
  }
  out.sort();
  return { diff, lo: quantileSorted(out, (1 - level) / 2), hi: quantileSorted(out, 1 - (1 - level) / 2), pNotGreater: (notGreater + 1) / (B + 1) };
}

/** A p-value for humans: 2 significant digits, "< 1e-16" below double precision. */
/** "p=0.0031" or "p < 1e-16" — a p-value as it reads in a sentence. */
export function pValue(p: number | null | undefined): string {
  const f = formatP(p);
  return f.startsWith('<') ? `p ${f}` : `p=${f}`;
}

export function formatP(p: number | null | undefined): string {
  if (p === null || p === undefined || !Number.isFinite(p)) return 'n/a';
  if (p < 1e-16) return '< 1e-16';
  return p < 0.001 ? p.toExponential(1) : p.toPrecision(2);
}
