import OpenAI from 'openai';
import {
  chatWithRetry,
  type ChatMessage,
  type ChatRequest,
  type ChatResult,
  type LlmProvider,
  type ModelInfo,
  type ToolCall,
  type RetryOptions,
  LlmError,
  cancelledError,
  describeHttpError,
  describeNetworkError,
  errorNormalizingFetch,
  parseRetryAfter,
  timeoutError,
  timeoutSignal,
} from '../provider';
import { ReplyLimit, parseToolArguments } from './reply-limit';

export interface OpenAiProviderOptions {
  /** e.g. https://api.openai.com/v1, http://127.0.0.1:8000/v1 (vLLM), http://127.0.0.1:1234/v1 (LM Studio) */
  baseURL: string;
  apiKey?: string;
  retry?: Omit<RetryOptions, 'signal'>;
  /** extra headers (tests) */
  headers?: Record<string, string>;
}

type OaiMessage = OpenAI.Chat.Completions.ChatCompletionMessageParam;

export function toOpenAiMessages(messages: ChatMessage[]): OaiMessage[] {
  return messages.map((m): OaiMessage => {
    if (m.role === 'tool') return { role: 'tool', tool_call_id: m.toolCallId ?? '', content: m.content };
    if (m.role === 'assistant' && m.toolCalls?.length)
      return {
        role: 'assistant',
        content: m.content || null,
        tool_calls: m.toolCalls.map((c) => ({
          id: c.id,
          type: 'function' as const,
          function: { name: c.name, arguments: c.invalidArguments ?? JSON.stringify(c.arguments) },
        })),
      };
    return { role: m.role, content: m.content } as OaiMessage;
  });
}

/** OpenAI chat completions and every server speaking its protocol (vLLM, LM Studio, llama.cpp server, …). */
export class OpenAiProvider implements LlmProvider {
  readonly id = 'openai';
  readonly endpoint: string;
  private readonly client: OpenAI;

  constructor(private readonly o: OpenAiProviderOptions) {
    this.endpoint = o.baseURL;
    this.client = new OpenAI({
      baseURL: o.baseURL,
      // local servers accept any key; the SDK insists on one
      apiKey: o.apiKey || 'not-needed',
      maxRetries: 0, // we retry ourselves (Retry-After, plain-words errors)
      timeout: 24 * 3600_000, // our own AbortSignal enforces the per-attempt timeout
      defaultHeaders: o.headers,
      dangerouslyAllowBrowser: false,
      fetch: errorNormalizingFetch(),
    });
  }

  async listModels(signal?: AbortSignal): Promise<ModelInfo[]> {
    try {
      const page = await this.client.models.list({ signal });
      return page.data.map((m) => ({ id: m.id }));
    } catch (e) {
      throw this.describe(e, signal, undefined, undefined);
    }
  }

  chat(req: ChatRequest): Promise<ChatResult> {
    return chatWithRetry(req, this.o.retry, (markDelivered) => this.once(req, markDelivered));
  }

  private async once(req: ChatRequest, markDelivered: () => void): Promise<Omit<ChatResult, 'attempts'>> {
    const t = timeoutSignal(req.signal, req.timeoutMs);
    try {
      const body: OpenAI.Chat.Completions.ChatCompletionCreateParamsStreaming = {
        model: req.model,
        messages: toOpenAiMessages(req.messages),
        stream: true,
        stream_options: { include_usage: true },
      };
      if (req.temperature !== undefined) body.temperature = req.temperature;
      if (req.seed !== undefined) body.seed = req.seed;
      if (req.tools?.length)
        body.tools = req.tools.map((tl) => ({
          type: 'function' as const,
          function: { name: tl.name, description: tl.description, parameters: tl.parameters },
        }));
      if (req.tools?.length && req.toolChoice) body.tool_choice = req.toolChoice;
      if (req.structured)
        body.response_format = {
          type: 'json_schema',
          json_schema: { name: req.structured.name, schema: req.structured.schema, strict: req.structured.strict ?? true },
        };
      const { data: stream, response } = await this.client.chat.completions.create(body, { signal: t.signal }).withResponse();
      // some servers ignore stream: true and answer with one chat.completion JSON body
      const ctype = response.headers.get('content-type') ?? '';
      if (!/event-stream/i.test(ctype) && /json/i.test(ctype)) return this.fromBody(await response.json(), req, markDelivered);
      let model: string | undefined;
      let finishReason: string | undefined;
      let usage: ChatResult['usage'];
      const calls = new Map<number, { id: string; name: string; args: string }>();
      const limit = new ReplyLimit(req.maxReplyChars);
      for await (const chunk of stream) {
        model = chunk.model || model;
        if (chunk.usage)
          usage = {
            promptTokens: chunk.usage.prompt_tokens,
            completionTokens: chunk.usage.completion_tokens,
            totalTokens: chunk.usage.total_tokens,
          };
        for (const choice of chunk.choices ?? []) {
          if (choice.finish_reason) finishReason = choice.finish_reason;
          const d = choice.delta;
          if (!d) continue;
          if (typeof d.content === 'string' && d.content) {
            const piece = limit.text(d.content);
            markDelivered();
            if (piece) req.onDelta?.(piece);
          }
          for (const tc of d.tool_calls ?? []) {
            if (limit.cut) break;
            const idx = tc.index ?? calls.size;
            let c = calls.get(idx);
            if (!c) calls.set(idx, (c = { id: '', name: '', args: '' }));
            if (tc.id) c.id = tc.id;
            if (tc.function?.name) c.name += tc.function.name;
            if (tc.function?.arguments) c.args += limit.args(tc.function.arguments);
          }
        }
        if (limit.cut) break;
      }
      const { content, cut } = limit;
      if (cut) {
        // a runaway reply: stop the server's generation by closing the stream
        stream.controller.abort();
        finishReason = 'length';
      }
      if (t.signal.aborted) throw t.timedOut() ? timeoutError(this.endpoint, req.timeoutMs) : cancelledError();
      const toolCalls: ToolCall[] = [...calls.entries()]
        .sort((a, b) => a[0] - b[0])
        .map(([i, c]) => {
          const p = parseToolArguments(c.args);
          return { id: c.id || `call_${i}`, name: c.name, arguments: p.args, ...(p.invalid !== undefined ? { invalidArguments: p.invalid } : {}) };
        });
      if (finishReason === undefined && !content && toolCalls.length === 0)
        throw new LlmError('protocol', `The model server at ${this.endpoint} ended the stream without an answer.`);
      return { content, toolCalls, usage, model, finishReason, ...(cut ? { cut } : {}) };
    } catch (e) {
      throw this.describe(e, req.signal, t.timedOut(), req.timeoutMs, { tools: !!req.tools?.length, structured: !!req.structured });
    } finally {
      t.dispose();
    }
  }

  /** A whole (non-streamed) chat.completion body, read like the stream. */
  private fromBody(j: unknown, req: ChatRequest, markDelivered: () => void): Omit<ChatResult, 'attempts'> {
    const b = j as OpenAI.Chat.Completions.ChatCompletion & { error?: unknown };
    if (!b || typeof b !== 'object' || !Array.isArray(b.choices)) {
      if (b && typeof b === 'object' && 'error' in b) throw describeHttpError(500, b, this.endpoint, undefined, { tools: !!req.tools?.length, structured: !!req.structured });
      throw new LlmError('protocol', `The model server at ${this.endpoint} sent a JSON body that is not a chat completion.`);
    }
    const msg = b.choices[0]?.message;
    const limit = new ReplyLimit(req.maxReplyChars);
    const content = limit.text(typeof msg?.content === 'string' ? msg.content : '');
    if (content) {
      markDelivered();
      req.onDelta?.(content);
    }
    const toolCalls: ToolCall[] = (msg?.tool_calls ?? []).flatMap((c, i) => {
      if (c.type !== 'function' || limit.cut) return [];
      const p = limit.toolArguments(c.function.arguments ?? '');
      return [{ id: c.id || `call_${i}`, name: c.function.name, arguments: p.args, ...(p.invalid !== undefined ? { invalidArguments: p.invalid } : {}) }];
    });
    const cut = limit.cut;
    const usage = b.usage ? { promptTokens: b.usage.prompt_tokens, completionTokens: b.usage.completion_tokens, totalTokens: b.usage.total_tokens } : undefined;
    if (!content && !toolCalls.length && !b.choices[0]?.finish_reason) throw new LlmError('protocol', `The model server at ${this.endpoint} answered with an empty completion.`);
    return { content, toolCalls, usage, model: b.model, finishReason: cut ? 'length' : (b.choices[0]?.finish_reason ?? undefined), ...(cut ? { cut } : {}) };
  }

  private describe(e: unknown, signal: AbortSignal | undefined, timedOut: boolean | undefined, timeoutMs: number | undefined, asked?: { tools?: boolean; structured?: boolean }): LlmError {
    if (e instanceof LlmError) return e;
    if (timedOut) return timeoutError(this.endpoint, timeoutMs);
    if (signal?.aborted || e instanceof OpenAI.APIUserAbortError) return cancelledError();
    if (e instanceof OpenAI.APIConnectionTimeoutError) return timeoutError(this.endpoint, timeoutMs);
    if (e instanceof OpenAI.APIError && typeof e.status === 'number') {
      const h = e.headers as Headers | undefined;
      const ra = parseRetryAfter(h?.get?.('retry-after') ?? null);
      // e.error is the parsed body (or its "error" member); without JSON, the message carries the raw text
      const body = e.error !== undefined && e.error !== null ? e.error : (e.message ?? '').replace(/^\d{3}\s*/, '');
      return describeHttpError(e.status, body, this.endpoint, ra, asked);
    }
    if (e instanceof OpenAI.APIConnectionError) return describeNetworkError(e.cause ?? e, this.endpoint);
    if (e instanceof OpenAI.APIError) return new LlmError('protocol', `The model server at ${this.endpoint} sent something we could not read: ${e.message}`, undefined, undefined, { cause: e });
    return describeNetworkError(e, this.endpoint);
  }
}
