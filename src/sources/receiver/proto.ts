/**
 * OTLP protobuf ⇄ OTLP/JSON shapes for the receiver.
 *
 * Decoding uses the protobufjs static module that the OpenTelemetry JS project generated from the OFFICIAL
 * opentelemetry-proto `.proto` files (shipped as `build/src/generated/root.js` in @opentelemetry/otlp-transformer
 * 0.57.2, installed under the alias `otlp-proto-generated`); the wire format is decoded by protobufjs, never by hand.
 * This file only maps the decoded message objects (Long, Uint8Array) onto the OTLP/JSON encoding
 * (hex ids, decimal-string int64) so one code path — A's OTLP/JSON parser — reads both.
 */
import Long from 'long';
import * as protobuf from 'protobufjs/light';
import generatedRoot from 'otlp-proto-generated/build/src/generated/root.js';

// Make protobufjs use `long` for (s)fixed64/int64 even inside a bundle (its own lookup uses a dynamic require that a
// bundle may not satisfy, which would silently turn nanosecond timestamps into rounded doubles).
protobuf.util.Long = Long as unknown as protobuf.Constructor<Long>;
protobuf.configure();

type Bytes = Uint8Array | null | undefined;
type U64 = Long | number | string | null | undefined;

interface PbAnyValue {
  stringValue?: string | null;
  boolValue?: boolean | null;
  intValue?: U64;
  doubleValue?: number | null;
  arrayValue?: { values?: PbAnyValue[] | null } | null;
  kvlistValue?: { values?: PbKeyValue[] | null } | null;
  bytesValue?: Bytes;
}
interface PbKeyValue {
  key?: string | null;
  value?: PbAnyValue | null;
}
interface PbSpan {
  traceId?: Bytes;
  spanId?: Bytes;
  traceState?: string | null;
  parentSpanId?: Bytes;
  name?: string | null;
  kind?: number | null;
  startTimeUnixNano?: U64;
  endTimeUnixNano?: U64;
  attributes?: PbKeyValue[] | null;
  droppedAttributesCount?: number | null;
  events?: { timeUnixNano?: U64; name?: string | null; attributes?: PbKeyValue[] | null; droppedAttributesCount?: number | null }[] | null;
  droppedEventsCount?: number | null;
  links?: { traceId?: Bytes; spanId?: Bytes; traceState?: string | null; attributes?: PbKeyValue[] | null; droppedAttributesCount?: number | null }[] | null;
  droppedLinksCount?: number | null;
  status?: { message?: string | null; code?: number | null } | null;
}
interface PbRequest {
  resourceSpans?: {
    resource?: { attributes?: PbKeyValue[] | null; droppedAttributesCount?: number | null } | null;
    scopeSpans?: {
      scope?: { name?: string | null; version?: string | null; attributes?: PbKeyValue[] | null; droppedAttributesCount?: number | null } | null;
      spans?: PbSpan[] | null;
      schemaUrl?: string | null;
    }[] | null;
    schemaUrl?: string | null;
  }[] | null;
}

interface MessageType<T> {
  decode(buf: Uint8Array): T;
  encode(msg: unknown): { finish(): Uint8Array };
}
const root = generatedRoot as unknown as {
  opentelemetry: {
    proto: {
      collector: {
        trace: {
          v1: {
            ExportTraceServiceRequest: MessageType<PbRequest>;
            ExportTraceServiceResponse: MessageType<unknown>;
          };
        };
      };
    };
  };
};
const TraceV1 = root.opentelemetry.proto.collector.trace.v1;

// google.rpc.Status (google/rpc/status.proto: code = 1, message = 2, details = 3), declared through protobufjs
// reflection so protobufjs does the encoding. `details` (repeated Any) is never sent by this receiver.
const StatusType = new protobuf.Type('Status')
  .add(new protobuf.Field('code', 1, 'int32'))
  .add(new protobuf.Field('message', 2, 'string'));
new protobuf.Root().define('google.rpc').add(StatusType);

// ---- JSON shapes (OTLP/JSON encoding) -------------------------------------------------------------------------------

export type JsonAnyValue =
  | { stringValue: string }
  | { boolValue: boolean }
  | { intValue: string }
  | { doubleValue: number }
  | { arrayValue: { values: JsonAnyValue[] } }
  | { kvlistValue: { values: JsonKeyValue[] } }
  | { bytesValue: string }
  | Record<string, never>;
export interface JsonKeyValue {
  key: string;
  value: JsonAnyValue;
}

function hex(b: Bytes): string {
  if (!b || b.length === 0) return '';
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
}
/** A (u)int64 as its exact decimal string. (Long#toString divides in software and was most of the conversion time.) */
function u64(v: U64): string {
  if (v === null || v === undefined) return '0';
  if (typeof v === 'number' || typeof v === 'string') return String(v);
  const lo = v.low >>> 0;
  const hi = v.high >>> 0;
  if (v.unsigned || hi < 0x80000000) {
    if (hi < 0x200000) return String(hi * 4294967296 + lo); // below 2^53: exact as a double
    return ((BigInt(hi) << 32n) | BigInt(lo)).toString();
  }
  return BigInt.asIntN(64, (BigInt(hi) << 32n) | BigInt(lo)).toString();
}

function anyValue(v: PbAnyValue | null | undefined): JsonAnyValue {
  if (!v) return {};
  if (v.stringValue != null) return { stringValue: v.stringValue };
  if (v.boolValue != null) return { boolValue: v.boolValue };
  if (v.intValue != null) return { intValue: u64(v.intValue) };
  if (v.doubleValue != null) return { doubleValue: v.doubleValue };
  if (v.arrayValue != null) return { arrayValue: { values: (v.arrayValue.values ?? []).map(anyValue) } };
  if (v.kvlistValue != null) return { kvlistValue: { values: attrs(v.kvlistValue.values) } };
  if (v.bytesValue != null) return { bytesValue: Buffer.from(v.bytesValue.buffer, v.bytesValue.byteOffset, v.bytesValue.byteLength).toString('base64') };
  return {};
}
function attrs(kvs: PbKeyValue[] | null | undefined): JsonKeyValue[] {
  if (!kvs || kvs.length === 0) return [];
  const out: JsonKeyValue[] = new Array(kvs.length);
  for (let i = 0; i < kvs.length; i++) out[i] = { key: kvs[i]!.key ?? '', value: anyValue(kvs[i]!.value) };
  return out;
}

/** Why a span cannot be accepted ('' when it is fine). Shared by the JSON and protobuf paths. */
export function badIds(traceIdHex: unknown, spanIdHex: unknown): string {
  if (typeof traceIdHex !== 'string' || !/^[0-9a-fA-F]{32}$/.test(traceIdHex)) return 'traceId must be 16 bytes (32 hex digits)';
  if (/^0+$/.test(traceIdHex)) return 'traceId is all zeros';
  if (typeof spanIdHex !== 'string' || !/^[0-9a-fA-F]{16}$/.test(spanIdHex)) return 'spanId must be 8 bytes (16 hex digits)';
  if (/^0+$/.test(spanIdHex)) return 'spanId is all zeros';
  return '';
}

function allZero(b: Uint8Array): boolean {
  for (let i = 0; i < b.length; i++) if (b[i] !== 0) return false;
  return true;
}
/** badIds for protobuf bytes, without making hex strings first. */
function badIdBytes(traceId: Bytes, spanId: Bytes): string {
  if (!traceId || traceId.length !== 16) return 'traceId must be 16 bytes (32 hex digits)';
  if (allZero(traceId)) return 'traceId is all zeros';
  if (!spanId || spanId.length !== 8) return 'spanId must be 8 bytes (16 hex digits)';
  if (allZero(spanId)) return 'spanId is all zeros';
  return '';
}

export interface ConvertedRequest {
  /** the request in OTLP/JSON shape with rejected spans removed */
  request: { resourceSpans: unknown[] };
  accepted: number;
  rejected: number;
  /** first rejection reason, for partialSuccess.errorMessage */
  firstError: string;
}

/**
 * Decode an OTLP protobuf ExportTraceServiceRequest into its OTLP/JSON shape. Throws (RangeError/Error from protobufjs)
 * when the bytes are not a valid message — the caller answers 400.
 */
export function decodeTraceRequestProto(body: Uint8Array): ConvertedRequest {
  const msg = TraceV1.ExportTraceServiceRequest.decode(body);
  let accepted = 0;
  let rejected = 0;
  let firstError = '';
  const resourceSpans: unknown[] = [];
  for (const rs of msg.resourceSpans ?? []) {
    const scopeSpans: unknown[] = [];
    for (const ss of rs.scopeSpans ?? []) {
      const spans: unknown[] = [];
      for (const s of ss.spans ?? []) {
        const why = badIdBytes(s.traceId, s.spanId);
        if (why) {
          rejected++;
          if (!firstError) firstError = `span '${s.name ?? ''}': ${why}`;
          continue;
        }
        accepted++;
        const o: Record<string, unknown> = { traceId: hex(s.traceId), spanId: hex(s.spanId) };
        if (s.traceState) o.traceState = s.traceState;
        const parent = hex(s.parentSpanId);
        if (parent) o.parentSpanId = parent;
        o.name = s.name ?? '';
        o.kind = s.kind ?? 0;
        o.startTimeUnixNano = u64(s.startTimeUnixNano);
        o.endTimeUnixNano = u64(s.endTimeUnixNano);
        o.attributes = attrs(s.attributes);
        if (s.droppedAttributesCount) o.droppedAttributesCount = s.droppedAttributesCount;
        if (s.events && s.events.length > 0) {
          o.events = s.events.map((e) => {
            const ev: Record<string, unknown> = { timeUnixNano: u64(e.timeUnixNano), name: e.name ?? '', attributes: attrs(e.attributes) };
            if (e.droppedAttributesCount) ev.droppedAttributesCount = e.droppedAttributesCount;
            return ev;
          });
        }
        if (s.droppedEventsCount) o.droppedEventsCount = s.droppedEventsCount;
        if (s.links && s.links.length > 0) {
          o.links = s.links.map((l) => {
            const lk: Record<string, unknown> = { traceId: hex(l.traceId), spanId: hex(l.spanId), attributes: attrs(l.attributes) };
            if (l.traceState) lk.traceState = l.traceState;
            if (l.droppedAttributesCount) lk.droppedAttributesCount = l.droppedAttributesCount;
            return lk;
          });
        }
        if (s.droppedLinksCount) o.droppedLinksCount = s.droppedLinksCount;
        const st: Record<string, unknown> = {};
        if (s.status?.code) st.code = s.status.code;
        if (s.status?.message) st.message = s.status.message;
        o.status = st;
        spans.push(o);
      }
      if (spans.length === 0) continue;
      const scope: Record<string, unknown> = {};
      if (ss.scope) {
        scope.name = ss.scope.name ?? '';
        if (ss.scope.version) scope.version = ss.scope.version;
        if (ss.scope.attributes && ss.scope.attributes.length > 0) scope.attributes = attrs(ss.scope.attributes);
        if (ss.scope.droppedAttributesCount) scope.droppedAttributesCount = ss.scope.droppedAttributesCount;
      }
      const sso: Record<string, unknown> = { scope, spans };
      if (ss.schemaUrl) sso.schemaUrl = ss.schemaUrl;
      scopeSpans.push(sso);
    }
    if (scopeSpans.length === 0) continue;
    const resource: Record<string, unknown> = { attributes: attrs(rs.resource?.attributes) };
    if (rs.resource?.droppedAttributesCount) resource.droppedAttributesCount = rs.resource.droppedAttributesCount;
    const rso: Record<string, unknown> = { resource, scopeSpans };
    if (rs.schemaUrl) rso.schemaUrl = rs.schemaUrl;
    resourceSpans.push(rso);
  }
  return { request: { resourceSpans }, accepted, rejected, firstError };
}

/** Protobuf ExportTraceServiceResponse (empty on full success). */
export function encodeTraceResponseProto(partial?: { rejectedSpans: number; errorMessage: string }): Uint8Array {
  const msg = partial ? { partialSuccess: { rejectedSpans: Long.fromNumber(partial.rejectedSpans), errorMessage: partial.errorMessage } } : {};
  return TraceV1.ExportTraceServiceResponse.encode(msg).finish();
}

/** Decode a protobuf ExportTraceServiceResponse (tests, clients). */
export function decodeTraceResponseProto(buf: Uint8Array): { partialSuccess?: { rejectedSpans: number; errorMessage: string } } {
  const m = (TraceV1.ExportTraceServiceResponse as unknown as MessageType<{ partialSuccess?: { rejectedSpans?: U64; errorMessage?: string | null } | null }>).decode(buf);
  if (!m.partialSuccess) return {};
  return { partialSuccess: { rejectedSpans: Number(u64(m.partialSuccess.rejectedSpans)), errorMessage: m.partialSuccess.errorMessage ?? '' } };
}

/** Protobuf google.rpc.Status for error responses. */
export function encodeStatusProto(code: number, message: string): Uint8Array {
  return StatusType.encode(StatusType.create({ code, message })).finish();
}
export function decodeStatusProto(buf: Uint8Array): { code: number; message: string } {
  const m = StatusType.decode(buf) as unknown as { code?: number; message?: string };
  return { code: m.code ?? 0, message: m.message ?? '' };
}
