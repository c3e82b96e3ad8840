/**
 * Aggregation of a SpanTable into a call-path tree (AggTree).
 *
 * Everything runs over the columnar arrays with integer keys: no per-span objects. Steps:
 *  1. dense trace index per span (optionally filtered), children in CSR form;
 *  2. call-path node per span: (parent node, service, operation) → node id, orphans start their own paths;
 *  3. per span: self time = duration − |union of the children's intervals clipped to the span| (parallel children are
 *     never double counted, children that outlive the parent (async) are clipped; a child of another service that
 *     starts before its parent (clock skew) is first shifted into it with its subtree, and so is a SERVER span that ends
 *     after the (not failed) CLIENT call it answers; same-service ones are clipped);
 *     sum and union of children's clipped durations (lost-parallelism signal); critical-path share;
 *     3a. a childless span that wraps a same-service sibling carrying the work (a "wrapping twin", twins.ts: async
 *     frameworks make the handler's span a sibling of the call it awaits) gets the twins' intervals subtracted like
 *     children's, and the critical path descends from it into them — the tree itself is unchanged;
 *  4. per node: sums, per-trace means/variances, exact percentiles (spans grouped by node, one Float64Array sort each).
 */
import type { SpanTable } from '../model/span-table';
import { SPAN_KIND_NAMES, SpanKind, StatusCode } from '../model/span-table';
import { failedSpans } from '../model/failed';
import type { AggNode, AggTree, NodeStats } from './types';
import { sketchFromSorted, type EncodedSketch } from '../stats/latency-sketch';
import { wrappingTwins } from './twins';

export type TraceFilter = ReadonlySet<string> | ((traceId: string) => boolean) | Uint8Array;

/**
 * Deepest span level aggregated (a root span is level 1). Spans further down are cut: left out of the call-path tree
 * (their time stays in their ancestor at this level, as its self time). Real traces are a few dozen levels deep; a
 * pathological chain (one span per level, 1 M levels) would otherwise make a million call-path nodes and a flame graph
 * deeper than a page can draw (65,535 rows).
 */
export const MAX_TREE_DEPTH = 1000;

/**
 * Level of every span (roots = 1; a span whose parent chain is broken counts from where it starts), iteratively — no
 * recursion on a depth the input decides.
 */
export function spanDepths(model: SpanTable): Int32Array {
  const n = model.size;
  const parent = model.parent;
  const depth = new Int32Array(n);
  const chain = new GrowI32();
  for (let i = 0; i < n; i++) {
    if (depth[i] !== 0) continue;
    chain.len = 0;
    let j = i;
    while (j >= 0 && depth[j] === 0) {
      chain.push(j);
      j = parent[j]!;
    }
    let d = j >= 0 ? depth[j]! : 0;
    for (let c = chain.len - 1; c >= 0; c--) depth[chain.arr[c]!] = ++d;
  }
  return depth;
}

/** How many spans lie deeper than `maxDepth` levels (what aggregation cuts), and the deepest level. */
export function deepSpans(model: SpanTable, maxDepth = MAX_TREE_DEPTH): { spans: number; deepest: number } {
  const depth = spanDepths(model);
  let spans = 0;
  let deepest = 0;
  for (let i = 0; i < depth.length; i++) {
    const d = depth[i]!;
    if (d > maxDepth) spans++;
    if (d > deepest) deepest = d;
  }
  return { spans, deepest };
}

export interface AggregateOptions {
  /** deepest span level kept (default MAX_TREE_DEPTH); deeper spans are cut, their time stays in their ancestor */
  maxDepth?: number;
  /**
   * Which traces to include: a set of trace ids, a predicate on the trace id, or a mask indexed by the interned
   * trace-id string id (`model.traceIdCol[row]`), 1 = include.
   */
  traceFilter?: TraceFilter;
  /**
   * subtract wrapping twins from childless spans' own time (twins.ts; default true). false gives the plain structural
   * self time — for comparisons (bench/twins.mjs measures the rule's cost against it).
   */
  wrappingTwins?: boolean;
}

/** The AggTree plus the per-span columns the diagnosis needs (attribute scans, per-trace tests). */
export interface AggDetail {
  tree: AggTree;
  model: SpanTable;
  /** node id per span row, -1 when the span's trace is filtered out */
  nodeOf: Int32Array;
  /** dense trace index per span row, -1 when filtered out */
  traceOf: Int32Array;
  /** per span, ns */
  selfNs: Float64Array;
  criticalNs: Float64Array;
  /** per dense trace: end-to-end latency (ms), start (ns offset), whether any span errored */
  traceLatencyMs: Float64Array;
  traceStartNs: Float64Array;
  traceError: Uint8Array;
  /** interned trace-id string id per dense trace */
  traceStringId: Uint32Array;
  /** per span: 1 when it failed (error status, or with the status unset HTTP ≥ 500 / gRPC ≠ 0 / an exception event) */
  failed?: Uint8Array;
  /** per span: 1 when it failed itself — no failed span below it at any depth (where failures originate) */
  ownFailed?: Uint8Array;
}

class GrowI32 {
  arr: Int32Array;
  len = 0;
  constructor(cap = 256) {
    this.arr = new Int32Array(cap);
  }
  push(v: number): void {
    if (this.len === this.arr.length) {
      const next = new Int32Array(this.arr.length * 2);
      next.set(this.arr);
      this.arr = next;
    }
    this.arr[this.len++] = v;
  }
}

function traceMask(model: SpanTable, filter: TraceFilter | undefined): Uint8Array | null {
  if (!filter) return null;
  if (filter instanceof Uint8Array) return filter;
  const mask = new Uint8Array(model.strings.size);
  const seen = new Uint8Array(model.strings.size);
  for (let i = 0; i < model.size; i++) {
    const t = model.traceIdCol[i]!;
    if (seen[t]) continue;
    seen[t] = 1;
    const id = model.strings.get(t);
    mask[t] = (typeof filter === 'function' ? filter(id) : filter.has(id)) ? 1 : 0;
  }
  return mask;
}

/** Sort `idx[0..k)` ascending by key[idx] (insertion sort for short lists, else Array sort). */
function sortIdxBy(idx: Int32Array, k: number, key: Float64Array, desc: boolean): void {
  if (k < 24) {
    for (let a = 1; a < k; a++) {
      const v = idx[a]!;
      const kv = key[v]!;
      let b = a - 1;
      while (b >= 0 && (desc ? key[idx[b]!]! < kv : key[idx[b]!]! > kv)) {
        idx[b + 1] = idx[b]!;
        b--;
      }
      idx[b + 1] = v;
    }
    return;
  }
  const sub = Array.from(idx.subarray(0, k));
  sub.sort(desc ? (x, y) => key[y]! - key[x]! : (x, y) => key[x]! - key[y]!);
  for (let a = 0; a < k; a++) idx[a] = sub[a]!;
}

export function aggregate(model: SpanTable, opts: AggregateOptions = {}): AggTree {
  return aggregateDetailed(model, opts).tree;
}

export function aggregateDetailed(model: SpanTable, opts: AggregateOptions = {}): AggDetail {
  const n = model.size;
  const { parent, duration, traceIdCol } = model;
  const mask = traceMask(model, opts.traceFilter);
  // failed spans: error status, or (status unset) HTTP ≥ 500 / gRPC ≠ 0 / an exception event
  const failed = failedSpans(model);

  // 1. dense trace index
  const denseOfString = new Int32Array(model.strings.size).fill(-1);
  const traceOf = new Int32Array(n);
  const traceIds = new GrowI32();
  for (let i = 0; i < n; i++) {
    const t = traceIdCol[i]!;
    if (mask && !mask[t]) {
      traceOf[i] = -1;
      continue;
    }
    let d = denseOfString[t]!;
    if (d < 0) {
      d = denseOfString[t] = traceIds.len;
      traceIds.push(t);
    }
    traceOf[i] = d;
  }
  const T = traceIds.len;

  // spans deeper than maxDepth levels: cut (treated like filtered out; their ancestor at maxDepth keeps their time)
  const maxDepth = opts.maxDepth ?? MAX_TREE_DEPTH;
  let cutSpans = 0;
  {
    const depth = spanDepths(model);
    for (let i = 0; i < n; i++) {
      if (depth[i]! > maxDepth && traceOf[i]! >= 0) {
        traceOf[i] = -1;
        cutSpans++;
      }
    }
  }

  // children CSR
  const childStart = new Int32Array(n + 1);
  for (let i = 0; i < n; i++) {
    const p = parent[i]!;
    if (p >= 0 && traceOf[i]! >= 0) childStart[p + 1]!++;
  }
  let maxChildren = 0;
  for (let i = 0; i < n; i++) {
    const c = childStart[i + 1]!;
    if (c > maxChildren) maxChildren = c;
    childStart[i + 1] = childStart[i]! + c;
  }
  const childRows = new Int32Array(childStart[n]!);
  {
    const fill = childStart.slice(0, n);
    for (let i = 0; i < n; i++) {
      const p = parent[i]!;
      if (p >= 0 && traceOf[i]! >= 0) childRows[fill[p]!++] = i;
    }
  }

  // 2. operations and call-path nodes
  const opOf = new Int32Array(n);
  const opIds = new Map<number, number>();
  const opService: number[] = [];
  const opName: number[] = [];
  const S = model.strings.size;
  // fast path: an array indexed by the name's string id remembers the last operation with that name; the map is only
  // consulted when the same name occurs in another service
  const opByName = new Int32Array(S).fill(-1);
  for (let i = 0; i < n; i++) {
    if (traceOf[i]! < 0) continue;
    const nm = model.nameCol[i]!;
    const svc = model.serviceCol[i]!;
    let o = opByName[nm]!;
    if (o < 0 || opService[o] !== svc) {
      const key = svc * S + nm;
      let found = opIds.get(key);
      if (found === undefined) {
        found = opService.length;
        opIds.set(key, found);
        opService.push(svc);
        opName.push(nm);
      }
      o = found;
      opByName[nm] = o;
    }
    opOf[i] = o;
  }
  const numOps2 = opService.length * 2 + 2;
  const nodeParent = new GrowI32();
  const nodeOp = new GrowI32();
  const nodeDepth = new GrowI32();
  const nodeOrphan = new GrowI32();
  nodeParent.push(-1);
  nodeOp.push(-1);
  nodeDepth.push(0);
  nodeOrphan.push(0);
  const childNode = new Map<number, number>();
  const nodeOf = new Int32Array(n).fill(-2);
  const chain = new GrowI32();
  const topo = new GrowI32(Math.max(16, n)); // rows, parents before children
  for (let i = 0; i < n; i++) {
    if (traceOf[i]! < 0) {
      nodeOf[i] = -1;
      continue;
    }
    if (nodeOf[i] !== -2) continue;
    chain.len = 0;
    let j = i;
    while (j >= 0 && nodeOf[j] === -2) {
      chain.push(j);
      j = parent[j]!;
    }
    let base = j >= 0 ? nodeOf[j]! : 0;
    for (let c = chain.len - 1; c >= 0; c--) {
      const row = chain.arr[c]!;
      const orphanRoot = base === 0 && parent[row]! < 0 && model.orphan[row] === 1 ? 1 : 0;
      const key = base * numOps2 + opOf[row]! * 2 + orphanRoot;
      let node = childNode.get(key);
      if (node === undefined) {
        node = nodeParent.len;
        childNode.set(key, node);
        nodeParent.push(base);
        nodeOp.push(opOf[row]!);
        nodeDepth.push(nodeDepth.arr[base]! + 1);
        nodeOrphan.push(orphanRoot || nodeOrphan.arr[base]!);
      }
      nodeOf[row] = node;
      topo.push(row);
      base = node;
    }
  }
  const N = nodeParent.len;

  // clock skew: a child of ANOTHER service that starts before its parent is causally impossible — its host's clock is
  // off. Shift it (and its subtree) into the parent like Jaeger does: centred when it fits, else aligned at the start.
  // Same-service children and children that merely outlive the parent (async) are left alone and clipped below.
  let start = model.start;
  {
    const shift = new Float64Array(n);
    let any = false;
    for (let q = 0; q < topo.len; q++) {
      const i = topo.arr[q]!;
      const p = parent[i]!;
      if (p < 0) continue;
      let sh = shift[p]!;
      const cs0 = model.start[i]! + sh;
      const ps = model.start[p]! + shift[p]!;
      if (cs0 < ps && model.serviceCol[i] !== model.serviceCol[p]) {
        const room = duration[p]! - duration[i]!;
        sh += (room >= 0 ? ps + room / 2 : ps) - cs0;
      } else if (
        // the other side of the same skew: a SERVER span answering a CLIENT call ends before the call does (the client
        // waits for the answer). One that fits in its call but ends after it (or starts after it ended) is on a clock
        // ahead of the caller's: centred in it too — clipped instead, the caller's uncovered time would grow with the
        // callee's duration, a queue at the callee that is only the clocks' offset. Not a failed call (a client that
        // timed out stops waiting while the server goes on), not async kinds (a consumer may outlive its producer).
        model.kind[p] === SpanKind.Client && model.kind[i] === SpanKind.Server && model.serviceCol[i] !== model.serviceCol[p] &&
        model.statusCode[p] !== StatusCode.Error && cs0 + duration[i]! > ps + duration[p]! && duration[i]! <= duration[p]!
      ) {
        sh += ps + (duration[p]! - duration[i]!) / 2 - cs0;
      }
      if (sh !== 0 && !Number.isNaN(sh)) {
        shift[i] = sh;
        any = true;
      }
    }
    if (any) {
      start = new Float64Array(n);
      for (let i = 0; i < n; i++) start[i] = model.start[i]! + shift[i]!;
    }
  }

  // 3a. wrapping twins (twins.ts): childless spans whose same-service sibling carries their time. Their "covering"
  // rows below are the twins instead of the (absent) children.
  const twins = opts.wrappingTwins === false ? null : wrappingTwins({ size: n, childStart, childRows, start, duration, serviceCol: model.serviceCol, kind: model.kind });
  const coverStart = twins ? twins.twinStart : childStart;
  const coverRows = twins ? twins.twinRows : childRows;
  let maxCover = maxChildren;
  if (twins) for (let i = 0; i < n; i++) maxCover = Math.max(maxCover, twins.twinStart[i + 1]! - twins.twinStart[i]!);

  // 3-. a failure below: a span whose subtree holds a failed span at any depth. Where errors are read from names alone
  // (kind-less exports: a caller's outgoing-call span carries no status, only the callee's error handler says it
  // failed), the caller's request span fails through a call span that does not — the failure still came from below.
  // Children before parents: breadth-first from the roots, then backwards (no recursion on the depth of a trace).
  const failedBelow = new Uint8Array(n);
  {
    const order = new Int32Array(n);
    let len = 0;
    for (let i = 0; i < n; i++) {
      if (traceOf[i]! < 0) continue;
      const p = parent[i]!;
      if (p < 0 || traceOf[p]! < 0) order[len++] = i;
    }
    for (let q = 0; q < len; q++) {
      const r = order[q]!;
      for (let c = childStart[r]!; c < childStart[r + 1]!; c++) order[len++] = childRows[c]!;
    }
    for (let q = len - 1; q >= 0; q--) {
      const r = order[q]!;
      const p = parent[r]!;
      if (p >= 0 && (failed[r] === 1 || failedBelow[r] === 1)) failedBelow[p] = 1;
    }
  }

  // 3. per-span self time, child sum/union, own errors
  const selfNs = new Float64Array(n);
  const childSum = new Float64Array(n);
  const childUnion = new Float64Array(n);
  const wrappedNs = twins ? new Float64Array(n) : null;
  const ownError = new Uint8Array(n);
  const idx = new Int32Array(Math.max(1, maxCover));
  const cs = new Float64Array(n); // clipped child start (relative to its parent), reused as sort key
  const ce = new Float64Array(n);
  for (let p = 0; p < n; p++) {
    if (traceOf[p]! < 0) continue;
    const d = duration[p]!;
    let a = childStart[p]!;
    let b = childStart[p + 1]!;
    // a childless wrapper: its twins cover it instead (not counted as children: childSum/childUnion stay structural)
    const wrapper = a === b && twins !== null && coverStart[p + 1]! > coverStart[p]!;
    if (wrapper) {
      a = coverStart[p]!;
      b = coverStart[p + 1]!;
    }
    const rows = wrapper ? coverRows : childRows;
    let childErr = false;
    if (b === a) {
      selfNs[p] = d;
    } else {
      const ps = start[p]!;
      const pe = ps + d;
      let k = 0;
      let sum = 0;
      for (let c = a; c < b; c++) {
        const r = rows[c]!;
        if (failed[r] === 1) childErr = true; // a wrapper that fails with its twin only passes the error on
        const s0 = start[r]!;
        if (Number.isNaN(s0) || Number.isNaN(ps)) continue;
        const s = s0 < ps ? ps : s0;
        const e1 = s0 + duration[r]!;
        const e = e1 > pe ? pe : e1;
        if (e <= s) continue;
        cs[r] = s;
        ce[r] = e;
        sum += e - s;
        idx[k++] = r;
      }
      sortIdxBy(idx, k, cs, false);
      let union = 0;
      let curS = -Infinity;
      let curE = -Infinity;
      for (let q = 0; q < k; q++) {
        const r = idx[q]!;
        if (cs[r]! > curE) {
          if (curE > curS) union += curE - curS;
          curS = cs[r]!;
          curE = ce[r]!;
        } else if (ce[r]! > curE) curE = ce[r]!;
      }
      if (curE > curS) union += curE - curS;
      if (wrapper) wrappedNs![p] = union;
      else {
        childSum[p] = sum;
        childUnion[p] = union;
      }
      const self = d - union;
      selfNs[p] = self > 0 ? self : 0;
    }
    if (failed[p] === 1 && !childErr && failedBelow[p] === 0) ownError[p] = 1;
  }

  // critical path: per root, walk windows; the latest-ending child is on the path, the gaps are the parent's
  const criticalNs = new Float64Array(n);
  {
    const stRow = new GrowI32(1024);
    let stLo = new Float64Array(1024);
    let stHi = new Float64Array(1024);
    const ends = ce; // reuse: unclipped end per child as sort key
    for (let r0 = 0; r0 < n; r0++) {
      if (parent[r0]! >= 0 || traceOf[r0]! < 0) continue;
      if (Number.isNaN(start[r0]!)) {
        criticalNs[r0] = selfNs[r0]!;
        continue;
      }
      stRow.len = 0;
      const pushW = (row: number, lo: number, hi: number) => {
        if (stRow.len === stLo.length) {
          const a = new Float64Array(stLo.length * 2);
          a.set(stLo);
          stLo = a;
          const b = new Float64Array(stHi.length * 2);
          b.set(stHi);
          stHi = b;
        }
        stLo[stRow.len] = lo;
        stHi[stRow.len] = hi;
        stRow.push(row);
      };
      pushW(r0, start[r0]!, start[r0]! + duration[r0]!);
      while (stRow.len > 0) {
        stRow.len--;
        const p = stRow.arr[stRow.len]!;
        const lo = stLo[stRow.len]!;
        const hi = stHi[stRow.len]!;
        // a childless wrapper's path goes on into its twins (the twin that ends last, as for children)
        let a = childStart[p]!;
        let b = childStart[p + 1]!;
        const rows = a === b && twins !== null ? coverRows : childRows;
        if (a === b && twins !== null) {
          a = coverStart[p]!;
          b = coverStart[p + 1]!;
        }
        let k = 0;
        for (let c = a; c < b; c++) {
          const r = rows[c]!;
          if (Number.isNaN(start[r]!)) continue;
          ends[r] = start[r]! + duration[r]!;
          idx[k++] = r;
        }
        let t = hi;
        let crit = 0;
        if (k > 0) {
          sortIdxBy(idx, k, ends, true);
          // pushW does not touch idx (shared scratch): the windows go straight onto the stack
          for (let q = 0; q < k && t > lo; q++) {
            const r = idx[q]!;
            const s = start[r]! < lo ? lo : start[r]!;
            const e = ends[r]! > t ? t : ends[r]!;
            if (e <= s) continue;
            crit += t - e;
            pushW(r, s, e);
            t = s;
          }
        }
        crit += t - lo;
        criticalNs[p] += crit > 0 ? crit : 0;
      }
    }
  }

  // per-trace latency: longest non-orphan root, else the extent of the trace's spans
  const traceLatencyMs = new Float64Array(T);
  const traceStartNs = new Float64Array(T).fill(Infinity);
  const traceEnd = new Float64Array(T).fill(-Infinity);
  const rootDur = new Float64Array(T).fill(-1);
  const traceError = new Uint8Array(T);
  for (let i = 0; i < n; i++) {
    const t = traceOf[i]!;
    if (t < 0) continue;
    const s = start[i]!;
    if (!Number.isNaN(s)) {
      if (s < traceStartNs[t]!) traceStartNs[t] = s;
      const e = s + duration[i]!;
      if (e > traceEnd[t]!) traceEnd[t] = e;
    }
    if (parent[i]! < 0 && model.orphan[i] === 0 && duration[i]! > rootDur[t]!) rootDur[t] = duration[i]!;
    if (failed[i] === 1) traceError[t] = 1;
  }
  for (let t = 0; t < T; t++) {
    const ext = traceEnd[t]! - traceStartNs[t]!;
    traceLatencyMs[t] = (rootDur[t]! >= 0 ? rootDur[t]! : Number.isFinite(ext) ? ext : 0) / 1e6;
    if (!Number.isFinite(traceStartNs[t]!)) traceStartNs[t] = 0;
  }

  // 4. node sums, per-trace moments
  const calls = new Float64Array(N);
  const traces = new Float64Array(N);
  const totalNs = new Float64Array(N);
  const selfSum = new Float64Array(N);
  const critSum = new Float64Array(N);
  const chSum = new Float64Array(N);
  const chUnion = new Float64Array(N);
  const wrapSum = wrappedNs ? new Float64Array(N) : null;
  const errors = new Float64Array(N);
  const ownErrors = new Float64Array(N);
  const ownErrorTraces = new Float64Array(N);
  const kindCount = new Int32Array(N * 6);
  const maxNs = new Float64Array(N);
  // per-(node, trace) accumulators flushed when the trace changes; spans are visited grouped by trace
  const tSelf = new Float64Array(N);
  const tCalls = new Float64Array(N);
  const tCrit = new Float64Array(N);
  const tOwnErr = new Uint8Array(N);
  const ssSelf = new Float64Array(N);
  const ssCalls = new Float64Array(N);
  const ssCrit = new Float64Array(N);
  const touched = new GrowI32();
  const byTraceStart = new Int32Array(T + 1);
  for (let i = 0; i < n; i++) if (traceOf[i]! >= 0) byTraceStart[traceOf[i]! + 1]!++;
  for (let t = 0; t < T; t++) byTraceStart[t + 1] = byTraceStart[t]! + byTraceStart[t + 1]!;
  const byTrace = new Int32Array(byTraceStart[T]!);
  {
    const fill = byTraceStart.slice(0, T);
    for (let i = 0; i < n; i++) if (traceOf[i]! >= 0) byTrace[fill[traceOf[i]!]!++] = i;
  }
  for (let t = 0; t < T; t++) {
    touched.len = 0;
    for (let q = byTraceStart[t]!, e = byTraceStart[t + 1]!; q < e; q++) {
      const i = byTrace[q]!;
      const node = nodeOf[i]!;
      if (tCalls[node] === 0) touched.push(node);
      tCalls[node]! += 1;
      tSelf[node]! += selfNs[i]!;
      tCrit[node]! += criticalNs[i]!;
      const d = duration[i]!;
      totalNs[node]! += d;
      if (d > maxNs[node]!) maxNs[node] = d;
      chSum[node]! += childSum[i]!;
      chUnion[node]! += childUnion[i]!;
      if (wrapSum) wrapSum[node]! += wrappedNs![i]!;
      if (failed[i] === 1) errors[node]!++;
      if (ownError[i]) {
        ownErrors[node]!++;
        tOwnErr[node] = 1;
      }
      const k = model.kind[i]!;
      kindCount[node * 6 + (k < 6 ? k : 0)]!++;
    }
    for (let q = 0; q < touched.len; q++) {
      const node = touched.arr[q]!;
      traces[node]!++;
      ownErrorTraces[node]! += tOwnErr[node]!;
      tOwnErr[node] = 0;
      calls[node]! += tCalls[node]!;
      selfSum[node]! += tSelf[node]!;
      critSum[node]! += tCrit[node]!;
      ssSelf[node]! += (tSelf[node]! / 1e6) ** 2;
      ssCalls[node]! += tCalls[node]! ** 2;
      ssCrit[node]! += (tCrit[node]! / 1e6) ** 2;
      tCalls[node] = 0;
      tSelf[node] = 0;
      tCrit[node] = 0;
    }
  }

  // percentiles: group span rows by node (counting sort), sort each node's durations. Spans whose timing is unknown
  // (no start and no duration — also what the builder makes of broken timestamps) are left out: they are not 0 ms.
  const p50 = new Float64Array(N);
  const p95 = new Float64Array(N);
  const p99 = new Float64Array(N);
  // and a mergeable histogram of the same durations (ms), for percentiles of call paths merged later (flame sandwich)
  const sketches: Array<EncodedSketch | undefined> = new Array(N);
  {
    const timed = (i: number) => nodeOf[i]! >= 0 && !(duration[i] === 0 && Number.isNaN(model.start[i]!));
    const off = new Int32Array(N + 1);
    for (let i = 0; i < n; i++) if (timed(i)) off[nodeOf[i]! + 1]!++;
    for (let v = 0; v < N; v++) off[v + 1] = off[v]! + off[v + 1]!;
    const vals = new Float64Array(off[N]!);
    const fill = off.slice(0, N);
    for (let i = 0; i < n; i++) if (timed(i)) vals[fill[nodeOf[i]!]!++] = duration[i]!;
    for (let v = 1; v < N; v++) {
      const sub = vals.subarray(off[v]!, off[v + 1]!);
      const k = sub.length;
      if (k === 0) continue;
      sub.sort();
      const q = (f: number) => {
        const pos = (k - 1) * f;
        const lo = Math.floor(pos);
        const hi = lo + 1 < k ? lo + 1 : lo;
        return sub[lo]! + (sub[hi]! - sub[lo]!) * (pos - lo);
      };
      p50[v] = q(0.5);
      p95[v] = q(0.95);
      p99[v] = q(0.99);
      sketches[v] = sketchFromSorted(sub, 1e-6);
    }
  }

  // root node totals: the traces themselves
  let latSum = 0;
  let latSq = 0;
  let rootErrors = 0;
  for (let t = 0; t < T; t++) {
    latSum += traceLatencyMs[t]!;
    latSq += traceLatencyMs[t]! ** 2;
    rootErrors += traceError[t]!;
  }
  const sd = (sum: number, ss: number) => (T > 1 ? Math.sqrt(Math.max(0, (ss - (sum * sum) / T) / (T - 1))) : 0);
  const nodes: AggNode[] = new Array(N);
  const ms = 1e-6;
  const perT = T > 0 ? 1 / T : 0;
  for (let v = 0; v < N; v++) {
    let stats: NodeStats;
    if (v === 0) {
      const sorted = Float64Array.from(traceLatencyMs).sort();
      const q = (f: number) => {
        if (T === 0) return 0;
        const pos = (T - 1) * f;
        const lo = Math.floor(pos);
        const hi = lo + 1 < T ? lo + 1 : lo;
        return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
      };
      stats = {
        calls: T,
        traces: T,
        callsPerTrace: T > 0 ? 1 : 0,
        totalMs: latSum,
        selfMs: 0,
        totalPerTraceMs: latSum * perT,
        selfPerTraceMs: 0,
        p50Ms: q(0.5),
        p95Ms: q(0.95),
        p99Ms: q(0.99),
        maxMs: T > 0 ? sorted[T - 1]! : 0,
        errors: rootErrors,
        ownErrors: 0,
        ownErrorTraces: 0,
        criticalPerTraceMs: 0,
        selfPerTraceSdMs: 0,
        callsPerTraceSd: 0,
        criticalPerTraceSdMs: 0,
      };
    } else {
      const selfMs = selfSum[v]! * ms;
      const critMs = critSum[v]! * ms;
      stats = {
        calls: calls[v]!,
        traces: traces[v]!,
        callsPerTrace: calls[v]! * perT,
        totalMs: totalNs[v]! * ms,
        selfMs,
        totalPerTraceMs: totalNs[v]! * ms * perT,
        selfPerTraceMs: selfMs * perT,
        p50Ms: p50[v]! * ms,
        p95Ms: p95[v]! * ms,
        p99Ms: p99[v]! * ms,
        ...(sketches[v] ? { sketch: sketches[v] } : {}),
        maxMs: maxNs[v]! * ms,
        errors: errors[v]!,
        ownErrors: ownErrors[v]!,
        ownErrorTraces: ownErrorTraces[v]!,
        criticalPerTraceMs: critMs * perT,
        childSumPerTraceMs: chSum[v]! * ms * perT,
        childUnionPerTraceMs: chUnion[v]! * ms * perT,
        ...(wrapSum && wrapSum[v]! > 0 ? { wrappedPerTraceMs: wrapSum[v]! * ms * perT } : {}),
        selfPerTraceSdMs: sd(selfMs, ssSelf[v]!),
        callsPerTraceSd: sd(calls[v]!, ssCalls[v]!),
        criticalPerTraceSdMs: sd(critMs, ssCrit[v]!),
      };
    }
    let kind = 'internal';
    if (v > 0) {
      let best = -1;
      for (let k = 0; k < 6; k++) {
        if (kindCount[v * 6 + k]! > best) {
          best = kindCount[v * 6 + k]!;
          kind = SPAN_KIND_NAMES[k]!;
        }
      }
    }
    const op = nodeOp.arr[v]!;
    nodes[v] = {
      id: v,
      parent: nodeParent.arr[v]!,
      depth: nodeDepth.arr[v]!,
      service: v === 0 ? '' : model.strings.get(opService[op]!),
      name: v === 0 ? 'all traces' : model.strings.get(opName[op]!),
      kind: v === 0 ? 'root' : kind,
      children: [],
      stats,
      ...(nodeOrphan.arr[v] ? { orphan: true } : {}),
    };
  }
  for (let v = 1; v < N; v++) nodes[nodes[v]!.parent]!.children.push(v);
  // children by descending total, stable and deterministic
  for (const nd of nodes) nd.children.sort((a, b) => nodes[b]!.stats.totalMs - nodes[a]!.stats.totalMs || a - b);

  return {
    tree: { nodes, traceCount: T, meanTraceMs: latSum * perT, ...(cutSpans > 0 ? { cut: { spans: cutSpans, maxDepth } } : {}) },
    model,
    nodeOf,
    traceOf,
    selfNs,
    criticalNs,
    traceLatencyMs,
    traceStartNs,
    traceError,
    traceStringId: Uint32Array.from(traceIds.arr.subarray(0, T)),
    failed,
    ownFailed: ownError,
  };
}

/** Per-trace sums of a per-span column for the given nodes (absent traces are 0). */
export function perTraceValues(detail: AggDetail, nodeIds: readonly number[], metric: 'self' | 'critical' | 'calls' | 'total'): Map<number, Float64Array> {
  const T = detail.tree.traceCount;
  const out = new Map<number, Float64Array>();
  const slot = new Int32Array(detail.tree.nodes.length).fill(-1);
  const arrs: Float64Array[] = [];
  for (const id of nodeIds) {
    if (slot[id]! >= 0) continue;
    slot[id] = arrs.length;
    const a = new Float64Array(T);
    arrs.push(a);
    out.set(id, a);
  }
  const { nodeOf, traceOf, selfNs, criticalNs } = detail;
  const dur = detail.model.duration;
  // summed in ns (whole numbers: exact in any order), converted once: summed in ms, equal traces whose spans come in
  // another row order differ in the last bits — ties a rank test would see are broken by the file's order
  for (let i = 0; i < nodeOf.length; i++) {
    const v = nodeOf[i]!;
    if (v < 0) continue;
    const s = slot[v]!;
    if (s < 0) continue;
    const a = arrs[s]!;
    const t = traceOf[i]!;
    a[t]! += metric === 'self' ? selfNs[i]! : metric === 'critical' ? criticalNs[i]! : metric === 'total' ? dur[i]! : 1;
  }
  if (metric !== 'calls') for (const a of arrs) for (let t = 0; t < a.length; t++) a[t] = a[t]! / 1e6;
  return out;
}
