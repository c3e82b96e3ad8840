/**
 * Emits a known span tree with the REAL OpenTelemetry JS SDK and an OTLP/HTTP exporter (JSON or protobuf).
 * Used in process by the tests and, as a child process, by `node --import tsx sdk-emit.ts <endpoint> <json|proto> <traces> [gzip]`.
 */
import { OTLPTraceExporter as JsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtoExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import { SpanKind, SpanStatusCode, context, trace } from '@opentelemetry/api';
import type { ExportResult } from '@opentelemetry/core';

export interface EmittedSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  attributes: Record<string, unknown>;
}

export interface EmitResult {
  spans: EmittedSpan[];
  exportedOk: number;
  exportFailed: number;
}

/** Wraps an exporter to count what it reports as exported vs failed. */
class Counting implements SpanExporter {
  ok = 0;
  failed = 0;
  constructor(private readonly inner: SpanExporter) {}
  export(spans: Parameters<SpanExporter['export']>[0], cb: (r: ExportResult) => void): void {
    this.inner.export(spans, (r) => {
      if (r.code === 0) this.ok += spans.length;
      else this.failed += spans.length;
      cb(r);
    });
  }
  shutdown() {
    return this.inner.shutdown();
  }
  forceFlush() {
    return this.inner.forceFlush?.() ?? Promise.resolve();
  }
}

export async function emitTraces(endpoint: string, protocol: 'json' | 'proto', traces: number, opts: { gzip?: boolean; service?: string } = {}): Promise<EmitResult> {
  const cfg = { url: endpoint, compression: (opts.gzip ? 'gzip' : 'none') as never, timeoutMillis: 10_000 };
  const exporter = new Counting(protocol === 'json' ? new JsonExporter(cfg) : new ProtoExporter(cfg));
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': opts.service ?? `emit-${protocol}`, 'deployment.environment': 'test' }),
    spanProcessors: [new BatchSpanProcessor(exporter, { maxExportBatchSize: 64, scheduledDelayMillis: 50, maxQueueSize: 100_000 })],
  });
  const tracer = provider.getTracer('trace-doctor-test', '1.2.3');
  const spans: EmittedSpan[] = [];
  const rec = (s: ReturnType<typeof tracer.startSpan>, parentSpanId: string, name: string, attributes: Record<string, unknown>) => {
    const c = s.spanContext();
    spans.push({ traceId: c.traceId, spanId: c.spanId, parentSpanId, name, attributes });
  };
  for (let t = 0; t < traces; t++) {
    const rootAttrs = { 'http.method': 'GET', 'http.route': '/orders/:id', 'test.trace': t, 'test.ok': t % 2 === 0, 'test.ratio': 0.25 };
    const root = tracer.startSpan('GET /orders/:id', { kind: SpanKind.SERVER, attributes: rootAttrs });
    rec(root, '', 'GET /orders/:id', rootAttrs);
    const ctx = trace.setSpan(context.active(), root);
    const dbAttrs = { 'db.system': 'postgresql', 'db.statement': `SELECT * FROM orders WHERE id = ${t}`, tags: ['a', 'b'] };
    const db = tracer.startSpan('SELECT orders', { kind: SpanKind.CLIENT, attributes: dbAttrs }, ctx);
    rec(db, root.spanContext().spanId, 'SELECT orders', dbAttrs);
    db.addEvent('rows', { count: 3 });
    db.end();
    const renderAttrs = { 'template.name': 'order.html' };
    const render = tracer.startSpan('render', { attributes: renderAttrs }, ctx);
    rec(render, root.spanContext().spanId, 'render', renderAttrs);
    if (t % 3 === 0) render.setStatus({ code: SpanStatusCode.ERROR, message: 'template missing' });
    render.end();
    root.end();
  }
  await provider.forceFlush();
  await provider.shutdown();
  return { spans, exportedOk: exporter.ok, exportFailed: exporter.failed };
}

if (process.argv[1] && /sdk-emit\.ts$/.test(process.argv[1])) {
  const [endpoint, protocol, n, gz] = process.argv.slice(2);
  emitTraces(endpoint!, protocol as 'json' | 'proto', Number(n ?? 10), { gzip: gz === 'gzip', service: `child-${protocol}` }).then(
    (r) => process.stdout.write(JSON.stringify(r) + '\n'),
    (e) => {
      process.stderr.write(String(e?.stack ?? e) + '\n');
      process.exit(1);
    },
  );
}
