// "How much of the slowdown does the answer account for?" (analyze.ts explainedShare / thinlyExplained, the flame
// panel's summary line): a root cause worth a few per cent of a significant end-to-end slowdown, with all findings
// together well under half of it, gets a note beside it — seen on a live no-fault control of a shared machine, where
// +0.35 ms of call delay was named for +13.9 ms end to end.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { explainedShare, thinlyExplained, diagnose } from '../../../../src/core/rca/analyze';
import type { Candidate, Diagnosis } from '../../../../src/core/rca/diagnosis';
import { summaryNote } from '../../../../webview/flame/answer-text';
import { makeScenario, toSpanTable } from '../../../../src/core/testing/scenarios';

const c = (service: string, kind: Candidate['kind'], impactMs: number, extra: Partial<Candidate> = {}): Candidate => ({
  service, name: 'op', kind, impactMs, confidence: 0.5, evidence: [], summary: '', ...extra,
});
const diag = (rootCause: Candidate | null, candidates: Candidate[]): Diagnosis => ({ rootCause, candidates, notes: [] }) as unknown as Diagnosis;
const note = (d: Diagnosis, added: number) => {
  const e = explainedShare(d, added);
  return e ? thinlyExplained(e) : null;
};

test('a root cause of 0.35 ms beside +13.9 ms end to end: the note says how little it and all findings account for', () => {
  const rc = c('travel', 'call_delay', 0.353);
  const d = diag(rc, [rc, c('station', 'self_time', 0.14), c('route', 'self_time', 0.1)]);
  assert.deepEqual(explainedShare(d, 13.9), { addedMs: 13.9, rootCauseMs: 0.353, findingsMs: 0.593 });
  const n = note(d, 13.9);
  assert.ok(n);
  assert.match(n, /accounts for about 0\.353 ms of the 13\.9 ms added per trace end to end \(3 %\), all findings together for about 0\.593 ms \(4 %\)/);
  assert.match(n, /spread thinly over many spans/);
  // the flame panel's first line says it too, right after the effect
  d.explained = explainedShare(d, 13.9)!;
  d.latency = { baselineMs: 40.1, incidentMs: 54, pValue: 0.0079, test: '' };
  assert.equal(summaryNote(d), 'effect +0.35 ms per trace, only 3 % of the added time · end-to-end 40 ms → 54 ms');
});

test('no note when the answer or the findings together account for a fair share, or the answer is not about latency', () => {
  const rc = c('food', 'self_time', 6.6);
  // food alone is 5 % of +123 ms, but the findings together are a third of it: the slowdown is in components
  const food = diag(rc, [rc, c('seat', 'self_time', 12), c('travel2', 'self_time', 10), c('food', 'self_time', 5.8), c('x', 'self_time', 8)]);
  assert.equal(note(food, 123), null);
  food.explained = explainedShare(food, 123)!;
  assert.doesNotMatch(summaryNote(food), /added time/);
  const big = c('checkout', 'call_delay', 29);
  assert.equal(note(diag(big, [big]), 31), null);
  // a caller's wait for the callee is the callee's finding again: not counted twice, so it cannot hide a thin answer
  const small = c('a', 'call_delay', 0.5);
  assert.ok(note(diag(small, [small, c('b', 'self_time', 20, { waitsOn: 'a' })]), 30));
  // failures and stopped work are not measured in ms: no share at all
  assert.equal(explainedShare(diag(c('price', 'errors', 0), []), 40), null);
  assert.equal(explainedShare(diag(c('basic', 'stopped_work', 0), []), 40), null);
  // not slower end to end (the decision came from elsewhere): no share to state
  assert.equal(explainedShare(diag(small, [small]), 0), null);
  assert.equal(explainedShare(diag(null, []), 30), null);
});

test('a clear slowdown of one operation: the diagnosis says it accounts for most of the added time, with no note', () => {
  const s = makeScenario('self_time', 3);
  const d = diagnose(toSpanTable(s.baseline), toSpanTable(s.incident), { seed: 1 });
  assert.ok(d.explained, JSON.stringify(d.rootCause));
  assert.ok(d.explained.rootCauseMs > 0.5 * d.explained.addedMs, JSON.stringify(d.explained));
  assert.ok(!d.notes.some((n) => /spread thinly/.test(n)));
});

test('every surface words the share the same way: the effect, the CLI sentence, and nothing for a fair share', async () => {
  const { formatEffect, thinShareText } = await import('../../../../src/core/format/figures');
  const thin = { addedMs: 13.9, rootCauseMs: 0.353, findingsMs: 0.593 };
  assert.equal(formatEffect(0.353, undefined, thin), 'effect +0.35 ms per trace, only 3 % of the added time');
  assert.equal(formatEffect(0.353, 2, thin), 'effect +0.35 ms per trace over 2 call paths, only 3 % of the added time');
  assert.equal(thinShareText({ explained: thin }), ', only 3 % of the added time');
  const fair = { addedMs: 31, rootCauseMs: 29, findingsMs: 30 };
  assert.equal(formatEffect(29, undefined, fair), 'effect +29 ms per trace');
  assert.equal(thinShareText({ explained: fair }), '');
  assert.equal(thinShareText({}), '');
});

test('the flame panel\'s Diagnosis head and the VS Code report\'s root-cause list say the share too', async () => {
  const { candidateNote } = await import('../../../../webview/flame/answer-text');
  const { diagnosisMarkdown } = await import('../../../../src/extension/report-model');
  const thin = { addedMs: 13.9, rootCauseMs: 0.353, findingsMs: 0.593 };
  assert.equal(candidateNote({ kind: 'call_delay', impactMs: 0.353, confidence: 0.51 }, 1, thin), 'call delay · effect +0.35 ms per trace, only 3 % of the added time · confidence 51%');
  const rc = c('travel', 'call_delay', 0.353);
  const d = { ...diag(rc, [rc]), explained: thin, latency: { baselineMs: 40.1, incidentMs: 54, pValue: 0.0079, test: '' }, notes: ['n'] } as Diagnosis;
  assert.match(diagnosisMarkdown(d, { baseline: 'b', incident: 'i' }, true), /- effect: \+0\.35 ms per trace, end to end, only 3 % of the added time/);
});

test('two runs that share no service (another system\'s file as the baseline) name no root cause; the same system does', () => {
  // the generated self_time scenario as the incident; as the baseline, the same scenario with every service renamed
  const s = makeScenario('self_time', 3);
  const other = s.baseline.map((x) => ({ ...x, service: `other-${x.service}` }));
  const d = diagnose(toSpanTable(other), toSpanTable(s.incident), { seed: 1 });
  assert.equal(d.rootCause, null, JSON.stringify(d.candidates.slice(0, 2).map((c) => [c.service, c.name, c.kind])));
  assert.ok(d.notes.includes('no root cause is named: the two runs share no service, so their differences are those of two systems, not a regression of one'), d.notes.join(' / '));
  assert.ok(!d.notes.some((n) => /no component explains the entry-point change/.test(n)), d.notes.join(' / '));
  assert.equal(d.explained, undefined);
  const same = diagnose(toSpanTable(s.baseline), toSpanTable(s.incident), { seed: 1 });
  assert.ok(same.rootCause);
  assert.ok(!same.notes.some((n) => /share no service/.test(n)));
});
