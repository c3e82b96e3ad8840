// Hostile OTLP request bodies for the receiver: decompression-amplified protobuf bombs, deep nesting, invalid UTF-8.
// Used by the receiver tests (test/integration/receiver/hostile.test.ts) and by the soak script (bench/receiver-soak.mjs).
// The protobuf bodies are built from the opentelemetry-proto field numbers (ExportTraceServiceRequest.resource_spans = 1,
// ResourceSpans.scope_spans = 2, ScopeSpans.spans = 2, Span.trace_id = 1, span_id = 2, name = 5, attributes = 9,
// KeyValue.key = 1, value = 2, AnyValue.string_value = 1, array_value = 5, ArrayValue.values = 1).
import { randomBytes } from 'node:crypto';
import zlib from 'node:zlib';

/** protobuf varint */
export function varint(n) {
  const out = [];
  while (n >= 0x80) {
    out.push((n % 0x80) | 0x80);
    n = Math.floor(n / 0x80);
  }
  out.push(n);
  return Buffer.from(out);
}
/** a length-delimited field: tag, length, payload */
export function ld(field, payload) {
  return Buffer.concat([varint(field * 8 + 2), varint(payload.length), payload]);
}
const str = (s) => Buffer.from(s, 'utf8');

/** Wrap span bodies (Buffers, each the inside of one Span message) into an ExportTraceServiceRequest. */
export function requestOfSpans(spanBodies, service = 'hostile') {
  const resource = ld(1, ld(1, Buffer.concat([ld(1, str('service.name')), ld(2, ld(1, str(service)))])));
  const scopeSpans = ld(2, Buffer.concat(spanBodies.map((b) => ld(2, b))));
  return ld(1, Buffer.concat([resource, scopeSpans]));
}

/** The inside of a valid Span: random ids, a name, and `extra` bytes (more fields) appended. */
export function spanBody(name, extra = Buffer.alloc(0)) {
  return Buffer.concat([ld(1, randomBytes(16)), ld(2, randomBytes(8)), ld(5, str(name)), extra]);
}

/**
 * The attack from issue 14: one span with `n` EMPTY attributes (`4a 00`, two bytes each). 30 million make a 60 MiB
 * body (under the 64 MiB body limit) that gzips to about 61 KB and used to inflate into millions of objects.
 * The 60 MiB are written once into a preallocated buffer.
 */
export function protoAttributeBomb(n = 30_000_000) {
  const head = spanBody('bomb');
  const spanLen = head.length + 2 * n;
  const spanTag = Buffer.concat([varint(2 * 8 + 2), varint(spanLen)]);
  const ssLen = spanTag.length + spanLen;
  const ssTag = Buffer.concat([varint(2 * 8 + 2), varint(ssLen)]);
  const rsLen = ssTag.length + ssLen;
  const rsTag = Buffer.concat([varint(1 * 8 + 2), varint(rsLen)]);
  const total = rsTag.length + rsLen;
  const buf = Buffer.allocUnsafe(total);
  let o = 0;
  for (const part of [rsTag, ssTag, spanTag, head]) o += part.copy(buf, o);
  buf.fill(Buffer.from([0x4a, 0x00]), o);
  return buf;
}

/** gzip at level 9 (what an attacker would do) */
export function gzip(buf) {
  return zlib.gzipSync(buf, { level: 9 });
}

/** `n` empty spans (`12 00`): each two bytes, each a decoded Span object. */
export function protoEmptySpans(n) {
  const one = Buffer.from([0x12, 0x00]);
  const inner = Buffer.alloc(2 * n);
  inner.fill(one);
  return ld(1, ld(2, inner));
}

/** One span whose attribute `deep` is an arrayValue nested `depth` levels deep (protobuf). */
export function protoDeepAttribute(depth) {
  let v = ld(1, str('leaf')); // AnyValue{string_value}
  for (let i = 1; i < depth; i++) v = ld(5, ld(1, v)); // AnyValue{array_value: ArrayValue{values: [v]}}
  const kv = ld(9, Buffer.concat([ld(1, str('deep')), ld(2, v)]));
  return requestOfSpans([spanBody('deep-proto', kv)]);
}

/** One span with `n` attributes `k0…` (protobuf). */
export function protoManyAttributes(n) {
  const parts = [];
  for (let i = 0; i < n; i++) parts.push(ld(9, Buffer.concat([ld(1, str('k' + i)), ld(2, ld(1, str('v')))])));
  return requestOfSpans([spanBody('many-attrs', Buffer.concat(parts))]);
}

/** A protobuf span with a string attribute value that is not UTF-8 (a Latin-1 é). */
export function protoLatin1() {
  const value = Buffer.from([0x63, 0x61, 0x66, 0xe9]); // "caf\xe9"
  const kv = ld(9, Buffer.concat([ld(1, str('drink')), ld(2, ld(1, value))]));
  return requestOfSpans([spanBody('latin1-proto', kv)]);
}

const hex = (n) => randomBytes(n).toString('hex');

/** OTLP/JSON request with the given spans (objects) */
export function jsonRequest(spans, service = 'hostile') {
  return {
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }] },
        scopeSpans: [{ scope: { name: 'hostile' }, spans }],
      },
    ],
  };
}

export function jsonSpan(name, attributes = [], ids = 'hex') {
  const t = randomBytes(16);
  const s = randomBytes(8);
  return {
    traceId: ids === 'base64' ? t.toString('base64') : t.toString('hex'),
    spanId: ids === 'base64' ? s.toString('base64') : s.toString('hex'),
    name,
    kind: 1,
    startTimeUnixNano: '1700000000000000000',
    endTimeUnixNano: '1700000000001000000',
    attributes,
  };
}

/** JSON text of one span (base64 ids, so the receiver has to re-serialise it) with an attribute nested `depth` deep. */
export function jsonDeepAttribute(depth, ids = 'base64') {
  const open = '{"arrayValue":{"values":['.repeat(depth - 1);
  const close = ']}}'.repeat(depth - 1);
  const value = `${open}{"stringValue":"leaf"}${close}`;
  const req = jsonRequest([jsonSpan('deep-json', [{ key: 'deep', value: { stringValue: '@@DEEP@@' } }], ids)]);
  return Buffer.from(JSON.stringify(req).replace('{"stringValue":"@@DEEP@@"}', value));
}

/** A JSON body with a raw Latin-1 byte inside a string (not valid UTF-8) */
export function jsonLatin1(service = 'latin1') {
  const text = JSON.stringify(jsonRequest([jsonSpan('latin1-json', [{ key: 'drink', value: { stringValue: 'caf@' } }])], service));
  const b = Buffer.from(text, 'utf8');
  const at = b.indexOf('caf@') + 3;
  b[at] = 0xe9;
  return b;
}

/** JSON `{"resourceSpans":[{},{},…]}` with `n` empty objects: 3 bytes each on the wire, one object each parsed */
export function jsonEmptyObjects(n) {
  const head = Buffer.from('{"resourceSpans":[');
  const body = Buffer.alloc(3 * n - 1);
  body.fill('{},');
  return Buffer.concat([head, body, Buffer.from(']}')]);
}

export { hex };
