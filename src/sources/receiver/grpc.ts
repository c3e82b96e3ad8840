/**
 * OTLP/gRPC trace receiver beside the OTLP/HTTP one (./server.ts), per the OTLP/gRPC specification:
 *
 *   opentelemetry.proto.collector.trace.v1.TraceService/Export (unary), ExportTraceServiceRequest → ExportTraceServiceResponse
 *   OK                  the response, with partialSuccess {rejectedSpans, errorMessage} when spans were rejected
 *   INVALID_ARGUMENT    the message is not a valid ExportTraceServiceRequest, or nests attribute values too deep
 *   RESOURCE_EXHAUSTED  the message (or its gzip/deflate decompression) is over maxBodyBytes — grpc-js refuses it from
 *                       the 5-byte length prefix, or while inflating, before it is held whole — or over a decoded-work
 *                       limit (spans, attributes; ./limits.ts). Sent without RetryInfo, so exporters do not retry it.
 *   UNAVAILABLE         storing failed (a full disk) or the receiver holds too many request bodies: exporters retry
 *   UNIMPLEMENTED       the OTLP metrics, logs and profiles services: an SDK pointed at this port with one
 *                       OTEL_EXPORTER_OTLP_ENDPOINT sends every signal here — refused with a message naming the
 *                       signal and the setting, and counted and shown like every refused request. Any other service or
 *                       method: grpc-js answers UNIMPLEMENTED before the receiver sees the call
 *
 * Every failed call is counted in the receiver's stats().errors and told to its onRefused listeners, also those grpc-js
 * answers itself: a server interceptor sees the status each call of ours ends with — from our handlers, or from
 * grpc-js before them (a message over the limit from its length prefix or while inflating, corrupt gzip, a deadline) —
 * and a call to a method nobody serves (grpc-js answers before any interceptor) is found in the server's channelz
 * counters (calls failed, less those the interceptor saw), checked every second and before stats() answers.
 *
 * The server is @grpc/grpc-js with raw-bytes (identity) serializers: the request bytes go through the receiver's one
 * ingest path (`ingestPathOf(rx).ingest`, the same wire scan, protobufjs decoder, storage, live window, stats and
 * onSpans listeners as POST /v1/traces with application/x-protobuf). No second decoder.
 *
 * Transport: plaintext HTTP/2 (insecure credentials), bound to 127.0.0.1 unless a host is given — loopback only, like
 * the HTTP receiver. No Host/Origin check is needed: browsers cannot speak HTTP/2 without TLS, so a web page (DNS
 * rebinding) cannot reach a plaintext gRPC port; grpc-js refuses HTTP/1.1 connections.
 */
import * as grpc from '@grpc/grpc-js';
import { encodeTraceResponseProto } from './proto';
import { HttpError, ingestPathOf, internalError, type Receiver } from './server';

export const DEFAULT_GRPC_PORT = 4317;
export const TRACE_EXPORT_PATH = '/opentelemetry.proto.collector.trace.v1.TraceService/Export';

/** The other OTLP signals' Export methods: refused with UNIMPLEMENTED, telling the sender which setting sends them here. */
const OTHER_SIGNALS: { path: string; signal: 'metrics' | 'logs' | 'profiles' }[] = [
  { path: '/opentelemetry.proto.collector.metrics.v1.MetricsService/Export', signal: 'metrics' },
  { path: '/opentelemetry.proto.collector.logs.v1.LogsService/Export', signal: 'logs' },
  { path: '/opentelemetry.proto.collector.profiles.v1development.ProfilesService/Export', signal: 'profiles' },
];

export interface GrpcReceiverOptions {
  /** interface to bind; default 127.0.0.1 (loopback only) */
  host?: string;
  /** default 4317 (the OTLP/gRPC port); 0 = any free port */
  port?: number;
  /** HTTP/2 streams one connection may have open at once (default 32); each may hold one message of maxBodyBytes */
  maxConcurrentStreams?: number;
}

export interface GrpcReceiver {
  /** http://host:port — what OTEL_EXPORTER_OTLP_ENDPOINT (or …_TRACES_ENDPOINT) is set to for a gRPC exporter */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  /** stop accepting, let in-flight calls finish (up to graceMs), then close every connection */
  close(graceMs?: number): Promise<void>;
}

/** The gRPC port could not be bound (in use, not permitted…): the message names the port and how to change it. */
export class GrpcBindError extends Error {
  constructor(
    message: string,
    readonly code: string | undefined,
    readonly port: number,
  ) {
    super(message);
  }
}

/**
 * The HTTP status a failed call is counted under in stats().errors (the receiver counts both transports by HTTP
 * status): the inverse of grpcStatusFor, plus grpc-js's own answers — corrupt gzip/deflate is INTERNAL "Failed to
 * decompress message" there, bad data (400) here; a deadline that passed is 408, as for a slow HTTP client.
 */
export function httpStatusOf(code: grpc.status, details: string): number {
  switch (code) {
    case grpc.status.INVALID_ARGUMENT:
      return 400;
    case grpc.status.RESOURCE_EXHAUSTED:
      return 413;
    case grpc.status.UNAVAILABLE:
      return 503;
    case grpc.status.UNIMPLEMENTED:
      return 404;
    case grpc.status.DEADLINE_EXCEEDED:
      return 408;
    case grpc.status.INTERNAL:
      return /^Failed to decompress/.test(details) ? 400 : 500;
    default:
      return 500;
  }
}

/** What a call to a method nobody serves was told (grpc-js's words), for the count found in channelz. */
const UNSERVED =
  'The server does not implement the method (grpc-js answered UNIMPLEMENTED before the receiver saw the call: a method ' +
  'other than TraceService/Export and the other signals\' Export — a health check or reflection client? — or a request ' +
  'that is not gRPC)';

function grpcStatusFor(httpStatus: number): grpc.status {
  switch (httpStatus) {
    case 400:
      return grpc.status.INVALID_ARGUMENT;
    case 413:
      return grpc.status.RESOURCE_EXHAUSTED;
    case 503:
      return grpc.status.UNAVAILABLE;
    default:
      return grpc.status.INTERNAL;
  }
}

const identity = (b: Buffer): Buffer => b;

/**
 * Start an OTLP/gRPC server feeding `rx` (a receiver from startReceiver). Its maximum message size is the receiver's
 * maxBodyBytes (compressed and decompressed). Closing `rx` does not close this server: close it first.
 */
export async function startGrpcReceiver(rx: Receiver, opts: GrpcReceiverOptions = {}): Promise<GrpcReceiver> {
  const path = ingestPathOf(rx);
  const host = opts.host ?? '127.0.0.1';
  const port = opts.port ?? DEFAULT_GRPC_PORT;
  const limit = path.maxBodyBytes;
  /** calls that went through the interceptor and failed: what channelz counts as failed among them */
  let failedSeen = 0;
  /** failed calls found in channelz that the interceptor never saw (unknown methods), already counted */
  let unservedCounted = 0;
  /**
   * Sees every call to a method we serve, wrapping the status the call ends with: ours (the handlers answer through
   * it) and grpc-js's own, sent from inside the call before a handler has the message. Each failed status is counted
   * once, with the method, the gRPC code and the client's user agent; a call the client gave up on before any answer
   * (no status) is no refusal, but channelz counts it as failed, so it is remembered for the reconciliation below.
   */
  const counting: grpc.ServerInterceptor = (method, call) => {
    let userAgent: string | undefined;
    let ended = false;
    const send = call.sendStatus.bind(call);
    call.sendStatus = (status) => {
      if (!ended) {
        ended = true;
        if (status.code !== grpc.status.OK) {
          failedSeen++;
          const details = status.details ?? '';
          path.refuse(httpStatusOf(status.code, details), details, {
            method: 'gRPC',
            path: method.path,
            contentType: 'application/grpc',
            ...(userAgent ? { userAgent } : {}),
            grpcCode: status.code,
          });
        }
      }
      send(status);
    };
    return new grpc.ServerInterceptingCall(call, {
      start: (next) =>
        next({
          onReceiveMetadata: (md, nextMd) => {
            const ua = md.get('user-agent')[0];
            if (typeof ua === 'string') userAgent = ua.slice(0, 200);
            nextMd(md);
          },
          onCancel: () => {
            if (!ended) {
              ended = true;
              failedSeen++;
            }
          },
        }),
    });
  };
  const server = new grpc.Server({
    'grpc.max_receive_message_length': limit,
    'grpc.max_send_message_length': 1024 * 1024,
    'grpc.max_concurrent_streams': opts.maxConcurrentStreams ?? 32,
    interceptors: [counting],
  });
  const channelz = grpc.getChannelzHandlers();
  /** Count the calls grpc-js failed before any interceptor (unknown methods, not gRPC): channelz's failed calls less ours. */
  const sync = () => {
    channelz.GetServer({ request: { server_id: String(server.getChannelzRef().id) } } as never, (err, res) => {
      const failed = Number(res?.server?.data?.calls_failed ?? NaN);
      if (err || !Number.isFinite(failed)) return;
      const unserved = failed - failedSeen - unservedCounted;
      for (let i = 0; i < unserved; i++) {
        unservedCounted++;
        path.refuse(404, UNSERVED, { method: 'gRPC', contentType: 'application/grpc', grpcCode: grpc.status.UNIMPLEMENTED });
      }
    });
  };
  // refusals are counted by the interceptor below, from the status the call ends with
  const exportHandler: grpc.handleUnaryCall<Buffer, Buffer> = (call, callback) => {
    const body = call.request;
    const fail = (err: HttpError) => callback({ code: grpcStatusFor(err.status), details: err.message });
    const busy = path.reserve(body.length);
    if (busy) return fail(busy);
    path
      .ingest(body, 'protobuf', body.length)
      .then(
        (r) => callback(null, Buffer.from(encodeTraceResponseProto(r.partial))),
        (e: unknown) => {
          fail(e instanceof HttpError ? e : internalError(e));
        },
      )
      .finally(() => path.release(body.length));
  };

  server.addService(
    {
      Export: {
        path: TRACE_EXPORT_PATH,
        requestStream: false,
        responseStream: false,
        requestSerialize: identity,
        requestDeserialize: identity,
        responseSerialize: identity,
        responseDeserialize: identity,
        originalName: 'export',
      },
    } as grpc.ServiceDefinition,
    { Export: exportHandler },
  );

  for (const o of OTHER_SIGNALS) {
    const env = o.signal.toUpperCase();
    const message =
      `this receiver takes traces only: ${o.signal} are not stored — point OTEL_EXPORTER_OTLP_${env}_ENDPOINT elsewhere, ` +
      `or set OTEL_${env}_EXPORTER=none`;
    const handler: grpc.handleUnaryCall<Buffer, Buffer> = (_call, callback) => callback({ code: grpc.status.UNIMPLEMENTED, details: message });
    server.addService(
      { Export: { path: o.path, requestStream: false, responseStream: false, requestSerialize: identity, requestDeserialize: identity, responseSerialize: identity, responseDeserialize: identity, originalName: 'export' } } as grpc.ServiceDefinition,
      { Export: handler },
    );
  }

  const target = host.includes(':') && !host.startsWith('[') ? `[${host}]:${port}` : `${host}:${port}`;
  const bound = await new Promise<number>((resolve, reject) => {
    server.bindAsync(target, grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p)));
  }).catch((e: Error) => {
    server.forceShutdown();
    const text = e.message;
    const code = /EADDRINUSE/.test(text) ? 'EADDRINUSE' : /EACCES/.test(text) ? 'EACCES' : /EADDRNOTAVAIL/.test(text) ? 'EADDRNOTAVAIL' : undefined;
    const why =
      code === 'EADDRINUSE'
        ? `port ${port} on ${host} is already in use (another OTLP/gRPC receiver, e.g. a Collector?)`
        : code === 'EACCES'
          ? `binding port ${port} on ${host} is not permitted`
          : `cannot bind ${target}: ${text}`;
    throw new GrpcBindError(`OTLP/gRPC receiver: ${why}`, code, port);
  });
  const urlHost = host.includes(':') ? `[${host.replace(/^\[|\]$/g, '')}]` : host;
  const url = `http://${urlHost}:${bound}`;
  path.attachGrpc({ url, sync });
  const poll = setInterval(sync, 1000);
  poll.unref();

  let closing: Promise<void> | null = null;
  return {
    url,
    host,
    port: bound,
    close(graceMs = 5_000) {
      if (closing) return closing;
      sync(); // channelz forgets the server once it shuts down
      closing = new Promise<void>((resolve) => {
        const done = () => {
          clearInterval(poll);
          sync();
          path.attachGrpc(null);
          resolve();
        };
        const t = setTimeout(() => {
          server.forceShutdown();
          done();
        }, graceMs);
        t.unref();
        server.tryShutdown(() => {
          clearTimeout(t);
          done();
        });
      });
      return closing;
    },
  };
}
