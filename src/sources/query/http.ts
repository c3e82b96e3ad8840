/**
 * HTTP plumbing shared by the query sources: node's global fetch with a timeout, an auth header, a size limit on the
 * body, and errors that say what went wrong in the user's terms (unreachable, check the token, not a tracing API…).
 */

export type SourceErrorKind =
  | 'unreachable'
  | 'auth'
  | 'not-found'
  | 'not-tracing-api'
  | 'timeout'
  | 'http'
  | 'too-large'
  | 'bad-request'
  | 'aborted';

export class SourceError extends Error {
  constructor(
    readonly kind: SourceErrorKind,
    message: string,
    readonly url: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'SourceError';
  }
}

export interface Progress {
  /** what is happening, e.g. 'search', 'fetch-trace', 'parse' */
  phase: string;
  done: number;
  total?: number;
  message: string;
}

export interface HttpOptions {
  /** a bearer token (sent as `Authorization: Bearer <token>`) or a full header value when it contains a space */
  token?: string;
  /** header to carry the token (default Authorization) */
  authHeader?: string;
  headers?: Record<string, string>;
  /** per-request timeout (default 30 s) */
  timeoutMs?: number;
  /** cap on one response body (default 256 MiB) */
  maxBytes?: number;
  /**
   * The running total over every response of one load (shared by all its requests: Tempo fetches one response per
   * trace). fetchRaw creates one of DEFAULT_MAX_TOTAL_BYTES when none is given.
   */
  budget?: ByteBudget;
  /**
   * how the caller raises these limits, named in the too-large messages (the CLI: '--max-download SIZE'); a limit
   * that is already at the ceiling (the longest text Node can hold) is not offered to be raised
   */
  limitHint?: string;
  signal?: AbortSignal;
  onProgress?: (p: Progress) => void;
}

/** One response body at most (Jaeger, Zipkin, a file URL; each Tempo trace). */
export const DEFAULT_MAX_RESPONSE_BYTES = 256 * 1024 * 1024;
/** All the responses of one load together (40 Tempo traces of 150 MB no longer add up to an out-of-memory crash). */
export const DEFAULT_MAX_TOTAL_BYTES = 512 * 1024 * 1024;
/** The largest response that can be read at all: its text must fit in one string (512 MiB less 24 bytes in Node 20). */
export const MAX_RESPONSE_CEILING = 0x1fffffe8;

const mib = (n: number) => `${n.toLocaleString('en-US')} bytes (${+(n / 1048576).toFixed(1)} MiB)`;

/** A byte budget shared by all the requests of one load from a tracing backend or URL. */
export class ByteBudget {
  used = 0;
  constructor(
    readonly limit: number = DEFAULT_MAX_TOTAL_BYTES,
    /** how to raise it, for the message (the CLI: '--max-download SIZE') */
    readonly hint?: string,
  ) {}
  /** Count `n` more bytes from `url`; a SourceError ('too-large') once the total passes the limit. */
  charge(n: number, url: string, requests: number): void {
    this.used += n;
    if (this.used > this.limit) throw this.error(url, requests);
  }
  /** Whether `declared` more bytes would pass the limit. */
  wouldExceed(declared: number): boolean {
    return this.used + declared > this.limit;
  }
  error(url: string, requests: number): SourceError {
    return new SourceError(
      'too-large',
      `the responses of this load add up to more than ${mib(this.limit)}, the total limit for one load from a tracing backend ` +
        `(${requests} response(s) so far; stopped at ${redactUrl(url)}); lower the trace limit or narrow the time window` +
        (this.hint ? `, or raise the limit with ${this.hint}` : ''),
      url,
    );
  }
}

export function redactUrl(u: string): string {
  try {
    const url = new URL(u);
    if (url.password) url.password = '***';
    for (const k of [...url.searchParams.keys()]) if (/token|key|secret|password/i.test(k)) url.searchParams.set(k, '***');
    return url.toString();
  } catch {
    return u;
  }
}

function requestHeaders(opts: HttpOptions, accept: string): Record<string, string> {
  const h: Record<string, string> = { Accept: accept, 'User-Agent': 'trace-doctor', ...opts.headers };
  if (opts.token) {
    const header = opts.authHeader ?? 'Authorization';
    h[header] = header.toLowerCase() === 'authorization' && !/\s/.test(opts.token.trim()) ? `Bearer ${opts.token.trim()}` : opts.token.trim();
  }
  return h;
}

function networkError(e: unknown, url: string, timeoutMs: number, signal?: AbortSignal): SourceError {
  const err = e as Error & { cause?: { code?: string; message?: string } };
  const shown = redactUrl(url);
  if (err.name === 'TimeoutError') return new SourceError('timeout', `timed out after ${timeoutMs / 1000}s waiting for ${shown}`, url);
  if (err.name === 'AbortError') {
    if (signal?.aborted) return new SourceError('aborted', `cancelled: ${shown}`, url);
    return new SourceError('timeout', `timed out after ${timeoutMs / 1000}s waiting for ${shown}`, url);
  }
  const code = err.cause?.code ?? '';
  let host = shown;
  try {
    host = new URL(url).host;
  } catch {
    /* keep the URL */
  }
  if (/ECONNREFUSED|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|ENETUNREACH|ECONNRESET|UND_ERR_SOCKET|UND_ERR_CONNECT_TIMEOUT/.test(code)) {
    const why =
      code === 'ECONNREFUSED'
        ? 'connection refused — nothing is listening there'
        : code === 'ENOTFOUND' || code === 'EAI_AGAIN'
          ? 'host name not found'
          : code;
    return new SourceError('unreachable', `cannot reach ${host} (${why}); check the URL and that the tracing backend is running`, url);
  }
  // fetch refuses the Fetch standard's "bad ports" (6000 X11, 6665–6669 IRC, 5060 SIP, 10080…) before connecting:
  // its cause says only "bad port" (walkthrough 2026-12-07 pm: a backend port-forwarded to 6000)
  if (/^bad port$/i.test(err.cause?.message ?? '')) {
    let port = '';
    try {
      port = new URL(url).port;
    } catch {
      /* keep it unnamed */
    }
    return new SourceError(
      'unreachable',
      `cannot reach ${host}: port ${port || '(this one)'} is on the list of ports Node's fetch never connects to (the Fetch standard's "bad ports": 6000, 6665–6669, 5060, 10080 …); expose the tracing backend on another port (e.g. kubectl port-forward … 16686:16686)`,
      url,
    );
  }
  if (err instanceof TypeError && /Invalid URL|Failed to parse URL/i.test(err.message + (err.cause?.message ?? ''))) {
    return new SourceError('bad-request', `invalid URL: ${shown}`, url);
  }
  return new SourceError('unreachable', `request to ${shown} failed: ${err.cause?.message ?? err.message}`, url);
}

/** GET a URL and return its body text, translating failures into SourceErrors. */
export async function getText(url: string, opts: HttpOptions, expect: string, accept = 'application/json'): Promise<{ text: string; contentType: string }> {
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const signals = [AbortSignal.timeout(timeoutMs)];
  if (opts.signal) signals.push(opts.signal);
  const signal = signals.length > 1 ? AbortSignal.any(signals) : signals[0]!;
  const shown = redactUrl(url);
  let res: Response;
  try {
    res = await fetch(url, { headers: requestHeaders(opts, accept), signal, redirect: 'follow' });
  } catch (e) {
    throw networkError(e, url, timeoutMs, opts.signal);
  }
  const contentType = res.headers.get('content-type') ?? '';
  let text: string;
  try {
    text = await readLimited(res, opts.maxBytes ?? DEFAULT_MAX_RESPONSE_BYTES, url, opts.budget, opts.limitHint);
  } catch (e) {
    if (e instanceof SourceError) throw e;
    throw networkError(e, url, timeoutMs, opts.signal);
  }
  const looksHtml = /text\/html/i.test(contentType) || /^\s*<(!doctype|html|head|body)/i.test(text);
  if (res.status === 401 || res.status === 403) {
    throw new SourceError(
      'auth',
      `${res.status} ${res.status === 401 ? 'Unauthorized' : 'Forbidden'} from ${shown} — check the token${opts.token ? '' : ' (none was set)'}`,
      url,
      res.status,
    );
  }
  if (res.status === 404) {
    throw new SourceError(
      'not-found',
      looksHtml
        ? `404 from ${shown}: got an HTML page — not a tracing API (expected JSON with ${expect}); check the base URL and the backend type`
        : `404 Not Found from ${shown}${snippet(text)}`,
      url,
      404,
    );
  }
  if (!res.ok) {
    throw new SourceError('http', `HTTP ${res.status} ${res.statusText} from ${shown}${snippet(text)}`, url, res.status);
  }
  if (looksHtml) {
    throw new SourceError('not-tracing-api', `${shown} returned an HTML page, not a tracing API (expected JSON with ${expect})`, url, res.status);
  }
  return { text, contentType };
}

/** GET JSON; a body that is not JSON is reported as "not a tracing API". */
export async function getJson(url: string, opts: HttpOptions, expect: string): Promise<unknown> {
  const { text } = await getText(url, opts, expect);
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new SourceError('not-tracing-api', `${redactUrl(url)} did not return JSON — not a tracing API (expected ${expect})${snippet(text)}`, url);
  }
}

function snippet(text: string): string {
  const t = text.replace(/\s+/g, ' ').trim();
  if (!t) return '';
  return `: ${t.length > 200 ? t.slice(0, 200) + '…' : t}`;
}

const responses = new WeakMap<ByteBudget, number>();

async function readLimited(res: Response, maxBytes: number, url: string, budget?: ByteBudget, hint?: string): Promise<string> {
  const raise = hint && maxBytes < MAX_RESPONSE_CEILING ? `, or raise the limit with ${hint}` : '';
  const nth = budget ? (responses.get(budget) ?? 0) + 1 : 0;
  if (budget) responses.set(budget, nth);
  const declared = Number(res.headers.get('content-length') ?? NaN);
  if (Number.isFinite(declared) && declared > maxBytes) {
    await res.body?.cancel();
    throw new SourceError('too-large', `${redactUrl(url)} is ${mib(declared)}, over the ${mib(maxBytes)} limit for one response; narrow the time window or lower the trace limit${raise}`, url);
  }
  if (budget && Number.isFinite(declared) && budget.wouldExceed(declared)) {
    await res.body?.cancel();
    throw budget.error(url, nth);
  }
  if (!res.body) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let n = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    n += value.byteLength;
    if (n > maxBytes) {
      await reader.cancel();
      throw new SourceError('too-large', `${redactUrl(url)} sent more than ${mib(maxBytes)}, the limit for one response; narrow the time window or lower the trace limit${raise}`, url);
    }
    if (budget) {
      try {
        budget.charge(value.byteLength, url, nth);
      } catch (e) {
        await reader.cancel();
        throw e;
      }
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks, n).toString('utf8');
}

/** Run `fn` over items with at most `limit` in flight, preserving order. */
export async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T, i: number) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!, i);
    }
  });
  await Promise.all(workers);
  return out;
}
