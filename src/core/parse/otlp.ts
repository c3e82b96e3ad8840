/** OTLP/JSON ExportTraceServiceRequest reader (camelCase and snake_case keys, legacy instrumentationLibrarySpans). */
import { AttrType, type SpanLink } from '../model/span-table';
import type { SpanInput } from '../model/builder';
import { fixed64ToSecNs } from '../model/time';
import type { ParseContext } from './types';
import { anyValueRaw, keyValuesToObject, parseKind, parseStatus, spanIdOf, textOf, traceIdOf } from './values';

type Obj = Record<string, unknown>;

export const UNKNOWN_SERVICE = 'unknown_service';

function arr(v: unknown): unknown[] | null {
  return Array.isArray(v) ? v : null;
}

/** The resourceSpans list of an ExportTraceServiceRequest-like object (or null when there is none). */
export function resourceSpansOf(doc: Obj): unknown[] | null {
  return arr(doc.resourceSpans) ?? arr(doc.resource_spans);
}

/** Read every span of a list of ResourceSpans into ctx.b. Returns the number of spans added. */
export function readResourceSpans(list: unknown[], ctx: ParseContext): number {
  let n = 0;
  for (const rs of list) {
    if (!rs || typeof rs !== 'object') {
      ctx.warn('resourceSpans entry is not an object; ignored');
      continue;
    }
    n += readOneResourceSpans(rs as Obj, ctx);
  }
  return n;
}

/**
 * A cheap identity for a resource whose attributes are all plain {key, value: {stringValue}} (the usual case), so a
 * resource repeated on every line of a JSON Lines file is recognised without decoding it again. null otherwise.
 */
function plainResourceKey(resource: Obj | null): string | null {
  if (!resource || typeof resource !== 'object') return '';
  const list = resource.attributes;
  if (list === undefined) return '';
  if (!Array.isArray(list)) return null;
  let key = '';
  for (let i = 0; i < list.length; i++) {
    const kv = list[i] as Obj | null;
    const v = kv && typeof kv === 'object' ? (kv.value as Obj | undefined) : undefined;
    if (!v || typeof kv!.key !== 'string' || typeof v.stringValue !== 'string') return null;
    key += kv!.key + '\u0001' + v.stringValue + '\u0002';
  }
  return key;
}

function resourceId(resource: Obj | null, ctx: ParseContext): number {
  const cacheKey = plainResourceKey(resource);
  if (cacheKey !== null) {
    const hit = ctx.resourceCache.get(cacheKey);
    if (hit !== undefined) return hit;
  }
  const rattrs = resource && typeof resource === 'object' ? keyValuesToObject(resource.attributes, ctx, 'resource') : {};
  const sn = rattrs['service.name'];
  const service = typeof sn === 'string' && sn.length > 0 ? sn : sn !== undefined && sn !== null && sn !== '' ? textOf(sn) : UNKNOWN_SERVICE;
  const id = ctx.b.addResource(service, rattrs);
  if (cacheKey !== null) ctx.resourceCache.set(cacheKey, id);
  return id;
}

function readOneResourceSpans(rs: Obj, ctx: ParseContext): number {
  const b = ctx.b;
  const res = resourceId((rs.resource ?? null) as Obj | null, ctx);
  const scopes =
    arr(rs.scopeSpans) ?? arr(rs.scope_spans) ?? arr(rs.instrumentationLibrarySpans) ?? arr(rs.instrumentation_library_spans);
  if (!scopes) {
    ctx.warn('resourceSpans entry has no scopeSpans/instrumentationLibrarySpans; nothing read from it');
    return 0;
  }
  let n = 0;
  for (const ss of scopes) {
    if (!ss || typeof ss !== 'object') continue;
    const so = ss as Obj;
    const scope = (so.scope ?? so.instrumentationLibrary ?? so.instrumentation_library ?? null) as Obj | null;
    const scopeName = scope && typeof scope.name === 'string' ? scope.name : '';
    const scopeVersion = scope && typeof scope.version === 'string' ? scope.version : '';
    const sc = b.addScope(scopeName, scopeVersion);
    const spans = arr(so.spans);
    if (!spans) continue;
    for (const sp of spans) {
      if (!sp || typeof sp !== 'object') {
        ctx.warn('span entry is not an object; ignored');
        continue;
      }
      readSpan(sp as Obj, res, sc, ctx);
      n++;
    }
  }
  return n;
}

/**
 * Span/parent ids go to the builder, which keeps only their two uint32 halves and reads 16 hex digits in either case
 * (non-hex → absent, like normalizeId's result would be): skip normalisation for 16-character strings.
 */
function spanIdFast(v: unknown): string {
  return typeof v === 'string' && v.length === 16 ? v : spanIdOf(v);
}

function readSpan(s: Obj, res: number, sc: number, ctx: ParseContext): void {
  const b = ctx.b;
  const status = s.status as Obj | undefined;
  let statusCode = 0;
  let statusMessage: string | undefined;
  if (status && typeof status === 'object') {
    statusCode = parseStatus(status.code);
    if (typeof status.message === 'string' && status.message.length > 0) statusMessage = status.message;
  }
  const name = s.name;
  const input: SpanInput = {
    traceId: traceIdOf(s.traceId ?? s.trace_id),
    spanId: spanIdFast(s.spanId ?? s.span_id),
    parentSpanId: spanIdFast(s.parentSpanId ?? s.parent_span_id),
    name: typeof name === 'string' ? name : name === undefined || name === null ? '' : textOf(name),
    kind: parseKind(s.kind),
    statusCode,
    statusMessage,
    start: fixed64ToSecNs(s.startTimeUnixNano ?? s.start_time_unix_nano),
    end: fixed64ToSecNs(s.endTimeUnixNano ?? s.end_time_unix_nano),
    resource: res,
    scope: sc,
    // every optional field present from the start: one object shape for all spans (monomorphic builder access)
    traceState: undefined,
    events: undefined,
    links: undefined,
  };
  const ts = s.traceState ?? s.trace_state;
  if (typeof ts === 'string' && ts.length > 0) input.traceState = ts;
  const events = arr(s.events);
  if (events && events.length > 0) {
    input.events = [];
    for (const e of events) {
      if (!e || typeof e !== 'object') continue;
      const eo = e as Obj;
      input.events.push({
        time: fixed64ToSecNs(eo.timeUnixNano ?? eo.time_unix_nano),
        name: typeof eo.name === 'string' ? eo.name : '',
        attributes: keyValuesToObject(eo.attributes, ctx, 'event'),
      });
    }
  }
  const links = arr(s.links);
  if (links && links.length > 0) {
    const out: SpanLink[] = [];
    for (const l of links) {
      if (!l || typeof l !== 'object') continue;
      const lo = l as Obj;
      out.push({
        traceId: traceIdOf(lo.traceId ?? lo.trace_id),
        spanId: spanIdOf(lo.spanId ?? lo.span_id),
        attributes: keyValuesToObject(lo.attributes, ctx, 'link'),
      });
    }
    input.links = out;
  }
  b.addSpan(input);
  const attrs = s.attributes;
  if (attrs === undefined || attrs === null) return;
  if (!Array.isArray(attrs)) {
    ctx.warn('span attributes is not an array; ignored');
    return;
  }
  const keyStr = ctx.attrKeyStr;
  const keyId = ctx.attrKeyId;
  for (let i = 0; i < attrs.length; i++) {
    const kv = attrs[i] as Obj | null;
    const key = kv && typeof kv === 'object' ? kv.key : undefined;
    if (typeof key !== 'string') {
      ctx.warn("span attribute without a string 'key' ignored");
      continue;
    }
    // the same keys tend to come at the same positions span after span: compare instead of hashing
    let k: number;
    if (i < 64 && keyStr[i] === key) k = keyId[i]!;
    else {
      k = b.strings.intern(key);
      if (i < 64) {
        keyStr[i] = key;
        keyId[i] = k;
      }
    }
    const v = kv!.value as Obj | undefined;
    // fast path: the overwhelmingly common stringValue
    if (v && typeof v === 'object' && typeof v.stringValue === 'string') {
      b.attrById(k, AttrType.String, v.stringValue);
      continue;
    }
    const [t, raw] = anyValueRaw(v, ctx, key);
    b.attrById(k, t, raw);
  }
}

