import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SpanTableBuilder } from '../../../src/core/model/builder';
import type { Diagnosis } from '../../../src/core/rca/diagnosis';
import { diagnosisMarkdown, diagnosisMessage, diagnosisNotice, loadProblemsNote, statsMessage, statsText } from '../../../src/extension/report-model';
import { computeRunStats } from '../../../src/extension/stats-model';
import { buildSetData, parseWebviewMessage } from '../../../src/extension/panels/flame-protocol';
import type { DiffTree } from '../../../src/core/diff/types';

function model() {
  const b = new SpanTableBuilder();
  const web = b.addResource('web-server', {});
  const pre = b.addResource('pre-processor', {});
  const sc = b.addScope('s');
  const span = (trace: string, id: string, parent: string, name: string, res: number, startNs: number, durNs: number, err = false) =>
    b.addSpan({ traceId: trace, spanId: id, parentSpanId: parent, name, kind: 2, statusCode: err ? 2 : 0, start: [1700000000, startNs], durationNs: durNs, resource: res, scope: sc });
  span('t1', '01', '', 'inference-span', web, 0, 10e6);
  span('t1', '02', '01', 'preprocess-request', pre, 1e6, 5e6);
  span('t2', '03', '', 'inference-span', web, 100e6, 20e6, true);
  span('t2', '04', '03', 'preprocess-request', pre, 101e6, 15e6);
  span('t2', '05', '03', 'preprocess-request', pre, 102e6, 1e6);
  return b.build();
}

test('computeRunStats counts spans, traces, services, operations, errors, time range', () => {
  const s = computeRunStats(model(), 3);
  assert.equal(s.spans, 5);
  assert.equal(s.traces, 2);
  assert.equal(s.services, 2);
  assert.equal(s.operations, 2);
  assert.equal(s.errors, 1);
  assert.equal(s.skipped, 3);
  assert.match(s.start!, /^2023-11-14T22:13:20(\.0+)?Z$/);
  assert.match(s.end!, /^2023-11-14T22:13:20\.12(0*)Z$/);
  assert.deepEqual(s.spansPerService, [{ service: 'pre-processor', spans: 3 }, { service: 'web-server', spans: 2 }]);
  const text = statsText('run: x.json', s);
  assert.match(text, /^spans\s+5$/m);
  assert.match(text, /^pre-processor\s+3$/m);
  assert.equal(statsMessage('x.json', s), 'Loaded x.json: 5 spans, 2 traces, 2 services, 2 operations, 1 error. 3 lines skipped (see the Trace Doctor output).');
});

const diag: Diagnosis = {
  rootCause: { service: 'pre-processor', name: 'preprocess-request', kind: 'self_time', impactMs: 772.4, confidence: 0.6, evidence: ['self time 2.6 ms → 775 ms'], summary: 'its own work got slower', source: { file: 'src/pre.py', line: 58 } },
  candidates: [{ service: 'pre-processor', name: 'preprocess-request', kind: 'self_time', impactMs: 772.4, confidence: 0.6, evidence: [], summary: 's' }],
  latency: { baselineMs: 30, incidentMs: 800, pValue: null, test: 'none' },
  notes: ['one trace per run: low confidence'],
};

test('diagnosis message and markdown report', () => {
  assert.equal(diagnosisMessage(diag), 'Root cause: preprocess-request in pre-processor — its own work got slower (effect +772 ms per trace, confidence 60%). End-to-end 30 ms → 800 ms.');
  assert.match(diagnosisMessage({ ...diag, rootCause: null }), /no clear root cause/);
  const md = diagnosisMarkdown(diag, { baseline: 'normal.json', incident: 'spiked.json' });
  assert.match(md, /## Root cause: preprocess\\-request in pre\\-processor/);
  assert.match(md, /source: `src\/pre\.py:58`/);
  // the kind in the words every other surface uses (walkthrough 2026-12-07 pm: was "self time", "stopped work")
  assert.match(md, /\| 1 \| preprocess\\-request \| pre\\-processor \| own time \| \+772 ms \| 60% \|/);
  assert.match(md, /^- kind: own time$/m);
  assert.match(md, /one trace per run/);
});

test('h22: no root cause because no test could run (one trace a side from a backend window): the notification says so', () => {
  const few: Diagnosis = {
    rootCause: null,
    candidates: [],
    latency: { baselineMs: 1210, incidentMs: 1210, pValue: null, test: 'none (too few traces)' },
    notes: ['only 1 baseline and 1 incident trace: too few for a statistical test; candidates are ranked by effect size and confidence is low'],
  };
  assert.equal(
    diagnosisMessage(few),
    'Trace Doctor: no clear root cause found. End-to-end 1.21 s → 1.21 s. Only 1 baseline and 1 incident trace: too few for a statistical test; candidates are ranked by effect size and confidence is low.',
  );
  // a test that ran and found nothing: the verdict is in the end-to-end part already, no note added
  const tested: Diagnosis = { ...few, latency: { baselineMs: 461, incidentMs: 466, pValue: 0.38, test: 'Mann-Whitney U' }, notes: ['the incident is not slower beyond noise: end-to-end 461 ms → 466 ms per trace'] };
  assert.doesNotMatch(diagnosisMessage(tested), /beyond noise: end-to-end/);
});

test('flame setData message: diff, single, none', () => {
  const diff: DiffTree = {
    baselineTraces: 1,
    incidentTraces: 1,
    nodes: [
      { id: 0, parent: -1, depth: 0, service: '', name: 'all', kind: '', children: [1], baseline: null, incident: null, deltaSelfMs: 0, deltaTotalMs: 0, significance: 0 },
      { id: 1, parent: 0, depth: 1, service: 'pre-processor', name: 'preprocess-request', kind: 'server', children: [], baseline: null, incident: null, deltaSelfMs: 772, deltaTotalMs: 772, significance: 1, rootCause: true },
    ],
  };
  const m = buildSetData({ mode: 'diff', autoSplit: false, baseline: { paths: ['/a/normal.json'], agg: { nodes: [], traceCount: 1 } }, incident: { paths: ['/a/spiked.json'], agg: { nodes: [], traceCount: 1 } }, diff, diagnosis: diag });
  assert.equal(m.type, 'setData');
  assert.equal(m.mode, 'diff');
  assert.equal(m.title, 'normal.json → spiked.json');
  assert.equal(m.tree?.kind, 'diff');
  assert.equal(m.tree?.n, 2);
  const none = buildSetData({ mode: 'none', autoSplit: false });
  assert.equal(none.tree, null);
  // the data key: the same runs again (a reload, live spans) keep the key, another load changes it (issue 13 item 3)
  const agg = { nodes: [], traceCount: 1 };
  const pair = { mode: 'diff' as const, autoSplit: false, baseline: { paths: ['/a/normal.json'], agg }, incident: { paths: ['/a/spiked.json'], agg }, diff, diagnosis: diag };
  assert.equal(buildSetData(pair).dataKey, m.dataKey);
  assert.ok(m.dataKey && m.dataKey.length > 0);
  const single = buildSetData({ mode: 'single', autoSplit: false, incident: { paths: ['/a/spiked.json'], agg } });
  assert.notEqual(single.dataKey, m.dataKey, 'Open Trace File then Diagnose is a new load');
  assert.notEqual(buildSetData({ ...pair, baseline: { paths: ['/a/other.json'], agg } }).dataKey, m.dataKey);
  assert.notEqual(buildSetData({ ...pair, baseline: undefined, autoSplit: true }).dataKey, m.dataKey);
  assert.equal(none.dataKey, undefined);
});

test('webview messages are validated before the host acts', () => {
  assert.deepEqual(parseWebviewMessage({ type: 'ready' }), { type: 'ready' });
  assert.equal(parseWebviewMessage({ type: 'openSource', service: 1, name: 'x' }), null);
  assert.equal(parseWebviewMessage({ type: 'openSource', service: 's', name: 'x', source: { file: 'a', line: 0 } }), null);
  assert.ok(parseWebviewMessage({ type: 'openSource', service: 's', name: 'x', source: { file: 'a', line: 3 } }));
  assert.equal(parseWebviewMessage({ type: 'runCommand', command: 'rm' }), null);
  assert.equal(parseWebviewMessage(null), null);
});

test('stats message mentions problems the loader reported (e.g. a file of a folder not loaded)', () => {
  const s = { ...computeRunStats(model(), 0), problems: 1 };
  assert.equal(statsMessage('traces', s), 'Loaded traces: 5 spans, 2 traces, 2 services, 2 operations, 1 error. 1 problem reported (see the Trace Doctor output).');
});

test('h21: the diagnosis notification says when a run was read only in part (a truncated gzip keeps its complete lines)', () => {
  const stats = { spans: 1500, traces: 18, services: 20, operations: 100, skipped: 1, errors: 0, problems: 2, spansPerService: [] };
  const clean = { ...stats, spans: 4595, traces: 62, skipped: 0, problems: 0 };
  assert.equal(loadProblemsNote([{ role: 'baseline', label: 'base.jsonl.gz', stats: clean }]), null);
  const note = loadProblemsNote([
    { role: 'baseline', label: 'base.jsonl.gz', stats: clean },
    { role: 'incident', label: 'incident.jsonl.gz', stats, firstIssue: `incident.jsonl.gz: gzip data is corrupt or truncated (unexpected end of file) after 189,202 characters\u001b[31m ${'x'.repeat(300)}` },
  ])!;
  assert.match(note, /^The incident \(incident\.jsonl\.gz\) was read with problems: 1 line skipped, 2 problems — first: incident\.jsonl\.gz: gzip data is corrupt or truncated \(unexpected end of file\) after 189,202 characters \[31m x+…\. See the Trace Doctor output\.$/);
  assert.ok(!/\u001b/.test(note), 'control characters from the file are not shown');
  assert.ok(note.length < 400, `one short paragraph (${note.length})`);
});

test('walkthrough 2026-12-07 pm: runs of two systems (no service in common) make the notification a warning that says so first', () => {
  const clean = computeRunStats(model(), 0);
  const sides = [{ role: 'baseline', label: 'normal.json', stats: clean }, { role: 'incident', label: 'incident.jsonl.gz', stats: clean }];
  const n = diagnosisNotice(diag, sides, { baseline: ['ingestion', 'load-generator'], incident: ['frontend', 'cartservice'] });
  assert.equal(n.warning, true);
  assert.match(n.text, /^The baseline and the incident share no service \(baseline: ingestion, load-generator; incident: cartservice, frontend\): they look like traces of two different systems, .*— give a baseline of the same system\. Root cause: preprocess-request in pre-processor/);
  const same = diagnosisNotice(diag, sides, { baseline: ['frontend'], incident: ['frontend', 'cartservice'] });
  assert.deepEqual([same.warning, same.text], [false, diagnosisMessage(diag)]);
});
