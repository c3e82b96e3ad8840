// Walkthrough 2026-12-07 pm: the markdown report (PR comment), SARIF messages and GitHub annotations said the finding
// kinds as their JSON ids ("self_time", "call_delay") while the terminal, the HTML report and VS Code say them in words
// ("own time", "call delay"); and the markdown cut a per-entry-point note 15 characters before its end ("Holm-adj…").
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Candidate, Diagnosis } from '../../../../src/core/rca/diagnosis';
import { renderMarkdown } from '../../../../src/core/report/markdown';
import { toSarif } from '../../../../src/core/report/sarif';
import { githubAnnotations } from '../../../../src/cli/github';
import type { GateResult } from '../../../../src/core/gate/gate';

const cand = (over: Partial<Candidate>): Candidate => ({
  service: 'cartservice', name: 'hipstershop.CartService/GetCart', kind: 'self_time', impactMs: 81, confidence: 1,
  evidence: ['self (exclusive) time per call 1.4 ms → 58.8 ms'], summary: 'it spends 57.4 ms more of its own time per call', ...over,
});
const note =
  'per entry point: entry point frontend / hipstershop.Frontend/Recv. → productcatalogservice / hipstershop.ProductCatalogService/GetProduct changed on its 283 of 498 incident traces (292 in the baseline): median 97.9 ms → 208 ms (slower; Mann-Whitney p < 1e-16, Cliff\'s delta 0.48) — p-values Holm-adjusted over 16 tests';
const d = {
  rootCause: cand({}),
  candidates: [cand({}), cand({ name: 'HTTP GET', kind: 'call_delay', impactMs: 20, confidence: 0.7 }), cand({ service: 'frontend', name: 'GET /cart', kind: 'self_time', waitsOn: 'cartservice', impactMs: 10, confidence: 0.6 })],
  latency: { baselineMs: 219, incidentMs: 289, pValue: 2.2e-16, test: 'Mann-Whitney' },
  regression: { slower: true, errorsUp: false },
  notes: [note],
} as unknown as Diagnosis;

test('markdown: finding kinds in words, a waiting caller says for whom, a note of ~300 characters whole', () => {
  const md = renderMarkdown(d, null);
  assert.doesNotMatch(md, /self_time|call_delay/);
  assert.match(md, /\*\*Root cause:\*\* cartservice \/ hipstershop\\\.CartService\/GetCart \(own time\)/);
  assert.match(md, /\| 2 \| call delay \|/);
  assert.match(md, /\| 3 \| own time \\\(wait for cartservice\\\) \|/);
  assert.match(md, /Holm\\-adjusted over 16 tests_/);
});

test('SARIF messages and GitHub annotations: finding kinds in words (rule ids keep the JSON id)', () => {
  const sarif = JSON.stringify(toSarif(d, null, { toolVersion: '0.1.0', srcRoot: '/repo', relativePath: () => null }));
  assert.match(sarif, /cartservice \/ hipstershop\.CartService\/GetCart \(own time\) has no known source line/);
  assert.doesNotMatch(sarif.replace(/trace-doctor\/\w+/g, ''), /\((self_time|call_delay)\)/);
  const gate = { active: true, verdict: 'regression', checks: [{ name: 'latency', status: 'fail', detail: 'p95 745 ms → 784 ms' }] } as unknown as GateResult;
  const [a] = githubAnnotations(d, gate, () => null);
  assert.match(a!, /Root cause: cartservice \/ hipstershop\.CartService\/GetCart \(own time\), /);
});

test('markdown heading without a gate says what the engine found: slower, failing more, both, or changed', () => {
  const head = (regression: Partial<NonNullable<Diagnosis['regression']>> | undefined) =>
    renderMarkdown({ ...d, regression: regression ? { alpha: 0.01, slower: false, errorsUp: false, ...regression } : undefined } as Diagnosis, null).split('\n')[0];
  assert.equal(head({ slower: true }), '### ⚠️ Trace Doctor: the incident is slower');
  assert.equal(head({ errorsUp: true }), '### ⚠️ Trace Doctor: the incident is failing more');
  assert.equal(head({ slower: true, errorsUp: true }), '### ⚠️ Trace Doctor: the incident is slower and failing more');
  assert.equal(head({}), '### ⚠️ Trace Doctor: the incident changed');
  assert.equal(head(undefined), '### ⚠️ Trace Doctor: the incident is slower or failing more');
});
