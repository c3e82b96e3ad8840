/**
 * Service-level evidence: runs the service detectors (remote-call gap, per-service slowdown, vanished work) over the
 * shared run facts and scores each SERVICE by effect × consistency, the way an SRE reads a dashboard: "every caller
 * of X waits 2 s longer for it", "everything X does is 3× slower at the median", "X stopped calling its
 * dependencies". The ranker (analyze.ts) orders candidates by these scores plus the operation-level confidence.
 */
import type { AggDetail } from '../aggregate/tree';
import { fisherGreater, pValue as pText } from '../stats/index';
import { formatMs, possessive } from '../format';
import { textOrder } from './context';
import { collectFacts, edgeKey, type RunFacts } from './facts';
import { edgeChanges, opChanges, remoteGap, serviceSlowdown, type GapFinding, type SlowdownFinding } from './service-evidence';
import { vanishedWork, type VanishedFinding } from './vanished';

export interface ServiceScore {
  service: string;
  /** Σ of the detectors' effect × consistency (dimensionless, 0 = nothing) */
  score: number;
  /** smallest corrected p-value among its findings */
  p: number;
  gap?: GapFinding;
  slowdown?: SlowdownFinding;
  vanished?: VanishedFinding;
  /** a caller's path now stops right after this service answers (its answers unchanged): the next suspect after the caller */
  answered?: VanishedFinding;
  /**
   * a caller's requests now fail right after this service answers (the call to it is the last thing they do before
   * failing, its own answers not failing more): the next suspect after the caller, as for `answered`
   */
  failedAfter?: { caller: string; operation: string; rateB: number; rateI: number; share: number; p: number };
  /** one line per finding, for the candidate's evidence */
  evidence: string[];
  /** the detector with the largest share of the score */
  lead: 'remote_gap' | 'service_slowdown' | 'vanished_work';
  /** the operation to name for it: the callee's most-called entry, the most slowed operation, the one that stopped calling */
  operation: string;
  /** remote_gap on the callee side: its operations the grown edges reach (most called first) */
  calleeOps?: string[];
  impactMs: number;
}

/**
 * A finding counts when its score reaches this: effect (the median over ALL the service's items, so a slowdown of fewer
 * than half of them has none) × consistency (the share that grew) — e.g. ×1.35 at the median on every item, or ×1.6 on
 * 2 items of 3. (The median over the grown items only was tried on 2026-12-07: one more false alarm in the 16 real
 * no-fault pairs and a lower halves/injected figure, for no gain on the dev set.)
 */
export const MIN_SERVICE_SCORE = 0.3;

const fmt = formatMs;
const pct = (x: number) => Math.round(x * 100) + '%';

/** The operation called most often (first of the largest counts), '' when there is none. */
/** most calls first, then by name: the order of the rows in the file decides nothing */
const byCalls = (x: [string, number], y: [string, number]) => y[1] - x[1] || textOrder(x[0], y[0]);
const mostCalled = (ops: Map<string, number> | undefined): string => (ops ? [...ops.entries()].sort(byCalls)[0]?.[0] ?? '' : '');
/** a gap finding's edges as listed: grown first, the largest growth of the median first, then by name */
const listed = <E extends { grew: boolean; medB: number; medI: number; caller: string; callee: string }>(edges: readonly E[]) =>
  [...edges].sort((x, y) => Number(y.grew) - Number(x.grew) || (y.medI - y.medB) - (x.medI - x.medB) || textOrder(`${x.caller}\u0000${x.callee}`, `${y.caller}\u0000${y.callee}`));

export interface ServiceEvidenceResult {
  services: ServiceScore[];
  facts: { b: RunFacts; i: RunFacts };
}

export function serviceEvidence(b: AggDetail, i: AggDetail, alpha: number, disable: readonly string[] = []): ServiceEvidenceResult {
  const fb = collectFacts(b);
  const fi = collectFacts(i);
  const services = new Set([...fb.services, ...fi.services]);
  // Bonferroni over services: each detector asks "which service?" once per service
  const a = alpha / Math.max(1, services.size);
  const gaps = disable.includes('remote_gap') ? [] : remoteGap(edgeChanges(fb, fi, alpha), a);
  const slow = disable.includes('service_slowdown') ? [] : serviceSlowdown(opChanges(fb, fi, alpha), a);
  const van = disable.includes('vanished_work') ? [] : vanishedWork(fb, fi, alpha);
  const by = new Map<string, ServiceScore>();
  const get = (service: string) => {
    let s = by.get(service);
    if (!s) by.set(service, (s = { service, score: 0, p: 1, evidence: [], lead: 'remote_gap', operation: '', impactMs: 0 }));
    return s;
  };
  const best = new Map<string, number>();
  const lead = (s: ServiceScore, kind: ServiceScore['lead'], score: number, op: string) => {
    if (score > (best.get(s.service) ?? -1)) {
      best.set(s.service, score);
      s.lead = kind;
      s.operation = op;
    }
  };
  for (const g of gaps) {
    if (g.score < MIN_SERVICE_SCORE / 2) continue;
    const s = get(g.service);
    s.gap = g;
    s.score += g.score;
    s.p = Math.min(s.p, g.p);
    s.impactMs += g.impactMs;
    const grown = g.edges.filter((e) => e.grew);
    if (g.side === 'caller') {
      lead(s, 'remote_gap', g.score, '');
      s.evidence.push(
        `every call ${g.service} makes waits longer on its side (network delay or CPU starvation at ${g.service}): the time between its span and the callee's span grew on ${grown.length} of its ${g.edges.length} callees, median per call: ` +
          listed(g.edges).map((e) => `→ ${e.callee} ${fmt(e.medB)} → ${fmt(e.medI)}${e.pooled ? ' (baseline: all remote calls, too few on this edge)' : ''}`).join('; ') +
          `; no other caller of those services waits longer for them (${pText(g.p)})`,
      );
      continue;
    }
    const ops = new Map<string, number>();
    for (const e of grown) for (const [n, c] of fi.edges.get(edgeKey(e.caller, e.callee))?.calleeOps ?? []) ops.set(n, (ops.get(n) ?? 0) + c);
    const op = mostCalled(ops);
    lead(s, 'remote_gap', g.score, op);
    s.calleeOps = [...ops.entries()].sort(byCalls).map(([n]) => n);
    s.evidence.push(
      `time between the caller's span and ${possessive(g.service)} span (network, accept queue) grew on ${grown.length} of ${g.edges.length} caller${g.edges.length === 1 ? '' : 's'}, median per call: ` +
        listed(g.edges).map((e) => `${e.caller} ${fmt(e.medB)} → ${fmt(e.medI)}${e.pooled ? ' (baseline: all remote calls, too few on this edge)' : ''}`).join('; ') +
        ` (${pText(g.p)})`,
    );
  }
  for (const f of slow) {
    if (f.score < MIN_SERVICE_SCORE / 2) continue;
    const s = get(f.service);
    s.slowdown = f;
    s.score += f.score;
    s.p = Math.min(s.p, f.p);
    s.impactMs += f.impactMs;
    const grown = f.ops.filter((o) => o.grew).sort((x, y) => y.perTraceMs - x.perTraceMs || y.effect - x.effect);
    lead(s, 'service_slowdown', f.score, grown[0]?.name ?? '');
    s.evidence.push(
      `${f.service} is slower at the median on ${grown.length} of its ${f.ops.length} operations (median own time per span, before → after): ` +
        grown.slice(0, 4).map((o) => `${o.name} ${fmt(o.medB)} → ${fmt(o.medI)}`).join('; ') +
        (grown.length > 4 ? '; …' : '') + ` (${pText(f.p)})`,
    );
  }
  const stopList = (v: VanishedFinding) =>
    v.children.slice(0, 3).map((c) => `${c.childService} (${c.step ? `through its step ${c.child}` : c.child}): went on after it in ${pct(c.rateB)} → ${pct(c.rateI)} of calls`).join('; ');
  // the other reading of a path that stops right after a call: the callee answered as before (same work, same time)
  // but with something the caller could not use — an early return of a wrong value, an exception mapped to a normal
  // reply. It is the next suspect, at half the weight: the path stops in the caller.
  const answeredReading = (v: VanishedFinding) => {
    const callee = v.children[0]!.childService;
    if (callee === v.service) return;
    const c = get(callee);
    if (c.vanished || c.answered) return;
    const op = mostCalled(fi.edges.get(edgeKey(v.service, callee))?.calleeOps);
    c.answered = v;
    c.score += v.score / 2;
    c.p = Math.min(c.p, v.p);
    lead(c, 'vanished_work', v.score / 2, op);
    c.evidence.push(
      `${v.service} / ${v.operation} now stops right after ${callee}${op ? ` / ${op}` : ''} answers: it went on after that call in ${pct(v.children[0]!.rateB)} → ${pct(v.children[0]!.rateI)} of calls (${pText(v.p)}). ${possessive(callee)} answers look as before in time and work, so either ${v.service} fails on them or ${callee} now returns something it cannot use (an early return of a wrong value, a failure without an error status)`,
    );
  };
  for (const v of van) {
    if (v.score < MIN_SERVICE_SCORE / 2) continue;
    const s = get(v.service);
    if (s.vanished) {
      // the service's stop is counted once, but a second path that stops in it right after a callee answered still
      // makes that callee the next suspect (a frontend stops after checkout, cut short, and checkout stops after
      // payment: payment is the next suspect after checkout)
      if (v.how === 'stops' && !v.children[0]?.calleeCut && v.children[0]!.childService !== v.service) {
        s.evidence.push(`${v.service} / ${v.operation} itself now stops right after calling ${stopList(v)} (${pText(v.p)})`);
        answeredReading(v);
      }
      continue;
    }
    s.vanished = v;
    s.score += v.score;
    s.p = Math.min(s.p, v.p);
    lead(s, 'vanished_work', v.score, v.operation);
    if (v.how === 'stops' && v.children[0]?.calleeCut) {
      s.evidence.push(
        `${v.children[0].parentService} / ${v.operation} now stops right after calling ${v.children[0].childService}, whose answers were cut short (${v.children[0].calleeCut}): ` +
          v.children.slice(0, 3).map((c) => `the caller went on after ${c.step ? `its step ${c.child} (the call to ${c.childService})` : c.child} in ${pct(c.rateB)} → ${pct(c.rateI)} of calls`).join('; ') +
          ` (${pText(v.p)})`,
      );
      continue;
    }
    if (v.how === 'stops') {
      s.evidence.push(`${v.service} / ${v.operation} now stops right after calling ${stopList(v)} (${pText(v.p)})`);
      answeredReading(v);
      continue;
    }
    const bare = v.children[0]?.childless;
    if (bare) {
      s.evidence.push(
        `${v.service} / ${v.operation} now answers part of its requests without ${!v.children.some((c) => c.dependency) ? 'the work it used to do' : 'calling its dependencies'}: calls that call nothing ${pct(bare.baseline)} → ${pct(bare.incident)} of its calls; ` +
          v.children.slice(0, 4).map((c) => `${c.outgoing ? `its outgoing calls (${c.child})` : `${c.childService} / ${c.child}`} ${c.rateB.toFixed(2)} → ${c.rateI.toFixed(2)} per call`).join('; ') +
          ` (${pText(v.p)})`,
      );
      continue;
    }
    s.evidence.push(
      `${v.service} / ${v.operation} ${!v.children.some((c) => c.dependency) ? 'now skips work it used to do' : 'stopped calling its dependencies'}: ` +
        v.children.slice(0, 4).map((c) => `${c.outgoing ? `its outgoing calls (${c.child})` : `${c.childService} / ${c.child}`} ${c.rateB.toFixed(2)} → ${c.rateI.toFixed(2)} per call`).join('; ') +
        ` (${v.vanished} of its ${v.regular} regular calls, ${pct(v.consistency)}; ${pText(v.p)})`,
    );
  }
  // requests that now fail right after a callee answered: the request fails in the caller (its error handler ran, no
  // failed span below it), but the call to X is, nearly every time, the last thing it did — either the caller fails on
  // X's answer or X returned something it cannot use (an exception mapped to a reply, a wrong value). X is the next
  // suspect at half the weight, as for a path that stops right after X (where X's own answers fail more, X's own
  // errors are the finding already)
  // operations whose own failures rose by 20 points, once: the failing callers, and the services that fail more
  const ownRate = (o: { ownFailed: number; calls: number } | undefined) => (o && o.calls ? o.ownFailed / o.calls : 0);
  const failingMore = [...fi.ops].filter(([k, oi]) => oi.calls > 0 && ownRate(oi) >= ownRate(fb.ops.get(k)) + 0.2);
  const failsMore = new Set(failingMore.map(([, oi]) => oi.service));
  for (const [k, oi] of failingMore) {
    const ob = fb.ops.get(k);
    if (!ob || ob.calls < 3 || oi.ownFailed < 3) continue;
    const fB = ownRate(ob);
    const fI = ownRate(oi);
    const top = [...oi.failedAfter.entries()].sort((x, y) => y[1] - x[1])[0];
    if (!top || top[1] < 0.8 * oi.ownFailed) continue;
    const [callee, n] = top;
    if (callee === oi.service || failsMore.has(callee)) continue;
    const p = Math.min(1, fisherGreater(ob.ownFailed, ob.calls, oi.ownFailed, oi.calls) * Math.max(1, services.size));
    if (!(p < alpha)) continue;
    const c = get(callee);
    if (c.vanished || c.answered || c.failedAfter) continue;
    const score = Math.log((1 - fB) / Math.max(1 - fI, (1 - fB) / 20)) / 2;
    c.failedAfter = { caller: oi.service, operation: oi.name, rateB: fB, rateI: fI, share: n / oi.ownFailed, p };
    c.score += score;
    c.p = Math.min(c.p, p);
    const op = mostCalled(fi.edges.get(edgeKey(oi.service, callee))?.calleeOps);
    lead(c, 'vanished_work', score, op);
    c.evidence.push(
      `${oi.service} / ${oi.name} now fails right after ${callee}${op ? ` / ${op}` : ''} answers: it fails in ${pct(fB)} → ${pct(fI)} of calls, and its call to ${callee} was the last thing it did in ${pct(n / oi.ownFailed)} of those failures (${pText(p)}). ${possessive(callee)} own answers do not fail more, so either ${oi.service} fails on them or ${callee} now returns something it cannot use (an exception mapped to a reply, a wrong value)`,
    );
  }
  const out = [...by.values()].filter((s) => s.score >= MIN_SERVICE_SCORE && s.p < alpha).sort((x, y) => y.score - x.score);
  return { services: out, facts: { b: fb, i: fi } };
}
