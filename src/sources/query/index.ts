/**
 * Query sources: fetch traces from a tracing backend (Jaeger api_v3 / classic, Grafana Tempo, Zipkin v2) or a plain
 * URL, and parse them with the same parsers as files into a LoadedRun-like object.
 *
 *   fetchTraces({ kind: 'jaeger', baseUrl, service, window: lastWindow('15m') }, { token, timeoutMs, maxTraces, onProgress })
 *   fetchBaselineAndIncident(spec, incidentAndBaseline('15m', '1h'), opts)     // "last 15 min vs the hour before"
 *   specFromUrl('http://jaeger:16686/api/traces?service=checkout&lookback=1h')  // a pasted URL → spec
 */
import { fetchJaeger } from './jaeger';
import { fetchTempo } from './tempo';
import { fetchZipkin } from './zipkin';
import { fetchUrl } from './url';
import { parseDocs, type ParsedDocs } from './parse-docs';
import { ByteBudget, DEFAULT_MAX_TOTAL_BYTES, SourceError } from './http';
import { lastWindow, parseDuration, parseTime, type TimeWindow } from './time';
import type { Fetched, QueryOptions, QuerySpec } from './types';

export * from './types';
export { ByteBudget, DEFAULT_MAX_RESPONSE_BYTES, DEFAULT_MAX_TOTAL_BYTES, MAX_RESPONSE_CEILING, SourceError, type Progress, type HttpOptions } from './http';
export { parseDuration, parseTime, lastWindow, incidentAndBaseline, describeWindow, type TimeWindow } from './time';

export interface FetchedRun extends ParsedDocs {
  /** where the traces came from */
  source: { kind: QuerySpec['kind']; api: string; urls: string[]; traces: number; truncated: boolean };
}

/** Fetch without parsing (the documents as the backend sent them, normalised to one text per request). */
export function fetchRaw(spec: QuerySpec, given: QueryOptions = {}): Promise<Fetched> {
  // one byte budget over every response of this load (Tempo: one response per trace)
  const opts: QueryOptions = given.budget ? given : { ...given, budget: new ByteBudget(given.maxTotalBytes ?? DEFAULT_MAX_TOTAL_BYTES, given.limitHint) };
  switch (spec.kind) {
    case 'jaeger':
      return fetchJaeger(spec, opts);
    case 'tempo':
      return fetchTempo(spec, opts);
    case 'zipkin':
      return fetchZipkin(spec, opts);
    case 'url':
      return fetchUrl(spec, opts);
  }
}

/** Fetch and parse into a model. */
export async function fetchTraces(spec: QuerySpec, opts: QueryOptions = {}): Promise<FetchedRun> {
  const f = await fetchRaw(spec, opts);
  opts.onProgress?.({ phase: 'parse', done: 0, total: f.docs.length, message: `parsing ${f.docs.length} document(s)` });
  const parsed = parseDocs(f.docs);
  opts.onProgress?.({ phase: 'parse', done: f.docs.length, total: f.docs.length, message: `${parsed.model.size} spans` });
  return {
    ...parsed,
    source: { kind: spec.kind, api: f.api, urls: f.docs.map((d) => d.name), traces: f.traces || parsed.model.traces().size, truncated: f.truncated },
  };
}

function withWindow(spec: QuerySpec, window: TimeWindow): QuerySpec {
  return spec.kind === 'url' ? spec : { ...spec, window };
}

/**
 * Baseline vs incident: either one backend spec queried over two windows (`windows`), or two specs (e.g. two URLs).
 */
export async function fetchBaselineAndIncident(
  spec: QuerySpec | { baseline: QuerySpec; incident: QuerySpec },
  windows: { baseline: TimeWindow; incident: TimeWindow } | undefined,
  opts: QueryOptions = {},
): Promise<{ baseline: FetchedRun; incident: FetchedRun }> {
  let b: QuerySpec;
  let i: QuerySpec;
  if ('baseline' in spec) {
    b = windows ? withWindow(spec.baseline, windows.baseline) : spec.baseline;
    i = windows ? withWindow(spec.incident, windows.incident) : spec.incident;
  } else {
    if (!windows && spec.kind !== 'url') throw new Error('baseline vs incident from one backend needs two time windows');
    b = windows ? withWindow(spec, windows.baseline) : spec;
    i = windows ? withWindow(spec, windows.incident) : spec;
  }
  const tag = (label: string) => ({ ...opts, onProgress: opts.onProgress && ((p: Parameters<NonNullable<QueryOptions['onProgress']>>[0]) => opts.onProgress!({ ...p, message: `${label}: ${p.message}` })) });
  const baseline = await fetchTraces(b, tag('baseline'));
  const incident = await fetchTraces(i, tag('incident'));
  return { baseline, incident };
}

const PREFIX = /^(jaeger|tempo|zipkin)\+(https?:\/\/.*)$/i;

/**
 * Turn a pasted URL into a spec. Recognised:
 *  - API URLs: `…/api/v3/traces?query.service_name=…` and `…/api/traces?service=…` (Jaeger), `…/api/search?q=…`
 *    (Tempo), `…/api/v2/traces?serviceName=…` (Zipkin); their own time parameters are honoured;
 *  - `jaeger+http://host:16686?service=x&last=15m`, `tempo+http://host:3200?q=…`, `zipkin+http://host:9411?service=x`;
 *  - the Jaeger UI's own address bar, as an on-call engineer copies it: `…/search?service=x&lookback=1h&limit=20`
 *    (the same query through the classic API) and `…/trace/<trace id>` (that trace, `…/api/traces/<id>`) — fetched
 *    as they are, both are the UI's HTML page;
 *  - anything else: a plain trace-file URL.
 * `last` (e.g. 15m, default 1h) sets the window when the URL has none.
 */
export function specFromUrl(input: string, defaults: { window?: TimeWindow; service?: string; now?: number } = {}): QuerySpec {
  const now = defaults.now ?? Date.now();
  let kind: 'jaeger' | 'tempo' | 'zipkin' | undefined;
  let raw = input.trim();
  const m = PREFIX.exec(raw);
  if (m) {
    kind = m[1]!.toLowerCase() as typeof kind;
    raw = m[2]!;
  }
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw new SourceError('bad-request', `invalid URL: ${input}`, input);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new SourceError('bad-request', `only http(s) URLs are supported: ${input}`, input);
  const q = u.searchParams;
  const path = u.pathname.replace(/\/+$/, '');
  const window = (): TimeWindow => {
    if (defaults.window && !q.has('last') && !q.has('lookback') && !q.has('start')) return defaults.window;
    const last = q.get('last') ?? q.get('lookback');
    // the Jaeger UI writes lookback=custom next to its start/end
    if (last && last !== 'custom' && !/^\d+$/.test(last)) return lastWindow(parseDuration(last), now);
    if (q.get('start') && q.get('end')) {
      const s = q.get('start')!;
      const e = q.get('end')!;
      // Jaeger classic uses µs, Tempo s; accept ISO and ms too
      const t = (v: string) => (/^\d{16}$/.test(v) ? Number(v) / 1000 : parseTime(v, now));
      return { startMs: t(s), endMs: t(e) };
    }
    return lastWindow('1h', now);
  };
  const baseOf = (suffix: string) => u.origin + u.pathname.slice(0, u.pathname.length - suffix.length).replace(/\/+$/, '');
  if (!kind && path.endsWith('/api/v3/traces')) {
    const w =
      q.get('query.start_time_min') && q.get('query.start_time_max')
        ? { startMs: Date.parse(q.get('query.start_time_min')!), endMs: Date.parse(q.get('query.start_time_max')!) }
        : window();
    return { kind: 'jaeger', api: 'v3', baseUrl: baseOf('/api/v3/traces'), service: q.get('query.service_name') ?? defaults.service ?? '', operation: q.get('query.operation_name') ?? undefined, window: w };
  }
  if (!kind && path.endsWith('/api/v2/traces') && q.has('serviceName')) {
    const end = q.get('endTs') ? Number(q.get('endTs')) : now;
    const lookback = q.get('lookback') ? Number(q.get('lookback')) : 3_600_000;
    return { kind: 'zipkin', baseUrl: baseOf('/api/v2/traces'), service: q.get('serviceName')!, spanName: q.get('spanName') ?? undefined, window: { startMs: end - lookback, endMs: end } };
  }
  if (!kind && path.endsWith('/api/traces') && q.has('service')) {
    return { kind: 'jaeger', api: 'classic', baseUrl: baseOf('/api/traces'), service: q.get('service')!, operation: q.get('operation') ?? undefined, window: window() };
  }
  // the Jaeger UI (its path may carry a base-path prefix): the search page and a trace's page
  if (!kind && path.endsWith('/search') && !path.endsWith('/api/search') && q.has('service')) {
    const operation = q.get('operation') ?? undefined;
    return { kind: 'jaeger', api: 'classic', baseUrl: baseOf('/search'), service: q.get('service')!, ...(operation ? { operation } : {}), window: window() };
  }
  const uiTrace = !kind ? /^(.*)\/trace\/([0-9a-f]{16,32})$/i.exec(path) : null;
  if (uiTrace && !uiTrace[1]!.endsWith('/api')) return { kind: 'url', url: `${u.origin}${uiTrace[1]}/api/traces/${uiTrace[2]!.toLowerCase()}` };
  if (!kind && path.endsWith('/api/search')) {
    const w = q.get('start') && q.get('end') ? { startMs: Number(q.get('start')) * 1000, endMs: Number(q.get('end')) * 1000 } : window();
    return { kind: 'tempo', baseUrl: baseOf('/api/search'), query: q.get('q') ?? undefined, window: w };
  }
  if (kind) {
    const baseUrl = u.origin + u.pathname.replace(/\/+$/, '');
    const service = q.get('service') ?? q.get('serviceName') ?? defaults.service ?? '';
    if (kind === 'tempo') return { kind, baseUrl, query: q.get('q') ?? undefined, service: service || undefined, window: window() };
    if (!service) throw new SourceError('bad-request', `${kind} URL needs a service: add ?service=NAME`, input);
    if (kind === 'jaeger') return { kind, baseUrl, service, operation: q.get('operation') ?? undefined, window: window() };
    return { kind, baseUrl, service, spanName: q.get('spanName') ?? undefined, window: window() };
  }
  return { kind: 'url', url: raw };
}
