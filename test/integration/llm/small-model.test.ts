/**
 * A scripted "small model" that makes the mistakes small local models make (notes/llm-properties.md), driven through
 * the real agent (src/llm/agent.ts) and the real `openai` and `ollama` clients against the scripted server: unknown
 * tool names, malformed or truncated JSON arguments, arguments of the wrong type, the same call in a loop, an answer
 * before any tool call, a diagnosis naming a service that is not in the traces or going against the tool results, a
 * reply that runs past any context. The user always gets an answer (the model's, or the offline engine's with a note
 * of what went wrong), in bounded requests and time, with every request, response and tool call in the log.
 *
 * The last test draws random sequences of those mistakes (seeded: TD_PROP_SEED, TD_PROP_RUNS).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { chatWithModel, diagnoseWithModel, ECHO_CHARS, REPEATED_CALL_NOTE, type AgentOutcome, type AgentSettings } from '../../../src/llm/agent';
import { LlmDiagnosis } from '../../../src/llm/diagnosis-schema';
import { MemoryLog } from '../../../src/llm/log';
import type { LlmProvider } from '../../../src/llm/provider';
import { OllamaProvider } from '../../../src/llm/providers/ollama';
import { OpenAiProvider } from '../../../src/llm/providers/openai';
import { createRedactor } from '../../../src/llm/redact';
import { pipelineRuns } from '../../helpers/llm-runs';
import { startScriptedLlmServer, type ScriptStep, type ScriptedServer } from '../../helpers/scripted-llm-server';

const SEED = Number(process.env.TD_PROP_SEED ?? 20261207);
const RUNS = Number(process.env.TD_PROP_RUNS ?? 1);

const good = (service = 'pre-processor', operation = 'preprocess-request') => ({
  rootCause: { service, operation },
  category: 'queueing',
  confidence: 0.85,
  evidence: ['self time per trace 3 ms → 700 ms'],
  mitigation: ['add a second worker'],
  sources: [],
  summary: 'The pre-processor saturates.',
});
const RUNAWAY = 'The pre-processor is slow because the queue is long. '.repeat(6000); // ~318,000 characters

const MAX_ROUNDS = 4;
const settings: AgentSettings = { model: 'small-3b', mode: 'tools', maxToolRounds: MAX_ROUNDS, timeoutMs: 4000, deadlineMs: 8000 };

/** The answer the user sees, and everything it must satisfy whatever the model did. */
function checkOutcome(out: AgentOutcome, log: MemoryLog, requests: number, ms: number, where: string): void {
  assert.ok(LlmDiagnosis.safeParse(out.diagnosis).success, `${where}: no valid diagnosis shown`);
  if (out.origin.kind === 'offline') {
    assert.match(out.label, /^offline engine \(.+\)$/, where);
    assert.ok(out.error && out.error.message.length > 20, `${where}: fell back without saying why (${out.label})`);
  }
  // bounded: tool rounds + final answer + one repair (+ one resend without response_format)
  assert.ok(out.calls <= MAX_ROUNDS + 3, `${where}: ${out.calls} requests`);
  // each call is one request, or two when the server failed once (retry.attempts 2)
  assert.ok(requests >= out.calls && requests <= 2 * out.calls, `${where}: requests counted ${out.calls}, server saw ${requests}`);
  assert.ok(ms < 6000, `${where}: ${ms} ms`);
  // nothing lost: every request, every response or error, every tool call, and the result are in the log
  const n = (t: string) => log.entries.filter((e) => e.type === t).length;
  assert.equal(n('request'), out.calls, `${where}: logged requests`);
  const failed = log.entries.filter((e) => e.type === 'error' && e.turn !== undefined && e.kind !== 'repeated_tool_call').length;
  assert.ok(n('response') + failed >= out.calls, `${where}: a response or an error for every request`);
  assert.equal(n('tool'), out.toolCalls, `${where}: logged tool calls`);
  assert.equal(n('result'), 1, `${where}: one result`);
}

for (const protocol of ['openai', 'ollama'] as const) {
  describe(`a small model's mistakes over ${protocol} (real client, scripted server)`, () => {
    let srv: ScriptedServer;
    let provider: LlmProvider;
    before(async () => {
      srv = await startScriptedLlmServer();
      provider = protocol === 'openai' ? new OpenAiProvider({ baseURL: srv.openaiBaseURL, retry: { attempts: 2, baseDelayMs: 10 } }) : new OllamaProvider({ host: srv.ollamaHost, retry: { attempts: 2, baseDelayMs: 10 } });
    });
    after(() => srv.close());

    async function diagnose(steps: ScriptStep[], s: AgentSettings = settings) {
      srv.clear();
      srv.push(...steps);
      const n0 = srv.chatRequests().length;
      const log = new MemoryLog();
      const status: string[] = [];
      const t0 = Date.now();
      const out = await diagnoseWithModel({ provider, runs: pipelineRuns(), redactor: createRedactor(), log, events: { onStatus: (t) => status.push(t) } }, s);
      const ms = Date.now() - t0;
      const reqs = srv.chatRequests().slice(n0);
      return { out, log, reqs, ms, status, bodies: reqs.map((r) => r.raw) };
    }
    const lastUserOrTool = (body: any) => body.messages.filter((m: any) => m.role === 'tool' || m.role === 'user').at(-1)?.content ?? '';

    it('an unknown tool name: the model is told which tools exist, then its answer is taken', async () => {
      const r = await diagnose([{ toolCalls: [{ name: 'get_root_cause', args: {} }] }, { json: good() }]);
      checkOutcome(r.out, r.log, r.reqs.length, r.ms, 'unknown tool');
      assert.equal(r.out.origin.kind, 'model', r.out.label);
      const told = lastUserOrTool(r.reqs[1]!.body);
      assert.match(told, /Unknown tool \\"get_root_cause\\"/);
      assert.match(told, /top_regressions \{limit\?: integer\}/);
    });

    it('truncated JSON arguments: the model gets "not a JSON object" with the usage line', async () => {
      const r = await diagnose([{ toolCalls: [{ name: 'compare_operation', rawArgs: '{"service": "pre-processor", "operation": "prepro' }] }, { json: good() }]);
      checkOutcome(r.out, r.log, r.reqs.length, r.ms, 'truncated args');
      assert.equal(r.out.origin.kind, 'model');
      const told = lastUserOrTool(r.reqs[1]!.body);
      assert.match(told, /The arguments were not a JSON object/);
      assert.match(told, /compare_operation \{service: string, operation: string\}/);
    });

    it('arguments of the wrong type: the field and what it should be', async () => {
      const r = await diagnose([{ toolCalls: [{ name: 'top_regressions', args: { limit: 'five' } }, { name: 'operation_stats', args: { service: ['pre-processor'], operation: 7 } }] }, { json: good() }]);
      checkOutcome(r.out, r.log, r.reqs.length, r.ms, 'wrong types');
      const tools = r.reqs[1]!.body.messages.filter((m: any) => m.role === 'tool').map((m: any) => m.content);
      assert.match(tools[0], /Invalid arguments for top_regressions: limit: /);
      assert.match(tools[1], /Invalid arguments for operation_stats: service: .*; operation: /);
    });

    it('a name copied from a tool result with its newline as a space still works (the tools resolve it)', async () => {
      const r = await diagnose([{ toolCalls: [{ name: 'operation_stats', args: { service: 'PRE-PROCESSOR', operation: 'preprocess request' } }] }, { json: good() }]);
      const told = lastUserOrTool(r.reqs[1]!.body);
      assert.match(told, /"service":"pre-processor","operation":"preprocess-request","run":"incident","stats":\{"spans":20/);
    });

    it('the same call in a loop: answered once more with a note, then the tool rounds end and the answer is asked for', async () => {
      const same = { toolCalls: [{ name: 'top_regressions', args: { limit: 3 } }] };
      const r = await diagnose([same, { toolCalls: [{ name: 'top_regressions', args: { limit: 3 } }] }, { json: good() }]);
      checkOutcome(r.out, r.log, r.reqs.length, r.ms, 'loop');
      assert.equal(r.out.origin.kind, 'model', r.out.label);
      assert.equal(r.reqs.length, 3, 'two tool rounds, then the final answer (not four rounds)');
      assert.ok(lastUserOrTool(r.reqs[2]!.body).includes(REPEATED_CALL_NOTE) || r.reqs[2]!.body.messages.some((m: any) => m.role === 'tool' && m.content.startsWith(REPEATED_CALL_NOTE)));
      if (protocol === 'openai') assert.equal(r.reqs[2]!.body.tool_choice, 'none');
      else assert.equal(r.reqs[2]!.body.tools, undefined);
      assert.ok(r.status.some((s) => /repeated the same tool call/.test(s)), r.status.join(' | '));
      assert.ok(r.log.entries.some((e) => e.type === 'error' && e.kind === 'repeated_tool_call'));
      // the same arguments in another key order are the same call
      const k = await diagnose([{ toolCalls: [{ name: 'compare_operation', args: { service: 'pre-processor', operation: 'preprocess-request' } }] }, { toolCalls: [{ name: 'compare_operation', args: { operation: 'preprocess-request', service: 'pre-processor' } }] }, { json: good() }]);
      assert.equal(k.reqs.length, 3);
    });

    it('a stubborn loop (tool calls even when asked for the answer) ends with the engine and says the model repeated itself', async () => {
      srv.behave({ endlessToolCalls: true });
      try {
        const r = await diagnose([]);
        checkOutcome(r.out, r.log, r.reqs.length, r.ms, 'stubborn loop');
        assert.equal(r.out.origin.kind, 'offline');
        assert.match(r.out.error!.message, /kept repeating the same tool call/);
        assert.ok(r.reqs.length <= 3, `${r.reqs.length} requests`);
      } finally {
        srv.behave({});
      }
    });

    it('answering before calling any tool: prose → the structured answer is asked for; a JSON answer is checked like any other', async () => {
      const r = await diagnose([{ text: 'It is the pre-processor queue.' }, { json: good() }]);
      checkOutcome(r.out, r.log, r.reqs.length, r.ms, 'prose first');
      assert.equal(r.out.origin.kind, 'model');
      assert.equal(r.out.toolCalls, 0);
      const j = await diagnose([{ json: good() }]);
      assert.equal(j.out.origin.kind, 'model');
      assert.equal(j.reqs.length, 1);
    });

    it('a service that is not in the traces, twice: the engine answers, and the note says what was wrong', async () => {
      const bad = { json: good('redis-cache', 'GET') };
      const r = await diagnose([{ toolCalls: [{ name: 'top_regressions', args: {} }] }, bad, bad]);
      checkOutcome(r.out, r.log, r.reqs.length, r.ms, 'hallucinated');
      assert.equal(r.out.origin.kind, 'offline');
      assert.equal(r.out.error?.kind, 'invalid_answer');
      // in words for the on-call engineer, not the field path and service list written for the model
      assert.equal(r.out.error!.message, 'The model\'s answer could not be used, even after one correction request: it named "redis-cache" as the root cause, and no service of that name is in these traces');
      assert.deepEqual(r.out.diagnosis.rootCause, { service: 'pre-processor', operation: 'preprocess-request' });
    });

    it('a diagnosis that goes against the tool results is shown as disagreeing, with the engine beside it', async () => {
      const r = await diagnose([{ toolCalls: [{ name: 'top_regressions', args: {} }] }, { json: { ...good('inference-server', 'inference'), category: 'self_time' } }]);
      checkOutcome(r.out, r.log, r.reqs.length, r.ms, 'contradicting');
      assert.equal(r.out.origin.kind, 'model');
      assert.match(r.out.label, /disagrees with the measured evidence/);
      assert.deepEqual(r.out.engine?.rootCause, { service: 'pre-processor', operation: 'preprocess-request' });
    });

    it('a runaway reply (318,000 characters) is cut at the limit and the stream closed; the next request echoes only its start', async () => {
      const r = await diagnose([{ toolCalls: [{ name: 'top_regressions', args: {} }] }, { text: RUNAWAY, chunks: 600, chunkDelayMs: 2 }, { json: good() }]);
      checkOutcome(r.out, r.log, r.reqs.length, r.ms, 'runaway');
      assert.equal(r.out.origin.kind, 'model', r.out.label);
      assert.ok(r.ms < 1500, `${r.ms} ms: the whole stream (600 × 2 ms) was read`);
      // the third request (the final answer) carries the start of the reply and that it was cut, not 318,000 characters
      const repair = r.reqs[2]!.body.messages;
      const echoed = repair.filter((m: any) => m.role === 'assistant').at(-1).content as string;
      assert.ok(echoed.length <= ECHO_CHARS + 80, `${echoed.length} characters echoed`);
      assert.match(echoed, /\[cut here: the reply was 24,000 characters\]$/);
      assert.match(repair.at(-1).content, /^Your last reply was cut after 24,000 characters: it was far too long\./);
      // a runaway JSON answer gets the same note in the repair request
      const j = await diagnose([{ text: '{"rootCause": {"service": "pre-processor", "operation": "preprocess-request"}, "evidence": [' + '"the queue grows", '.repeat(3000) }, { json: good() }]);
      assert.equal(j.out.origin.kind, 'model');
      assert.match(j.reqs[1]!.body.messages.at(-1).content, /Your answer was not valid[\s\S]*cut after 24,000 characters/);
      assert.ok(Math.max(...r.bodies.map((b) => b.length)) < 40_000, `request of ${Math.max(...r.bodies.map((b) => b.length))} characters`);
      const cut = r.log.entries.find((e) => e.type === 'response' && e.cut === true);
      assert.ok(cut, 'the log says the reply was cut');
      assert.ok(r.status.some((s) => /ran past 24,000 characters/.test(s)), r.status.join(' | '));
    });

    it('a runaway reply twice: the engine answers and the note says the answer was cut', async () => {
      const r = await diagnose([{ text: RUNAWAY }, { text: RUNAWAY }, { text: RUNAWAY }]);
      checkOutcome(r.out, r.log, r.reqs.length, r.ms, 'runaway twice');
      assert.equal(r.out.origin.kind, 'offline');
      assert.match(r.out.error!.message, /ran past 24,000 characters and was cut/);
    });

    it('a tool call whose arguments run away (318,000 characters) is cut too: the next request stays small, the model is told', async () => {
      const r = await diagnose([{ toolCalls: [{ name: 'operation_stats', args: { service: RUNAWAY, operation: 'preprocess-request' } }] }, { json: good() }]);
      checkOutcome(r.out, r.log, r.reqs.length, r.ms, 'runaway arguments');
      assert.equal(r.out.origin.kind, 'model', r.out.label);
      // no time bound of its own (checkOutcome's 6 s): the size of what goes back is what the cut is for
      const biggest = Math.max(...r.bodies.map((b) => b.length));
      assert.ok(biggest < 40_000, `a request of ${biggest} characters: the arguments went back whole`);
      assert.match(lastUserOrTool(r.reqs[1]!.body), /The arguments were not a JSON object/);
      assert.ok(r.log.entries.some((e) => e.type === 'response' && e.cut === true), 'the log says the reply was cut');
      assert.ok(r.status.some((s) => /ran past 24,000 characters/.test(s)), r.status.join(' | '));
    });

    it('chat: a runaway answer is shown cut, with a note under it; a loop of the same call ends in an answer', async () => {
      srv.clear();
      srv.push({ text: RUNAWAY });
      const deltas: string[] = [];
      const c = await chatWithModel({ provider, runs: pipelineRuns(), redactor: createRedactor(), events: { onDelta: (d) => deltas.push(d) } }, settings, [], 'why is it slow?');
      assert.equal(c.error, undefined);
      assert.ok(c.text.length < 24_200, String(c.text.length));
      assert.match(c.text, /_\(The model's answer was cut here: it ran past 24,000 characters\.\)_$/);
      assert.ok(deltas.join('').endsWith("_(The model's answer was cut here: it ran past 24,000 characters.)_"), 'the note is streamed too');
      assert.ok(deltas.join('').startsWith(c.text.slice(0, 1000)));
      srv.push({ toolCalls: [{ name: 'errors', args: {} }] }, { toolCalls: [{ name: 'errors', args: {} }] }, { text: 'No errors changed; the pre-processor got slower.' });
      const n0 = srv.chatRequests().length;
      const l = await chatWithModel({ provider, runs: pipelineRuns(), redactor: createRedactor() }, settings, [], 'any errors?');
      assert.equal(l.text, 'No errors changed; the pre-processor got slower.');
      assert.equal(srv.chatRequests().length - n0, 3);
    });

    it('random sequences of small-model mistakes (diagnose and chat): always an answer, a note when the engine answers, bounded, all logged (property)', async () => {
      const steps: fc.Arbitrary<ScriptStep> = fc.oneof<fc.Arbitrary<unknown>[]>(
        fc.constant({ toolCalls: [{ name: 'top_regressions', args: { limit: 3 } }] }),
        fc.constant({ toolCalls: [{ name: 'compare_operation', args: { service: 'pre-processor', operation: 'preprocess-request' } }] }),
        fc.constantFrom('get_root_cause', 'TopRegressions', '', 'list_services').map((name) => ({ toolCalls: [{ name, args: {} }] })),
        fc.constantFrom('{"service": "pre-', '{service: pre-processor}', '[1,2', '"top"', '{"limit": 3}}').map((rawArgs) => ({ toolCalls: [{ name: 'operation_stats', rawArgs }] })),
        fc.constant({ toolCalls: [{ name: 'slowest_traces', args: { limit: -4, run: 'both' } }] }),
        fc.constant({ text: '{"name": "errors", "arguments": {"run": "incident"}}' }),
        fc.constant({ text: 'The pre-processor is the bottleneck.' }),
        fc.constant({ json: good() }),
        fc.constant({ json: good('redis-cache', 'GET') }),
        fc.constant({ json: { ...good(), rootCause: null, category: 'none' } }),
        fc.constant({ text: JSON.stringify(good()).slice(0, 70) }),
        fc.constant({ text: '```json\n' + JSON.stringify({ root_cause: 'pre-processor / preprocess-request', category: 'Queuing', confidence: '85%', evidence: 'queue', mitigation: [], summary: 's' }) + '\n```' }),
        fc.constant({ text: RUNAWAY.slice(0, 40_000) }),
        fc.constant({ status: 500 }),
      ).map((x) => x as unknown as ScriptStep);
      let runs = 0;
      await fc.assert(
        fc.asyncProperty(fc.array(steps, { minLength: 1, maxLength: 9 }), async (script) => {
          runs++;
          const r = await diagnose(script);
          checkOutcome(r.out, r.log, r.reqs.length, r.ms, JSON.stringify(script).slice(0, 400));
          assert.ok(Math.max(...r.bodies.map((b) => b.length)) < 60_000, 'a request body past 60,000 characters');
        }),
        { seed: SEED, numRuns: Math.max(1, Math.round(40 * RUNS)), endOnFailure: true, includeErrorInReport: true },
      );
      assert.ok(runs >= 1);
      // the same mistakes in the chat: an answer in words, or the engine's card with the reason — never a tool call as text
      await fc.assert(
        fc.asyncProperty(fc.array(steps, { minLength: 1, maxLength: 9 }), async (script) => {
          srv.clear();
          srv.push(...script);
          const log = new MemoryLog();
          const t0 = Date.now();
          const c = await chatWithModel({ provider, runs: pipelineRuns(), redactor: createRedactor(), log }, settings, [], 'why is the incident slow?');
          const where = JSON.stringify(script).slice(0, 400);
          assert.ok(Date.now() - t0 < 6000, where);
          if (c.error) {
            assert.equal(c.text, '', where);
            assert.ok(c.fallback && LlmDiagnosis.safeParse(c.fallback.diagnosis).success, `${where}: no fallback card`);
            assert.ok(c.error.message.length > 20, where);
          } else {
            assert.ok(c.text.trim().length > 0, `${where}: empty answer`);
            assert.ok(c.text.length <= 24_000 + 100, `${where}: ${c.text.length} characters shown`);
            assert.doesNotMatch(c.text, /^\s*\{\s*"name"\s*:/, `${where}: a tool call shown as the answer`);
          }
          assert.ok(log.entries.filter((e) => e.type === 'request').length <= MAX_ROUNDS + 2, `${where}: too many requests`);
        }),
        { seed: SEED, numRuns: Math.max(1, Math.round(25 * RUNS)), endOnFailure: true, includeErrorInReport: true },
      );
    });
  });
}
