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
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import zlib from 'node:zlib';
import { BadRequest, ingestJson } from './json';
import { LiveWindow, type LiveSnapshot } from './live';
import { decodeTraceRequestProto, encodeStatusProto, encodeTraceResponseProto } from './proto';
import { RotatingJsonlWriter } from './writer';

export const DEFAULT_MAX_BODY_BYTES = 64 * 1024 * 1024;
export const TRACES_PATH = '/v1/traces';

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
}

export interface Receiver {
  /** http://host:port */
  readonly url: string;
  /** the full traces endpoint (url + /v1/traces) */
  readonly endpoint: string;
  readonly host: string;
  readonly port: number;
  stats(): ReceiverStats;
  /** Subscribe to accepted spans; returns an unsubscribe function. Listeners run after the data is stored. */
  onSpans(listener: (e: SpansEvent) => void): () => void;
  /** A fresh model of the spans in the live window (cached until new spans arrive). */
  snapshot(): LiveSnapshot;
  /** Stop accepting, finish in-flight requests (up to graceMs), flush and fsync the files. */
  close(graceMs?: number): Promise<void>;
}

type Enc = 'json' | 'protobuf';

class HttpError extends Error {
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

function rpcCode(status: number): number {
  switch (status) {
    case 400:
      return RPC_INVALID_ARGUMENT;
    case 413:
      return RPC_RESOURCE_EXHAUSTED;
    case 404:
      return RPC_NOT_FOUND;
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

/**
 * Read the body, enforcing `limit` on the wire bytes and, for gzip/deflate, on the decompressed bytes while they
 * are produced (a gzip bomb is stopped after `limit` output bytes, never inflated whole).
 */
function readBody(req: http.IncomingMessage, encoding: string, limit: number): Promise<{ body: Buffer; wireBytes: number }> {
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
    const tooLarge = (what: string) =>
      new HttpError(413, `${what} exceeds the limit of ${limit} bytes (${(limit / 1048576).toFixed(0)} MiB); send smaller batches`);
    const onOut = (c: Buffer) => {
      if (done) return;
      outBytes += c.length;
      if (outBytes > limit) return fail(tooLarge(inflater ? 'decompressed request body' : 'request body'));
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
      inflater.on('end', () => {
        if (done) return;
        done = true;
        resolve({ body: Buffer.concat(chunks, outBytes), wireBytes });
      });
      req.pipe(inflater);
    } else {
      req.on('data', onOut);
      req.on('end', () => {
        if (done) return;
        done = true;
        resolve({ body: Buffer.concat(chunks, outBytes), wireBytes });
      });
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
  const writer = opts.outDir ? new RotatingJsonlWriter({ dir: opts.outDir, maxFileBytes: opts.maxFileBytes, fsync: opts.fsync }) : null;
  if (writer) await writer.open();
  const live = new LiveWindow(opts.liveMaxSpans ?? 200_000, () => writer?.files ?? []);
  const listeners = new Set<(e: SpansEvent) => void>();
  const stats = { requests: 0, spansAccepted: 0, spansRejected: 0, errors: {} as Record<number, number>, bytesReceived: 0 };

  function send(res: http.ServerResponse, status: number, enc: Enc, body: Uint8Array | string, extra: Record<string, string> = {}) {
    const buf = typeof body === 'string' ? Buffer.from(body) : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
    res.writeHead(status, {
      'Content-Type': enc === 'json' ? 'application/json' : 'application/x-protobuf',
      'Content-Length': String(buf.length),
      ...extra,
    });
    res.end(buf);
  }

  async function sendError(req: http.IncomingMessage, res: http.ServerResponse, enc: Enc, err: HttpError, drain = true) {
    stats.errors[err.status] = (stats.errors[err.status] ?? 0) + 1;
    if (drain) await drainRequest(req, drainMs);
    if (res.headersSent || res.destroyed) return;
    const headers: Record<string, string> = { ...err.headers };
    const code = rpcCode(err.status);
    if (enc === 'protobuf') send(res, err.status, enc, encodeStatusProto(code, err.message), headers);
    else send(res, err.status, enc, JSON.stringify({ code, message: err.message }), headers);
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0]!;
    const requestEnc = mediaType(req.headers['content-type']);
    let enc: Enc = requestEnc ?? 'json';
    try {
      if (path !== TRACES_PATH) throw new HttpError(404, `not found: ${path} (this receiver accepts traces at POST ${TRACES_PATH})`);
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
      const { body, wireBytes } = await readBody(req, ce, limit);
      stats.bytesReceived += wireBytes;

      let line: Buffer;
      let request: unknown;
      let accepted: number;
      let rejected: number;
      let firstError: string;
      if (enc === 'json') {
        try {
          ({ line, request, accepted, rejected, firstError } = ingestJson(body));
        } catch (e) {
          if (e instanceof BadRequest) throw new HttpError(400, e.message);
          throw e;
        }
      } else {
        let conv;
        try {
          conv = decodeTraceRequestProto(body);
        } catch (e) {
          throw new HttpError(400, `invalid protobuf ExportTraceServiceRequest (${body.length} bytes): ${(e as Error).message}`);
        }
        ({ request, accepted, rejected, firstError } = conv);
        line = accepted > 0 ? Buffer.from(JSON.stringify(request)) : Buffer.alloc(0);
      }

      if (accepted > 0) {
        if (writer) {
          try {
            await writer.append(line);
          } catch (e) {
            throw new HttpError(503, `could not store spans: ${(e as Error).message}`, { 'Retry-After': '5' });
          }
        }
        live.add(line, accepted);
      }
      stats.requests++;
      stats.spansAccepted += accepted;
      stats.spansRejected += rejected;

      const partial = rejected > 0 ? { rejectedSpans: rejected, errorMessage: `rejected ${rejected} span(s); first: ${firstError}` } : undefined;
      if (enc === 'json') {
        send(res, 200, 'json', partial ? JSON.stringify({ partialSuccess: { rejectedSpans: String(rejected), errorMessage: partial.errorMessage } }) : '{}');
      } else {
        send(res, 200, 'protobuf', encodeTraceResponseProto(partial));
      }

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
    } catch (e) {
      if (res.headersSent) return;
      if (e instanceof HttpError) return sendError(req, res, enc, e);
      if (req.destroyed || (e as Error).message === 'client aborted the request') return;
      return sendError(req, res, enc, new HttpError(500, `internal error: ${(e as Error).message}`));
    }
  }

  const server = http.createServer(
    {
      requestTimeout,
      headersTimeout: Math.min(opts.headersTimeoutMs ?? 10_000, requestTimeout),
      keepAliveTimeout: 5_000,
      connectionsCheckingInterval: Math.max(100, Math.min(1_000, Math.floor(requestTimeout / 4))),
    },
    (req, res) => void handle(req, res),
  );
  // `Expect: 100-continue` (curl does it for bodies over 1 MiB): refuse an oversized body before it is sent
  server.on('checkContinue', (req, res) => {
    const declared = Number(req.headers['content-length'] ?? NaN);
    const path = (req.url ?? '/').split('?')[0]!;
    if (path === TRACES_PATH && req.method === 'POST' && Number.isFinite(declared) && declared > limit) {
      const err = new HttpError(413, `request body of ${declared} bytes exceeds the limit of ${limit} bytes; send smaller batches`);
      void sendError(req, res, mediaType(req.headers['content-type']) ?? 'json', err, false);
      return;
    }
    res.writeContinue();
    void handle(req, res);
  });
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
  return {
    url,
    endpoint: url + TRACES_PATH,
    host: addr.address,
    port: addr.port,
    stats: () => ({ ...stats, errors: { ...stats.errors }, files: [...(writer?.files ?? [])] }),
    onSpans(l) {
      listeners.add(l);
      return () => listeners.delete(l);
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
}
