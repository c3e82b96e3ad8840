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
 * The admin paths (/__*) are not traced. (CPU contention is outside the service too: the harness pins its process to
 * one core beside busy processes; WORK=fixed makes its own work a fixed amount of computation, see burn.)
 *
 * A Java/Spring-like endpoint (the TrainTicket-like topology) has `steps` instead: { name, controller, cpuMs, steps:
 * [{ repo, sql, ioMs } | { service, path, method, onError, onEmpty }] }. The server span is renamed to `name` (the
 * route template, as route-aware instrumentation names it), a `controller` span (INTERNAL, the real @opentelemetry/api
 * tracer) holds the work: its CPU, then each step in order — a repository span (INTERNAL) around a `SELECT …` span
 * (CLIENT, db attributes), or a call to another service (the HTTP instrumentation's CLIENT span, child of the
 * controller). Answers are JSON { status: 1 } or, for "found nothing", HTTP 200 with { status: 0 } (TrainTicket's
 * business failures). A callee answering ≥ 500 (or unreachable) is handled by the step's onError: 'abort' (rethrow:
 * this service answers 500 too), 'fallback' (catch and go on), 'stop' (catch and return 200 { status: 0 } at once) or
 * 'pass' (a gateway: answer the callee's code); a callee's { status: 0 } by onEmpty: 'continue' (default) or 'stop'.
 * An exception that escapes the controller is recorded on the controller and server spans (status ERROR) and, like
 * Spring Boot's error dispatch, leaves a `BasicErrorController.error` span under the server span (ERROR_SPAN env).
 * Faults there: { kind: 'exception', endpoint?, share, at: 'start' | 'end' | k (after k steps), quiet } — quiet: a
 * handler advice turns it into a 500 without the error dispatch; { kind: 'return', endpoint?, share, at } — the controller
 * answers { status: 0 } right after its CPU work, without its repositories and calls (at: 'end': after all of its work,
 * a wrong value — its own spans look as before, only its callers can tell); cpu as above (every endpoint).
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

// WORK=fixed: `burn(ms)` does a fixed amount of computation — as many loop passes as this process makes in ms of CPU
// time, calibrated once at start (the fastest of several timed batches, in process CPU time) — so it takes longer when
// the process gets less CPU (CPU contention). Default (wall): spin until the wall clock says ms have passed, which
// no contention can stretch.
const FIXED = process.env.WORK === 'fixed';
let passesPerMs = 0;
function spin(n) {
  let x = 0;
  for (let i = 0; i < n; i++) x += Math.sqrt(x + 1);
  return x;
}
if (FIXED) {
  const n = 200_000;
  spin(n); // JIT
  let best = Infinity;
  for (let k = 0; k < 7; k++) {
    const c0 = process.cpuUsage();
    spin(n);
    const c = process.cpuUsage(c0);
    best = Math.min(best, (c.user + c.system) / 1000);
  }
  passesPerMs = n / Math.max(best, 0.01);
}
function burn(ms) {
  if (FIXED) return spin(Math.round(ms * passesPerMs));
  const end = process.hrtime.bigint() + BigInt(Math.round(ms * 1e6));
  let x = 0;
  while (process.hrtime.bigint() < end) x += Math.sqrt(x + 1);
  return x;
}

function call(service, path) {
  return callFull(service, path, 'GET').then((r) => r.code);
}

/** one outgoing call: its HTTP code (599 when unreachable) and whether the answer said "found nothing" ({ status: 0 }) */
function callFull(service, path, method) {
  return new Promise((resolve) => {
    const base = peers[service];
    if (!base) return resolve({ code: 599, empty: false });
    const req = http.request(`${base}${path}`, { method, agent, headers: method === 'POST' ? { 'content-type': 'application/json' } : {} }, (res) => {
      let s = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (s += d));
      res.on('end', () => resolve({ code: res.statusCode || 599, empty: /"status":0/.test(s) }));
      res.on('error', () => resolve({ code: 599, empty: false }));
    });
    req.on('error', () => resolve({ code: 599, empty: false }));
    req.end(method === 'POST' ? '{}' : undefined);
  });
}

function repository(step) {
  return tracer.startActiveSpan(step.repo, { kind: api.SpanKind.INTERNAL }, (repo) => {
    burn(0.05);
    return tracer
      .startActiveSpan(step.sql, { kind: api.SpanKind.CLIENT, attributes: { 'db.system': 'mysql', 'db.statement': step.sql, 'db.name': 'ts' } }, (q) =>
        new Promise((resolve) => setTimeout(() => { q.end(); resolve(); }, (step.ioMs || 0.5) * (0.8 + 0.4 * rnd()))),
      )
      .then(() => repo.end());
  });
}

class Answer {
  constructor(code, status) {
    this.code = code;
    this.status = status;
  }
}

/** A Spring-like controller (see the header): returns an Answer or throws (an exception that escapes the controller). */
function controller(ep, path) {
  const here = !fault.endpoint || fault.endpoint === path;
  const injected = here && (fault.kind === 'exception' || fault.kind === 'return') && rnd() < (fault.share ?? 1) ? fault : null;
  return tracer.startActiveSpan(ep.controller || `${SVC}.handle`, { kind: api.SpanKind.INTERNAL }, async (ctl) => {
    try {
      burn((ep.cpuMs || 0) * (fault.kind === 'cpu' ? fault.factor ?? 3 : 1));
      const boom = (k) => {
        if (injected?.kind === 'exception' && (injected.at ?? 'start') === k) {
          const e = new Error(`injected exception in ${SVC} ${ep.controller}`);
          e.quiet = !!injected.quiet;
          throw e;
        }
      };
      boom('start');
      if (injected?.kind === 'return' && injected.at !== 'end') return new Answer(200, 0);
      const steps = ep.steps || [];
      for (let k = 0; k < steps.length; k++) {
        if (k > 0) boom(k);
        const step = steps[k];
        if (step.repo) {
          await repository(step);
          continue;
        }
        const r = await callFull(step.service, step.path, step.method || 'GET');
        if (r.code >= 500) {
          const on = step.onError || 'abort';
          if (on === 'pass') return new Answer(r.code, 0);
          if (on === 'stop') return new Answer(200, 0);
          if (on === 'abort') throw new Error(`${step.service} ${step.path} answered ${r.code}`);
        } else if (r.empty && step.onEmpty === 'stop') return new Answer(200, 0);
      }
      boom('end');
      // a return injected at the end: all the work was done, the answer is "found nothing" (a wrong value)
      return new Answer(200, injected?.kind === 'return' ? 0 : 1);
    } catch (e) {
      ctl.recordException(e);
      ctl.setStatus({ code: api.SpanStatusCode.ERROR, message: e.message });
      throw e;
    } finally {
      ctl.end();
    }
  });
}

async function handleSteps(ep, path, res) {
  const server = api.trace.getActiveSpan();
  if (ep.name) server?.updateName(ep.name);
  let answer;
  try {
    answer = await controller(ep, path);
  } catch (e) {
    server?.recordException(e);
    if (process.env.ERROR_SPAN && !e.quiet) tracer.startActiveSpan(process.env.ERROR_SPAN, { kind: api.SpanKind.INTERNAL }, (s) => { burn(0.1); s.end(); });
    answer = new Answer(500, 0);
  }
  res.statusCode = answer.code;
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify({ status: answer.status }));
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
    if (ep.steps || ep.controller) return await handleSteps(ep, path, res);
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
