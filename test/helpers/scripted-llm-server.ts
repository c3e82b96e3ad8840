/**
 * A local scripted LLM server that speaks the REAL wire protocols, for tests and e2e:
 *  - OpenAI chat completions: POST /v1/chat/completions with stream:true → SSE `data:` chunks (delta.content,
 *    delta.tool_calls with index/id/function.arguments fragments), a usage chunk, `data: [DONE]`; GET /v1/models.
 *  - Ollama: POST /api/chat → NDJSON stream (message.content, message.tool_calls, done/done_reason/eval counts);
 *    GET /api/tags.
 * Each request takes the next step of the script queue (or the built-in auto responder when the queue is empty)
 * and every request body is recorded.
 *
 * Standalone: node --import tsx test/helpers/scripted-llm-server.ts [--port N] [--host 127.0.0.1] [--script steps.json]
 * (no --script: the auto responder answers a diagnose request with a tool call, then a final JSON naming the culprit).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

export interface ScriptedToolCall {
  name: string;
  args?: unknown;
  /** raw argument text (e.g. malformed JSON); overrides args */
  rawArgs?: string;
}

export type ScriptStep = { delayMs?: number; model?: string } & (
  /** chunkDelayMs: a pause after each streamed chunk (a slow model, to stop mid-answer) */
  | { text: string; chunks?: number; chunkDelayMs?: number }
  | { json: unknown; chunks?: number; chunkDelayMs?: number }
  | { toolCalls: ScriptedToolCall[]; text?: string }
  | { status: number; body?: unknown; headers?: Record<string, string>; contentType?: string }
  | { hang: true }
  | { disconnectAfter: string }
  | { auto: true }
);

/**
 * Server-wide behaviours of real servers and small models (set with `behave`):
 *  - rejectTools: the exact "no tool support" error of vLLM (400, message at the top level), llama.cpp server (500,
 *    "tools param requires --jinja flag") or Ollama (400, "… does not support tools"), for any request declaring tools;
 *  - rejectResponseFormat: 400 for any request with response_format (OpenAI) / format (Ollama);
 *  - ignoreStream: answer with one JSON body (chat.completion / pretty-printed Ollama JSON) despite stream: true;
 *  - think: prefix every text answer with a <think>…</think> block (Qwen3, DeepSeek-R1 distills);
 *  - endlessToolCalls: answer EVERY request with a tool call (native when tools are declared, even with tool_choice
 *    none; as JSON text otherwise), like a small model stuck in a loop.
 */
export interface Behaviour {
  rejectTools?: 'vllm' | 'llamacpp' | 'ollama';
  rejectResponseFormat?: boolean;
  ignoreStream?: boolean;
  think?: string;
  endlessToolCalls?: boolean;
}

export const NO_TOOLS_ERRORS: Record<NonNullable<Behaviour['rejectTools']>, { status: number; body: unknown }> = {
  vllm: { status: 400, body: { object: 'error', message: '"auto" tool choice requires --enable-auto-tool-choice and --tool-call-parser to be set', type: 'BadRequestError', param: null, code: 400 } },
  llamacpp: { status: 500, body: { error: { code: 500, message: 'tools param requires --jinja flag', type: 'server_error' } } },
  ollama: { status: 400, body: { error: 'registry.ollama.ai/library/gemma2:2b does not support tools' } },
};

export interface RecordedRequest {
  protocol: 'openai' | 'ollama';
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  raw: string;
  body: any;
}

export interface ScriptedServer {
  url: string;
  /** for the openai client: `${url}/v1` */
  openaiBaseURL: string;
  /** for the ollama client */
  ollamaHost: string;
  requests: RecordedRequest[];
  /** chat requests only (not model listings) */
  chatRequests(): RecordedRequest[];
  push(...steps: ScriptStep[]): void;
  /** set server-wide behaviours (replaces the previous ones; {} = a well-behaved server) */
  behave(b: Behaviour): void;
  /** steps not consumed yet */
  pending(): number;
  /** drop the steps not consumed yet */
  clear(): void;
  close(): Promise<void>;
}

const now = () => Math.floor(Date.now() / 1000);

function splitText(s: string, n: number): string[] {
  if (n <= 1 || s.length <= 1) return [s];
  const size = Math.ceil(s.length / n);
  const out: string[] = [];
  for (let i = 0; i < s.length; i += size) out.push(s.slice(i, i + size));
  return out;
}

/** Text of every message of a request, for the auto responder. */
function allText(body: any): string {
  return (body?.messages ?? []).map((m: any) => (typeof m.content === 'string' ? m.content : JSON.stringify(m.content ?? ''))).join('\n');
}

/**
 * The built-in responder: with tools and no tool result yet → call top_regressions; asked for structured output
 * → a JSON diagnosis naming the first candidate seen in the data (default pre-processor / preprocess-request);
 * otherwise a short markdown answer.
 */
export function autoStep(body: any, protocol: 'openai' | 'ollama'): ScriptStep {
  const msgs: any[] = body?.messages ?? [];
  const hasToolResult = msgs.some((m) => m.role === 'tool');
  const structured = protocol === 'openai' ? body?.response_format?.type === 'json_schema' : body?.format !== undefined;
  const toolsAllowed = Array.isArray(body?.tools) && body.tools.length > 0 && body?.tool_choice !== 'none';
  if (toolsAllowed && !hasToolResult) return { toolCalls: [{ name: 'top_regressions', args: { limit: 3 } }] };
  const text = allText(body);
  const m = /"service":"([^"\\]{1,80})","operation":"([^"\\]{1,120})"/.exec(text);
  const service = m?.[1] ?? 'pre-processor';
  const operation = m?.[2] ?? 'preprocess-request';
  const src = /"source":(?:"([^"\\:]+):(\d+)"|\{"file":"([^"\\]+)","line":(\d+))/.exec(text);
  const file = src?.[1] ?? src?.[3];
  const line = Number(src?.[2] ?? src?.[4]);
  if (structured)
    return {
      json: {
        rootCause: { service, operation },
        category: 'queueing',
        confidence: 0.8,
        evidence: [`${service} / ${operation} is the top-ranked regression in the data (scripted answer).`],
        mitigation: [`Add capacity to ${service}.`],
        sources: file ? [{ file, line }] : [],
        summary: `The scripted model names ${service} (${operation}) as the root cause.`,
      },
      chunks: 4,
    };
  return { text: `The slowdown comes from **${service}** (\`${operation}\`)${file ? ` — see \`${file}:${line}\`` : ''}.\n\n- scripted answer`, chunks: 5 };
}

async function readBody(req: IncomingMessage): Promise<string> {
  const parts: Buffer[] = [];
  for await (const c of req) parts.push(c as Buffer);
  return Buffer.concat(parts).toString('utf8');
}

function sendJson(res: ServerResponse, status: number, value: unknown, headers: Record<string, string> = {}) {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(value));
}

function checkOpenAiRequest(body: any): string | undefined {
  if (!body || typeof body.model !== 'string' || !Array.isArray(body.messages)) return 'model and messages are required';
  if (body.stream !== true) return 'this server only streams (stream: true)';
  const rf = body.response_format;
  if (rf !== undefined) {
    if (rf.type !== 'json_schema') return `response_format.type must be json_schema, got ${rf.type}`;
    if (!rf.json_schema || typeof rf.json_schema.name !== 'string' || typeof rf.json_schema.schema !== 'object') return 'response_format.json_schema needs name and schema';
    if (rf.json_schema.strict !== true) return 'response_format.json_schema.strict must be true here';
  }
  for (const t of body.tools ?? []) if (t.type !== 'function' || typeof t.function?.name !== 'string' || typeof t.function?.parameters !== 'object') return 'malformed tool definition';
  for (const m of body.messages) if (m.role === 'tool' && typeof m.tool_call_id !== 'string') return 'tool message without tool_call_id';
  return undefined;
}

function checkOllamaRequest(body: any): string | undefined {
  if (!body || typeof body.model !== 'string' || !Array.isArray(body.messages)) return 'model and messages are required';
  if (body.stream !== true) return 'this server only streams (stream: true)';
  if (body.format !== undefined && typeof body.format !== 'object' && body.format !== 'json') return 'format must be "json" or a JSON schema';
  return undefined;
}

export async function startScriptedLlmServer(o: { script?: ScriptStep[]; host?: string; port?: number; log?: (s: string) => void } = {}): Promise<ScriptedServer> {
  const queue: ScriptStep[] = [...(o.script ?? [])];
  let behaviour: Behaviour = {};
  const requests: RecordedRequest[] = [];
  const sockets = new Set<import('node:net').Socket>();
  let callSeq = 0;

  const server: Server = createServer(async (req, res) => {
    try {
      const path = (req.url ?? '/').split('?')[0]!;
      if (req.method === 'GET' && (path === '/v1/models' || path === '/api/tags')) {
        const protocol = path === '/v1/models' ? 'openai' : 'ollama';
        requests.push({ protocol, method: 'GET', path, headers: req.headers, raw: '', body: null });
        if (protocol === 'openai') return sendJson(res, 200, { object: 'list', data: [{ id: 'scripted-model', object: 'model', created: now(), owned_by: 'scripted' }] });
        return sendJson(res, 200, { models: [{ name: 'scripted-model', model: 'scripted-model', modified_at: new Date().toISOString(), size: 1, digest: 'x', details: { parameter_size: '1B', family: 'scripted', format: 'gguf', families: [], parent_model: '', quantization_level: 'Q4' } }] });
      }
      if (req.method !== 'POST' || (path !== '/v1/chat/completions' && path !== '/api/chat')) return sendJson(res, 404, { error: { message: `no route ${req.method} ${path}` } });
      const protocol = path === '/api/chat' ? 'ollama' : 'openai';
      const raw = await readBody(req);
      let body: any;
      try {
        body = JSON.parse(raw);
      } catch {
        return sendJson(res, 400, protocol === 'openai' ? { error: { message: 'body is not JSON', type: 'invalid_request_error' } } : { error: 'body is not JSON' });
      }
      requests.push({ protocol, method: 'POST', path, headers: req.headers, raw, body });
      const bad = protocol === 'openai' ? checkOpenAiRequest(body) : checkOllamaRequest(body);
      if (bad) return sendJson(res, 400, protocol === 'openai' ? { error: { message: bad, type: 'invalid_request_error' } } : { error: bad });
      const b = behaviour;
      const hasTools = Array.isArray(body.tools) && body.tools.length > 0;
      if (b.rejectTools && hasTools) return sendJson(res, NO_TOOLS_ERRORS[b.rejectTools].status, NO_TOOLS_ERRORS[b.rejectTools].body);
      if (b.rejectResponseFormat && (protocol === 'openai' ? body.response_format !== undefined : body.format !== undefined))
        return sendJson(res, 400, protocol === 'openai' ? { error: { code: 400, message: "response_format type 'json_schema' is not supported by this server", type: 'invalid_request_error' } } : { error: 'format is not supported' });
      let step: ScriptStep;
      if (b.endlessToolCalls) step = hasTools ? { toolCalls: [{ name: 'top_regressions', args: { limit: 3 } }] } : { text: '{"name": "top_regressions", "arguments": {"limit": 3}}' };
      else step = queue.shift() ?? { auto: true };
      if ('auto' in step) step = { ...autoStep(body, protocol), ...(step.delayMs ? { delayMs: step.delayMs } : {}) };
      if (b.think && ('text' in step || 'json' in step)) {
        const text = 'text' in step ? step.text : JSON.stringify((step as { json: unknown }).json);
        step = { ...step, text: `<think>\n${b.think}\n</think>\n\n${text}` } as ScriptStep;
        delete (step as { json?: unknown }).json;
      }
      o.log?.(`${protocol} ${path} → ${Object.keys(step).join(',')}`);
      if (step.delayMs) await new Promise((r) => setTimeout(r, step.delayMs));
      if ('hang' in step) return; // never answer; the client times out or aborts
      if ('status' in step) {
        const eb = step.body ?? (protocol === 'openai' ? { error: { message: `scripted error ${step.status}`, type: 'server_error' } } : { error: `scripted error ${step.status}` });
        if (typeof eb === 'string') {
          res.writeHead(step.status, { 'content-type': step.contentType ?? 'text/plain', ...step.headers });
          return res.end(eb);
        }
        return sendJson(res, step.status, eb, step.headers);
      }
      const model = step.model ?? body.model;
      const promptTokens = Math.ceil(raw.length / 4);
      if (b.ignoreStream && !('disconnectAfter' in step)) {
        // one JSON body, as servers that ignore stream: true send it
        const text = 'text' in step ? step.text : 'json' in step ? JSON.stringify((step as { json: unknown }).json) : (step as { text?: string }).text ?? '';
        const calls = 'toolCalls' in step ? step.toolCalls : [];
        if (protocol === 'openai')
          return sendJson(res, 200, {
            id: `chatcmpl-${++callSeq}`,
            object: 'chat.completion',
            created: now(),
            model,
            choices: [{ index: 0, message: { role: 'assistant', content: calls.length && !text ? null : text, ...(calls.length ? { tool_calls: calls.map((c, i) => ({ id: `call_${callSeq}_${i}`, type: 'function', function: { name: c.name, arguments: c.rawArgs ?? JSON.stringify(c.args ?? {}) } })) } : {}) }, finish_reason: calls.length ? 'tool_calls' : 'stop' }],
            usage: { prompt_tokens: promptTokens, completion_tokens: 10, total_tokens: promptTokens + 10 },
          });
        res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
        return res.end(JSON.stringify({ model, created_at: new Date().toISOString(), message: { role: 'assistant', content: text, ...(calls.length ? { tool_calls: calls.map((c) => ({ function: { name: c.name, arguments: c.rawArgs !== undefined ? c.rawArgs : (c.args ?? {}) } })) } : {}) }, done: true, done_reason: 'stop', prompt_eval_count: promptTokens, eval_count: 10 }, null, 2));
      }
      if (protocol === 'openai') {
        res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
        const id = `chatcmpl-${++callSeq}`;
        const chunk = (delta: unknown, finish: string | null = null) =>
          res.write(`data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created: now(), model, choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }] })}\n\n`);
        chunk({ role: 'assistant', content: '' });
        let completion = 0;
        if ('disconnectAfter' in step) {
          chunk({ content: step.disconnectAfter });
          await new Promise((r) => setTimeout(r, 20));
          req.socket.destroy();
          return;
        }
        if ('toolCalls' in step) {
          if (step.text) chunk({ content: step.text });
          step.toolCalls.forEach((c, index) => {
            const args = c.rawArgs ?? JSON.stringify(c.args ?? {});
            completion += Math.ceil(args.length / 4);
            chunk({ tool_calls: [{ index, id: `call_${callSeq}_${index}`, type: 'function', function: { name: c.name, arguments: '' } }] });
            for (const part of splitText(args, 3)) chunk({ tool_calls: [{ index, function: { arguments: part } }] });
          });
          chunk({}, 'tool_calls');
        } else {
          const text = 'text' in step ? step.text : JSON.stringify((step as { json: unknown }).json);
          completion = Math.ceil(text.length / 4);
          for (const part of splitText(text, (step as { chunks?: number }).chunks ?? 3)) {
            chunk({ content: part });
            const pause = (step as { chunkDelayMs?: number }).chunkDelayMs;
            if (pause) await new Promise((r) => setTimeout(r, pause));
            if (res.destroyed) return;
          }
          chunk({}, 'stop');
        }
        if (body.stream_options?.include_usage)
          res.write(`data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created: now(), model, choices: [], usage: { prompt_tokens: promptTokens, completion_tokens: completion, total_tokens: promptTokens + completion } })}\n\n`);
        res.write('data: [DONE]\n\n');
        return res.end();
      }
      // Ollama NDJSON
      res.writeHead(200, { 'content-type': 'application/x-ndjson' });
      const line = (message: unknown, done = false, extra: Record<string, unknown> = {}) =>
        res.write(JSON.stringify({ model, created_at: new Date().toISOString(), message, done, ...extra }) + '\n');
      let completion = 0;
      if ('disconnectAfter' in step) {
        line({ role: 'assistant', content: step.disconnectAfter });
        await new Promise((r) => setTimeout(r, 20));
        req.socket.destroy();
        return;
      }
      if ('toolCalls' in step) {
        line({
          role: 'assistant',
          content: step.text ?? '',
          tool_calls: step.toolCalls.map((c) => ({ function: { name: c.name, arguments: c.rawArgs !== undefined ? c.rawArgs : (c.args ?? {}) } })),
        });
        completion = 10;
      } else {
        const text = 'text' in step ? step.text : JSON.stringify((step as { json: unknown }).json);
        completion = Math.ceil(text.length / 4);
        for (const part of splitText(text, (step as { chunks?: number }).chunks ?? 3)) {
          line({ role: 'assistant', content: part });
          const pause = (step as { chunkDelayMs?: number }).chunkDelayMs;
          if (pause) await new Promise((r) => setTimeout(r, pause));
          if (res.destroyed) return;
        }
      }
      line({ role: 'assistant', content: '' }, true, { done_reason: 'stop', total_duration: 1000, load_duration: 1, prompt_eval_count: promptTokens, prompt_eval_duration: 1, eval_count: completion, eval_duration: 1 });
      res.end();
    } catch (e) {
      if (!res.headersSent) sendJson(res, 500, { error: { message: String(e) } });
      else res.destroy();
    }
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port ?? 0, o.host ?? '127.0.0.1', () => resolve());
  });
  const addr = server.address() as AddressInfo;
  const url = `http://${addr.address.includes(':') ? `[${addr.address}]` : addr.address}:${addr.port}`;
  return {
    url,
    openaiBaseURL: `${url}/v1`,
    ollamaHost: url,
    requests,
    chatRequests: () => requests.filter((r) => r.method === 'POST'),
    push: (...steps) => void queue.push(...steps),
    behave: (nb) => {
      behaviour = { ...nb };
    },
    pending: () => queue.length,
    clear: () => void queue.splice(0),
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

// Standalone process (e2e): node --import tsx test/helpers/scripted-llm-server.ts --port N [--script file.json]
async function main(): Promise<void> {
  const { values } = parseArgs({ options: { port: { type: 'string' }, host: { type: 'string' }, script: { type: 'string' }, quiet: { type: 'boolean' } } });
  const script = values.script ? (JSON.parse(readFileSync(values.script, 'utf8')) as ScriptStep[]) : [];
  const srv = await startScriptedLlmServer({ port: Number(values.port ?? 0), host: values.host, script, log: values.quiet ? undefined : (s) => console.error(s) });
  console.log(`scripted LLM server listening on ${srv.url} (OpenAI base URL ${srv.openaiBaseURL}, Ollama host ${srv.ollamaHost})`);
  const stop = () => void srv.close().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}
if (process.argv[1] && /scripted-llm-server\.[cm]?[jt]s$/.test(process.argv[1])) {
  main().catch((e) => {
    console.error(e);
    process.exit(2);
  });
}
