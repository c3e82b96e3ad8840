import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { loadTraces } from '../../../../src/sources/file';
import { scanWorkspace } from '../../../../src/sources/workspace-scan';
import { analyze, diagnose } from '../../../../src/core/rca/analyze';
import { Diagnosis } from '../../../../src/core/rca/diagnosis';

const DIR = join(__dirname, '../../../fixtures/public/sys4bigml');

test('public sys4bigml pair (Jaeger JSON): root cause pre-processor / preprocess-request, low confidence, source line 58', async () => {
  const b = await loadTraces(join(DIR, 'normal-traces-minified-1.json'));
  const i = await loadTraces(join(DIR, 'spiked-traces-minified-1.json'));
  const ws = await scanWorkspace(join(DIR, 'src'));
  const a = analyze(b.model, i.model, { sourceIndex: ws.index });
  const d = Diagnosis.parse(a.diagnosis);
  assert.ok(d.rootCause);
  assert.equal(d.rootCause.service, 'pre-processor');
  assert.equal(d.rootCause.name, 'preprocess-request');
  assert.equal(d.rootCause.kind, 'self_time');
  // its self time goes 2.6 ms → 775 ms
  assert.ok(d.rootCause.impactMs > 700 && d.rootCause.impactMs < 800, `impact ${d.rootCause.impactMs}`);
  assert.match(d.rootCause.evidence.join('\n'), /2\.6 ms → 775 ms/);
  // n = 1 per side: ranked by effect size, confidence low, and a note says so
  assert.ok(d.rootCause.confidence <= 0.35);
  assert.ok(d.notes.some((n) => /too few/.test(n)));
  assert.equal(d.latency?.pValue, null);
  assert.deepEqual(d.rootCause.source, { file: 'pre-processor/preprocessor.py', line: 58, function: 'inference', origin: 'search' });
  // web-server is not blamed although its total nearly ties
  assert.notEqual(d.candidates[0]!.service, 'web-server');
  // negative source-link cases: the code names other spans
  for (const c of d.candidates) if (c.service !== 'pre-processor') assert.equal(c.source, undefined, `${c.name} must not be linked`);
  const ws2 = ws.index;
  assert.equal(ws2.best('inference-span', 'web-server'), undefined);
  assert.equal(ws2.best('inference-service-post', 'inference-server'), undefined);
  // the flame graph sees the root cause on the diff tree
  const rc = a.diff.nodes.filter((n) => n.rootCause);
  assert.deepEqual(rc.map((n) => n.name), ['preprocess-request']);
  assert.deepEqual(rc[0]!.source, { file: 'pre-processor/preprocessor.py', line: 58 });
});

test('sys4bigml: a run compared with itself has no root cause; the incident alone (1 trace) cannot be split', async () => {
  const i = await loadTraces(join(DIR, 'spiked-traces-minified-1.json'));
  const same = diagnose(i.model, i.model);
  assert.equal(same.rootCause, null);
  const single = diagnose(null, i.model);
  assert.equal(single.rootCause, null);
  assert.equal(single.split?.method, 'slowest_decile');
  assert.ok(single.notes.some((n) => /no baseline traces|nothing to compare/.test(n)), single.notes.join(' | '));
});
