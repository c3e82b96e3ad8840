// The offline engine's answer in the chat (and the fallback of a failing model): what it says when the engine finds a
// regression but no single root cause, and its advice for a root cause that is a wait before the spans start.
// Found in the h21 walkthrough (notes/walkthrough-2026-12-06.md).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { offlineAnswer } from '../../../src/llm/agent';
import type { Diagnosis } from '../../../src/core/rca/diagnosis';

const latency = { baselineMs: 212, incidentMs: 1140, pValue: 0.0001, test: 'Welch' };

test('no root cause on a run the engine found slower is not "not slower beyond noise"; the notes say why', () => {
  const d: Diagnosis = {
    rootCause: null,
    candidates: [],
    latency,
    regression: { slower: true, errorsUp: false, alpha: 0.01 },
    notes: ['the slowdown is a change of the request mix: within every entry point nothing is slower'],
  };
  const a = offlineAnswer(d);
  assert.equal(a.rootCause, null);
  assert.equal(a.summary, 'The incident is slower than the baseline beyond noise, but no single component explains it (see the evidence).');
  assert.ok(a.evidence.includes('the slowdown is a change of the request mix: within every entry point nothing is slower'), JSON.stringify(a.evidence));
  // failing more, not slower
  assert.match(offlineAnswer({ ...d, regression: { slower: false, errorsUp: true, alpha: 0.01 } }).summary, /^The incident is failing more than the baseline beyond noise/);
  // really not slower: as before, and no notes as evidence
  const same = offlineAnswer({ ...d, regression: { slower: false, errorsUp: false, alpha: 0.01 } });
  assert.equal(same.summary, 'The incident is not slower than the baseline beyond noise.');
  assert.equal(same.evidence.length, 1);
  assert.equal(offlineAnswer(null).summary, 'No diagnosis is available for these runs.');
});

test('a root cause its callers wait for (remote_gap) gets network / accept-queue advice, not "add workers to the saturated component"', () => {
  const rc = { service: 'ts-security-service', name: '/api/v1/securityservice/securityConfigs/{accountId}', kind: 'queueing' as const, impactMs: 406, confidence: 0.88, evidence: ['gap grew'], summary: 'ts-security-service is only 1 % utilised, so not saturated' };
  const gap = offlineAnswer({ rootCause: { ...rc, detector: 'remote_gap' }, candidates: [], latency, notes: [] });
  assert.equal(gap.mitigation.length, 2);
  assert.match(gap.mitigation[0]!, /^Check the network path from the callers to ts-security-service/);
  assert.ok(!gap.mitigation.some((m) => /workers|replicas|saturated/.test(m)), JSON.stringify(gap.mitigation));
  // a real saturated queue keeps the capacity advice
  const queue = offlineAnswer({ rootCause: { ...rc, detector: 'operation' }, candidates: [], latency, notes: [] });
  assert.match(queue.mitigation[0]!, /Add workers\/replicas/);
});
