/**
 * One trace → the compact {@link WaterfallTrace} the waterfall draws: spans in depth-first order (children by start
 * time), depth, times relative to the trace start, caller→callee gaps, and the critical path as segments of the spans'
 * own time. Iterative throughout (no recursion on the data's depth); bounded output (`maxSpans`).
 *
 * Clock skew is adjusted like the aggregation does (src/core/aggregate/tree.ts): a child of another service that
 * starts before its parent is shifted into it with its subtree (centred when it fits), and flagged.
 * The critical path is the aggregation's too: from the entry span, the latest-ending child is on the path, the time
 * not covered by it is the parent's, then the next child that ends before that one starts, and so on (a childless
 * span that wraps a same-service sibling carrying the work goes on into that "wrapping twin", aggregate/twins.ts).
 */
import type { SpanTable } from '../model/span-table';
import { SPAN_KIND_NAMES, StatusCode } from '../model/span-table';
import { SpanFlag, type CallPathSegment, type ExemplarSide, type WaterfallTrace } from '../../protocol/exemplars';
import { matchPath } from './select';
import { wrappingTwins } from '../aggregate/twins';

export interface ExtractOptions {
  side?: ExemplarSide;
  /** keep at most this many spans (default 20,000); the entry span's critical path, spans on `path` and their
   *  ancestors are kept first, then the rest in depth-first order */
  maxSpans?: number;
  path?: readonly CallPathSegment[];
  /** filled with the span-table row of each output span (for span details later) */
  rowsOut?: number[];
}

const r3 = (v: number) => (Number.isFinite(v) ? Math.round(v * 1000) / 1000 : 0);

/** The rows of one trace (ascending), or [] when the id is unknown. O(spans). */
export function traceRows(model: SpanTable, traceId: string): number[] {
  const id = model.strings.lookup(traceId);
  const rows: number[] = [];
  if (id < 0) return rows;
  const col = model.traceIdCol;
  for (let i = 0; i < model.size; i++) if (col[i] === id) rows.push(i);
  return rows;
}

export function extractWaterfall(model: SpanTable, traceId: string, opts: ExtractOptions = {}): WaterfallTrace | null {
  const rows = traceRows(model, traceId);
  const k = rows.length;
  if (k === 0) return null;
  const maxSpans = Math.max(1, opts.maxSpans ?? 20_000);
  const local = new Map<number, number>();
  for (let a = 0; a < k; a++) local.set(rows[a]!, a);
  const par = new Int32Array(k);
  for (let a = 0; a < k; a++) {
    const p = model.parent[rows[a]!]!;
    par[a] = p >= 0 ? (local.get(p) ?? -1) : -1;
  }
  const dur = new Float64Array(k);
  const raw = new Float64Array(k);
  for (let a = 0; a < k; a++) {
    const d = model.duration[rows[a]!]!;
    dur[a] = Number.isFinite(d) && d > 0 ? d : 0;
    raw[a] = model.start[rows[a]!]!;
  }

  // children CSR
  const cstart = new Int32Array(k + 1);
  for (let a = 0; a < k; a++) if (par[a]! >= 0) cstart[par[a]! + 1]!++;
  for (let a = 0; a < k; a++) cstart[a + 1]! += cstart[a]!;
  const kids = new Int32Array(cstart[k]!);
  {
    const fill = cstart.slice(0, k);
    for (let a = 0; a < k; a++) if (par[a]! >= 0) kids[fill[par[a]!]!++] = a;
  }
  const roots: number[] = [];
  for (let a = 0; a < k; a++) if (par[a]! < 0) roots.push(a);

  // topological order (parents first), then clock-skew shift
  const topo: number[] = [];
  {
    const stack = roots.slice();
    while (stack.length) {
      const a = stack.pop()!;
      topo.push(a);
      for (let c = cstart[a]!; c < cstart[a + 1]!; c++) stack.push(kids[c]!);
    }
  }
  const start = Float64Array.from(raw);
  const flags = new Uint8Array(k);
  for (const a of topo) {
    const p = par[a]!;
    if (p < 0) continue;
    const shiftP = start[p]! - raw[p]!;
    let s = raw[a]! + (Number.isNaN(shiftP) ? 0 : shiftP);
    if (s < start[p]! && model.serviceCol[rows[a]!] !== model.serviceCol[rows[p]!]) {
      const room = dur[p]! - dur[a]!;
      s = room >= 0 ? start[p]! + room / 2 : start[p]!;
      flags[a]! |= SpanFlag.SkewAdjusted;
    }
    start[a] = s;
  }
  // spans without a timestamp: place them at their parent's start (or 0)
  for (const a of topo) if (Number.isNaN(start[a]!)) start[a] = par[a]! >= 0 ? start[par[a]!]! : NaN;
  let t0 = Infinity;
  let t1 = -Infinity;
  for (let a = 0; a < k; a++) {
    if (Number.isNaN(start[a]!)) continue;
    if (start[a]! < t0) t0 = start[a]!;
    if (start[a]! + dur[a]! > t1) t1 = start[a]! + dur[a]!;
  }
  if (!Number.isFinite(t0)) {
    t0 = 0;
    t1 = 0;
  }
  for (let a = 0; a < k; a++) if (Number.isNaN(start[a]!)) start[a] = t0;

  // children by start time (then end, then row)
  for (let a = 0; a < k; a++) {
    const from = cstart[a]!;
    const to = cstart[a + 1]!;
    if (to - from > 1) {
      const sub = Array.from(kids.subarray(from, to)).sort((x, y) => start[x]! - start[y]! || dur[y]! - dur[x]! || x - y);
      kids.set(sub, from);
    }
  }
  roots.sort((x, y) => start[x]! - start[y]! || x - y);

  // entry span: longest non-orphan root, else the longest root
  let entry = -1;
  for (const r of roots) {
    const better = entry < 0 || (model.orphan[rows[r]!]! < model.orphan[rows[entry]!]!) || (model.orphan[rows[r]!] === model.orphan[rows[entry]!] && dur[r]! > dur[entry]!);
    if (better) entry = r;
  }
  // entry first, the other roots (orphans) after it by start
  const rootOrder = [entry, ...roots.filter((r) => r !== entry)];

  // critical path from the entry span; a childless span wrapping a same-service sibling that carries the work goes on
  // into that twin, as in the aggregation (core/aggregate/twins.ts)
  const critSeg: number[] = []; // local span, lo, hi
  const onCrit = new Uint8Array(k);
  {
    const twins = wrappingTwins({
      size: k,
      childStart: cstart,
      childRows: kids,
      start,
      duration: dur,
      serviceCol: Uint32Array.from(rows, (r) => model.serviceCol[r]!),
      kind: Uint8Array.from(rows, (r) => model.kind[r]!),
    });
    const stack: [number, number, number][] = [[entry, start[entry]!, start[entry]! + dur[entry]!]];
    while (stack.length) {
      const [p, lo, hi] = stack.pop()!;
      onCrit[p] = 1;
      const wraps = twins !== null && cstart[p] === cstart[p + 1] && twins.twinStart[p + 1]! > twins.twinStart[p]!;
      const ch = Array.from(wraps ? twins!.twinRows.subarray(twins!.twinStart[p]!, twins!.twinStart[p + 1]!) : kids.subarray(cstart[p]!, cstart[p + 1]!)).sort((x, y) => start[y]! + dur[y]! - (start[x]! + dur[x]!) || x - y);
      let t = hi;
      for (const r of ch) {
        if (t <= lo) break;
        const s = start[r]! < lo ? lo : start[r]!;
        const e = start[r]! + dur[r]! > t ? t : start[r]! + dur[r]!;
        if (e <= s) continue;
        if (t > e) critSeg.push(p, e, t);
        stack.push([r, s, e]);
        t = s;
      }
      if (t > lo) critSeg.push(p, lo, t);
    }
  }

  // depth-first order (entry tree first) and depth
  const order: number[] = [];
  const depth = new Int32Array(k);
  {
    const stack: number[] = [];
    for (let q = rootOrder.length - 1; q >= 0; q--) stack.push(rootOrder[q]!);
    while (stack.length) {
      const a = stack.pop()!;
      order.push(a);
      for (let c = cstart[a + 1]! - 1; c >= cstart[a]!; c--) {
        const ch = kids[c]!;
        depth[ch] = depth[a]! + 1;
        stack.push(ch);
      }
    }
  }

  // which spans to keep
  const keep = new Uint8Array(k);
  let kept = 0;
  if (k <= maxSpans) {
    keep.fill(1);
    kept = k;
  } else {
    const want = (a: number) => {
      // the span and its ancestors (up to the first one already kept), only when all of them fit
      const chain: number[] = [];
      for (let x = a; x >= 0 && !keep[x]; x = par[x]!) chain.push(x);
      if (kept + chain.length > maxSpans) return;
      for (const x of chain) keep[x] = 1;
      kept += chain.length;
    };
    want(entry);
    // spans on the selected call path (up to half the budget), then critical spans by their time on the path
    const half = Math.max(1, maxSpans >> 1);
    if (opts.path && opts.path.length) {
      const level = matchPath(model, opts.path);
      const L = opts.path.length;
      for (const a of order) if (kept < half && level[rows[a]!] === L) want(a);
    }
    // critical spans by their time on the path, longest first
    const critNs = new Map<number, number>();
    for (let q = 0; q < critSeg.length; q += 3) critNs.set(critSeg[q]!, (critNs.get(critSeg[q]!) ?? 0) + critSeg[q + 2]! - critSeg[q + 1]!);
    for (const [a] of [...critNs].sort((x, y) => y[1] - x[1] || x[0] - y[0])) {
      if (kept >= maxSpans) break;
      want(a);
    }
    for (const a of order) {
      if (kept >= maxSpans) break;
      if (!keep[a] && (par[a]! < 0 || keep[par[a]!])) {
        keep[a] = 1;
        kept++;
      }
    }
  }

  // emit
  const outIndex = new Int32Array(k).fill(-1);
  const strings: string[] = [];
  const sIdx = new Map<string, number>();
  const intern = (s: string) => {
    let v = sIdx.get(s);
    if (v === undefined) {
      v = strings.length;
      strings.push(s);
      sIdx.set(s, v);
    }
    return v;
  };
  const out: WaterfallTrace = {
    version: 1,
    side: opts.side ?? 'incident',
    traceId,
    startMs: r3(model.toUnixMs(t0)),
    durationMs: r3((t1 - t0) / 1e6),
    latencyMs: r3((model.orphan[rows[entry]!] === 0 ? dur[entry]! : t1 - t0) / 1e6),
    totalSpans: k,
    n: 0,
    strings,
    parent: [],
    depth: [],
    service: [],
    name: [],
    kind: [],
    start: [],
    dur: [],
    flags: [],
    gap: [],
    crit: [],
  };
  // gap: from the caller's start, or from the end of its latest earlier call that ended before this one starts
  const gapRef = new Float64Array(k);
  for (let a = 0; a < k; a++) {
    let lastEnd = -Infinity; // latest end of the calls made so far
    for (let c = cstart[a]!; c < cstart[a + 1]!; c++) {
      const ch = kids[c]!;
      // a call that overlaps an earlier one (parallel fan-out) is measured from the caller's start
      gapRef[ch] = lastEnd > start[a]! && lastEnd <= start[ch]! ? lastEnd : start[a]!;
      const e = start[ch]! + dur[ch]!;
      if (e > lastEnd) lastEnd = e;
    }
  }
  for (const a of order) {
    if (!keep[a]) continue;
    const row = rows[a]!;
    const idx = out.n++;
    outIndex[a] = idx;
    opts.rowsOut?.push(row);
    const p = par[a]!;
    out.parent.push(p >= 0 ? outIndex[p]! : -1);
    out.depth.push(depth[a]!);
    out.service.push(intern(model.service(row)));
    out.name.push(intern(model.name(row)));
    out.kind.push(intern(SPAN_KIND_NAMES[model.kind[row]!] ?? 'unspecified'));
    out.start.push(r3((start[a]! - t0) / 1e6));
    out.dur.push(r3(dur[a]! / 1e6));
    let f = flags[a]!;
    if (model.statusCode[row] === StatusCode.Error) f |= SpanFlag.Error;
    if (onCrit[a]) f |= SpanFlag.Critical;
    if (p < 0 && model.orphan[row] === 1) f |= SpanFlag.Orphan;
    if (p >= 0 && start[a]! + dur[a]! > start[p]! + dur[p]! + 1e3) f |= SpanFlag.OutlivesParent;
    out.flags.push(f);
    out.gap.push(p >= 0 ? r3(Math.max(0, start[a]! - gapRef[a]!) / 1e6) : 0);
  }
  for (let q = 0; q < critSeg.length; q += 3) {
    const o = outIndex[critSeg[q]!]!;
    if (o < 0) continue;
    out.crit.push(o, r3((critSeg[q + 1]! - t0) / 1e6), r3((critSeg[q + 2]! - t0) / 1e6));
  }
  return out;
}
