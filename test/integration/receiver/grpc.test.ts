/**
 * The OTLP/gRPC receiver (src/sources/receiver/grpc.ts) against the REAL @opentelemetry/exporter-trace-otlp-grpc with
 * @opentelemetry/sdk-trace-node (plain and gzip), and hostile calls (garbage, oversized, gzip bombs, decoded-work
 * bombs, unknown methods) each answered with the OTLP/gRPC status while the server keeps serving. Every server binds
 * 127.0.0.1 on a free port and is closed in `after`.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import net from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import zlib from 'node:zlib';
import * as grpc from '@grpc/grpc-js';
import { OTLPTraceExporter as GrpcExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { emitGrpc } from './grpc-emit';
import { OTLPTraceExporter as ProtoExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import type { SpanExporter } from '@opentelemetry/sdk-trace-base';
import { startReceiver, type Receiver, type RefusedEvent, type SpansEvent } from '../../../src/sources/receiver/server';
import { GrpcBindError, startGrpcReceiver, TRACE_EXPORT_PATH, type GrpcReceiver } from '../../../src/sources/receiver/grpc';
import { decodeTraceResponseProto } from '../../../src/sources/receiver/proto';
import { refusedText } from '../../../src/extension/format-model';
import { protoAttributeBomb, protoDeepAttribute, protoEmptySpans } from '../../../bench/hostile-payloads.mjs';
import { flattenRequests, protoBody, readJsonl, richSpans, sdkSpans, withTraceId } from './helpers';

const MiB = 1024 * 1024;
const identity = (b: Buffer) => b;

/** A unary call with raw bytes through a grpc-js client (optionally gzip-compressed by grpc-js). */
function call(url: string, path: string, body: Buffer, gzip = false): Promise<{ code: number; details: string; body?: Buffer }> {
  const client = new grpc.Client(url.replace(/^http:\/\//, ''), grpc.credentials.createInsecure(), gzip ? { 'grpc.default_compression_algorithm': 2 } : {});
  return new Promise((resolve) => {
    client.makeUnaryRequest(path, identity, identity, body, new grpc.Metadata(), { deadline: Date.now() + 20_000 }, (err, res) => {
      client.close();
      if (err) resolve({ code: err.code, details: err.details });
      else resolve({ code: grpc.status.OK, details: '', body: res });
    });
  });
}

/**
 * A call written by hand on HTTP/2 (node:http2), for what a grpc-js client will not send: a compressed flag on bytes
 * we gzipped ourselves (a bomb), a length prefix larger than what follows. `end: false` leaves the stream open.
 */
function rawCall(url: string, frame: Buffer, opts: { encoding?: string; end?: boolean } = {}): Promise<{ code: number; message: string; ms: number }> {
  const t0 = Date.now();
  return new Promise((resolve, reject) => {
    const session = http2.connect(url);
    session.on('error', reject);
    const headers: http2.OutgoingHttpHeaders = { ':method': 'POST', ':path': TRACE_EXPORT_PATH, 'content-type': 'application/grpc', te: 'trailers' };
    if (opts.encoding) headers['grpc-encoding'] = opts.encoding;
    const stream = session.request(headers);
    let status: { code: number; message: string } | null = null;
    // resolve on the status (the stream may still be open on our side, e.g. after `end: false`), then drop it
    const take = (h: http2.IncomingHttpHeaders) => {
      if (h['grpc-status'] === undefined || status) return;
      status = { code: Number(h['grpc-status']), message: decodeURIComponent(String(h['grpc-message'] ?? '')) };
      resolve({ ...status, ms: Date.now() - t0 });
      stream.close();
      session.destroy();
    };
    stream.on('response', take);
    stream.on('trailers', take);
    stream.on('data', () => {});
    stream.on('error', () => {});
    stream.on('close', () => {
      session.destroy();
      if (!status) reject(new Error('no grpc-status'));
    });
    stream.write(frame);
    if (opts.end !== false) stream.end();
  });
}

function frame(message: Buffer, compressed = false, declaredLength = message.length): Buffer {
  const head = Buffer.alloc(5);
  head.writeUInt8(compressed ? 1 : 0, 0);
  head.writeUInt32BE(declaredLength, 1);
  return Buffer.concat([head, message]);
}

describe('OTLP/gRPC receiver', () => {
  let dir: string;
  let rx: Receiver;
  let g: GrpcReceiver;
  const events: SpansEvent[] = [];
  const refused: RefusedEvent[] = [];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'td-grpc-'));
    rx = await startReceiver({ port: 0, outDir: join(dir, 'out'), maxBodyBytes: 4 * MiB, limits: { maxSpans: 5_000 } });
    g = await startGrpcReceiver(rx, { port: 0 });
    rx.onSpans((e) => events.push(e));
    rx.onRefused((e) => refused.push(e));
  });
  after(async () => {
    await g?.close(1000);
    await rx?.close(1000);
    rmSync(dir, { recursive: true, force: true });
  });

  /** a valid export still succeeds (the server kept serving) */
  async function stillServes() {
    const spans = await sdkSpans(1);
    const r = await call(g.url, TRACE_EXPORT_PATH, protoBody(spans));
    assert.equal(r.code, grpc.status.OK, `a valid export after that: ${r.details}`);
  }

  it('binds 127.0.0.1 by default, on its own port', () => {
    assert.equal(g.host, '127.0.0.1');
    assert.match(g.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.notEqual(g.port, rx.port);
  });

  for (const gzip of [false, true]) {
    it(`the real OTLP/gRPC exporter (sdk-trace-node${gzip ? ', gzip' : ''}): spans arrive intact in the files, the onSpans events and the live model`, async () => {
      const service = `grpc-${gzip ? 'gz' : 'plain'}`;
      const before = events.length;
      const r = await emitGrpc(g.url, service, 20, gzip);
      assert.equal(r.failed, 0, 'the exporter reported failures');
      assert.equal(r.ok, 40);
      const check = (stored: ReturnType<typeof flattenRequests>) => {
        const mine = new Map(stored.filter((s) => s.service === service).map((s) => [s.traceId + s.spanId, s]));
        assert.equal(mine.size, 40);
        for (const e of r.spans) {
          const s = mine.get(e.traceId + e.spanId);
          assert.ok(s, `span ${e.name} ${e.spanId} missing`);
          assert.equal(s.name, e.name);
          assert.equal(s.parentSpanId, e.parentSpanId, `parent of ${e.name}`);
          assert.deepEqual(s.attributes, e.attributes, `attributes of ${e.name}`);
        }
        const db = [...mine.values()].find((s) => s.name === 'UPDATE accounts' && s.status.code === 2)!;
        assert.equal(db.kind, 3);
        assert.equal(db.status.message, 'deadlock');
        assert.deepEqual(db.events, [{ name: 'rows', attributes: { count: 1 } }]);
      };
      check(flattenRequests(readJsonl(rx.stats().files)));
      const mine = events.slice(before);
      check(flattenRequests(mine.map((e) => e.request)));
      assert.ok(mine.every((e) => e.encoding === 'protobuf'));
      // the live model: the same snapshot path as HTTP, parents resolved
      const snap = rx.snapshot();
      const names = new Set<string>();
      for (let i = 0; i < snap.model.size; i++) names.add(snap.model.name(i));
      assert.ok(names.has('POST /pay/:id') && names.has('UPDATE accounts'));
    });
  }

  it('stores exactly what OTLP/HTTP protobuf stores for the same spans (one decoder)', async () => {
    const spans = await richSpans();
    const viaHttp = await startReceiver({ port: 0, outDir: join(dir, 'http') });
    try {
      const grpcBefore = events.length;
      const httpLines: unknown[] = [];
      viaHttp.onSpans((e) => httpLines.push(e.request));
      const exportWith = (exp: SpanExporter) =>
        new Promise<number>((resolve) => exp.export(spans, (res) => resolve(res.code))).finally(() => exp.shutdown());
      assert.equal(await exportWith(new GrpcExporter({ url: g.url })), 0);
      assert.equal(await exportWith(new ProtoExporter({ url: viaHttp.endpoint })), 0);
      const grpcLines = events.slice(grpcBefore).map((e) => e.request);
      assert.equal(grpcLines.length, 1);
      assert.deepEqual(grpcLines, httpLines);
      assert.deepEqual(readJsonl(viaHttp.stats().files), [httpLines[0]].map((x) => JSON.parse(JSON.stringify(x))));
    } finally {
      await viaHttp.close(1000);
    }
  });

  it('rejected spans → OK with partialSuccess; only the good spans are stored', async () => {
    const spans = await sdkSpans(1);
    const bad = withTraceId(spans[0]!, '0'.repeat(32));
    const r = await call(g.url, TRACE_EXPORT_PATH, protoBody([bad, ...spans.slice(1)]));
    assert.equal(r.code, grpc.status.OK);
    const resp = decodeTraceResponseProto(r.body!);
    assert.equal(resp.partialSuccess?.rejectedSpans, 1);
    assert.match(resp.partialSuccess!.errorMessage, /traceId is all zeros/);
  });

  it('garbage → INVALID_ARGUMENT with a clear message; the server keeps serving', async () => {
    const before = refused.length;
    const r = await call(g.url, TRACE_EXPORT_PATH, Buffer.from('this is not protobuf at all \xff\xff\xff\xff\xff\xff'));
    assert.equal(r.code, grpc.status.INVALID_ARGUMENT, r.details);
    assert.match(r.details, /^invalid protobuf ExportTraceServiceRequest .*OTLP has no groups/);
    // counted like an HTTP refusal, with the gRPC code
    const e = refused.slice(before);
    assert.equal(e.length, 1);
    assert.equal(e[0]!.grpcCode, grpc.status.INVALID_ARGUMENT);
    assert.equal(e[0]!.status, 400);
    // and the extension tells it by its gRPC status (the output channel, the status bar, the first one's notification)
    assert.match(refusedText(e[0]!), /^gRPC INVALID_ARGUMENT: invalid protobuf ExportTraceServiceRequest .* \(gRPC \/opentelemetry\.proto\.collector\.trace\.v1\.TraceService\/Export, Content-Type application\/grpc, from grpc-node-js\//);
    await stillServes();
  });

  it('attribute values nested deeper than maxDepth → INVALID_ARGUMENT (the same wire scan as HTTP)', async () => {
    const r = await call(g.url, TRACE_EXPORT_PATH, protoDeepAttribute(40));
    assert.equal(r.code, grpc.status.INVALID_ARGUMENT, r.details);
    assert.match(r.details, /nest/i);
    await stillServes();
  });

  it('a message over maxBodyBytes → RESOURCE_EXHAUSTED from its length prefix, before the body is sent', async (t) => {
    // the prefix announces 100 MiB; only 1 KiB follows and the stream stays open: the answer cannot wait for the rest
    const r = await rawCall(g.url, frame(Buffer.alloc(1024), false, 100 * MiB), { end: false });
    assert.equal(r.code, grpc.status.RESOURCE_EXHAUSTED, r.message);
    assert.match(r.message, /larger than max \(104857600 vs 4194304\)/);
    t.diagnostic(`a 100 MiB length prefix with 1 KiB sent: RESOURCE_EXHAUSTED in ${r.ms} ms`);
    // and a real 5 MiB message from a grpc-js client
    const big = await call(g.url, TRACE_EXPORT_PATH, Buffer.alloc(5 * MiB));
    assert.equal(big.code, grpc.status.RESOURCE_EXHAUSTED, big.details);
    await stillServes();
  });

  it('a gzip bomb → RESOURCE_EXHAUSTED while inflating (the decompressed size is bounded by maxBodyBytes)', async (t) => {
    const bomb = zlib.gzipSync(Buffer.alloc(512 * MiB), { level: 9 }); // ~510 KB on the wire
    assert.ok(bomb.length < 1 * MiB);
    const rss0 = process.memoryUsage().rss;
    const r = await rawCall(g.url, frame(bomb, true), { encoding: 'gzip' });
    assert.equal(r.code, grpc.status.RESOURCE_EXHAUSTED, r.message);
    assert.match(r.message, /decompresses to a size larger than 4194304/);
    const grew = process.memoryUsage().rss - rss0;
    assert.ok(grew < 128 * MiB, `RSS grew by ${(grew / MiB).toFixed(0)} MiB for a 512 MiB bomb`);
    t.diagnostic(`gzip bomb of ${bomb.length} bytes inflating to 512 MiB: RESOURCE_EXHAUSTED in ${r.ms} ms, RSS +${(grew / MiB).toFixed(1)} MiB`);
    await stillServes();
  });

  it('corrupt gzip → grpc-js answers INTERNAL (not retried by exporters); the server keeps serving', async () => {
    const r = await rawCall(g.url, frame(Buffer.from('not gzip at all, not even close'), true), { encoding: 'gzip' });
    assert.equal(r.code, grpc.status.INTERNAL, r.message);
    assert.match(r.message, /Failed to decompress/);
    await stillServes();
  });

  it('a gzip-compressed message within the limits is accepted (grpc-encoding gzip)', async () => {
    const spans = await sdkSpans(3);
    const r = await call(g.url, TRACE_EXPORT_PATH, protoBody(spans), true);
    assert.equal(r.code, grpc.status.OK, r.details);
  });

  it('decoded-work bombs are bounded by the same limits as HTTP → RESOURCE_EXHAUSTED naming the limit', async () => {
    // 2 million empty attributes on one span: 4 MB raw, ~4 KB gzipped; refused after 1,025 attributes
    const attrs = await call(g.url, TRACE_EXPORT_PATH, protoAttributeBomb(1_900_000), true);
    assert.equal(attrs.code, grpc.status.RESOURCE_EXHAUSTED, attrs.details);
    assert.match(attrs.details, /1,024 \(maxAttributesPerSpan\)/);
    // 6,000 empty spans over this receiver's maxSpans of 5,000
    const spans = await call(g.url, TRACE_EXPORT_PATH, protoEmptySpans(6_000));
    assert.equal(spans.code, grpc.status.RESOURCE_EXHAUSTED, spans.details);
    assert.match(spans.details, /5,000 \(maxSpans\)/);
    await stillServes();
  });

  it('other services and methods → UNIMPLEMENTED; a method nobody serves (grpc-js answers it) is counted too (h27)', async () => {
    const before = rx.stats().errors[404] ?? 0;
    for (const path of ['/opentelemetry.proto.collector.metrics.v1.MetricsService/Export', '/opentelemetry.proto.collector.trace.v1.TraceService/Nope']) {
      const r = await call(g.url, path, Buffer.alloc(0));
      assert.equal(r.code, grpc.status.UNIMPLEMENTED, `${path}: ${r.details}`);
    }
    // the second never reaches a handler or an interceptor: found in the server's channelz counters by stats()
    assert.equal((rx.stats().errors[404] ?? 0) - before, 2);
    assert.match(rx.stats().lastRefused!.message, /^The server does not implement the method \(grpc-js answered UNIMPLEMENTED before the receiver saw the call/);
    await stillServes();
  });

  it('metrics and logs sent to the trace port (one OTEL_EXPORTER_OTLP_ENDPOINT for every signal) → UNIMPLEMENTED naming the setting, counted and shown', async () => {
    const seen: RefusedEvent[] = [];
    const off = rx.onRefused((e) => seen.push(e));
    try {
      const before = rx.stats().errors[404] ?? 0;
      const m = await call(g.url, '/opentelemetry.proto.collector.metrics.v1.MetricsService/Export', Buffer.from([0x0a, 0x00]));
      assert.equal(m.code, grpc.status.UNIMPLEMENTED);
      assert.match(m.details, /takes traces only: metrics are not stored — point OTEL_EXPORTER_OTLP_METRICS_ENDPOINT elsewhere, or set OTEL_METRICS_EXPORTER=none/);
      const l = await call(g.url, '/opentelemetry.proto.collector.logs.v1.LogsService/Export', Buffer.alloc(0));
      assert.equal(l.code, grpc.status.UNIMPLEMENTED);
      assert.match(l.details, /OTEL_LOGS_EXPORTER=none/);
      assert.equal((rx.stats().errors[404] ?? 0) - before, 2);
      assert.equal(seen.length, 2);
      assert.equal(seen[0]!.path, '/opentelemetry.proto.collector.metrics.v1.MetricsService/Export');
      assert.match(refusedText(seen[0]!), /gRPC UNIMPLEMENTED/);
      assert.equal(rx.stats().lastRefused?.grpcCode, grpc.status.UNIMPLEMENTED);
    } finally {
      off();
    }
    await stillServes();
  });

  it('a storage failure → UNAVAILABLE (the exporter retries)', { skip: !(process.platform === 'linux' && process.getuid?.() === 0) && 'needs root to mount a tmpfs' }, async (t) => {
    const { spawnSync } = await import('node:child_process');
    const mnt = mkdtempSync(join(tmpdir(), 'td-grpc-tmpfs-'));
    const m = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', mnt]);
    if (m.status !== 0) return t.skip(`mount failed: ${m.stderr}`);
    let full: Receiver | undefined;
    let fg: GrpcReceiver | undefined;
    try {
      full = await startReceiver({ port: 0, outDir: join(mnt, 'out'), liveMaxSpans: 0 });
      fg = await startGrpcReceiver(full, { port: 0 });
      const spans = await sdkSpans(40);
      let r = { code: 0, details: '' };
      for (let i = 0; i < 100 && r.code === grpc.status.OK; i++) r = await call(fg.url, TRACE_EXPORT_PATH, protoBody(spans));
      assert.equal(r.code, grpc.status.UNAVAILABLE, r.details);
      assert.match(r.details, /could not store spans: ENOSPC/);
    } finally {
      await fg?.close(1000);
      await full?.close(1000);
      spawnSync('umount', [mnt]);
      rmSync(mnt, { recursive: true, force: true });
    }
  });

  it('a taken port → GrpcBindError naming the port; the HTTP receiver is unaffected', async () => {
    const blocker = net.createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const port = (blocker.address() as net.AddressInfo).port;
    try {
      await assert.rejects(startGrpcReceiver(rx, { port }), (e: unknown) => {
        assert.ok(e instanceof GrpcBindError);
        assert.equal(e.code, 'EADDRINUSE');
        assert.match(e.message, new RegExp(`port ${port} on 127\\.0\\.0\\.1 is already in use`));
        return true;
      });
      await stillServes();
      assert.equal(rx.stats().storeError, null);
    } finally {
      await new Promise<void>((r) => blocker.close(() => r()));
    }
  });

  it('close() lets an in-flight call finish, then frees the port', async () => {
    const own = await startReceiver({ port: 0 });
    const og = await startGrpcReceiver(own, { port: 0 });
    let closed: Promise<void> | undefined;
    // onSpans runs after the spans are stored and before the call is answered: close while it is in flight
    own.onSpans(() => {
      closed ??= og.close(5_000);
    });
    const r = await call(og.url, TRACE_EXPORT_PATH, protoBody(await sdkSpans(2)));
    assert.equal(r.code, grpc.status.OK, r.details);
    assert.ok(closed, 'close() was called during the call');
    await closed;
    const after = await call(og.url, TRACE_EXPORT_PATH, protoBody(await sdkSpans(1)));
    assert.equal(after.code, grpc.status.UNAVAILABLE);
    const probe = net.createServer();
    await new Promise<void>((resolve, reject) => {
      probe.once('error', reject);
      probe.listen(og.port, '127.0.0.1', () => resolve());
    });
    await new Promise<void>((r) => probe.close(() => r()));
    await own.close(1000);
  });
});
