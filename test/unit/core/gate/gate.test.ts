import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluateGate, endToEnd, parsePercent, GateInputError } from '../../../../src/core/gate/gate';
import type { Diagnosis } from '../../../../src/core/rca/diagnosis';

const diag = (slower: boolean, errorsUp: boolean, pValue: number | null = 0.001): Diagnosis => ({
  rootCause: null,
  candidates: [],
  notes: [],
  latency: { baselineMs: 100, incidentMs: 110, pValue, test: 't' },
  regression: { slower, errorsUp, alpha: 0.01 },
});
const runOf = (lat: number[], errs = 0) => ({ latencyMs: lat, traceError: lat.map((_, k) => (k < errs ? 1 : 0)) });
const seq = (n: number, f: (k: number) => number) => Array.from({ length: n }, (_, k) => f(k));

test('percentiles and error rates from per-trace figures', () => {
  const e = endToEnd(runOf(seq(101, (k) => k)), runOf(seq(101, (k) => 2 * k), 10), 'p95');
  assert.equal(e.baselineMs, 95);
  assert.equal(e.incidentMs, 190);
  assert.equal(e.change, 1);
  assert.equal(e.errors.incident, 10);
  assert.ok(e.errorRate.pValue < 0.01);
  assert.equal(endToEnd(runOf(seq(101, (k) => k)), runOf(seq(101, (k) => k)), 'p50').baselineMs, 50);
});

test('no gate option: informative only, exit 0 even when the engine says slower', () => {
  const g = evaluateGate(diag(true, true), runOf([1, 2, 3]), runOf([5, 6, 7], 3), { failOnRegression: false });
  assert.equal(g.active, false);
  assert.equal(g.exitCode, 0);
});

test('--fail-on regression follows the engine decision', () => {
  const b = runOf(seq(50, (k) => 100 + k));
  const i = runOf(seq(50, (k) => 101 + k));
  assert.equal(evaluateGate(diag(true, false), b, i, { failOnRegression: true }).exitCode, 1);
  assert.equal(evaluateGate(diag(false, true), b, i, { failOnRegression: true }).exitCode, 1);
  assert.equal(evaluateGate(diag(false, false), b, i, { failOnRegression: true }).exitCode, 0);
});

test('--max-slowdown: needs both the engine\'s "beyond noise" and a change above the tolerance', () => {
  const b = runOf(seq(100, (k) => 100 + k));
  const i = runOf(seq(100, (k) => 110 + k)); // p95 ≈ +4.9 %
  const e = endToEnd(b, i, 'p95');
  assert.ok(e.change > 0.04 && e.change < 0.06);
  assert.equal(evaluateGate(diag(true, false), b, i, { failOnRegression: false, maxSlowdown: 0.04 }).exitCode, 1);
  assert.equal(evaluateGate(diag(true, false), b, i, { failOnRegression: false, maxSlowdown: 0.06 }).exitCode, 0, 'within tolerance');
  assert.equal(evaluateGate(diag(false, false), b, i, { failOnRegression: true, maxSlowdown: 0.01 }).exitCode, 0, 'noise, whatever the tolerance');
});

test('--max-error-rate-increase: own two-proportion test and tolerance in percentage points', () => {
  const b = runOf(seq(400, () => 100), 0);
  const i = runOf(seq(400, () => 100), 12); // 3 pp, significant
  assert.equal(evaluateGate(diag(false, false), b, i, { failOnRegression: false, maxErrorRateIncrease: 0.02 }).exitCode, 1);
  assert.equal(evaluateGate(diag(false, false), b, i, { failOnRegression: false, maxErrorRateIncrease: 0.05 }).exitCode, 0);
  const i2 = runOf(seq(400, () => 100), 1); // 0.25 pp, noise
  assert.equal(evaluateGate(diag(false, false), b, i2, { failOnRegression: false, maxErrorRateIncrease: 0 }).exitCode, 0);
});

test('input the gate cannot judge throws GateInputError', () => {
  assert.throws(() => evaluateGate(diag(true, false, null), runOf([1]), runOf([2]), { failOnRegression: true }), GateInputError);
  assert.throws(() => evaluateGate(diag(true, false), runOf([]), runOf([2]), { failOnRegression: true }), /no traces in the baseline/);
  const noReg = { ...diag(true, false) };
  delete noReg.regression;
  assert.throws(() => evaluateGate(noReg, runOf([1, 2]), runOf([2, 3]), { failOnRegression: true }), /no regression decision/);
});

test('parsePercent', () => {
  assert.equal(parsePercent('5%', 'x'), 0.05);
  assert.equal(parsePercent('5', 'x'), 0.05);
  assert.equal(parsePercent(' 0.5 % ', 'x'), 0.005);
  for (const bad of ['', 'abc', '-1%', '5%%', '1e3', '101%']) assert.throws(() => parsePercent(bad, 'x', 100), /--x/);
});

test('h25: a change the engine found in part of the requests is said as such (not "slower beyond noise (p=1.0)"), and requests that stop early fail the gate through a latency tolerance', () => {
  // the real OnlineBoutique "return" fault: requests end right after one call, so the run gets faster end to end
  const d: Diagnosis = {
    ...diag(true, false, 1),
    regression: {
      slower: true,
      errorsUp: false,
      alpha: 0.01,
      entryPoints: [
        {
          entry: 'frontend / Recv. → productcatalogservice / GetProduct',
          root: { service: 'frontend', name: 'Recv.' },
          traces: { baseline: 282, incident: 74 },
          changes: [
            { test: 'latency', before: 116, after: 16, p: 1e-20, text: 'median 116 ms → 16.0 ms (faster)' },
            { test: 'spans', before: 48, after: 7, p: 1e-20, text: 'spans per trace median 48 → 7.0' },
            { test: 'rate', before: 282, after: 74, p: 1e-20, text: 'traces per minute 282/min → 74/min' },
          ],
        },
      ],
    },
  };
  const b = runOf(seq(100, (k) => 200 + k));
  const i = runOf(seq(100, (k) => 100 + k)); // p95 −47 %
  const tol = evaluateGate(d, b, i, { failOnRegression: true, maxSlowdown: 0.05 });
  assert.equal(tol.exitCode, 1, 'the README gate (--fail-on regression --max-slowdown 5%) fails it');
  const lat = tol.checks.find((c) => c.name === 'latency')!;
  assert.equal(lat.status, 'pass', 'not a slowdown: the tolerance is kept');
  assert.doesNotMatch(lat.detail, /slower beyond noise \(p=1\.0\)/);
  assert.match(lat.detail, /not slower end to end \(p=1\.0\), but changed beyond noise in part of the requests: entry point frontend \/ Recv\. → productcatalogservice \/ GetProduct: median 116 ms → 16\.0 ms/);
  const st = tol.checks.find((c) => c.name === 'structure')!;
  assert.equal(st.status, 'fail');
  assert.equal(st.detail, 'entry point frontend / Recv. → productcatalogservice / GetProduct: spans per trace median 48 → 7.0 (and 1 more)');
  // a latency tolerance alone (no --fail-on regression) keeps to latency: structure is said, not failed
  const only = evaluateGate(d, b, i, { failOnRegression: false, maxSlowdown: 0.05 });
  assert.equal(only.exitCode, 0);
  assert.match(only.checks.find((c) => c.name === 'structure')!.detail, /\(fails with --fail-on regression\)$/);
  // the engine's "no change" is never overridden; a throughput rise is load, not a regression
  assert.equal(evaluateGate({ ...d, regression: { ...d.regression!, slower: false } }, b, i, { failOnRegression: true }).exitCode, 0);
  const busier = structuredClone(d);
  busier.regression!.entryPoints![0]!.changes = [{ test: 'rate', before: 74, after: 282, p: 1e-20, text: 'traces per minute 74/min → 282/min' }];
  assert.equal(evaluateGate(busier, b, i, { failOnRegression: true, maxSlowdown: 0.05 }).exitCode, 0);
  // no entry points tested (tree-only): the two checks as before
  assert.deepEqual(evaluateGate(diag(true, false), b, i, { failOnRegression: true }).checks.map((c) => c.name), ['latency', 'errors']);
});

test('without a tolerance the latency line names the part that got slower, not a faster entry point found first', () => {
  // OB checkout network delay: browsing got faster, checkout slower; the first significant change is the faster one
  const d: Diagnosis = {
    ...diag(true, false, 1),
    regression: {
      slower: true,
      errorsUp: false,
      alpha: 0.01,
      entryPoints: [
        { entry: 'frontend / Recv. → cart', root: { service: 'frontend', name: 'Recv.' }, traces: { baseline: 90, incident: 95 }, changes: [{ test: 'latency', before: 254, after: 160, p: 1e-6, text: 'median 254 ms → 160 ms (faster)' }] },
        { entry: 'frontend / Recv. → checkout', root: { service: 'frontend', name: 'Recv.' }, traces: { baseline: 18, incident: 15 }, changes: [{ test: 'tail', before: 400, after: 520, p: 1e-4, text: 'p95 400 ms → 520 ms' }] },
      ],
    },
  };
  const b = runOf(seq(100, (k) => 200 + k));
  const i = runOf(seq(100, (k) => 190 + k));
  const lat = evaluateGate(d, b, i, { failOnRegression: true }).checks.find((c) => c.name === 'latency')!;
  assert.equal(lat.status, 'fail');
  assert.match(lat.detail, /not slower end to end \(p=1\.0\), but part of the requests is slower beyond noise: entry point frontend \/ Recv\. → checkout, p95 400 ms → 520 ms \(\+30 %\)$/);
  assert.doesNotMatch(lat.detail, /faster/);
});

test('h25: errors up in part of the requests while fewer traces fail overall is said as such', () => {
  const b = runOf(seq(71, (k) => 100 + k), 15);
  const i = runOf(seq(59, (k) => 100 + k), 11);
  const g = evaluateGate(diag(false, true), b, i, { failOnRegression: true });
  const e = g.checks.find((c) => c.name === 'errors')!;
  assert.equal(e.status, 'fail');
  assert.match(e.detail, /−?-?2\.\d+ pp; not more overall, but failing more beyond noise in part of the requests \(see the notes\)/);
});
