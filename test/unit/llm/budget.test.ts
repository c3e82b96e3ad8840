// The 2,000-token promise (issue 12 item 11), measured with a real tokenizer (cl100k) plus the margin for other
// vocabularies, on generated worst cases: 200 services × 20 operations, long names, CJK, emoji, digits.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { initialMessages, promptTokens } from '../../../src/llm/agent';
import { estimateTokens } from '../../../src/llm/context';
import type { Diagnosis } from '../../../src/core/rca/diagnosis';
import { SpanTableBuilder } from '../../../src/core/model/builder';
import { SpanKind, StatusCode } from '../../../src/core/model/span-table';
import type { LlmRuns } from '../../../src/llm/runs';
import { createRedactor } from '../../../src/llm/redact';
import { SYSTEM_BUDGET_TOKENS } from '../../../src/llm/prompts/system';
import { makeFence } from '../../../src/llm/sanitize';
import { cl100kTokens, safeTokens } from '../../../src/llm/tokens';
import { toolSpecs } from '../../../src/llm/tools/index';

type Flavour = 'ascii' | 'cjk' | 'emoji' | 'digits' | 'mixed';
const NAME: Record<Flavour, (s: number, o?: number) => string> = {
  ascii: (s, o) => `very-long-service-name-for-the-${s}th-component-of-the-platform${o === undefined ? '' : `/operation-handler-${o}-processing-requests-from-upstream`}`,
  cjk: (s, o) => `推荐服务系统组件名称非常长的服务${s}号${o === undefined ? '' : `处理请求操作${o}号订单查询接口`}`,
  emoji: (s, o) => `🚀🔥svc${s}-😀🎉🧪${o === undefined ? '' : `/op${o}-💾📦🛰️`}`,
  digits: (s, o) => `10.${s}.${s * 7}.${s * 13}-cache-node-${1234567890 + s}${o === undefined ? '' : `/v1/orders/${987654321 + o}/items/${s * 1000 + o}`}`,
  mixed: (s, o) => `svc-${s}-日本語-😀-${s * 31337}${o === undefined ? '' : `-op-${o}-注文-🛒-${o * 4242}`}`,
};

function worstCase(flavour: Flavour, services = 200, ops = 20): LlmRuns {
  const build = (slow: boolean) => {
    const b = new SpanTableBuilder();
    const scope = b.addScope('gen');
    let seq = 1;
    const hex = (n: number, l: number) => n.toString(16).padStart(l, '0');
    for (let t = 0; t < 2; t++) {
      const traceId = hex(t + 1, 32);
      const root = hex(seq++, 16);
      const r0 = b.addResource('root-svc', { 'service.name': 'root-svc' });
      b.addSpan({ traceId, spanId: root, parentSpanId: '', name: 'root', kind: SpanKind.Server, statusCode: StatusCode.Unset, start: [1_700_000_000 + t, 0], durationNs: 5e9, resource: r0, scope });
      for (let s = 0; s < services; s++) {
        const svc = NAME[flavour](s);
        const r = b.addResource(svc, { 'service.name': svc });
        for (let o = 0; o < ops; o++)
          b.addSpan({ traceId, spanId: hex(seq++, 16), parentSpanId: root, name: NAME[flavour](s, o), kind: SpanKind.Internal, statusCode: StatusCode.Unset, start: [1_700_000_000 + t, 1000], durationNs: (slow && s === 0 ? 900 : 1) * 1e6 * (1 + o), resource: r, scope });
      }
    }
    return b.build();
  };
  const cand = (s: number, o: number, impact: number): Diagnosis['candidates'][number] => ({
    service: NAME[flavour](s),
    name: NAME[flavour](s, o),
    kind: 'self_time',
    impactMs: impact,
    confidence: 0.9,
    evidence: [`self time per trace ${1234.5678 + s} ms → ${98765.4321 + o} ms (p < 1e-16), ${NAME[flavour](s, o)}`, `p95 ${s}.${o} ms → ${s * 9999}.${o} ms; calls 12345678 → 87654321`],
    summary: `${NAME[flavour](s, o)} got slower by ${impact} ms per trace`,
    source: { file: `src/${NAME[flavour](s)}/${NAME[flavour](s, o)}.py`, line: 1234 + o },
  });
  const candidates = Array.from({ length: 60 }, (_, k) => cand(k % services, k % ops, 9000 - k));
  return {
    baseline: build(false),
    incident: build(true),
    diagnosis: { rootCause: candidates[0]!, candidates, latency: { baselineMs: 1234.5678, incidentMs: 98765.4321, pValue: 1e-16, test: 'Mann-Whitney U' }, notes: [NAME[flavour](1, 1).repeat(5), 'n'.repeat(900)] },
    labels: { baseline: NAME[flavour](7, 7).repeat(10), incident: NAME[flavour](8, 8).repeat(10) },
  };
}

describe('token budget on generated worst cases (real tokenizer + margin)', () => {
  it('the margin is an upper bound: CJK/emoji/digits count at least their cl100k tokens, byte fallback included', () => {
    for (const t of ['推荐服务系统组件名称', '🚀🔥😀🎉🧪💾📦', '12345678901234567890', '{"service":"web-server","p95Ms":123.45}']) {
      const n = safeTokens(t);
      assert.ok(n >= cl100kTokens(t), t);
      // never below one token per UTF-8 byte for CJK/emoji (byte-fallback vocabularies), nor one per digit
      if (/[^\x00-\x7f]/.test(t)) assert.ok(n >= Buffer.byteLength(t) * 0.99, `${t}: ${n} < bytes ${Buffer.byteLength(t)}`);
      if (/^\d+$/.test(t)) assert.ok(n >= t.length, `${t}: ${n}`);
    }
    // chars/3.5 (the old estimate) under-counts CJK and emoji by far
    assert.ok(safeTokens('推荐服务系统组件名称非常长的服务'.repeat(20)) > 1.6 * Math.ceil(('推荐服务系统组件名称非常长的服务'.repeat(20)).length / 3.5));
  });

  for (const flavour of ['ascii', 'cjk', 'emoji', 'digits', 'mixed'] as const) {
    it(`${flavour}: 200 services × 20 operations — system + context + request + schema ≤ 2,000; first tools request ≤ 4,000`, () => {
      const runs = worstCase(flavour);
      for (const redaction of [true, false]) {
        for (const mode of ['zero-shot', 'tools', 'chat'] as const) {
          const msgs = initialMessages(runs, mode, createRedactor({ enabled: redaction }), makeFence(), mode === 'chat' ? 'why is it slow?' : undefined);
          const n = promptTokens(msgs, mode !== 'chat');
          assert.ok(n <= SYSTEM_BUDGET_TOKENS, `${flavour}/${mode}/redaction ${redaction}: ${n} tokens`);
          // the engine's top candidate survives the shrinking
          assert.ok(msgs[0]!.content.includes('"rank":1'), `${flavour}/${mode}: top candidate kept`);
          if (mode === 'tools') {
            const first = n + estimateTokens(JSON.stringify(toolSpecs()));
            assert.ok(first <= 4000, `${flavour}: first tools request ${first} tokens`);
          }
        }
      }
    });
  }
});
