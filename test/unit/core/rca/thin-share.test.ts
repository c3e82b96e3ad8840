// "How much of the slowdown does the answer account for?" (analyze.ts thinlyExplained): a root cause worth a few per
// cent of a significant end-to-end slowdown, with all findings together well under half of it, gets a note beside it —
// seen on a live no-fault control of a shared machine, where +0.35 ms of call delay was named for +13.9 ms end to end.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { thinlyExplained } from '../../../../src/core/rca/analyze';
import type { Candidate, Diagnosis } from '../../../../src/core/rca/diagnosis';

const c = (service: string, kind: Candidate['kind'], impactMs: number, extra: Partial<Candidate> = {}): Candidate => ({
  service, name: 'op', kind, impactMs, confidence: 0.5, evidence: [], summary: '', ...extra,
});
const diag = (rootCause: Candidate | null, candidates: Candidate[]): Diagnosis => ({ rootCause, candidates, notes: [] }) as unknown as Diagnosis;

test('a root cause of 0.35 ms beside +13.9 ms end to end: the note says how little it and all findings account for', () => {
  const rc = c('travel', 'call_delay', 0.353);
  const note = thinlyExplained(diag(rc, [rc, c('station', 'self_time', 0.14), c('route', 'self_time', 0.1)]), 13.9);
  assert.ok(note);
  assert.match(note, /accounts for about 0\.353 ms of the 13\.9 ms added per trace end to end \(3 %\), all findings together for about 0\.593 ms \(4 %\)/);
  assert.match(note, /spread thinly over many spans/);
});

test('no note when the answer or the findings together account for a fair share, or the answer is not about latency', () => {
  const rc = c('food', 'self_time', 6.6);
  // food alone is 5 % of +123 ms, but the findings together are a third of it: the slowdown is in components
  assert.equal(thinlyExplained(diag(rc, [rc, c('seat', 'self_time', 12), c('travel2', 'self_time', 10), c('food', 'self_time', 5.8), c('x', 'self_time', 8)]), 123), null);
  const big = c('checkout', 'call_delay', 29);
  assert.equal(thinlyExplained(diag(big, [big]), 31), null);
  // a caller's wait for the callee is the callee's finding again: not counted twice, so it cannot hide a thin answer
  const small = c('a', 'call_delay', 0.5);
  assert.ok(thinlyExplained(diag(small, [small, c('b', 'self_time', 20, { waitsOn: 'a' })]), 30));
  // failures and stopped work are not measured in ms: no note
  const err = c('price', 'errors', 0);
  assert.equal(thinlyExplained(diag(err, [err]), 40), null);
  const stop = c('basic', 'stopped_work', 0);
  assert.equal(thinlyExplained(diag(stop, [stop]), 40), null);
  // not slower end to end (the decision came from elsewhere): no share to state
  assert.equal(thinlyExplained(diag(small, [small]), 0), null);
  assert.equal(thinlyExplained(diag(null, []), 30), null);
});
