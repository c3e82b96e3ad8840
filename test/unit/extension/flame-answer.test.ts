// The words of the flame panel's answer and of the diagnosis notification on the two real-fault cases' shapes
// (test/fixtures/real-faults): a failure that costs no time on a run that is not slower overall (OnlineBoutique
// exception), and a network delay that is (TrainTicket). The e2e scenario rf shows them in code-server.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Diagnosis } from '../../../src/core/rca/diagnosis';
import { formatEndToEnd, formatImpactPerTrace } from '../../../src/core/format';
import { diagnosisMessage } from '../../../src/extension/report-model';
import { candidateNote, changedRequestLines, changedRequestsHeading, summaryNote } from '../../../webview/flame/answer-text';

const stopsEarly = 'frontend / hipstershop.Frontend/Recv. now stops right after calling checkoutservice (an exception or early return in frontend, or a failure reported without an error status)';
const ob: Diagnosis = {
  rootCause: { service: 'frontend', name: 'hipstershop.Frontend/Recv.', kind: 'errors', impactMs: 0, confidence: 0.75, evidence: ['frontend / hipstershop.Frontend/Recv. now stops right after calling checkoutservice (hipstershop.CheckoutService/PlaceOrder): went on after it in 100% → 0% of calls (p=3.4e-5)'], summary: stopsEarly, detector: 'vanished_work' },
  candidates: [],
  latency: { baselineMs: 219.43, incidentMs: 225.96, pValue: 0.19, test: 'Mann-Whitney U one-sided p=0.19' },
  regression: {
    slower: true, errorsUp: false, alpha: 0.01,
    entryPoints: [{
      entry: 'frontend / hipstershop.Frontend/Recv. → checkoutservice / hipstershop.CheckoutService/PlaceOrder',
      root: { service: 'frontend', name: 'hipstershop.Frontend/Recv.' },
      firstCall: { service: 'checkoutservice', name: 'hipstershop.CheckoutService/PlaceOrder' },
      traces: { baseline: 18, incident: 18 },
      changes: [{ test: 'spans', before: 68, after: 42, p: 3.9e-6, text: "spans per trace median 68 → 42, mean 71 → 40 (Mann-Whitney p=3.9e-6, Cliff's delta -1.00)" }],
    }],
  },
  notes: [],
};
const tt: Diagnosis = {
  rootCause: { service: 'ts-security-service', name: '/api/v1/securityservice/securityConfigs/{accountId}', kind: 'queueing', impactMs: 406.2, confidence: 0.88, evidence: [], summary: "calls to ts-security-service wait longer between the caller's span and ts-security-service's span (network delay or a saturated ts-security-service)" },
  candidates: [],
  latency: { baselineMs: 212, incidentMs: 747, pValue: 0.0022, test: 'Welch' },
  regression: { slower: true, errorsUp: false, alpha: 0.01, entryPoints: [] },
  notes: [],
};

test('a failure that costs no time has no "±0 ms per trace" headline; a not-slower run says so', () => {
  // before: "errors · ±0 ms per trace · confidence 75%" and "— ±0 ms per trace · end-to-end 219 ms → 226 ms"
  assert.equal(formatImpactPerTrace(0), null);
  assert.equal(formatImpactPerTrace(0.01), null);
  assert.equal(formatImpactPerTrace(406.2), '+406 ms per trace');
  assert.equal(candidateNote(ob.rootCause!), 'errors · confidence 75%');
  assert.equal(summaryNote(ob), 'end-to-end 219 ms → 226 ms, not significantly slower overall');
  assert.equal(candidateNote(tt.rootCause!), 'queueing · effect +406 ms per trace · confidence 88%');
  // a caller's own time that is the wait for another finding's service says so on its line
  assert.equal(candidateNote({ kind: 'self_time', impactMs: 222, waitsOn: 'ts-security-service' }), 'own time · the wait for ts-security-service · effect +222 ms per trace');
  assert.equal(summaryNote(tt), 'effect +406 ms per trace · end-to-end 212 ms → 747 ms');
  // faster overall, or no test at all
  assert.equal(formatEndToEnd({ baselineMs: 12, incidentMs: 9.7, pValue: 1 }), 'end-to-end 12 ms → 9.7 ms, not slower overall');
  assert.equal(formatEndToEnd({ baselineMs: 30, incidentMs: 800, pValue: null }), 'end-to-end 30 ms → 800 ms');
  assert.equal(formatEndToEnd({ baselineMs: 30, incidentMs: 800, pValue: 0.02 }, 0.05, true), 'End-to-end 30 ms → 800 ms');
});

test('the requests that changed are listed: why a not-slower run is a regression', () => {
  assert.deepEqual(changedRequestLines(ob), [
    "frontend / hipstershop.Frontend/Recv. → checkoutservice / hipstershop.CheckoutService/PlaceOrder — 18 incident traces (18 in the baseline): spans per trace median 68 → 42, mean 71 → 40 (Mann-Whitney p=3.9e-6, Cliff's delta -1.00)",
  ]);
  assert.deepEqual(changedRequestLines(tt), []);
  // a run whose requests are all of one kind: the heading and the line say so
  assert.equal(changedRequestsHeading(ob), 'Requests that changed');
  const one: Diagnosis = { ...ob, regression: { ...ob.regression!, entryPointsSeen: 1 } };
  assert.equal(changedRequestsHeading(one), 'The requests (one entry point)');
  assert.match(changedRequestLines(one)[0]!, /PlaceOrder — all 18 incident traces \(18 in the baseline\): spans per trace/);
  assert.deepEqual(changedRequestLines({ ...tt, regression: undefined }), []);
});

test('the diagnosis notification does not name the operation twice, nor headline ±0 ms', () => {
  // before: "Root cause: hipstershop.Frontend/Recv. in frontend — frontend / hipstershop.Frontend/Recv. now stops … (±0 ms per trace, confidence 75%). End-to-end 219 ms → 226 ms."
  assert.equal(diagnosisMessage(ob), `Root cause: ${stopsEarly} (confidence 75%). End-to-end 219 ms → 226 ms, not significantly slower overall.`);
  assert.equal(diagnosisMessage(tt), `Root cause: /api/v1/securityservice/securityConfigs/{accountId} in ts-security-service — ${tt.rootCause!.summary} (effect +406 ms per trace, confidence 88%). End-to-end 212 ms → 747 ms.`);
});
