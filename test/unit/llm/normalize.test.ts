import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { validateAnswer } from '../../../src/llm/agent';
import { normalizeAnswer, toolCallFromText } from '../../../src/llm/normalize';
import { pipelineRuns } from '../../helpers/llm-runs';

describe('answer normalisation (small-model spelling)', () => {
  const runs = pipelineRuns();
  it('accepts snake_case, "service / operation" strings, percent confidence, synonyms, single strings', () => {
    const v = validateAnswer(JSON.stringify({ root_cause: 'pre-processor / preprocess-request', category: 'Queuing', confidence: 85, evidence: 'self time 3 → 700 ms', mitigation: ['add a worker'], summary: 'saturated', extra: 1 }), runs);
    assert.ok(v.ok, !v.ok ? v.error : '');
    assert.deepEqual(v.ok && v.value.rootCause, { service: 'pre-processor', operation: 'preprocess-request' });
    assert.equal(v.ok && v.value.category, 'queueing');
    assert.equal(v.ok && v.value.confidence, 0.85);
    assert.deepEqual(v.ok && v.value.evidence, ['self time 3 → 700 ms']);
  });
  it('a bare service name takes the engine\'s candidate operation; wrapped answers are unwrapped', () => {
    const v = validateAnswer(JSON.stringify({ diagnosis: { rootCause: { service: 'pre-processor' }, category: 'self time', confidence: 'high', evidence: [], mitigation: [], sources: ['pre-processor/preprocessor.py:58'], summary: 's' } }), runs);
    assert.ok(v.ok, !v.ok ? v.error : '');
    assert.deepEqual(v.ok && v.value.rootCause, { service: 'pre-processor', operation: 'preprocess-request' });
    assert.deepEqual(v.ok && v.value.sources, [{ file: 'pre-processor/preprocessor.py', line: 58 }]);
  });
  it('does not invent meaning: unknown categories and services stay invalid', () => {
    assert.ok(!validateAnswer(JSON.stringify({ rootCause: 'pre-processor / preprocess-request', category: 'cosmic rays', confidence: 0.5, evidence: [], mitigation: [], sources: [], summary: '' }), runs).ok);
    assert.ok(!validateAnswer(JSON.stringify({ rootCause: 'database', category: 'queueing', confidence: 0.5 }), runs).ok);
    assert.deepEqual(normalizeAnswer([1, 2]), [1, 2]);
  });
  it('"no regression" answers', () => {
    const v = validateAnswer(JSON.stringify({ root_cause: 'none', confidence: 0.7, summary: 'noise' }), runs);
    assert.ok(v.ok && v.value.rootCause === null && v.value.category === 'none');
  });
});

describe('tool calls written as text', () => {
  const names = ['top_regressions', 'compare_operation'];
  it('recognises the common shapes', () => {
    assert.deepEqual(toolCallFromText('{"name": "top_regressions", "arguments": {"limit": 2}}', names), { name: 'top_regressions', arguments: { limit: 2 } });
    assert.deepEqual(toolCallFromText('```json\n{"function": {"name": "compare_operation", "parameters": "{\\"service\\": \\"a\\"}"}}\n```', names), { name: 'compare_operation', arguments: { service: 'a' } });
    assert.equal(toolCallFromText('{"name": "drop_tables", "arguments": {}}', names), undefined);
    assert.equal(toolCallFromText('The answer is pre-processor.', names), undefined);
    assert.equal(toolCallFromText('{"rootCause": null}', names), undefined);
  });
});
