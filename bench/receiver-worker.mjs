// One load generator for bench/receiver.mjs: the REAL OpenTelemetry JS SDK (BasicTracerProvider + BatchSpanProcessor)
// exporting over OTLP/HTTP (JSON or protobuf) or OTLP/gRPC to the receiver for a bounded time.
// Usage: node bench/receiver-worker.mjs <endpoint> <json|proto|grpc> <seconds> <worker-id>
// Prints one JSON line: { generated, exportedOk, exportFailed, dropped, seconds }.
import { OTLPTraceExporter as JsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtoExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { OTLPTraceExporter as GrpcExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { SpanKind, context, trace } from '@opentelemetry/api';

const [endpoint, protocol, secondsArg, id] = process.argv.slice(2);
const seconds = Number(secondsArg ?? 10);
const MAX_QUEUE = 200_000;
const BATCH = 4096;

class Counting {
  entered = 0;
  ok = 0;
  failed = 0;
  constructor(inner) {
    this.inner = inner;
  }
  export(spans, cb) {
    this.entered += spans.length;
    this.inner.export(spans, (r) => {
      if (r.code === 0) this.ok += spans.length;
      else {
        this.failed += spans.length;
        if (r.error) process.stderr.write(`worker ${id}: export failed: ${r.error.message}\n`);
      }
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

const cfg = { url: endpoint, timeoutMillis: 30_000, concurrencyLimit: 128 };
const exporter = new Counting(protocol === 'proto' ? new ProtoExporter(cfg) : protocol === 'grpc' ? new GrpcExporter({ url: endpoint, timeoutMillis: 30_000 }) : new JsonExporter(cfg));
const provider = new BasicTracerProvider({
  resource: resourceFromAttributes({ 'service.name': `bench-${protocol}-${id}`, 'service.version': '1.0.0', 'host.name': `load-${id}` }),
  spanProcessors: [
    new BatchSpanProcessor(exporter, { maxQueueSize: MAX_QUEUE, maxExportBatchSize: BATCH, scheduledDelayMillis: 50, exportTimeoutMillis: 30_000 }),
  ],
});
const tracer = provider.getTracer('bench', '1.0.0');

const ROUTES = ['/orders/:id', '/cart', '/checkout', '/search', '/users/:id'];
let generated = 0;
const deadline = Date.now() + seconds * 1000;
const started = Date.now();
let t = 0;
while (Date.now() < deadline) {
  // back-pressure: never let the SDK queue fill up (a full queue drops spans on the client side)
  if (generated - exporter.entered > MAX_QUEUE / 2) {
    await new Promise((r) => setTimeout(r, 5));
    continue;
  }
  for (let k = 0; k < 50; k++, t++) {
    const route = ROUTES[t % ROUTES.length];
    const root = tracer.startSpan(`GET ${route}`, {
      kind: SpanKind.SERVER,
      attributes: { 'http.request.method': 'GET', 'http.route': route, 'http.response.status_code': 200, 'url.path': route.replace(':id', String(t)) },
    });
    const ctx = trace.setSpan(context.active(), root);
    for (let c = 0; c < 9; c++) {
      const s = tracer.startSpan(c % 3 === 0 ? 'SELECT orders' : c % 3 === 1 ? 'cache.get' : 'render', {
        kind: c % 3 === 2 ? SpanKind.INTERNAL : SpanKind.CLIENT,
        attributes: { 'db.system': 'postgresql', 'db.operation.name': 'SELECT', 'server.address': 'db', 'worker.seq': t, idx: c },
      }, ctx);
      s.end();
    }
    root.end();
    generated += 10;
  }
  await new Promise((r) => setImmediate(r));
}
const genSeconds = (Date.now() - started) / 1000;
try {
  await provider.forceFlush();
  await provider.shutdown();
} catch (e) {
  process.stderr.write(`worker ${id}: flush failed: ${e?.message ?? e}\n`);
}
process.stdout.write(
  JSON.stringify({ id, protocol, generated, exportedOk: exporter.ok, exportFailed: exporter.failed, dropped: generated - exporter.ok - exporter.failed, seconds: genSeconds }) + '\n',
);
