'use strict';
/**
 * One service of the live test system (test/helpers/live-system.ts): a real Node HTTP server in its own process,
 * instrumented by the real OpenTelemetry HTTP auto-instrumentation (server and client spans with kind, status and
 * semantic-convention attributes, W3C context propagation) and exported by the real OTLP/HTTP JSON exporter.
 *
 * Environment: SVC (service name), PORT (0 = any), COLLECTOR (OTLP/HTTP traces URL), SPEC (JSON: this service's
 * endpoints), PEERS (JSON: service → base URL, set later with POST /__peers). Prints `READY <port>` on stdout.
 *
 * An endpoint: { cpuMs, ioMs, db, calls: [{ service, path }] } — burn cpuMs of CPU, wait ioMs in a "database" call
 * (a CLIENT span of its own, as a DB client library makes), then call each dependency in order. A dependency that
 * answers ≥ 500 aborts the request: this service answers 502 and makes no further calls.
 *
 * Faults (POST /__fault, JSON; {} clears): { kind: 'cpu', factor } own CPU work × factor; { kind: 'exception', share }
 * that share of requests throws before any work and answers 500; { kind: 'return', share } that share answers 200
 * right away, skipping its database and its dependencies. (Network delay is outside the service: a proxy in front.)
 * The admin paths (/__*) are not traced.
 */
const { NodeTracerProvider, BatchSpanProcessor } = require('@opentelemetry/sdk-trace-node');
const { OTLPTraceExporter } = require('@opentelemetry/exporter-trace-otlp-http');
const { resourceFromAttributes } = require('@opentelemetry/resources');
const { registerInstrumentations } = require('@opentelemetry/instrumentation');
const { HttpInstrumentation } = require('@opentelemetry/instrumentation-http');
const api = require('@opentelemetry/api');

const SVC = process.env.SVC;
const SPEC = JSON.parse(process.env.SPEC || '{}');
let peers = {};
let fault = {};
// a deterministic generator per process (the fault's share), seeded by the service name
let seed = [...SVC].reduce((h, c) => (h * 31 + c.charCodeAt(0)) >>> 0, 7) || 1;
const rnd = () => {
  seed = (seed + 0x6d2b79f5) >>> 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};

const provider = new NodeTracerProvider({
  resource: resourceFromAttributes({ 'service.name': SVC }),
  spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url: process.env.COLLECTOR }), { maxQueueSize: 65536, maxExportBatchSize: 2048, scheduledDelayMillis: 200 })],
});
provider.register();
const admin = (p) => typeof p === 'string' && p.startsWith('/__');
registerInstrumentations({
  tracerProvider: provider,
  instrumentations: [
    new HttpInstrumentation({
      ignoreIncomingRequestHook: (req) => admin(req.url),
      ignoreOutgoingRequestHook: (o) => admin(o.path),
    }),
  ],
});
// required after the instrumentation is registered, so the module is patched
const http = require('node:http');
const tracer = api.trace.getTracer('live-system');
const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

function burn(ms) {
  const end = process.hrtime.bigint() + BigInt(Math.round(ms * 1e6));
  let x = 0;
  while (process.hrtime.bigint() < end) x += Math.sqrt(x + 1);
  return x;
}

function call(service, path) {
  return new Promise((resolve) => {
    const base = peers[service];
    if (!base) return resolve(599);
    const req = http.request(`${base}${path}`, { method: 'GET', agent }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode || 599));
      res.on('error', () => resolve(599));
    });
    req.on('error', () => resolve(599));
    req.end();
  });
}

function db(name, ms) {
  return tracer.startActiveSpan(name, { kind: api.SpanKind.CLIENT, attributes: { 'db.system': 'postgresql' } }, (span) =>
    new Promise((resolve) => setTimeout(() => { span.end(); resolve(); }, ms)),
  );
}

async function handle(ep) {
  if (fault.kind === 'exception' && rnd() < (fault.share ?? 0.5)) throw new Error(`injected exception in ${SVC}`);
  const early = fault.kind === 'return' && rnd() < (fault.share ?? 1);
  burn((ep.cpuMs || 0) * (fault.kind === 'cpu' ? fault.factor ?? 3 : 1));
  if (early) return 200;
  if (ep.ioMs) await db(ep.db || `SELECT ${SVC}`, ep.ioMs * (0.8 + 0.4 * rnd()));
  for (const c of ep.calls || []) {
    const code = await call(c.service, c.path);
    if (code >= 500) return 502;
  }
  return 200;
}

function body(req) {
  return new Promise((resolve) => {
    let s = '';
    req.on('data', (d) => (s += d));
    req.on('end', () => resolve(s));
  });
}

const server = http.createServer(async (req, res) => {
  const path = (req.url || '/').split('?')[0];
  try {
    if (path === '/__fault') {
      fault = JSON.parse((await body(req)) || '{}');
      return res.end('ok');
    }
    if (path === '/__peers') {
      peers = JSON.parse((await body(req)) || '{}');
      return res.end('ok');
    }
    if (path === '/__flush') {
      await provider.forceFlush();
      return res.end('ok');
    }
    const ep = SPEC[path];
    if (!ep) {
      res.statusCode = 404;
      return res.end();
    }
    let code;
    try {
      code = await handle(ep);
    } catch (e) {
      api.trace.getActiveSpan()?.recordException(e);
      code = 500;
    }
    res.statusCode = code;
    res.end(code === 200 ? 'ok' : 'failed');
  } catch {
    res.statusCode = 500;
    res.end();
  }
});
server.keepAliveTimeout = 30_000;
server.listen(Number(process.env.PORT || 0), '127.0.0.1', () => process.stdout.write(`READY ${server.address().port}\n`));
const stop = () => provider.shutdown().finally(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
