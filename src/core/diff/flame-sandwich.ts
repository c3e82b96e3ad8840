/**
 * Sandwich view (as in speedscope): for one operation, its callers merged above it and its callees merged below it
 * over every call path the operation appears on. Pure, O(size of the merged subtrees + occurrences × depth); no
 * recursion (depth comes from the trace data). The result is two ordinary {@link FlameData} trees sharing the input's
 * string table, so the flame renderer, tooltips and layout work on them unchanged:
 *
 * - `callees`: node 0 is the operation (all its outermost occurrences summed); below it every callee path merged by
 *   (service, operation), times summed. A recursive call shows as a callee of itself; an occurrence nested inside
 *   another one is not counted twice at the top.
 * - `callers`: inverted. Node 0 is the operation, its children are the operations that call it, their children the
 *   callers' callers, up to the root. A caller node's times are **the operation's** times through that call path,
 *   and its Δ (deltaSelf = deltaTotal) is the operation's change of total time through it, so diff colours say which
 *   callers the slowdown comes through. The caller's own source link and flags are kept (double-click opens it).
 *
 * Percentiles cannot be merged: a merged node keeps p50/p95 only when it comes from one node, else NaN ("–"). Each
 * merged node's source nodes are kept ({@link Sandwich.callerSources}), so its percentiles can be computed from the
 * nodes' latency histograms (src/core/diff/flame-percentiles.ts).
 */
import type { FlameData } from '../../protocol/messages';
import { FlameFlag } from '../../protocol/messages';
import type { FlameTree } from './flame-layout';

export interface Sandwich {
  callers: FlameData;
  callees: FlameData;
  /** nodes of the flame tree that are this operation (its call paths) */
  occurrences: number;
  /** of which not nested inside another occurrence (recursion): the ones summed into the middle row */
  outermost: number;
  /** per node of `callers`: the nodes of the input whose numbers were summed into it (occurrences of the operation) */
  callerSources: NodeSources;
  /** per node of `callees`: the nodes of the input merged into it */
  calleeSources: NodeSources;
}

/** Input nodes per merged node, CSR: node m's are `ids[start[m] .. start[m+1])`. */
export interface NodeSources {
  start: Int32Array;
  ids: Int32Array;
}

/** The input nodes merged into node `m` of a sandwich half. */
export function sourcesOf(s: NodeSources, m: number): number[] {
  if (m < 0 || m + 1 >= s.start.length) return [];
  return Array.from(s.ids.subarray(s.start[m]!, s.start[m + 1]!));
}

const COLUMNS = [
  'parent', 'service', 'name', 'spanKind', 'flags', 'srcFile', 'srcLine', 'parts',
  'bTotal', 'bSelf', 'bP50', 'bP95', 'bCalls', 'bErrors', 'iTotal', 'iSelf', 'iP50', 'iP95', 'iCalls', 'iErrors',
  'deltaSelf', 'deltaTotal', 'sigNum', 'sigDen', 'sigMax',
] as const;
type Column = (typeof COLUMNS)[number];

/** Growable columnar builder of a merged tree (node 0 = root); typed arrays, doubled when full. */
class Builder {
  n = 0;
  private cap = 0;
  readonly col = {} as Record<Column, Float64Array>;
  /** (parent, service, operation) → merged child; one numeric key while it stays exact, else per-parent maps */
  private readonly index = new Map<number, number>();
  private readonly kids: Array<Map<number, number> | undefined> = [];
  private readonly flat: boolean;
  /** contributions: per merged node a linked list (head, next) of input node ids */
  private head: number[] = [];
  private readonly next: number[] = [];
  private readonly src: number[] = [];

  constructor(readonly stride: number, maxNodes: number) {
    this.grow(256);
    this.flat = (maxNodes + 1) * stride * stride < Number.MAX_SAFE_INTEGER;
  }

  private grow(cap: number): void {
    for (const c of COLUMNS) {
      const a = new Float64Array(cap);
      if (this.col[c]) a.set(this.col[c]);
      this.col[c] = a;
    }
    this.cap = cap;
  }

  add(parent: number, service: number, name: number, kind: number, src: number, line: number): number {
    if (this.n === this.cap) this.grow(this.cap * 2);
    const id = this.n++;
    const c = this.col;
    c.parent[id] = parent;
    c.service[id] = service;
    c.name[id] = name;
    c.spanKind[id] = kind;
    c.srcFile[id] = src;
    c.srcLine[id] = line;
    if (parent >= 0) {
      const k = service * this.stride + name;
      if (this.flat) this.index.set(parent * this.stride * this.stride + k, id);
      else {
        let m = this.kids[parent];
        if (!m) this.kids[parent] = m = new Map();
        m.set(k, id);
      }
    }
    return id;
  }

  child(parent: number, service: number, name: number): number {
    const k = service * this.stride + name;
    return (this.flat ? this.index.get(parent * this.stride * this.stride + k) : this.kids[parent]?.get(k)) ?? -1;
  }

  /** Adds node `i` of `d` to merged node `m`: its times, calls, errors and flags; the given deltas; significance weighted by |Δ|. */
  accumulate(m: number, d: FlameData, i: number, flags: number, deltaSelf: number, deltaTotal: number): void {
    const c = this.col;
    c.flags[m] = c.flags[m]! | flags;
    c.bTotal[m]! += d.bTotal[i]!;
    c.bSelf[m]! += d.bSelf[i]!;
    c.bCalls[m]! += d.bCalls[i]!;
    c.bErrors[m]! += d.bErrors[i]!;
    c.iTotal[m]! += d.iTotal[i]!;
    c.iSelf[m]! += d.iSelf[i]!;
    c.iCalls[m]! += d.iCalls[i]!;
    c.iErrors[m]! += d.iErrors[i]!;
    c.deltaSelf[m]! += deltaSelf;
    c.deltaTotal[m]! += deltaTotal;
    const sig = d.significance[i]!;
    c.sigNum[m]! += sig * Math.abs(deltaSelf);
    c.sigDen[m]! += Math.abs(deltaSelf);
    if (sig > c.sigMax[m]!) c.sigMax[m] = sig;
    if (c.parts[m] === 0) {
      c.bP50[m] = d.bP50[i]!;
      c.bP95[m] = d.bP95[i]!;
      c.iP50[m] = d.iP50[i]!;
      c.iP95[m] = d.iP95[i]!;
    } else {
      c.bP50[m] = c.bP95[m] = c.iP50[m] = c.iP95[m] = NaN;
    }
    c.parts[m]!++;
    this.src.push(i);
    this.next.push(this.head[m] ?? -1);
    this.head[m] = this.src.length - 1;
  }

  /** Input nodes per emitted node (emit's `order`: new id → builder id). */
  private sources(order: readonly number[]): NodeSources {
    const start = new Int32Array(order.length + 1);
    const ids: number[] = [];
    order.forEach((m, k) => {
      const mine: number[] = [];
      for (let c = this.head[m] ?? -1; c >= 0; c = this.next[c]!) mine.push(this.src[c]!);
      for (let j = mine.length - 1; j >= 0; j--) ids.push(mine[j]!);
      start[k + 1] = ids.length;
    });
    return { start, ids: Int32Array.from(ids) };
  }

  /** Pre-order FlameData, iteratively; siblings ordered by (service, operation) string index, so the order is stable. */
  emit(src: FlameData): { data: FlameData; sources: NodeSources } {
    const n = this.n;
    // children lists in one array (CSR): count, offsets, fill
    const start = new Int32Array(n + 1);
    for (let i = 1; i < n; i++) start[this.col.parent[i]! + 1]!++;
    for (let i = 0; i < n; i++) start[i + 1]! += start[i]!;
    const fill = start.slice(0, n);
    const kids = new Int32Array(Math.max(0, n - 1));
    for (let i = 1; i < n; i++) kids[fill[this.col.parent[i]!]!++] = i;
    const key = (i: number) => this.col.service[i]! * this.stride + this.col.name[i]!;
    for (let i = 0; i < n; i++) if (start[i + 1]! - start[i]! > 1) kids.subarray(start[i]!, start[i + 1]!).sort((a, b) => key(a) - key(b));
    const order: number[] = [];
    const newParent: number[] = [];
    const newId = new Int32Array(n);
    const stack = n > 0 ? [0] : [];
    while (stack.length) {
      const i = stack.pop()!;
      newId[i] = order.length;
      newParent.push(i === 0 ? -1 : newId[this.col.parent[i]!]!);
      order.push(i);
      for (let k = start[i + 1]! - 1; k >= start[i]!; k--) stack.push(kids[k]!);
    }
    const c = this.col;
    const pick = (k: Column) => {
      const a = c[k];
      return order.map((i) => a[i]!);
    };
    const data: FlameData = {
      version: 1,
      kind: src.kind,
      n,
      baselineTraces: src.baselineTraces,
      incidentTraces: src.incidentTraces,
      strings: src.strings,
      parent: newParent,
      service: pick('service'),
      name: pick('name'),
      spanKind: pick('spanKind'),
      flags: pick('flags'),
      bTotal: pick('bTotal'),
      bSelf: pick('bSelf'),
      bP50: pick('bP50'),
      bP95: pick('bP95'),
      bCalls: pick('bCalls'),
      bErrors: pick('bErrors'),
      iTotal: pick('iTotal'),
      iSelf: pick('iSelf'),
      iP50: pick('iP50'),
      iP95: pick('iP95'),
      iCalls: pick('iCalls'),
      iErrors: pick('iErrors'),
      deltaSelf: pick('deltaSelf'),
      deltaTotal: pick('deltaTotal'),
      significance: order.map((i) => (c.sigDen[i]! > 0 ? c.sigNum[i]! / c.sigDen[i]! : c.sigMax[i]!)),
      srcFile: pick('srcFile'),
      srcLine: pick('srcLine'),
    };
    return { data, sources: this.sources(order) };
  }
}

const PRESENCE = FlameFlag.Baseline | FlameFlag.Incident;

/** The sandwich of the operation of node `id` (its service and operation name). */
export function buildSandwich(data: FlameData, tree: FlameTree, id: number): Sandwich {
  if (id < 0 || id >= data.n) throw new RangeError(`sandwich: node ${id} is not in the tree (${data.n} nodes)`);
  const svc = data.service[id]!;
  const nm = data.name[id]!;
  const stride = data.strings.length + 1;
  const callees = new Builder(stride, data.n);
  const callers = new Builder(stride, data.n * (tree.maxDepth + 1));
  callees.add(-1, svc, nm, data.spanKind[id]!, data.srcFile[id]!, data.srcLine[id]!);
  callers.add(-1, svc, nm, data.spanKind[id]!, data.srcFile[id]!, data.srcLine[id]!);
  const map = new Int32Array(data.n);
  let occurrences = 0;
  let outermost = 0;
  let insideUntil = -1;
  for (let r = 0; r < data.n; r++) {
    if (data.service[r] !== svc || data.name[r] !== nm) continue;
    occurrences++;
    if (r < insideUntil) continue; // nested in an occurrence already merged: its time is in that one's
    outermost++;
    insideUntil = tree.end[r]!;
    const own = data.flags[r]!;
    callees.accumulate(0, data, r, own, data.deltaSelf[r]!, data.deltaTotal[r]!);
    callers.accumulate(0, data, r, own, data.deltaSelf[r]!, data.deltaTotal[r]!);
    // callees: the occurrence's subtree, merged by (service, operation) under the merged parent
    map[r] = 0;
    for (let i = r + 1; i < tree.end[r]!; i++) {
      const mp = map[tree.parent[i]!]!;
      let m = callees.child(mp, data.service[i]!, data.name[i]!);
      if (m < 0) m = callees.add(mp, data.service[i]!, data.name[i]!, data.spanKind[i]!, data.srcFile[i]!, data.srcLine[i]!);
      map[i] = m;
      callees.accumulate(m, data, i, data.flags[i]!, data.deltaSelf[i]!, data.deltaTotal[i]!);
    }
    // callers: up the ancestors, each merged under the previous one; times are the occurrence's
    let cur = 0;
    for (let a = tree.parent[r]!; a >= 0; a = tree.parent[a]!) {
      let m = callers.child(cur, data.service[a]!, data.name[a]!);
      if (m < 0) m = callers.add(cur, data.service[a]!, data.name[a]!, data.spanKind[a]!, data.srcFile[a]!, data.srcLine[a]!);
      const flags = (data.flags[a]! & ~PRESENCE) | (own & PRESENCE);
      callers.accumulate(m, data, r, flags, data.deltaTotal[r]!, data.deltaTotal[r]!);
      cur = m;
    }
  }
  const { data: calleesData, sources: calleeSources } = callees.emit(data);
  const { data: callersData, sources: callerSources } = callers.emit(data);
  // a caller's "self" is not a thing: the operation's time through it is its total
  for (let i = 1; i < callersData.n; i++) {
    callersData.bSelf[i] = NaN;
    callersData.iSelf[i] = NaN;
  }
  return { callers: callersData, callees: calleesData, occurrences, outermost, callerSources, calleeSources };
}
