/** Zipkin v2: `GET /api/v2/traces?serviceName=…&endTs=<ms>&lookback=<ms>&limit=…` → [[span, …], …]. */
import { getJson, SourceError, redactUrl } from './http';
import type { Fetched, QueryOptions, ZipkinSpec } from './types';

const EXPECT = 'a JSON array of traces, each an array of Zipkin v2 spans';

export async function fetchZipkin(spec: ZipkinSpec, opts: QueryOptions = {}): Promise<Fetched> {
  const max = opts.maxTraces ?? 200;
  const u = new URL(spec.baseUrl.replace(/\/+$/, '') + '/api/v2/traces');
  u.searchParams.set('serviceName', spec.service);
  if (spec.spanName) u.searchParams.set('spanName', spec.spanName);
  u.searchParams.set('endTs', String(Math.floor(spec.window.endMs)));
  u.searchParams.set('lookback', String(Math.max(1, Math.floor(spec.window.endMs - spec.window.startMs))));
  u.searchParams.set('limit', String(max));
  opts.onProgress?.({ phase: 'search', done: 0, message: `querying Zipkin for ${spec.service}` });
  const body = await getJson(u.toString(), opts, EXPECT);
  if (!Array.isArray(body) || !body.every((t) => Array.isArray(t))) {
    throw new SourceError('not-tracing-api', `${redactUrl(u.toString())} is not Zipkin's /api/v2/traces (expected ${EXPECT})`, u.toString());
  }
  let traces = body as unknown[][];
  const truncated = traces.length > max;
  if (truncated) traces = traces.slice(0, max);
  const spans = traces.flat();
  opts.onProgress?.({ phase: 'search', done: traces.length, total: traces.length, message: `Zipkin: ${traces.length} trace(s), ${spans.length} spans` });
  return { docs: spans.length ? [{ name: redactUrl(u.toString()), text: JSON.stringify(spans) }] : [], traces: traces.length, truncated, api: 'zipkin-v2' };
}
