/**
 * Exemplar traces (the waterfall view under the flame graph): wire types and guards shared by the host
 * (src/extension/panels/exemplar-host.ts), the report (src/cli/commands/flame.ts embeds a bounded bundle), the core
 * that computes them (src/core/exemplars) and the webview (webview/flame/exemplars.ts, waterfall.ts).
 * Types and guards only: no `vscode`, no `node:*`.
 *
 * Flow: the webview asks for the exemplar list of the selected call path (`exemplarsRequest`), the host answers with
 * `exemplars` (trace ids and a few numbers, never spans); the webview then asks for the traces it shows
 * (`traceRequest`, one trace each, bounded in size) and the host answers with `trace`.
 */

/** One step of a call path: the flame graph's node identity. */
export interface CallPathSegment {
  service: string;
  name: string;
}

export type ExemplarSide = 'incident' | 'baseline';

/** One candidate trace for the waterfall. */
export interface ExemplarRef {
  side: ExemplarSide;
  traceId: string;
  /** why it was picked: "slowest", "#2", "median", "p40", … */
  label: string;
  /** end-to-end latency of the trace (longest root span, else its extent), ms */
  latencyMs: number;
  /** summed duration of the trace's spans on the selected call path, ms */
  nodeMs: number;
  /** spans of the trace on the selected call path */
  calls: number;
  /** spans in the trace */
  spans: number;
  error: boolean;
  /** Unix ms of the trace's first span (NaN-free: 0 when unknown) */
  startMs: number;
}

export interface ExemplarList {
  path: CallPathSegment[];
  /** the slowest incident traces through the call path, slowest first */
  incident: ExemplarRef[];
  /** typical baseline traces of the same entry point (path[0]), the median first */
  baseline: ExemplarRef[];
  /** how many traces of each side go through the call path */
  incidentMatches: number;
  baselineMatches: number;
  /** baseline traces whose entry point is path[0] (the pool the typical trace is picked from) */
  baselineEntryTraces: number;
  /** false when there is no baseline at all (a single run) */
  hasBaseline: boolean;
  /** a sentence for the user when a side is empty */
  note?: string;
}

/** Per-span flag bits of {@link WaterfallTrace.flags}. */
export const SpanFlag = {
  Error: 1,
  /** some of the span's own time lies on the trace's critical path */
  Critical: 2,
  /** start shifted into its parent (another service's clock was off), like Jaeger's clock-skew adjustment */
  SkewAdjusted: 4,
  /** its parent is not in the trace */
  Orphan: 8,
  /** ends after its parent ends (async / fire-and-forget) */
  OutlivesParent: 16,
} as const;

/**
 * One trace for the waterfall, columnar. Spans are in depth-first order (children by start time), so a span's
 * parent comes before it. Times are ms relative to the trace's first span, rounded to the microsecond.
 */
export interface WaterfallTrace {
  version: 1;
  side: ExemplarSide;
  traceId: string;
  /** Unix ms of time 0 */
  startMs: number;
  /** extent of the spans shown, ms */
  durationMs: number;
  /** end-to-end latency as the engine counts it, ms */
  latencyMs: number;
  /** spans in the trace; `n` < `totalSpans` when the trace was cut to the size limit */
  totalSpans: number;
  n: number;
  strings: string[];
  /** index of the parent in these arrays, −1 for roots (and spans whose parent was cut) */
  parent: number[];
  depth: number[];
  service: number[];
  name: number[];
  /** string index of the OTLP kind name */
  kind: number[];
  start: number[];
  dur: number[];
  /** {@link SpanFlag} bits */
  flags: number[];
  /** time between the reference point (the caller's start, or the end of the caller's previous call that ended
   *  before this one) and the span's start, ms; 0 for roots */
  gap: number[];
  /** critical path: segments of the spans' own time, [span index, start ms, end ms] flattened */
  crit: number[];
}

/** One span's identity, status, attributes and events (bounded; values cut to {@link SPAN_VALUE_MAX} characters). */
export interface SpanDetail {
  spanId: string;
  parentSpanId: string;
  kind: string;
  status: string;
  statusMessage: string;
  /** span attributes as [key, value as text], at most {@link SPAN_ATTRS_MAX} */
  attributes: [string, string][];
  /** resource attributes (service.name, host, …), at most {@link SPAN_ATTRS_MAX} */
  resource: [string, string][];
  /** events: ms from the trace's time 0 (NaN-free: −1 when unknown), name, attributes as text */
  events: { timeMs: number; name: string; attributes: [string, string][] }[];
  /** attributes / events left out by the bounds */
  omitted: number;
}
export const SPAN_ATTRS_MAX = 64;
export const SPAN_EVENTS_MAX = 20;
export const SPAN_VALUE_MAX = 300;

/** The bounded exemplars embedded in the standalone report. */
export interface ExemplarBundle {
  version: 1;
  lists: ExemplarList[];
  traces: WaterfallTrace[];
  /** details of some spans (those on the embedded call paths) */
  details?: { side: ExemplarSide; traceId: string; index: number; detail: SpanDetail }[];
  /** a sentence shown when the selected operation has no embedded list */
  note?: string;
}

// ---------------------------------------------------------------------------------------------------------------------
// messages

export interface ExemplarsRequestMessage {
  type: 'exemplarsRequest';
  path: CallPathSegment[];
}
export interface TraceRequestMessage {
  type: 'traceRequest';
  side: ExemplarSide;
  traceId: string;
  /** the selected call path (spans on it and their ancestors are kept first when the trace is cut) */
  path?: CallPathSegment[];
}
/** Details of span `index` of a trace the host sent before. */
export interface SpanRequestMessage {
  type: 'spanRequest';
  side: ExemplarSide;
  traceId: string;
  index: number;
}
export interface SpanMessage {
  type: 'span';
  side: ExemplarSide;
  traceId: string;
  index: number;
  detail: SpanDetail | null;
  error?: string;
}
export interface ExemplarsMessage {
  type: 'exemplars';
  path: CallPathSegment[];
  list: ExemplarList | null;
  /** why there is no list */
  error?: string;
}
export interface TraceMessage {
  type: 'trace';
  side: ExemplarSide;
  traceId: string;
  trace: WaterfallTrace | null;
  error?: string;
}

export type ExemplarToHostMessage = ExemplarsRequestMessage | TraceRequestMessage | SpanRequestMessage;
export type HostToExemplarMessage = ExemplarsMessage | TraceMessage | SpanMessage;

const obj = (m: unknown): m is Record<string, unknown> => typeof m === 'object' && m !== null;
const str = (v: unknown, max = 10_000): v is string => typeof v === 'string' && v.length <= max;
export const MAX_PATH_DEPTH = 512;

export const isCallPath = (v: unknown): v is CallPathSegment[] =>
  Array.isArray(v) && v.length >= 1 && v.length <= MAX_PATH_DEPTH && v.every((s) => obj(s) && str(s.service) && str(s.name));
export const isSide = (v: unknown): v is ExemplarSide => v === 'incident' || v === 'baseline';

export const isExemplarsRequest = (m: unknown): m is ExemplarsRequestMessage => obj(m) && m.type === 'exemplarsRequest' && isCallPath(m.path);
export const isTraceRequest = (m: unknown): m is TraceRequestMessage =>
  obj(m) && m.type === 'traceRequest' && isSide(m.side) && str(m.traceId, 512) && m.traceId.length > 0 && (m.path === undefined || isCallPath(m.path));

export const isSpanRequest = (m: unknown): m is SpanRequestMessage =>
  obj(m) && m.type === 'spanRequest' && isSide(m.side) && str(m.traceId, 512) && m.traceId.length > 0 && Number.isInteger(m.index) && (m.index as number) >= 0;
export const isSpanDetail = (v: unknown): v is SpanDetail => obj(v) && typeof v.spanId === 'string' && Array.isArray(v.attributes) && Array.isArray(v.resource) && Array.isArray(v.events);
export const isSpanMessage = (m: unknown): m is SpanMessage =>
  obj(m) && m.type === 'span' && isSide(m.side) && str(m.traceId, 512) && typeof m.index === 'number' && (m.detail === null || isSpanDetail(m.detail));

export const isWaterfallTrace = (v: unknown): v is WaterfallTrace =>
  obj(v) &&
  v.version === 1 &&
  isSide(v.side) &&
  typeof v.n === 'number' &&
  Array.isArray(v.strings) &&
  ['parent', 'depth', 'service', 'name', 'kind', 'start', 'dur', 'flags', 'gap'].every((k) => Array.isArray(v[k]) && (v[k] as unknown[]).length === v.n) &&
  Array.isArray(v.crit) &&
  v.crit.length % 3 === 0;
export const isExemplarList = (v: unknown): v is ExemplarList => obj(v) && isCallPath(v.path) && Array.isArray(v.incident) && Array.isArray(v.baseline);

export const isExemplars = (m: unknown): m is ExemplarsMessage => obj(m) && m.type === 'exemplars' && isCallPath(m.path) && (m.list === null || isExemplarList(m.list));
export const isTraceMessage = (m: unknown): m is TraceMessage =>
  obj(m) && m.type === 'trace' && isSide(m.side) && str(m.traceId, 512) && (m.trace === null || isWaterfallTrace(m.trace));

export const isExemplarBundle = (v: unknown): v is ExemplarBundle => obj(v) && v.version === 1 && Array.isArray(v.lists) && Array.isArray(v.traces);

/** Key of a call path (for maps). */
export const pathKey = (p: readonly CallPathSegment[]): string => p.map((s) => `${s.service}\u0000${s.name}`).join('\u0001');
