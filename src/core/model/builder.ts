import { StringTable } from './intern';
import { hex8, spanIdHalves } from './ids';
import {
  AttrType,
  type AttrValue,
  type ResourceInfo,
  type ScopeInfo,
  SpanKind,
  type SpanEvent,
  type SpanLink,
  SpanTable,
  StatusCode,
} from './span-table';

/**
 * One span as a parser hands it to the builder. Ids are normalised lower-case hex ('' = absent); spanId and
 * parentSpanId may also be 16 hex digits in any case (only their numeric halves are stored; non-hex = absent).
 */
export interface SpanInput {
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  kind: SpanKind;
  statusCode: StatusCode;
  statusMessage?: string;
  /** start as [unix seconds, ns] or null when the span has no timestamp */
  start: [number, number] | null;
  /** end as [unix seconds, ns]; ignored when durationNs is given */
  end?: [number, number] | null;
  durationNs?: number;
  resource: number;
  scope: number;
  traceState?: string;
  events?: { time: [number, number] | null; name: string; attributes: Record<string, AttrValue> }[];
  links?: SpanLink[];
}

class Grow<T extends Uint32Array | Int32Array | Uint8Array | Float64Array> {
  arr: T;
  len = 0;
  constructor(private readonly ctor: new (n: number) => T, cap = 1024) {
    this.arr = new ctor(cap);
  }
  push(v: number): void {
    if (this.len === this.arr.length) {
      const next = new this.ctor(this.arr.length * 2);
      (next as unknown as { set(a: T): void }).set(this.arr);
      this.arr = next;
    }
    this.arr[this.len++] = v;
  }
  done(): T {
    return this.arr.slice(0, this.len) as T;
  }
}

/** Store a span id as two uint32 halves without allocating (the common 16-hex-digit case). */
function pushIdHalves(hex: string, hiCol: Grow<Uint32Array>, loCol: Grow<Uint32Array>): void {
  if (hex.length === 16) {
    const hi = hex8(hex, 0);
    const lo = hex8(hex, 8);
    hiCol.push(hi < 0 ? 0 : hi);
    loCol.push(lo < 0 ? 0 : lo);
    return;
  }
  const [h, l] = spanIdHalves(hex);
  hiCol.push(h);
  loCol.push(l);
}

/** Canonical (type, string) form of an attribute value for interned storage. */
export function encodeAttrValue(v: AttrValue): [AttrType, string] {
  if (v === null || v === undefined) return [AttrType.Empty, ''];
  switch (typeof v) {
    case 'string':
      return [AttrType.String, v];
    case 'boolean':
      return [AttrType.Bool, v ? 'true' : 'false'];
    case 'number':
      return [Number.isInteger(v) ? AttrType.Int : AttrType.Double, String(v)];
    default:
      return Array.isArray(v) ? [AttrType.Array, JSON.stringify(v)] : [AttrType.KvList, JSON.stringify(v)];
  }
}

/**
 * The only way to create a SpanTable. Parsers call addResource/addScope, then addSpan + attr for each span,
 * then build() resolves parents.
 */
export class SpanTableBuilder {
  readonly strings = new StringTable();
  private baseSec: number | null = null;
  private readonly traceId = new Grow(Uint32Array);
  private readonly spanHi = new Grow(Uint32Array);
  private readonly spanLo = new Grow(Uint32Array);
  private readonly parHi = new Grow(Uint32Array);
  private readonly parLo = new Grow(Uint32Array);
  private readonly name = new Grow(Uint32Array);
  private readonly service = new Grow(Uint32Array);
  private readonly kind = new Grow(Uint8Array);
  private readonly status = new Grow(Uint8Array);
  private readonly statusMsg = new Grow(Uint32Array);
  private readonly start = new Grow(Float64Array);
  private readonly duration = new Grow(Float64Array);
  private readonly resource = new Grow(Uint32Array);
  private readonly scope = new Grow(Uint32Array);
  private readonly traceState = new Grow(Uint32Array);
  private readonly attrOffset = new Grow(Uint32Array);
  private readonly attrKey = new Grow(Uint32Array, 8192);
  private readonly attrVal = new Grow(Uint32Array, 8192);
  private readonly attrType = new Grow(Uint8Array, 8192);
  private readonly resources: ResourceInfo[] = [];
  private readonly resourceServiceId: number[] = [];
  private readonly resourceKeys = new Map<string, number>();
  private readonly scopes: ScopeInfo[] = [];
  private readonly scopeKeys = new Map<string, Map<string, number>>();
  private lastTrace = '';
  private lastTraceId = 0;
  private readonly events = new Map<number, SpanEvent[]>();
  private readonly links = new Map<number, SpanLink[]>();
  private open = false;

  constructor() {
    this.attrOffset.push(0);
  }

  get size(): number {
    return this.name.len;
  }

  /** Register (or reuse) a resource; `service` is its service.name (or a fallback the parser chose). */
  addResource(service: string, attributes: Record<string, AttrValue>): number {
    const key = service + '\u0000' + JSON.stringify(attributes);
    let id = this.resourceKeys.get(key);
    if (id === undefined) {
      id = this.resources.length;
      this.resources.push({ service, attributes });
      this.resourceServiceId.push(this.strings.intern(service));
      this.resourceKeys.set(key, id);
    }
    return id;
  }

  addScope(name: string, version = ''): number {
    let byVersion = this.scopeKeys.get(name);
    if (!byVersion) this.scopeKeys.set(name, (byVersion = new Map()));
    let id = byVersion.get(version);
    if (id === undefined) {
      id = this.scopes.length;
      this.scopes.push({ name, version });
      byVersion.set(version, id);
    }
    return id;
  }

  private relNs(t: [number, number]): number {
    if (this.baseSec === null) this.baseSec = t[0];
    return (t[0] - this.baseSec) * 1e9 + t[1];
  }

  /** Append a span; follow with attr() calls for its attributes (they attach to the last added span). */
  addSpan(s: SpanInput): number {
    const row = this.name.len;
    if (this.open) this.attrOffset.push(this.attrKey.len);
    this.open = true;
    // spans of one trace usually come together: skip the hash lookup for a repeated trace id
    if (s.traceId !== this.lastTrace || this.name.len === 0) {
      this.lastTrace = s.traceId;
      this.lastTraceId = this.strings.intern(s.traceId);
    }
    this.traceId.push(this.lastTraceId);
    pushIdHalves(s.spanId, this.spanHi, this.spanLo);
    pushIdHalves(s.parentSpanId, this.parHi, this.parLo);
    this.name.push(this.strings.intern(s.name));
    this.service.push(this.resourceServiceId[s.resource] ?? 0);
    this.kind.push(s.kind);
    this.status.push(s.statusCode);
    this.statusMsg.push(s.statusMessage ? this.strings.intern(s.statusMessage) : 0);
    this.resource.push(s.resource);
    this.scope.push(s.scope);
    this.traceState.push(s.traceState ? this.strings.intern(s.traceState) : 0);
    let start = NaN;
    let dur = 0;
    if (s.start) {
      start = this.relNs(s.start);
      if (s.durationNs !== undefined) dur = s.durationNs;
      else if (s.end) dur = this.relNs(s.end) - start;
    } else if (s.durationNs !== undefined) {
      dur = s.durationNs;
    }
    this.start.push(start);
    this.duration.push(Number.isFinite(dur) && dur > 0 ? dur : 0);
    if (s.events && s.events.length > 0) {
      this.events.set(
        row,
        s.events.map((e) => ({ time: e.time ? this.relNs(e.time) : NaN, name: e.name, attributes: e.attributes })),
      );
    }
    if (s.links && s.links.length > 0) this.links.set(row, s.links);
    return row;
  }

  /** Attach an attribute to the span added last. */
  attr(key: string, value: AttrValue): void {
    const [t, raw] = encodeAttrValue(value);
    this.attrKey.push(this.strings.intern(key));
    this.attrVal.push(this.strings.intern(raw));
    this.attrType.push(t);
  }

  /** Attach an attribute already in canonical form (fast path for parsers). */
  attrRaw(key: string, type: AttrType, raw: string): void {
    this.attrKey.push(this.strings.intern(key));
    this.attrVal.push(this.strings.intern(raw));
    this.attrType.push(type);
  }

  build(): SpanTable {
    if (this.open) {
      this.attrOffset.push(this.attrKey.len);
      this.open = false;
    }
    const n = this.name.len;
    const traceId = this.traceId.done();
    const spanHi = this.spanHi.done();
    const spanLo = this.spanLo.done();
    const parHi = this.parHi.done();
    const parLo = this.parLo.done();
    const parent = new Int32Array(n).fill(-1);
    const orphan = new Uint8Array(n);
    // Resolve parents per trace: (trace, spanId) → first row with that id. Open-addressing hash over typed arrays
    // (no per-span key strings: this runs over every span of million-span models).
    let cap = 16;
    while (cap < n * 2) cap *= 2;
    const mask = cap - 1;
    const slots = new Int32Array(cap); // row + 1; 0 = empty
    const hash = (t: number, hi: number, lo: number): number => {
      let h = Math.imul(t ^ 0x2545f491, 0x9e3779b1) ^ Math.imul(hi, 0x85ebca6b) ^ Math.imul(lo, 0xc2b2ae35);
      h ^= h >>> 15;
      h = Math.imul(h, 0x2c1b3c6d);
      h ^= h >>> 12;
      return h & mask;
    };
    const find = (t: number, hi: number, lo: number): number => {
      for (let h = hash(t, hi, lo); ; h = (h + 1) & mask) {
        const r = slots[h]! - 1;
        if (r < 0) return -1;
        if (spanLo[r] === lo && spanHi[r] === hi && traceId[r] === t) return r;
      }
    };
    for (let i = 0; i < n; i++) {
      const hi = spanHi[i]!;
      const lo = spanLo[i]!;
      if (hi === 0 && lo === 0) continue;
      const t = traceId[i]!;
      for (let h = hash(t, hi, lo); ; h = (h + 1) & mask) {
        const r = slots[h]! - 1;
        if (r < 0) {
          slots[h] = i + 1;
          break;
        }
        if (spanLo[r] === lo && spanHi[r] === hi && traceId[r] === t) break; // keep the first row
      }
    }
    for (let i = 0; i < n; i++) {
      if (parHi[i] === 0 && parLo[i] === 0) continue;
      const p = find(traceId[i]!, parHi[i]!, parLo[i]!);
      if (p < 0 || p === i) orphan[i] = 1;
      else parent[i] = p;
    }
    // Break any parent cycles (malformed input) so tree walks always terminate.
    const state = new Uint8Array(n); // 0 unvisited, 1 on stack, 2 done
    const path: number[] = [];
    for (let i = 0; i < n; i++) {
      if (state[i] !== 0) continue;
      path.length = 0;
      let j = i;
      while (j >= 0 && state[j] === 0) {
        state[j] = 1;
        path.push(j);
        j = parent[j]!;
      }
      if (j >= 0 && state[j] === 1) {
        parent[j] = -1;
        orphan[j] = 1;
      }
      for (const p of path) state[p] = 2;
    }
    return new SpanTable(
      n,
      this.strings,
      this.baseSec ?? 0,
      traceId,
      spanHi,
      spanLo,
      parHi,
      parLo,
      parent,
      orphan,
      this.name.done(),
      this.service.done(),
      this.kind.done(),
      this.status.done(),
      this.statusMsg.done(),
      this.start.done(),
      this.duration.done(),
      this.resource.done(),
      this.scope.done(),
      this.attrOffset.done(),
      this.attrKey.done(),
      this.attrVal.done(),
      this.attrType.done(),
      this.resources,
      this.scopes,
      this.events,
      this.links,
      this.traceState.done(),
    );
  }
}
