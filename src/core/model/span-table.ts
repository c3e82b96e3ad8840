import { StringTable } from './intern';
import { halvesToSpanId } from './ids';
import { secNsToIso } from './time';

/** OTLP span kinds (OTLP numbering: 0 = unspecified). */
export const enum SpanKind {
  Unspecified = 0,
  Internal = 1,
  Server = 2,
  Client = 3,
  Producer = 4,
  Consumer = 5,
}
export const SPAN_KIND_NAMES = ['unspecified', 'internal', 'server', 'client', 'producer', 'consumer'] as const;

/** OTLP status codes. */
export const enum StatusCode {
  Unset = 0,
  Ok = 1,
  Error = 2,
}
export const STATUS_NAMES = ['unset', 'ok', 'error'] as const;

/** AnyValue kinds; values are stored as interned canonical strings (arrays/kvlists as JSON, bytes as base64). */
export const enum AttrType {
  String = 0,
  Bool = 1,
  Int = 2,
  Double = 3,
  Bytes = 4,
  Array = 5,
  KvList = 6,
  Empty = 7,
}
export type AttrValue = string | number | boolean | null | AttrValue[] | { [k: string]: AttrValue };

export interface SpanEvent {
  /** ns offset from the model's base (like span starts); NaN when the event had no time. */
  time: number;
  name: string;
  attributes: Record<string, AttrValue>;
}
export interface SpanLink {
  traceId: string;
  spanId: string;
  attributes: Record<string, AttrValue>;
}
export interface ResourceInfo {
  service: string;
  attributes: Record<string, AttrValue>;
}
export interface ScopeInfo {
  name: string;
  version: string;
}

/** Kinds of malformed span data the builder repairs and counts (see ModelAnomalies). */
export type AnomalyKind =
  | 'startNaN'
  | 'startNegative'
  | 'startOverflow'
  | 'endNaN'
  | 'endNegative'
  | 'endOverflow'
  | 'endBeforeStart'
  | 'durationNaN'
  | 'negativeDuration'
  | 'selfParent'
  | 'parentCycle'
  | 'duplicateSpanId';

/**
 * Malformed spans found while building, by kind: how many, and the first row (for an example in messages). Spans with
 * a broken timestamp/duration are kept with unknown timing (start NaN, duration 0); a self-parent becomes a root, a
 * parent cycle is cut at one span, a duplicate span id's children attach to the first span with that id.
 */
export type ModelAnomalies = Partial<Record<AnomalyKind, { count: number; firstRow: number }>>;

/** Decode an interned attribute value back to a JS value. */
export function decodeAttr(type: AttrType, raw: string): AttrValue {
  switch (type) {
    case AttrType.Bool:
      return raw === 'true';
    case AttrType.Int:
    case AttrType.Double: {
      const n = Number(raw);
      // ints beyond 2^53 stay strings so nothing is silently rounded
      return type === AttrType.Int && !Number.isSafeInteger(n) ? raw : n;
    }
    case AttrType.Array:
    case AttrType.KvList:
      return JSON.parse(raw) as AttrValue;
    case AttrType.Empty:
      return null;
    default:
      return raw;
  }
}

/**
 * The columnar trace model. One row per span; strings are interned in `strings`. Built only through
 * SpanTableBuilder (./builder.ts). Immutable once built.
 *
 * Times: `start[i]` is ns since `baseSec` (Unix seconds), `duration[i]` ns (NaN start = the span had no timestamp).
 */
export class SpanTable {
  constructor(
    readonly size: number,
    readonly strings: StringTable,
    readonly baseSec: number,
    /** interned trace-id string per span (hex, '' when absent) */
    readonly traceIdCol: Uint32Array,
    readonly spanIdHi: Uint32Array,
    readonly spanIdLo: Uint32Array,
    readonly parentIdHi: Uint32Array,
    readonly parentIdLo: Uint32Array,
    /** resolved parent row, -1 for roots and orphans (see `orphan`) */
    readonly parent: Int32Array,
    /** 1 when the span names a parent id that is not in the model */
    readonly orphan: Uint8Array,
    readonly nameCol: Uint32Array,
    readonly serviceCol: Uint32Array,
    readonly kind: Uint8Array,
    readonly statusCode: Uint8Array,
    readonly statusMessageCol: Uint32Array,
    readonly start: Float64Array,
    readonly duration: Float64Array,
    readonly resourceCol: Uint32Array,
    readonly scopeCol: Uint32Array,
    /** CSR attribute storage: attributes of span i are rows attrOffset[i]..attrOffset[i+1] */
    readonly attrOffset: Uint32Array,
    readonly attrKey: Uint32Array,
    readonly attrVal: Uint32Array,
    readonly attrType: Uint8Array,
    readonly resources: readonly ResourceInfo[],
    readonly scopes: readonly ScopeInfo[],
    /** sparse: only spans that have events / links */
    readonly events: ReadonlyMap<number, readonly SpanEvent[]>,
    readonly links: ReadonlyMap<number, readonly SpanLink[]>,
    readonly traceStateCol: Uint32Array,
    /** malformed spans found while building (empty when there were none) */
    readonly anomalies: ModelAnomalies = {},
  ) {}

  traceId(i: number): string {
    return this.strings.get(this.traceIdCol[i]!);
  }
  spanId(i: number): string {
    return halvesToSpanId(this.spanIdHi[i]!, this.spanIdLo[i]!);
  }
  parentSpanId(i: number): string {
    return halvesToSpanId(this.parentIdHi[i]!, this.parentIdLo[i]!);
  }
  name(i: number): string {
    return this.strings.get(this.nameCol[i]!);
  }
  service(i: number): string {
    return this.strings.get(this.serviceCol[i]!);
  }
  statusMessage(i: number): string {
    return this.strings.get(this.statusMessageCol[i]!);
  }
  end(i: number): number {
    return this.start[i]! + this.duration[i]!;
  }
  isError(i: number): boolean {
    return this.statusCode[i] === StatusCode.Error;
  }

  /** The value of one attribute of span i (span attributes first, then its resource's), or undefined. */
  attribute(i: number, key: string): AttrValue | undefined {
    const k = this.strings.lookup(key);
    if (k >= 0) {
      for (let a = this.attrOffset[i]!, e = this.attrOffset[i + 1]!; a < e; a++) {
        if (this.attrKey[a] === k) return decodeAttr(this.attrType[a]! as AttrType, this.strings.get(this.attrVal[a]!));
      }
    }
    const res = this.resources[this.resourceCol[i]!];
    return res ? res.attributes[key] : undefined;
  }

  /** All span attributes of span i (not resource attributes). */
  attributes(i: number): Record<string, AttrValue> {
    const out: Record<string, AttrValue> = {};
    for (let a = this.attrOffset[i]!, e = this.attrOffset[i + 1]!; a < e; a++) {
      out[this.strings.get(this.attrKey[a]!)] = decodeAttr(this.attrType[a]! as AttrType, this.strings.get(this.attrVal[a]!));
    }
    return out;
  }

  resource(i: number): ResourceInfo {
    return this.resources[this.resourceCol[i]!]!;
  }
  scope(i: number): ScopeInfo {
    return this.scopes[this.scopeCol[i]!]!;
  }

  /** Distinct trace ids in first-seen order, with their span rows. */
  traces(): Map<string, number[]> {
    const byId = new Map<number, number[]>();
    for (let i = 0; i < this.size; i++) {
      const t = this.traceIdCol[i]!;
      let rows = byId.get(t);
      if (!rows) byId.set(t, (rows = []));
      rows.push(i);
    }
    const out = new Map<string, number[]>();
    for (const [t, rows] of byId) out.set(this.strings.get(t), rows);
    return out;
  }

  /** Unix ms of an ns offset (for display). */
  toUnixMs(offsetNs: number): number {
    return this.baseSec * 1000 + offsetNs / 1e6;
  }
  toIso(offsetNs: number): string {
    const sec = this.baseSec + Math.floor(offsetNs / 1e9);
    return secNsToIso(sec, offsetNs - Math.floor(offsetNs / 1e9) * 1e9);
  }

  /** A plain-object dump of span i (tests, tools, debugging — not for hot paths). */
  toObject(i: number) {
    return {
      traceId: this.traceId(i),
      spanId: this.spanId(i),
      parentSpanId: this.parentSpanId(i),
      name: this.name(i),
      service: this.service(i),
      kind: SPAN_KIND_NAMES[this.kind[i]!] ?? 'unspecified',
      status: STATUS_NAMES[this.statusCode[i]!] ?? 'unset',
      statusMessage: this.statusMessage(i),
      start: Number.isNaN(this.start[i]!) ? null : this.toIso(this.start[i]!),
      durationNs: this.duration[i]!,
      attributes: this.attributes(i),
      resource: this.resource(i).attributes,
      scope: this.scope(i),
      events: this.events.get(i) ?? [],
      links: this.links.get(i) ?? [],
      traceState: this.strings.get(this.traceStateCol[i]!),
    };
  }
}
