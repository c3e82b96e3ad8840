/**
 * Plain regression tests for what the tool properties (tools-properties.test.ts) found: a name the tools show
 * (sanitised, cut with "…") could not be passed back; an empty name could not be asked about at all; a cut name could
 * end in half an emoji; a budget could be exceeded by JSON escapes; an error longer than the budget became a quoted
 * fragment; `errors` ignored an unknown service; a blank trace prefix matched the first trace.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { analyze } from '../../../src/core/rca/analyze';
import type { LlmRuns } from '../../../src/llm/runs';
import { capJson, sanitize } from '../../../src/llm/sanitize';
import { resolveName, runTool } from '../../../src/llm/tools/index';
import { toTable, type PSpan } from '../../helpers/trace-props';

const LONG = 'inference-service-' + 'very-long-name-'.repeat(15);
function runs(): LlmRuns {
  const spans = (tag: string, ms: number): PSpan[] =>
    [0, 1, 2].flatMap((t) => {
      const trace = (tag + t).padStart(32, '0');
      return [
        { trace, id: '1'.padStart(16, '0'), parent: '', service: 'web\nserver', name: 'GET  /predict', kind: 2, status: 0, start: t * 1e9, dur: (ms + 2) * 1e6 },
        { trace, id: '2'.padStart(16, '0'), parent: '1'.padStart(16, '0'), service: LONG, name: 'infer\u200b', kind: 3, status: t === 0 ? 2 : 0, start: t * 1e9 + 1e6, dur: ms * 1e6 },
        { trace, id: '3'.padStart(16, '0'), parent: '1'.padStart(16, '0'), service: '', name: '', kind: 1, status: 0, start: t * 1e9 + 1e6, dur: 1e5 },
      ];
    });
  const b = toTable(spans('b', 10));
  const i = toTable(spans('a', 90));
  const a = analyze(b, i);
  return { baseline: b, incident: i, diagnosis: a.diagnosis, diff: a.diff };
}

describe('tool names as the model copies them', () => {
  const r = runs();
  it('a service shown with its newline as a space, and an operation with its zero-width space gone, can be passed back', () => {
    const list = JSON.parse(runTool('list_services_operations', {}, r).text);
    const web = list.services.find((s: any) => s.service === 'web server');
    assert.ok(web, JSON.stringify(list));
    assert.equal(web.operations[0].name, 'GET /predict');
    const s = runTool('operation_stats', { service: 'web server', operation: 'GET /predict' }, r);
    assert.equal(s.ok, true, s.text);
    assert.equal(JSON.parse(s.text).stats.spans, 3);
    assert.equal(runTool('compare_operation', { service: 'web server', operation: 'GET /predict' }, r).ok, true);
  });
  it('a long name cut with "…" by a tool result is found again', () => {
    const list = JSON.parse(runTool('list_services_operations', {}, r).text);
    const cut = list.services.map((s: any) => s.service).find((s: string) => s.endsWith('…'));
    assert.ok(cut && cut.length <= 160, JSON.stringify(list));
    const s = runTool('operation_stats', { service: cut, operation: 'infer' }, r);
    assert.equal(s.ok, true, s.text);
    // the 60-character cut of an error's list of known services works too
    const e = JSON.parse(runTool('operation_stats', { service: 'nope', operation: 'x' }, r).text);
    const cut60 = /Known services: (.*)\.$/.exec(e.error)![1]!.split(', ').find((x) => x.endsWith('…'))!;
    assert.ok(cut60.length <= 60, e.error);
    assert.equal(runTool('errors', { service: cut60 }, r).ok, true);
  });
  it('a service and an operation named "" can be asked about', () => {
    const s = runTool('operation_stats', { service: '', operation: '' }, r);
    assert.equal(s.ok, true, s.text);
  });
  it('case and punctuation are forgiven when only one name matches; a wrong name still gets the known names', () => {
    assert.equal(resolveName('WEB-SERVER', ['web\nserver', 'db']), 'web\nserver');
    assert.equal(resolveName('nothing', ['web\nserver', 'db']), undefined);
    assert.equal(resolveName('', ['a']), undefined);
    const e = runTool('operation_stats', { service: 'web server', operation: 'POST /nope' }, r);
    assert.equal(e.ok, false);
    assert.match(JSON.parse(e.text).error, /has no operation "POST \/nope"\. Its operations: GET \/predict\./);
  });
  it('errors for an unknown service is an error naming the known services (it returned an empty list)', () => {
    const e = runTool('errors', { service: 'payments' }, r);
    assert.equal(e.ok, false);
    assert.match(JSON.parse(e.text).error, /^Unknown service "payments"\. Known services: /);
    const all = JSON.parse(runTool('errors', { service: '  ' }, r).text);
    assert.equal(all.errorSpans, 1, 'blank = every service');
  });
  it('a blank trace prefix is not "the first trace"', () => {
    const c = runTool('critical_path', { trace: '   ' }, r);
    assert.equal(c.ok, false);
    assert.match(JSON.parse(c.text).error, /No trace/);
  });
});

describe('sanitize and capJson', () => {
  it('a name cut at the limit never ends in half an emoji', () => {
    const s = sanitize('s'.repeat(158) + '🙂🙂', 160);
    assert.equal(s, 's'.repeat(158) + '…');
    assert.equal(sanitize('s'.repeat(157) + '🙂🙂', 160), 's'.repeat(157) + '🙂…');
  });
  it('JSON escapes cannot push the last resort over the budget', () => {
    const c = capJson({ a: '"'.repeat(500) }, 235);
    assert.ok(c.text.length <= 235, String(c.text.length));
    JSON.parse(c.text);
  });
  it('an error longer than the budget keeps its start as an error', () => {
    const c = capJson({ error: 'Invalid arguments for slowest_traces: limit: Too big: expected number to be <=20; run: Invalid option: expected one of "baseline"|"incident"', usage: 'slowest_traces {run?: "baseline"|"incident", limit?: integer}' }, 200);
    const v = JSON.parse(c.text);
    assert.ok(c.text.length <= 200);
    assert.match(v.error, /^Invalid arguments for slowest_traces: /);
  });
});

describe('the final answer names things as the model copied them', () => {
  it('a root cause written as the tools show it (newline as a space, long name cut with "…") maps to the names in the traces', async () => {
    const { validateAnswer } = await import('../../../src/llm/agent');
    const r = runs();
    const list = JSON.parse(runTool('list_services_operations', {}, r).text);
    const cut = list.services.map((s: any) => s.service).find((s: string) => s.endsWith('…'));
    const answer = (service: string, operation: string) => JSON.stringify({ rootCause: { service, operation }, category: 'self_time', confidence: 0.7, evidence: ['x'], mitigation: [], sources: [], summary: 's' });
    const a = validateAnswer(answer(cut, 'infer'), r);
    assert.ok(a.ok, !a.ok ? a.error : '');
    assert.deepEqual(a.ok && a.value.rootCause, { service: LONG, operation: 'infer\u200b' });
    const b = validateAnswer(answer('web server', 'GET /predict'), r);
    // the names resolve (whether web server regressed is another check)
    if (b.ok) assert.equal(b.value.rootCause?.service, 'web\nserver');
    else assert.doesNotMatch(b.error, /is not a service|is not an operation/);
  });
});
