import { StringTable } from './intern';
import { hex8, spanIdHalves } from './ids';
import { timeProblem, type TimeProblem } from './time';
import {
  type AnomalyKind,
  type ModelAnomalies,
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

/**
 * Growable typed columns. One class per element type on purpose: a single generic class would see several typed-array
 * kinds at its `push` site and V8 would make that access megamorphic (slow) on the hottest path of ingestion.
 */
class GrowU32 {
  arr: Uint32Array;
  len = 0;
  constructor(cap = 1024) {
    this.arr = new Uint32Array(cap);
  }
  push(v: number): void {
    if (this.len === this.arr.length) {
      const next = new Uint32Array(this.arr.length * 2);
      next.set(this.arr);
      this.arr = next;
    }
    this.arr[this.len++] = v;
  }
  /** Forget the values from index `len` on (rollback of a failed file; see SpanTableBuilder.rollback). */
  truncate(len: number): void {
    this.len = Math.min(this.len, len);
  }
  /**
   * The filled part as a view, not a copy (a copy would touch every page again). Columns are append-only, so a model
   * built earlier keeps seeing exactly its rows when the builder goes on (incremental builds, e.g. the live receiver).
   */
  done(): Uint32Array {
    return this.arr.subarray(0, this.len);
  }
}
class GrowU8 {
  arr: Uint8Array;
  len = 0;
  constructor(cap = 1024) {
    this.arr = new Uint8Array(cap);
  }
  push(v: number): void {
    if (this.len === this.arr.length) {
      const next = new Uint8Array(this.arr.length * 2);
      next.set(this.arr);
      this.arr = next;
    }
    this.arr[this.len++] = v;
  }
  /** Forget the values from index `len` on (rollback of a failed file; see SpanTableBuilder.rollback). */
  truncate(len: number): void {
    this.len = Math.min(this.len, len);
  }
  /**
   * The filled part as a view, not a copy (a copy would touch every page again). Columns are append-only, so a model
   * built earlier keeps seeing exactly its rows when the builder goes on (incremental builds, e.g. the live receiver).
   */
  done(): Uint8Array {
    return this.arr.subarray(0, this.len);
  }
}
class GrowF64 {
  arr: Float64Array;
  len = 0;
  constructor(cap = 1024) {
    this.arr = new Float64Array(cap);
  }
  push(v: number): void {
    if (this.len === this.arr.length) {
      const next = new Float64Array(this.arr.length * 2);
      next.set(this.arr);
      this.arr = next;
    }
    this.arr[this.len++] = v;
  }
  /** Forget the values from index `len` on (rollback of a failed file; see SpanTableBuilder.rollback). */
  truncate(len: number): void {
    this.len = Math.min(this.len, len);
  }
  /**
   * The filled part as a view, not a copy (a copy would touch every page again). Columns are append-only, so a model
   * built earlier keeps seeing exactly its rows when the builder goes on (incremental builds, e.g. the live receiver).
   */
  done(): Float64Array {
    return this.arr.subarray(0, this.len);
  }
}

/** Store a span id as two uint32 halves without allocating (the common 16-hex-digit case). */
function pushIdHalves(hex: string, hiCol: GrowU32, loCol: GrowU32): void {
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

/**
 * parent[i] = the first row of the same trace whose span id is span i's parent id (-1 and orphan[i] = 1 when there is
 * none). Rows are grouped by trace with a counting sort, then each trace is resolved on its own: a linear scan for
 * small traces, a small open-addressing table for big ones — memory stays local (a global hash over a million spans
 * is dominated by cache misses). Finally parent cycles (malformed input) are broken so tree walks terminate.
 */
function resolveParents(
  n: number,
  traceId: Uint32Array,
  spanHi: Uint32Array,
  spanLo: Uint32Array,
  parHi: Uint32Array,
  parLo: Uint32Array,
  parent: Int32Array,
  orphan: Uint8Array,
  note: (kind: AnomalyKind, row: number) => void,
): void {
  let maxT = 0;
  for (let i = 0; i < n; i++) if (traceId[i]! > maxT) maxT = traceId[i]!;
  const first = new Uint32Array(maxT + 2);
  for (let i = 0; i < n; i++) first[traceId[i]! + 1]!++;
  for (let t = 1; t < first.length; t++) first[t]! += first[t - 1]!;
  const order = new Uint32Array(n);
  const cursor = first.slice(0, maxT + 1);
  for (let i = 0; i < n; i++) order[cursor[traceId[i]!]!++] = i; // rows of a trace, ascending
  let table = new Int32Array(64);
  for (let t = 0; t <= maxT; t++) {
    const a = first[t]!;
    const b = first[t + 1]!;
    const k = b - a;
    if (k === 0) continue;
    if (k <= 16) {
      for (let x = a + 1; x < b; x++) {
        const i = order[x]!;
        const hi = spanHi[i]!;
        const lo = spanLo[i]!;
        if (hi === 0 && lo === 0) continue;
        for (let y = a; y < x; y++) {
          const r = order[y]!;
          if (spanLo[r] === lo && spanHi[r] === hi) {
            note('duplicateSpanId', i);
            break;
          }
        }
      }
      for (let x = a; x < b; x++) {
        const i = order[x]!;
        const ph = parHi[i]!;
        const pl = parLo[i]!;
        if (ph === 0 && pl === 0) continue;
        let p = -1;
        for (let y = a; y < b; y++) {
          const r = order[y]!;
          if (spanLo[r] === pl && spanHi[r] === ph) {
            p = r;
            break;
          }
        }
        if (p === i) note('selfParent', i);
        if (p < 0 || p === i) orphan[i] = 1;
        else parent[i] = p;
      }
      continue;
    }
    let cap = 64;
    while (cap < k * 2) cap *= 2;
    if (table.length < cap) table = new Int32Array(cap);
    const mask = cap - 1;
    table.fill(0, 0, cap);
    for (let x = a; x < b; x++) {
      const i = order[x]!;
      const hi = spanHi[i]!;
      const lo = spanLo[i]!;
      if (hi === 0 && lo === 0) continue;
      for (let h = idHash(hi, lo) & mask; ; h = (h + 1) & mask) {
        const r = table[h]! - 1;
        if (r < 0) {
          table[h] = i + 1;
          break;
        }
        if (spanLo[r] === lo && spanHi[r] === hi) {
          note('duplicateSpanId', i); // keep the first row
          break;
        }
      }
    }
    for (let x = a; x < b; x++) {
      const i = order[x]!;
      const ph = parHi[i]!;
      const pl = parLo[i]!;
      if (ph === 0 && pl === 0) continue;
      let p = -1;
      for (let h = idHash(ph, pl) & mask; ; h = (h + 1) & mask) {
        const r = table[h]! - 1;
        if (r < 0) break;
        if (spanLo[r] === pl && spanHi[r] === ph) {
          p = r;
          break;
        }
      }
      if (p === i) note('selfParent', i);
      if (p < 0 || p === i) orphan[i] = 1;
      else parent[i] = p;
    }
  }
  // Break parent cycles: walk up from each unvisited row; meeting a row on the current path means a cycle.
  const state = new Uint8Array(n); // 0 unvisited, 1 on the current path, 2 done
  const path = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    if (state[i] !== 0) continue;
    let len = 0;
    let j = i;
    while (j >= 0 && state[j] === 0) {
      state[j] = 1;
      path[len++] = j;
      j = parent[j]!;
    }
    if (j >= 0 && state[j] === 1) {
      note('parentCycle', j);
      parent[j] = -1;
      orphan[j] = 1;
    }
    for (let q = 0; q < len; q++) state[path[q]!] = 2;
  }
}

const START_KIND: Record<TimeProblem, AnomalyKind> = { nan: 'startNaN', negative: 'startNegative', overflow: 'startOverflow' };
const END_KIND: Record<TimeProblem, AnomalyKind> = { nan: 'endNaN', negative: 'endNegative', overflow: 'endOverflow' };
/** start + duration may not pass the last fixed64 nanosecond either */
const MAX_END_SEC = 18446744073.709551615;

function idHash(hi: number, lo: number): number {
  let h = Math.imul(hi, 0x85ebca6b) ^ Math.imul(lo, 0xc2b2ae35);
  h ^= h >>> 15;
  h = Math.imul(h, 0x2c1b3c6d);
  return h ^ (h >>> 12);
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

/** A position of a SpanTableBuilder (see mark / rollback). */
export interface BuilderMark {
  readonly rows: number;
  readonly attrs: number;
  readonly attrOffsets: number;
  readonly open: boolean;
  readonly anomalies: ModelAnomalies;
  readonly builds: number;
  readonly baseSec: number | null;
}

/**
 * The only way to create a SpanTable. Parsers call addResource/addScope, then addSpan + attr for each span,
 * then build() resolves parents.
 */
export class SpanTableBuilder {
  readonly strings = new StringTable();
  private baseSec: number | null = null;
  private readonly traceId = new GrowU32();
  private readonly spanHi = new GrowU32();
  private readonly spanLo = new GrowU32();
  private readonly parHi = new GrowU32();
  private readonly parLo = new GrowU32();
  private readonly name = new GrowU32();
  private readonly service = new GrowU32();
  private readonly kind = new GrowU8();
  private readonly status = new GrowU8();
  private readonly statusMsg = new GrowU32();
  private readonly start = new GrowF64();
  private readonly duration = new GrowF64();
  private readonly resource = new GrowU32();
  private readonly scope = new GrowU32();
  private readonly traceState = new GrowU32();
  private readonly attrOffset = new GrowU32();
  private readonly attrKey = new GrowU32(8192);
  private readonly attrVal = new GrowU32(8192);
  private readonly attrType = new GrowU8(8192);
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
  private anomalies: ModelAnomalies = {};
  /** build() calls so far: a rollback over a build would change rows a built model sees (columns are shared views) */
  private builds = 0;

  constructor() {
    this.attrOffset.push(0);
  }

  get size(): number {
    return this.name.len;
  }

  /** Where the builder is now, to undo what a file added if it fails half-way (rollback). */
  mark(): BuilderMark {
    return {
      rows: this.name.len,
      attrs: this.attrKey.len,
      attrOffsets: this.attrOffset.len,
      open: this.open,
      anomalies: Object.fromEntries(Object.entries(this.anomalies).map(([k, v]) => [k, { ...v }])) as ModelAnomalies,
      builds: this.builds,
      baseSec: this.baseSec,
    };
  }

  /**
   * Forget every span (with its attributes, events, links and timing anomalies) added since `m`: a file that failed
   * half-way must not leave part of its spans in a model whose load reports it as not loaded. Strings, resources and
   * scopes it registered stay (unreferenced). Only before the next build(): the columns are shared with built models.
   */
  rollback(m: BuilderMark): void {
    if (m.builds !== this.builds) throw new Error('SpanTableBuilder.rollback: a model was built after the mark');
    const r = m.rows;
    for (const col of [this.traceId, this.spanHi, this.spanLo, this.parHi, this.parLo, this.name, this.service, this.statusMsg, this.resource, this.scope, this.traceState]) col.truncate(r);
    for (const col of [this.kind, this.status]) col.truncate(r);
    for (const col of [this.start, this.duration]) col.truncate(r);
    this.attrOffset.truncate(m.attrOffsets);
    this.attrKey.truncate(m.attrs);
    this.attrVal.truncate(m.attrs);
    this.attrType.truncate(m.attrs);
    this.open = m.open;
    for (const map of [this.events, this.links]) for (const row of [...map.keys()]) if (row >= r) map.delete(row);
    this.anomalies = m.anomalies;
    this.lastTrace = '';
    // start times are kept relative to the first span's second: the next file's spans set it again (precision)
    this.baseSec = m.baseSec;
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

  private note(kind: AnomalyKind, row: number): void {
    const a = this.anomalies[kind];
    if (a) a.count++;
    else this.anomalies[kind] = { count: 1, firstRow: row };
  }

  /**
   * Start and duration (ns) of a span. A timestamp that is not a number, negative or beyond 64-bit nanoseconds, a
   * duration that is not a finite number ≥ 0, or an end before the start makes the span's timing unknown (start NaN,
   * duration 0: left out of time ranges, latencies and critical paths like a span without timestamps) and is counted
   * in the model's anomalies, which loaders report as issues.
   */
  private timing(s: SpanInput, row: number): [number, number] {
    if (!s.start) {
      if (s.durationNs === undefined) return [NaN, 0];
      if (Number.isFinite(s.durationNs) && s.durationNs >= 0) return [NaN, s.durationNs];
      this.note(Number.isFinite(s.durationNs) ? 'negativeDuration' : 'durationNaN', row);
      return [NaN, 0];
    }
    const ps = timeProblem(s.start);
    if (ps) {
      this.note(START_KIND[ps], row);
      return [NaN, 0];
    }
    let dur = 0;
    if (s.durationNs !== undefined) {
      dur = s.durationNs;
      if (!Number.isFinite(dur)) {
        this.note('durationNaN', row);
        return [NaN, 0];
      }
      if (dur < 0) {
        this.note('negativeDuration', row);
        return [NaN, 0];
      }
      if (s.start[0] + dur / 1e9 > MAX_END_SEC) {
        this.note('endOverflow', row);
        return [NaN, 0];
      }
    } else if (s.end) {
      const pe = timeProblem(s.end);
      if (pe) {
        this.note(END_KIND[pe], row);
        return [NaN, 0];
      }
      dur = (s.end[0] - s.start[0]) * 1e9 + (s.end[1] - s.start[1]);
      if (dur < 0) {
        this.note('endBeforeStart', row);
        return [NaN, 0];
      }
    }
    return [this.relNs(s.start), dur];
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
    const [start, dur] = this.timing(s, row);
    this.start.push(start);
    this.duration.push(dur > 0 ? dur : 0);
    if (s.events && s.events.length > 0) {
      this.events.set(
        row,
        s.events.map((e) => ({
          time: e.time && timeProblem(e.time) === null ? this.relNs(e.time) : NaN,
          name: e.name,
          attributes: e.attributes,
        })),
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

  /** Like attrRaw with the key already interned in `strings` (parsers that cache key ids). */
  attrById(keyId: number, type: AttrType, raw: string): void {
    this.attrKey.push(keyId);
    this.attrVal.push(this.strings.intern(raw));
    this.attrType.push(type);
  }

  /** Attach an attribute already in canonical form (fast path for parsers). */
  attrRaw(key: string, type: AttrType, raw: string): void {
    this.attrKey.push(this.strings.intern(key));
    this.attrVal.push(this.strings.intern(raw));
    this.attrType.push(type);
  }

  build(): SpanTable {
    this.builds++;
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
    // parent anomalies are recomputed on every build (incremental builds resolve all rows again)
    const anomalies: ModelAnomalies = { ...this.anomalies };
    const note = (kind: AnomalyKind, row: number) => {
      const a = anomalies[kind];
      if (a) anomalies[kind] = { count: a.count + 1, firstRow: a.firstRow };
      else anomalies[kind] = { count: 1, firstRow: row };
    };
    resolveParents(n, traceId, spanHi, spanLo, parHi, parLo, parent, orphan, note);
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
      anomalies,
    );
  }
}
