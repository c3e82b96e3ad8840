/**
 * Zipkin v2 JSON (array of spans; µs). A server span that shares its id with a client span (Zipkin's "shared" RPC
 * span model) becomes the client span's child: the client half gets a derived span id, the server half keeps the
 * original id, so spans whose parentId is that id hang under the server half where the work happened.
 */
import { AttrType, SpanKind, StatusCode } from '../model/span-table';
import type { SpanInput } from '../model/builder';
import { microsToSecNs } from '../model/time';
import { spanIdHalves } from '../model/ids';
import { UNKNOWN_SERVICE } from './otlp';
import type { ParseContext } from './types';
import { jsonText, parseKind, parseStatus, spanIdOf, traceIdOf } from './values';

type Obj = Record<string, unknown>;

/** The id given to the client half of a shared client/server span pair. */
export function derivedClientSpanId(id: string): string {
  const [hi, lo] = spanIdHalves(id);
  const h = (hi ^ 0x9e3779b9) >>> 0;
  const l = (lo ^ 0x7f4a7c15) >>> 0;
  return h.toString(16).padStart(8, '0') + l.toString(16).padStart(8, '0');
}

export function readZipkinSpans(spans: unknown[], ctx: ParseContext): number {
  const b = ctx.b;
  // find client/server pairs sharing an id within a trace
  const clientIds = new Set<string>();
  const serverIds = new Set<string>();
  for (const s of spans) {
    if (!s || typeof s !== 'object') continue;
    const so = s as Obj;
    const k = String(so.kind ?? '').toUpperCase();
    const key = traceIdOf(so.traceId ?? so.trace_id) + '/' + spanIdOf(so.id);
    if (k === 'CLIENT') clientIds.add(key);
    else if (k === 'SERVER') serverIds.add(key);
  }
  const resources = new Map<string, number>();
  let n = 0;
  for (const s of spans) {
    if (!s || typeof s !== 'object') {
      ctx.warn('Zipkin span entry is not an object; ignored');
      continue;
    }
    const so = s as Obj;
    const traceId = traceIdOf(so.traceId ?? so.trace_id);
    let spanId = spanIdOf(so.id);
    let parentSpanId = spanIdOf(so.parentId ?? so.parent_id);
    const kindName = String(so.kind ?? '').toUpperCase();
    const key = traceId + '/' + spanId;
    if (spanId !== '' && clientIds.has(key) && serverIds.has(key)) {
      if (kindName === 'CLIENT') spanId = derivedClientSpanId(spanId);
      else if (kindName === 'SERVER') parentSpanId = derivedClientSpanId(spanId);
    }
    const le = so.localEndpoint as Obj | undefined;
    const v1 = !le && (Array.isArray(so.binaryAnnotations) || hasCoreAnnotation(so.annotations)) ? zipkinV1(so) : null;
    const sn = le && typeof le === 'object' ? le.serviceName : v1?.service;
    const service = typeof sn === 'string' && sn.length > 0 ? sn : UNKNOWN_SERVICE;
    let res = resources.get(service);
    if (res === undefined) resources.set(service, (res = b.addResource(service, { 'service.name': service })));

    let status = StatusCode.Unset;
    let statusSet = false;
    let statusMessage: string | undefined;
    let scopeName = '';
    let scopeVersion = '';
    const keep: [string, string][] = [];
    const tags = so.tags && typeof so.tags === 'object' ? (so.tags as Obj) : v1 ? v1.tags : {};
    for (const k in tags) {
      const v = tags[k];
      const sv = typeof v === 'string' ? v : jsonText(v);
      switch (k) {
        case 'error':
          if (!statusSet) status = StatusCode.Error;
          if (sv !== '' && sv !== 'true') statusMessage ??= sv;
          break;
        case 'otel.status_code':
          status = parseStatus(sv);
          statusSet = true;
          break;
        case 'otel.status_description':
          statusMessage = sv;
          break;
        case 'otel.scope.name':
        case 'otel.library.name':
          scopeName = sv;
          break;
        case 'otel.scope.version':
        case 'otel.library.version':
          scopeVersion = sv;
          break;
        default:
          keep.push([k, sv]);
      }
    }
    const re = so.remoteEndpoint as Obj | undefined;
    if (re && typeof re === 'object' && typeof re.serviceName === 'string' && re.serviceName && !('peer.service' in tags)) {
      keep.push(['peer.service', re.serviceName]);
    }
    const ts = so.timestamp === undefined || so.timestamp === null ? (v1?.start ?? NaN) : Number(so.timestamp);
    const dur = so.duration === undefined || so.duration === null ? (v1?.duration ?? NaN) : Number(so.duration);
    const input: SpanInput = {
      traceId,
      spanId,
      parentSpanId,
      name: typeof so.name === 'string' ? so.name : '',
      kind: kindName === '' ? (v1?.kind ?? SpanKind.Internal) : parseKind(kindName),
      statusCode: status,
      statusMessage,
      // present but not a number: [NaN, NaN] / NaN, which the builder counts as broken timing (absent: no timing)
      start: Number.isFinite(ts) ? microsToSecNs(ts) : so.timestamp !== undefined && so.timestamp !== null ? [NaN, NaN] : null,
      durationNs: Number.isFinite(dur) ? Math.round(dur * 1000) : so.duration !== undefined && so.duration !== null ? NaN : 0,
      resource: res,
      scope: b.addScope(scopeName, scopeVersion),
    };
    const ann = (Array.isArray(so.annotations) ? (so.annotations as Obj[]) : []).filter((a) => !v1 || !CORE.has(String(a?.value)));
    if (ann.length > 0) {
      input.events = ann
        .filter((a) => a && typeof a === 'object')
        .map((a) => {
          const t = Number(a.timestamp);
          return { time: Number.isFinite(t) ? microsToSecNs(t) : null, name: String(a.value ?? ''), attributes: {} };
        });
    }
    b.addSpan(input);
    for (const [k, v] of keep) b.attrRaw(k, AttrType.String, v);
    n++;
  }
  return n;
}

const CORE = new Set(['cs', 'cr', 'sr', 'ss', 'ms', 'mr', 'ws', 'wr']);

function hasCoreAnnotation(a: unknown): boolean {
  return Array.isArray(a) && a.some((x) => x && typeof x === 'object' && CORE.has(String((x as Obj).value)) && (x as Obj).endpoint !== undefined);
}

/**
 * Zipkin v1 span (annotations with endpoints, binaryAnnotations): service and kind from the core annotations
 * (sr/ss → server, cs/cr → client), times from them when timestamp/duration are absent, binaryAnnotations → tags.
 */
function zipkinV1(so: Obj): { service?: string; kind: SpanKind; tags: Obj; start: number; duration: number } {
  const ann = Array.isArray(so.annotations) ? (so.annotations as Obj[]) : [];
  const at = (v: string) => ann.find((a) => a && a.value === v);
  const svc = (a: Obj | undefined) => {
    const e = a?.endpoint as Obj | undefined;
    return e && typeof e.serviceName === 'string' && e.serviceName ? e.serviceName : undefined;
  };
  const server = at('sr') ?? at('ss');
  const client = at('cs') ?? at('cr');
  const tags: Obj = {};
  let local: string | undefined;
  for (const b of Array.isArray(so.binaryAnnotations) ? (so.binaryAnnotations as Obj[]) : []) {
    if (!b || typeof b !== 'object' || typeof b.key !== 'string') continue;
    if (b.key === 'ca' || b.key === 'sa' || b.key === 'ma') continue; // address annotations
    if (b.key === 'lc') local = svc(b);
    tags[b.key] = typeof b.value === 'string' ? b.value : jsonText(b.value);
  }
  const times = ann.map((a) => Number(a?.timestamp)).filter(Number.isFinite);
  const start = times.length ? Math.min(...times) : NaN;
  return {
    service: svc(server) ?? svc(client) ?? local ?? svc(ann.find((a) => a && a.endpoint)),
    kind: server ? SpanKind.Server : client ? SpanKind.Client : SpanKind.Internal,
    tags,
    start,
    duration: times.length ? Math.max(...times) - start : NaN,
  };
}
