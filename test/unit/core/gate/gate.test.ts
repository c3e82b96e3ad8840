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
