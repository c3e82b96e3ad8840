/**
 * Write a SpanTable back out in the wire encodings the readers accept, with the encoding variants real exporters
 * produce (key case, id case/base64, int64 forms, enum names, legacy scopes, wrappers, JSON Lines). Used by the
 * "same spans in two encodings give identical models" tests and the property tests.
 */
import { AttrType, type AttrValue, type SpanTable, SPAN_KIND_NAMES } from '../../src/core/model/span-table';

export interface OtlpVariant {
  snake?: boolean;
  legacy?: boolean;
  idCase?: 'lower' | 'upper' | 'mixed';
  base64Ids?: boolean;
  int64?: 'string' | 'number' | 'lowhigh';
  enums?: 'number' | 'name' | 'short';
  wrapper?: 'none' | 'jaeger-v3' | 'tempo-batches' | 'tempo-trace';
  /** one request per resource, one per line */
  jsonl?: boolean;
  pretty?: boolean;
}

type Obj = Record<string, unknown>;

function absNs(m: SpanTable, offset: number): bigint | null {
  if (Number.isNaN(offset)) return null;
  return BigInt(m.baseSec) * 1_000_000_000n + BigInt(Math.round(offset));
}

function hexToBase64(hex: string): string {
  return Buffer.from(hex, 'hex').toString('base64');
}

function idOut(hex: string, v: OtlpVariant, salt: number): string {
  if (hex === '') return '';
  if (v.base64Ids) return hexToBase64(hex);
  if (v.idCase === 'upper') return hex.toUpperCase();
  if (v.idCase === 'mixed') return [...hex].map((c, i) => ((i + salt) % 2 ? c.toUpperCase() : c)).join('');
  return hex;
}

function int64Out(s: string, v: OtlpVariant): unknown {
  const big = BigInt(s);
  if (v.int64 === 'number' && BigInt(Number(big)) === big) return Number(big);
  if (v.int64 === 'lowhigh' && big >= 0n) {
    return { low: Number(big & 0xffffffffn) | 0, high: Number((big >> 32n) & 0xffffffffn) | 0, unsigned: true };
  }
  return s;
}

const KIND_ENUM = ['SPAN_KIND_UNSPECIFIED', 'SPAN_KIND_INTERNAL', 'SPAN_KIND_SERVER', 'SPAN_KIND_CLIENT', 'SPAN_KIND_PRODUCER', 'SPAN_KIND_CONSUMER'];
const STATUS_ENUM = ['STATUS_CODE_UNSET', 'STATUS_CODE_OK', 'STATUS_CODE_ERROR'];

export function jsToAnyValue(x: AttrValue, v: OtlpVariant = {}): Obj {
  const k = (camel: string) => (v.snake ? camel.replace(/[A-Z]/g, (c) => '_' + c.toLowerCase()) : camel);
  if (x === null) return {};
  if (typeof x === 'string') return { [k('stringValue')]: x };
  if (typeof x === 'boolean') return { [k('boolValue')]: x };
  // integers beyond 2^53 as JS numbers came from doubles: keep them doubles (an int64 that large decodes to a string)
  if (typeof x === 'number') return Number.isSafeInteger(x) ? { [k('intValue')]: int64Out(String(x), v) } : { [k('doubleValue')]: x };
  if (Array.isArray(x)) return { [k('arrayValue')]: { values: x.map((e) => jsToAnyValue(e, v)) } };
  return { [k('kvlistValue')]: { values: Object.entries(x).map(([key, e]) => ({ key, value: jsToAnyValue(e, v) })) } };
}

function typedAnyValue(type: AttrType, raw: string, v: OtlpVariant): Obj {
  const k = (camel: string) => (v.snake ? camel.replace(/[A-Z]/g, (c) => '_' + c.toLowerCase()) : camel);
  switch (type) {
    case AttrType.String:
      return { [k('stringValue')]: raw };
    case AttrType.Bool:
      return { [k('boolValue')]: raw === 'true' };
    case AttrType.Int:
      return { [k('intValue')]: int64Out(raw, v) };
    case AttrType.Double:
      return { [k('doubleValue')]: Number(raw) };
    case AttrType.Bytes:
      return { [k('bytesValue')]: raw };
    case AttrType.Array:
    case AttrType.KvList:
      return jsToAnyValue(JSON.parse(raw) as AttrValue, v);
    default:
      return {};
  }
}

function spanAttrs(m: SpanTable, i: number): [string, AttrType, string][] {
  const out: [string, AttrType, string][] = [];
  for (let a = m.attrOffset[i]!; a < m.attrOffset[i + 1]!; a++) {
    out.push([m.strings.get(m.attrKey[a]!), m.attrType[a]! as AttrType, m.strings.get(m.attrVal[a]!)]);
  }
  return out;
}

/** Model → OTLP/JSON text in the given variant. */
export function toOtlpJson(m: SpanTable, v: OtlpVariant = {}): string {
  const k = (camel: string) => (v.snake ? camel.replace(/[A-Z]/g, (c) => '_' + c.toLowerCase()) : camel);
  const kv = (attrs: Record<string, AttrValue>) => Object.entries(attrs).map(([key, x]) => ({ key, value: jsToAnyValue(x, v) }));
  const groups = new Map<number, Map<number, number[]>>();
  for (let i = 0; i < m.size; i++) {
    const r = m.resourceCol[i]!;
    let g = groups.get(r);
    if (!g) groups.set(r, (g = new Map()));
    const s = m.scopeCol[i]!;
    let rows = g.get(s);
    if (!rows) g.set(s, (rows = []));
    rows.push(i);
  }
  const time = (offset: number) => {
    const ns = absNs(m, offset);
    return ns === null ? undefined : int64Out(ns.toString(), v);
  };
  const enumOut = (n: number, names: string[]) =>
    v.enums === 'name' ? names[n] : v.enums === 'short' ? names[n]!.replace(/^(SPAN_KIND|STATUS_CODE)_/, '').toLowerCase() : n;
  const resourceSpans: Obj[] = [];
  for (const [r, scopes] of groups) {
    const scopeList: Obj[] = [];
    for (const [s, rows] of scopes) {
      const sc = m.scopes[s]!;
      const scopeObj: Obj = {};
      if (sc.name) scopeObj.name = sc.name;
      if (sc.version) scopeObj.version = sc.version;
      scopeList.push({
        [v.legacy ? k('instrumentationLibrary') : 'scope']: scopeObj,
        spans: rows.map((i, n) => {
          const sp: Obj = {
            [k('traceId')]: idOut(m.traceId(i), v, n),
            [k('spanId')]: idOut(m.spanId(i), v, n + 1),
            name: m.name(i),
            kind: enumOut(m.kind[i]!, KIND_ENUM),
          };
          if (m.parentSpanId(i)) sp[k('parentSpanId')] = idOut(m.parentSpanId(i), v, n);
          const st = time(m.start[i]!);
          if (st !== undefined) {
            sp[k('startTimeUnixNano')] = st;
            sp[k('endTimeUnixNano')] = time(m.start[i]! + m.duration[i]!);
          }
          const attrs = spanAttrs(m, i);
          if (attrs.length) sp.attributes = attrs.map(([key, t, raw]) => ({ key, value: typedAnyValue(t, raw, v) }));
          const status: Obj = {};
          if (m.statusCode[i]) status.code = enumOut(m.statusCode[i]!, STATUS_ENUM);
          if (m.statusMessage(i)) status.message = m.statusMessage(i);
          sp.status = status;
          const ts = m.strings.get(m.traceStateCol[i]!);
          if (ts) sp[k('traceState')] = ts;
          const ev = m.events.get(i);
          if (ev?.length)
            sp.events = ev.map((e) => {
              const o: Obj = { name: e.name, attributes: kv(e.attributes) };
              const t = time(e.time);
              if (t !== undefined) o[k('timeUnixNano')] = t;
              return o;
            });
          const ln = m.links.get(i);
          if (ln?.length) sp.links = ln.map((l) => ({ [k('traceId')]: idOut(l.traceId, v, 0), [k('spanId')]: idOut(l.spanId, v, 1), attributes: kv(l.attributes) }));
          return sp;
        }),
      });
    }
    resourceSpans.push({
      resource: { attributes: kv(m.resources[r]!.attributes) },
      [v.legacy ? k('instrumentationLibrarySpans') : k('scopeSpans')]: scopeList,
    });
  }
  const wrap = (list: Obj[]): Obj => {
    const rs = { [k('resourceSpans')]: list };
    switch (v.wrapper) {
      case 'jaeger-v3':
        return { result: rs };
      case 'tempo-batches':
        return { batches: list };
      case 'tempo-trace':
        return { trace: rs };
      default:
        return rs;
    }
  };
  if (v.jsonl) return resourceSpans.map((rs) => JSON.stringify(wrap([rs]))).join('\n') + '\n';
  return JSON.stringify(wrap(resourceSpans), null, v.pretty ? 2 : undefined);
}

function jaegerTag(key: string, type: AttrType, raw: string): Obj {
  switch (type) {
    case AttrType.Bool:
      return { key, type: 'bool', value: raw === 'true' };
    case AttrType.Int: {
      const n = Number(raw);
      return { key, type: 'int64', value: Number.isSafeInteger(n) ? n : raw };
    }
    case AttrType.Double:
      return { key, type: 'float64', value: Number(raw) };
    case AttrType.Bytes:
      return { key, type: 'binary', value: raw };
    default:
      return { key, type: 'string', value: raw };
  }
}

function jsTag(key: string, x: AttrValue): Obj {
  if (typeof x === 'boolean') return { key, type: 'bool', value: x };
  if (typeof x === 'number') return Number.isSafeInteger(x) ? { key, type: 'int64', value: x } : { key, type: 'float64', value: x };
  return { key, type: 'string', value: typeof x === 'string' ? x : JSON.stringify(x) };
}

const us = (m: SpanTable, offset: number) => Number((absNs(m, offset) ?? 0n) / 1000n);

/** Model → classic Jaeger query-API JSON ('query'), a UI trace object ('ui') or a bare span array ('spans'). */
export function toJaegerJson(m: SpanTable, shape: 'query' | 'ui' | 'spans' = 'query'): string {
  const traces = new Map<string, number[]>();
  for (let i = 0; i < m.size; i++) {
    const t = m.traceId(i);
    if (!traces.has(t)) traces.set(t, []);
    traces.get(t)!.push(i);
  }
  const process = (r: number) => {
    const res = m.resources[r]!;
    return { serviceName: res.service, tags: Object.entries(res.attributes).filter(([k]) => k !== 'service.name').map(([k, x]) => jsTag(k, x)) };
  };
  const span = (i: number, withProcess: boolean): Obj => {
    const tags = spanAttrs(m, i).map(([k, t, raw]) => jaegerTag(k, t, raw));
    const sc = m.scope(i);
    if (sc.name) tags.push({ key: 'otel.scope.name', type: 'string', value: sc.name });
    if (sc.version) tags.push({ key: 'otel.scope.version', type: 'string', value: sc.version });
    if (m.kind[i]) tags.push({ key: 'span.kind', type: 'string', value: SPAN_KIND_NAMES[m.kind[i]!] });
    if (m.statusCode[i]) tags.push({ key: 'otel.status_code', type: 'string', value: m.statusCode[i] === 2 ? 'ERROR' : 'OK' });
    if (m.statusCode[i] === 2) tags.push({ key: 'error', type: 'bool', value: true });
    if (m.statusMessage(i)) tags.push({ key: 'otel.status_description', type: 'string', value: m.statusMessage(i) });
    const ts = m.strings.get(m.traceStateCol[i]!);
    if (ts) tags.push({ key: 'w3c.tracestate', type: 'string', value: ts });
    const refs: Obj[] = [];
    if (m.parentSpanId(i)) refs.push({ refType: 'CHILD_OF', traceID: m.traceId(i), spanID: m.parentSpanId(i) });
    for (const l of m.links.get(i) ?? []) refs.push({ refType: 'FOLLOWS_FROM', traceID: l.traceId, spanID: l.spanId });
    const o: Obj = {
      traceID: m.traceId(i),
      spanID: m.spanId(i),
      operationName: m.name(i),
      references: refs,
      startTime: us(m, m.start[i]!),
      duration: m.duration[i]! / 1000,
      tags,
      logs: (m.events.get(i) ?? []).map((e) => ({
        timestamp: us(m, e.time),
        fields: [{ key: 'event', type: 'string', value: e.name }, ...Object.entries(e.attributes).map(([k, x]) => jsTag(k, x))],
      })),
      warnings: null,
    };
    if (withProcess) o.process = process(m.resourceCol[i]!);
    else o.processID = 'p' + m.resourceCol[i]!;
    return o;
  };
  if (shape === 'spans') return JSON.stringify([...Array(m.size).keys()].map((i) => span(i, true)));
  const data = [...traces].map(([traceID, rows]) => {
    const processes: Obj = {};
    for (const i of rows) processes['p' + m.resourceCol[i]!] = process(m.resourceCol[i]!);
    return { traceID, spans: rows.map((i) => span(i, false)), processes, warnings: null };
  });
  if (shape === 'ui') {
    if (data.length !== 1) throw new Error('a Jaeger UI trace object holds exactly one trace');
    return JSON.stringify(data[0], null, 2);
  }
  return JSON.stringify({ data, total: 0, limit: 0, offset: 0, errors: null });
}

/** Model → Zipkin v2 JSON (string tags, annotations; kind internal → no kind). */
export function toZipkinJson(m: SpanTable): string {
  const out: Obj[] = [];
  for (let i = 0; i < m.size; i++) {
    const tags: Record<string, string> = {};
    for (const [k, , raw] of spanAttrs(m, i)) tags[k] = raw;
    const sc = m.scope(i);
    if (sc.name) tags['otel.scope.name'] = sc.name;
    if (sc.version) tags['otel.scope.version'] = sc.version;
    if (m.statusCode[i] === 1) tags['otel.status_code'] = 'OK';
    if (m.statusCode[i] === 2) tags.error = m.statusMessage(i) || 'true';
    const o: Obj = {
      traceId: m.traceId(i),
      id: m.spanId(i),
      name: m.name(i),
      timestamp: us(m, m.start[i]!),
      duration: m.duration[i]! / 1000,
      localEndpoint: { serviceName: m.service(i) },
      tags,
    };
    if (m.parentSpanId(i)) o.parentId = m.parentSpanId(i);
    const kind = m.kind[i]!;
    if (kind >= 2) o.kind = SPAN_KIND_NAMES[kind]!.toUpperCase();
    const ev = m.events.get(i);
    if (ev?.length) o.annotations = ev.map((e) => ({ timestamp: us(m, e.time), value: e.name }));
    out.push(o);
  }
  return JSON.stringify(out);
}
