/**
 * Jaeger JSON readers: the classic query-API `{"data":[{traceID, spans, processes}]}`, a bare UI trace object, and a
 * bare array of spans with an embedded `process`. Times are µs. OTel→Jaeger translation tags (span.kind,
 * otel.status_code, otel.scope.name, error, w3c.tracestate, …) are mapped back to the model's fields.
 */
import { AttrType, type AttrValue, SpanKind, type SpanLink, StatusCode } from '../model/span-table';
import type { SpanInput } from '../model/builder';
import { microsToSecNs } from '../model/time';
import { UNKNOWN_SERVICE } from './otlp';
import type { ParseContext } from './types';
import { int64String, jsonText, parseKind, parseStatus, spanIdOf, textOf, traceIdOf } from './values';

type Obj = Record<string, unknown>;

interface JaegerTag {
  key?: unknown;
  type?: unknown;
  vType?: unknown;
  value?: unknown;
}

/** µs since the epoch from a number, a numeric string or (api_v2 protobuf-JSON) an RFC 3339 timestamp; NaN if absent. */
function jaegerTimeUs(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v !== 'string' || v.length === 0) return NaN;
  const n = Number(v);
  if (Number.isFinite(n)) return n;
  const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)$/.exec(v);
  if (!m) return NaN;
  const ms = Date.parse(m[1] + m[3]);
  if (!Number.isFinite(ms)) return NaN;
  const frac = (m[2] ?? '').padEnd(6, '0').slice(0, 6);
  return ms * 1000 + Number(frac);
}

const present = (v: unknown) => v !== undefined && v !== null && v !== '';

/** µs from a number, a numeric string or a protobuf-JSON Duration like "0.000123s". */
function jaegerDurationUs(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v !== 'string' || v.length === 0) return NaN;
  const d = /^(-?\d+(?:\.\d+)?)s$/.exec(v);
  if (d) return Number(d[1]) * 1e6;
  return Number(v);
}

/** [type, raw] of a Jaeger tag value (type string/bool/int64/float64/binary, any case). */
export function jaegerTagRaw(t: JaegerTag): [AttrType, string] {
  const type = String(t.type ?? t.vType ?? '').toLowerCase();
  let v = t.value;
  if (v === undefined) {
    // api_v2 protobuf-JSON: {key, vType, vStr | vBool | vInt64 | vFloat64 | vBinary}
    const o = t as Record<string, unknown>;
    v = o.vStr ?? o.vBool ?? o.vInt64 ?? o.vFloat64 ?? o.vBinary ?? o.v_str ?? o.v_bool ?? o.v_int64 ?? o.v_float64 ?? o.v_binary;
    if (v === undefined && type === 'string') v = '';
  }
  switch (type) {
    case 'bool':
      return [AttrType.Bool, v === true || v === 'true' ? 'true' : 'false'];
    case 'int64': {
      const s = int64String(v);
      return s !== null ? [AttrType.Int, s] : [AttrType.String, textOf(v)];
    }
    case 'float64':
      return [AttrType.Double, String(typeof v === 'number' ? v : Number(v))];
    case 'binary':
      return [AttrType.Bytes, typeof v === 'string' ? v : jsonText(v)];
    case 'string':
      return [AttrType.String, typeof v === 'string' ? v : jsonText(v)];
    default:
      if (typeof v === 'boolean') return [AttrType.Bool, v ? 'true' : 'false'];
      if (typeof v === 'number') return [Number.isInteger(v) ? AttrType.Int : AttrType.Double, String(v)];
      return [AttrType.String, typeof v === 'string' ? v : v === undefined || v === null ? '' : jsonText(v)];
  }
}

function tagJs(t: JaegerTag): AttrValue {
  const [type, raw] = jaegerTagRaw(t);
  switch (type) {
    case AttrType.Bool:
      return raw === 'true';
    case AttrType.Int: {
      const n = Number(raw);
      return Number.isSafeInteger(n) ? n : raw;
    }
    case AttrType.Double:
      return Number(raw);
    default:
      return raw;
  }
}

function tagsToObject(tags: unknown): Record<string, AttrValue> {
  const out: Record<string, AttrValue> = {};
  if (!Array.isArray(tags)) return out;
  for (const t of tags) if (t && typeof t === 'object' && typeof (t as JaegerTag).key === 'string') out[(t as { key: string }).key] = tagJs(t);
  return out;
}

/** Resource id for a Jaeger process (serviceName + tags); service.name is added to the attributes. */
function processResource(p: unknown, ctx: ParseContext): number {
  const po = p && typeof p === 'object' ? (p as Obj) : null;
  const sn = po?.serviceName ?? po?.service_name;
  const service = typeof sn === 'string' && sn.length > 0 ? sn : UNKNOWN_SERVICE;
  const attrs = tagsToObject(po?.tags);
  return ctx.b.addResource(service, { 'service.name': service, ...attrs });
}

const NOOP_TAGS = new Set(['internal.span.format']);

/** Read one Jaeger trace object ({traceID, spans, processes}). Returns the number of spans added. */
export function readJaegerTrace(trace: Obj, ctx: ParseContext): number {
  const spans = Array.isArray(trace.spans) ? trace.spans : null;
  if (!spans) {
    ctx.warn("Jaeger trace without a 'spans' array; ignored");
    return 0;
  }
  const processes = (trace.processes && typeof trace.processes === 'object' ? trace.processes : {}) as Obj;
  const cache = new Map<string, number>();
  let n = 0;
  for (const s of spans) {
    if (!s || typeof s !== 'object') continue;
    const so = s as Obj;
    let res: number;
    if (so.process && typeof so.process === 'object') res = processResource(so.process, ctx);
    else {
      const pid = String(so.processID ?? so.processId ?? '');
      let r = cache.get(pid);
      if (r === undefined) {
        const p = processes[pid];
        if (!p) ctx.warn(`Jaeger span references process '${pid}' that is not in 'processes'; service set to ${UNKNOWN_SERVICE}`);
        r = processResource(p, ctx);
        cache.set(pid, r);
      }
      res = r;
    }
    readJaegerSpan(so, res, ctx);
    n++;
  }
  return n;
}

/** Read a bare array of Jaeger spans, each carrying its own `process`. */
export function readJaegerSpans(spans: unknown[], ctx: ParseContext): number {
  return readJaegerTrace({ spans, processes: {} }, ctx);
}

function readJaegerSpan(s: Obj, res: number, ctx: ParseContext): void {
  const b = ctx.b;
  const traceId = traceIdOf(s.traceID ?? s.traceId);
  let parent = '';
  const links: SpanLink[] = [];
  const refs = Array.isArray(s.references) ? (s.references as Obj[]) : [];
  // parent = first CHILD_OF in the same trace, else first FOLLOWS_FROM in the same trace; the rest become links
  let parentRef = -1;
  for (let pass = 0; pass < 2 && parentRef < 0; pass++) {
    for (let i = 0; i < refs.length; i++) {
      const r = refs[i];
      if (!r || typeof r !== 'object') continue;
      const type = String(r.refType ?? r.ref_type ?? 'CHILD_OF').toUpperCase();
      if ((pass === 0 ? type === 'CHILD_OF' : type === 'FOLLOWS_FROM') && traceIdOf(r.traceID ?? r.traceId) === traceId) {
        parentRef = i;
        break;
      }
    }
  }
  for (let i = 0; i < refs.length; i++) {
    const r = refs[i];
    if (!r || typeof r !== 'object') continue;
    if (i === parentRef) parent = spanIdOf(r.spanID ?? r.spanId);
    else links.push({ traceId: traceIdOf(r.traceID ?? r.traceId), spanId: spanIdOf(r.spanID ?? r.spanId), attributes: {} });
  }
  if (parentRef < 0 && s.parentSpanID !== undefined) parent = spanIdOf(s.parentSpanID);

  let kind = SpanKind.Unspecified;
  let kindSet = false;
  let status = StatusCode.Unset;
  let statusSet = false;
  let errorTag = false;
  let statusMessage: string | undefined;
  let scopeName = '';
  let scopeVersion = '';
  let traceState: string | undefined;
  const keep: JaegerTag[] = [];
  const tags = Array.isArray(s.tags) ? (s.tags as JaegerTag[]) : [];
  for (const t of tags) {
    if (!t || typeof t !== 'object' || typeof t.key !== 'string') continue;
    switch (t.key) {
      case 'span.kind':
        kind = parseKind(jaegerTagRaw(t)[1]);
        kindSet = true;
        break;
      case 'otel.status_code':
        status = parseStatus(jaegerTagRaw(t)[1]);
        statusSet = true;
        break;
      case 'otel.status_description':
        statusMessage = jaegerTagRaw(t)[1];
        break;
      case 'error':
        errorTag = jaegerTagRaw(t)[1] === 'true';
        if (!errorTag) keep.push(t);
        break;
      case 'otel.scope.name':
      case 'otel.library.name':
        scopeName = jaegerTagRaw(t)[1];
        break;
      case 'otel.scope.version':
      case 'otel.library.version':
        scopeVersion = jaegerTagRaw(t)[1];
        break;
      case 'w3c.tracestate':
        traceState = jaegerTagRaw(t)[1];
        break;
      default:
        if (!NOOP_TAGS.has(t.key)) keep.push(t);
    }
  }
  if (!statusSet && errorTag) status = StatusCode.Error;
  if (!kindSet) kind = SpanKind.Unspecified;

  const startUs = jaegerTimeUs(s.startTime);
  const durUs = jaegerDurationUs(s.duration);
  const input: SpanInput = {
    traceId,
    spanId: spanIdOf(s.spanID ?? s.spanId),
    parentSpanId: parent,
    name: typeof s.operationName === 'string' ? s.operationName : '',
    kind,
    statusCode: status,
    statusMessage,
    // present but not a number: [NaN, NaN] / NaN, which the builder counts as broken timing (absent: no timing)
    start: Number.isFinite(startUs) ? microsToSecNs(startUs) : present(s.startTime) ? [NaN, NaN] : null,
    durationNs: Number.isFinite(durUs) ? Math.round(durUs * 1000) : present(s.duration) ? NaN : 0,
    resource: res,
    scope: b.addScope(scopeName, scopeVersion),
  };
  if (traceState) input.traceState = traceState;
  if (links.length > 0) input.links = links;
  const logs = Array.isArray(s.logs) ? (s.logs as Obj[]) : [];
  if (logs.length > 0) {
    input.events = [];
    for (const l of logs) {
      if (!l || typeof l !== 'object') continue;
      const attrs = tagsToObject(l.fields);
      let name = '';
      if (typeof attrs.event === 'string') {
        name = attrs.event;
        delete attrs.event;
      }
      const ts = jaegerTimeUs(l.timestamp);
      input.events.push({ time: Number.isFinite(ts) ? microsToSecNs(ts) : null, name, attributes: attrs });
    }
  }
  b.addSpan(input);
  for (const t of keep) {
    const [type, raw] = jaegerTagRaw(t);
    b.attrRaw(t.key as string, type, raw);
  }
}
