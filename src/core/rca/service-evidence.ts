/**
 * Service-level detectors over the shared run facts (./facts.ts): which SERVICE changed, with how much effect and how
 * consistently. Each returns per-service findings; ./service-rank.ts turns them into a ranking.
 *
 *  - remoteGap: the time between a caller's remote-call span and its callee's span grew, on every caller of one
 *    callee → the callee (network delay at it, its accept queue, its CPU before the handler starts).
 *  - serviceSlowdown: the exclusive time of a service's own operations grew at the MEDIAN across its operations
 *    (CPU contention or consumption stretches everything the service does; knock-on effects elsewhere show mostly in
 *    the tail).
 */
import { fisherCombine, mannWhitney, pooledExceedance, quantileSorted } from '../stats/index';
import { perTrace, type EdgeFacts, type OpFacts, type RunFacts } from './facts';

export interface EdgeChange {
  caller: string;
  callee: string;
  nB: number;
  nI: number;
  medB: number;
  medI: number;
  /** log((medI + s) / (medB + s)), s = 1 ms */
  effect: number;
  p: number;
  /** compared against the pooled baseline gaps of all edges (own baseline too small) */
  pooled: boolean;
  /** added gap per trace (ms) on this edge: mean sum per trace incident − baseline */
  perTraceMs: number;
  grew: boolean;
}

export interface OpChange {
  service: string;
  name: string;
  nB: number;
  nI: number;
  medB: number;
  medI: number;
  effect: number;
  p: number;
  grew: boolean;
  perTraceMs: number;
}

export interface ServiceFinding {
  service: string;
  /** dimensionless strength: typical log-ratio of the grown quantity × the share of its items that grew */
  score: number;
  effect: number;
  consistency: number;
  /** combined one-sided p-value over the items (Fisher's method) */
  p: number;
  /** estimated added time per trace, ms */
  impactMs: number;
}

export interface GapFinding extends ServiceFinding {
  edges: EdgeChange[];
  /** 'callee': every caller of the service waits longer for it; 'caller': every call the service makes waits longer */
  side: 'callee' | 'caller';
}
export interface SlowdownFinding extends ServiceFinding {
  ops: OpChange[];
}

const median = (a: number[]) => quantileSorted(Float64Array.from(a).sort(), 0.5);
const GROW = Math.log(1.5);

/** Per remote-call edge: did the caller → callee gap grow at the median? */
export function edgeChanges(b: RunFacts, i: RunFacts, alpha: number): EdgeChange[] {
  const pooledB: number[] = [];
  for (const e of b.edges.values()) for (let k = 0; k < e.gaps.length; k += Math.max(1, Math.floor(e.gaps.length / 500))) pooledB.push(e.gaps[k]!);
  const pooledMed = median(pooledB);
  const devRef = pooledDeviations([...b.edges.values()].map((e) => e.gaps), GAP_FLOOR_MS);
  const out: EdgeChange[] = [];
  for (const [k, ei] of i.edges) {
    if (ei.caller === ei.callee) continue;
    const eb: EdgeFacts | undefined = b.edges.get(k);
    if (ei.gaps.length < 2) continue;
    const own = !!eb && eb.gaps.length >= 5;
    const ref = own ? eb!.gaps : eb && eb.gaps.length > 0 ? [...eb.gaps, ...pooledB] : pooledB;
    if (ref.length < 3) continue;
    const medB = own ? median(ref) : eb && eb.gaps.length ? median(eb.gaps) : pooledMed;
    const medI = median(ei.gaps);
    const effect = deviation(medI, medB, GAP_FLOOR_MS);
    // the calls of one trace share its conditions: with the edge's own baseline, one value per trace on both sides
    const t = own ? mannWhitney(perTrace(eb!.gaps, eb!.gapTraces), perTrace(ei.gaps, ei.gapTraces), 'greater') : mannWhitney(ref, ei.gaps, 'greater');
    // a handful of calls (a rarely used edge, a short capture): ranks against a few own baseline gaps cannot get
    // significant however large the change, so the same question is also asked against the shape of ALL edges'
    // variation — is each call's gap further above its edge's baseline median than baseline gaps ever are above
    // theirs? — and the smaller answer is taken, doubled for asking twice
    const pMw = Number.isFinite(t.p) ? t.p : 1;
    const pExc = exceedance(devRef, own ? ownDeviations(eb!.gaps, eb!.gapTraces, medB, GAP_FLOOR_MS) : null, perTrace(ei.gaps.map((g) => deviation(g, medB, GAP_FLOOR_MS)), ei.gapTraces), GROW);
    const p = Math.min(1, 2 * Math.min(pMw, pExc));
    const perTraceMs = ei.sumMs / Math.max(1, i.traces) - (eb ? eb.sumMs / Math.max(1, b.traces) : 0);
    out.push({
      caller: ei.caller, callee: ei.callee, nB: eb?.gaps.length ?? 0, nI: ei.gaps.length, medB, medI, effect, p,
      pooled: !own, perTraceMs, grew: effect >= GROW && p < alpha,
    });
  }
  return out;
}


/** Floors of the log-ratios: 1 ms for gaps, 0.1 ms for own times (sub-millisecond jitter is not a ×3 change). */
const GAP_FLOOR_MS = 1;
const SELF_FLOOR_MS = 0.1;

/** How far a value lies from its group's median: log((x + floor) / (median + floor)), negative values as 0. */
const deviation = (x: number, med: number, floor: number) => Math.log((Math.max(0, x) + floor) / (Math.max(0, med) + floor));

/** Per-trace values needed before a group's own baseline variation is a reference of its own (see exceedance). */
const OWN_REFERENCE_MIN = 10;

/** A group's own baseline deviations from its median, one per trace, ascending; null with fewer than OWN_REFERENCE_MIN. */
function ownDeviations(values: number[], traces: number[] | undefined, med: number, floor: number): Float64Array | null {
  const per = perTrace(values.map((x) => deviation(x, med, floor)), traces);
  return per.length >= OWN_REFERENCE_MIN ? Float64Array.from(per).sort() : null;
}

/**
 * Do the incident's deviations lie further above the baseline median than the baseline's own do? Asked against the
 * pooled shape of all groups' variation (power for a group seen a few times) and, when the group has enough baseline
 * values of its own, against those too — the larger p of the two: a group whose own values vary far more than the
 * pooled shape (an operation whose own time is 0 in about half its spans, so its median is 0 or 0.4 ms by a coin
 * flip) is not "slower" for varying as it always did (h34's resample property: api / handle "slower across its
 * operations, p=3.4e-5" between two samples of one distribution).
 */
function exceedance(pooled: Float64Array, own: Float64Array | null, devs: number[], floor: number): number {
  const p = pooledExceedance(pooled, devs, { floor });
  return own ? Math.max(p, pooledExceedance(own, devs, { floor })) : p;
}

/**
 * A baseline's variation pooled over groups (edges' gaps, operations' own times): log((x + floor) / (group median +
 * floor)) of every value of every group with at least 5 values (at most ~20,000, evenly subsampled), ascending — the
 * reference of pooledExceedance. The floor keeps sub-millisecond jitter from reading as large ratios.
 */
function pooledDeviations(groups: Iterable<number[]>, floor: number): Float64Array {
  const used = [...groups].filter((g) => g.length >= 5);
  const total = used.reduce((s, g) => s + g.length, 0);
  const step = Math.max(1, Math.ceil(total / 20000));
  const out: number[] = [];
  for (const g of used) {
    const m = Math.max(0, median(g));
    for (let k = 0; k < g.length; k += step) out.push(deviation(g[k]!, m, floor));
  }
  return Float64Array.from(out).sort();
}

/** One change per edge or operation, as the service-level detectors score them. */
interface ScoredChange {
  effect: number;
  p: number;
  grew: boolean;
  perTraceMs: number;
}

/**
 * The score both service-level detectors use: per service, the share of its changes that grew (consistency) ×
 * the median effect over all of them, combined p (Fisher) below alpha; impact = the grown changes' per-trace time.
 */
function scoreByService<T extends ScoredChange>(changes: T[], serviceOf: (c: T) => string, alpha: number): (ServiceFinding & { list: T[] })[] {
  const by = new Map<string, T[]>();
  for (const c of changes) {
    const k = serviceOf(c);
    const l = by.get(k);
    if (l) l.push(c);
    else by.set(k, [c]);
  }
  const out: (ServiceFinding & { list: T[] })[] = [];
  for (const [service, list] of by) {
    const grown = list.filter((c) => c.grew);
    if (grown.length === 0) continue;
    const consistency = grown.length / list.length;
    const effect = median(list.map((c) => Math.max(0, c.effect)));
    const p = fisherCombine(list.map((c) => c.p));
    if (!(p < alpha)) continue;
    out.push({
      service, list, consistency, effect, p, score: effect * consistency,
      impactMs: grown.reduce((s, c) => s + Math.max(0, c.perTraceMs), 0),
    });
  }
  return out.sort((a, b) => b.score - a.score);
}

/**
 * remoteGap detector: per callee service, its in-edges — the common end of the grown edges is to blame. Usually that
 * is the callee (every caller of X waits longer for X). But when the gap grew on the out-edges of ONE caller to several
 * different callees (at least two, and at least two thirds of the callees it reaches, each stretched alike: the smallest
 * log-ratio of the grown gaps at least a third of the largest — or, when one call waits far longer than the rest, the
 * same of its other calls, at least two of them), and no other caller of those callees waits longer for them, the
 * common end is the caller: every call it makes waits on its side (network delay or
 * CPU starvation at the caller), and its edges are scored as the caller's.
 */
export function remoteGap(edges: EdgeChange[], alpha: number): GapFinding[] {
  const out = new Map<string, EdgeChange[]>();
  for (const e of edges) {
    const l = out.get(e.caller);
    if (l) l.push(e);
    else out.set(e.caller, [e]);
  }
  const grewInto = (callee: string, except: string) => edges.some((e) => e.callee === callee && e.caller !== except && e.grew);
  const callerSide = new Set<string>();
  for (const [caller, list] of out) {
    const grown = list.filter((e) => e.grew && !grewInto(e.callee, caller));
    // a cause at the caller (its network, its CPU) stretches all its calls' waits alike; one callee ×50 later next to
    // another ×1.7 (the caller's process busier while it waits) is a delay at that callee
    const added = grown.map((e) => e.effect).sort((x, y) => x - y);
    const alike = (a: number[]) => a.length > 0 && a[0]! >= a[a.length - 1]! / 3;
    if (grown.length >= 2 && grown.length >= (2 / 3) * list.length && alike(added)) callerSide.add(caller);
    // one call may wait much longer than the rest (the caller starved right then): the others, at least two and two
    // thirds of its other calls, stretched alike still say the cause is at the caller
    else if (grown.length >= 3 && grown.length - 1 >= (2 / 3) * (list.length - 1) && alike(added.slice(0, -1))) callerSide.add(caller);
  }
  const sideOf = (e: EdgeChange) => (callerSide.has(e.caller) && !grewInto(e.callee, e.caller) ? 'caller' : 'callee');
  return scoreByService(edges, (e) => (sideOf(e) === 'caller' ? '\u0001' + e.caller : e.callee), alpha).map(({ list, service, ...f }) =>
    service.startsWith('\u0001') ? { ...f, service: service.slice(1), edges: list, side: 'caller' as const } : { ...f, service, edges: list, side: 'callee' as const },
  );
}

/** Per operation: did the exclusive (own, non-remote) time grow at the median? */
export function opChanges(b: RunFacts, i: RunFacts, alpha: number): OpChange[] {
  const out: OpChange[] = [];
  const devRef = pooledDeviations([...b.ops.values()].map((o) => o.self), SELF_FLOOR_MS);
  for (const [k, oi] of i.ops) {
    const ob: OpFacts | undefined = b.ops.get(k);
    // an operation called only twice in the incident is still tested (a rarely used service under CPU contention):
    // against the pooled shape of all operations' variation, as rarely called edges are
    if (!ob || ob.self.length < 3 || oi.self.length < 2) continue;
    const medB = median(ob.self);
    const medI = median(oi.self);
    // a floor of 0.1 ms keeps sub-millisecond jitter of trivial spans from reading as ×3
    const effect = deviation(medI, medB, SELF_FLOOR_MS);
    const t = mannWhitney(perTrace(ob.self, ob.selfTraces), perTrace(oi.self, oi.selfTraces), 'greater');
    const pMw = Number.isFinite(t.p) ? t.p : 1;
    const pExc = exceedance(devRef, ownDeviations(ob.self, ob.selfTraces, medB, SELF_FLOOR_MS), perTrace(oi.self.map((x) => deviation(x, medB, SELF_FLOOR_MS)), oi.selfTraces), Math.log(1.25));
    const p = Math.min(1, 2 * Math.min(pMw, pExc));
    const perTraceMs = oi.selfSumMs / Math.max(1, i.traces) - ob.selfSumMs / Math.max(1, b.traces);
    out.push({ service: oi.service, name: oi.name, nB: ob.self.length, nI: oi.self.length, medB, medI, effect, p, grew: effect >= Math.log(1.25) && p < alpha, perTraceMs });
  }
  return out;
}

/** serviceSlowdown detector: a service whose operations are slower at the median, consistently. */
export function serviceSlowdown(ops: OpChange[], alpha: number): SlowdownFinding[] {
  return scoreByService(ops, (o) => o.service, alpha).map(({ list, ...f }) => ({ ...f, ops: list }));
}
