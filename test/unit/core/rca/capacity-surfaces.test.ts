// The capacity estimate reaches every surface (issue 15): the flame-graph HTML report, the editor hover and the
// chat's compact context, on the ml-pipeline example diagnosed for real.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { analyze, type Analysis } from '../../../../src/core/rca/analyze';
import { capacityBrief } from '../../../../src/core/rca/capacity';
import { toFlameData } from '../../../../src/core/diff/flame-data';
import { renderFlameReport } from '../../../../src/core/report/html';
import { hoverMarkdown } from '../../../../src/extension/hover-model';
import { summarizeDiff } from '../../../../src/extension/ops-model';
import { buildCompactContext } from '../../../../src/llm/context';
import { loadTraces } from '../../../../src/sources/file';

const EX = join(__dirname, '..', '..', '..', '..', 'examples', 'ml-pipeline', 'traces');
let a: Analysis;
let runs: { baseline: Analysis['baseline']['model']; incident: Analysis['incident']['model'] };

before(async () => {
  const b = await loadTraces(join(EX, 'normal.json'));
  const i = await loadTraces(join(EX, 'spiked.json'));
  a = analyze(b.model, i.model);
  runs = { baseline: b.model, incident: i.model };
  assert.ok(a.diagnosis.rootCause?.capacity);
});

test('capacityBrief: one line with rate, work, workers, utilisation and the workers for the target', () => {
  assert.equal(capacityBrief(a.diagnosis.rootCause!.capacity!), '2.71 req/s × 313 ms work on 1 worker → 87 % busy (baseline 31 %); 2 workers keep it ≤ 70 %');
});

test('HTML report: a capacity table per run, the verdict and the assumptions, escaped', () => {
  const d = structuredClone(a.diagnosis);
  d.rootCause!.capacity!.assumptions.push('<img src=x onerror=alert(1)>');
  const html = renderFlameReport({ js: '', css: '', nonce: 'AAAAAAAAAAAAAAAAAAAAAA==', data: toFlameData(a.diff, d), diagnosis: d });
  assert.match(html, /<div class="fg-capacity"><p><strong>Capacity<\/strong> — pre-processor \/ preprocess-request: 2\.71 req\/s × 313 ms of work per request/);
  assert.match(html, /<tr><th scope="row">arrivals per second \(95 %\)<\/th><td>1\.03 \(0\.85–1\.22\)<\/td><td>2\.71 \(2\.29–3\.13\)<\/td><\/tr>/);
  assert.match(html, /<tr><th scope="row">utilisation<\/th><td>31 %<\/td><td>87 %<\/td><\/tr>/);
  assert.match(html, /<tr><th scope="row">wait before the work<\/th><td>70 ms<\/td><td>893 ms<\/td><\/tr>/);
  assert.match(html, /2 workers keep it under 70 %/);
  assert.match(html, /<summary>Assumptions and uncertainty<\/summary><ul><li>work time = /);
  assert.ok(!html.includes('<img src=x'));
});

test('hover: the root cause line carries one Capacity line (escaped markdown)', () => {
  const ops = summarizeDiff(a.diff, a.diagnosis);
  const op = ops.find((o) => o.name === 'preprocess-request')!;
  const md = hoverMarkdown([op], 'diff');
  assert.match(md, /^\*\*Capacity:\*\* 2\\\.71 req\/s × 313 ms work on 1 worker → 87 % busy \\\(baseline 31 %\\\); 2 workers keep it ≤ 70 %$/m);
  const other = ops.find((o) => o.name === 'preprocess-image')!;
  assert.doesNotMatch(hoverMarkdown([other], 'diff'), /Capacity/);
});

test('chat context: the top candidate carries the capacity line; it goes before the candidates when the budget is tight', () => {
  const c = buildCompactContext({ ...runs, diagnosis: a.diagnosis }, 2000);
  assert.equal(c.context.candidates[0]!.capacity, capacityBrief(a.diagnosis.rootCause!.capacity!));
  assert.equal(c.context.candidates[1]!.capacity, undefined);
  const tight = buildCompactContext({ ...runs, diagnosis: a.diagnosis }, 200);
  assert.ok(tight.tokens <= 200 || tight.context.candidates.length === 0);
  if (tight.context.candidates.length) assert.equal(tight.context.candidates[0]!.capacity, undefined);
});
