/** Format detection from content: byte sniffing (binary vs text), text mode (JSON vs JSON Lines), document shape. */
import type { TraceFormat } from './types';
import { jsonText, textOf } from './values';

type Obj = Record<string, unknown>;

/**
 * Offset of the first byte that is not part of a well-formed UTF-8 sequence in `b[0, end)`, or -1. A sequence cut by
 * `end` counts as invalid only when `complete` (the bytes are the whole input); otherwise it is the sample's edge.
 */
export function firstInvalidUtf8(b: Uint8Array, end = b.length, complete = true): number {
  let i = 0;
  while (i < end) {
    const c = b[i]!;
    if (c < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (c >= 0xc2 && c <= 0xdf) need = 1;
    else if (c >= 0xe0 && c <= 0xef) {
      need = 2;
      if (c === 0xe0) lo = 0xa0; // no overlong forms
      if (c === 0xed) hi = 0x9f; // no surrogates
    } else if (c >= 0xf0 && c <= 0xf4) {
      need = 3;
      if (c === 0xf0) lo = 0x90;
      if (c === 0xf4) hi = 0x8f; // ≤ U+10FFFF
    } else return i;
    for (let k = 1; k <= need; k++) {
      if (i + k >= end) return complete ? i : -1; // cut at the end of the sample
      const x = b[i + k]!;
      if (k === 1 ? x < lo || x > hi : (x & 0xc0) !== 0x80) return i;
    }
    i += need + 1;
  }
  return -1;
}

/**
 * Why a byte prefix is not text, or null when it looks like UTF-8 text. Looks at the first 64 KiB at most.
 * `more`: the input continues after `head` (default: when `head` is longer than what is looked at), so a
 * multi-byte character cut at the edge of the sample is not an error.
 */
export function sniffBinary(head: Uint8Array, more = head.length > 65536): string | null {
  const n = Math.min(head.length, 65536);
  if (n >= 2 && head[0] === 0x1f && head[1] === 0x8b) return 'gzip-compressed data, not a JSON trace file (decompress it first: gunzip)';
  if (n >= 4 && head[0] === 0x28 && head[1] === 0xb5 && head[2] === 0x2f && head[3] === 0xfd) {
    return 'zstd-compressed data (the collector file exporter with compression: zstd), not a JSON trace file (decompress it first: zstd -d)';
  }
  for (let i = 0; i < n; i++) {
    if (head[i] === 0) return `binary data (NUL byte at offset ${i}), not a JSON trace file`;
  }
  // UTF-16 BOMs: JSON files in the wild are UTF-8; say so plainly
  if (n >= 2 && ((head[0] === 0xff && head[1] === 0xfe) || (head[0] === 0xfe && head[1] === 0xff))) {
    return 'UTF-16 encoded file; trace files must be UTF-8 JSON';
  }
  const bad = firstInvalidUtf8(head, n, !more && n === head.length);
  if (bad >= 0) return `binary data (invalid UTF-8 at byte offset ${bad}), not a JSON trace file`;
  return null;
}

/** Index of the first non-whitespace character (after an optional BOM), or -1. */
export function firstContent(text: string): number {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09 || c === 0xfeff) continue;
    return i;
  }
  return -1;
}

export type TextMode =
  | { mode: 'empty' }
  | { mode: 'json' }
  | { mode: 'jsonl' }
  | { mode: 'not-json'; offset: number; found: string };

/**
 * Decide how to read text from its beginning (`head` may be a prefix of the file; `complete` says it is the whole).
 * A first line that is a complete JSON object (or array) followed by more content → JSON Lines. An object line longer
 * than the head is read as JSON Lines too (a one-line document is a one-line JSON Lines file).
 */
export function detectTextMode(head: string, complete: boolean): TextMode {
  const i = firstContent(head);
  if (i < 0) return complete ? { mode: 'empty' } : { mode: 'json' };
  const c = head[i]!;
  if (c !== '{' && c !== '[') return { mode: 'not-json', offset: i, found: c };
  const nl = head.indexOf('\n', i);
  if (nl < 0) return complete || c === '[' ? { mode: 'json' } : { mode: 'jsonl' };
  const first = head.slice(i, nl).trim();
  if (!first.endsWith(c === '{' ? '}' : ']')) return { mode: 'json' };
  try {
    JSON.parse(first);
  } catch {
    return { mode: 'json' };
  }
  // more content after the first line, or a head that stops before the end of the text → JSON Lines
  return firstContent(head.slice(nl)) >= 0 || !complete ? { mode: 'jsonl' } : { mode: 'json' };
}

export type DocumentShape =
  | { format: TraceFormat; kind: 'otlp'; resourceSpans: unknown[] }
  | { format: TraceFormat; kind: 'otlp-many'; requests: Obj[] }
  | { format: TraceFormat; kind: 'jaeger-traces'; traces: Obj[] }
  | { format: TraceFormat; kind: 'jaeger-spans'; spans: unknown[] }
  | { format: TraceFormat; kind: 'zipkin'; spans: unknown[] }
  | { format: null; reason: string };

function arr(v: unknown): unknown[] | null {
  return Array.isArray(v) ? v : null;
}

function describe(doc: unknown): string {
  if (Array.isArray(doc)) {
    const first = doc.find((x) => x !== null && x !== undefined);
    if (first === undefined) return 'an empty array';
    if (typeof first !== 'object') return `an array of ${typeof first}s`;
    return `an array of objects with keys {${Object.keys(first as Obj).slice(0, 8).join(', ')}}`;
  }
  if (doc === null) return 'null';
  if (typeof doc !== 'object') return `a ${typeof doc}`;
  const keys = Object.keys(doc as Obj);
  return keys.length === 0 ? 'an empty object' : `an object with keys {${keys.slice(0, 8).join(', ')}${keys.length > 8 ? ', …' : ''}}`;
}

export const EXPECTED_SHAPES =
  'expected OTLP {"resourceSpans":[…]}, Jaeger {"data":[…]} / {"result":{…}} / {traceID, spans}, Tempo {"batches":[…]} / {"trace":{…}}, or an array of Zipkin/Jaeger spans';

/** Which trace shape a parsed JSON value is. */
export function detectDocument(doc: unknown): DocumentShape {
  if (Array.isArray(doc)) {
    const first = doc.find((x) => x && typeof x === 'object' && !Array.isArray(x)) as Obj | undefined;
    if (!first) {
      return doc.length === 0 ? { format: null, reason: 'the JSON array is empty: no spans' } : { format: null, reason: `JSON is not a trace: ${describe(doc)}; ${EXPECTED_SHAPES}` };
    }
    if (arr(first.resourceSpans) || arr(first.resource_spans)) return { format: 'otlp-json', kind: 'otlp-many', requests: doc as Obj[] };
    if ((first.traceID !== undefined || first.traceId !== undefined) && arr(first.spans)) return { format: 'jaeger-query', kind: 'jaeger-traces', traces: doc as Obj[] };
    if ((first.traceID !== undefined || first.traceId !== undefined) && (first.spanID !== undefined || first.operationName !== undefined)) {
      return { format: 'jaeger-spans', kind: 'jaeger-spans', spans: doc };
    }
    if (first.traceId !== undefined && (first.id !== undefined || first.localEndpoint !== undefined)) return { format: 'zipkin-v2', kind: 'zipkin', spans: doc };
    return { format: null, reason: `JSON is not a trace: ${describe(doc)}; ${EXPECTED_SHAPES}` };
  }
  if (!doc || typeof doc !== 'object') return { format: null, reason: `JSON is not a trace: ${describe(doc)}; ${EXPECTED_SHAPES}` };
  const o = doc as Obj;
  const rs = arr(o.resourceSpans) ?? arr(o.resource_spans);
  if (rs) return { format: 'otlp-json', kind: 'otlp', resourceSpans: rs };
  const result = o.result as Obj | undefined;
  if (result && typeof result === 'object') {
    const r = arr(result.resourceSpans) ?? arr(result.resource_spans);
    if (r) return { format: 'jaeger-api-v3', kind: 'otlp', resourceSpans: r };
    // api_v2 over the grpc-gateway: {"result": {"spans": [protobuf-JSON Jaeger spans]}}
    if (Array.isArray(result.spans)) return { format: 'jaeger-spans', kind: 'jaeger-spans', spans: result.spans };
  }
  const batches = arr(o.batches);
  if (batches) return { format: 'tempo', kind: 'otlp', resourceSpans: batches };
  const trace = o.trace as Obj | undefined;
  if (trace && typeof trace === 'object') {
    const t = arr(trace.batches) ?? arr(trace.resourceSpans) ?? arr(trace.resource_spans);
    if (t) return { format: 'tempo', kind: 'otlp', resourceSpans: t };
  }
  const data = arr(o.data);
  if (data && (data.length === 0 || data.some((t) => t && typeof t === 'object' && arr((t as Obj).spans)))) {
    return { format: 'jaeger-query', kind: 'jaeger-traces', traces: data.filter((t) => t && typeof t === 'object') as Obj[] };
  }
  if (arr(o.spans) && (o.traceID !== undefined || o.processes !== undefined)) return { format: 'jaeger-ui', kind: 'jaeger-traces', traces: [o] };
  // an error answer saved instead of a trace (Jaeger {"data":null,"errors":[…]}, Tempo/gRPC {"error"|"message"})
  const errs = arr(o.errors);
  if (errs && errs.length > 0) {
    const msgs = errs.map((e) => (e && typeof e === 'object' ? textOf((e as Obj).msg ?? (e as Obj).message ?? jsonText(e)) : String(e)));
    return { format: null, reason: `not a trace but an error answer from a trace API: ${msgs.slice(0, 3).join('; ')}` };
  }
  if (typeof o.error === 'string' || (typeof o.message === 'string' && o.code !== undefined)) {
    return { format: null, reason: `not a trace but an error answer from a trace API: ${textOf(o.error ?? o.message)}` };
  }
  return { format: null, reason: `JSON is not a trace: ${describe(doc)}; ${EXPECTED_SHAPES}` };
}

/**
 * Split text holding several top-level JSON values one after another (`jq` output without -c: pretty-printed objects
 * back to back) into [start, end) ranges. Returns null when the text does not scan as such a sequence.
 */
export function splitJsonValues(text: string): [number, number][] | null {
  const out: [number, number][] = [];
  let depth = 0;
  let start = -1;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
      continue;
    }
    if (c === 0x22) {
      inString = true;
      if (depth === 0) return null; // a bare string at top level: not a sequence of documents
    } else if (c === 0x7b || c === 0x5b) {
      if (depth === 0) start = i;
      depth++;
    } else if (c === 0x7d || c === 0x5d) {
      depth--;
      if (depth < 0) return null;
      if (depth === 0) out.push([start, i + 1]);
    } else if (depth === 0 && c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09 && c !== 0xfeff && c !== 0x2c) {
      return null;
    }
  }
  return depth === 0 && out.length > 1 ? out : null;
}
