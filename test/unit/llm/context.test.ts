import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { initialMessages } from '../../../src/llm/agent';
import { buildCompactContext, estimateTokens } from '../../../src/llm/context';
import { createRedactor } from '../../../src/llm/redact';
import { SYSTEM_BUDGET_TOKENS } from '../../../src/llm/prompts/system';
import { capJson, makeFence, sanitize } from '../../../src/llm/sanitize';
import { runTool, toolSpecs, TOOLS } from '../../../src/llm/tools/index';
import { buildPipeline, pipelineDiagnosis, pipelineRuns } from '../../helpers/llm-runs';

describe('compact context', () => {
  it('system prompt + context stay within 2,000 tokens for a huge model', () => {
    // 300 services × 40 operations, 200 noisy engine candidates with long evidence
    const incident = buildPipeline({ traces: 30, slow: true, extraServices: 300, extraOpsPerService: 40 });
    const baseline = buildPipeline({ traces: 30, slow: false, extraServices: 300, extraOpsPerService: 40 });
    assert.ok(incident.size > 300_000, `big model (${incident.size} spans)`);
    const runs = { baseline, incident, diagnosis: pipelineDiagnosis({ withNoise: 200 }), labels: { baseline: 'b'.repeat(500), incident: 'i'.repeat(500) } };
    for (const mode of ['tools', 'zero-shot', 'chat'] as const) {
      const [system] = initialMessages(runs, mode, createRedactor(), makeFence(), 'q');
      const tokens = estimateTokens(system!.content);
      assert.ok(tokens <= SYSTEM_BUDGET_TOKENS, `${mode}: ${tokens} tokens`);
      assert.match(system!.content, /pre-processor/, 'the top candidate survives the shrinking');
    }
    const c = buildCompactContext(runs, 1500);
    assert.ok(c.tokens <= 1500);
    assert.match(c.context.omitted ?? '', /more services/);
  });

  it('an answer worth a few % of the slowdown says so in the engine verdict', () => {
    const runs = pipelineRuns();
    const d = runs.diagnosis!;
    const thin = { ...d, explained: { addedMs: 13.9, rootCauseMs: 0.353, findingsMs: 0.593 } };
    for (const budget of [2000, 700]) {
      const c = buildCompactContext({ ...runs, diagnosis: thin }, budget);
      assert.match(c.context.engineVerdict, /first, but it accounts for only 3 % of the 13\.9 ms added per trace \(all findings 4 %\): most of the slowdown is spread thinly/, `budget ${budget}`);
    }
    const fair = buildCompactContext({ ...runs, diagnosis: { ...d, explained: { addedMs: 31, rootCauseMs: 29, findingsMs: 30 } } }, 2000);
    assert.doesNotMatch(fair.context.engineVerdict, /accounts for/);
  });

  it('shrinks further for a tiny budget but keeps the top candidate', () => {
    const c = buildCompactContext(pipelineRuns(), 250);
    assert.equal(c.context.candidates[0]?.service, 'pre-processor');
    assert.ok(c.json.length < 1500);
  });

  it('a candidate whose own time is the wait for another service carries waitsOn, so a model does not blame the caller', () => {
    const runs = pipelineRuns();
    const d = runs.diagnosis!;
    const diagnosis = { ...d, candidates: d.candidates.map((c, k) => (k === 1 ? { ...c, waitsOn: 'pre-processor' } : c)) };
    const c = buildCompactContext({ ...runs, diagnosis }, 2000);
    assert.equal(c.context.candidates[1]!.waitsOn, 'pre-processor');
    assert.equal(c.context.candidates[0]!.waitsOn, undefined);
  });

  it('service deltas come from the models (pre-processor grew most)', () => {
    const c = buildCompactContext(pipelineRuns(), 2000);
    assert.equal(c.context.serviceDeltas[0]!.service, 'pre-processor');
    assert.ok((c.context.serviceDeltas[0]!.deltaMs ?? 0) > 400);
  });
});

describe('sanitising and capping', () => {
  it('strips control and bidi characters, fences and caps length', () => {
    assert.equal(sanitize('a\u0000b\u202ec\nd```e', 100), 'a b c de');
    assert.equal(sanitize('x'.repeat(50), 10).length, 10);
  });
  it('caps big tool results, saying what was cut', () => {
    const big = { items: Array.from({ length: 1000 }, (_, i) => ({ i, name: 'n'.repeat(20) })) };
    const c = capJson(big, 2000);
    assert.ok(c.text.length <= 2000);
    assert.ok(c.truncated);
    const v = JSON.parse(c.text);
    assert.match(v.truncated.join(' '), /showing \d+ of 1000/);
  });
});

describe('tools', () => {
  const runs = pipelineRuns();
  it('every tool has an object JSON schema', () => {
    const specs = toolSpecs();
    assert.equal(specs.length, TOOLS.length);
    for (const s of specs) assert.equal(s.parameters.type, 'object', s.name);
  });
  it('compare_operation shows the regression', () => {
    const r = JSON.parse(runTool('compare_operation', { service: 'pre-processor', operation: 'preprocess-request' }, runs).text);
    assert.ok(r.change.meanSelfMs > 400, JSON.stringify(r.change));
    assert.ok(r.change.meanRatio > 5);
  });
  it('critical_path follows the slowest child', () => {
    const r = JSON.parse(runTool('slowest_traces', { limit: 1 }, runs).text);
    const p = JSON.parse(runTool('critical_path', { trace: r.slowest[0].ref }, runs).text);
    assert.deepEqual(p.path.map((s: any) => s.service), ['web-server', 'pre-processor', 'inference-server']);
  });
  it('attribute_breakdown ranks model.version', () => {
    const r = JSON.parse(runTool('attribute_breakdown', { service: 'inference-server', operation: 'inference' }, runs).text);
    assert.equal(r.keys[0].key, 'model.version');
  });
  it('bad arguments and unknown names come back as errors the model can act on', () => {
    const a = runTool('operation_stats', { service: 'nope', operation: 'x' }, runs);
    assert.equal(a.ok, false);
    assert.match(a.text, /Unknown service .*Known services/);
    const b = runTool('operation_stats', { service: 42 }, runs);
    assert.equal(b.ok, false);
    assert.match(b.text, /Invalid arguments/);
    assert.match(runTool('drop_tables', {}, runs).text, /Unknown tool/);
    assert.match(runTool('critical_path', {}, runs, 4000, undefined, '{"trace": I1').text, /not a JSON object/);
  });
  it('tool errors quote the whole list of tools and their arguments, not cut mid-word (issue 12 item 10)', () => {
    const u = JSON.parse(runTool('drop_tables', {}, runs).text);
    assert.equal(u.tools.length, TOOLS.length);
    assert.ok(u.tools.includes('attribute_breakdown {service: string, operation: string, key?: string}'), u.tools.join(' | '));
    assert.ok(u.tools.includes('operation_stats {service: string, operation: string, run?: "baseline"|"incident"}'), u.tools.join(' | '));
    const a = JSON.parse(runTool('critical_path', { tracee: 'I1' }, runs).text);
    assert.equal(a.usage, 'critical_path {trace: string, run?: "baseline"|"incident"}');
    assert.match(a.error, /trace: /);
    // a long error is not cut at 160 characters
    const many = { ...runs, incident: buildPipeline({ traces: 1, slow: true, extraServices: 40, extraOpsPerService: 1 }) };
    const e = JSON.parse(runTool('operation_stats', { service: 'nope', operation: 'x' }, many).text);
    assert.ok(e.error.length > 400, e.error);
    assert.match(e.error, /and \d+ more: call list_services_operations\)\.$/);
  });
  it('find_source returns the span-opening line', () => {
    const r = JSON.parse(runTool('find_source', { service: 'pre-processor', operation: 'preprocess-request' }, runs).text);
    assert.deepEqual([r.file, r.line], ['pre-processor/preprocessor.py', 58]);
  });
});

describe('conversation compaction', () => {
  it('elides the oldest tool results, never the last round', async () => {
    const { compactHistory } = await import('../../../src/llm/agent');
    const big = Array.from({ length: 1500 }, (_, i) => `word${i}`).join(' ');
    const msgs = [
      { role: 'system' as const, content: 'sys' },
      { role: 'user' as const, content: 'q' },
      { role: 'assistant' as const, content: '', toolCalls: [{ id: '1', name: 'a', arguments: {} }] },
      { role: 'tool' as const, content: big, toolCallId: '1', toolName: 'a' },
      { role: 'assistant' as const, content: '', toolCalls: [{ id: '2', name: 'b', arguments: {} }] },
      { role: 'tool' as const, content: big, toolCallId: '2', toolName: 'b' },
    ];
    const out = compactHistory(msgs, 2500);
    assert.match(out[3]!.content, /^\[elided\] The result of a/);
    assert.equal(out[5]!.content, big);
    assert.equal(msgs[3]!.content, big, 'input untouched');
    assert.equal(compactHistory(msgs, 100_000), msgs);
  });
});
