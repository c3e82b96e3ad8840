#!/usr/bin/env node
// Trace Doctor example: a deterministic simulation of the five-service ML pipeline in this folder
// (load-generator → ingestion → pre-processor → inference → post-processor), instrumented with the real
// OpenTelemetry JS SDK and exported by the real OTLP/HTTP JSON exporter to an in-process receiver that writes
// OTLP JSON files.
//
// Why a simulation: the Python services in this folder need PyPI, Docker and minutes of wall-clock time. The
// simulation reproduces what matters for the diagnosis — one CPU-bound pre-processor worker fed from a FIFO
// queue — on a virtual clock, so every run is byte-for-byte reproducible and takes about a second.
//
// Usage
//   node examples/ml-pipeline/simulate.mjs                  regenerate every committed trace file (see OUTPUTS)
//   node examples/ml-pipeline/simulate.mjs --root DIR       same, but write under DIR instead of the repo root
//   node examples/ml-pipeline/simulate.mjs --list           print the committed runs and their flags
//   node examples/ml-pipeline/simulate.mjs --out FILE [--rate R] [--duration S] [--seed N] [--start ISO]
//        [--workers K] [--v2-share F] [--v2-slowdown X] [--n-plus-one] [--inference-error-rate P]
//        [--store-results [--serial-store]]
//        one ad-hoc run; FILE ending in .jsonl writes one ExportTraceServiceRequest per line (as the
//        collector's file exporter does), anything else one ExportTraceServiceRequest object.
//
// Nothing here reads the wall clock or Math.random: ids come from a seeded generator, times from the virtual clock.

import http from 'node:http';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, defaultTextMapGetter, defaultTextMapSetter } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { defaultResource, resourceFromAttributes } from '@opentelemetry/resources';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';

const HERE = dirname(fileURLToPath(import.meta.url));
const REPO_ROOT = resolve(HERE, '..', '..');

// ---------------------------------------------------------------------------------------------------------------
// The committed runs. `npm run example:generate` regenerates all of them; the unit test checks they are current.
// ---------------------------------------------------------------------------------------------------------------
export const OUTPUTS = [
  // The founding case: load rises from 1 to 3 requests/s; the single pre-processor worker saturates.
  { file: 'examples/ml-pipeline/traces/normal.json', flags: { rate: 1, duration: 120, seed: 1, start: '2026-01-15T09:00:00Z' } },
  { file: 'examples/ml-pipeline/traces/spiked.json', flags: { rate: 3, duration: 60, seed: 2, start: '2026-01-15T09:30:00Z' } },
  // Eval cases with a different culprit each (see examples/eval-cases/README.md).
  {
    file: 'examples/eval-cases/inference-model-v2/baseline.json',
    flags: { rate: 1, duration: 60, seed: 11, workers: 2, start: '2026-02-02T14:00:00Z', v2Share: 0.35, v2Slowdown: 1 },
  },
  {
    file: 'examples/eval-cases/inference-model-v2/incident.json',
    flags: { rate: 1, duration: 60, seed: 12, workers: 2, start: '2026-02-02T15:00:00Z', v2Share: 0.35, v2Slowdown: 4 },
  },
  {
    file: 'examples/eval-cases/postprocess-n-plus-one/baseline.json',
    flags: { rate: 1, duration: 60, seed: 21, workers: 2, start: '2026-02-09T10:00:00Z' },
  },
  {
    file: 'examples/eval-cases/postprocess-n-plus-one/incident.jsonl',
    flags: { rate: 1, duration: 60, seed: 22, workers: 2, start: '2026-02-09T11:00:00Z', nPlusOne: true },
  },
  {
    file: 'examples/eval-cases/inference-errors/baseline.json',
    flags: { rate: 1, duration: 60, seed: 31, workers: 2, start: '2026-02-16T08:00:00Z' },
  },
  {
    file: 'examples/eval-cases/inference-errors/incident.json',
    flags: { rate: 1, duration: 60, seed: 32, workers: 2, start: '2026-02-16T08:30:00Z', inferenceErrorRate: 0.4 },
  },
  {
    file: 'examples/eval-cases/postprocess-serialized/baseline.json',
    flags: { rate: 1, duration: 90, seed: 51, workers: 2, start: '2026-03-02T13:00:00Z', storeResults: true },
  },
  {
    file: 'examples/eval-cases/postprocess-serialized/incident.json',
    flags: { rate: 1, duration: 90, seed: 52, workers: 2, start: '2026-03-02T14:00:00Z', storeResults: true, serialStore: true },
  },
  // Same configuration twice, different seeds: the right answer is "no regression".
  {
    file: 'examples/eval-cases/no-regression/baseline.json',
    flags: { rate: 1, duration: 60, seed: 41, workers: 2, start: '2026-02-23T09:00:00Z' },
  },
  {
    file: 'examples/eval-cases/no-regression/incident.json',
    flags: { rate: 1, duration: 60, seed: 42, workers: 2, start: '2026-02-23T10:00:00Z' },
  },
];

/**
 * The pre-processor's work per request on its worker (the `preprocess-image` span), ms: fixed + per KiB of image +
 * normal noise, at least minMs. With IMAGE_KIB uniform, the mean is fixedMs + msPerKiB · (min + max) / 2 = 315 ms.
 * Exported so tests can state what the simulation implies (e.g. the capacity estimate of issue 15).
 */
export const PREPROCESS_WORK = Object.freeze({ fixedMs: 60, msPerKiB: 0.85, noiseSdMs: 12, minMs: 50 });
/** Uploaded image sizes, KiB, uniform. */
export const IMAGE_KIB = Object.freeze({ min: 120, max: 480 });

export const DEFAULTS = {
  rate: 1, // requests per second from the load generator (Poisson arrivals)
  duration: 60, // seconds during which the load generator issues requests (in-flight ones still complete)
  seed: 1,
  start: '2026-01-15T09:00:00Z',
  workers: 1, // pre-processor CPU workers (the founding case: exactly one)
  v2Share: 0, // fraction of inference requests routed to model.version=v2
  v2Slowdown: 1, // latency factor of v2 relative to v1
  nPlusOne: false, // post-processor looks labels up one query per detection instead of one batched query
  inferenceErrorRate: 0, // probability that one inference attempt fails with 503
  storeResults: false, // post-processor persists results: PUT to object storage + INSERT, concurrently
  serialStore: false, // ...one after the other instead (lost parallelism)
};

// ---------------------------------------------------------------------------------------------------------------
// Deterministic randomness
// ---------------------------------------------------------------------------------------------------------------
function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

class Rng {
  constructor(seed) {
    this.next = mulberry32(seed);
  }
  uniform(lo, hi) {
    return lo + (hi - lo) * this.next();
  }
  int(lo, hi) {
    return Math.floor(this.uniform(lo, hi + 1));
  }
  normal(mean, sd) {
    // Box–Muller; u1 in (0, 1]
    const u1 = 1 - this.next();
    const u2 = this.next();
    return mean + sd * Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  }
  exp(mean) {
    return -mean * Math.log(1 - this.next());
  }
  pick(arr) {
    return arr[Math.floor(this.next() * arr.length)];
  }
  hex(nBytes) {
    let s = '';
    for (let i = 0; i < nBytes; i++) s += Math.floor(this.next() * 256).toString(16).padStart(2, '0');
    return s;
  }
}

/** IdGenerator for the SDK (same interface as RandomIdGenerator) drawing from a seeded stream. */
class SeededIdGenerator {
  constructor(seed) {
    this.rng = new Rng(seed);
  }
  generateTraceId() {
    return this.rng.hex(16);
  }
  generateSpanId() {
    return this.rng.hex(8);
  }
}

function hashSeed(...parts) {
  let h = 2166136261;
  for (const ch of parts.join('/')) {
    h ^= ch.charCodeAt(0);
    h = Math.imul(h, 16777619);
  }
  return h >>> 0;
}

// ---------------------------------------------------------------------------------------------------------------
// Discrete-event engine: virtual clock, coroutines (generator functions) and a FIFO resource
// ---------------------------------------------------------------------------------------------------------------
class Sim {
  constructor(startIso) {
    const ms = Date.parse(startIso);
    if (!Number.isFinite(ms)) throw new Error(`--start: not an ISO date: ${startIso}`);
    this.epochSec = Math.floor(ms / 1000);
    this.epochMs = ms - this.epochSec * 1000;
    this.now = 0; // virtual ms since start
    this.heap = [];
    this.seq = 0;
  }
  /** Current virtual time as an OpenTelemetry HrTime [unix seconds, nanoseconds], microsecond resolution. */
  hr() {
    const us = Math.round((this.now + this.epochMs) * 1000);
    return [this.epochSec + Math.floor(us / 1e6), (us % 1e6) * 1000];
  }
  at(t, fn) {
    const item = { t, seq: this.seq++, fn };
    const h = this.heap;
    h.push(item);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (less(h[p], h[i])) break;
      [h[p], h[i]] = [h[i], h[p]];
      i = p;
    }
  }
  pop() {
    const h = this.heap;
    const top = h[0];
    const last = h.pop();
    if (h.length > 0) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && less(h[l], h[m])) m = l;
        if (r < h.length && less(h[r], h[m])) m = r;
        if (m === i) break;
        [h[m], h[i]] = [h[i], h[m]];
        i = m;
      }
    }
    return top;
  }
  run() {
    while (this.heap.length > 0) {
      const ev = this.pop();
      this.now = ev.t;
      ev.fn();
    }
  }
  /**
   * Starts a coroutine. It yields effects: {sleep: ms}, {acquire: WorkerPool} or {all: [coroutines]} (run them
   * concurrently, resume with their results when every one has finished). onDone gets the coroutine's return value.
   */
  spawn(gen, onDone) {
    const step = (value) => {
      const r = gen.next(value);
      if (r.done) {
        onDone?.(r.value);
        return;
      }
      const eff = r.value;
      if (eff && typeof eff.sleep === 'number') {
        this.at(this.now + Math.max(0, eff.sleep), () => step());
      } else if (eff && eff.acquire) {
        eff.acquire.request(() => step());
      } else if (eff && Array.isArray(eff.all)) {
        const results = new Array(eff.all.length);
        let left = eff.all.length;
        if (left === 0) this.at(this.now, () => step(results));
        eff.all.forEach((g, k) =>
          this.spawn(g, (v) => {
            results[k] = v;
            if (--left === 0) step(results);
          }),
        );
      } else {
        throw new Error(`simulation: unknown effect ${JSON.stringify(eff)}`);
      }
    };
    this.at(this.now, () => step());
  }
}

function less(a, b) {
  return a.t < b.t || (a.t === b.t && a.seq < b.seq);
}

const sleep = (ms) => ({ sleep: ms });
const all = (coroutines) => ({ all: coroutines });

/** K identical workers in front of one FIFO queue (K = 1 in the founding case). */
class WorkerPool {
  constructor(sim, workers) {
    this.sim = sim;
    this.free = workers;
    this.queue = [];
    this.maxQueue = 0;
  }
  acquire() {
    return { acquire: this };
  }
  request(resume) {
    if (this.free > 0) {
      this.free--;
      this.sim.at(this.sim.now, resume);
    } else {
      this.queue.push(resume);
      this.maxQueue = Math.max(this.maxQueue, this.queue.length);
    }
  }
  release() {
    const next = this.queue.shift();
    if (next) this.sim.at(this.sim.now, next);
    else this.free++;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// OpenTelemetry: one TracerProvider per service, exporting OTLP/HTTP JSON to a local receiver
// ---------------------------------------------------------------------------------------------------------------
const SERVICES = [
  { name: 'load-generator', version: '1.0.3', host: 'loadgen-0', dir: 'load_generator' },
  { name: 'ingestion', version: '2.3.0', host: 'ingestion-7d9f8-x2k4q', dir: 'ingestion' },
  { name: 'pre-processor', version: '1.8.1', host: 'preprocessor-0', dir: 'preprocessor' },
  { name: 'inference', version: '3.1.0', host: 'inference-gpu-1', dir: 'inference' },
  { name: 'post-processor', version: '1.2.5', host: 'postprocessor-5c7b9-m8zt2', dir: 'postprocessor' },
];

/** Receives what the exporters POST, exactly as an OTLP/HTTP collector endpoint would. */
async function startReceiver() {
  const bodies = [];
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      if (req.method !== 'POST' || req.url !== '/v1/traces' || !/json/.test(req.headers['content-type'] ?? '')) {
        res.writeHead(400).end();
        return;
      }
      bodies.push({ service: req.headers['x-sim-service'], body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address();
  return { url: `http://127.0.0.1:${port}/v1/traces`, bodies, close: () => new Promise((r) => server.close(r)) };
}

function makeProviders(receiverUrl, seed) {
  const out = {};
  for (const svc of SERVICES) {
    const exporter = new OTLPTraceExporter({ url: receiverUrl, headers: { 'x-sim-service': svc.name } });
    const provider = new BasicTracerProvider({
      resource: defaultResource().merge(
        resourceFromAttributes({
          [ATTR_SERVICE_NAME]: svc.name,
          [ATTR_SERVICE_VERSION]: svc.version,
          'service.namespace': 'ml-pipeline',
          'deployment.environment.name': 'staging',
          'host.name': svc.host,
        }),
      ),
      idGenerator: new SeededIdGenerator(hashSeed('ids', seed, svc.name)),
      // Everything is exported at the final forceFlush: one request per service keeps the output deterministic.
      spanProcessors: [
        new BatchSpanProcessor(exporter, { maxQueueSize: 1_000_000, maxExportBatchSize: 1_000_000, scheduledDelayMillis: 3_600_000 }),
      ],
    });
    // Tracer names mirror the Python sources: trace.get_tracer("<service>.trace", "<version>")
    out[svc.name] = { provider, tracer: provider.getTracer(`${svc.name}.trace`, svc.version) };
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// The pipeline. Each handler is written like the Python service it stands for (same span names, kinds and
// attributes); `yield sleep(ms)` is time passing, `yield pool.acquire()` waits for the pre-processor worker.
// ---------------------------------------------------------------------------------------------------------------
// Span names: exactly the names the Python sources in this folder open. They live in this table so that this file
// never opens a span by a literal name — the workspace search of the source resolver must land on the Python
// line, not on the simulation.
const SPAN = Object.freeze({
  send: 'POST /ingest', // load_generator/load_generator.py (CLIENT)
  ingest: 'POST /ingest', // ingestion/ingestion.py (SERVER)
  validate: 'validate-upload', // ingestion/ingestion.py (decorator)
  callPreprocess: 'POST /preprocess', // ingestion/ingestion.py (CLIENT)
  preprocessRequest: 'preprocess-request', // preprocessor/preprocessor.py (SERVER)
  preprocessImage: 'preprocess-image', // preprocessor/preprocessor.py (decorator, runs on the single worker)
  callInference: 'POST /infer', // preprocessor/preprocessor.py (CLIENT)
  inference: 'inference', // inference/inference.py (SERVER)
  callPostprocess: 'POST /postprocess', // inference/inference.py (CLIENT)
  postprocess: 'postprocess', // postprocessor/postprocessor.py (SERVER)
  selectLabels: 'SELECT labels', // postprocessor/postprocessor.py (CLIENT, database)
  render: 'render-result', // postprocessor/postprocessor.py (decorator)
  uploadResult: 'PUT /results', // postprocessor/postprocessor.py (CLIENT, object storage; STORE_RESULTS=1)
  insertResult: 'INSERT results', // postprocessor/postprocessor.py (CLIENT, database; STORE_RESULTS=1)
});

const IMAGES = [
  'bird.jpg',
  'street-cam-03.jpg',
  'parking-lot.jpg',
  'dog-park.jpg',
  'warehouse-dock-2.jpg',
  'crosswalk.jpg',
  'shelf-scan-114.jpg',
  'drone-field-7.jpg',
];
const LABELS_SQL_BATCH = 'SELECT id, name, color FROM labels WHERE id = ANY($1)';
const LABELS_SQL_ONE = 'SELECT id, name, color FROM labels WHERE id = $1';

function runPipeline(opts) {
  const sim = new Sim(opts.start);
  // Two streams: the offered load (arrivals, images, request ids) and everything the services do. A fault flag
  // therefore never changes the load a run receives.
  const load = new Rng(hashSeed('load', opts.seed));
  const rng = new Rng(hashSeed('service', opts.seed));
  const prop = new W3CTraceContextPropagator();
  const preprocessWorker = new WorkerPool(sim, opts.workers);
  const stats = { requests: 0, errors: 0, e2eMs: [], preprocessWaitMs: [], maxQueue: 0 };
  let otel;

  const net = () => rng.uniform(0.3, 1.6); // one network hop, ms
  const inject = (span) => {
    const headers = {};
    prop.inject(trace.setSpan(ROOT_CONTEXT, span), headers, defaultTextMapSetter);
    return headers;
  };
  const extract = (headers) => prop.extract(ROOT_CONTEXT, headers, defaultTextMapGetter);
  const fail = (span, status, message) => {
    span.setAttribute('http.status_code', status);
    span.setStatus({ code: SpanStatusCode.ERROR, message });
  };

  /** An HTTP call: CLIENT span around network → server handler → network. Returns the handler's response. */
  function* httpCall(tracer, parentSpan, name, attrs, handler, request) {
    const ctx = trace.setSpan(ROOT_CONTEXT, parentSpan);
    const span = tracer.startSpan(name, { kind: SpanKind.CLIENT, startTime: sim.hr(), attributes: attrs }, ctx);
    yield sleep(net());
    const response = yield* handler({ ...request, headers: inject(span) });
    yield sleep(net());
    if (response.status >= 400) fail(span, response.status, response.error);
    else span.setAttribute('http.status_code', response.status);
    span.end(sim.hr());
    return response;
  }

  /** A CLIENT span to a backend that is not simulated as a service (object storage, database). */
  function* clientCall(tracer, ctx, name, duration, attributes) {
    const span = tracer.startSpan(name, { kind: SpanKind.CLIENT, startTime: sim.hr(), attributes }, ctx);
    yield sleep(duration());
    span.end(sim.hr());
  }

  // -- post-processor: POST /postprocess ------------------------------------------------------------------
  function* postprocessHandler(req) {
    const { tracer } = otel['post-processor'];
    const span = tracer.startSpan(
      SPAN.postprocess,
      {
        kind: SpanKind.SERVER,
        startTime: sim.hr(),
        attributes: {
          'http.method': 'POST',
          'http.route': '/postprocess',
          'request.id': req.requestId,
          'detections.count': req.detections,
        },
      },
      extract(req.headers),
    );
    const ctx = trace.setSpan(ROOT_CONTEXT, span);
    yield sleep(rng.uniform(0.5, 1.5)); // parse body
    // Label lookup: one batched query, or (the N+1 bug) one query per detection.
    const queries = opts.nPlusOne ? Math.max(1, req.detections) : 1;
    for (let i = 0; i < queries; i++) {
      const q = tracer.startSpan(
        SPAN.selectLabels,
        {
          kind: SpanKind.CLIENT,
          startTime: sim.hr(),
          attributes: {
            'db.system': 'postgresql',
            'db.name': 'annotations',
            'db.statement': opts.nPlusOne ? LABELS_SQL_ONE : LABELS_SQL_BATCH,
            'db.operation': 'SELECT',
            'server.address': 'labels-db',
          },
        },
        ctx,
      );
      yield sleep(opts.nPlusOne ? rng.uniform(6, 11) : rng.uniform(7, 13));
      q.end(sim.hr());
    }
    const render = tracer.startSpan(SPAN.render, { startTime: sim.hr(), attributes: { 'image.format': 'png' } }, ctx);
    yield sleep(rng.uniform(8, 16));
    render.end(sim.hr());
    if (opts.storeResults) {
      // Persist the result: upload the PNG and insert the row — concurrently, unless the --serial-store regression.
      const upload = clientCall(tracer, ctx, SPAN.uploadResult, () => rng.uniform(80, 140), {
        'http.method': 'PUT',
        'http.url': `http://minio:9000/results/${req.requestId}.png`,
        'server.address': 'minio',
        'http.status_code': 200,
      });
      const insert = clientCall(tracer, ctx, SPAN.insertResult, () => rng.uniform(50, 85), {
        'db.system': 'postgresql',
        'db.name': 'annotations',
        'db.statement': 'INSERT INTO results (request_id, detections) VALUES ($1, $2)',
        'db.operation': 'INSERT',
        'server.address': 'labels-db',
      });
      if (opts.serialStore) {
        yield* upload;
        yield* insert;
      } else yield all([upload, insert]);
    }
    span.setAttribute('http.status_code', 200);
    span.end(sim.hr());
    return { status: 200 };
  }

  // -- inference: POST /infer ---------------------------------------------------------------------------------
  function* inferenceHandler(req) {
    const { tracer } = otel.inference;
    const version = rng.next() < opts.v2Share ? 'v2' : 'v1';
    const span = tracer.startSpan(
      SPAN.inference,
      {
        kind: SpanKind.SERVER,
        startTime: sim.hr(),
        attributes: {
          'http.method': 'POST',
          'http.route': '/infer',
          'request.id': req.requestId,
          'model.name': 'yolov8n',
          'model.version': version,
          'batch.size': 1,
        },
      },
      extract(req.headers),
    );
    if (rng.next() < opts.inferenceErrorRate) {
      yield sleep(rng.uniform(3, 9));
      span.addEvent(
        'exception',
        {
          'exception.type': 'RuntimeError',
          'exception.message': 'model worker unavailable: CUDA error: out of memory',
        },
        sim.hr(),
      );
      fail(span, 503, 'model worker unavailable');
      span.end(sim.hr());
      return { status: 503, error: 'model worker unavailable' };
    }
    // forward pass on the GPU: ~110 ms for v1
    const slow = version === 'v2' ? opts.v2Slowdown : 1;
    yield sleep(Math.max(40, rng.normal(110, 14)) * slow);
    const detections = rng.int(3, 18);
    span.setAttribute('detections.count', detections);
    const response = yield* httpCall(
      tracer,
      span,
      SPAN.callPostprocess,
      { 'http.method': 'POST', 'http.url': 'http://post-processor:5004/postprocess', 'server.address': 'post-processor' },
      postprocessHandler,
      { requestId: req.requestId, detections },
    );
    if (response.status >= 400) fail(span, 502, 'post-processor failed');
    else span.setAttribute('http.status_code', 200);
    span.end(sim.hr());
    return response.status >= 400 ? { status: 502, error: 'post-processor failed' } : { status: 200 };
  }

  // -- pre-processor: POST /preprocess ------------------------------------------------------------------------
  function* preprocessHandler(req) {
    const { tracer } = otel['pre-processor'];
    const span = tracer.startSpan(
      SPAN.preprocessRequest,
      {
        kind: SpanKind.SERVER,
        startTime: sim.hr(),
        attributes: {
          'http.method': 'POST',
          'http.route': '/preprocess',
          'request.id': req.requestId,
          'file.name': req.fileName,
          'file.size': req.fileSize,
        },
      },
      extract(req.headers),
    );
    const ctx = trace.setSpan(ROOT_CONTEXT, span);
    // CPU-bound resize + normalise runs on the single-worker executor; requests wait here when it is busy.
    const queuedAt = sim.now;
    yield preprocessWorker.acquire();
    stats.preprocessWaitMs.push(sim.now - queuedAt);
    const work = tracer.startSpan(
      SPAN.preprocessImage,
      { startTime: sim.hr(), attributes: { 'image.target_size': '640x640', 'file.size': req.fileSize } },
      ctx,
    );
    // ~0.85 ms per KB decoded + 60 ms fixed (resize, letterbox, normalise): ~315 ms on average
    const W = PREPROCESS_WORK;
    yield sleep(Math.max(W.minMs, W.fixedMs + W.msPerKiB * (req.fileSize / 1024) + rng.normal(0, W.noiseSdMs)));
    work.end(sim.hr());
    preprocessWorker.release();

    // Call inference with up to 3 attempts and a 100 ms pause between them.
    let response;
    for (let attempt = 1; attempt <= 3; attempt++) {
      response = yield* httpCall(
        tracer,
        span,
        SPAN.callInference,
        {
          'http.method': 'POST',
          'http.url': 'http://inference:5002/infer',
          'server.address': 'inference',
          'http.resend_count': attempt - 1,
        },
        inferenceHandler,
        { requestId: req.requestId },
      );
      if (response.status < 500) break;
      if (attempt < 3) yield sleep(100);
    }
    span.setAttribute('downstream.status_code', response.status);
    if (response.status >= 400) fail(span, 502, 'Downstream service unavailable');
    else span.setAttribute('http.status_code', 200);
    span.end(sim.hr());
    return response.status >= 400 ? { status: 502, error: 'Downstream service unavailable' } : { status: 200 };
  }

  // -- ingestion: POST /ingest --------------------------------------------------------------------------------
  function* ingestHandler(req) {
    const { tracer } = otel.ingestion;
    const span = tracer.startSpan(
      SPAN.ingest,
      {
        kind: SpanKind.SERVER,
        startTime: sim.hr(),
        attributes: {
          'http.method': 'POST',
          'http.route': '/ingest',
          'request.id': req.requestId,
          'file.name': req.fileName,
          'file.size': req.fileSize,
        },
      },
      extract(req.headers),
    );
    const ctx = trace.setSpan(ROOT_CONTEXT, span);
    const validate = tracer.startSpan(SPAN.validate, { startTime: sim.hr(), attributes: { 'file.size': req.fileSize } }, ctx);
    yield sleep(rng.uniform(1.5, 4.5));
    validate.end(sim.hr());
    const response = yield* httpCall(
      tracer,
      span,
      SPAN.callPreprocess,
      { 'http.method': 'POST', 'http.url': 'http://pre-processor:5001/preprocess', 'server.address': 'pre-processor' },
      preprocessHandler,
      req,
    );
    if (response.status >= 400) fail(span, response.status, response.error);
    else span.setAttribute('http.status_code', 200);
    span.end(sim.hr());
    return response;
  }

  // -- load generator -----------------------------------------------------------------------------------------
  function* sendImage(n) {
    const { tracer } = otel['load-generator'];
    const t0 = sim.now;
    const fileName = load.pick(IMAGES);
    const fileSize = Math.round(load.uniform(IMAGE_KIB.min, IMAGE_KIB.max) * 1024);
    const requestId = load.hex(16);
    const span = tracer.startSpan(
      SPAN.send,
      {
        kind: SpanKind.CLIENT,
        startTime: sim.hr(),
        attributes: {
          'http.method': 'POST',
          'http.url': 'http://ingestion:8000/ingest',
          'server.address': 'ingestion',
          'request.id': requestId,
          'loadgen.request_number': n,
          'loadgen.target_rps': opts.rate,
          'file.name': fileName,
          'file.size': fileSize,
        },
      },
      ROOT_CONTEXT,
    );
    yield sleep(net());
    const response = yield* ingestHandler({ headers: inject(span), requestId, fileName, fileSize });
    yield sleep(net());
    if (response.status >= 400) {
      fail(span, response.status, response.error);
      stats.errors++;
    } else span.setAttribute('http.status_code', response.status);
    span.end(sim.hr());
    stats.e2eMs.push(sim.now - t0);
  }

  function* loadGenerator() {
    let n = 0;
    for (;;) {
      yield sleep(load.exp(1000 / opts.rate));
      if (sim.now >= opts.duration * 1000) return;
      stats.requests++;
      sim.spawn(sendImage(++n));
    }
  }

  return {
    async run(receiverUrl) {
      otel = makeProviders(receiverUrl, opts.seed);
      sim.spawn(loadGenerator());
      sim.run();
      stats.maxQueue = preprocessWorker.maxQueue;
      // Flush in a fixed order so the received batches (and so the files) are deterministic.
      for (const svc of SERVICES) await otel[svc.name].provider.forceFlush();
      for (const svc of SERVICES) await otel[svc.name].provider.shutdown();
      return stats;
    },
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Running and writing
// ---------------------------------------------------------------------------------------------------------------
/** Runs one simulation and returns { requests: the OTLP JSON bodies as POSTed, stats }. */
export async function simulate(flags) {
  const opts = { ...DEFAULTS, ...flags };
  validate(opts);
  const receiver = await startReceiver();
  try {
    const stats = await runPipeline(opts).run(receiver.url);
    const order = SERVICES.map((s) => s.name);
    const requests = receiver.bodies
      .slice()
      .sort((a, b) => order.indexOf(a.service) - order.indexOf(b.service))
      .map((b) => JSON.parse(b.body));
    if (requests.length === 0) throw new Error('simulation: the exporters sent nothing');
    return { requests, stats };
  } finally {
    await receiver.close();
  }
}

/** OTLP JSON text: one merged ExportTraceServiceRequest (.json) or one request per line (.jsonl). */
export function serialize(requests, file) {
  if (file.endsWith('.jsonl')) return requests.map((r) => JSON.stringify(r)).join('\n') + '\n';
  return JSON.stringify({ resourceSpans: requests.flatMap((r) => r.resourceSpans) }) + '\n';
}

function validate(o) {
  const num = (k, lo, hi) => {
    if (typeof o[k] !== 'number' || !Number.isFinite(o[k]) || o[k] < lo || o[k] > hi)
      throw new Error(`--${kebab(k)}: expected a number in [${lo}, ${hi}], got ${o[k]}`);
  };
  num('rate', 0.01, 100);
  num('duration', 1, 3600);
  num('seed', 0, 2 ** 32 - 1);
  num('workers', 1, 64);
  num('v2Share', 0, 1);
  num('v2Slowdown', 0.1, 100);
  num('inferenceErrorRate', 0, 1);
  if (!Number.isInteger(o.workers)) throw new Error('--workers: expected an integer');
  if (!Number.isFinite(Date.parse(o.start))) throw new Error(`--start: not an ISO date: ${o.start}`);
}

const kebab = (k) => k.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase());

function summary(file, flags, stats, bytes) {
  const e2e = stats.e2eMs.slice().sort((a, b) => a - b);
  const waits = stats.preprocessWaitMs;
  const mean = (xs) => xs.reduce((s, x) => s + x, 0) / Math.max(1, xs.length);
  const p = (q) => e2e[Math.min(e2e.length - 1, Math.floor(q * e2e.length))] ?? 0;
  return (
    `${file}: ${stats.requests} traces, ${(bytes / 1024).toFixed(0)} KiB; ` +
    `e2e mean ${mean(e2e).toFixed(0)} ms p50 ${p(0.5).toFixed(0)} p95 ${p(0.95).toFixed(0)}; ` +
    `pre-processor wait mean ${mean(waits).toFixed(0)} ms, max queue ${stats.maxQueue}; errors ${stats.errors}  ` +
    `[${flagString(flags)}]`
  );
}

function flagString(flags) {
  return Object.entries(flags)
    .map(([k, v]) => (v === true ? `--${kebab(k)}` : `--${kebab(k)} ${v}`))
    .join(' ');
}

function parseArgs(argv) {
  const flags = {};
  const args = { flags, root: null, out: null, list: false };
  const numeric = new Set(['rate', 'duration', 'seed', 'workers', 'v2Share', 'v2Slowdown', 'inferenceErrorRate']);
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const key = a.replace(/^--/, '').replace(/-([a-z0-9])/g, (_, c) => c.toUpperCase());
    const value = () => {
      if (i + 1 >= argv.length) throw new Error(`${a}: missing value`);
      return argv[++i];
    };
    if (a === '--root') args.root = value();
    else if (a === '--out') args.out = value();
    else if (a === '--list') args.list = true;
    else if (a === '--n-plus-one') flags.nPlusOne = true;
    else if (a === '--store-results') flags.storeResults = true;
    else if (a === '--serial-store') flags.serialStore = true;
    else if (a === '--start') flags.start = value();
    else if (a.startsWith('--') && numeric.has(key)) {
      const v = value();
      const n = Number(v);
      if (v.trim() === '' || !Number.isFinite(n)) throw new Error(`${a}: expected a number, got "${v}"`);
      flags[key] = n;
    } else if (a === '--help' || a === '-h') {
      args.help = true;
    } else throw new Error(`unknown argument: ${a} (try --help)`);
  }
  return args;
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  if (args.help) {
    const text = (await import('node:fs')).readFileSync(fileURLToPath(import.meta.url), 'utf8');
    const header = [];
    for (const l of text.split('\n').slice(1)) {
      if (!l.startsWith('//')) break;
      header.push(l.slice(3));
    }
    process.stdout.write(header.join('\n') + '\n');
    return;
  }
  if (args.list) {
    for (const o of OUTPUTS) console.log(`${o.file}\t${flagString(o.flags)}`);
    return;
  }
  const jobs = args.out
    ? [{ file: args.out, flags: args.flags, abs: resolve(args.out) }]
    : OUTPUTS.map((o) => ({ ...o, abs: join(resolve(args.root ?? REPO_ROOT), o.file) }));
  if (!args.out && Object.keys(args.flags).length > 0) throw new Error('run flags need --out FILE (without it the committed runs are regenerated)');
  for (const job of jobs) {
    const { requests, stats } = await simulate(job.flags);
    const text = serialize(requests, job.abs);
    mkdirSync(dirname(job.abs), { recursive: true });
    writeFileSync(job.abs, text);
    console.log(summary(job.file, job.flags, stats, Buffer.byteLength(text)));
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((err) => {
    console.error(`simulate: ${err.message}`);
    process.exit(2);
  });
}
