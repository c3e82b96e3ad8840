import type { HttpOptions } from './http';
import type { TimeWindow } from './time';

/** One document fetched from a backend, handed as text to the trace parsers. */
export interface FetchedDoc {
  /** where it came from (URL, credentials redacted) */
  name: string;
  text: string;
}

export interface Fetched {
  docs: FetchedDoc[];
  /** traces fetched */
  traces: number;
  /** true when the backend had more traces than the limit */
  truncated: boolean;
  /** which API answered, e.g. 'jaeger-v3', 'jaeger-classic', 'tempo-v2', 'zipkin-v2', 'url' */
  api: string;
}

export interface QueryOptions extends HttpOptions {
  /** maximum number of traces to fetch (default 200) */
  maxTraces?: number;
  /** concurrent per-trace requests (Tempo) (default 4) */
  concurrency?: number;
  /** total bytes of all responses of one load (default DEFAULT_MAX_TOTAL_BYTES, 512 MiB); ignored when `budget` is given */
  maxTotalBytes?: number;
}

export interface JaegerSpec {
  kind: 'jaeger';
  /** base URL of the Jaeger query service, e.g. http://localhost:16686 */
  baseUrl: string;
  service: string;
  operation?: string;
  window: TimeWindow;
  /** 'auto' (default) tries api_v3 and falls back to the classic /api/traces */
  api?: 'auto' | 'v3' | 'classic';
  /** classic API: extra tag filters */
  tags?: Record<string, string>;
  minDuration?: string;
  maxDuration?: string;
}

export interface TempoSpec {
  kind: 'tempo';
  /** base URL of Tempo's HTTP API, e.g. http://localhost:3200 */
  baseUrl: string;
  /** TraceQL query; default `{ resource.service.name = "<service>" }` (or `{}` without a service) */
  query?: string;
  service?: string;
  window: TimeWindow;
  /** trace-by-id API: 'auto' (default) tries /api/v2/traces/{id} then /api/traces/{id} */
  api?: 'auto' | 'v1' | 'v2';
}

export interface ZipkinSpec {
  kind: 'zipkin';
  /** base URL of Zipkin, e.g. http://localhost:9411 */
  baseUrl: string;
  service: string;
  spanName?: string;
  window: TimeWindow;
}

export interface UrlSpec {
  kind: 'url';
  /** a URL of a trace file (OTLP JSON / JSON Lines, Jaeger JSON, Zipkin JSON) */
  url: string;
}

export type QuerySpec = JaegerSpec | TempoSpec | ZipkinSpec | UrlSpec;
