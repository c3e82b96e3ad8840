/**
 * What the receiver's owner is told (h27): every failed OTLP/gRPC call is counted in stats().errors and onRefused —
 * also those grpc-js answers itself before our handler (a batch over the size limit from its length prefix or once
 * inflated, corrupt gzip, a method nobody serves); a gRPC exporter pointed at the HTTP port is told this receiver's
 * gRPC endpoint when the gRPC receiver is on; the live model reports malformed spans (a batch stored twice) as issues,
 * as a file does. With the REAL OpenTelemetry exporters (@opentelemetry/exporter-trace-otlp-grpc / -proto); every
 * server binds 127.0.0.1 on a free port.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { OTLPTraceExporter as GrpcExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { OTLPTraceExporter as ProtoExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { startReceiver, type Receiver, type RefusedEvent } from '../../../src/sources/receiver/server';
import { startGrpcReceiver, TRACE_EXPORT_PATH, type GrpcReceiver } from '../../../src/sources/receiver/grpc';
import { loadTraces } from '../../../src/sources/file';
import { refusedText } from '../../../src/extension/format-model';

const KiB = 1024;

/** `n` finished SDK spans, each with a `pad` attribute of `padBytes` (compresses to almost nothing). */
async function paddedSpans(n: number, padBytes: number): Promise<ReadableSpan[]> {
  const mem = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ resource: resourceFromAttributes({ 'service.name': 'padded' }), spanProcessors: [new SimpleSpanProcessor(mem)] });
  const tracer = provider.getTracer('t');
  for (let i = 0; i < n; i++) tracer.startSpan(`op-${i}`, { attributes: { pad: 'x'.repeat(padBytes) } }).end();
  await provider.forceFlush();
  const spans = mem.getFinishedSpans();
  await provider.shutdown();
  return spans;
}

/** One export through a real exporter: its result code (0 = success). */
function exportOnce(exporter: SpanExporter, spans: ReadableSpan[]): Promise<number> {
  return new Promise<number>((resolve) => exporter.export(spans, (r) => resolve(r.code))).finally(() => exporter.shutdown());
}

/** Wait (≤ 5 s) until `pred` holds over the refused events (`events()` read afresh each time). */
async function until(events: () => RefusedEvent[], pred: (e: RefusedEvent[]) => boolean): Promise<void> {
  for (let i = 0; i < 100 && !pred(events()); i++) await new Promise((r) => setTimeout(r, 50));
  assert.ok(pred(events()), JSON.stringify(events().map((e) => [e.status, e.grpcCode, e.message.slice(0, 80)])));
}

describe('OTLP/gRPC: refusals grpc-js answers itself are counted and shown', () => {
  let dir: string;
  let rx: Receiver;
  let g: GrpcReceiver;
  const refused: RefusedEvent[] = [];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'td-grpc-ref-'));
    rx = await startReceiver({ port: 0, outDir: join(dir, 'out'), maxBodyBytes: 64 * KiB });
    g = await startGrpcReceiver(rx, { port: 0 });
    rx.onRefused((e) => refused.push(e));
  });
  after(async () => {
    await g?.close(1000);
    await rx?.close(1000);
    rmSync(dir, { recursive: true, force: true });
  });

  it('a batch over the message limit from the real exporter (refused by grpc-js from its length prefix) → 413, onRefused with the method and the exporter', async () => {
    const from = refused.length;
    const before = rx.stats().errors[413] ?? 0;
    const code = await exportOnce(new GrpcExporter({ url: g.url, timeoutMillis: 5000 }), await paddedSpans(10, 20 * KiB));
    assert.notEqual(code, 0, 'the exporter is told it failed');
    await until(() => refused.slice(from), (e) => e.length >= 1);
    const e = refused[from]!;
    assert.equal(e.status, 413);
    assert.equal(e.grpcCode, grpc.status.RESOURCE_EXHAUSTED);
    assert.equal(e.path, TRACE_EXPORT_PATH);
    assert.match(e.message, /larger than max \(\d+ vs 65536\)/);
    assert.match(e.userAgent ?? '', /OTel-OTLP-Exporter-JavaScript/);
    assert.equal((rx.stats().errors[413] ?? 0) - before, refused.length - from, 'every refusal counted once (the exporter does not retry RESOURCE_EXHAUSTED)');
    assert.match(refusedText(e), /^gRPC RESOURCE_EXHAUSTED: .*larger than max .*\(gRPC \/opentelemetry\.proto\.collector\.trace\.v1\.TraceService\/Export, Content-Type application\/grpc, from OTel-OTLP-Exporter-JavaScript/);
  });

  it('a gzip batch that inflates past the limit (real exporter, compression gzip) → 413 counted', async () => {
    const from = refused.length;
    const code = await exportOnce(new GrpcExporter({ url: g.url, compression: 'gzip' as never, timeoutMillis: 5000 }), await paddedSpans(10, 20 * KiB));
    assert.notEqual(code, 0);
    await until(() => refused.slice(from), (e) => e.length >= 1);
    assert.equal(refused[from]!.status, 413);
    assert.match(refused[from]!.message, /decompresses to a size larger than 65536/);
  });

  it('corrupt gzip (grpc-js: INTERNAL "Failed to decompress message") → counted as bad data (400)', async () => {
    const from = refused.length;
    const before = rx.stats().errors[400] ?? 0;
    const session = http2.connect(g.url);
    session.on('error', () => {});
    const stream = session.request({ ':method': 'POST', ':path': TRACE_EXPORT_PATH, 'content-type': 'application/grpc', te: 'trailers', 'grpc-encoding': 'gzip' });
    const status = new Promise<string>((resolve) => {
      const take = (h: http2.IncomingHttpHeaders) => h['grpc-status'] !== undefined && resolve(String(h['grpc-status']));
      stream.on('response', take);
      stream.on('trailers', take);
    });
    stream.on('data', () => {});
    stream.on('error', () => {});
    const msg = Buffer.from('not gzip at all, not even close');
    const head = Buffer.alloc(5);
    head.writeUInt8(1, 0);
    head.writeUInt32BE(msg.length, 1);
    stream.end(Buffer.concat([head, msg]));
    assert.equal(await status, String(grpc.status.INTERNAL));
    session.destroy();
    await until(() => refused.slice(from), (e) => e.length >= 1);
    assert.equal(refused[from]!.status, 400);
    assert.equal(refused[from]!.grpcCode, grpc.status.INTERNAL);
    assert.match(refused[from]!.message, /Failed to decompress/);
    assert.equal((rx.stats().errors[400] ?? 0) - before, 1);
  });

  it('a method nobody serves (a health check): grpc-js answers UNIMPLEMENTED before any handler; counted within a second, without asking stats()', async () => {
    const from = refused.length;
    const client = new grpc.Client(g.url.replace(/^http:\/\//, ''), grpc.credentials.createInsecure());
    const code = await new Promise<number>((resolve) =>
      client.makeUnaryRequest('/grpc.health.v1.Health/Check', (b: Buffer) => b, (b: Buffer) => b, Buffer.alloc(0), (err) => resolve(err ? err.code : 0)),
    );
    client.close();
    assert.equal(code, grpc.status.UNIMPLEMENTED);
    await until(() => refused.slice(from), (e) => e.length >= 1); // the extension's counter listens to onRefused
    assert.equal(refused.length - from, 1);
    assert.equal(refused[from]!.status, 404);
    assert.equal(refused[from]!.grpcCode, grpc.status.UNIMPLEMENTED);
    assert.match(refusedText(refused[from]!), /^gRPC UNIMPLEMENTED: The server does not implement the method \(grpc-js answered/);
  });

  it('a valid export is no refusal; a stream reset mid-message is counted once, as the Export call it was — never as an unknown method', async () => {
    const before = { ...rx.stats().errors };
    const from = refused.length;
    assert.equal(await exportOnce(new GrpcExporter({ url: g.url }), await paddedSpans(3, 100)), 0);
    assert.deepEqual(rx.stats().errors, before);
    // a client that gives up half-way: the prefix announces 10 bytes, none follow, then RST_STREAM CANCEL (grpc-js sees the
    // stream end without a message and answers it; channelz counts that call failed — the reconciliation must not count it again)
    const session = http2.connect(g.url);
    session.on('error', () => {});
    const st = session.request({ ':method': 'POST', ':path': TRACE_EXPORT_PATH, 'content-type': 'application/grpc', te: 'trailers' });
    st.on('error', () => {});
    st.write(Buffer.from([0, 0, 0, 0, 10]));
    await new Promise((r) => setTimeout(r, 100));
    st.close(http2.constants.NGHTTP2_CANCEL);
    await new Promise((r) => setTimeout(r, 1500)); // past a poll of the channelz counters
    session.destroy();
    const after = rx.stats().errors;
    const added = Object.keys(after).reduce((n, k) => n + (after[+k]! - (before[+k] ?? 0)), 0);
    assert.ok(added <= 1, JSON.stringify({ before, after }));
    assert.equal(refused.length - from, added);
    for (const e of refused.slice(from)) assert.equal(e.path, TRACE_EXPORT_PATH, e.message);
  });
});

describe('a gRPC exporter pointed at the OTLP/HTTP port is told the gRPC endpoint (when the gRPC receiver is on)', () => {
  let dir: string;
  let rx: Receiver;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'td-h2-'));
    rx = await startReceiver({ port: 0, outDir: join(dir, 'out') });
  });
  after(async () => {
    await rx?.close(1000);
    rmSync(dir, { recursive: true, force: true });
  });

  async function grpcAtHttpPort(): Promise<RefusedEvent> {
    const seen: RefusedEvent[] = [];
    const off = rx.onRefused((e) => seen.push(e));
    const code = await exportOnce(new GrpcExporter({ url: rx.url, timeoutMillis: 1500 }), await paddedSpans(1, 10));
    off();
    assert.notEqual(code, 0);
    assert.ok(seen.length >= 1);
    return seen[0]!;
  }

  it('on: OTEL_EXPORTER_OTLP_ENDPOINT=<this receiver\'s gRPC URL>; off: says it is off and how to turn it on', async () => {
    const g = await startGrpcReceiver(rx, { port: 0 });
    const on = await grpcAtHttpPort();
    assert.equal(on.status, 400);
    assert.match(on.message, /an HTTP\/2 request \(a gRPC exporter\?\): this port speaks OTLP over HTTP\/1\.1 — set the exporter's protocol to http\/protobuf or http\/json \(OTEL_EXPORTER_OTLP_PROTOCOL\), or send grpc to this receiver's OTLP\/gRPC port: OTEL_EXPORTER_OTLP_ENDPOINT=http:\/\/127\.0\.0\.1:(\d+)$/);
    assert.equal(on.message.match(/:(\d+)$/)![1], String(g.port));
    await g.close(1000);
    const off = await grpcAtHttpPort();
    assert.match(off.message, /or send grpc to the OTLP\/gRPC port \(this receiver's is off: trace-doctor serve --grpc-port 4317, setting traceDoctor\.receiver\.grpcPort\)$/);
  });
});

describe('the live model reports malformed spans as issues, as a file does', () => {
  it('a batch the exporter sent twice (a retry after a lost answer): duplicate span ids in snapshot().issues and in loadTraces of the written files', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'td-live-anom-'));
    const rx = await startReceiver({ port: 0, outDir: join(dir, 'out') });
    try {
      const spans = await paddedSpans(4, 10);
      assert.equal(await exportOnce(new ProtoExporter({ url: rx.endpoint }), spans), 0);
      const clean = rx.snapshot();
      assert.equal(clean.spans, 4);
      assert.deepEqual(clean.issues, []);
      assert.equal(await exportOnce(new ProtoExporter({ url: rx.endpoint }), spans), 0);
      const snap = rx.snapshot();
      assert.equal(snap.spans, 8);
      const live = snap.issues.filter((i) => /trace and span id of an earlier span/.test(i.message));
      assert.equal(live.length, 1, JSON.stringify(snap.issues));
      assert.match(live[0]!.message, /^4 spans with the trace and span id of an earlier span \(first: span [0-9a-f]{16} in trace [0-9a-f]{32}\); children attach to the first span with that id$/);
      assert.equal(live[0]!.file, 'live (OTLP/HTTP receiver)');
      assert.equal(live[0]!.severity, 'warning');
      // the same words as the files the receiver wrote, read back
      await rx.close(1000);
      const files = await loadTraces(rx.stats().files as string[]);
      assert.deepEqual(files.issues.map((i) => i.message), live.map((i) => i.message));
    } finally {
      await rx.close(1000);
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
