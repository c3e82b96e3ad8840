/**
 * Wrapping twins: a framework span that logically wraps a sibling it was not made the parent of.
 *
 * Async frameworks (Spring WebFlux / Reactor, other reactive stacks) often lose the current span between a handler
 * and the call it makes, so the handler's span and the span that carries the real work end up SIBLINGS:
 *
 *     ts-gateway-service :: /*                          1524.5 ms @0.0
 *       ts-gateway-service :: FilteringWebHandler.handle  1523.6 ms @0.7   ← childless: waits, does no work
 *       ts-gateway-service :: HTTP POST                   1523.0 ms @1.5   ← carries the whole downstream subtree
 *
 * Self time (duration − union of the children's intervals) would give the handler its whole duration, so every
 * downstream slowdown would show up as the handler's own time. The rule: a span's own time excludes the time covered
 * by its wrapping twins. A sibling T is a **wrapping twin** of a span W when all of these hold:
 *
 *  - same parent span, same service (one process: the wrapper waits on it in the same place);
 *  - W has no children of its own (its time is otherwise unexplained) and T has some (T's time is explained by a
 *    traced subtree) — so two childless spans are never twins (two parallel queries of the same length are work),
 *    and neither are two calls that both have subtrees (a parallel fan-out: each call's client-side time is its own,
 *    and is the signal of a network delay);
 *  - W is not a CLIENT or PRODUCER span: a childless client span is a call whose callee is not traced — real time
 *    spent elsewhere, not a wrapper;
 *  - T starts no earlier than W, ends no later than W's end plus {@link TWIN_SLACK} of W's duration (the handler's span
 *    often closes a hair before the client span it awaits: 0.1–1.6 ms on TrainTicket), and covers at least
 *    1 − {@link TWIN_SLACK} (90 %) of W's interval.
 *
 * Roles are asymmetric (the wrapper is childless, the twin is not), so two spans can never wrap each other; a wrapper
 * may have several twins (the union of their intervals is what it waits on), and a twin may be wrapped by several
 * wrappers (framework layers). A short call contained in a long childless span covers far less than 90 % of it: the
 * long span keeps its time (genuinely parallel work).
 *
 * The tree structure is NOT changed (the twin stays the parent's child, so call paths, diffs and source links keep
 * their identity); only the wrapper's own time and its share of the critical path change (tree.ts).
 *
 * Work is bounded: one pass over every parent's children, a sort of the parents' candidate twins by start, and for
 * each candidate wrapper a binary search and a scan of at most {@link MAX_TWIN_SCAN} candidates whose start lies in
 * [W's start, W's start + slack]. No recursion.
 */
import { SpanKind } from '../model/span-table';

/** Tolerance of the twin rule as a fraction of the wrapper's duration: coverage ≥ 90 %, end at most 10 % later. */
export const TWIN_SLACK = 0.1;
/** At most this many candidate twins are examined per wrapper (only a pathological fan-out starting at once has more). */
export const MAX_TWIN_SCAN = 64;

export interface TwinInput {
  size: number;
  /** children of span row p: childRows[childStart[p]..childStart[p+1]) (only the spans aggregated) */
  childStart: Int32Array | Uint32Array;
  childRows: Int32Array | Uint32Array;
  /** per row, ns (clock-skew adjusted as the aggregation uses it; NaN when unknown) */
  start: Float64Array;
  duration: Float64Array;
  serviceCol: Uint32Array;
  kind: Uint8Array;
}

/** Twins per wrapper row in CSR form: twinRows[twinStart[w]..twinStart[w+1]). */
export interface WrappingTwins {
  twinStart: Int32Array;
  twinRows: Int32Array;
  /** spans that wrap at least one twin */
  wrappers: number;
}

/** The wrapping twins of every span, or null when no span has one (the common case: nothing to allocate). */
export function wrappingTwins(m: TwinInput): WrappingTwins | null {
  const { size: n, childStart, childRows, start, duration, serviceCol, kind } = m;
  const pairW: number[] = [];
  const pairT: number[] = [];
  let cand = new Int32Array(16);
  let candStart = new Float64Array(16);
  for (let p = 0; p < n; p++) {
    const a = childStart[p]!;
    const b = childStart[p + 1]!;
    if (b - a < 2) continue;
    // candidate twins: children with children of their own and a known interval; is there a possible wrapper at all?
    let k = 0;
    let wrappers = 0;
    for (let c = a; c < b; c++) {
      const r = childRows[c]!;
      if (Number.isNaN(start[r]!) || !(duration[r]! > 0)) continue;
      if (childStart[r + 1]! > childStart[r]!) {
        if (k === cand.length) {
          const next = new Int32Array(k * 2);
          next.set(cand);
          cand = next;
          candStart = new Float64Array(k * 2);
        }
        cand[k++] = r;
      } else if (kind[r] !== SpanKind.Client && kind[r] !== SpanKind.Producer) wrappers++;
    }
    if (k === 0 || wrappers === 0) continue;
    // candidates by start (then row): insertion sort for the usual handful, else Array sort
    if (k < 32) {
      for (let q = 0; q < k; q++) {
        const r = cand[q]!;
        const v = start[r]!;
        let j = q - 1;
        while (j >= 0 && (candStart[j]! > v || (candStart[j] === v && cand[j]! > r))) {
          cand[j + 1] = cand[j]!;
          candStart[j + 1] = candStart[j]!;
          j--;
        }
        cand[j + 1] = r;
        candStart[j + 1] = v;
      }
    } else {
      const sub = Array.from(cand.subarray(0, k));
      sub.sort((x, y) => start[x]! - start[y]! || x - y);
      cand.set(sub);
      for (let q = 0; q < k; q++) candStart[q] = start[cand[q]!]!;
    }
    for (let c = a; c < b; c++) {
      const w = childRows[c]!;
      if (childStart[w + 1]! > childStart[w]! || kind[w] === SpanKind.Client || kind[w] === SpanKind.Producer) continue;
      const ws = start[w]!;
      const dw = duration[w]!;
      if (Number.isNaN(ws) || !(dw > 0)) continue;
      const we = ws + dw;
      const slack = TWIN_SLACK * dw;
      // first candidate starting at or after ws
      let lo = 0;
      let hi = k;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (candStart[mid]! < ws) lo = mid + 1;
        else hi = mid;
      }
      for (let q = lo, seen = 0; q < k && seen < MAX_TWIN_SCAN; q++, seen++) {
        const ts = candStart[q]!;
        if (ts > ws + slack) break; // starts too late to cover 90 % of W
        const t = cand[q]!;
        if (serviceCol[t] !== serviceCol[w]) continue;
        const te = ts + duration[t]!;
        if (te > we + slack) continue;
        const covered = (te < we ? te : we) - ts;
        if (covered >= dw - slack) {
          pairW.push(w);
          pairT.push(t);
        }
      }
    }
  }
  if (pairW.length === 0) return null;
  const twinStart = new Int32Array(n + 1);
  for (const w of pairW) twinStart[w + 1]!++;
  let wrappers = 0;
  for (let i = 0; i < n; i++) {
    if (twinStart[i + 1]! > 0) wrappers++;
    twinStart[i + 1] = twinStart[i]! + twinStart[i + 1]!;
  }
  const twinRows = new Int32Array(pairW.length);
  const fill = twinStart.slice(0, n);
  for (let j = 0; j < pairW.length; j++) twinRows[fill[pairW[j]!]!++] = pairT[j]!;
  return { twinStart, twinRows, wrappers };
}
