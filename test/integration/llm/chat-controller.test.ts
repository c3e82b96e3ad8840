import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ChatController, type ChatEnv } from '../../../src/llm/chat-controller';
import { LlmLog } from '../../../src/llm/log';
import { OpenAiProvider } from '../../../src/llm/providers/openai';
import { createRedactor } from '../../../src/llm/redact';
import type { HostToChat } from '../../../src/protocol/chat-messages';
import { pipelineRuns } from '../../helpers/llm-runs';
import { startScriptedLlmServer, type ScriptedServer } from '../../helpers/scripted-llm-server';

describe('chat controller (host logic of the chat view) + JSONL log', () => {
  let srv: ScriptedServer;
  let dir: string;
  before(async () => {
    srv = await startScriptedLlmServer();
    dir = mkdtempSync(join(tmpdir(), 'td-chat-'));
  });
  after(async () => {
    await srv.close();
    rmSync(dir, { recursive: true, force: true });
  });

  function make(o: { offline?: boolean; consent?: boolean; noRuns?: boolean } = {}) {
    const posted: HostToChat[] = [];
    const log = new LlmLog(join(dir, `log-${Math.random().toString(36).slice(2)}.jsonl`));
    const opened: [string, number][] = [];
    let model = 'scripted-model';
    const env: ChatEnv = {
      post: (m) => posted.push(m),
      runs: () => (o.noRuns ? undefined : pipelineRuns()),
      runsInfo: () => ({ label: 'normal.json → spiked.json', traces: 20, spans: 60 }),
      provider: async () => (o.offline ? undefined : new OpenAiProvider({ baseURL: srv.openaiBaseURL, retry: { attempts: 1 } })),
      providerName: () => (o.offline ? 'offline' : 'openai'),
      settings: (m) => ({ model: m, mode: 'tools', maxToolRounds: 3, timeoutMs: 5000 }),
      selectedModel: () => model,
      setModel: async (id) => void (model = id),
      redactor: () => createRedactor(),
      log,
      consent: async () => o.consent ?? true,
      openSource: async (file, line) => void opened.push([file, line]),
    };
    return { c: new ChatController(env), posted, log, opened, model: () => model };
  }

  it('ready → init with the models the server lists', async () => {
    const t = make();
    await t.c.handle({ type: 'ready' });
    const init = t.posted.find((m) => m.type === 'init') as Extract<HostToChat, { type: 'init' }>;
    assert.deepEqual(init.models.map((m) => m.id), ['scripted-model']);
    assert.equal(init.runs?.traces, 20);
  });

  it('diagnose → streamed status, tool calls, a card; feedback is logged and joined by id', async () => {
    const t = make();
    await t.c.handle({ type: 'diagnose' });
    const card = t.posted.find((m) => m.type === 'card') as Extract<HostToChat, { type: 'card' }>;
    assert.ok(card, JSON.stringify(t.posted.map((m) => m.type)));
    assert.equal(card.card.origin, 'model');
    assert.deepEqual(card.card.rootCause, { service: 'pre-processor', operation: 'preprocess-request' });
    assert.ok(t.posted.some((m) => m.type === 'tool' && m.name === 'top_regressions'));
    assert.deepEqual(t.posted.filter((m) => m.type === 'busy').map((m) => (m as { busy: boolean }).busy), [true, false]);
    await t.c.handle({ type: 'feedback', id: card.card.id, rating: 'down', comment: 'wrong operation' });
    const entries = await t.log.entries();
    const result = entries.find((e) => e.type === 'result')!;
    const fb = entries.find((e) => e.type === 'feedback')!;
    assert.equal(fb.id, result.id, 'feedback joins the result');
    assert.equal(card.card.id, result.id);
    assert.ok(entries.some((e) => e.type === 'request' && (e as any).settings.temperature === 0.2));
    assert.ok(entries.some((e) => e.type === 'response' && (e as any).usage));
    assert.ok(entries.every((e) => typeof e.ts === 'string'));
    // export
    const out = join(dir, 'export.jsonl');
    const n = await t.log.exportTo(out);
    assert.equal(readFileSync(out, 'utf8').trim().split('\n').length, n);
  });

  it('ask → streamed markdown; history is kept; new chat clears it', async () => {
    const t = make();
    srv.push({ text: 'First answer about `pre-processor/preprocessor.py:58`.', chunks: 4 });
    await t.c.handle({ type: 'ask', text: 'Why is it slow?' });
    const end = t.posted.find((m) => m.type === 'turnEnd') as Extract<HostToChat, { type: 'turnEnd' }>;
    assert.match(end.text ?? '', /First answer/);
    assert.ok(t.posted.filter((m) => m.type === 'delta').length >= 2);
    srv.push({ text: 'Second.' });
    const n0 = srv.chatRequests().length;
    await t.c.handle({ type: 'ask', text: 'And then?' });
    const msgs = srv.chatRequests()[n0]!.body.messages;
    assert.ok(msgs.some((m: any) => m.role === 'assistant' && /First answer/.test(m.content)), 'history sent');
    t.c.newChat();
    assert.ok(t.posted.some((m) => m.type === 'cleared'));
  });

  it('"/diagnose" typed in the input runs the Diagnose action', async () => {
    const t = make({ offline: true });
    await t.c.handle({ type: 'ask', text: '/diagnose please' });
    assert.ok(t.posted.some((m) => m.type === 'card'));
  });

  it('offline provider → the engine\'s card, labelled', async () => {
    const t = make({ offline: true });
    await t.c.handle({ type: 'diagnose' });
    const card = t.posted.find((m) => m.type === 'card') as Extract<HostToChat, { type: 'card' }>;
    assert.equal(card.card.label, 'offline engine (provider "offline")');
    assert.equal(card.card.origin, 'offline');
    // chosen on purpose: not reported as a missing setting (issue 13 item 7)
    for (const m of t.posted) assert.doesNotMatch(JSON.stringify(m), /No model is configured/);
    const ask = make({ offline: true });
    await ask.c.handle({ type: 'ask', text: 'Why?' });
    const end = ask.posted.find((m) => m.type === 'turnEnd') as Extract<HostToChat, { type: 'turnEnd' }>;
    assert.doesNotMatch(end.text ?? '', /No model is configured/);
    assert.deepEqual(end.actions, ['chooseProvider']);
  });

  it('model server unreachable → the error once (not again on the card), "Use offline engine" / "Choose provider" (issue 13 item 7)', async () => {
    // a port nothing listens on: bind, note the port, close
    const { createServer } = await import('node:net');
    const port = await new Promise<number>((res) => { const s = createServer().listen(0, '127.0.0.1', () => { const p = (s.address() as { port: number }).port; s.close(() => res(p)); }); });
    for (const type of ['ask', 'diagnose'] as const) {
      const t = make();
      (t.c as any).env.provider = async () => new OpenAiProvider({ baseURL: `http://127.0.0.1:${port}/v1`, retry: { attempts: 1 } });
      await t.c.handle(type === 'ask' ? { type: 'ask', text: 'Why?' } : { type: 'diagnose' });
      const end = t.posted.find((m) => m.type === 'turnEnd') as Extract<HostToChat, { type: 'turnEnd' }>;
      assert.match(end.error ?? '', /connect|refused|reach/i, type);
      assert.deepEqual(end.actions, ['useOffline', 'chooseProvider'], type);
      assert.equal(end.code, 'unreachable');
      const cards = t.posted.filter((m) => m.type === 'card') as Extract<HostToChat, { type: 'card' }>[];
      assert.equal(cards.length, 1, type);
      assert.equal(cards[0]!.card.error, undefined, `${type}: the card repeats the turn's error`);
      // the button's message reaches the extension
      const got: string[] = [];
      (t.c as any).env.runAction = async (a: string) => void got.push(a);
      await t.c.handle({ type: 'action', action: 'useOffline' });
      assert.deepEqual(got, ['useOffline']);
    }
  });

  it('h22: a refused key → "Set API Key"; an unknown model (404) → "Choose model"; the server\'s text ends its sentence', async () => {
    const cases = [
      { step: { status: 401, body: { error: { message: 'Incorrect API key provided: sk-abc***xyz.', type: 'invalid_request_error', code: 'invalid_api_key' } } }, actions: ['setApiKey'], error: /refused the credentials \(HTTP 401\).*Showing the offline engine's diagnosis instead\.$/ },
      // Ollama's own words, with no full stop of their own: "… try pulling it first Showing …" read as one sentence
      { step: { status: 404, body: { error: { message: 'model "llama3.2:3b" not found, try pulling it first' } } }, actions: ['chooseModel'], error: /try pulling it first\. Showing the offline engine's diagnosis instead\.$/ },
      { step: { status: 400, body: { error: { message: 'context length exceeded' } } }, actions: undefined, error: /context length exceeded\. Showing/ },
    ];
    for (const c of cases) {
      const t = make();
      srv.push(c.step as never);
      await t.c.handle({ type: 'ask', text: 'Why?' });
      const end = t.posted.find((m) => m.type === 'turnEnd') as Extract<HostToChat, { type: 'turnEnd' }>;
      assert.match(end.error ?? '', c.error);
      assert.deepEqual(end.actions, c.actions, end.error);
    }
    const t = make();
    srv.push({ status: 404, body: { error: { message: 'The model `gpt-x` does not exist or you do not have access to it.' } } } as never);
    await t.c.handle({ type: 'diagnose' });
    const end = t.posted.find((m) => m.type === 'turnEnd') as Extract<HostToChat, { type: 'turnEnd' }>;
    assert.match(end.error ?? '', /does not exist or you do not have access to it\. Showing the offline engine's diagnosis\.$/);
    assert.deepEqual(end.actions, ['chooseModel']);
  });

  it('h22: questions after other traces were loaded: the model is told that the history is about the earlier load', async () => {
    const t = make();
    let info = { label: 'normal.json → spiked.json', key: 'diff\u0000/ws/normal.json\u0000/ws/spiked.json', traces: 20, spans: 60 };
    (t.c as any).env.runsInfo = () => info;
    srv.push({ text: 'The slowdown comes from **ts-travel-service**.' });
    await t.c.handle({ type: 'ask', text: 'Why is it slow?' });
    // the same load again (a reload): no note
    srv.push({ text: 'Still ts-travel-service.' });
    let n0 = srv.chatRequests().length;
    await t.c.handle({ type: 'ask', text: 'Sure?' });
    const noted = (msgs: any[]) => msgs.filter((m) => m.role === 'user' && /other traces were loaded/.test(m.content));
    assert.equal(noted(srv.chatRequests()[n0]!.body.messages).length, 0);
    info = { label: 'baseline.jsonl.gz → incident.jsonl.gz', key: 'diff\u0000/ws/tt/b\u0000/ws/tt/i', traces: 60, spans: 4290 };
    srv.push({ text: 'Now the pre-processor.' });
    n0 = srv.chatRequests().length;
    await t.c.handle({ type: 'ask', text: 'And now?' });
    const msgs = srv.chatRequests()[n0]!.body.messages;
    const notes = noted(msgs);
    assert.equal(notes.length, 1, JSON.stringify(msgs.map((m: any) => m.role)));
    assert.match(notes[0].content, /loaded since the messages above: baseline\.jsonl\.gz → incident\.jsonl\.gz\. The questions and answers above are about normal\.json → spiked\.json/);
    // the note sits between the earlier answers and the new question
    const iNote = msgs.indexOf(notes[0]);
    assert.ok(msgs.slice(0, iNote).some((m: any) => m.role === 'assistant' && /ts-travel-service/.test(m.content)));
    assert.equal(msgs.at(-1).content, 'And now?');
    // said once: the next question on the same load adds nothing
    srv.push({ text: 'ok' });
    n0 = srv.chatRequests().length;
    await t.c.handle({ type: 'ask', text: 'Thanks' });
    assert.equal(noted(srv.chatRequests()[n0]!.body.messages).length, 1);
  });

  it('consent declined → nothing is sent, the engine answers', async () => {
    const t = make({ consent: false });
    const n0 = srv.chatRequests().length;
    await t.c.handle({ type: 'ask', text: 'Why?' });
    assert.equal(srv.chatRequests().length, n0);
    assert.ok(t.posted.some((m) => m.type === 'card'));
    assert.match((t.posted.find((m) => m.type === 'turnEnd') as any).error, /not allowed/);
  });

  it('invalid redaction patterns → nothing is sent, the error is shown with the engine\'s card', async () => {
    const t = make();
    const n0 = srv.chatRequests().length;
    (t.c as any).env.redactor = () => createRedactor({ patterns: ['(bad'] });
    await t.c.handle({ type: 'diagnose' });
    assert.equal(srv.chatRequests().length, n0);
    assert.match((t.posted.find((m) => m.type === 'turnEnd') as any).error, /Invalid redaction pattern/);
    assert.ok(t.posted.some((m) => m.type === 'card'));
  });

  it('Diagnose with nothing loaded runs the load flow first', async () => {
    const t = make({ noRuns: true, offline: true });
    let loaded = false;
    (t.c as any).env.loadRuns = async () => ((loaded = true), true);
    (t.c as any).env.runs = () => (loaded ? pipelineRuns() : undefined);
    await t.c.handle({ type: 'diagnose' });
    assert.ok(loaded);
    assert.ok(t.posted.some((m) => m.type === 'card'));
  });

  it('no traces loaded → says so', async () => {
    const t = make({ noRuns: true });
    await t.c.handle({ type: 'ask', text: 'Why?' });
    const end = t.posted.find((m) => m.type === 'turnEnd') as any;
    assert.match(end.error, /No traces are loaded/);
    assert.equal(end.code, 'no-runs', 'marked so the view drops it once traces are loaded');
  });

  it('stop cancels a running request and the engine answers', async () => {
    const t = make();
    srv.push({ hang: true });
    const p = t.c.handle({ type: 'diagnose' });
    await new Promise((r) => setTimeout(r, 150));
    assert.ok(t.c.busy);
    await t.c.handle({ type: 'stop' });
    await p;
    const card = t.posted.find((m) => m.type === 'card') as Extract<HostToChat, { type: 'card' }>;
    assert.equal(card.card.label, 'offline engine (cancelled)');
    assert.ok(!t.c.busy);
  });

  it('h22: Stop during a streamed answer keeps what was streamed, says it is incomplete, and adds no diagnosis card', async () => {
    const t = make();
    srv.push({ text: 'The pre-processor queues. Its worker is saturated. Add a second worker.', chunks: 3, chunkDelayMs: 400 });
    const p = t.c.handle({ type: 'ask', text: 'Why?' });
    const until = async (f: () => boolean) => { for (let i = 0; i < 100 && !f(); i++) await new Promise((r) => setTimeout(r, 30)); };
    await until(() => t.posted.some((m) => m.type === 'delta' && (m as { text: string }).text.length > 0));
    await t.c.handle({ type: 'stop' });
    await p;
    const streamed = t.posted.filter((m) => m.type === 'delta').map((m) => (m as { text: string }).text).join('');
    assert.match(streamed, /^The pre-processor queues/);
    const end = t.posted.find((m) => m.type === 'turnEnd') as Extract<HostToChat, { type: 'turnEnd' }>;
    assert.equal(end.error, 'Stopped — the answer above is incomplete.');
    assert.equal(end.text, undefined, 'the streamed text stays as it is');
    assert.equal(t.posted.filter((m) => m.type === 'card').length, 0, 'no offline card after a Stop');
    assert.ok(!t.c.busy);
    // stopped before anything arrived
    const t2 = make();
    srv.push({ hang: true });
    const p2 = t2.c.handle({ type: 'ask', text: 'Why?' });
    await new Promise((r) => setTimeout(r, 150));
    await t2.c.handle({ type: 'stop' });
    await p2;
    assert.equal((t2.posted.find((m) => m.type === 'turnEnd') as { error?: string }).error, 'Stopped.');
    assert.equal(t2.posted.filter((m) => m.type === 'card').length, 0);
  });

  it('no model chosen → the first model the server lists', async () => {
    const t = make();
    await t.c.handle({ type: 'selectModel', id: '' });
    const n0 = srv.chatRequests().length;
    await t.c.handle({ type: 'diagnose' });
    assert.equal(srv.chatRequests()[n0]!.body.model, 'scripted-model');
  });

  it('model picker and source links', async () => {
    const t = make();
    await t.c.handle({ type: 'selectModel', id: 'other' });
    assert.equal(t.model(), 'other');
    await t.c.handle({ type: 'openSource', file: 'a/b.py', line: 3 });
    assert.deepEqual(t.opened, [['a/b.py', 3]]);
  });
});
