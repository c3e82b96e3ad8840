/**
 * A counting pass over the protobuf WIRE FORMAT of an ExportTraceServiceRequest, run before protobufjs decodes it.
 *
 * It materialises nothing: it walks tags and lengths with an explicit stack (no recursion, so nesting depth costs no
 * call stack) and counts spans, attributes per span/event/link/resource/scope, events and links per span, all
 * attributes and array elements of the request, and the nesting of attribute values. It stops at the first limit
 * passed, so a 60 MiB body of 30 million empty attributes is refused after reading 1,025 of them.
 *
 * It also refuses what the generated decoder would mishandle rather than reject: a known field with the wrong wire
 * type (the generated code reads it as a length regardless) and groups (wire types 3/4, which protobufjs skips
 * recursively; OTLP has none). Unknown fields of the other wire types are skipped, as protobufjs does.
 *
 * Field numbers are those of opentelemetry-proto (collector/trace/v1, trace/v1, common/v1, resource/v1).
 */
import { isUtf8 } from 'node:buffer';
import { LimitError, tooMany, type ReceiverLimits } from './limits';

const enum T {
  Request,
  ResourceSpans,
  Resource,
  ScopeSpans,
  Scope,
  Span,
  Event,
  Link,
  Status,
  KeyValue,
  AnyValue,
  ArrayValue,
  KvList,
}
const NAMES = ['ExportTraceServiceRequest', 'ResourceSpans', 'Resource', 'ScopeSpans', 'InstrumentationScope', 'Span', 'Span.Event', 'Span.Link', 'Status', 'KeyValue', 'AnyValue', 'ArrayValue', 'KeyValueList'];

const enum K {
  Msg, // length-delimited sub-message
  Str, // length-delimited UTF-8 string
  Bytes, // length-delimited bytes
  Varint,
  Fixed64,
  Fixed32,
}
const enum Role {
  None,
  Attr, // a KeyValue in an attribute list of its parent
  Event,
  Link,
  Span,
  Element, // an AnyValue element of an ArrayValue
}
interface Field {
  kind: K;
  child?: T;
  role?: Role;
}
const WIRE: Record<K, number> = { [K.Msg]: 2, [K.Str]: 2, [K.Bytes]: 2, [K.Varint]: 0, [K.Fixed64]: 1, [K.Fixed32]: 5 };

const msg = (child: T, role: Role = Role.None): Field => ({ kind: K.Msg, child, role });
const str: Field = { kind: K.Str };
const bytes: Field = { kind: K.Bytes };
const varint: Field = { kind: K.Varint };
const fixed64: Field = { kind: K.Fixed64 };
const fixed32: Field = { kind: K.Fixed32 };

const SCHEMA: Record<T, Record<number, Field>> = {
  [T.Request]: { 1: msg(T.ResourceSpans) },
  [T.ResourceSpans]: { 1: msg(T.Resource), 2: msg(T.ScopeSpans), 3: str },
  [T.Resource]: { 1: msg(T.KeyValue, Role.Attr), 2: varint },
  [T.ScopeSpans]: { 1: msg(T.Scope), 2: msg(T.Span, Role.Span), 3: str },
  [T.Scope]: { 1: str, 2: str, 3: msg(T.KeyValue, Role.Attr), 4: varint },
  [T.Span]: {
    1: bytes,
    2: bytes,
    3: str,
    4: bytes,
    5: str,
    6: varint,
    7: fixed64,
    8: fixed64,
    9: msg(T.KeyValue, Role.Attr),
    10: varint,
    11: msg(T.Event, Role.Event),
    12: varint,
    13: msg(T.Link, Role.Link),
    14: varint,
    15: msg(T.Status),
    16: fixed32,
  },
  [T.Event]: { 1: fixed64, 2: str, 3: msg(T.KeyValue, Role.Attr), 4: varint },
  [T.Link]: { 1: bytes, 2: bytes, 3: str, 4: msg(T.KeyValue, Role.Attr), 5: varint, 6: fixed32 },
  [T.Status]: { 2: str, 3: varint },
  [T.KeyValue]: { 1: str, 2: msg(T.AnyValue) },
  [T.AnyValue]: { 1: str, 2: varint, 3: varint, 4: fixed64, 5: msg(T.ArrayValue), 6: msg(T.KvList), 7: bytes },
  [T.ArrayValue]: { 1: msg(T.AnyValue, Role.Element) },
  [T.KvList]: { 1: msg(T.KeyValue) },
};

export interface ProtoScan {
  spans: number;
  /** attributes, array elements, events, links, resource and scope entries */
  items: number;
  /**
   * string fields that were not valid UTF-8 (protobufjs decodes them with U+FFFD replacement characters); only
   * counted with `checkUtf8`
   */
  invalidUtf8: number;
}

// The schema flattened into typed arrays, indexed by type * 32 + field number (OTLP field numbers are all below 32).
const NONE = 255;
const KIND = new Uint8Array(13 * 32).fill(NONE);
const CHILD = new Uint8Array(13 * 32);
const ROLE = new Uint8Array(13 * 32);
for (const [t, fields] of Object.entries(SCHEMA)) {
  for (const [no, f] of Object.entries(fields)) {
    const i = Number(t) * 32 + Number(no);
    KIND[i] = f.kind;
    CHILD[i] = f.child ?? 0;
    ROLE[i] = f.role ?? Role.None;
  }
}

/**
 * Throws LimitError (413 over a limit, 400 malformed); returns the counts when the request may be decoded.
 * `checkUtf8` also validates every string field (the receiver re-runs the scan with it only when the decoded request
 * contains a U+FFFD, to tell a repaired string from one the client sent).
 */
export function scanTraceRequestProto(buf: Uint8Array, limits: ReceiverLimits, checkUtf8 = false): ProtoScan {
  const maxStack = 8 + 3 * (limits.maxDepth + 1);
  // per frame: type, end offset, attribute/event/link counters, attribute-value depth
  const fType = new Uint8Array(maxStack);
  const fEnd = new Float64Array(maxStack);
  const fAttrs = new Uint32Array(maxStack);
  const fEvents = new Uint32Array(maxStack);
  const fLinks = new Uint32Array(maxStack);
  const fDepth = new Uint16Array(maxStack);
  let sp = 0;
  fType[0] = T.Request;
  fEnd[0] = buf.length;

  let pos = 0;
  let spans = 0;
  let items = 0;
  let invalidUtf8 = 0;
  const len = buf.length;
  const bad = (what: string) => new LimitError(400, `invalid protobuf ExportTraceServiceRequest at byte ${pos}: ${what}`);

  const readVarint = (): number => {
    // up to 10 bytes; values above 2^53 only matter for lengths, which are then refused as out of bounds
    let result = 0;
    let mul = 1;
    for (let i = 0; i < 10; i++) {
      if (pos >= len) throw bad('truncated varint');
      const b = buf[pos++]!;
      result += (b & 0x7f) * mul;
      if (b < 0x80) return result;
      mul *= 128;
    }
    throw bad('varint longer than 10 bytes');
  };

  for (;;) {
    while (pos === fEnd[sp]) {
      if (sp === 0) return { spans, items, invalidUtf8 };
      sp--;
    }
    const end = fEnd[sp]!;
    if (pos > end) throw bad(`a field runs past the end of its ${NAMES[fType[sp]!]}`);
    let tag = buf[pos]!;
    if (tag < 0x80) pos++;
    else tag = readVarint();
    const fieldNo = tag >>> 3; // the low 32 bits, as protobufjs reads a tag
    const wt = tag & 7;
    if (fieldNo === 0) throw bad('field number 0');
    if (wt === 3 || wt === 4) throw bad(`group (wire type ${wt}) in ${NAMES[fType[sp]!]}; OTLP has no groups`);
    const type = fType[sp]! as T;
    const fi = fieldNo < 32 ? type * 32 + fieldNo : -1;
    const kind = fi >= 0 ? KIND[fi]! : NONE;
    if (kind !== NONE && WIRE[kind as K] !== wt) throw bad(`${NAMES[type]} field ${fieldNo} has wire type ${wt}, expected ${WIRE[kind as K]}`);
    switch (wt) {
      case 0:
        readVarint();
        break;
      case 1:
        pos += 8;
        break;
      case 5:
        pos += 4;
        break;
      case 2: {
        let n = buf[pos]!;
        if (n < 0x80) pos++;
        else n = readVarint();
        if (n > end - pos) throw bad(`length ${n} runs past the end of its ${NAMES[type]} (${end - pos} bytes left)`);
        const start = pos;
        pos += n;
        if (kind === K.Str) {
          if (checkUtf8 && n > 0 && !isUtf8(buf.subarray(start, pos))) invalidUtf8++;
          break;
        }
        if (kind !== K.Msg) break;
        // entering a sub-message: count it against the limits
        const child = CHILD[fi]! as T;
        switch (ROLE[fi]) {
          case Role.Span:
            if (++spans > limits.maxSpans) throw tooMany('number of spans in the request', limits.maxSpans, 'maxSpans');
            break;
          case Role.Attr:
            if (++fAttrs[sp]! > limits.maxAttributesPerSpan) {
              throw tooMany(`number of attributes of ${spanWhere(type, spans)}`, limits.maxAttributesPerSpan, 'maxAttributesPerSpan');
            }
            break;
          case Role.Event:
            if (++fEvents[sp]! > limits.maxAttributesPerSpan) throw tooMany(`number of events of span #${spans}`, limits.maxAttributesPerSpan, 'maxAttributesPerSpan');
            break;
          case Role.Link:
            if (++fLinks[sp]! > limits.maxAttributesPerSpan) throw tooMany(`number of links of span #${spans}`, limits.maxAttributesPerSpan, 'maxAttributesPerSpan');
            break;
        }
        if (++items > limits.maxAttributes) throw tooMany('number of attributes, events, links and array elements in the request', limits.maxAttributes, 'maxAttributes');
        let depth = fDepth[sp]!;
        if (child === T.AnyValue && ++depth > limits.maxDepth) {
          throw new LimitError(400, `an attribute value is nested more than ${limits.maxDepth} levels deep (arrayValue/kvlistValue inside one another; limit maxDepth)`);
        }
        if (n === 0) break; // an empty message: nothing inside to walk
        sp++;
        if (sp >= maxStack) throw bad('nesting deeper than the OTLP schema allows'); // unreachable with the depth check
        fType[sp] = child;
        fEnd[sp] = pos;
        fAttrs[sp] = 0;
        fEvents[sp] = 0;
        fLinks[sp] = 0;
        fDepth[sp] = depth;
        pos = start;
        break;
      }
      default:
        throw bad(`unknown wire type ${wt}`);
    }
    if (pos > fEnd[sp]!) throw bad(`a field runs past the end of its ${NAMES[fType[sp]!]}`);
  }
}

function spanWhere(type: T, spans: number): string {
  switch (type) {
    case T.Span:
      return `span #${spans}`;
    case T.Event:
      return `an event of span #${spans}`;
    case T.Link:
      return `a link of span #${spans}`;
    case T.Resource:
      return 'a resource';
    default:
      return 'an instrumentation scope';
  }
}
