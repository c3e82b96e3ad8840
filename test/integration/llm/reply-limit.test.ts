/**
 * One rule for a runaway reply on both providers (src/llm/providers/reply-limit.ts), through the real `openai` and
 * `ollama` clients against the scripted server, streamed and as one JSON body (servers that ignore stream: true):
 * text is cut at maxReplyChars, and so are tool-call arguments (all the calls of a reply together) — before, the
 * Ollama provider took tool-call arguments of any length (and the OpenAI one did too from a non-streamed body).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { OllamaProvider } from '../../../src/llm/providers/ollama';
import { OpenAiProvider } from '../../../src/llm/providers/openai';
import type { ChatResult, LlmProvider, ToolSpec } from '../../../src/llm/provider';
import { startScriptedLlmServer, type ScriptStep, type ScriptedServer } from '../../helpers/scripted-llm-server';

const MAX = 24_000;
const RUNAWAY = 'the pre-processor queue grows and grows '.repeat(8000); // 320,000 characters
const tools: ToolSpec[] = [{ name: 'operation_stats', description: 'd', parameters: { type: 'object', properties: { service: { type: 'string' } } } }];
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

for (const protocol of ['openai', 'ollama'] as const) {
  for (const mode of ['streamed', 'one JSON body'] as const) {
    describe(`the reply limit over ${protocol}, ${mode} (real client, scripted server)`, () => {
      let srv: ScriptedServer;
      let p: LlmProvider;
      before(async () => {
        srv = await startScriptedLlmServer();
        if (mode === 'one JSON body') srv.behave({ ignoreStream: true });
        p = protocol === 'openai' ? new OpenAiProvider({ baseURL: srv.openaiBaseURL, retry: { attempts: 1 } }) : new OllamaProvider({ host: srv.ollamaHost, retry: { attempts: 1 } });
      });
      after(() => srv.close());

      async function chat(step: ScriptStep, maxReplyChars = MAX): Promise<{ r: ChatResult; deltas: string[] }> {
        srv.clear();
        srv.push(step);
        const deltas: string[] = [];
        const r = await p.chat({ model: 'm', messages: [{ role: 'user', content: 'why?' }], tools, maxReplyChars, timeoutMs: 10_000, onDelta: (d) => deltas.push(d) });
        return { r, deltas };
      }

      it('a runaway text reply is cut at the limit; what was shown is what is kept', async () => {
        const { r, deltas } = await chat({ text: RUNAWAY, chunks: 40 });
        assert.equal(r.content, RUNAWAY.slice(0, MAX));
        assert.equal(deltas.join(''), r.content);
        assert.equal(r.cut, true);
        assert.equal(r.finishReason, 'length');
      });

      it('a tool call with runaway arguments is cut at the limit: the call is kept, its cut text is the invalid arguments', async () => {
        const args = { service: RUNAWAY };
        const { r } = await chat({ toolCalls: [{ name: 'operation_stats', args }] });
        assert.equal(r.cut, true, 'the reply is marked cut');
        assert.equal(r.finishReason, 'length');
        assert.equal(r.toolCalls.length, 1);
        const c = r.toolCalls[0]!;
        assert.equal(c.name, 'operation_stats');
        assert.deepEqual(c.arguments, {});
        assert.equal(c.invalidArguments, JSON.stringify(args).slice(0, MAX));
      });

      it('the budget is shared by the calls of one reply; a call after the cut is dropped', async () => {
        const a = { service: 'a'.repeat(15_000) };
        const b = { service: 'b'.repeat(15_000) };
        const { r } = await chat({ toolCalls: [{ name: 'operation_stats', args: a }, { name: 'operation_stats', args: b }, { name: 'operation_stats', args: { service: 'c' } }] });
        assert.equal(r.cut, true);
        assert.equal(r.toolCalls.length, 2, r.toolCalls.map((c) => c.name).join());
        assert.deepEqual(r.toolCalls[0]!.arguments, a, 'the first call is whole');
        assert.equal(r.toolCalls[0]!.invalidArguments, undefined);
        const first = JSON.stringify(a).length;
        assert.equal(r.toolCalls[1]!.invalidArguments, JSON.stringify(b).slice(0, MAX - first));
      });

      it('arguments exactly at the limit are kept whole, and the reply is not marked cut', async () => {
        const args = { service: 'x'.repeat(MAX - '{"service":""}'.length) };
        assert.equal(JSON.stringify(args).length, MAX);
        const { r } = await chat({ toolCalls: [{ name: 'operation_stats', args }] });
        assert.equal(r.cut, undefined);
        assert.notEqual(r.finishReason, 'length');
        assert.deepEqual(r.toolCalls[0]!.arguments, args);
        assert.equal(r.toolCalls[0]!.invalidArguments, undefined);
      });

      it('a cut never splits an emoji (no lone surrogate in text or arguments)', async () => {
        const emoji = '😀'.repeat(20_000); // 40,000 UTF-16 units
        const t = await chat({ text: emoji, chunks: 7 }, MAX + 1);
        assert.equal(t.r.cut, true);
        assert.equal(t.r.content.length, MAX);
        assert.doesNotMatch(t.r.content, LONE_SURROGATE);
        const a = await chat({ toolCalls: [{ name: 'operation_stats', args: { service: emoji } }] }, MAX + 1);
        assert.equal(a.r.cut, true);
        const inv = a.r.toolCalls[0]!.invalidArguments!;
        assert.ok(inv.length === MAX || inv.length === MAX + 1, String(inv.length));
        assert.doesNotMatch(inv, LONE_SURROGATE);
      });

      it('arguments read alike on both protocols: "{}" is no arguments, an array or a bare string is not an object', async () => {
        const empty = await chat({ toolCalls: [{ name: 'operation_stats', rawArgs: '{}' }] });
        assert.deepEqual(empty.r.toolCalls[0]!.arguments, {});
        assert.equal(empty.r.toolCalls[0]!.invalidArguments, undefined, 'an empty object is valid arguments');
        const arr = await chat({ toolCalls: [{ name: 'operation_stats', args: [1, 2] }] });
        assert.deepEqual(arr.r.toolCalls[0]!.arguments, {});
        assert.equal(arr.r.toolCalls[0]!.invalidArguments, '[1,2]');
        const bare = await chat({ toolCalls: [{ name: 'operation_stats', rawArgs: '"top"' }] });
        assert.equal(bare.r.toolCalls[0]!.invalidArguments, '"top"');
        assert.equal(bare.r.cut, undefined);
      });
    });
  }
}
