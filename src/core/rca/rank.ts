/**
 * The ranker: runs the detectors, merges findings on the same operation, refines the leading ones (attribute,
 * saturation), tests them on the exact data, orders them by SERVICE (service-level evidence + the best operation
 * confidence) and takes the one regression decision; marks the diff tree and resolves source links.
 */
import { codeAttrsByOperation, opKey } from '../source/code-attrs';
import { combineLinks } from '../source/link';
import { pValue as pText } from '../stats/index';
import { KIND_LABEL, possessive } from '../format';
import { Diagnosis, type Candidate, type SourceLink, type Split } from './diagnosis';
import { fmt, inTime, label, restateErrors, restateVerdict, subtreeCritical, waitWords, type Cand, type Ctx, type NodeAt } from './context';
import type { DiagnoseOptions, SourceLookup } from './analyze';
import type { ServiceScore } from './service-rank';
import { newOperation } from './new-operation';
import { selfTime } from './self-time';
import { fanOut } from './fan-out';
import { errorsAt } from './errors';
import { serialization } from './serialization';
import { operationLevel } from './operation-wide';
import { refineByAttribute } from './attribute';
import { refineByConcurrency } from './saturation';
import { toSig } from './significance';
import { readWait } from './capacity';
import { markWaits } from './waits-on';

/** Every operation-level detector over every node of the diff, then the operation-wide view. */
export function generate(ctx: Ctx): Cand[] {
  const { diff } = ctx;
  const out: Cand[] = [];
  const sub = subtreeCritical(diff);
  const retried = new Set<number>();
  for (let d = 1; d < diff.nodes.length; d++) {
    const node = diff.nodes[d]!;
    const B = node.baseline;
    const I = node.incident;
    if (!I) continue;
    const parent = diff.nodes[node.parent]!;
    if (!B) {
      newOperation(ctx, d, node, parent, sub.i[d]!, out);
      continue;
    }
    const at: NodeAt = { d, node, parent, B, I, dSub: sub.i[d]! - sub.b[d]!, sub };
    selfTime(ctx, at, out);
    const fanned = fanOut(ctx, at, out, retried);
    if (!fanned && !retried.has(d)) errorsAt(ctx, at, out);
    serialization(ctx, at, out);
  }
  operationLevel(ctx, out);
  return out;
}

export function merge(cands: Cand[]): Cand[] {
  const by = new Map<string, Cand[]>();
  for (const c of cands) {
    // error findings stay separate from latency findings on the same operation (their impact is often ~0)
    const k = opKey(c.service, c.name) + (c.kind === 'errors' ? '\u0000e' : '');
    const list = by.get(k);
    if (list) list.push(c);
    else by.set(k, [c]);
  }
  const out: Cand[] = [];
  for (const list of by.values()) {
    if (list.length === 1) {
      out.push(list[0]!);
      continue;
    }
    // a failing, retried operation is named as such even when another reading has a slightly larger impact
    list.sort((a, b) => (b.kind === 'retries' ? 1 : 0) - (a.kind === 'retries' ? 1 : 0) || b.impactMs - a.impactMs);
    const head = { ...list[0]!, evidence: [...list[0]!.evidence], nodes: [...list[0]!.nodes] };
    for (const c of list.slice(1)) {
      head.impactMs += c.impactMs;
      head.nodes.push(...c.nodes);
      if (c.impactMs < 0.05 * head.impactMs) continue; // negligible side readings add noise, not evidence
      if (c.kind !== head.kind && c.impactMs > 0) head.evidence.push(`also ${KIND_LABEL[c.kind] ?? c.kind.replace('_', ' ')}: ${c.summary} (effect ${fmt(c.impactMs)} per trace)`);
      else if (c.kind === head.kind && c.impactMs > 0 && head.evidence.length < 8) head.evidence.push(`same on another call path: ${fmt(c.impactMs)} per trace`);
    }
    out.push(head);
  }
  return out;
}

export function resolveSources(ctx: Ctx, opts: DiagnoseOptions): SourceLookup {
  const fromAttrs = new Map<string, SourceLink>();
  for (const det of [ctx.b, ctx.i]) {
    if (!det) continue;
    for (const [k, v] of codeAttrsByOperation(det.model)) if (!fromAttrs.has(k)) fromAttrs.set(k, v);
  }
  const idx = opts.sourceIndex;
  const search: SourceLookup | undefined =
    typeof idx === 'function' ? idx : idx ? (service, name) => idx.best(name, service) : undefined;
  return (service, name) => combineLinks(fromAttrs.get(opKey(service, name)), search?.(service, name)); // source-link hook (src/core/source/link.ts)
}

const KIND_OF_DETECTOR = { remote_gap: 'queueing', service_slowdown: 'self_time', vanished_work: 'stopped_work' } as const;

export function serviceCand(ctx: Ctx, s: ServiceScore): Cand {
  const { diff } = ctx;
  const nodes: number[] = [];
  let any = -1;
  for (let d = 1; d < diff.nodes.length; d++) {
    const n = diff.nodes[d]!;
    if (n.service !== s.service) continue;
    if (n.name === s.operation) nodes.push(d);
    if (any < 0 || (n.incident?.totalPerTraceMs ?? 0) > (diff.nodes[any]!.incident?.totalPerTraceMs ?? 0)) any = d;
  }
  if (nodes.length === 0 && any > 0) nodes.push(any);
  const name = nodes.length ? diff.nodes[nodes[0]!]!.name : s.operation;
  const wait = s.lead === 'remote_gap' ? { ...remoteGapWait(s.service, s.gap?.side === 'caller' ? 'caller' : 'callee'), ...(s.calleeOps ? { ops: s.calleeOps } : {}) } : undefined;
  const summary =
    wait
      ? wait.summary({ load: 'unknown' })
      : s.lead === 'service_slowdown'
        ? `${s.service} is slower across its operations at the median (CPU contention or a slower ${s.service})`
        : s.lead === 'vanished_work' && !s.vanished && !s.answered && s.failedAfter
          ? `${s.failedAfter.caller} / ${s.failedAfter.operation} now fails right after ${s.service} answers, though ${possessive(s.service)} own answers do not fail more — the next suspect after ${s.failedAfter.caller}: an answer it cannot use (an exception mapped to a reply, a wrong value)`
        : s.lead === 'vanished_work' && !s.vanished && s.answered
          ? `${s.answered.service} / ${s.answered.operation} now stops right after ${s.service} answers, though ${possessive(s.service)} answers look as before — the next suspect after ${s.answered.service}: an answer it cannot use (an early return of a wrong value, a failure without an error status)`
        : s.vanished?.how === 'stops' && s.vanished.children[0]?.calleeFailed
          ? `${s.service} fails: its answers to ${s.vanished.children[0].parentService} now fail and the caller stops right after (${s.vanished.children[0].calleeCut})`
        : s.vanished?.how === 'stops' && s.vanished.children[0]?.calleeCut
          ? `${s.service} fails fast: its answers to ${s.vanished.children[0].parentService} are cut short and the caller stops right after (an exception or early return in ${s.service}, without an error status)`
        : s.vanished?.how === 'stops'
          ? `${s.service} / ${s.operation} now stops right after calling ${s.vanished.children[0]?.childService ?? 'a dependency'} (an exception or early return in ${s.service}, or a failure reported without an error status${stopCallee(s) ? `; or ${stopCallee(s)} now answers something ${s.service} cannot use: the next suspect` : ''})`
          : `${s.service} / ${s.operation} ${s.vanished && !s.vanished.children.some((c) => c.dependency) ? 'now skips work it used to do' : 'stopped calling its dependencies'} (early return or failure without an error status)`;
  return {
    diffId: nodes[0] ?? 0, service: s.service, name, kind: KIND_OF_DETECTOR[s.lead], impactMs: s.impactMs, sig: 1 - s.p,
    evidence: [...s.evidence], summary, nodes, p: s.p, detector: s.lead, ...(wait ? { wait } : {}),
  };
}

/** The other service a path stops right after, whose answers look as before (a wrong value it returns reads the same). */
const stopCallee = (s: ServiceScore): string | null => {
  const c = s.vanished?.children[0];
  return c && c.childService && c.childService !== s.service && !c.calleeCut && !c.calleeFailed ? c.childService : null;
};

/** The words of a remote-gap finding for each reading of the service's load (./capacity.ts readWait). */
function remoteGapWait(service: string, side: 'callee' | 'caller'): NonNullable<Cand['wait']> {
  if (side === 'caller') {
    return { side, summary: () => `every call ${service} makes waits longer before the callee's span starts (network delay or CPU starvation at ${service})` };
  }
  const head = `calls to ${service} wait longer between the caller's span and ${possessive(service)} span`;
  return { side, summary: waitWords(head, service, `(network delay or a saturated ${service})`) };
}

/**
 * Order candidates by SERVICE: Σ of the service detectors' scores plus the best operation-level confidence of the
 * service; within a service, the operation-level order is kept, except that a service whose remote-gap or
 * stopped-work evidence outweighs its operation findings is headed by that finding. Services the operation-level
 * findings miss (or miss the kind of) get a candidate of their own; a service's head candidate carries the service
 * evidence.
 */
export function byService(ctx: Ctx, cands: Cand[], conf: (c: Cand) => number, scoreOut: Map<string, number>): Cand[] {
  // a retrying caller's added own time is backoff explained by the failing callee: no service evidence of its own
  const explained = new Set(cands.flatMap((c) => c.explains ?? []));
  const svc = (ctx.svc ?? []).filter((s) => !explained.has(s.service));
  const ev = new Map(svc.map((s) => [s.service, s]));
  const out = [...cands];
  // a service the operation-level findings miss gets a candidate of its own; so does one whose lead evidence is a
  // remote-call gap or work that stopped while its operation-level findings are of another kind (a few ms of own time
  // next to callers that wait a second longer for it): the finding its evidence is about
  const ofLead = (c: Cand, s: ServiceScore) => c.service === s.service && (c.detector === s.lead || (s.lead !== 'service_slowdown' && c.kind === KIND_OF_DETECTOR[s.lead]));
  for (const s of svc) {
    const mine = out.filter((c) => c.service === s.service);
    if (mine.length === 0 || (s.lead !== 'service_slowdown' && !mine.some((c) => ofLead(c, s)))) out.push(serviceCand(ctx, s));
  }
  markWaits(ctx, out);
  const opBest = new Map<string, number>();
  // an operation only the incident has is weak evidence on its own (a baseline can lack a path that failed half-way)
  const weight = (c: Cand) => (c.kind === 'new_operation' ? 0.5 : 1);
  // a caller's wait for a callee is the callee's evidence, not the caller's
  for (const c of out) if ((!c.detector || c.detector === 'operation') && !c.waitsOn) opBest.set(c.service, Math.max(opBest.get(c.service) ?? 0, weight(c) * conf(c)));
  // when only some kinds of request got slower, a service none of whose added time is in them does not explain them
  const rel = (service: string) => (ctx.relevance ? 0.25 + 0.75 * (ctx.relevance.get(service) ?? 0) : 1);
  // work that stopped where the path ends (not the half-weight "answered" reading) is worth at least its own
  // confidence: a fail-fast on part of the requests has a small effect score (log of how much rarer the calls became)
  // and no operation finding, and must not lose to any barely significant ms of own time elsewhere
  const stopConf = new Map<string, number>();
  for (const c of out) if (c.kind === 'stopped_work' && c.detector === 'vanished_work' && ev.get(c.service)?.vanished) stopConf.set(c.service, Math.max(stopConf.get(c.service) ?? 0, conf(c)));
  for (const c of out) scoreOut.set(c.service, Math.max((ev.get(c.service)?.score ?? 0) + (opBest.get(c.service) ?? 0), stopConf.get(c.service) ?? 0) * rel(c.service));
  // the next suspect after a failing caller comes after it: at most half the caller's score (the caller's failure is
  // an operation finding, its weight known only here)
  for (const s of svc) {
    if (!s.failedAfter || s.vanished || s.answered || s.gap || s.slowdown || !scoreOut.has(s.service)) continue;
    scoreOut.set(s.service, Math.min(scoreOut.get(s.service)!, 0.5 * (scoreOut.get(s.failedAfter.caller) ?? 1)));
  }
  const order = new Map<string, number>();
  out.forEach((c, k) => { if (!order.has(c.service)) order.set(c.service, k); });
  out.sort((a, b) => scoreOut.get(b.service)! - scoreOut.get(a.service)! || order.get(a.service)! - order.get(b.service)!);
  // the head of a service's group: when its service evidence weighs at least as much as its best operation finding,
  // the finding of the evidence's lead kind (the root cause line then says what the evidence says) — unless the
  // service is also slower across its own operations: then its own time leads (CPU contention shows in both)
  for (let k = 0; k < out.length; ) {
    let e = k;
    while (e < out.length && out[e]!.service === out[k]!.service) e++;
    const s = ev.get(out[k]!.service);
    if (s && s.lead !== 'service_slowdown' && !s.slowdown && s.score >= (opBest.get(s.service) ?? 0) && !ofLead(out[k]!, s)) {
      const h = out.slice(k, e).findIndex((c) => ofLead(c, s) && !c.waitsOn);
      if (h > 0) out.splice(k, 0, ...out.splice(k + h, 1));
    }
    // a service whose own spans now fail is said so first ("cart now fails in 65 % of calls"), ahead of the waits and
    // stops its failures cause, when that finding is about as sure as the head (within 10 %)
    const fails = out.slice(k, e).findIndex((c) => c.kind === 'errors' && !c.waitsOn);
    if (fails > 0 && conf(out[k + fails]!) >= 0.9 * conf(out[k]!)) out.splice(k, 0, ...out.splice(k + fails, 1));
    k = e;
  }
  // a finding that is only the wait for another service follows that service's findings (its explanation)
  const waiting = out.filter((c) => c.waitsOn);
  const ordered = out.filter((c) => !c.waitsOn);
  for (const w of waiting) {
    let at = -1;
    ordered.forEach((c, k) => { if (c.service === w.waitsOn) at = k; });
    while (at >= 0 && at + 1 < ordered.length && ordered[at + 1]!.waitsOn === w.waitsOn) at++;
    if (at < 0) ordered.push(w);
    else ordered.splice(at + 1, 0, w);
  }
  const headed = new Set<string>();
  return ordered.map((c) => {
    if (headed.has(c.service)) return c;
    headed.add(c.service);
    const s = ev.get(c.service);
    if (!s || c.detector) return c;
    return { ...c, evidence: [...c.evidence, ...s.evidence] };
  });
}

/** a baseline → incident pair of ms for the contract, to the µs; null when either side is missing or not finite */
function msPair(v: { baseline: number; incident: number } | undefined): { baseline: number; incident: number } | null {
  if (!v || !Number.isFinite(v.baseline) || !Number.isFinite(v.incident)) return null;
  return { baseline: Math.round(v.baseline * 1000) / 1000, incident: Math.round(v.incident * 1000) / 1000 };
}

/** the smallest end-to-end change (share of the baseline latency) a finding's time is weighed against */
const E2E_FLOOR = 0.05;

export function rank(ctx: Ctx, opts: DiagnoseOptions, latency: Diagnosis['latency'], slower: boolean, errorsUp: boolean, notes: string[], split?: Split): Diagnosis {
  const top = opts.top ?? 10;
  let cands = merge(generate(ctx));
  cands.sort((a, b) => b.impactMs - a.impactMs);
  // bound the work on trees with very many call paths: only the leading findings (and every error finding, they
  // rank differently) get exact-data tests and refinements; the rest are below them anyway
  const keep = Math.max(60, top * 3);
  if (cands.length > keep) {
    const errs = cands.slice(keep).filter((c) => c.kind === 'errors' || c.kind === 'retries').slice(0, keep);
    cands = [...cands.slice(0, keep), ...errs];
  }
  // attribute refinement for the leading latency findings
  let refined = 0;
  for (const c of cands) {
    if (refined >= 3) break;
    if (c.kind === 'self_time' || c.kind === 'queueing') {
      refineByAttribute(c, ctx);
      refineByConcurrency(c, ctx);
      refined++;
    }
  }
  toSig(ctx, cands);
  // a finding's share of the end-to-end change, taken by its size either way (requests that fail fast make the run
  // faster); when the run as a whole barely changed (one endpoint, a small service), against the smallest visible
  // change instead (E2E_FLOOR of the baseline latency): otherwise any finding with a few ms would explain "all" of a
  // change of ~0 and outrank the evidence of a service
  const e2e = Math.max(Math.abs(ctx.deltaE2E), E2E_FLOOR * Math.abs(latency?.baselineMs ?? 0), 1e-9);
  const minImpact = Math.max(1e-6, 0.002 * Math.abs(latency?.baselineMs ?? 0));
  cands = cands.filter((c) => {
    if (c.kind === 'errors' || c.kind === 'retries') return c.sig >= (ctx.tooFew ? 0 : 1 - ctx.alpha);
    if (c.impactMs <= minImpact) return false;
    return ctx.tooFew || c.sig >= 0.9;
  });
  const conf = (c: Cand) => {
    const share = Math.min(1, Math.max(0, c.impactMs) / e2e);
    // a failure (or work that stopped) costs little time per trace but is no less the answer
    const v = c.sig * (0.5 + 0.5 * (inTime(c.kind) ? share : Math.max(share, 0.5)));
    return Math.max(0, Math.min(ctx.tooFew ? 0.35 : 1, v));
  };
  const isErr = (c: Cand) => c.kind === 'errors' || c.kind === 'retries';
  // one decision: an operation whose own time grew beyond doubt (Bonferroni over the findings) by a visible share of
  // the end-to-end latency is a regression even when the mean trace is not significantly slower (one endpoint of many)
  // set when the one decision rests on a finding beyond doubt (the bar it cleared): nothing less sure leads then
  let gateBar: number | null = null;
  if (!slower && !ctx.tooFew && latency && !opts.disable?.includes('operation_gate')) {
    const visible = (c: Cand) => c.impactMs >= 0.05 * Math.abs(latency.baselineMs) || (c.impactMs >= 0.02 * Math.abs(latency.baselineMs) && !!c.perCall && c.perCall.incident >= 1.5 * c.perCall.baseline);
    const strong = cands.find((c) => (c.kind === 'self_time' || c.kind === 'queueing' || c.kind === 'attribute') && c.sig >= 1 - ctx.alpha / Math.max(1, cands.length) && visible(c));
    if (strong) {
      slower = true;
      gateBar = 1 - ctx.alpha / Math.max(1, cands.length);
      const line = `end-to-end latency ${fmt(latency.baselineMs)} → ${fmt(latency.incidentMs)} per trace is not significantly higher overall, but ${label(strong)} changed beyond doubt (${pText(1 - strong.sig)}, ${fmt(strong.impactMs)} per trace): a regression of part of the traffic`;
      restateVerdict(notes, line);
    }
  }
  // the same for failures: an operation that now fails beyond doubt (Bonferroni over the findings) is a regression of
  // errors even when the share of failed traces did not rise overall (other, older failures may have gone away)
  if (!errorsUp && !ctx.tooFew && latency) {
    const strongErr = cands.find((c) => c.kind === 'errors' && c.sig >= 1 - ctx.alpha / Math.max(1, cands.length));
    if (strongErr) {
      errorsUp = true;
      restateErrors(notes, `traces with errors did not rise overall, but ${label(strongErr)} fails more beyond doubt (${pText(1 - strongErr.sig)}): ${strongErr.summary}`);
      restateVerdict(notes);
    }
  }
  cands.sort((a, b) => b.impactMs - a.impactMs || conf(b) - conf(a));
  // failures lead when the incident is not (much) slower but clearly failing more: a few % of latency drift next to a
  // component that started failing is not the headline
  const base = Math.max(1e-9, latency?.baselineMs ?? 0);
  const errorsLead = errorsUp && (!slower || ctx.deltaE2E / base < 0.15);
  ctx.slower = slower;
  ctx.errorsUp = errorsUp;
  const svcScore = new Map<string, number>();
  if (ctx.svc && ctx.svc.length > 0) cands = byService(ctx, cands, conf, svcScore);
  // … unless the lead is no drift: a call or operation adding ≥ 15 % of the baseline latency per trace, beyond doubt —
  // requests that fail fast elsewhere can hide it in the end-to-end mean
  const bigLead = slower && !!cands[0] && !isErr(cands[0]) && cands[0].impactMs >= 0.15 * base && cands[0].sig >= 1 - ctx.alpha / Math.max(1, cands.length);
  if (errorsLead && !bigLead) {
    const e = cands.findIndex(isErr);
    if (e > 0) cands.unshift(...cands.splice(e, 1));
  }
  // the run as a whole is not slower and the regression is the change beyond doubt: a finding that is not beyond doubt
  // (a few ms of noise in a long request) does not lead it — the first service with such a finding comes first
  if (gateBar !== null && cands[0] && cands[0].sig < gateBar) {
    const k = cands.findIndex((c) => c.sig >= gateBar!);
    if (k > 0) {
      const svc = cands[k]!.service;
      cands = [...cands.filter((c) => c.service === svc), ...cands.filter((c) => c.service !== svc)];
    }
  }
  const lookup = resolveSources(ctx, opts);
  const out: Candidate[] = cands.slice(0, top).map((c) => {
    const src = lookup(c.service, c.name);
    const cand: Candidate = {
      service: c.service,
      name: c.name,
      ...readWait(ctx, c),
      impactMs: Math.round(c.impactMs * 1000) / 1000,
      confidence: Math.round(conf(c) * 1000) / 1000,
    };
    if (src) cand.source = src;
    if (c.attribute) cand.attribute = c.attribute;
    if (c.waitsOn) cand.waitsOn = c.waitsOn;
    const gap = c.waitsOn ? msPair(c.waitsOnGap) : null;
    if (gap) cand.waitsOnGapMs = gap;
    if (c.nodes.length > 0) cand.callPaths = c.nodes.length;
    const perCall = msPair(c.perCall);
    if (perCall) cand.perCallMs = perCall;
    cand.detector = c.detector ?? 'operation';
    const sc = svcScore.get(c.service);
    if (sc !== undefined) cand.serviceScore = Math.round(sc * 1000) / 1000;
    return cand;
  });
  let rootCause: Candidate | null = null;
  if (out.length > 0) {
    const first = out[0]!;
    if (slower && (first.impactMs > 0 || isErr(cands[0]!) || cands[0]!.kind === 'stopped_work')) rootCause = first;
    else if (errorsLead && isErr(cands[0]!)) rootCause = first;
  }
  // mark the diff tree: root cause node(s) and source links
  const diff = ctx.diff;
  const rcNodes = rootCause ? cands[0]!.nodes : [];
  for (const n of diff.nodes) delete n.rootCause;
  for (const d of rcNodes) diff.nodes[d]!.rootCause = true;
  const N = Math.min(diff.nodes.length, 20000);
  for (let d = 1; d < N; d++) {
    const n = diff.nodes[d]!;
    const s = lookup(n.service, n.name);
    if (s) n.source = { file: s.file, line: s.line };
  }
  const diag: Diagnosis = { rootCause, candidates: out, notes };
  if (split) diag.split = split;
  if (latency) diag.latency = latency;
  return Diagnosis.parse(diag);
}
