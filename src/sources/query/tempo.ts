/**
 * Grafana Tempo: `GET /api/search?q=<TraceQL>&start=&end=&limit=` for trace ids, then each trace by id through
 * `/api/v2/traces/{id}` ({"trace": OTLP}) or `/api/traces/{id}` ({"batches": [ResourceSpans]}).
 * Tempo's JSON encodes span/trace ids as base64 (protobuf bytes); they are turned into OTLP/JSON hex here.
 */
import { getJson, mapLimit, SourceError, redactUrl } from './http';
import type { Fetched, QueryOptions, TempoSpec } from './types';
import { idToHex } from '../id-hex';

export { idToHex };

const SEARCH_EXPECT = '{"traces": [{"traceID": …}]} (Tempo /api/search)';
const TRACE_EXPECT = 'a trace as {"batches": […]} or {"trace": {"resourceSpans": […]}} (Tempo)';

function base(u: string): string {
  return u.replace(/\/+$/, '');
}

function normaliseIds(resourceSpans: Record<string, any>[]): void {
  for (const rs of resourceSpans) {
    for (const ss of rs?.scopeSpans ?? rs?.instrumentationLibrarySpans ?? []) {
      for (const s of ss?.spans ?? []) {
        s.traceId = idToHex(s.traceId, 16);
        s.spanId = idToHex(s.spanId, 8);
        if (s.parentSpanId !== undefined) s.parentSpanId = idToHex(s.parentSpanId, 8);
        for (const l of s.links ?? []) {
          l.traceId = idToHex(l.traceId, 16);
          l.spanId = idToHex(l.spanId, 8);
        }
      }
    }
  }
}

export function defaultTraceQL(service?: string): string {
  return service ? `{ resource.service.name = ${JSON.stringify(service)} }` : '{}';
}

export async function fetchTempo(spec: TempoSpec, opts: QueryOptions = {}): Promise<Fetched> {
  const max = opts.maxTraces ?? 200;
  const b = base(spec.baseUrl);
  const su = new URL(b + '/api/search');
  su.searchParams.set('q', spec.query ?? defaultTraceQL(spec.service));
  su.searchParams.set('start', String(Math.floor(spec.window.startMs / 1000)));
  su.searchParams.set('end', String(Math.ceil(spec.window.endMs / 1000)));
  su.searchParams.set('limit', String(max));
  opts.onProgress?.({ phase: 'search', done: 0, message: `searching Tempo: ${su.searchParams.get('q')}` });
  const found = (await getJson(su.toString(), opts, SEARCH_EXPECT)) as { traces?: { traceID?: string }[] };
  if (!found || typeof found !== 'object' || !('traces' in found || 'metrics' in found)) {
    throw new SourceError('not-tracing-api', `${redactUrl(su.toString())} is not Tempo's search API (expected ${SEARCH_EXPECT})`, su.toString());
  }
  let ids = [...new Set((found.traces ?? []).map((t) => String(t.traceID ?? '')).filter(Boolean))];
  const truncated = ids.length > max;
  ids = ids.slice(0, max);
  opts.onProgress?.({ phase: 'fetch-trace', done: 0, total: ids.length, message: `Tempo: fetching ${ids.length} trace(s)` });

  let api = spec.api ?? 'auto';
  let done = 0;
  const gone = (e: unknown) => e instanceof SourceError && e.kind === 'not-found' && /trace not found/i.test(e.message);
  let missing = 0;
  const docs = await mapLimit(ids, opts.concurrency ?? 4, async (id) => {
    const range = `start=${Math.floor(spec.window.startMs / 1000)}&end=${Math.ceil(spec.window.endMs / 1000)}`;
    let body: Record<string, any> | null = null;
    let url = '';
    const mode = api; // other fetches in flight may settle the API meanwhile
    if (mode !== 'v1') {
      url = `${b}/api/v2/traces/${encodeURIComponent(id)}?${range}`;
      try {
        body = (await getJson(url, opts, TRACE_EXPECT)) as Record<string, any>;
        if (api === 'auto') api = 'v2';
      } catch (e) {
        // a trace that expired between search and fetch: skip it
        if (gone(e)) {
          missing++;
          return null;
        }
        // Tempo before 2.6 has no v2 endpoint: fall back once, then stay on v1
        if (!(mode === 'auto' && api !== 'v2' && e instanceof SourceError && (e.kind === 'not-found' || e.kind === 'not-tracing-api'))) throw e;
        api = 'v1';
      }
    }
    if (!body) {
      url = `${b}/api/traces/${encodeURIComponent(id)}?${range}`;
      try {
        body = (await getJson(url, opts, TRACE_EXPECT)) as Record<string, any>;
      } catch (e) {
        if (gone(e)) {
          missing++;
          return null;
        }
        throw e;
      }
    }
    const rs = (body?.trace?.resourceSpans ?? body?.batches ?? body?.resourceSpans) as Record<string, any>[] | undefined;
    if (!Array.isArray(rs)) {
      if (body && typeof body === 'object' && (body.trace === null || (body.trace && Object.keys(body.trace).length === 0))) return null;
      throw new SourceError('not-tracing-api', `${redactUrl(url)} is not a Tempo trace (expected ${TRACE_EXPECT})`, url);
    }
    normaliseIds(rs);
    done++;
    opts.onProgress?.({ phase: 'fetch-trace', done, total: ids.length, message: `Tempo: trace ${done}/${ids.length}` });
    return { name: redactUrl(url), text: JSON.stringify({ resourceSpans: rs }) };
  });
  const kept = docs.filter((d): d is NonNullable<typeof d> => d !== null);
  if (missing > 0) opts.onProgress?.({ phase: 'fetch-trace', done: ids.length, total: ids.length, message: `Tempo: ${missing} trace(s) no longer found, skipped` });
  return { docs: kept, traces: kept.length, truncated, api: api === 'v1' ? 'tempo-v1' : 'tempo-v2' };
}
