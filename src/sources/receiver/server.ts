/**
 * Built-in OTLP/HTTP trace receiver (node:http), per the OTLP/HTTP specification:
 *
 *   POST /v1/traces   Content-Type: application/json | application/x-protobuf   [Content-Encoding: gzip]
 *   200  ExportTraceServiceResponse (same encoding as the request; partialSuccess when spans were rejected)
 *   400  bad data (google.rpc.Status body)         413  body or decompressed body over maxBodyBytes
 *   415  unsupported Content-Type / Content-Encoding  404 other paths   405 other methods   503 storage failure
 *
 * Binds 127.0.0.1 unless a host is given. Accepted spans go to rotating OTLP JSON Lines files (./writer.ts) and to a
 * bounded live window from which a fresh model snapshot can be built (./live.ts); listeners get an event per request.
 *
 * Hostile input: the decoded work of a request is bounded before it is decoded (./limits.ts, ./proto-scan.ts,
 * ./json-scan.ts); every request gets an answer or a closed socket; invalid UTF-8 is repaired before it is stored; a
 * request whose Host is not a loopback name (DNS rebinding) or that carries a foreign Origin gets 403.
 */
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import zlib from 'node:zlib';
import { BadRequest, ingestJson } from './json';
import { LimitError, resolveLimits, type ReceiverLimits } from './limits';
import { LiveWindow, type LiveSnapshot } from './live';
import { decodeTraceRequestProto, encodeStatusProto, encodeTraceResponseProto } from './proto';
import { scanTraceRequestProto } from './proto-scan';
import { RotatingJsonlWriter } from './writer';

export { DEFAULT_LIMITS, type ReceiverLimits } from './limits';
export { OutDirError } from './writer';

export const DEFAULT_MAX_BODY_BYTES = 64 * 1024 * 1024;
export const DEFAULT_LIVE_MAX_BYTES = 64 * 1024 * 1024;
export const TRACES_PATH = '/v1/traces';
const REPLACEMENT_CHAR = Buffer.from('\uFFFD', 'utf8');

export interface ReceiverOptions {
  /** interface to bind; default 127.0.0.1 (loopback only) */
  host?: string;
  /** default 4318 (the OTLP/HTTP port); 0 = ephemeral */
  port?: number;
  /** directory for the OTLP JSON Lines files; without it spans are kept in memory only */
  outDir?: string;
  /** limit on the request body, compressed AND decompressed (default 64 MiB) */
  maxBodyBytes?: number;
  /** rotate output files at this size (default 64 MiB) */
  maxFileBytes?: number;
  fsync?: 'interval' | 'always' | 'never';
  /** whole-request deadline (default 30 s) and header deadline (default 10 s) for slow clients */
  requestTimeoutMs?: number;
  headersTimeoutMs?: number;
  /**
   * the live window: snapshots hold at least the newest requests within this many spans and at most twice it
   * (default 200 000; 0 = no live model)
   */
  liveMaxSpans?: number;
  /**
   * request bodies (after decompression) held in memory at once, over all requests; a request that would pass it is
   * answered 503 with Retry-After (default 4 × maxBodyBytes; at least maxBodyBytes)
   */
  maxBufferedBytes?: number;
  /** the live window's bound in bytes of stored lines (default 64 MiB; the newest request is always kept) */
  liveMaxBytes?: number;
  /** limits on the decoded work of one request (spans, attributes, nesting); see ./limits.ts for the defaults */
  limits?: Partial<ReceiverLimits>;
  /**
   * Host names accepted in the Host header besides loopback names and the bound host. Only checked when bound to a
   * loopback address (a DNS-rebinding defence); bound elsewhere, any Host is accepted.
   */
  allowedHosts?: readonly string[];
  /**
   * Origins (e.g. 'http://localhost:3000', or '*') allowed to post from a browser, with CORS. Requests carrying any
   * other Origin header get 403. Default: none (non-browser exporters send no Origin).
   */
  allowedOrigins?: readonly string[];
}

export interface SpansEvent {
  /** spans accepted in this request */
  accepted: number;
  rejected: number;
  /** totals since start */
  totalSpans: number;
  totalRequests: number;
  /** the accepted part of the request, in OTLP/JSON shape (do not mutate) */
  request: unknown;
  encoding: 'json' | 'protobuf';
}

export interface ReceiverStats {
  requests: number;
  spansAccepted: number;
  spansRejected: number;
  /** requests answered with an error status, by status */
  errors: Record<number, number>;
  bytesReceived: number;
  files: readonly string[];
  /** requests stored after replacing invalid UTF-8 with U+FFFD (answered 200 with a warning in partialSuccess) */
  repairedRequests: number;
  /** the last error storing spans (e.g. a full disk), cleared by the next successful write */
  storeError: string | null;
  /** the last request answered with an error status (what the sender was told), null until one is */
  lastRefused: RefusedEvent | null;
}

/**
 * A request answered with an error status: what the sender was told. A misconfigured exporter (gRPC or the wrong
 * protocol on the HTTP port, the wrong path, oversized batches) only ever sees these answers in its own logs; the
 * receiver's owner sees them through `onRefused` / `stats().lastRefused`.
 */
export interface RefusedEvent {
  status: number;
  /** the message sent back (google.rpc.Status.message), or the HTTP reason for a malformed request */
  message: string;
  method?: string;
  path?: string;
  contentType?: string;
  userAgent?: string;
  /** Date.now() when it was answered */
  at: number;
  /** set for a call to the OTLP/gRPC server (./grpc.ts): the gRPC status code it was answered with */
  grpcCode?: number;
}

export interface Receiver {
  /** http://host:port */
  readonly url: string;
  /** the full traces endpoint (url + /v1/traces) */
  readonly endpoint: string;
  readonly host: string;
  readonly port: number;
  stats(): ReceiverStats;
  /** the decoded-work limits in force */
  readonly limits: Readonly<ReceiverLimits>;
  /** Subscribe to accepted spans; returns an unsubscribe function. Listeners run after the data is stored. */
  onSpans(listener: (e: SpansEvent) => void): () => void;
  /** Subscribe to requests answered with an error status (4xx/5xx); returns an unsubscribe function. */
  onRefused(listener: (e: RefusedEvent) => void): () => void;
  /** A fresh model of the spans in the live window (cached until new spans arrive). */
  snapshot(): LiveSnapshot;
  /** Stop accepting, finish in-flight requests (up to graceMs), flush and fsync the files. */
  close(graceMs?: number): Promise<void>;
}

type Enc = 'json' | 'protobuf';

/** What one ingested request came to (the OTLP partialSuccess when spans were rejected or repaired). */
export interface IngestResult {
  accepted: number;
  rejected: number;
  partial?: { rejectedSpans: number; errorMessage: string };
}

/**
 * The receiver's ingest path for another transport (the OTLP/gRPC server, ./grpc.ts): the same decoder, limits,
 * storage, live window, stats and listeners as POST /v1/traces. `ingest` throws HttpError (status 400 / 413 / 503).
 */
export interface IngestPath {
  readonly maxBodyBytes: number;
  ingest(body: Buffer, enc: Enc, wireBytes: number): Promise<IngestResult>;
  /** count a refused request in stats().errors and tell the onRefused listeners */
  refuse(status: number, message: string, info: Omit<RefusedEvent, 'status' | 'message' | 'at'>): void;
  /** hold `n` bytes of request bodies against maxBufferedBytes (an HttpError 503 when that would pass it) */
  reserve(n: number): HttpError | null;
  release(n: number): void;
  /**
   * The OTLP/gRPC server beside this receiver: its URL while it runs (null once closed), named in the answer to a
   * gRPC exporter that was pointed at the HTTP port; `sync`, run before stats() answers, counts what that server
   * refused without the receiver seeing it.
   */
  attachGrpc(g: { url: string; sync(): void } | null): void;
}
const INGEST_PATHS = new WeakMap<Receiver, IngestPath>();
/** The ingest path of a receiver started by startReceiver (for ./grpc.ts). */
export function ingestPathOf(rx: Receiver): IngestPath {
  const p = INGEST_PATHS.get(rx);
  if (!p) throw new Error('not a receiver started by startReceiver');
  return p;
}

/** An unexpected failure while ingesting, as the 500 the sender gets (a stack overflow is a too deeply nested request). */
export function internalError(e: unknown): HttpError {
  const msg = e instanceof RangeError && /call stack/i.test(e.message) ? 'request too deeply nested' : (e as Error).message;
  return new HttpError(500, `internal error: ${msg}`);
}

export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

// google.rpc.Code values used in Status bodies
const RPC_INVALID_ARGUMENT = 3;
const RPC_RESOURCE_EXHAUSTED = 8;
const RPC_UNIMPLEMENTED = 12;
const RPC_UNAVAILABLE = 14;
const RPC_NOT_FOUND = 5;
const RPC_PERMISSION_DENIED = 7;

function rpcCode(status: number): number {
  switch (status) {
    case 400:
      return RPC_INVALID_ARGUMENT;
    case 413:
      return RPC_RESOURCE_EXHAUSTED;
    case 404:
      return RPC_NOT_FOUND;
    case 403:
      return RPC_PERMISSION_DENIED;
    case 405:
    case 415:
      return RPC_UNIMPLEMENTED;
    default:
      return RPC_UNAVAILABLE;
  }
}

function mediaType(ct: string | undefined): Enc | null {
  const t = (ct ?? '').split(';')[0]!.trim().toLowerCase();
  if (t === 'application/json') return 'json';
  if (t === 'application/x-protobuf' || t === 'application/protobuf') return 'protobuf';
  return null;
}

/** The host part of a Host header ('[::1]:4318' → '::1'), lowercased, without a trailing dot. */
export function hostOfHeader(h: string): string {
  let name = h.trim().toLowerCase();
  if (name.startsWith('[')) name = name.slice(1, name.indexOf(']') < 0 ? undefined : name.indexOf(']'));
  else if (name.indexOf(':') === name.lastIndexOf(':')) name = name.split(':')[0]!;
  return name.endsWith('.') ? name.slice(0, -1) : name;
}

/** Names that always mean this machine: localhost (and *.localhost, RFC 6761), 127.0.0.0/8, ::1. */
export function isLoopbackName(name: string): boolean {
  const n = name.toLowerCase();
  if (n === 'localhost' || n.endsWith('.localhost')) return true;
  if (net.isIPv4(n)) return n.startsWith('127.');
  if (net.isIPv6(n)) {
    if (n === '::1' || /^(0{1,4}:){7}0{0,3}1$/.test(n)) return true;
    const m = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(n);
    return !!m && m[1]!.startsWith('127.');
  }
  return false;
}

function normOrigin(o: string): string {
  return o.trim().toLowerCase().replace(/\/+$/, '');
}

/**
 * Read the body, enforcing `limit` on the wire bytes and, for gzip/deflate, on the decompressed bytes while they
 * are produced (a gzip bomb is stopped after `limit` output bytes, never inflated whole).
 */
function readBody(
  req: http.IncomingMessage,
  encoding: string,
  limit: number,
  take: (n: number) => HttpError | null,
): Promise<{ body: Buffer; wireBytes: number }> {
  return new Promise((resolve, reject) => {
    let wireBytes = 0;
    let outBytes = 0;
    const chunks: Buffer[] = [];
    let done = false;
    let inflater: zlib.Gunzip | zlib.Inflate | null = null;
    const fail = (e: Error) => {
      if (done) return;
      done = true;
      req.unpipe();
      inflater?.destroy();
      chunks.length = 0;
      req.removeAllListeners('data'); // the rest of the body is drained (discarded) before answering: see drainRequest
      reject(e);
    };
    // one body: the chunks are let go as soon as they are joined (the request's listeners keep this closure alive
    // while the body is parsed, and a held chunk list doubled the peak memory of a large body)
    const finish = () => {
      if (done) return;
      done = true;
      const body = Buffer.concat(chunks, outBytes);
      chunks.length = 0;
      resolve({ body, wireBytes });
    };
    const tooLarge = (what: string) =>
      new HttpError(413, `${what} exceeds the limit of ${limit} bytes (${(limit / 1048576).toFixed(0)} MiB); send smaller batches`);
    const onOut = (c: Buffer) => {
      if (done) return;
      outBytes += c.length;
      if (outBytes > limit) return fail(tooLarge(inflater ? 'decompressed request body' : 'request body'));
      const busy = take(c.length);
      if (busy) return fail(busy);
      chunks.push(c);
    };
    req.on('data', (c: Buffer) => {
      wireBytes += c.length;
      if (wireBytes > limit) fail(tooLarge('request body'));
    });
    req.on('error', (e) => fail(e));
    req.on('aborted', () => fail(new Error('client aborted the request')));
    if (encoding === 'gzip' || encoding === 'x-gzip' || encoding === 'deflate') {
      inflater = encoding === 'deflate' ? zlib.createInflate() : zlib.createGunzip();
      inflater.on('data', onOut);
      inflater.on('error', (e) => fail(new HttpError(400, `invalid ${encoding} data: ${e.message}`)));
      inflater.on('end', finish);
      req.pipe(inflater);
    } else {
      req.on('data', onOut);
      req.on('end', finish);
    }
  });
}

/**
 * Read and discard the rest of a request body (up to `maxMs`) before an early error answer. Node closes the connection
 * after answering a request whose body was not fully read; if the client is still uploading, the data that keeps
 * arriving on the closed socket makes the kernel send a TCP reset, which can destroy the answer before the client
 * reads it. An exporter that sees a reset instead of a 413 would retry the same oversized batch forever.
 */
function drainRequest(req: http.IncomingMessage, maxMs: number): Promise<void> {
  if (req.readableEnded || req.destroyed) return Promise.resolve();
  return new Promise<void>((resolve) => {
    const done = () => {
      clearTimeout(t);
      req.off('end', done);
      req.off('close', done);
      req.off('error', done);
      resolve();
    };
    const t = setTimeout(done, maxMs);
    req.on('end', done);
    req.on('close', done);
    req.on('error', done);
    req.resume();
  });
}

export async function startReceiver(opts: ReceiverOptions = {}): Promise<Receiver> {
  const host = opts.host ?? '127.0.0.1';
  const limit = opts.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const requestTimeout = opts.requestTimeoutMs ?? 30_000;
  // how long an early error answer waits for the client to finish uploading (see drainRequest)
  const drainMs = Math.min(5_000, requestTimeout);
  const limits = resolveLimits(opts.limits);
  const liveMaxBytes = opts.liveMaxBytes ?? DEFAULT_LIVE_MAX_BYTES;
  // all request bodies in memory at once: N concurrent 60 MiB bodies must not add up without bound
  const maxBuffered = Math.max(limit, opts.maxBufferedBytes ?? 4 * limit);
  let buffered = 0;
  /** hold `n` more bytes of request bodies, or the 503 that says the receiver holds too many already */
  const reserveBody = (n: number): HttpError | null => {
    if (buffered + n > maxBuffered) {
      return new HttpError(
        503,
        `receiver busy: ${(buffered / 1048576).toFixed(0)} MiB of request bodies already in memory (limit ${(maxBuffered / 1048576).toFixed(0)} MiB); retry`,
        { 'Retry-After': '1' },
      );
    }
    buffered += n;
    return null;
  };
  // DNS rebinding: a page on evil.example whose name resolves to 127.0.0.1 posts with `Host: evil.example:4318`.
  // Bound to loopback, only loopback names, the bound host and allowedHosts are accepted; bound elsewhere, any.
  const checkHost = isLoopbackName(host);
  const hostNames = new Set([host.toLowerCase(), ...(opts.allowedHosts ?? []).map((h) => hostOfHeader(h))]);
  const origins = new Set((opts.allowedOrigins ?? []).map(normOrigin));
  const anyOrigin = origins.has('*');
  const writer = opts.outDir ? new RotatingJsonlWriter({ dir: opts.outDir, maxFileBytes: opts.maxFileBytes, fsync: opts.fsync }) : null;
  if (writer) await writer.open();
  const live = new LiveWindow(opts.liveMaxSpans ?? 200_000, () => writer?.files ?? [], liveMaxBytes);
  const listeners = new Set<(e: SpansEvent) => void>();
  const refusedListeners = new Set<(e: RefusedEvent) => void>();
  const refused = (e: RefusedEvent) => {
    stats.lastRefused = e;
    for (const l of refusedListeners) {
      try {
        l(e);
      } catch {
        /* a listener's failure is not the sender's */
      }
    }
  };
  const stats = {
    requests: 0,
    spansAccepted: 0,
    spansRejected: 0,
    errors: {} as Record<number, number>,
    bytesReceived: 0,
    repairedRequests: 0,
    storeError: null as string | null,
    lastRefused: null as RefusedEvent | null,
  };

  /** 403 for a foreign Host or Origin (null when the request may proceed); sets the CORS header for allowed origins. */
  function guard(req: http.IncomingMessage, res: http.ServerResponse): HttpError | null {
    if (checkHost) {
      const h = req.headers.host;
      // HTTP/1.1 requires Host (node answers 400 without it); an HTTP/1.0 request without one is no browser's
      if (h !== undefined) {
        const name = hostOfHeader(h);
        if (!isLoopbackName(name) && !hostNames.has(name)) {
          return new HttpError(
            403,
            `Host '${h.slice(0, 200)}' refused: this receiver listens on loopback and accepts only loopback names (localhost, 127.0.0.1, [::1])` +
              ` — a foreign name pointing at 127.0.0.1 is how DNS rebinding reaches local servers. Allow a name with --allow-host (setting traceDoctor.receiver.allowedHosts).`,
          );
        }
      }
    }
    const origin = req.headers.origin;
    if (origin !== undefined) {
      if (!anyOrigin && !origins.has(normOrigin(origin))) {
        return new HttpError(
          403,
          `cross-origin request from Origin '${origin.slice(0, 200)}' refused; allow a browser app with --allow-origin ${origin.slice(0, 200)} (setting traceDoctor.receiver.allowedOrigins)`,
        );
      }
      res.setHeader('Access-Control-Allow-Origin', anyOrigin ? '*' : origin);
      res.setHeader('Vary', 'Origin');
    }
    return null;
  }

  function send(res: http.ServerResponse, status: number, enc: Enc, body: Uint8Array | string, extra: Record<string, string> = {}) {
    if (res.headersSent || res.destroyed) return;
    const buf = typeof body === 'string' ? Buffer.from(body) : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
    res.writeHead(status, {
      'Content-Type': enc === 'json' ? 'application/json' : 'application/x-protobuf',
      'Content-Length': String(buf.length),
      ...extra,
    });
    res.end(buf);
  }

  /** Answer with an error status; if that is impossible (headers already sent, a failure), close the socket. */
  async function sendError(req: http.IncomingMessage, res: http.ServerResponse, enc: Enc, err: HttpError, drain = true) {
    try {
      stats.errors[err.status] = (stats.errors[err.status] ?? 0) + 1;
      const header = (h: string | string[] | undefined) => (typeof h === 'string' ? h.slice(0, 200) : undefined);
      refused({
        status: err.status,
        message: err.message,
        method: req.method,
        path: (req.url ?? '/').split('?')[0]!.slice(0, 200),
        ...(header(req.headers['content-type']) ? { contentType: header(req.headers['content-type']) } : {}),
        ...(header(req.headers['user-agent']) ? { userAgent: header(req.headers['user-agent']) } : {}),
        at: Date.now(),
      });
      if (drain) await drainRequest(req, drainMs);
      if (res.writableEnded || res.destroyed) return;
      if (res.headersSent) return void res.destroy();
      const headers: Record<string, string> = { ...err.headers };
      const code = rpcCode(err.status);
      if (enc === 'protobuf') send(res, err.status, enc, encodeStatusProto(code, err.message), headers);
      else send(res, err.status, enc, JSON.stringify({ code, message: err.message }), headers);
    } catch {
      res.destroy();
    }
  }

  /**
   * The one ingest path of a request body, for OTLP/HTTP and OTLP/gRPC (./grpc.ts) alike: decoded-work limits, decode,
   * store, live window, stats, listeners. Throws HttpError (400 bad data, 413 over a limit, 503 storage failure).
   */
  async function ingest(body: Buffer, enc: Enc): Promise<IngestResult> {
    let line: Buffer;
    let request: unknown;
    let accepted: number;
    let rejected: number;
    let firstError: string;
    let repaired: boolean;
    if (enc === 'json') {
      try {
        ({ line, request, accepted, rejected, firstError, repairedUtf8: repaired } = ingestJson(body, limits));
      } catch (e) {
        if (e instanceof BadRequest) throw new HttpError(400, e.message);
        if (e instanceof LimitError) throw new HttpError(e.status, e.message);
        throw e;
      }
    } else {
      let conv;
      try {
        // count spans, attributes and nesting on the wire first: nothing large is built for a request over a limit
        scanTraceRequestProto(body, limits);
        conv = decodeTraceRequestProto(body);
      } catch (e) {
        if (e instanceof LimitError) throw new HttpError(e.status, e.message);
        throw new HttpError(400, `invalid protobuf ExportTraceServiceRequest (${body.length} bytes): ${(e as Error).message}`);
      }
      ({ request, accepted, rejected, firstError } = conv);
      line = accepted > 0 ? Buffer.from(JSON.stringify(request)) : Buffer.alloc(0);
      // protobufjs decodes invalid UTF-8 with U+FFFD; only when one is present, tell a repair from a client's own U+FFFD
      repaired = line.indexOf(REPLACEMENT_CHAR) >= 0 && scanTraceRequestProto(body, limits, true).invalidUtf8 > 0;
    }

    if (accepted > 0) {
      if (writer) {
        try {
          await writer.append(line);
          stats.storeError = null;
        } catch (e) {
          stats.storeError = (e as Error).message;
          throw new HttpError(503, `could not store spans: ${(e as Error).message}`, { 'Retry-After': '5' });
        }
      }
      live.add(line, accepted);
    }
    stats.requests++;
    stats.spansAccepted += accepted;
    stats.spansRejected += rejected;
    if (repaired && accepted > 0) stats.repairedRequests++;

    // a warning travels in partialSuccess with rejectedSpans 0, as the OTLP specification allows
    const warning = repaired && accepted > 0 ? 'the request was not valid UTF-8: invalid bytes were stored as U+FFFD replacement characters' : '';
    const partial =
      rejected > 0
        ? { rejectedSpans: rejected, errorMessage: `rejected ${rejected} span(s); first: ${firstError}${warning ? `; ${warning}` : ''}` }
        : warning
          ? { rejectedSpans: 0, errorMessage: warning }
          : undefined;
    if (accepted > 0 && listeners.size > 0) {
      const ev: SpansEvent = {
        accepted,
        rejected,
        totalSpans: stats.spansAccepted,
        totalRequests: stats.requests,
        request,
        encoding: enc,
      };
      for (const l of listeners) {
        try {
          l(ev);
        } catch {
          /* a listener must not break the receiver */
        }
      }
    }
    return { accepted, rejected, ...(partial ? { partial } : {}) };
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0]!;
    const requestEnc = mediaType(req.headers['content-type']);
    let enc: Enc = requestEnc ?? 'json';
    let held = 0; // bytes of this request's body counted in `buffered`
    try {
      const denied = guard(req, res);
      if (denied) throw denied;
      if (path !== TRACES_PATH) throw new HttpError(404, `not found: ${path} (this receiver accepts traces at POST ${TRACES_PATH})`);
      if (req.method === 'OPTIONS' && req.headers.origin !== undefined && req.headers['access-control-request-method'] !== undefined) {
        // CORS preflight from an allowed origin (guard() refused the others)
        res.writeHead(204, {
          'Access-Control-Allow-Methods': 'POST',
          'Access-Control-Allow-Headers': String(req.headers['access-control-request-headers'] ?? 'Content-Type, Content-Encoding').slice(0, 500),
          'Access-Control-Max-Age': '600',
          'Content-Length': '0',
        });
        res.end();
        return;
      }
      if (req.method !== 'POST') throw new HttpError(405, `method ${req.method} not allowed; use POST`, { Allow: 'POST' });
      if (!requestEnc) {
        enc = 'json';
        throw new HttpError(415, `unsupported Content-Type '${req.headers['content-type'] ?? ''}'; use application/json or application/x-protobuf`);
      }
      const ce = String(req.headers['content-encoding'] ?? '').trim().toLowerCase();
      if (ce !== '' && ce !== 'identity' && ce !== 'gzip' && ce !== 'x-gzip' && ce !== 'deflate') {
        throw new HttpError(415, `unsupported Content-Encoding '${ce}'; use gzip or none`);
      }
      const declared = Number(req.headers['content-length'] ?? NaN);
      if (Number.isFinite(declared) && declared > limit) {
        throw new HttpError(413, `request body of ${declared} bytes exceeds the limit of ${limit} bytes; send smaller batches`);
      }
      const { body, wireBytes } = await readBody(req, ce, limit, (n) => {
        const busy = reserveBody(n);
        if (!busy) held += n;
        return busy;
      });
      stats.bytesReceived += wireBytes;
      // Until the body has arrived, node's requestTimeout answers a slow client (408). From here on, this watchdog
      // makes sure the request is answered, or its socket closed, within the request timeout even if storing hangs.
      const watchdog = setTimeout(() => {
        if (res.writableEnded || res.destroyed) return;
        if (res.headersSent) return void res.destroy();
        void sendError(req, res, enc, new HttpError(503, `request not completed within ${requestTimeout} ms of its body; retry later`, { 'Retry-After': '5' }), false);
      }, requestTimeout);
      watchdog.unref();
      res.once('close', () => clearTimeout(watchdog));

      const { partial } = await ingest(body, enc);
      if (enc === 'json') {
        send(res, 200, 'json', partial ? JSON.stringify({ partialSuccess: { rejectedSpans: String(partial.rejectedSpans), errorMessage: partial.errorMessage } }) : '{}');
      } else {
        send(res, 200, 'protobuf', encodeTraceResponseProto(partial));
      }
    } catch (e) {
      // Never return without an answer or a closed socket. (`req.destroyed` is true once a body was read to its end,
      // so it says nothing about the client: checking it here left sockets open forever.)
      if (res.writableEnded || res.destroyed) return;
      if (res.headersSent) return void res.destroy();
      if (e instanceof HttpError) return sendError(req, res, enc, e);
      if (req.socket?.destroyed) return void res.destroy();
      return sendError(req, res, enc, internalError(e));
    } finally {
      buffered -= held;
      held = 0;
    }
  }

  function respond(req: http.IncomingMessage, res: http.ServerResponse): void {
    handle(req, res).catch(() => res.destroy());
  }

  const server = http.createServer(
    {
      requestTimeout,
      headersTimeout: Math.min(opts.headersTimeoutMs ?? 10_000, requestTimeout),
      keepAliveTimeout: 5_000,
      connectionsCheckingInterval: Math.max(100, Math.min(1_000, Math.floor(requestTimeout / 4))),
    },
    respond,
  );
  // `Expect: 100-continue` (curl does it for bodies over 1 MiB): refuse an oversized body before it is sent
  server.on('checkContinue', (req, res) => {
    const declared = Number(req.headers['content-length'] ?? NaN);
    const path = (req.url ?? '/').split('?')[0]!;
    const enc = mediaType(req.headers['content-type']) ?? 'json';
    const denied = guard(req, res);
    if (denied) return void sendError(req, res, enc, denied, false);
    if (path === TRACES_PATH && req.method === 'POST' && Number.isFinite(declared) && declared > limit) {
      const err = new HttpError(413, `request body of ${declared} bytes exceeds the limit of ${limit} bytes; send smaller batches`);
      void sendError(req, res, enc, err, false);
      return;
    }
    res.writeContinue();
    respond(req, res);
  });
  let grpcSide: { url: string; sync(): void } | null = null;
  server.on('clientError', (err: NodeJS.ErrnoException, socket) => {
    // slow or malformed clients: answer like node's default handler, then drop only this connection
    if (!socket.writable || err.code === 'ECONNRESET') return void socket.destroy();
    const [code, text] =
      err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, 'Request Timeout']
        : err.code === 'HPE_HEADER_OVERFLOW'
          ? [431, 'Request Header Fields Too Large']
          : [400, 'Bad Request'];
    stats.errors[code] = (stats.errors[code] ?? 0) + 1;
    // the commonest misconfiguration of all: a gRPC exporter (HTTP/2, port 4317's protocol) pointed at this port
    const raw = (err as { rawPacket?: Buffer }).rawPacket;
    const h2 = err.code === 'HPE_PAUSED_H2_UPGRADE' || (raw !== undefined && raw.subarray(0, 14).toString('latin1') === 'PRI * HTTP/2.0');
    // with the OTLP/gRPC receiver on, the exporter can keep its protocol: name the port it should use
    const grpcHint = grpcSide
      ? `or send grpc to this receiver's OTLP/gRPC port: OTEL_EXPORTER_OTLP_ENDPOINT=${grpcSide.url}`
      : 'or send grpc to the OTLP/gRPC port (this receiver\'s is off: trace-doctor serve --grpc-port 4317, setting traceDoctor.receiver.grpcPort)';
    const why = h2
      ? `an HTTP/2 request (a gRPC exporter?): this port speaks OTLP over HTTP/1.1 — set the exporter's protocol to http/protobuf or http/json (OTEL_EXPORTER_OTLP_PROTOCOL), ${grpcHint}`
      : code === 408
        ? 'the request did not arrive in time'
        : code === 431
          ? 'the headers are too large'
          : 'not a valid HTTP request';
    refused({ status: code as number, message: `${text}: ${why}`, at: Date.now() });
    socket.end(`HTTP/1.1 ${code} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
  });

  await new Promise<void>((resolve, reject) => {
    const onErr = (e: Error) => reject(e);
    server.once('error', onErr);
    server.listen(opts.port ?? 4318, host, () => {
      server.off('error', onErr);
      resolve();
    });
  });
  const addr = server.address() as AddressInfo;
  const urlHost = addr.family === 'IPv6' || host.includes(':') ? `[${addr.address}]` : addr.address;
  const url = `http://${urlHost}:${addr.port}`;

  let closing: Promise<void> | null = null;
  const rx: Receiver = {
    url,
    endpoint: url + TRACES_PATH,
    host: addr.address,
    port: addr.port,
    stats: () => (grpcSide?.sync(), { ...stats, errors: { ...stats.errors }, files: [...(writer?.files ?? [])], lastRefused: stats.lastRefused ? { ...stats.lastRefused } : null }),
    limits: { ...limits },
    onSpans(l) {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    onRefused(l) {
      refusedListeners.add(l);
      return () => refusedListeners.delete(l);
    },
    snapshot: () => live.snapshot(),
    close(graceMs = 5_000) {
      if (closing) return closing;
      closing = (async () => {
        await new Promise<void>((resolve) => {
          const t = setTimeout(() => server.closeAllConnections(), graceMs);
          t.unref();
          server.close(() => {
            clearTimeout(t);
            resolve();
          });
          server.closeIdleConnections();
        });
        await writer?.close();
      })();
      return closing;
    },
  };
  INGEST_PATHS.set(rx, {
    maxBodyBytes: limit,
    async ingest(body, enc, wireBytes) {
      stats.bytesReceived += wireBytes;
      return ingest(body, enc);
    },
    refuse(status, message, info) {
      stats.errors[status] = (stats.errors[status] ?? 0) + 1;
      refused({ status, message, ...info, at: Date.now() });
    },
    reserve: reserveBody,
    release(n) {
      buffered -= n;
    },
    attachGrpc(g) {
      grpcSide = g;
    },
  });
  return rx;
}
