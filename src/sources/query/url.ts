/** A plain URL of a trace file (OTLP JSON / JSON Lines, Jaeger or Zipkin JSON): fetched as text, parsed like a file. */
import { getText, redactUrl } from './http';
import type { Fetched, QueryOptions, UrlSpec } from './types';

export async function fetchUrl(spec: UrlSpec, opts: QueryOptions = {}): Promise<Fetched> {
  opts.onProgress?.({ phase: 'download', done: 0, message: `downloading ${redactUrl(spec.url)}` });
  const { text } = await getText(spec.url, opts, 'a trace file (OTLP JSON, JSON Lines, Jaeger or Zipkin JSON)', 'application/json, application/x-ndjson, */*');
  opts.onProgress?.({ phase: 'download', done: 1, total: 1, message: `downloaded ${text.length} bytes` });
  return { docs: [{ name: redactUrl(spec.url), text }], traces: 0, truncated: false, api: 'url' };
}
