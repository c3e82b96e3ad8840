/**
 * Every figure on a root-cause screen says what it measures (issue 11 walkthrough, TrainTicket CPU contention of
 * ts-travel-service, test/fixtures/real-faults — Nezha dataset, FSE 2023, MIT): the engine's sentence is per call over
 * all call paths ("66.0 ms more of its own time per call (3.3 ms → 69.3 ms), across 2 call paths"), its effect per
 * trace end to end ("+81 ms per trace"), the flame graph's detail pane one call path ("self / trace 3 ms → 76 ms").
 * Before: the three stood side by side with nothing saying which is which. Now every surface labels them with the
 * words of src/core/format/figures.ts.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { loadTraces } from '../../src/sources/file';
import { formatMs, formatMsPair } from '../../src/core/format';
import { analyze } from '../../src/core/rca/analyze';
import type { Diagnosis } from '../../src/core/rca/diagnosis';
import type { DiffTree } from '../../src/core/diff/types';
import { toFlameData } from '../../src/core/diff/flame-data';
import {
  allPathsLine, EFFECT_LEGEND, effectVsPathLine, engineEffectFor, FIGURES_LEGEND, formatEffect, formatEffectCell, rootCausePaths,
} from '../../src/core/format/figures';
import { candidateNote, summaryNote } from '../../webview/flame/answer-text';
import { renderHuman } from '../../src/cli/commands/diagnose';
import { renderMarkdown } from '../../src/core/report/markdown';
import { renderFlameReport } from '../../src/core/report/html';
import { codeLensTitle, hoverMarkdown } from '../../src/extension/hover-model';
import { summarizeDiff } from '../../src/extension/ops-model';
import { buildRunsTree } from '../../src/extension/tree-model';
import { diagnosisMarkdown } from '../../src/extension/report-model';
import { cardOf } from '../../src/llm/chat-controller';
import { offlineAnswer, type AgentOutcome } from '../../src/llm/agent';
import { chromiumSkip, FlameBrowser, firstPaint, hook, send } from '../helpers/flame-browser';
import { REAL_FAULTS_DIR, realCases } from '../helpers/real-faults';

const CASE = 'tt-cpu-contention-ts-travel-service-0130-1306';
let d: Diagnosis;
let diff: DiffTree;

before(async () => {
  const c = realCases().find((x) => x.id === CASE)!;
  const b = (await loadTraces(join(REAL_FAULTS_DIR, c.baseline))).model;
  const i = (await loadTraces(join(REAL_FAULTS_DIR, c.incident))).model;
  const a = analyze(b, i, { seed: 1 });
  d = a.diagnosis;
  diff = a.diff;
  // the case as the walkthrough saw it (if the engine's answer moves, these tests say so rather than pass on another case)
  assert.equal(d.rootCause?.service, 'ts-travel-service');
  assert.equal(d.rootCause?.name, 'HTTP POST');
  assert.match(d.rootCause!.summary, /66\.0 ms more of its own time per call \(3\.3 ms → 69\.3 ms\), across 2 call paths/);
});

test('the Diagnosis JSON carries the figures the words are made of: call paths per candidate, own time per call', () => {
  assert.equal(d.rootCause!.callPaths, 2);
  assert.deepEqual(d.rootCause!.perCallMs && [Math.round(d.rootCause!.perCallMs.baseline * 10) / 10, Math.round(d.rootCause!.perCallMs.incident * 10) / 10], [3.3, 69.3]);
  for (const c of d.candidates) assert.ok(c.callPaths === undefined || c.callPaths >= 1);
  // an "other candidate" that covers several call paths says so in the report, as the root cause does
  const multi = d.candidates.slice(1).find((c) => (c.callPaths ?? 0) > 1);
  assert.ok(multi, JSON.stringify(d.candidates.map((c) => [c.name, c.callPaths])));
  const html = renderFlameReport({ js: '', css: '', nonce: 'abcdefghijklmnopqrstuv', data: toFlameData(diff, d), diagnosis: d });
  assert.ok(html.includes(`${formatEffect(multi.impactMs, multi.callPaths)}`), `${multi.name}: ${formatEffect(multi.impactMs, multi.callPaths)}`);
  assert.match(candidateNote(multi, multi.callPaths), new RegExp(`over ${multi.callPaths} call paths`));
});

test('the shared words: effect, per call / per trace over the call paths, and how the effect relates to one path', () => {
  assert.equal(formatEffect(81.36), 'effect +81 ms per trace');
  assert.equal(formatEffect(81.36, 2), 'effect +81 ms per trace over 2 call paths');
  assert.equal(formatEffect(81.36, 1), 'effect +81 ms per trace');
  assert.equal(formatEffect(0), null, 'a failure that costs no time has no effect figure');
  assert.equal(formatEffectCell(0), '–');
  assert.equal(formatEffectCell(9.5), '+9.5 ms');
  const sums = { paths: 2, baseline: { calls: 10, selfMs: 33, traces: 10 }, incident: { calls: 20, selfMs: 1386, traces: 10 } };
  assert.equal(allPathsLine('HTTP POST', sums), 'All 2 call paths of HTTP POST: self / call 3.3 ms → 69 ms, self / trace 3.3 ms → 139 ms (+135 ms)');
  assert.equal(allPathsLine('HTTP POST', { ...sums, paths: 1 }), null, 'one path: the pane already shows it');
  // one run: no arrows, no "(new)"
  assert.equal(allPathsLine('HTTP POST', { ...sums, baseline: null }, true), 'All 2 call paths of HTTP POST: self / call 69 ms, self / trace 139 ms');
  assert.equal(
    effectVsPathLine(81.36, 2, 72.56),
    "The diagnosis' effect, +81 ms per trace, is the whole operation's (2 call paths), end to end; this call path: +73 ms per trace of own time. Per trace = per call × calls per trace.",
  );
  assert.match(effectVsPathLine(81.36, 1, 72.56)!, /is this call path's, end to end\. Per trace/);
  assert.match(effectVsPathLine(81.36, null, 72.56)!, /is over the call paths it covers, end to end; this call path: \+73 ms/);
  assert.equal(effectVsPathLine(0, 2, 1), null);
  for (const w of ['Per call', 'Per trace', 'call path', 'Effect']) assert.ok(FIGURES_LEGEND.includes(w), w);
});

test('TT CPU contention: the flame summary and candidate line say "effect … per trace over 2 call paths"', () => {
  assert.equal(rootCausePaths(diff), 2);
  // before: "+81 ms per trace · end-to-end 212 ms → 481 ms" beside "66.0 ms more … per call"
  assert.equal(summaryNote(d, rootCausePaths(diff)), 'effect +81 ms per trace over 2 call paths · end-to-end 212 ms → 481 ms');
  assert.equal(candidateNote(d.rootCause!, 2), 'own time · effect +81 ms per trace over 2 call paths · confidence 65%');
});

test('TT CPU contention: CLI table and sentence, markdown and HTML reports, the extension report label the effect', () => {
  const human = renderHuman(d);
  assert.match(human, /#\s+kind\s+service \/ operation\s+effect\/trace\s+conf\./);
  assert.ok(human.includes(`\n${EFFECT_LEGEND}\n`), 'a legend line under the table');
  assert.match(human, /Root cause: ts-travel-service \/ HTTP POST \(own time\), effect about \+81 ms per trace end to end, confidence 0\.65\. .* per call/);
  const md = renderMarkdown(d, null);
  assert.match(md, /— effect about \+81 ms per trace end to end, confidence 0\.65/);
  assert.match(md, /\| effect \/ trace \|/);
  assert.match(md.replace(/\\(.)/g, '$1'), /_effect\/trace = what the finding adds to the mean trace end to end: its added time per call × calls per trace/);
  const data = toFlameData(diff, d);
  const html = renderFlameReport({ js: '', css: '', nonce: 'abcdefghijklmnopqrstuv', data, diagnosis: d });
  assert.match(html, /ts-travel-service · HTTP POST<\/strong> \(own time, effect \+81 ms per trace over 2 call paths, confidence 65%\)/);
  assert.ok(html.includes('fg-figures-legend'), 'the HTML report has the one-line legend');
  const ext = diagnosisMarkdown(d, { baseline: 'b', incident: 'i' }, true);
  assert.match(ext, /- effect: \+81 ms per trace, end to end/);
  assert.match(ext, /\| effect \/ trace \|/);
  assert.ok(ext.includes(FIGURES_LEGEND));
});

test('TT CPU contention: the hover is the operation over all its call paths, per trace and per call; the CodeLens says how many paths', () => {
  const op = summarizeDiff(diff, d).find((o) => o.service === 'ts-travel-service' && o.name === 'HTTP POST')!;
  assert.ok(op.rootCause);
  const hover = hoverMarkdown([op], 'diff').replace(/\\(.)/g, '$1');
  assert.match(hover, /\| _all 2 call paths_ \| baseline \| incident \| Δ \|/);
  assert.match(hover, /\| self time \/ call \| 3\.3 ms \| 69 ms \| \+66 ms \|/, hover);
  assert.match(hover, /\*\*Effect \+81 ms per trace\*\* — the diagnosis' figure, end to end/);
  assert.ok(hover.includes(FIGURES_LEGEND));
  assert.match(codeLensTitle(op, 'diff'), /^HTTP POST · self\/trace .* · 2 call paths · .* · ROOT CAUSE/);
  // the Runs tree's row: its tooltip says the row sums both paths, and gives the diagnosis' effect beside it
  const runs = [{ role: 'incident' as const, files: ['/w/incident.jsonl.gz'], spans: 1, traces: 1, services: 1, skipped: 0 }];
  const rows = buildRunsTree(runs, summarizeDiff(diff, d), true)[0]!.children!.flatMap((svc) => svc.children ?? []);
  const row = rows.find((r) => r.label === 'HTTP POST' && /ts-travel-service/.test(r.tooltip ?? ''))!;
  assert.match(row.tooltip!, /\nΔ self time per trace \(all 2 call paths\): \+82 ms\n/);
  assert.match(row.tooltip!, /\nEffect \+81 ms per trace — the diagnosis' figure, end to end \(added time per call × calls per trace\)/);
});

test("TT CPU contention: the chat card of the engine's answer carries its effect, a model's other pick does not", () => {
  const runs = { diagnosis: d, diff };
  const answer = offlineAnswer(d);
  const out = { id: 'x', diagnosis: answer, label: 'offline engine', origin: { kind: 'offline' }, usage: {}, calls: 0, toolCalls: 0 } as unknown as AgentOutcome;
  assert.equal(cardOf(out, true, runs).effect, 'effect +81 ms per trace over 2 call paths');
  assert.equal(cardOf(out, true).effect, undefined, 'no runs, no measured figure');
  assert.equal(engineEffectFor(d, { service: 'ts-gateway-service', operation: 'HTTP POST' }, diff), null);
});

describe('TT CPU contention in the flame panel: the detail pane says which figure is which', { skip: chromiumSkip }, () => {
  const fb = new FlameBrowser();
  before(() => fb.start());
  after(() => fb.stop());

  test('root-cause box: "this call path", self / call beside self / trace, all paths, and the effect relation', async () => {
    const data = toFlameData(diff, d);
    const o = await fb.openVsCode({ width: 1100, height: 800 });
    try {
      const p = o.page;
      await p.waitForFunction(() => (window as unknown as { __posted: Array<{ type: string }> }).__posted.some((m) => m.type === 'ready'));
      await send(p, { type: 'setData', tree: data, diagnosis: d, mode: 'diff', dataKey: 'tt-cpu' });
      await firstPaint(p);
      const summary = (await p.locator('.fg-summary, [class*="summary"]').first().textContent()) ?? '';
      assert.match(summary, /effect \+81 ms per trace over 2 call paths/);
      assert.equal((await p.locator('.fg-figures-legend').textContent())?.trim(), FIGURES_LEGEND);
      const id = await hook<number>(p, 'find', 'ts-travel-service', 'HTTP POST');
      await hook(p, 'select', id);
      const pane = p.locator('.fg-stats').first();
      assert.equal((await pane.locator('th.fg-scope').textContent())?.trim(), 'this call path');
      const rowText = async (label: string) => (await pane.locator('tr', { has: p.locator(`th:text-is("${label}")`) }).textContent())?.trim() ?? '';
      // the selected box: the queryInfo path (the widest), 3 ms → 76 ms per trace; per call 3.4 ms → 73 ms
      assert.match(await rowText('self / trace'), /^self \/ trace3(\.0)? ms76 ms$/);
      assert.match(await rowText('self / call'), /^self \/ call3\.4 ms73 ms$/);
      const detail = (await p.locator('.fg-detail-stats').textContent()) ?? '';
      assert.match(detail, /Δ self \+73 ms per trace/);
      assert.match(detail, /All 2 call paths of HTTP POST: self \/ call 3\.3 ms → 69 ms, self \/ trace 3\.3 ms → 85 ms \(\+82 ms\)/);
      assert.match(detail, /The diagnosis' effect, \+81 ms per trace, is the whole operation's \(2 call paths\), end to end; this call path: \+73 ms per trace of own time\./);
      // both runs' durations at one precision: a box whose p50s are 1–10 ms with one of them a whole number of ms
      // reads "4.0 ms | 3.7 ms", not "4 ms | 3.7 ms" (formatMsPair)
      const oneDp = (x: number) => x >= 1 && x < 10;
      const k = data.bP50.findIndex((b, j) => oneDp(b) && oneDp(data.iP50[j]!) && formatMs(b).includes('.') !== formatMs(data.iP50[j]!).includes('.'));
      assert.ok(k > 0, 'the data has a box whose p50s differ in precision');
      await hook(p, 'select', k);
      const [pb, pi] = formatMsPair(data.bP50[k]!, data.iP50[k]!);
      assert.ok(pb.includes('.') && pi.includes('.'));
      assert.equal(await rowText('p50'), `p50${pb}${pi}`);
      // one run (Open Trace File…): the table has one column, the all-paths line its figures without arrows or "(new)"
      await send(p, { type: 'setData', tree: { ...toFlameData(diff, null), kind: 'single' }, diagnosis: null, mode: 'incident', dataKey: 'tt-cpu-single' });
      await firstPaint(p);
      await hook(p, 'select', await hook<number>(p, 'find', 'ts-travel-service', 'HTTP POST'));
      const single = (await p.locator('.fg-detail-stats .fg-op-paths').textContent()) ?? '';
      assert.match(single, /^All 2 call paths of HTTP POST: self \/ call 69 ms, self \/ trace 85 ms\.$/);
      assert.deepEqual(o.errors, []);
      assert.deepEqual(o.csp, []);
    } finally {
      await o.close();
    }
  });
});
