import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { OllamaProvider } from '../../../src/llm/providers/ollama';
import { OpenAiProvider } from '../../../src/llm/providers/openai';
import { LlmError, type LlmProvider } from '../../../src/llm/provider';
import { startScriptedLlmServer, type ScriptedServer } from '../../helpers/scripted-llm-server';

const fast = { attempts: 3, baseDelayMs: 10, maxDelayMs: 5000 };

for (const protocol of ['openai', 'ollama'] as const) {
  describe(`${protocol} provider against the scripted server (real client)`, () => {
    let srv: ScriptedServer;
    let p: LlmProvider;
    before(async () => {
      srv = await startScriptedLlmServer();
      p = protocol === 'openai' ? new OpenAiProvider({ baseURL: srv.openaiBaseURL, retry: fast }) : new OllamaProvider({ host: srv.ollamaHost, retry: fast });
    });
    after(() => srv.close());
    const last = () => srv.chatRequests().at(-1)!;

    it('streams text deltas and reports usage', async () => {
      srv.push({ text: 'Hello from the pre-processor', chunks: 4 });
      const deltas: string[] = [];
      const r = await p.chat({ model: 'm', messages: [{ role: 'user', content: 'hi' }], temperature: 0.2, seed: 7, onDelta: (d) => deltas.push(d) });
      assert.equal(r.content, 'Hello from the pre-processor');
      assert.ok(deltas.length >= 2, 'several deltas');
      assert.equal(deltas.join(''), r.content);
      assert.ok((r.usage?.promptTokens ?? 0) > 0);
      assert.equal(r.attempts, 1);
      const body = last().body;
      if (protocol === 'openai') {
        assert.equal(body.stream, true);
        assert.equal(body.temperature, 0.2);
        assert.equal(body.seed, 7);
      } else {
        assert.equal(body.options.temperature, 0.2);
        assert.equal(body.options.seed, 7);
      }
    });

    it('reassembles tool calls (fragmented arguments) and sends tool definitions', async () => {
      srv.push({ toolCalls: [{ name: 'compare_operation', args: { service: 'pre-processor', operation: 'preprocess-request' } }, { name: 'top_regressions', args: { limit: 2 } }] });
      const tools = [{ name: 'compare_operation', description: 'd', parameters: { type: 'object', properties: { service: { type: 'string' } } } }, { name: 'top_regressions', description: 'd', parameters: { type: 'object', properties: {} } }];
      const r = await p.chat({ model: 'm', messages: [{ role: 'user', content: 'diagnose' }], tools });
      assert.equal(r.toolCalls.length, 2);
      assert.equal(r.toolCalls[0]!.name, 'compare_operation');
      assert.deepEqual(r.toolCalls[0]!.arguments, { service: 'pre-processor', operation: 'preprocess-request' });
      assert.deepEqual(r.toolCalls[1]!.arguments, { limit: 2 });
      assert.notEqual(r.toolCalls[0]!.id, r.toolCalls[1]!.id);
      assert.equal(last().body.tools.length, 2);
      assert.equal(last().body.tools[0].function.name, 'compare_operation');
    });

    it('sends tool results back in the protocol\'s shape', async () => {
      srv.push({ text: 'ok' });
      await p.chat({
        model: 'm',
        messages: [
          { role: 'user', content: 'q' },
          { role: 'assistant', content: '', toolCalls: [{ id: 'call_9', name: 'top_regressions', arguments: { limit: 1 } }] },
          { role: 'tool', content: '{"x":1}', toolCallId: 'call_9', toolName: 'top_regressions' },
        ],
        tools: [{ name: 'top_regressions', description: 'd', parameters: { type: 'object', properties: {} } }],
      });
      const m = last().body.messages;
      if (protocol === 'openai') {
        assert.equal(m[1].tool_calls[0].id, 'call_9');
        assert.equal(m[1].tool_calls[0].function.arguments, '{"limit":1}');
        assert.equal(m[2].tool_call_id, 'call_9');
      } else {
        assert.deepEqual(m[1].tool_calls[0].function.arguments, { limit: 1 });
        assert.equal(m[2].tool_name, 'top_regressions');
      }
    });

    it('asks for structured output with the JSON schema', async () => {
      srv.push({ json: { a: 1 } });
      const schema = { type: 'object', properties: { a: { type: 'number' } }, required: ['a'], additionalProperties: false };
      const r = await p.chat({ model: 'm', messages: [{ role: 'user', content: 'x' }], structured: { name: 'answer', schema } });
      assert.deepEqual(JSON.parse(r.content), { a: 1 });
      if (protocol === 'openai') {
        assert.deepEqual(last().body.response_format, { type: 'json_schema', json_schema: { name: 'answer', schema, strict: true } });
      } else assert.deepEqual(last().body.format, schema);
    });

    it('retries a 500 and then reports it in plain words', async () => {
      const n = srv.chatRequests().length;
      srv.push({ status: 500 }, { status: 502 }, { status: 503 });
      await assert.rejects(p.chat({ model: 'm', messages: [{ role: 'user', content: 'x' }] }), (e: LlmError) => {
        assert.equal(e.kind, 'server');
        assert.match(e.message, /failed \(HTTP 503\)/);
        return true;
      });
      assert.equal(srv.chatRequests().length - n, 3, 'three attempts');
    });

    it('honours Retry-After on 429 and then succeeds', async () => {
      srv.push({ status: 429, headers: { 'retry-after': '1' } }, { text: 'after the wait' });
      const waits: number[] = [];
      const r = await p.chat({ model: 'm', messages: [{ role: 'user', content: 'x' }], onRetry: (e, _a, ms) => waits.push(ms) && assert.equal(e.kind, 'rate_limit') });
      assert.equal(r.content, 'after the wait');
      assert.equal(r.attempts, 2);
      assert.deepEqual(waits, [1000], 'the server\'s Retry-After was used, not the 10 ms backoff');
    });

    it('reports the Retry-After delay it used', async () => {
      const { withRetry, describeHttpError } = await import('../../../src/llm/provider');
      const delays: number[] = [];
      let calls = 0;
      const v = await withRetry(
        async () => {
          if (++calls === 1) throw describeHttpError(429, 'slow down', 'x', 0.05);
          return 'ok';
        },
        { onRetry: (_e, _a, d) => delays.push(d) },
      );
      assert.equal(v.value, 'ok');
      assert.deepEqual(delays, [50]);
    });

    it('gives up on 4xx at once with the server message', async () => {
      const n = srv.chatRequests().length;
      srv.push({ status: 404, body: protocol === 'openai' ? { error: { message: 'model "nope" not found' } } : { error: 'model "nope" not found' } });
      await assert.rejects(p.chat({ model: 'nope', messages: [{ role: 'user', content: 'x' }] }), (e: LlmError) => e.kind === 'client' && /404/.test(e.message) && /not found/.test(e.message));
      assert.equal(srv.chatRequests().length - n, 1);
    });

    it('times out a server that never answers', async () => {
      srv.push({ hang: true });
      await assert.rejects(p.chat({ model: 'm', messages: [{ role: 'user', content: 'x' }], timeoutMs: 300 }), (e: LlmError) => e.kind === 'timeout' && /did not answer within/.test(e.message));
    });

    it('reports a disconnect in the middle of the stream', async () => {
      srv.push({ disconnectAfter: 'The root cause is' });
      await assert.rejects(p.chat({ model: 'm', messages: [{ role: 'user', content: 'x' }] }), (e: LlmError) => {
        assert.ok(e instanceof LlmError, String(e));
        assert.match(e.message, /closed before the answer was complete/);
        return true;
      });
    });

    it('stops when cancelled', async () => {
      srv.push({ hang: true });
      const ac = new AbortController();
      setTimeout(() => ac.abort(), 100);
      await assert.rejects(p.chat({ model: 'm', messages: [{ role: 'user', content: 'x' }], signal: ac.signal, timeoutMs: 10_000 }), (e: LlmError) => e.kind === 'cancelled');
    });

    it('lists models', async () => {
      const models = await p.listModels!();
      assert.deepEqual(models.map((m) => m.id), ['scripted-model']);
    });
  });
}

describe('unreachable servers', () => {
  it('says nothing is listening', async () => {
    const srv = await startScriptedLlmServer();
    const url = srv.url;
    await srv.close();
    for (const p of [new OpenAiProvider({ baseURL: `${url}/v1`, retry: fast }), new OllamaProvider({ host: url, retry: fast })]) {
      await assert.rejects(p.chat({ model: 'm', messages: [{ role: 'user', content: 'x' }], timeoutMs: 5000 }), (e: LlmError) => {
        assert.equal(e.kind, 'unreachable', `${p.id}: ${e.message}`);
        assert.match(e.message, /connection refused|Could not/);
        // walkthrough 2026-12-07 pm: a first-time user with no model server is told which server was expected
        if (p.id === 'ollama') assert.match(e.message, /^Could not connect to Ollama at http:\/\/127\.0\.0\.1:\d+: nothing is listening there \(connection refused\)\. Is Ollama running\? Start it with "ollama serve"\.$/);
        return true;
      });
    }
  });
});
