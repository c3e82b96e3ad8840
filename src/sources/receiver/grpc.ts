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
 *                       method: grpc-js answers UNIMPLEMENTED before the receiver sees the call (not counted)
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
  const server = new grpc.Server({
    'grpc.max_receive_message_length': limit,
    'grpc.max_send_message_length': 1024 * 1024,
    'grpc.max_concurrent_streams': opts.maxConcurrentStreams ?? 32,
  });

  const infoOf = (call: grpc.ServerUnaryCall<Buffer, Buffer>, path: string) => ({
    method: 'gRPC',
    path,
    contentType: 'application/grpc',
    ...(() => {
      const ua = call.metadata.get('user-agent')[0];
      return typeof ua === 'string' ? { userAgent: ua.slice(0, 200) } : {};
    })(),
  });
  const exportHandler: grpc.handleUnaryCall<Buffer, Buffer> = (call, callback) => {
    const body = call.request;
    const info = infoOf(call, TRACE_EXPORT_PATH);
    const fail = (err: HttpError) => {
      const code = grpcStatusFor(err.status);
      path.refuse(err.status, err.message, { ...info, grpcCode: code });
      callback({ code, details: err.message });
    };
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
    const handler: grpc.handleUnaryCall<Buffer, Buffer> = (call, callback) => {
      path.refuse(404, message, { ...infoOf(call, o.path), grpcCode: grpc.status.UNIMPLEMENTED });
      callback({ code: grpc.status.UNIMPLEMENTED, details: message });
    };
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

  let closing: Promise<void> | null = null;
  return {
    url,
    host,
    port: bound,
    close(graceMs = 5_000) {
      if (closing) return closing;
      closing = new Promise<void>((resolve) => {
        const t = setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, graceMs);
        t.unref();
        server.tryShutdown(() => {
          clearTimeout(t);
          resolve();
        });
      });
      return closing;
    },
  };
}
