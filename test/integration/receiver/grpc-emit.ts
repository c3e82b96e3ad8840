/** Spans made with the Node SDK (@opentelemetry/sdk-trace-node) and sent by the REAL OTLP/gRPC exporter, for the gRPC receiver tests. */
import { OTLPTraceExporter as GrpcExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { BatchSpanProcessor, type ReadableSpan, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { SpanKind, SpanStatusCode, context, propagation, trace } from '@opentelemetry/api';

export interface Emitted {
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  attributes: Record<string, unknown>;
}

/** Spans made with the Node SDK (active-context parenting), exported by the real OTLP/gRPC exporter. */
export async function emitGrpc(url: string, service: string, traces: number, gzip: boolean): Promise<{ spans: Emitted[]; ok: number; failed: number }> {
  const exporter = new GrpcExporter({ url, compression: (gzip ? 'gzip' : 'none') as never, timeoutMillis: 10_000 });
  let ok = 0;
  let failed = 0;
  const counting: SpanExporter = {
    export: (spans, cb) =>
      exporter.export(spans, (r) => {
        if (r.code === 0) ok += spans.length;
        else failed += spans.length;
        cb(r);
      }),
    shutdown: () => exporter.shutdown(),
    forceFlush: () => exporter.forceFlush(),
  };
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ 'service.name': service, 'deployment.environment': 'test' }),
    spanProcessors: [new BatchSpanProcessor(counting, { maxExportBatchSize: 32, scheduledDelayMillis: 20 })],
  });
  provider.register(); // the Node SDK's AsyncLocalStorage context manager: startActiveSpan parents by context
  const tracer = provider.getTracer('grpc-test', '1.0.0');
  const spans: Emitted[] = [];
  const rec = (name: string, attributes: Record<string, unknown>) => {
    const s = trace.getActiveSpan()!;
    const c = s.spanContext();
    const parent = (s as unknown as ReadableSpan).parentSpanContext?.spanId ?? '';
    spans.push({ traceId: c.traceId, spanId: c.spanId, parentSpanId: parent, name, attributes });
  };
  for (let t = 0; t < traces; t++) {
    const rootAttrs = { 'http.route': '/pay/:id', 'test.trace': t, 'test.ok': t % 2 === 0, 'test.ratio': 0.5, tags: ['a', 'b'] };
    tracer.startActiveSpan('POST /pay/:id', { kind: SpanKind.SERVER, attributes: rootAttrs }, (root) => {
      rec('POST /pay/:id', rootAttrs);
      const dbAttrs = { 'db.system': 'postgresql', 'db.statement': `UPDATE accounts SET n = ${t}` };
      tracer.startActiveSpan('UPDATE accounts', { kind: SpanKind.CLIENT, attributes: dbAttrs }, (db) => {
        rec('UPDATE accounts', dbAttrs);
        db.addEvent('rows', { count: 1 });
        if (t % 3 === 0) db.setStatus({ code: SpanStatusCode.ERROR, message: 'deadlock' });
        db.end();
      });
      root.end();
    });
  }
  await provider.forceFlush();
  await provider.shutdown();
  trace.disable();
  context.disable();
  propagation.disable();
  return { spans, ok, failed };
}

