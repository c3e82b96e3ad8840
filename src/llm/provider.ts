/**
 * One interface for every chat model Trace Doctor talks to: Ollama, OpenAI-compatible servers and VS Code's
 * language-model API. Node-only code may implement it; nothing here imports `vscode`.
 */

export type ChatRole = 'system' | 'user' | 'assistant' | 'tool';

export interface ToolCall {
  /** provider's call id (OpenAI); synthesised when the provider has none (Ollama) */
  id: string;
  name: string;
  /** parsed arguments; `{}` when the model sent none */
  arguments: Record<string, unknown>;
  /** the raw argument text when it was not valid JSON (the tool loop reports it back to the model) */
  invalidArguments?: string;
}

export interface ChatMessage {
  role: ChatRole;
  content: string;
  /** assistant messages that called tools */
  toolCalls?: ToolCall[];
  /** tool results: the call they answer */
  toolCallId?: string;
  toolName?: string;
}

export interface ToolSpec {
  name: string;
  description: string;
  /** JSON schema of the arguments (object) */
  parameters: Record<string, unknown>;
}

export interface StructuredOutput {
  name: string;
  /** JSON schema the final message must follow */
  schema: Record<string, unknown>;
  strict?: boolean;
}

export interface ChatRequest {
  model: string;
  messages: ChatMessage[];
  tools?: ToolSpec[];
  /** 'none': the tools are declared (the history holds tool calls) but must not be called now */
  toolChoice?: 'auto' | 'none';
  /** ask for a JSON answer following this schema (OpenAI json_schema / Ollama format) */
  structured?: StructuredOutput;
  temperature?: number;
  seed?: number;
  signal?: AbortSignal;
  /** per attempt, ms (connect + whole stream) */
  timeoutMs?: number;
  /** streamed text as it arrives */
  onDelta?: (text: string) => void;
  /**
   * Stop reading the reply after this many characters of text (or of tool-call arguments) and close the stream: a
   * small model that runs away (repeating itself until its context is full) is cut instead of waited for.
   */
  maxReplyChars?: number;
  /** called before each retry (429/5xx) with the wait in ms */
  onRetry?: (err: LlmError, attempt: number, delayMs: number) => void;
}

export interface Usage {
  promptTokens?: number;
  completionTokens?: number;
  totalTokens?: number;
}

export interface ChatResult {
  content: string;
  toolCalls: ToolCall[];
  usage?: Usage;
  /** model the server says answered */
  model?: string;
  finishReason?: string;
  /** how many attempts it took (retries after 429/5xx) */
  attempts: number;
  /** the reply was longer than maxReplyChars: content (and arguments) hold its start; the stream was closed */
  cut?: boolean;
}

export interface ModelInfo {
  id: string;
  label?: string;
}

export interface LlmProvider {
  /** 'ollama' | 'openai' | 'vscode-lm' */
  readonly id: string;
  /** where requests go, for consent and logs ('vscode-lm' for VS Code's models) */
  readonly endpoint: string;
  chat(req: ChatRequest): Promise<ChatResult>;
  listModels?(signal?: AbortSignal): Promise<ModelInfo[]>;
}

export type LlmErrorKind =
  | 'unreachable'
  | 'timeout'
  | 'rate_limit'
  | 'server'
  | 'client'
  | 'auth'
  | 'cancelled'
  | 'no_tools'
  | 'no_structured'
  | 'tool_loop'
  | 'invalid_answer'
  | 'protocol';

/** A provider failure with a plain-words message the chat shows as is. */
export class LlmError extends Error {
  constructor(
    readonly kind: LlmErrorKind,
    message: string,
    readonly status?: number,
    /** seconds the server asked us to wait (Retry-After) */
    readonly retryAfterSec?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'LlmError';
  }
  get retryable(): boolean {
    return this.kind === 'rate_limit' || this.kind === 'server';
  }
}

export function isAbort(signal?: AbortSignal): boolean {
  return !!signal?.aborted;
}

/** Parse Retry-After (seconds or an HTTP date) into seconds; undefined if absent or unparsable. */
export function parseRetryAfter(v: string | null | undefined, now = Date.now()): number | undefined {
  if (!v) return undefined;
  const n = Number(v);
  if (Number.isFinite(n) && n >= 0) return n;
  const t = Date.parse(v);
  if (Number.isFinite(t)) return Math.max(0, (t - now) / 1000);
  return undefined;
}

export interface RetryOptions {
  /** attempts in total (default 3) */
  attempts?: number;
  /** first backoff, ms (default 500), doubled each time with jitter */
  baseDelayMs?: number;
  /** never wait longer than this between attempts, ms (default 20 s) */
  maxDelayMs?: number;
  signal?: AbortSignal;
  onRetry?: (err: LlmError, attempt: number, delayMs: number) => void;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new LlmError('cancelled', 'Cancelled.'));
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(new LlmError('cancelled', 'Cancelled.'));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Run `fn` and retry on rate limits and server errors with exponential backoff, honouring Retry-After.
 * Nothing is retried after streamed text has been delivered (the caller passes `delivered()`).
 */
export async function withRetry<T>(
  fn: (attempt: number) => Promise<T>,
  o: RetryOptions = {},
  delivered: () => boolean = () => false,
): Promise<{ value: T; attempts: number }> {
  const attempts = o.attempts ?? 3;
  const base = o.baseDelayMs ?? 500;
  const max = o.maxDelayMs ?? 20_000;
  for (let attempt = 1; ; attempt++) {
    try {
      return { value: await fn(attempt), attempts: attempt };
    } catch (e) {
      const err = e instanceof LlmError ? e : new LlmError('protocol', String((e as Error)?.message ?? e), undefined, undefined, { cause: e });
      if (!err.retryable || attempt >= attempts || delivered() || o.signal?.aborted) throw err;
      const backoff = Math.min(max, base * 2 ** (attempt - 1) * (0.75 + Math.random() * 0.5));
      const delay = err.retryAfterSec !== undefined ? Math.min(max, err.retryAfterSec * 1000) : backoff;
      if (err.retryAfterSec !== undefined && err.retryAfterSec * 1000 > max) throw err;
      o.onRetry?.(err, attempt, delay);
      await sleep(delay, o.signal);
    }
  }
}

/**
 * A provider's chat(): `once` runs one streamed attempt and calls `markDelivered` as soon as text has reached the caller;
 * failed attempts are retried per `retry` (withRetry) until then. Adds the attempt count to the result.
 */
export async function chatWithRetry(
  req: ChatRequest,
  retry: Omit<RetryOptions, 'signal'> | undefined,
  once: (markDelivered: () => void) => Promise<Omit<ChatResult, 'attempts'>>,
): Promise<ChatResult> {
  let delivered = false;
  const { value, attempts } = await withRetry(
    () =>
      once(() => {
        delivered = true;
      }),
    { ...retry, signal: req.signal, ...(req.onRetry ? { onRetry: req.onRetry } : {}) },
    () => delivered,
  );
  return { ...value, attempts };
}

/** An AbortSignal that fires on the caller's signal or after `timeoutMs`; `timedOut()` tells which. */
export function timeoutSignal(signal: AbortSignal | undefined, timeoutMs: number | undefined) {
  const ctrl = new AbortController();
  let timedOut = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const onAbort = () => ctrl.abort(signal?.reason);
  if (signal) {
    if (signal.aborted) ctrl.abort(signal.reason);
    else signal.addEventListener('abort', onAbort, { once: true });
  }
  const arm = () => {
    if (timer) clearTimeout(timer);
    if (timeoutMs && timeoutMs > 0)
      timer = setTimeout(() => {
        timedOut = true;
        ctrl.abort(new Error('timeout'));
      }, timeoutMs);
  };
  arm();
  return {
    signal: ctrl.signal,
    timedOut: () => timedOut,
    dispose: () => {
      if (timer) clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    },
  };
}

/**
 * Plain words for a connection-level failure (fetch's TypeError with a cause code). `server` names what should be
 * listening ("Ollama"): a first-time user with nothing installed reads "Could not connect to Ollama at
 * http://127.0.0.1:11434 …", not a bare port number.
 */
export function describeNetworkError(e: unknown, endpoint: string, server?: { name: string; start?: string }): LlmError {
  const cause = (e as { cause?: { code?: string; message?: string } })?.cause;
  const code = cause?.code ?? (e as { code?: string })?.code;
  const msg = (e as Error)?.message ?? String(e);
  if (code === 'ECONNREFUSED') {
    const what = server ? `${server.name} at ${endpoint}` : endpoint;
    const ask = server ? `Is ${server.name} running?${server.start ? ` Start it with "${server.start}".` : ''}` : 'Is the model server running?';
    return new LlmError('unreachable', `Could not connect to ${what}: nothing is listening there (connection refused). ${ask}`, undefined, undefined, { cause: e });
  }
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return new LlmError('unreachable', `Could not resolve the host of ${endpoint}.`, undefined, undefined, { cause: e });
  if (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET' || /terminated|socket|premature|other side closed/i.test(msg + (cause?.message ?? '')))
    return new LlmError('protocol', `The connection to ${endpoint} was closed before the answer was complete.`, undefined, undefined, { cause: e });
  return new LlmError('unreachable', `Could not reach ${endpoint}: ${cause?.message ?? msg}`, undefined, undefined, { cause: e });
}

/**
 * The readable part of an error body of any shape: a string, {error: {message}}, {error: "…"}, {message}, {detail},
 * an HTML page from a proxy (its title / text), cut at a word boundary.
 */
export function readableErrorBody(body: unknown, max = 300): string {
  let t = '';
  let v: unknown = body;
  if (typeof v === 'string') {
    const s = v.trim();
    if (/^[{[]/.test(s)) {
      try {
        v = JSON.parse(s);
      } catch {
        /* plain text */
      }
    }
  }
  const pick = (o: unknown, depth = 0): string => {
    if (depth > 3 || o === null || o === undefined) return '';
    if (typeof o === 'string') return o;
    if (typeof o !== 'object') return String(o);
    const x = o as Record<string, unknown>;
    for (const k of ['message', 'error', 'detail', 'msg', 'error_description', 'title']) {
      const r = pick(x[k], depth + 1);
      if (r) return r;
    }
    return depth === 0 ? JSON.stringify(o) : '';
  };
  t = pick(v);
  if (/<\/?(html|head|body|title|h1|p|div|center)\b/i.test(t)) {
    const title = /<title[^>]*>([\s\S]*?)<\/title>/i.exec(t)?.[1];
    const text = t.replace(/<(script|style|head|title)[\s\S]*?<\/\1>/gi, ' ').replace(/<[^>]+>/g, ' ').replace(/&nbsp;/g, ' ').replace(/&amp;/g, '&').replace(/&lt;/g, '<').replace(/&gt;/g, '>');
    t = `${title ? title.trim() + ' — ' : ''}${text}`;
    t = `(an HTML page, probably from a proxy) ${t}`;
  }
  // eslint-disable-next-line no-control-regex
  t = t.replace(/[\u0000-\u001f\u007f-\u009f]/g, ' ').replace(/\s+/g, ' ').trim();
  if (t.length > max) {
    const cut = t.slice(0, max);
    const sp = cut.lastIndexOf(' ');
    t = (sp > max * 0.6 ? cut.slice(0, sp) : cut) + '…';
  }
  return t;
}

/**
 * A fetch that rewrites error responses of any shape into `{"error": {"message": <readable>}, "message": …}` JSON, so
 * the official clients (which read only `error` / `error.message`, and print "Getting text from response" to stdout for
 * non-JSON bodies) report the server's real words. Successful responses pass through untouched.
 */
export function errorNormalizingFetch(inner: typeof fetch = fetch): typeof fetch {
  return (async (input: Parameters<typeof fetch>[0], init?: Parameters<typeof fetch>[1]) => {
    const res = await inner(input, init);
    if (res.ok) return res;
    const raw = await res.text().catch(() => '');
    const message = readableErrorBody(raw) || `HTTP ${res.status} ${res.statusText}`.trim();
    const headers = new Headers(res.headers);
    headers.set('content-type', 'application/json');
    headers.delete('content-length');
    headers.delete('content-encoding');
    return new Response(JSON.stringify({ error: { message }, message }), { status: res.status, statusText: res.statusText, headers });
  }) as typeof fetch;
}

/** The messages real servers send when a model or server cannot call tools. */
export const NO_TOOLS_RE =
  /does not support tools|tools? (?:are|is) not supported|tool.{0,40}not supported|"auto" tool choice requires|enable-auto-tool-choice|tool-call-parser|tools param requires|--jinja|function calling is not (?:enabled|supported)|tool_choice.{0,40}not supported/i;
/** …and when they reject a structured-output request. */
export const NO_STRUCTURED_RE = /response_format|json_schema|structured output|guided_json|grammar.{0,40}not supported|\bformat\b.{0,40}not supported|unsupported.{0,20}\bformat\b/i;

/** Plain words for an HTTP error status. `asked`: what the request used, to recognise "not supported" answers. */
export function describeHttpError(status: number, body: unknown, endpoint: string, retryAfterSec?: number, asked: { tools?: boolean; structured?: boolean } = { tools: true, structured: true }): LlmError {
  const text = readableErrorBody(body);
  const detail = text ? `: ${text}` : '';
  if (status === 429)
    return new LlmError('rate_limit', `The model server at ${endpoint} is rate limiting us (HTTP 429)${retryAfterSec !== undefined ? `; it asked to wait ${retryAfterSec} s` : ''}${detail}`, status, retryAfterSec);
  if (status === 401 || status === 403)
    return new LlmError('auth', `The model server at ${endpoint} refused the credentials (HTTP ${status}). Set the API key with "Trace Doctor: Set API Key"${detail}`, status);
  // "no tool support" comes as 400 (vLLM, Ollama) or 500 (llama.cpp server): recognise it before the 5xx retries
  if (asked.tools !== false && status >= 400 && status !== 404 && NO_TOOLS_RE.test(text)) return new LlmError('no_tools', `The model does not support tool calling (HTTP ${status})${detail}`, status);
  if (asked.structured && status >= 400 && status !== 404 && NO_STRUCTURED_RE.test(text)) return new LlmError('no_structured', `The model server does not accept a response schema (HTTP ${status})${detail}`, status);
  if (status === 404) return new LlmError('client', `The model server at ${endpoint} does not know this model or endpoint (HTTP 404)${detail}`, status);
  if (status >= 500) return new LlmError('server', `The model server at ${endpoint} failed (HTTP ${status})${detail}`, status, retryAfterSec);
  return new LlmError('client', `The model server at ${endpoint} rejected the request (HTTP ${status})${detail}`, status);
}

export function timeoutError(endpoint: string, ms: number | undefined): LlmError {
  return new LlmError('timeout', `The model at ${endpoint} did not answer within ${Math.round((ms ?? 0) / 1000)} s (timeout).`);
}
export function cancelledError(): LlmError {
  return new LlmError('cancelled', 'Cancelled by the user.');
}

/** Loopback hosts don't need consent: nothing leaves the machine. */
export function isLoopbackUrl(url: string): boolean {
  try {
    const h = new URL(url).hostname.replace(/^\[|\]$/g, '').toLowerCase();
    return h === 'localhost' || h === '::1' || /^127\./.test(h) || h === '0:0:0:0:0:0:0:1' || h.endsWith('.localhost');
  } catch {
    return false;
  }
}
