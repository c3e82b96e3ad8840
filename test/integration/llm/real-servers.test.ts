// Issue 12 items 4–8: the scripted servers behave like real small models and real servers (think blocks, endless
// tool calls, the "no tool support" errors of vLLM / llama.cpp / Ollama, response_format rejection, a JSON body for
// stream: true, odd error bodies), over the real `openai` and `ollama` clients.
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import { chatWithModel, diagnoseWithModel, type AgentSettings } from '../../../src/llm/agent';
import { MemoryLog } from '../../../src/llm/log';
import { type LlmProvider, LlmError, readableErrorBody } from '../../../src/llm/provider';
import { OllamaProvider } from '../../../src/llm/providers/ollama';
import { OpenAiProvider } from '../../../src/llm/providers/openai';
import { createRedactor } from '../../../src/llm/redact';
import { pipelineRuns } from '../../helpers/llm-runs';
import { startScriptedLlmServer, type ScriptedServer } from '../../helpers/scripted-llm-server';

const good = { rootCause: { service: 'pre-processor', operation: 'preprocess-request' }, category: 'queueing', confidence: 0.8, evidence: ['self time 3 ms → 700 ms'], mitigation: ['add a worker'], sources: [], summary: 'The pre-processor saturates.' };

for (const protocol of ['openai', 'ollama'] as const) {
  describe(`real-server behaviours (${protocol})`, () => {
    let srv: ScriptedServer;
    let provider: LlmProvider;
    before(async () => {
      srv = await startScriptedLlmServer();
      provider = protocol === 'openai' ? new OpenAiProvider({ baseURL: srv.openaiBaseURL, retry: { attempts: 2, baseDelayMs: 10 } }) : new OllamaProvider({ host: srv.ollamaHost, retry: { attempts: 2, baseDelayMs: 10 } });
    });
    afterEach(() => srv.behave({}));
    after(() => srv.close());
    const tools: AgentSettings = { model: 'scripted-model', mode: 'tools', maxToolRounds: 3, timeoutMs: 5000 };
    const zs: AgentSettings = { ...tools, mode: 'zero-shot' };
    const deps = () => ({ provider, runs: pipelineRuns(), redactor: createRedactor() });

    it('item 4: <think> blocks are stripped before JSON extraction and from chat answers', async () => {
      srv.behave({ think: 'The user wants JSON. {"rootCause": "web-server"} maybe? Let me think about { braces }.' });
      srv.push({ json: good });
      const out = await diagnoseWithModel(deps(), zs);
      assert.equal(out.origin.kind, 'model', out.label);
      assert.deepEqual(out.diagnosis.rootCause, good.rootCause);
      srv.push({ text: 'The **pre-processor** is slow.' });
      const chat = await chatWithModel(deps(), zs, [], 'why?');
      assert.equal(chat.text, 'The **pre-processor** is slow.');
    });

    it('item 5: a model that keeps calling tools ends with a clear message and the offline diagnosis', async () => {
      srv.behave({ endlessToolCalls: true });
      const out = await diagnoseWithModel(deps(), tools);
      assert.equal(out.origin.kind, 'offline');
      assert.equal(out.label, 'offline engine (the model kept calling tools)');
      // the same call twice ends the tool rounds (small-model.test.ts); the final request gets a tool call again
      assert.match(out.error?.message ?? '', /kept repeating the same tool call instead of answering \(2 tool calls in 3 requests, 1 of them repeats\)/);
      assert.deepEqual(out.diagnosis.rootCause, good.rootCause);
      // zero-shot: a tool call written as text is not taken as the answer either
      const z = await diagnoseWithModel(deps(), zs);
      assert.equal(z.origin.kind, 'offline');
      assert.equal(z.label, 'offline engine (the model kept calling tools)');
      // chat: never an empty reply nor the raw tool-call text
      for (const s of [tools, zs]) {
        const chat = await chatWithModel(deps(), s, [], 'why is it slow?');
        assert.equal(chat.text, '');
        assert.equal(chat.error?.kind, 'tool_loop');
        assert.equal(chat.fallback?.label, 'offline engine (the model kept calling tools)');
      }
    });

    const presets = protocol === 'openai' ? (['vllm', 'llamacpp'] as const) : (['ollama'] as const);
    for (const preset of presets)
      it(`item 6: "no tool support" from ${preset} → zero-shot, not the offline engine`, async () => {
        srv.behave({ rejectTools: preset });
        const n0 = srv.chatRequests().length;
        srv.push({ json: good });
        const log = new MemoryLog();
        const out = await diagnoseWithModel({ ...deps(), log }, tools);
        assert.equal(out.origin.kind, 'model', `${out.label}: ${out.error?.message}`);
        assert.ok(out.origin.kind === 'model' && out.origin.mode === 'zero-shot');
        const reqs = srv.chatRequests().slice(n0);
        assert.equal(reqs.length, 2, 'no retries of the rejected request');
        assert.ok(reqs[0]!.body.tools && !reqs[1]!.body.tools);
        const err = log.entries.find((e) => e.type === 'error') as any;
        assert.equal(err.kind, 'no_tools');
        assert.match(err.message, preset === 'vllm' ? /"auto" tool choice requires --enable-auto-tool-choice/ : preset === 'llamacpp' ? /tools param requires --jinja flag/ : /does not support tools/);
        srv.push({ text: 'It is the pre-processor.' });
        const chat = await chatWithModel(deps(), tools, [], 'why?');
        assert.equal(chat.text, 'It is the pre-processor.');
      });

    it('item 6: a server that rejects response_format / format gets the request again without it', async () => {
      srv.behave({ rejectResponseFormat: true });
      const n0 = srv.chatRequests().length;
      srv.push({ json: good });
      const out = await diagnoseWithModel(deps(), zs);
      assert.equal(out.origin.kind, 'model', `${out.label}: ${out.error?.message}`);
      const reqs = srv.chatRequests().slice(n0);
      assert.equal(reqs.length, 2);
      const asked = (b: any) => (protocol === 'openai' ? b.response_format : b.format);
      assert.ok(asked(reqs[0]!.body) && !asked(reqs[1]!.body));
      assert.match(reqs[1]!.body.messages[0].content, /Final answer: ONLY a JSON object/, 'the schema is in the prompt');
    });

    it('item 7: a server that ignores stream: true and returns one JSON body is read correctly', async () => {
      srv.behave({ ignoreStream: true });
      srv.push({ toolCalls: [{ name: 'compare_operation', args: { service: 'pre-processor', operation: 'preprocess-request' } }] }, { json: good });
      const out = await diagnoseWithModel(deps(), tools);
      assert.equal(out.origin.kind, 'model', `${out.label}: ${out.error?.message}`);
      assert.equal(out.toolCalls, 1);
      srv.push({ text: 'Streamed? No: one body.' });
      const deltas: string[] = [];
      const chat = await chatWithModel({ ...deps(), events: { onDelta: (t) => deltas.push(t) } }, zs, [], 'why?');
      assert.equal(chat.text, 'Streamed? No: one body.');
      assert.equal(deltas.join(''), 'Streamed? No: one body.');
    });

    it('item 8: error bodies of any shape give a readable message, and the ollama client prints nothing', async () => {
      const bodies: [unknown, string | undefined, RegExp][] = [
        ['upstream connect error or disconnect/reset before headers', 'text/plain', /rejected the request \(HTTP 400\): upstream connect error/],
        [{ error: { message: 'model "x" not found, try pulling it first', type: 'invalid_request_error' } }, undefined, /: model "x" not found, try pulling it first$/],
        [{ message: 'context length exceeded: 9000 > 4096' }, undefined, /: context length exceeded: 9000 > 4096$/],
        [{ error: 'bad things happened' }, undefined, /: bad things happened$/],
        ['<html><head><title>400 Bad Request</title></head><body><center><h1>400 Bad Request</h1></center><hr><center>nginx</center></body></html>', 'text/html', /an HTML page, probably from a proxy\) 400 Bad Request — 400 Bad Request nginx/],
      ];
      const written: string[] = [];
      const orig = { log: console.log, info: console.info, warn: console.warn, error: console.error };
      for (const [body, contentType, re] of bodies) {
        srv.push({ status: 400, body, ...(contentType ? { contentType } : {}) });
        for (const k of Object.keys(orig) as (keyof typeof orig)[]) console[k] = (...a: unknown[]) => void written.push(`${k}: ${a.join(' ')}`);
        let err: unknown;
        try {
          await provider.chat({ model: 'scripted-model', messages: [{ role: 'user', content: 'hi' }], timeoutMs: 5000 });
        } catch (e) {
          err = e;
        } finally {
          Object.assign(console, orig);
        }
        assert.ok(err instanceof LlmError, String(err));
        assert.match(err.message, re);
        assert.ok(!/[{}]/.test(err.message.replace(/^[^:]*:/, '')), `no raw JSON in: ${err.message}`);
      }
      assert.deepEqual(written, [], 'the clients print nothing (the ollama client logs "Getting text from response" for non-JSON bodies)');
    });
  });
}

describe('readableErrorBody', () => {
  it('cuts long bodies at a word boundary', () => {
    const t = readableErrorBody('word '.repeat(200), 50);
    assert.ok(t.length <= 51 && t.endsWith('word…'), t);
  });
});
