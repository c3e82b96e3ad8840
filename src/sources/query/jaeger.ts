/**
 * Jaeger query service: api_v3 `GET /api/v3/traces?query.service_name=…&query.start_time_min=…` (OTLP JSON, wrapped
 * as {"result": …}) and the classic `GET /api/traces?service=…&start=…&end=…&limit=…` ({"data": [traces]}).
 */
import { getJson, getText, SourceError, redactUrl } from './http';
import type { Fetched, JaegerSpec, QueryOptions } from './types';

const V3_EXPECT = 'OTLP traces under "result" (Jaeger api_v3)';
const CLASSIC_EXPECT = '{"data": [traces]} (Jaeger query API)';

function base(u: string): string {
  return u.replace(/\/+$/, '');
}

export async function fetchJaeger(spec: JaegerSpec, opts: QueryOptions = {}): Promise<Fetched> {
  const api = spec.api ?? 'auto';
  if (api === 'classic') return fetchClassic(spec, opts);
  try {
    return await fetchV3(spec, opts);
  } catch (e) {
    // older Jaeger (< 1.35) has no api_v3 over HTTP; a 404 there means "try the classic API"
    if (api === 'auto' && e instanceof SourceError && (e.kind === 'not-found' || e.kind === 'not-tracing-api')) {
      opts.onProgress?.({ phase: 'search', done: 0, message: 'api_v3 not available, trying the classic Jaeger API' });
      return fetchClassic(spec, opts);
    }
    throw e;
  }
}

/** Count distinct trace ids in OTLP JSON resourceSpans, keeping at most `max` traces. */
function limitOtlp(rs: Record<string, any>[], max: number): { resourceSpans: Record<string, any>[]; traces: number; truncated: boolean } {
  const seen = new Set<string>();
  let truncated = false;
  const out: Record<string, any>[] = [];
  for (const r of rs) {
    const scopeSpans: Record<string, any>[] = [];
    for (const ss of r?.scopeSpans ?? r?.instrumentationLibrarySpans ?? []) {
      const spans = (ss?.spans ?? []).filter((s: Record<string, any>) => {
        const t = String(s?.traceId ?? '');
        if (seen.has(t)) return true;
        if (seen.size >= max) {
          truncated = true;
          return false;
        }
        seen.add(t);
        return true;
      });
      if (spans.length) scopeSpans.push({ ...ss, spans });
    }
    if (scopeSpans.length) out.push({ ...r, scopeSpans });
  }
  return { resourceSpans: out, traces: seen.size, truncated };
}

async function fetchV3(spec: JaegerSpec, opts: QueryOptions): Promise<Fetched> {
  const max = opts.maxTraces ?? 200;
  const u = new URL(base(spec.baseUrl) + '/api/v3/traces');
  u.searchParams.set('query.service_name', spec.service);
  if (spec.operation) u.searchParams.set('query.operation_name', spec.operation);
  u.searchParams.set('query.start_time_min', new Date(spec.window.startMs).toISOString());
  u.searchParams.set('query.start_time_max', new Date(spec.window.endMs).toISOString());
  u.searchParams.set('query.num_traces', String(max));
  if (spec.minDuration) u.searchParams.set('query.duration_min', spec.minDuration);
  if (spec.maxDuration) u.searchParams.set('query.duration_max', spec.maxDuration);
  opts.onProgress?.({ phase: 'search', done: 0, message: `querying Jaeger api_v3 for ${spec.service}` });
  let text: string;
  try {
    ({ text } = await getText(u.toString(), opts, V3_EXPECT));
  } catch (e) {
    // api_v3 answers a search that matched nothing with 404 {"error":{"message":"trace not found"}}: an empty result
    if (e instanceof SourceError && e.kind === 'not-found' && /trace not found/i.test(e.message)) {
      opts.onProgress?.({ phase: 'search', done: 0, total: 0, message: 'Jaeger api_v3: no traces matched' });
      return { docs: [], traces: 0, truncated: false, api: 'jaeger-v3' };
    }
    throw e;
  }
  // A response is one {"result": TracesData} object, or (streaming gateway) several, one per line.
  const parts: unknown[] = [];
  try {
    parts.push(JSON.parse(text));
  } catch {
    for (const line of text.split('\n')) {
      if (!line.trim()) continue;
      try {
        parts.push(JSON.parse(line));
      } catch {
        throw new SourceError('not-tracing-api', `${redactUrl(u.toString())} did not return JSON — not a tracing API (expected ${V3_EXPECT})`, u.toString());
      }
    }
  }
  const rs: Record<string, any>[] = [];
  for (const p of parts as Record<string, any>[]) {
    if (p && typeof p === 'object' && p.error) {
      const msg = p.error.message ?? JSON.stringify(p.error);
      // Jaeger answers "trace not found" when nothing matched the search
      if (/not found/i.test(String(msg))) continue;
      throw new SourceError('http', `Jaeger api_v3 error from ${redactUrl(u.toString())}: ${msg}`, u.toString(), p.error.httpCode);
    }
    const data = p?.result ?? p;
    if (!data || typeof data !== 'object' || !('resourceSpans' in data)) {
      if (data && typeof data === 'object' && Object.keys(data).length === 0) continue; // empty TracesData
      throw new SourceError('not-tracing-api', `${redactUrl(u.toString())} is not a Jaeger api_v3 endpoint (expected ${V3_EXPECT})`, u.toString());
    }
    rs.push(...((data as { resourceSpans?: Record<string, any>[] }).resourceSpans ?? []));
  }
  const lim = limitOtlp(rs, max);
  opts.onProgress?.({ phase: 'search', done: lim.traces, total: lim.traces, message: `Jaeger api_v3: ${lim.traces} trace(s)` });
  return {
    docs: lim.resourceSpans.length ? [{ name: redactUrl(u.toString()), text: JSON.stringify({ resourceSpans: lim.resourceSpans }) }] : [],
    traces: lim.traces,
    truncated: lim.truncated,
    api: 'jaeger-v3',
  };
}

async function fetchClassic(spec: JaegerSpec, opts: QueryOptions): Promise<Fetched> {
  const max = opts.maxTraces ?? 200;
  const u = new URL(base(spec.baseUrl) + '/api/traces');
  u.searchParams.set('service', spec.service);
  if (spec.operation) u.searchParams.set('operation', spec.operation);
  u.searchParams.set('start', String(Math.floor(spec.window.startMs * 1000)));
  u.searchParams.set('end', String(Math.floor(spec.window.endMs * 1000)));
  u.searchParams.set('limit', String(max));
  if (spec.tags && Object.keys(spec.tags).length) u.searchParams.set('tags', JSON.stringify(spec.tags));
  if (spec.minDuration) u.searchParams.set('minDuration', spec.minDuration);
  if (spec.maxDuration) u.searchParams.set('maxDuration', spec.maxDuration);
  opts.onProgress?.({ phase: 'search', done: 0, message: `querying Jaeger /api/traces for ${spec.service}` });
  const body = (await getJson(u.toString(), opts, CLASSIC_EXPECT)) as { data?: unknown; errors?: { code?: number; msg?: string }[] | null };
  if (!body || typeof body !== 'object' || !('data' in body)) {
    throw new SourceError('not-tracing-api', `${redactUrl(u.toString())} is not a Jaeger query API (expected ${CLASSIC_EXPECT})`, u.toString());
  }
  if (body.errors && body.errors.length && !Array.isArray(body.data)) {
    throw new SourceError('http', `Jaeger error: ${body.errors.map((e) => `${e.code ?? ''} ${e.msg ?? ''}`.trim()).join('; ')}`, u.toString());
  }
  let data = Array.isArray(body.data) ? (body.data as unknown[]) : [];
  const truncated = data.length > max;
  if (truncated) data = data.slice(0, max);
  opts.onProgress?.({ phase: 'search', done: data.length, total: data.length, message: `Jaeger: ${data.length} trace(s)` });
  return {
    docs: data.length ? [{ name: redactUrl(u.toString()), text: JSON.stringify({ data }) }] : [],
    traces: data.length,
    truncated,
    api: 'jaeger-classic',
  };
}
