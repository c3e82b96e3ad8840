import { Ollama, type Message as OllamaMessage, type Tool as OllamaTool } from 'ollama';
import {
  chatWithRetry,
  type ChatMessage,
  type ChatRequest,
  type ChatResult,
  type LlmProvider,
  type ModelInfo,
  type RetryOptions,
  type ToolCall,
  LlmError,
  cancelledError,
  describeHttpError,
  describeNetworkError,
  errorNormalizingFetch,
  parseRetryAfter,
  timeoutError,
  timeoutSignal,
} from '../provider';
import { ReplyLimit } from './reply-limit';

export interface OllamaProviderOptions {
  /** default http://127.0.0.1:11434 */
  host?: string;
  retry?: Omit<RetryOptions, 'signal'>;
  headers?: Record<string, string>;
}

export const DEFAULT_OLLAMA_HOST = 'http://127.0.0.1:11434';

export function toOllamaMessages(messages: ChatMessage[]): OllamaMessage[] {
  return messages.map((m): OllamaMessage => {
    if (m.role === 'tool') return { role: 'tool', content: m.content, tool_name: m.toolName };
    if (m.role === 'assistant' && m.toolCalls?.length)
      return { role: 'assistant', content: m.content, tool_calls: m.toolCalls.map((c) => ({ function: { name: c.name, arguments: c.arguments } })) };
    return { role: m.role, content: m.content };
  });
}

/** Ollama's /api/chat (NDJSON streaming, tools, `format` = JSON schema) through the official `ollama` client. */
export class OllamaProvider implements LlmProvider {
  readonly id = 'ollama';
  readonly endpoint: string;

  constructor(private readonly o: OllamaProviderOptions = {}) {
    this.endpoint = (o.host || DEFAULT_OLLAMA_HOST).replace(/\/+$/, '');
  }

  /** One client per request: it carries our AbortSignal into fetch and exposes Retry-After (the client hides both). */
  private client(state: { signal?: AbortSignal; retryAfter?: number }): Ollama {
    return new Ollama({
      host: this.endpoint,
      headers: this.o.headers,
      fetch: async (input, init) => {
        const signals = [init?.signal, state.signal].filter((s): s is AbortSignal => !!s);
        const res = await errorNormalizingFetch()(input, { ...init, signal: signals.length > 1 ? AbortSignal.any(signals) : signals[0] });
        state.retryAfter = parseRetryAfter(res.headers.get('retry-after'));
        if (!res.ok) {
          // the client reads `error` as the message: give it the readable string
          const j = (await res.json().catch(() => ({}))) as { message?: string };
          return new Response(JSON.stringify({ error: j.message ?? `HTTP ${res.status}` }), { status: res.status, statusText: res.statusText, headers: res.headers });
        }
        // a server that ignores stream: true answers with one (possibly pretty-printed) JSON body: make it one NDJSON line
        const ctype = res.headers.get('content-type') ?? '';
        if (/application\/json/i.test(ctype) && !/ndjson/i.test(ctype)) {
          const text = await res.text();
          let one = text;
          try {
            one = JSON.stringify(JSON.parse(text));
          } catch {
            /* NDJSON after all: leave it */
          }
          const headers = new Headers(res.headers);
          headers.set('content-type', 'application/x-ndjson');
          headers.delete('content-length');
          return new Response(one + '\n', { status: res.status, statusText: res.statusText, headers });
        }
        return res;
      },
    });
  }

  async listModels(signal?: AbortSignal): Promise<ModelInfo[]> {
    const state: { signal?: AbortSignal; retryAfter?: number } = { signal };
    try {
      const r = await this.client(state).list();
      return r.models.map((m) => ({ id: m.name, label: m.details?.parameter_size ? `${m.name} (${m.details.parameter_size})` : m.name }));
    } catch (e) {
      throw this.describe(e, signal, false, undefined, state.retryAfter);
    }
  }

  chat(req: ChatRequest): Promise<ChatResult> {
    return chatWithRetry(req, this.o.retry, (markDelivered) => this.once(req, markDelivered));
  }

  private async once(req: ChatRequest, markDelivered: () => void): Promise<Omit<ChatResult, 'attempts'>> {
    const t = timeoutSignal(req.signal, req.timeoutMs);
    const state: { signal?: AbortSignal; retryAfter?: number } = { signal: t.signal };
    try {
      const options: Record<string, number> = {};
      if (req.temperature !== undefined) options.temperature = req.temperature;
      if (req.seed !== undefined) options.seed = req.seed;
      const tools: OllamaTool[] | undefined = req.tools?.length && req.toolChoice !== 'none'
        ? req.tools.map((tl) => ({ type: 'function', function: { name: tl.name, description: tl.description, parameters: tl.parameters as OllamaTool['function']['parameters'] } }))
        : undefined;
      const stream = await this.client(state).chat({
        model: req.model,
        messages: toOllamaMessages(req.messages),
        stream: true,
        ...(tools ? { tools } : {}),
        ...(req.structured ? { format: req.structured.schema } : {}),
        ...(Object.keys(options).length ? { options } : {}),
      });
      let model: string | undefined;
      let done = false;
      let finishReason: string | undefined;
      let usage: ChatResult['usage'];
      const toolCalls: ToolCall[] = [];
      const limit = new ReplyLimit(req.maxReplyChars);
      for await (const part of stream) {
        model = part.model || model;
        const text = part.message?.content ?? '';
        if (text) {
          const piece = limit.text(text);
          markDelivered();
          if (piece) req.onDelta?.(piece);
        }
        for (const c of part.message?.tool_calls ?? []) {
          if (limit.cut) break;
          const p = limit.toolArguments(c.function?.arguments as unknown);
          toolCalls.push({ id: `call_${toolCalls.length}`, name: c.function?.name ?? '', arguments: p.args, ...(p.invalid !== undefined ? { invalidArguments: p.invalid } : {}) });
        }
        if (limit.cut) {
          // a runaway reply: stop the server's generation by closing the stream
          stream.abort();
          break;
        }
        if (part.done) {
          done = true;
          finishReason = part.done_reason || 'stop';
          usage = {
            promptTokens: part.prompt_eval_count,
            completionTokens: part.eval_count,
            totalTokens: (part.prompt_eval_count ?? 0) + (part.eval_count ?? 0),
          };
        }
      }
      if (t.signal.aborted) throw t.timedOut() ? timeoutError(this.endpoint, req.timeoutMs) : cancelledError();
      const { content, cut } = limit;
      if (cut) return { content, toolCalls, usage, model, finishReason: 'length', cut };
      if (!done) throw new LlmError('protocol', `The connection to ${this.endpoint} was closed before the answer was complete.`);
      return { content, toolCalls, usage, model, finishReason };
    } catch (e) {
      throw this.describe(e, req.signal, t.timedOut(), req.timeoutMs, state.retryAfter, { tools: !!req.tools?.length && req.toolChoice !== 'none', structured: !!req.structured });
    } finally {
      t.dispose();
    }
  }

  private describe(e: unknown, signal: AbortSignal | undefined, timedOut: boolean, timeoutMs: number | undefined, retryAfter?: number, asked?: { tools?: boolean; structured?: boolean }): LlmError {
    if (e instanceof LlmError) return e;
    if (timedOut) return timeoutError(this.endpoint, timeoutMs);
    if (signal?.aborted) return cancelledError();
    const err = e as { name?: string; status_code?: number; error?: string; message?: string };
    if (err?.name === 'ResponseError' && typeof err.status_code === 'number')
      return describeHttpError(err.status_code, err.error ?? err.message ?? '', this.endpoint, retryAfter, asked);
    if (err?.name === 'AbortError') return cancelledError();
    if (/Did not receive done/i.test(err?.message ?? ''))
      return new LlmError('protocol', `The connection to ${this.endpoint} was closed before the answer was complete.`, undefined, undefined, { cause: e });
    if (e instanceof SyntaxError) return new LlmError('protocol', `The model server at ${this.endpoint} sent something that is not NDJSON: ${e.message}`);
    if (err?.message && !(e instanceof TypeError) && !(err as { cause?: unknown }).cause)
      return new LlmError('server', `The model server at ${this.endpoint} reported an error: ${err.message}`);
    return describeNetworkError(e, this.endpoint, { name: 'Ollama', start: 'ollama serve' });
  }
}
