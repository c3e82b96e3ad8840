/**
 * Query sources against local HTTP servers (127.0.0.1:0) that replay the public fixtures in the real API shapes of
 * Jaeger (api_v3 and classic), Grafana Tempo (search + trace by id, v1 and v2), Zipkin v2 and a plain file URL, plus
 * the failure modes: 401, a 404 HTML page, an HTML 200, a timeout and an unreachable port.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  fetchBaselineAndIncident,
  fetchRaw,
  fetchTraces,
  incidentAndBaseline,
  lastWindow,
  parseDuration,
  SourceError,
  specFromUrl,
  type Progress,
} from '../../../src/sources/query/index';
import { isUrlInput, loadInput } from '../../../src/sources/resolve-input';
import { runFetch } from '../../../src/cli/commands/fetch';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';

const FIX = join(__dirname, '..', '..', 'fixtures', 'public');
const read = (p: string) => readFileSync(join(FIX, p), 'utf8');

type Handler = (req: http.IncomingMessage, url: URL, res: http.ServerResponse) => void;
interface Srv {
  url: string;
  requests: URL[];
  headers: http.IncomingHttpHeaders[];
  close(): Promise<void>;
}

async function serve(handler: Handler): Promise<Srv> {
  const requests: URL[] = [];
  const headers: http.IncomingHttpHeaders[] = [];
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    requests.push(url);
    headers.push(req.headers);
    handler(req, url, res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    headers,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

function json(res: http.ServerResponse, status: number, body: unknown) {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json' });
  res.end(text);
}
const HTML_404 = '<!DOCTYPE html><html><head><title>Not Found</title></head><body><h1>404</h1></body></html>';

/** OTLP spans of a fixture, flattened. */
function otlpSpans(doc: { resourceSpans?: any[] }): any[] {
  return (doc.resourceSpans ?? []).flatMap((rs) => (rs.scopeSpans ?? []).flatMap((ss: any) => ss.spans ?? []));
}
function hexToB64(h: string): string {
  return Buffer.from(h, 'hex').toString('base64');
}

const NOW = Date.parse('2024-12-01T14:30:00Z');
const WINDOW = { startMs: NOW - 3_600_000, endMs: NOW };

describe('query sources against replayed backend APIs', () => {
  let jaeger: Srv; // api_v3 + classic
  let jaegerOld: Srv; // classic only (api_v3 → 404 like an old Jaeger)
  let tempo: Srv; // v2 trace-by-id
  let tempoOld: Srv; // v1 only, base64 ids
  let zipkin: Srv;
  let files: Srv;
  let errors: Srv;
  const otel01 = JSON.parse(read('jaeger/otlp/otel_traces_01.json'));
  const scopeAttrs = JSON.parse(read('jaeger/otlp/scope_attributes_trace.json'));
  const sysNormal = read('sys4bigml/normal-traces-minified-1.json');
  const sysSpiked = read('sys4bigml/spiked-traces-minified-1.json');
  const tempoDocs = new Map<string, any>();
  for (const d of [otel01, scopeAttrs]) for (const s of otlpSpans(d)) tempoDocs.set(s.traceId.toLowerCase(), d);

  before(async () => {
    const classic: Handler = (_req, url, res) => {
      if (!url.searchParams.get('service')) return json(res, 400, { data: null, total: 0, errors: [{ code: 400, msg: 'parameter service is required' }] });
      // the window picks the file: spiked for the last 15 minutes, normal before
      const endMs = Number(url.searchParams.get('end')) / 1000;
      return json(res, 200, endMs > NOW - 15 * 60_000 ? sysSpiked : sysNormal);
    };
    jaeger = await serve((req, url, res) => {
      if (url.pathname === '/api/v3/traces') {
        if (url.searchParams.get('query.service_name') === 'nobody') {
          return json(res, 404, { error: { httpCode: 404, message: 'trace not found' } });
        }
        if (!url.searchParams.get('query.start_time_min') || !url.searchParams.get('query.start_time_max')) {
          return json(res, 400, { error: { httpCode: 400, message: 'query.start_time_min and query.start_time_max are required' } });
        }
        return json(res, 200, { result: otel01 });
      }
      if (url.pathname === '/api/traces') return classic(req, url, res);
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('404 page not found\n');
    });
    jaegerOld = await serve((req, url, res) => {
      if (url.pathname === '/api/traces') return classic(req, url, res);
      const byId = /^\/api\/traces\/([0-9a-f]+)$/.exec(url.pathname);
      if (byId) {
        const t = JSON.parse(sysNormal).data.find((x: any) => x.traceID === byId[1]);
        return t ? json(res, 200, { data: [t], total: 1 }) : json(res, 404, { data: null, errors: [{ code: 404, msg: 'trace not found' }] });
      }
      // the UI's pages (/search, /trace/<id>) are its single-page app
      if (url.pathname === '/search' || url.pathname.startsWith('/trace/')) return void res.writeHead(200, { 'Content-Type': 'text/html' }).end('<!doctype html><html><body>Jaeger UI</body></html>');
      res.writeHead(404, { 'Content-Type': 'text/html' }).end(HTML_404);
    });
    const tempoHandler = (v2: boolean): Handler => (_req, url, res) => {
      if (url.pathname === '/api/search') {
        const limit = Number(url.searchParams.get('limit') ?? 20);
        const ids = [...tempoDocs.keys()];
        // an id that the search index still has but the trace store no longer does
        if (url.searchParams.get('q')?.includes('expired')) ids.push('f'.repeat(32));
        const traces = ids.slice(0, limit).map((id) => ({ traceID: id, rootServiceName: 'svc', startTimeUnixNano: '0', durationMs: 1 }));
        return json(res, 200, { traces, metrics: { inspectedTraces: traces.length } });
      }
      const m = /^\/api(\/v2)?\/traces\/([0-9a-f]+)$/.exec(url.pathname);
      if (m && (v2 || !m[1])) {
        const doc = tempoDocs.get(m[2]!);
        if (!doc) {
          res.writeHead(404, { 'Content-Type': 'text/plain' });
          return res.end('trace not found');
        }
        const only = structuredClone(doc);
        for (const rs of only.resourceSpans) for (const ss of rs.scopeSpans) ss.spans = ss.spans.filter((s: any) => s.traceId.toLowerCase() === m[2]);
        if (m[1]) return json(res, 200, { trace: only, status: 'COMPLETE' });
        // Tempo v1: {"batches": [...]} with base64 ids, as its protobuf-JSON marshaller writes them
        for (const rs of only.resourceSpans)
          for (const ss of rs.scopeSpans)
            for (const s of ss.spans) {
              s.traceId = hexToB64(s.traceId);
              s.spanId = hexToB64(s.spanId);
              if (s.parentSpanId) s.parentSpanId = hexToB64(s.parentSpanId);
            }
        return json(res, 200, { batches: only.resourceSpans });
      }
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('404 page not found\n');
    };
    tempo = await serve(tempoHandler(true));
    tempoOld = await serve(tempoHandler(false));
    zipkin = await serve((_req, url, res) => {
      if (url.pathname !== '/api/v2/traces') return json(res, 404, { message: 'not found' });
      const traces = [JSON.parse(read('zipkin/yelp.json')), JSON.parse(read('zipkin/skew.json'))];
      const limit = Number(url.searchParams.get('limit') ?? 10);
      return json(res, 200, traces.slice(0, limit));
    });
    files = await serve((_req, url, res) => {
      if (url.pathname === '/trace.json') return json(res, 200, read('otlp-proto/trace.json'));
      if (url.pathname === '/traces.jsonl') {
        res.writeHead(200, { 'Content-Type': 'application/x-ndjson' });
        return res.end(read('otel-go-instrumentation/nethttp/traces-orig.json'));
      }
      res.writeHead(404, { 'Content-Type': 'text/html' }).end(HTML_404);
    });
    errors = await serve((req, url, res) => {
      if (url.pathname.startsWith('/auth')) {
        if (req.headers.authorization !== 'Bearer s3cret') return json(res, 401, { message: 'unauthorized' });
        return json(res, 200, sysNormal);
      }
      if (url.pathname.startsWith('/forbidden')) return json(res, 403, { message: 'forbidden' });
      if (url.pathname.startsWith('/slow')) {
        const t = setTimeout(() => json(res, 200, sysNormal), 5_000);
        res.on('close', () => clearTimeout(t));
        return;
      }
      if (url.pathname.startsWith('/grafana')) {
        res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
        return res.end('<!doctype html><html><body>Grafana</body></html>');
      }
      if (url.pathname.startsWith('/notjson')) return json(res, 200, 'this is not json');
      if (url.pathname.startsWith('/boom')) return json(res, 500, { error: 'storage backend unavailable' });
      res.writeHead(404, { 'Content-Type': 'text/html' }).end(HTML_404);
    });
  });

  after(async () => {
    await Promise.all([jaeger, jaegerOld, tempo, tempoOld, zipkin, files, errors].filter(Boolean).map((s) => s.close()));
  });

  it('parses durations and windows', () => {
    assert.equal(parseDuration('15m'), 900_000);
    assert.equal(parseDuration('1h30m'), 5_400_000);
    assert.equal(parseDuration('500ms'), 500);
    assert.throws(() => parseDuration('15 minutes'), /invalid duration/);
    assert.throws(() => parseDuration(''), /invalid duration/);
    const w = incidentAndBaseline('15m', '1h', NOW);
    assert.deepEqual(w.incident, { startMs: NOW - 900_000, endMs: NOW });
    assert.deepEqual(w.baseline, { startMs: NOW - 900_000 - 3_600_000, endMs: NOW - 900_000 });
  });

  it('Jaeger api_v3: sends the api_v3 query and unwraps {"result"}', async () => {
    const progress: Progress[] = [];
    const raw = await fetchRaw({ kind: 'jaeger', baseUrl: jaeger.url, service: 'frontend', window: WINDOW }, { maxTraces: 50, onProgress: (p) => progress.push(p) });
    assert.equal(raw.api, 'jaeger-v3');
    const q = jaeger.requests.at(-1)!;
    assert.equal(q.pathname, '/api/v3/traces');
    assert.equal(q.searchParams.get('query.service_name'), 'frontend');
    assert.equal(q.searchParams.get('query.start_time_min'), new Date(WINDOW.startMs).toISOString());
    assert.equal(q.searchParams.get('query.start_time_max'), new Date(WINDOW.endMs).toISOString());
    assert.equal(q.searchParams.get('query.num_traces'), '50');
    assert.equal(raw.docs.length, 1);
    assert.equal(otlpSpans(JSON.parse(raw.docs[0]!.text)).length, otlpSpans(otel01).length);
    assert.ok(progress.length >= 2);

    const run = await fetchTraces({ kind: 'jaeger', baseUrl: jaeger.url, service: 'frontend', window: WINDOW });
    assert.equal(run.model.size, otlpSpans(otel01).length);
    assert.equal(run.source.api, 'jaeger-v3');
  });

  it('Jaeger api_v3: "trace not found" means no traces, not a missing API', async () => {
    const before = jaeger.requests.length;
    const run = await fetchTraces({ kind: 'jaeger', baseUrl: jaeger.url, service: 'nobody', window: WINDOW });
    assert.equal(run.model.size, 0);
    assert.equal(run.source.api, 'jaeger-v3');
    assert.equal(jaeger.requests.length - before, 1, 'no fallback request to the classic API');
  });

  it('Jaeger classic: falls back when api_v3 is missing, sends µs times and limit', async () => {
    const run = await fetchTraces({ kind: 'jaeger', baseUrl: jaegerOld.url, service: 'web-server', window: WINDOW }, { maxTraces: 7 });
    assert.equal(run.source.api, 'jaeger-classic');
    const q = jaegerOld.requests.at(-1)!;
    assert.equal(q.pathname, '/api/traces');
    assert.equal(q.searchParams.get('service'), 'web-server');
    assert.equal(q.searchParams.get('start'), String(WINDOW.startMs * 1000));
    assert.equal(q.searchParams.get('end'), String(WINDOW.endMs * 1000));
    assert.equal(q.searchParams.get('limit'), '7');
    const spans = JSON.parse(sysNormal).data.flatMap((t: any) => t.spans);
    assert.equal(run.model.size, spans.length);
    const names = new Set(Array.from({ length: run.model.size }, (_, i) => run.model.name(i)));
    for (const s of spans) assert.ok(names.has(s.operationName));
  });

  it('h22: the Jaeger UI\'s address bar pasted as it is: its search page → the same query via the API; a trace\'s page → that trace', async () => {
    const search = specFromUrl(`${jaegerOld.url}/search?end=${WINDOW.endMs * 1000}&limit=20&lookback=custom&maxDuration&minDuration&service=web-server&start=${WINDOW.startMs * 1000}`);
    assert.deepEqual(search, { kind: 'jaeger', api: 'classic', baseUrl: jaegerOld.url, service: 'web-server', window: WINDOW });
    const last2h = specFromUrl(`${jaegerOld.url}/jaeger/search?limit=20&lookback=2h&operation=POST%20%2Fpredict&service=web-server`, { now: NOW });
    assert.deepEqual(last2h, { kind: 'jaeger', api: 'classic', baseUrl: `${jaegerOld.url}/jaeger`, service: 'web-server', operation: 'POST /predict', window: { startMs: NOW - 7_200_000, endMs: NOW } });
    const run = await fetchTraces(search);
    assert.equal(run.source.api, 'jaeger-classic');
    assert.ok(run.model.size > 0);
    // a trace's page
    const id = JSON.parse(sysNormal).data[0].traceID as string;
    assert.deepEqual(specFromUrl(`${jaegerOld.url}/trace/${id.toUpperCase()}`), { kind: 'url', url: `${jaegerOld.url}/api/traces/${id}` });
    const one = await loadInput(`${jaegerOld.url}/trace/${id}`);
    assert.equal(new Set(Array.from({ length: one.model.size }, (_, k) => one.model.traceId(k))).size, 1);
    // the API's own trace URL stays as it is
    assert.deepEqual(specFromUrl(`${jaegerOld.url}/api/traces/${id}`), { kind: 'url', url: `${jaegerOld.url}/api/traces/${id}` });
  });

  it('baseline vs incident as two windows ("last 15m vs the hour before")', async () => {
    const windows = incidentAndBaseline('15m', '1h', NOW);
    const { baseline, incident } = await fetchBaselineAndIncident(
      { kind: 'jaeger', api: 'classic', baseUrl: jaeger.url, service: 'web-server', window: WINDOW },
      windows,
    );
    const ids = (text: string) => new Set<string>(JSON.parse(text).data.map((t: any) => t.traceID));
    const traceIds = (m: typeof baseline.model) => new Set(Array.from({ length: m.size }, (_, k) => m.traceId(k)));
    assert.notDeepEqual(ids(sysNormal), ids(sysSpiked));
    assert.deepEqual(traceIds(baseline.model), ids(sysNormal));
    assert.deepEqual(traceIds(incident.model), ids(sysSpiked));
    // the incident window was the later one
    const reqs = jaeger.requests.filter((r) => r.pathname === '/api/traces').slice(-2);
    assert.equal(Number(reqs[0]!.searchParams.get('end')), windows.baseline.endMs * 1000);
    assert.equal(Number(reqs[1]!.searchParams.get('start')), windows.incident.startMs * 1000);
  });

  it('baseline vs incident as two URLs', async () => {
    const { baseline, incident } = await fetchBaselineAndIncident(
      { baseline: { kind: 'url', url: files.url + '/trace.json' }, incident: { kind: 'url', url: files.url + '/traces.jsonl' } },
      undefined,
    );
    assert.equal(baseline.model.size, 1);
    assert.equal(incident.model.size, 2);
  });

  it('Tempo: TraceQL search, then v2 trace by id', async () => {
    const raw = await fetchRaw({ kind: 'tempo', baseUrl: tempo.url, service: 'checkout', window: WINDOW }, { maxTraces: 10 });
    const search = tempo.requests.find((r) => r.pathname === '/api/search')!;
    assert.equal(search.searchParams.get('q'), '{ resource.service.name = "checkout" }');
    assert.equal(search.searchParams.get('start'), String(WINDOW.startMs / 1000));
    assert.equal(search.searchParams.get('end'), String(WINDOW.endMs / 1000));
    assert.equal(raw.api, 'tempo-v2');
    assert.equal(raw.traces, tempoDocs.size);
    assert.ok(tempo.requests.some((r) => r.pathname.startsWith('/api/v2/traces/')));
    const total = raw.docs.reduce((a, d) => a + otlpSpans(JSON.parse(d.text)).length, 0);
    assert.equal(total, otlpSpans(otel01).length + otlpSpans(scopeAttrs).length);
    const run = await fetchTraces({ kind: 'tempo', baseUrl: tempo.url, query: '{ status = error }', window: WINDOW });
    assert.equal(run.model.size, total);
  });

  it('Tempo: a trace gone between search and fetch is skipped, with progress saying so', async () => {
    const progress: string[] = [];
    for (const srv of [tempo, tempoOld]) {
      const raw = await fetchRaw({ kind: 'tempo', baseUrl: srv.url, query: '{ name = "expired" }', window: WINDOW }, { onProgress: (p) => progress.push(p.message) });
      assert.equal(raw.traces, tempoDocs.size);
    }
    assert.ok(progress.filter((m) => /1 trace\(s\) no longer found/.test(m)).length === 2, progress.join('\n'));
  });

  it('Tempo: falls back to /api/traces/{id} and turns base64 ids into hex', async () => {
    const raw = await fetchRaw({ kind: 'tempo', baseUrl: tempoOld.url, window: WINDOW }, { maxTraces: 1 });
    assert.equal(raw.api, 'tempo-v1');
    assert.equal(raw.traces, 1);
    assert.equal(raw.truncated, false);
    const spans = otlpSpans(JSON.parse(raw.docs[0]!.text));
    const firstId = [...tempoDocs.keys()][0]!;
    assert.ok(spans.length > 0 && spans.every((s) => s.traceId === firstId && /^[0-9a-f]{16}$/.test(s.spanId)));
  });

  it('Zipkin v2: sends serviceName/endTs/lookback/limit and flattens the traces', async () => {
    const raw = await fetchRaw({ kind: 'zipkin', baseUrl: zipkin.url, service: 'frontend', window: WINDOW }, { maxTraces: 5 });
    const q = zipkin.requests.at(-1)!;
    assert.equal(q.searchParams.get('serviceName'), 'frontend');
    assert.equal(q.searchParams.get('endTs'), String(WINDOW.endMs));
    assert.equal(q.searchParams.get('lookback'), String(3_600_000));
    assert.equal(q.searchParams.get('limit'), '5');
    const n = JSON.parse(read('zipkin/yelp.json')).length + JSON.parse(read('zipkin/skew.json')).length;
    assert.equal(JSON.parse(raw.docs[0]!.text).length, n);
    assert.equal(raw.traces, 2);
    const run = await fetchTraces({ kind: 'zipkin', baseUrl: zipkin.url, service: 'frontend', window: WINDOW }, { maxTraces: 1 });
    assert.equal(run.source.traces, 1);
    assert.equal(run.model.size, JSON.parse(read('zipkin/yelp.json')).length);
  });

  it('a plain URL of an OTLP JSON file', async () => {
    const run = await fetchTraces({ kind: 'url', url: files.url + '/trace.json' });
    assert.equal(run.model.size, 1);
  });

  it('sends the token as a Bearer header; 401/403 say to check the token', async () => {
    const spec = { kind: 'jaeger' as const, api: 'classic' as const, baseUrl: errors.url + '/auth', service: 's', window: WINDOW };
    await assert.rejects(fetchRaw(spec), (e: unknown) => e instanceof SourceError && e.kind === 'auth' && /401.*check the token/.test(e.message));
    await assert.rejects(fetchRaw(spec, { token: 'wrong' }), /check the token/);
    const ok = await fetchRaw({ ...spec, baseUrl: errors.url + '/auth' }, { token: 's3cret' });
    assert.equal(ok.traces, 1);
    await assert.rejects(fetchRaw({ ...spec, baseUrl: errors.url + '/forbidden' }, { token: 'x' }), (e: unknown) => e instanceof SourceError && e.status === 403);
  });

  it('a 404 HTML page or an HTML 200 is "not a tracing API"', async () => {
    await assert.rejects(
      fetchRaw({ kind: 'zipkin', baseUrl: errors.url + '/nothing', service: 's', window: WINDOW }),
      (e: unknown) => e instanceof SourceError && e.kind === 'not-found' && /not a tracing API — expected JSON/.test(e.message) || /not a tracing API/.test(String(e)),
    );
    await assert.rejects(
      fetchRaw({ kind: 'zipkin', baseUrl: errors.url + '/grafana', service: 's', window: WINDOW }),
      (e: unknown) => e instanceof SourceError && e.kind === 'not-tracing-api' && /HTML page/.test(e.message),
    );
    await assert.rejects(fetchRaw({ kind: 'zipkin', baseUrl: errors.url + '/notjson', service: 's', window: WINDOW }), /did not return JSON/);
    await assert.rejects(fetchRaw({ kind: 'zipkin', baseUrl: errors.url + '/boom', service: 's', window: WINDOW }), /HTTP 500.*storage backend unavailable/);
    // a wrong backend type: Zipkin's base URL used as Jaeger
    await assert.rejects(fetchRaw({ kind: 'jaeger', baseUrl: zipkin.url, service: 's', window: WINDOW }), (e: unknown) => e instanceof SourceError);
  });

  it('times out a backend that does not answer', async () => {
    await assert.rejects(
      fetchRaw({ kind: 'zipkin', baseUrl: errors.url + '/slow', service: 's', window: WINDOW }, { timeoutMs: 300 }),
      (e: unknown) => e instanceof SourceError && e.kind === 'timeout' && /timed out after 0.3s/.test(e.message),
    );
  });

  it('a port fetch refuses to use ("bad port", e.g. 6000) is named with what to do, not "failed: bad port"', async () => {
    await assert.rejects(
      fetchRaw({ kind: 'jaeger', baseUrl: 'http://127.0.0.1:6000', service: 's', window: WINDOW }),
      (e: unknown) => e instanceof SourceError && e.kind === 'unreachable' && /^cannot reach 127\.0\.0\.1:6000: port 6000 is on the list of ports Node's fetch never connects to .*; expose the tracing backend on another port/.test(e.message),
    );
  });

  it('reports an unreachable port plainly', async () => {
    const s = await serve(() => {});
    const url = s.url;
    await s.close();
    await assert.rejects(
      fetchRaw({ kind: 'jaeger', baseUrl: url, service: 's', window: WINDOW }),
      (e: unknown) => e instanceof SourceError && e.kind === 'unreachable' && /cannot reach 127\.0\.0\.1:\d+ \(connection refused/.test(e.message),
    );
  });

  it('loadInput takes a pasted backend URL or a file path alike', async () => {
    assert.ok(isUrlInput('http://h/x') && isUrlInput('jaeger+https://h') && !isUrlInput('/tmp/x.json'));
    const viaUrl = await loadInput(jaegerOld.url + '/api/traces?service=web-server&lookback=1h');
    assert.equal(viaUrl.source?.api, 'jaeger-classic');
    assert.equal(viaUrl.model.size, JSON.parse(sysSpiked).data.flatMap((t: any) => t.spans).length); // "now" is after NOW
    const viaFile = await loadInput(join(FIX, 'sys4bigml', 'spiked-traces-minified-1.json'));
    assert.equal(viaFile.model.size, viaUrl.model.size);
    assert.equal(viaFile.source, undefined);
  });

  it('trace-doctor fetch writes what the backend returned to a file every command can read', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'td-fetch-'));
    try {
      let err = '';
      const io = { out: () => {}, err: (s: string) => (err += s) };
      const out = join(dir, 'tempo.jsonl');
      assert.equal(await runFetch([`tempo+${tempo.url}`, '--last', '2h', '--limit', '5', '-o', out], io), 0);
      const run = await loadInput(out);
      assert.equal(run.model.size, otlpSpans(otel01).length + otlpSpans(scopeAttrs).length);
      assert.match(err, /spans in 2 trace\(s\) from tempo-v2 → /);
      const out2 = join(dir, 'jaeger.json');
      assert.equal(await runFetch([`${jaegerOld.url}/api/traces?service=web-server`, '-o', out2], io), 0);
      assert.equal((await loadInput(out2)).model.size, JSON.parse(sysSpiked).data.flatMap((t: any) => t.spans).length);
      await assert.rejects(runFetch([`jaeger+${errors.url}/auth?service=x`, '-o', out2], io), /check the token/);
      process.env.TD_TEST_TOKEN = 's3cret';
      assert.equal(await runFetch([`${errors.url}/auth/api/traces?service=x`, '--token-env', 'TD_TEST_TOKEN', '-o', out2], io), 0);
      await assert.rejects(runFetch(['http://h/x', '--last', 'soon'], io), /invalid duration/);
      // baseline vs incident in one call: the sys4bigml normal run is served for the earlier window
      const inc = join(dir, 'incident.json');
      const base = join(dir, 'baseline.json');
      assert.equal(await runFetch([`jaeger+${jaegerOld.url}?service=web-server`, '--start', new Date(NOW - 15 * 60_000).toISOString(), '--end', new Date(NOW).toISOString(), '--baseline', '1h', '--baseline-out', base, '-o', inc], io), 0);
      const traceIdsOf = async (f: string) => { const m = (await loadInput(f)).model; return new Set(Array.from({ length: m.size }, (_, k) => m.traceId(k))); };
      assert.deepEqual(await traceIdsOf(base), new Set(JSON.parse(sysNormal).data.map((t: any) => t.traceID)));
      assert.deepEqual(await traceIdsOf(inc), new Set(JSON.parse(sysSpiked).data.map((t: any) => t.traceID)));
      await assert.rejects(runFetch([`jaeger+${jaeger.url}?service=x`, '--baseline', '1h', '--baseline-out', base], io), /needs the incident window/);
    } finally {
      delete process.env.TD_TEST_TOKEN;
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('turns pasted URLs into specs', () => {
    const j = specFromUrl('http://h:16686/api/traces?service=checkout&lookback=15m', { now: NOW });
    assert.deepEqual(j, { kind: 'jaeger', api: 'classic', baseUrl: 'http://h:16686', service: 'checkout', operation: undefined, window: lastWindow('15m', NOW) });
    const v3 = specFromUrl('http://h:16686/jaeger/api/v3/traces?query.service_name=a&query.start_time_min=2024-12-01T13:00:00Z&query.start_time_max=2024-12-01T14:00:00Z');
    assert.equal(v3.kind, 'jaeger');
    assert.equal((v3 as any).baseUrl, 'http://h:16686/jaeger');
    assert.equal((v3 as any).window.endMs, Date.parse('2024-12-01T14:00:00Z'));
    const t = specFromUrl('http://h:3200/api/search?q=%7B%7D&start=1700000000&end=1700003600');
    assert.deepEqual(t, { kind: 'tempo', baseUrl: 'http://h:3200', query: '{}', window: { startMs: 1700000000_000, endMs: 1700003600_000 } });
    const z = specFromUrl('http://h:9411/api/v2/traces?serviceName=f&endTs=1700003600000&lookback=60000');
    assert.deepEqual((z as any).window, { startMs: 1700003540000, endMs: 1700003600000 });
    assert.equal(specFromUrl('jaeger+http://h:16686?service=x&last=30m', { now: NOW }).kind, 'jaeger');
    assert.throws(() => specFromUrl('zipkin+http://h:9411'), /needs a service/);
    assert.deepEqual(specFromUrl('https://example.test/dumps/run1.json'), { kind: 'url', url: 'https://example.test/dumps/run1.json' });
    assert.throws(() => specFromUrl('ftp://h/x'), /only http/);
  });
});
