/**
 * Work that vanished: an operation that used to call its dependencies (or run its own steps) now returns without them
 * (an early return, an exception raised before the calls, a fail-fast on a broken dependency). With no error status in the
 * data this is often the only mark a failure leaves. Per operation P (not itself a remote-call span) and child
 * operation C: the rate of C per call of P fell (exact conditional test of two Poisson rates). The service where the
 * path stops is blamed: P's service when it no longer calls on, or the callee X of P's last remaining remote call
 * when the calls that used to come after X are the ones that vanished (the trace stops right after a call to X).
 */
import { fisherGreater, mannWhitney, quantileSorted, rateDropTest, taroneFactor } from '../stats/index';
import { CALL_ROLE, opId, perTrace, type RunFacts } from './facts';
import { isErrorHandlerName } from '../model/failed';
import { possessive } from '../format/index';
import type { ServiceFinding } from './service-evidence';

export interface VanishedChild {
  parent: string;
  parentService: string;
  child: string;
  childService: string;
  rateB: number;
  rateI: number;
  p: number;
  /** a call to a dependency (a remote-call span or a span of another service), not one of the service's own steps */
  dependency: boolean;
  /** stops only: the child is one of the caller's own steps that ends with the call to `childService` */
  step?: boolean;
  /** stops only: how the callee's own answers were cut short (then the callee is blamed) */
  calleeCut?: string;
  /** stops only: the callee's answers were cut short by failing (an error status / HTTP 5xx), said in calleeCut */
  calleeFailed?: boolean;
  /** the child is the service's outgoing calls named like its handlers (e.g. "GET"): said as its outgoing calls */
  outgoing?: boolean;
  /** calls only: found by the share of the operation's calls that made no call at all (before → after) */
  childless?: { baseline: number; incident: number };
}

export interface VanishedFinding extends ServiceFinding {
  /** 'calls': calls below the operation vanished; 'stops': the operation stops right after a call it used to go on from */
  how: 'calls' | 'stops';
  /** the operation whose calls vanished below it */
  operation: string;
  children: VanishedChild[];
  /** how many of the operation's regular children vanished (out of) */
  vanished: number;
  regular: number;
}

const MIN_CALLS = 5;
/** a stop counts when the share of calls going on after a call fell to at most this fraction of the baseline's */
const STOPPED_SHARE = 0.8;
const REGULAR = 0.2;
/** calls that make none of their regular calls: a rise of at least this share (20 points) counts */
const CHILDLESS_RISE = 0.2;
/** a callee cut short on part of its calls: at least this share of its answers below the baseline's 5th percentile */
const FAST_SHARE = 0.25;
/** …and "sooner" means at most this fraction of the baseline's median answer */
const FAST_OF_MEDIAN = 0.6;

export function vanishedWork(b: RunFacts, i: RunFacts, alpha: number): VanishedFinding[] {
  const out: VanishedFinding[] = [];
  // each test's smallest attainable p-value (Tarone): how many tests count in the Bonferroni factor
  const minPs: number[] = [];
  const found: { op: string; service: string; name: string; list: VanishedChild[]; regular: number; callsI: number }[] = [];
  for (const [k, pi] of i.ops) {
    const pb = b.ops.get(k);
    if (!pb || pb.calls < MIN_CALLS || pi.calls < MIN_CALLS) continue;
    // a remote-call span's children are whatever the callee runs: a changed mix there is traffic, not vanished work
    if (pb.remoteCalls > 0.5 * pb.calls) continue;
    // work vanished only when the operation does less below it overall (a branch replaced by another is not)
    // an error handler that no longer runs is failures going away, not work that vanished
    const work = (ck: string) => !isErrorHandlerName((b.ops.get(ck) ?? i.ops.get(ck))?.name ?? '');
    let totB = 0;
    let totI = 0;
    for (const [ck, v] of pb.children) if (work(ck)) totB += v;
    for (const [ck, v] of pi.children) if (work(ck)) totI += v;
    if (totI / pi.calls > 0.75 * (totB / pb.calls)) continue;
    // the regular children: calls to dependencies and the service's own steps (an early return skips both)
    const regulars: { child: VanishedChild; kB: number; kI: number }[] = [];
    for (const [ck, kB] of pb.children) {
      const rateB = kB / pb.calls;
      if (rateB < REGULAR) continue;
      const cb = b.ops.get(ck);
      if (!cb || !work(ck)) continue;
      const kI = pi.children.get(ck) ?? 0;
      // the drop test conditions on the total count: at best none of it falls in the incident
      minPs.push(rateDropTest(kB + kI, pb.calls, 0, pi.calls));
      const c = i.ops.get(ck) ?? cb;
      const dependency = cb.service !== pb.service || cb.remoteCalls > 0.5 * cb.calls;
      const child: VanishedChild = { parent: pi.name, parentService: pi.service, child: c.name, childService: c.service, rateB, rateI: kI / pi.calls, p: 1, dependency, ...(ck.endsWith(CALL_ROLE) ? { outgoing: true } : {}) };
      regulars.push({ child, kB, kI });
    }
    const regular = regulars.length;
    // a call whose rate fell to half or less (exact rate test)
    const list = regulars.filter((x) => x.child.rateI <= 0.5 * x.child.rateB).map((x) => ({ ...x.child, p: rateDropTest(x.kB, pb.calls, x.kI, pi.calls) }));
    if (list.length) found.push({ op: k, service: pi.service, name: pi.name, list, regular, callsI: pi.calls });
    if (regular > 0) {
      // part of the calls now make none of them: an exception or early return on some requests (a share of them, so no
      // single call's rate fell by half). The share of calls without any child span rose (Fisher's exact test)
      const bareB = pb.calls - pb.withChildren;
      const bareI = pi.calls - pi.withChildren;
      minPs.push(fisherMin(bareB + bareI, pb.calls, pi.calls));
      const sB = bareB / pb.calls;
      const sI = bareI / pi.calls;
      if (sB > REGULAR || sI < sB + CHILDLESS_RISE) continue;
      const p = fisherGreater(bareB, pb.calls, bareI, pi.calls);
      const dropped = regulars.filter((x) => x.child.rateI < x.child.rateB).map((x) => ({ ...x.child, p, childless: { baseline: sB, incident: sI } }));
      if (dropped.length) found.push({ op: k, service: pi.service, name: pi.name, list: dropped, regular, callsI: pi.calls });
    }
  }
  const tests = taroneFactor(minPs, alpha);
  const done = new Set<string>();
  for (const f of found) {
    // one finding per operation: its vanished calls, else the share of its calls that make none
    if (done.has(f.op)) continue;
    // the calls that vanished most first (then the surer): the evidence lists them in that order
    const sig = f.list.filter((v) => v.p * Math.max(1, tests) < alpha).sort(mostRarerFirst);
    if (sig.length === 0) continue;
    done.add(f.op);
    out.push(finding('calls', f, sig, tests, sig.length / f.regular));
  }
  out.push(...stopsAfter(b, i, alpha));
  // the deepest stop wins: a caller that stops after calling a service which itself stopped calling on is not where
  // the path ends
  const stopped = new Set(out.map((f) => f.service));
  for (const f of out) if (f.children.every((c) => c.childService !== f.service && stopped.has(c.childService))) f.score *= 0.5;
  return out.sort((a, b2) => b2.score - a.score);
}

/**
 * Traces that stop right after a call: operation P used to go on with other work after its call to X and now returns
 * right after it (an exception or early return in P once X answered, or a failure X reported without an error status).
 * Per (P, call to X): the share of P's spans that went on after the call, baseline vs incident (each call goes on or
 * not: Fisher's exact test on the two shares). A call made through one of P's own steps (a ChargeCard step that calls
 * the payment service) counts as the call. Blame P's service — the path stops there — unless X itself stopped calling on (the deeper stop wins).
 */
export function stopsAfter(b: RunFacts, i: RunFacts, alpha: number): VanishedFinding[] {
  const found: { service: string; name: string; list: VanishedChild[]; regular: number }[] = [];
  const minPs: number[] = [];
  for (const [k, pi] of i.ops) {
    const pb = b.ops.get(k);
    if (!pb || pb.after.size === 0) continue;
    const list: VanishedChild[] = [];
    let regular = 0;
    for (const [ck, ab] of pb.after) {
      const ai = pi.after.get(ck);
      if (!ai || ab.n < MIN_CALLS || ai.n < MIN_CALLS) continue;
      const fb = ab.cont / ab.n;
      if (fb < 0.5) continue; // the baseline did not usually go on after this call
      regular++;
      minPs.push(fisherMin(ab.n - ab.cont + ai.n - ai.cont, ab.n, ai.n));
      const fi = ai.cont / ai.n;
      // at least a fifth of the going-on stopped (an exception on some requests stops some of them), and significantly
      if (fi > STOPPED_SHARE * fb) continue;
      // did the share that stops rise? (a share of calls, not a rate of events: 18 of 18 going on before, 0 of 7 now is
      // p = 1/C(25, 7) ≈ 2e-6, where a Poisson rate test on the same counts says 0.003)
      const p = fisherGreater(ab.n - ab.cont, ab.n, ai.n - ai.cont, ai.n);
      list.push({ parent: pi.name, parentService: pi.service, child: ab.child, childService: ab.callee, rateB: fb, rateI: fi, p, dependency: true, ...(ab.step ? { step: true } : {}) });
    }
    if (list.length) found.push({ service: pi.service, name: pi.name, list, regular });
  }
  const out: VanishedFinding[] = [];
  const tests = taroneFactor(minPs, alpha);
  // the incident's remote-call edges by caller, most calls first (to follow a cut answer down)
  const outEdges = new Map<string, { callee: string; calls: number }[]>();
  for (const e of i.edges.values()) {
    const l = outEdges.get(e.caller);
    if (l) l.push({ callee: e.callee, calls: e.calls });
    else outEdges.set(e.caller, [{ callee: e.callee, calls: e.calls }]);
  }
  for (const l of outEdges.values()) l.sort((x, y) => y.calls - x.calls);
  for (const f of found) {
    // the sharpest stop first (going on after it fell most; then the surer): a path that now always ends after its
    // call to X still goes on after the calls it makes before X, only less often — X is where it stops
    const sig = f.list.filter((v) => v.p * Math.max(1, tests) < alpha).sort(mostRarerFirst);
    if (sig.length === 0) continue;
    // where does the path stop? When the callee's answers to this caller got cut short (its entry operation does less
    // below it, or ends much sooner), the callee failed fast and the caller only gave up: blame the callee
    let cut = sig.map((v) => calleeCutShort(b, i, f.service, v.childService, alpha)).find((c) => c !== null);
    // …and when that callee's own answers were cut short because one of ITS callees' answers to it were (a checkout
    // cut short by a cart that fails under it), the failure starts there: follow the cut down (a few levels at most)
    for (let depth = 0; cut && !cut.failed && depth < 4; depth++) {
      const from = cut.service;
      let deeper: ReturnType<typeof calleeCutShort> = null;
      for (const e of outEdges.get(from) ?? []) {
        if (e.callee === from || e.callee === f.service) continue;
        if ((deeper = calleeCutShort(b, i, from, e.callee, alpha))) break;
      }
      if (!deeper) break;
      cut = { ...deeper, how: `${cut.how}, because ${possessive(deeper.service)} answers to ${from} were cut short under it: ${deeper.how}` };
    }
    if (cut) {
      f.service = cut.service;
      for (const v of sig) {
        v.calleeCut = cut.how;
        if (cut.failed) v.calleeFailed = true;
      }
    }
    // one path that stops: its effect (how much rarer going on became) already says how many requests stop, so it is
    // not weighed a second time (a fail-fast on 40 % of the requests, p = 1e-28, is a finding); a callee that only
    // passes on a failure from below it is a messenger: half the weight, as for the deeper stop below
    const v = finding('stops', f, sig, tests, 1);
    if (cut?.relayed) v.score *= 0.5;
    out.push(v);
  }
  return out;
}

/** The smallest p Fisher's one-sided test can give with `k` events over `nB` + `nI` trials: all of them in the incident. */
const fisherMin = (k: number, nB: number, nI: number) => fisherGreater(Math.max(0, k - nI), nB, Math.min(k, nI), nI);

/** The calls whose going-on (or rate) fell most first, then the surer. */
const mostRarerFirst = (x: VanishedChild, y: VanishedChild) => x.rateI / x.rateB - y.rateI / y.rateB || x.p - y.p;

/**
 * One finding: effect = mean log of how much rarer the vanished calls (or the going-on) became, capped ("never" = 1/20
 * of before); p = the smallest of its tests, Bonferroni over the tests that could have been significant (Tarone);
 * score = effect × consistency.
 */
function finding(how: VanishedFinding['how'], f: { service: string; name: string; regular: number }, sig: VanishedChild[], tests: number, consistency: number): VanishedFinding {
  const effect = sig.reduce((s, v) => s + Math.log(v.rateB / Math.max(v.rateI, v.rateB / 20)), 0) / sig.length;
  const p = Math.min(1, Math.min(...sig.map((v) => v.p)) * Math.max(1, tests));
  return {
    how, service: f.service, operation: f.name, children: sig, vanished: sig.length, regular: f.regular,
    consistency, effect, p, score: effect * consistency, impactMs: 0,
  };
}

/**
 * Did `callee`'s answers to `caller` get cut short? Its entry operations reached from the caller (the remote-call
 * edge's callee operations) now fail (+20 points, error status / HTTP 5xx, Fisher), have fewer child spans per call
 * (≥ 25 % fewer, exact rate test), a median duration at most 0.7× the baseline's (Mann-Whitney on one median per
 * trace: a trace's calls are not independent), or ≥ 25 % of answers under both the baseline's 5th percentile and 0.6×
 * its median (a fail-fast on part of the calls; Fisher). Null when its answers look as before — then the caller
 * stopped on its own.
 */
function calleeCutShort(b: RunFacts, i: RunFacts, caller: string, callee: string, alpha: number): { service: string; how: string; failed?: boolean; relayed?: boolean } | null {
  if (callee === caller) return null;
  const eb = b.edges.get(caller + '\u0000' + callee);
  const ei = i.edges.get(caller + '\u0000' + callee);
  if (!eb || !ei) return null;
  for (const [name] of [...ei.calleeOps].sort((x, y) => y[1] - x[1])) {
    const ob = b.ops.get(opId(callee, name));
    const oi = i.ops.get(opId(callee, name));
    if (!ob || !oi || ob.calls < MIN_CALLS || oi.calls < MIN_CALLS) continue;
    // its answers now fail (an error status, an HTTP 5xx): the caller gave up on a failure
    const fB = ob.failed / ob.calls;
    const fI = oi.failed / oi.calls;
    if (fI >= fB + 0.2 && fisherGreater(ob.failed, ob.calls, oi.failed, oi.calls) < alpha) {
      // most of the added failures come from further below (a failed span under its answers): it passes a deeper
      // failure on — the finding there is the origin, this stop is its knock-on
      const relayed = oi.ownFailed - ob.ownFailed < 0.5 * (oi.failed - ob.failed);
      return { service: callee, how: `${callee} / ${name} now fails in ${Math.round(100 * fI)}% of calls (was ${Math.round(100 * fB)}%)${relayed ? ', a failure from further below it' : ''}`, failed: true, ...(relayed ? { relayed } : {}) };
    }
    let kB = 0;
    let kI = 0;
    for (const v of ob.children.values()) kB += v;
    for (const v of oi.children.values()) kI += v;
    const rB = kB / ob.calls;
    const rI = kI / oi.calls;
    if (rB > 0 && rI <= 0.75 * rB && rateDropTest(kB, ob.calls, kI, oi.calls) < alpha)
      return { service: callee, how: `${callee} / ${name} does less below it: ${rB.toFixed(2)} → ${rI.toFixed(2)} child spans per call` };
    const mw = mannWhitney(perTrace(ob.dur, ob.durTraces), perTrace(oi.dur, oi.durTraces), 'less');
    const sortedB = Float64Array.from(ob.dur).sort();
    const mB = quantileSorted(sortedB, 0.5);
    const mI = quantileSorted(Float64Array.from(oi.dur).sort(), 0.5);
    if (mw.p < alpha && mI <= 0.7 * mB)
      return { service: callee, how: `${callee} / ${name} answers sooner: median ${mB.toFixed(1)} ms → ${mI.toFixed(1)} ms` };
    // a fail-fast on part of the requests (the median of a half-failing callee need not move): a share of its answers
    // now comes under the baseline's 5th percentile AND well under its median — a fail-fast answer skips the work; a
    // callee that only got less busy (e.g. because a caller stopped) answers somewhat sooner, not at a fraction
    const lowB = Math.min(quantileSorted(sortedB, 0.05), FAST_OF_MEDIAN * mB);
    const kLowB = ob.dur.filter((v) => v < lowB).length;
    const kLowI = oi.dur.filter((v) => v < lowB).length;
    if (oi.dur.length >= MIN_CALLS && kLowI / oi.dur.length >= FAST_SHARE && fisherGreater(kLowB, ob.dur.length, kLowI, oi.dur.length) < alpha)
      return { service: callee, how: `${callee} / ${name} answers part of its calls sooner than before: ${Math.round((100 * kLowI) / oi.dur.length)}% of them under ${lowB.toFixed(2)} ms (baseline ${Math.round((100 * kLowB) / ob.dur.length)}%)` };
  }
  return null;
}
