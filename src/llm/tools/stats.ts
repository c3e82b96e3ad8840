import type { SpanTable } from '../../core/model/span-table';
import { wrappingTwins } from '../../core/aggregate/twins';

/**
 * Small per-model indexes the LLM tools need (per operation rows, self times, traces), computed once per model
 * and cached. Pure TS over the SpanTable API.
 */

export interface TraceInfo {
  /** 1-based position in first-seen order; refs are "B<n>" / "I<n>" */
  ordinal: number;
  id: string;
  rows: number[];
  root: number;
  startNs: number;
  durationNs: number;
  errors: number;
}

export interface ModelIndex {
  /** "service\u0000operation" → rows */
  ops: Map<string, number[]>;
  services: Map<string, Set<string>>;
  traces: TraceInfo[];
  traceById: Map<string, TraceInfo>;
  /** exclusive time of each span, ns */
  self: Float64Array;
  /** children rows (CSR) */
  childStart: Uint32Array;
  childRows: Uint32Array;
}

const cache = new WeakMap<SpanTable, ModelIndex>();

export const opKey = (service: string, name: string) => service + '\u0000' + name;

export function modelIndex(m: SpanTable): ModelIndex {
  let ix = cache.get(m);
  if (ix) return ix;
  const n = m.size;
  // operations by interned ids first (cheap), then decoded once per distinct pair
  const byIds = new Map<number, number[]>();
  const width = m.strings.size + 1;
  for (let i = 0; i < n; i++) {
    const k = m.serviceCol[i]! * width + m.nameCol[i]!;
    let rows = byIds.get(k);
    if (!rows) byIds.set(k, (rows = []));
    rows.push(i);
  }
  const ops = new Map<string, number[]>();
  const services = new Map<string, Set<string>>();
  for (const rows of byIds.values()) {
    const s = m.service(rows[0]!);
    const o = m.name(rows[0]!);
    ops.set(opKey(s, o), rows);
    let set = services.get(s);
    if (!set) services.set(s, (set = new Set()));
    set.add(o);
  }
  // children CSR
  const count = new Uint32Array(n + 1);
  for (let i = 0; i < n; i++) {
    const p = m.parent[i]!;
    if (p >= 0) count[p + 1]!++;
  }
  for (let i = 0; i < n; i++) count[i + 1]! += count[i]!;
  const childStart = count;
  const fill = childStart.slice(0, n);
  const childRows = new Uint32Array(childStart[n]!);
  for (let i = 0; i < n; i++) {
    const p = m.parent[i]!;
    if (p >= 0) childRows[fill[p]!++] = i;
  }
  // self time: duration minus the union of children's intervals clipped to the span (for a childless span wrapping
  // a same-service sibling that carries the work, its twins' intervals: core/aggregate/twins.ts, as the engine does)
  const self = new Float64Array(n);
  const iv: [number, number][] = [];
  const twins = wrappingTwins({ size: n, childStart, childRows, start: m.start, duration: m.duration, serviceCol: m.serviceCol, kind: m.kind });
  for (let i = 0; i < n; i++) {
    const d = m.duration[i]!;
    const s0 = m.start[i]!;
    let a = childStart[i]!;
    let b = childStart[i + 1]!;
    let rows: Uint32Array | Int32Array = childRows;
    if (a === b && twins) {
      a = twins.twinStart[i]!;
      b = twins.twinStart[i + 1]!;
      rows = twins.twinRows;
    }
    if (a === b || Number.isNaN(s0)) {
      self[i] = d;
      continue;
    }
    const e0 = s0 + d;
    iv.length = 0;
    for (let c = a; c < b; c++) {
      const r = rows[c]!;
      const cs = m.start[r]!;
      if (Number.isNaN(cs)) continue;
      const lo = Math.max(s0, cs);
      const hi = Math.min(e0, cs + m.duration[r]!);
      if (hi > lo) iv.push([lo, hi]);
    }
    iv.sort((x, y) => x[0] - y[0]);
    let covered = 0;
    let curLo = -Infinity;
    let curHi = -Infinity;
    for (const [lo, hi] of iv) {
      if (lo > curHi) {
        if (curHi > curLo) covered += curHi - curLo;
        curLo = lo;
        curHi = hi;
      } else if (hi > curHi) curHi = hi;
    }
    if (curHi > curLo) covered += curHi - curLo;
    self[i] = Math.max(0, d - covered);
  }
  // traces
  const traces: TraceInfo[] = [];
  const traceById = new Map<string, TraceInfo>();
  let ordinal = 0;
  for (const [id, rows] of m.traces()) {
    let lo = Infinity;
    let hi = -Infinity;
    let root = -1;
    let errors = 0;
    for (const r of rows) {
      const s = m.start[r]!;
      if (!Number.isNaN(s)) {
        lo = Math.min(lo, s);
        hi = Math.max(hi, s + m.duration[r]!);
      }
      if (m.isError(r)) errors++;
      if (m.parent[r] === -1 && (root < 0 || m.duration[r]! > m.duration[root]!)) root = r;
    }
    if (root < 0) root = rows[0]!;
    const t: TraceInfo = { ordinal: ++ordinal, id, rows, root, startNs: lo, durationNs: Number.isFinite(hi - lo) ? hi - lo : m.duration[root]!, errors };
    traces.push(t);
    traceById.set(id, t);
  }
  ix = { ops, services, traces, traceById, self, childStart, childRows };
  cache.set(m, ix);
  return ix;
}

export function quantile(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  const pos = (n - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

export const ms = (ns: number) => Math.round(ns / 1e4) / 100;
export const round = (x: number, d = 2) => (Number.isFinite(x) ? Math.round(x * 10 ** d) / 10 ** d : null);

export interface OpStats {
  spans: number;
  traces: number;
  tracesInRun: number;
  callsPerTrace: number | null;
  meanMs: number | null;
  p50Ms: number | null;
  p95Ms: number | null;
  p99Ms: number | null;
  maxMs: number | null;
  meanSelfMs: number | null;
  selfPerTraceMs: number | null;
  errors: number;
}

export function opStats(m: SpanTable, rows: readonly number[]): OpStats {
  const ix = modelIndex(m);
  const d = new Float64Array(rows.length);
  let sum = 0;
  let selfSum = 0;
  let errors = 0;
  const traces = new Set<number>();
  rows.forEach((r, k) => {
    d[k] = m.duration[r]!;
    sum += m.duration[r]!;
    selfSum += ix.self[r]!;
    if (m.isError(r)) errors++;
    traces.add(m.traceIdCol[r]!);
  });
  d.sort();
  const n = rows.length;
  const T = ix.traces.length;
  return {
    spans: n,
    traces: traces.size,
    tracesInRun: T,
    callsPerTrace: T ? round(n / T) : null,
    meanMs: n ? ms(sum / n) : null,
    p50Ms: n ? ms(quantile(d, 0.5)) : null,
    p95Ms: n ? ms(quantile(d, 0.95)) : null,
    p99Ms: n ? ms(quantile(d, 0.99)) : null,
    maxMs: n ? ms(d[n - 1]!) : null,
    meanSelfMs: n ? ms(selfSum / n) : null,
    selfPerTraceMs: T ? ms(selfSum / T) : null,
    errors,
  };
}
