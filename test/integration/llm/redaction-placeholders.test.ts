// Issue 12 item 12 + issue 14 item 15: stable placeholders, the answer mapped back before validation and display,
// service/operation names left alone, secrets found by key name as well as by value — over both real clients.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { diagnoseWithModel, type AgentSettings } from '../../../src/llm/agent';
import { engineDiagnose } from '../../../src/llm/prepare';
import { previewPayload } from '../../../src/llm/preview';
import type { LlmProvider } from '../../../src/llm/provider';
import { OllamaProvider } from '../../../src/llm/providers/ollama';
import { OpenAiProvider } from '../../../src/llm/providers/openai';
import { createRedactor } from '../../../src/llm/redact';
import type { LlmRuns } from '../../../src/llm/runs';
import { type S, table } from '../../helpers/spans';
import { startScriptedLlmServer, type ScriptedServer } from '../../helpers/scripted-llm-server';

const CACHE = 'cache-node-10.2.3.4';
const ROUTE = 'GET /orders/550e8400-e29b-41d4-a716-446655440000';
const PLANTED = {
  db_password: 'hunter2',
  'db.password': 'Tr0ub4dor&3',
  api_key: 'k-51f0e2d7',
  'aws.access_key_id': 'AKIAIOSFODNN7EXAMPLE',
  'http.request.header.cookie': 'sessionid=abc123xyz; theme=dark',
  'payment.card': '4111 1111 1111 1111',
  'user.phone': '+44 20 7946 0958',
  'user.ssn': '123-45-6789',
  'peer.ip': '10.9.8.7',
};
const SECRET_VALUES = ['hunter2', 'Tr0ub4dor', 'k-51f0e2d7', 'AKIAIOSFODNN7EXAMPLE', 'abc123xyz', '4111 1111 1111 1111', '7946 0958', '123-45-6789'];

function runs(): LlmRuns {
  const spans = (slow: boolean): S[] => {
    const out: S[] = [];
    for (let t = 0; t < 30; t++) {
      const trace = `t${t}`;
      const cache = (slow ? 300 : 5) * (0.9 + 0.2 * ((t * 7) % 10) / 10);
      out.push({ trace, id: `${t}r`, service: 'web', name: ROUTE, start: t * 1000, dur: cache + 20, attrs: { 'status.note': `db_password=${PLANTED.db_password} leaked in a log line` } });
      out.push({ trace, id: `${t}c`, parent: `${t}r`, service: CACHE, name: 'GET', start: t * 1000 + 10, dur: cache, attrs: PLANTED });
    }
    return out;
  };
  const baseline = table(spans(false));
  const incident = table(spans(true));
  const { diagnosis, diff } = engineDiagnose(baseline, incident);
  return { baseline, incident, diagnosis, ...(diff ? { diff } : {}), labels: { baseline: 'b.json', incident: 'i.json' } };
}

const answer = (service: string, operation: string, evidence: string[]) => ({ rootCause: { service, operation }, category: 'self_time', confidence: 0.8, evidence, mitigation: ['check the cache node'], sources: [], summary: `${service} got slower.` });

for (const protocol of ['openai', 'ollama'] as const) {
  describe(`redaction with stable placeholders (${protocol})`, () => {
    let srv: ScriptedServer;
    let provider: LlmProvider;
    before(async () => {
      srv = await startScriptedLlmServer();
      provider = protocol === 'openai' ? new OpenAiProvider({ baseURL: srv.openaiBaseURL, retry: { attempts: 1 } }) : new OllamaProvider({ host: srv.ollamaHost, retry: { attempts: 1 } });
    });
    after(() => srv.close());
    const settings: AgentSettings = { model: 'scripted-model', mode: 'tools', maxToolRounds: 4, timeoutMs: 5000 };

    it('names stay as they are, so a correct answer naming cache-node-10.2.3.4 is accepted; secrets never leave', async () => {
      const r = runs();
      assert.equal(r.diagnosis?.rootCause?.service, CACHE, 'the engine blames the cache node');
      const n0 = srv.chatRequests().length;
      srv.push(
        { toolCalls: [{ name: 'attribute_breakdown', args: { service: CACHE, operation: 'GET' } }] },
        { toolCalls: Object.keys(PLANTED).map((key) => ({ name: 'attribute_breakdown', args: { service: CACHE, operation: 'GET', key } })) },
        { toolCalls: [{ name: 'critical_path', args: { trace: 'I1' } }, { name: 'top_regressions', args: {} }] },
        { json: answer(CACHE, 'GET', ['GET on the cache node grew from 5 ms to 300 ms', 'its peer ip_1 answers slowly; password secret_1 is unrelated']) },
      );
      const out = await diagnoseWithModel({ provider, runs: r, redactor: createRedactor() }, settings);
      assert.equal(out.origin.kind, 'model', out.label);
      assert.deepEqual(out.diagnosis.rootCause, { service: CACHE, operation: 'GET' });
      assert.equal(out.agreement?.verdict, 'agrees');
      const bodies = srv.chatRequests().slice(n0).map((x) => x.raw).join('\n');
      // names are sent as they are
      assert.ok(bodies.includes(CACHE) && bodies.includes(ROUTE), 'service and operation names are not redacted');
      // secrets by key name and by value never leave
      for (const v of SECRET_VALUES) assert.ok(!bodies.includes(v), `${v} leaked`);
      assert.ok(!bodies.includes('10.9.8.7'), 'an IP outside a name is redacted');
      // the same value gets the same placeholder in every request
      assert.match(bodies, /value\W+secret_\d+/);
      // display: ip_1 maps back to the address; credentials keep their placeholder
      const ev = out.diagnosis.evidence.join(' | ');
      assert.match(ev, /peer 10\.9\.8\.7 answers slowly/);
      assert.match(ev, /password secret_1/);
    });

    it('a user pattern over a name: the model sees custom_1 and its answer is mapped back before validation', async () => {
      const r = runs();
      const n0 = srv.chatRequests().length;
      srv.push({ toolCalls: [{ name: 'compare_operation', args: { service: 'custom_1', operation: 'GET' } }] }, { json: answer('custom_1', 'GET', ['custom_1 / GET self time grew']) });
      const out = await diagnoseWithModel({ provider, runs: r, redactor: createRedactor({ patterns: ['cache-node-[0-9.]+'] }) }, settings);
      const bodies = srv.chatRequests().slice(n0).map((x) => x.raw).join('\n');
      assert.ok(!bodies.includes(CACHE), 'the user asked for the name to be redacted');
      assert.match(bodies, /custom_1/);
      // the tool call with the placeholder ran on the real name
      assert.match(bodies, /Result of compare_operation[^]*meanRatio/);
      assert.equal(out.origin.kind, 'model', out.label);
      assert.deepEqual(out.diagnosis.rootCause, { service: CACHE, operation: 'GET' });
      assert.match(out.diagnosis.evidence[0]!, /^cache-node-10\.2\.3\.4 \/ GET/);
    });

    it('"Preview What Will Be Sent" shows the placeholders and what they replace (credentials masked)', () => {
      const r = runs();
      r.labels = { baseline: 'b.json', incident: 'incident from 10.9.8.7 with api_key=k-51f0e2d7' };
      const text = previewPayload(r, { provider: protocol, endpoint: 'http://127.0.0.1', model: 'm', mode: 'tools', temperature: 0.2, redactor: createRedactor() });
      const p = JSON.parse(text);
      const byKind = new Map<string, any>(p.redactions.map((x: any) => [x.kind, x]));
      assert.ok(byKind.has('secret'), JSON.stringify(p.redactions));
      assert.equal(byKind.get('ip').original, '10.9.8.7');
      assert.equal(byKind.get('ip').placeholder, 'ip_1');
      assert.equal(byKind.get('secret').original, '(credential: not shown)');
      for (const v of SECRET_VALUES) assert.ok(!text.includes(v), `${v} in the preview`);
      assert.ok(text.includes(CACHE));
      assert.match(p.note, /same value → same placeholder/);
    });
  });
}
