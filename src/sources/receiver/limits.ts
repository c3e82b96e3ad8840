/**
 * Limits on the DECODED work of one OTLP request, checked before anything large is materialised (see ./proto-scan.ts
 * and ./json-scan.ts). The byte limit alone is not enough: 60 MiB of protobuf can hold 30 million empty attributes,
 * each a pair of bytes on the wire and a few hundred bytes once decoded into objects.
 *
 * Defaults, and what guided them:
 * - the SDKs' span limits (OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT, OTEL_SPAN_EVENT_COUNT_LIMIT, OTEL_SPAN_LINK_COUNT_LIMIT) are
 *   128 each: 1,024 attributes (or events, or links) per span leaves 8× that;
 * - the SDK batch processors export 512 spans per request by default and the Collector's batch processor 8,192:
 *   100,000 spans per request leaves 12× the Collector's batches;
 * - Go's protobuf runtime (the Collector's decoder) stops at 10,000 levels of nesting; attribute values are almost
 *   always flat, and 32 levels of nested arrayValue/kvlistValue is far deeper than any instrumentation produces
 *   while keeping every recursive reader downstream (JSON.stringify, the trace parser) safe.
 */
export interface ReceiverLimits {
  /** spans in one request (default 100,000) */
  maxSpans: number;
  /** attributes of one span, event, link, resource or scope; also events and links of one span (default 1,024) */
  maxAttributesPerSpan: number;
  /**
   * attributes in one request, counted everywhere (resources, scopes, spans, events, links, elements of array and
   * kvlist values) together with events, links and resource/scope entries (default 1,000,000)
   */
  maxAttributes: number;
  /** nesting of attribute values: arrayValue/kvlistValue inside one another (default 32) */
  maxDepth: number;
}

export const DEFAULT_LIMITS: Readonly<ReceiverLimits> = Object.freeze({
  maxSpans: 100_000,
  maxAttributesPerSpan: 1_024,
  maxAttributes: 1_000_000,
  maxDepth: 32,
});

export function resolveLimits(l: Partial<ReceiverLimits> | undefined): ReceiverLimits {
  const out = { ...DEFAULT_LIMITS, ...(l ?? {}) };
  for (const [k, v] of Object.entries(out)) {
    if (!Number.isInteger(v) || v < 1) throw new RangeError(`receiver limit ${k} must be a positive integer, got ${v}`);
  }
  return out;
}

/** A request over a decoded-work limit (413) or malformed in a way the scan found (400). */
export class LimitError extends Error {
  constructor(
    readonly status: 400 | 413,
    message: string,
  ) {
    super(message);
  }
}

export function tooMany(what: string, limit: number, option: string): LimitError {
  return new LimitError(413, `${what} exceeds the limit of ${limit.toLocaleString('en-US')} (${option}); send smaller batches`);
}

/**
 * JSON nesting allowed for `maxDepth` levels of attribute values: an event attribute's value sits 12 objects/arrays
 * deep (request, resourceSpans, resource span, scopeSpans, scope span, spans, span, events, event, attributes,
 * key-value, value) and each kvlist level adds 4 (kvlistValue, values, key-value, value).
 */
export function jsonDepthFor(maxDepth: number): number {
  return 8 + 4 * maxDepth;
}
