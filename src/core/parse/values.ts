/** Lenient decoding of enum names/numbers, int64 forms and OTLP AnyValue. */
import { AttrType, type AttrValue, decodeAttr, SpanKind, StatusCode } from '../model/span-table';
import { encodeAttrValue } from '../model/builder';
import { bytesToHex, normalizeId } from '../model/ids';
import type { ParseContext } from './types';

const KIND_BY_NAME: Record<string, SpanKind> = {
  span_kind_unspecified: SpanKind.Unspecified,
  unspecified: SpanKind.Unspecified,
  span_kind_internal: SpanKind.Internal,
  internal: SpanKind.Internal,
  local: SpanKind.Internal,
  span_kind_server: SpanKind.Server,
  server: SpanKind.Server,
  span_kind_client: SpanKind.Client,
  client: SpanKind.Client,
  span_kind_producer: SpanKind.Producer,
  producer: SpanKind.Producer,
  span_kind_consumer: SpanKind.Consumer,
  consumer: SpanKind.Consumer,
};

/** SpanKind from a number (OTLP numbering), a numeric string or a name (SPAN_KIND_SERVER, server, SERVER). */
export function parseKind(v: unknown): SpanKind {
  if (typeof v === 'number') return v >= 0 && v <= 5 ? (v | 0) as SpanKind : SpanKind.Unspecified;
  if (typeof v === 'string' && v.length > 0) {
    const k = KIND_BY_NAME[v.toLowerCase()];
    if (k !== undefined) return k;
    const n = Number(v);
    if (Number.isInteger(n)) return parseKind(n);
  }
  return SpanKind.Unspecified;
}

const STATUS_BY_NAME: Record<string, StatusCode> = {
  status_code_unset: StatusCode.Unset,
  unset: StatusCode.Unset,
  status_code_ok: StatusCode.Ok,
  ok: StatusCode.Ok,
  status_code_error: StatusCode.Error,
  error: StatusCode.Error,
};

/** StatusCode from a number, numeric string or name (STATUS_CODE_ERROR, ERROR, Error). */
export function parseStatus(v: unknown): StatusCode {
  if (typeof v === 'number') return v === 1 ? StatusCode.Ok : v === 2 ? StatusCode.Error : StatusCode.Unset;
  if (typeof v === 'string' && v.length > 0) {
    const s = STATUS_BY_NAME[v.toLowerCase()];
    if (s !== undefined) return s;
    const n = Number(v);
    if (Number.isInteger(n)) return parseStatus(n);
  }
  return StatusCode.Unset;
}

/** Lower-case hex and not all zeros (all zeros = absent id). */
function isLowerHexId(s: string): boolean {
  let nonZero = false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 48 && c <= 57) nonZero = true;
    else if (c >= 97 && c <= 102) nonZero = true;
    else if (c !== 48) return false;
  }
  return nonZero;
}

/** normalizeId with a fast path for the common case (already lower-case hex of the right size). */
let lastRawTrace = '';
let lastTrace = '';
export function traceIdOf(v: unknown): string {
  if (typeof v !== 'string') return normalizeId(v, 16);
  // the spans of a batch usually share their trace id: one string compare instead of a scan
  if (v === lastRawTrace) return lastTrace;
  const out = v.length === 32 && isLowerHexId(v) ? v : normalizeId(v, 16);
  lastRawTrace = v;
  lastTrace = out;
  return out;
}
export function spanIdOf(v: unknown): string {
  if (typeof v === 'string' && v.length === 16 && isLowerHexId(v)) return v;
  return normalizeId(v, 8);
}

/** Canonical decimal string of an int64 given as number, string, bigint or {low, high}; null when not an integer. */
export function int64String(v: unknown): string | null {
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) return null;
    const t = Math.trunc(v);
    // beyond 2^53 String() gives the shortest round-trip form, not the integer's digits
    return Number.isSafeInteger(t) ? String(t) : BigInt(t).toString();
  }
  if (typeof v === 'string') {
    const s = v.trim();
    if (/^[+-]?\d+$/.test(s)) {
      if (s.length <= 15) return String(Number(s));
      try {
        return BigInt(s).toString();
      } catch {
        return null;
      }
    }
    const n = Number(s);
    return s.length > 0 && Number.isFinite(n) ? int64String(n) : null;
  }
  if (typeof v === 'bigint') return v.toString();
  if (v !== null && typeof v === 'object' && 'low' in v && 'high' in v) {
    const { low, high, unsigned } = v as { low: number; high: number; unsigned?: boolean };
    const u = (BigInt(high >>> 0) << 32n) | BigInt(low >>> 0);
    return (unsigned ? u : BigInt.asIntN(64, u)).toString();
  }
  return null;
}

function bytesToBase64(v: unknown): string {
  if (typeof v === 'string') return v;
  if (Array.isArray(v) || v instanceof Uint8Array) {
    // rare (protobuf.js toObject without bytes:String); hex is a stable readable form
    return bytesToHex(v as ArrayLike<number>);
  }
  return '';
}

/**
 * Deepest nesting of arrayValue/kvlistValue kept in an attribute (OTLP sets no limit; 64 is far beyond real data).
 * Deeper values are cut there — replaced by a marker string — with a warning, and the span is kept: the decoders
 * recurse once per level, so the depth an attacker can make them recurse is bounded by this, not by the input.
 */
export const MAX_VALUE_DEPTH = 64;
export const CUT_MARKER = `[cut: nested deeper than ${MAX_VALUE_DEPTH} levels]`;

/**
 * Whether a plain JSON value nests deeper than `max` arrays/objects. Iterative (an explicit stack) and stops at the
 * first path that is too deep, so it never overflows the call stack whatever the input.
 */
export function nestsDeeperThan(v: unknown, max: number): boolean {
  if (v === null || typeof v !== 'object') return false;
  const stack: unknown[] = [v];
  const depth: number[] = [1];
  while (stack.length > 0) {
    const x = stack.pop() as object;
    const d = depth.pop()!;
    if (d > max) return true;
    const kids = Array.isArray(x) ? x : Object.values(x);
    for (const k of kids) {
      if (k !== null && typeof k === 'object') {
        stack.push(k);
        depth.push(d + 1);
      }
    }
  }
  return false;
}

/**
 * JSON text of an arbitrary parsed value (unknown shapes kept as text), or CUT_MARKER when it nests deeper than
 * MAX_VALUE_DEPTH (JSON.stringify recurses per level and would throw "Maximum call stack size exceeded").
 */
export function jsonText(v: unknown): string {
  return nestsDeeperThan(v, MAX_VALUE_DEPTH) ? CUT_MARKER : (JSON.stringify(v) ?? String(v));
}

/** String(v) for primitives; arrays/objects as String() would show them, unless too deep (String() recurses too). */
export function textOf(v: unknown): string {
  if (v === null || typeof v !== 'object') return String(v);
  return nestsDeeperThan(v, MAX_VALUE_DEPTH) ? CUT_MARKER : String(v);
}

/** Typed canonical form of one AnyValue, for interned storage: [type, raw]. Unknown shapes → undefined. */
export function anyValueRaw(v: unknown, ctx: ParseContext | null, key: string): [AttrType, string] {
  if (v === null || v === undefined) return [AttrType.Empty, ''];
  if (typeof v !== 'object') {
    // not an AnyValue object but a bare JSON value (seen in hand-written files)
    ctx?.warn(`attribute '${key}': value is a bare ${typeof v}, expected an AnyValue object like {"stringValue": …}`);
    return bareRaw(v);
  }
  const o = v as Record<string, unknown>;
  let x: unknown;
  if ((x = o.stringValue ?? o.string_value) !== undefined) return [AttrType.String, textOf(x)];
  if ((x = o.boolValue ?? o.bool_value) !== undefined) return [AttrType.Bool, x === true || x === 'true' ? 'true' : 'false'];
  if ((x = o.intValue ?? o.int_value) !== undefined) {
    const s = int64String(x);
    if (s !== null) return [AttrType.Int, s];
    ctx?.warn(`attribute '${key}': intValue ${jsonText(x)} is not an integer; kept as a string`);
    return [AttrType.String, textOf(x)];
  }
  if ((x = o.doubleValue ?? o.double_value) !== undefined) {
    const n = typeof x === 'number' ? x : Number(typeof x === 'object' ? NaN : x);
    return [AttrType.Double, String(n)];
  }
  if ((x = o.bytesValue ?? o.bytes_value) !== undefined) return [AttrType.Bytes, bytesToBase64(x)];
  if ((x = o.arrayValue ?? o.array_value) !== undefined) return [AttrType.Array, JSON.stringify(arrayOf(x, ctx, key, 1))];
  if ((x = o.kvlistValue ?? o.kvlist_value) !== undefined) return [AttrType.KvList, JSON.stringify(kvlistOf(x, ctx, key, 1))];
  const keys = Object.keys(o);
  if (keys.length === 0) return [AttrType.Empty, ''];
  // Invalid shapes such as {"anyValue": "x"}: keep a single primitive, warn either way.
  if (keys.length === 1) {
    const only = o[keys[0]!];
    if (only === null || typeof only !== 'object') {
      ctx?.warn(`attribute '${key}': unknown AnyValue key '${keys[0]}', expected stringValue/boolValue/intValue/doubleValue/arrayValue/kvlistValue/bytesValue; value kept`);
      return bareRaw(only);
    }
  }
  ctx?.warn(`attribute '${key}': unknown AnyValue shape {${keys.slice(0, 8).join(', ')}}; kept as JSON text`);
  return [AttrType.String, jsonText(o)];
}

/** A bare JSON primitive gets the model's canonical encoding (encodeAttrValue); anything else is kept as JSON text. */
function bareRaw(v: unknown): [AttrType, string] {
  const t = typeof v;
  if (v == null || t === 'string' || t === 'boolean' || t === 'number') return encodeAttrValue((v ?? null) as AttrValue);
  return [AttrType.String, jsonText(v)];
}

/** An AnyValue as a plain JS value (nested values, resource attributes, events, links). */
export function anyValueToJs(v: unknown, ctx: ParseContext | null, key: string): AttrValue {
  return nestedJs(v, ctx, key, 0);
}

/**
 * An AnyValue at nesting `depth` as a JS value: arrays and kvlists built directly (no JSON text round trip per level),
 * cut at MAX_VALUE_DEPTH with a warning.
 */
function nestedJs(v: unknown, ctx: ParseContext | null, key: string, depth: number): AttrValue {
  if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
    const o = v as Record<string, unknown>;
    let x: unknown;
    if ((x = o.arrayValue ?? o.array_value) !== undefined) return depth >= MAX_VALUE_DEPTH ? tooDeep(ctx, key) : arrayOf(x, ctx, key, depth + 1);
    if ((x = o.kvlistValue ?? o.kvlist_value) !== undefined) return depth >= MAX_VALUE_DEPTH ? tooDeep(ctx, key) : kvlistOf(x, ctx, key, depth + 1);
  }
  const [t, raw] = anyValueRaw(v, ctx, key);
  return t === AttrType.Array || t === AttrType.KvList ? (JSON.parse(raw) as AttrValue) : decodeAttr(t, raw);
}

function tooDeep(ctx: ParseContext | null, key: string): string {
  ctx?.warn(`attribute '${key}': arrayValue/kvlistValue nested deeper than ${MAX_VALUE_DEPTH} levels; cut there (the span is kept)`);
  return CUT_MARKER;
}

function arrayOf(x: unknown, ctx: ParseContext | null, key: string, depth: number): AttrValue[] {
  const values = Array.isArray(x) ? x : (x as { values?: unknown } | null)?.values;
  if (!Array.isArray(values)) return [];
  return values.map((e) => nestedJs(e, ctx, key, depth));
}

function kvlistOf(x: unknown, ctx: ParseContext | null, key: string, depth: number): { [k: string]: AttrValue } {
  const values = Array.isArray(x) ? x : (x as { values?: unknown } | null)?.values;
  const out: { [k: string]: AttrValue } = {};
  if (!Array.isArray(values)) return out;
  for (const kv of values) {
    if (kv && typeof kv === 'object' && typeof (kv as { key?: unknown }).key === 'string') {
      const k = (kv as { key: string }).key;
      out[k] = nestedJs((kv as { value?: unknown }).value, ctx, key + '.' + k, depth);
    }
  }
  return out;
}

/** A KeyValue list (OTLP attributes) as a plain object. Invalid entries are skipped with a warning. */
export function keyValuesToObject(list: unknown, ctx: ParseContext | null, where: string): Record<string, AttrValue> {
  const out: Record<string, AttrValue> = {};
  if (list === undefined || list === null) return out;
  if (!Array.isArray(list)) {
    ctx?.warn(`${where}: attributes is not an array; ignored`);
    return out;
  }
  for (const kv of list) {
    const k = kv && typeof kv === 'object' ? (kv as { key?: unknown }).key : undefined;
    if (typeof k !== 'string') {
      ctx?.warn(`${where}: attribute without a string 'key' ignored`);
      continue;
    }
    out[k] = anyValueToJs((kv as { value?: unknown }).value, ctx, k);
  }
  return out;
}
