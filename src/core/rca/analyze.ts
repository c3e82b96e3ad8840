/**
 * Offline root-cause diagnosis: baseline vs incident (or one run split automatically) → ranked candidates with
 * evidence, a root cause (or null when the incident is not slower beyond noise), source links.
 *
 * How blame is assigned (the way an engineer would):
 *  - self_time: the operation's own (exclusive) time per call grew; impact = growth × the share of it that lies on the
 *    critical path (a slower branch that runs in parallel with a longer one does not slow the trace).
 *  - queueing: a client/producer span's uncovered time (before/after its callee's server span) grew → the request
 *    waited for the callee (saturated worker, pool, network): blame goes to the CALLEE whose queue grew.
 *  - serialization (lost parallelism): children whose intervals overlapped in the baseline now run one after another
 *    → the PARENT that serialised them; impact = overlap lost per trace.
 *  - fan_out: calls per trace of a child grew (N+1, retry storms) → the CALLER whose call count grew.
 *  - retries: the same, when the repeated callee also started failing → the failing CALLEE.
 *  - errors: the error rate of spans raising errors themselves (error status, no erroring child) grew.
 *  - new_operation: an operation that only the incident has.
 *  - attribute: a self_time/queueing finding explained by one attribute value (model.version=v2, one host, one tenant).
 *
 * impactMs is an estimate of the effect on mean end-to-end latency per trace. rootCause is decided by a one-sided
 * Mann-Whitney U test on per-trace end-to-end latency (plus Cliff's delta ≥ 0.147, i.e. not negligible), or a
 * two-proportion test on the trace error rate; with too few traces for any test the candidates are still ranked by
 * effect size, confidence is capped low and a note says so.
 */
import { aggregateDetailed, type AggDetail } from '../aggregate/tree';
import { diffTrees, type DiffTreeWithMaps } from '../diff/diff-tree';
import type { DiffTree } from '../diff/types';
import type { SpanTable } from '../model/span-table';
import type { SourceIndex } from '../source/resolve';
import { mannWhitney, proportionGreater, welchFromSummary, variance, pValue as pText } from '../stats/index';
import type { Candidate, Diagnosis, SourceLink } from './diagnosis';
import { splitTraces, type SplitResult } from './split';
import { serviceEvidence, type ServiceScore } from './service-rank';
import { entryGate, entryPointChanges } from './entry-points';
import { entryRelevance } from './relevance';
import { fmt, inTime, NOT_SLOWER, restateVerdict, type Ctx } from './context';
import { isThin, percentOfAdded } from '../format/figures';
import { serviceNames, unrelatedRunsNote } from '../stats/run-overlap';
import { rank } from './rank';

export type SourceLookup = (service: string, name: string) => SourceLink | undefined;

export interface DiagnoseOptions {
  /** candidates to return (default 10) */
  top?: number;
  /** workspace index (core/source/resolve.ts) or any lookup; span code.* attributes are always consulted first */
  sourceIndex?: SourceIndex | SourceLookup;
  /** seed of the permutation test used by the single-input split */
  seed?: number;
  /** significance level (default 0.01) */
  alpha?: number;
  /** switch detectors off (ablation: bench/accuracy-real.mjs --without=…); all on by default */
  disable?: Array<'remote_gap' | 'service_slowdown' | 'vanished_work' | 'implicit_client' | 'operation_gate' | 'entry_points'>;
  /** utilisation target of the capacity estimate on queueing candidates (default 0.7; core/rca/capacity.ts) */
  capacityTarget?: number;
}

export interface Analysis {
  diagnosis: Diagnosis;
  /** differential tree with `rootCause` set on the root-cause node(s) and `source` where known */
  diff: DiffTreeWithMaps;
  baseline: AggDetail;
  incident: AggDetail;
  split?: SplitResult;
}

/** What a service-level finding is, in a few words, for the one note line (its evidence is in the candidate). */
const LEAD_WORDS = {
  remote_gap: 'the time between its callers and it grew',
  service_slowdown: 'slower across its operations',
  vanished_work: 'work it used to do stopped',
} as const;
const leadWords = (s: ServiceScore) => (s.lead === 'remote_gap' && s.gap?.side === 'caller' ? 'every call it makes waits longer' : LEAD_WORDS[s.lead]);

/**
 * Where the added failures of a rise too small to be sure of happen: "; they start in model / infer (0 → 4 traces)" —
 * the operation with the largest rise in traces where it failed itself; '' when none rose.
 */
function failingMost(diff: DiffTree): string {
  let best = -1;
  let rise = 0;
  for (let d = 1; d < diff.nodes.length; d++) {
    const n = diff.nodes[d]!;
    const r = (n.incident?.ownErrorTraces ?? 0) - (n.baseline?.ownErrorTraces ?? 0);
    if (r > rise) (rise = r), (best = d);
  }
  if (best < 0) return '';
  const n = diff.nodes[best]!;
  return `; they start in ${n.service} / ${n.name} (failing in ${n.baseline?.ownErrorTraces ?? 0} → ${n.incident!.ownErrorTraces} traces)`;
}

/** Diagnose two aggregated runs (details from aggregateDetailed). */
export function diagnoseDetails(b: AggDetail, i: AggDetail, opts: DiagnoseOptions = {}, split?: SplitResult): { diagnosis: Diagnosis; diff: DiffTreeWithMaps } {
  const alpha = opts.alpha ?? 0.01;
  const diff = diffTrees(b.tree, i.tree);
  const nB = b.tree.traceCount;
  const nI = i.tree.traceCount;
  const notes: string[] = [];
  const meanB = b.tree.meanTraceMs ?? 0;
  const meanI = i.tree.meanTraceMs ?? 0;
  // too few for a test: the smallest attainable one-sided exact p-value is 1 / C(nB+nI, nB)
  let minP = 1;
  for (let k = 1; k <= Math.min(nB, nI); k++) minP *= k / (Math.max(nB, nI) + k);
  const tooFew = nB < 2 || nI < 2 || minP >= alpha;
  const mw = mannWhitney(b.traceLatencyMs, i.traceLatencyMs, 'greater');
  // a slowdown of a minority of traces moves the mean more than the ranks: test the means too (Welch, one-sided)
  const wt = welchFromSummary(meanB, variance(b.traceLatencyMs), nB, meanI, variance(i.traceLatencyMs), nI, 'greater');
  let slower: boolean;
  let pValue: number | null = null;
  if (nB === 0 || nI === 0) {
    slower = false;
    notes.push(nB === 0 ? 'no baseline traces: nothing to compare against' : 'no incident traces');
  } else if (tooFew) {
    slower = meanI > meanB;
    notes.push(
      `only ${nB} baseline and ${nI} incident trace${nI === 1 ? '' : 's'}: too few for a statistical test; candidates are ranked by effect size and confidence is low`,
    );
  } else {
    const byRanks = mw.p < alpha && mw.cliffsDelta >= 0.147;
    // the means path also needs a practically visible change (≥ 1 % of the baseline mean), as the ranks path needs a
    // non-negligible Cliff's delta: with 10⁵ traces a 0.1 % shift is "significant" but not an incident
    const byMeans = Number.isFinite(wt.p) && wt.p < alpha && mw.cliffsDelta > -0.147 && meanI - meanB >= 0.01 * Math.abs(meanB);
    pValue = byRanks || !byMeans ? mw.p : wt.p;
    slower = byRanks || byMeans;
    if (!slower)
      notes.push(
        `${NOT_SLOWER}: end-to-end ${fmt(meanB)} → ${fmt(meanI)} per trace, Mann-Whitney ${pText(mw.p)}, Cliff's delta ${mw.cliffsDelta.toFixed(2)}, Welch ${pText(wt.p)}`,
      );
  }
  const e2eSlower = slower && !tooFew;
  // trace error rate
  let errB = 0;
  let errI = 0;
  for (let t = 0; t < nB; t++) errB += b.traceError[t]!;
  for (let t = 0; t < nI; t++) errI += i.traceError[t]!;
  const et = proportionGreater(errB, nB, errI, nI);
  let errorsUp = nB > 0 && nI > 0 && errI / nI - errB / nB >= 0.02 && (tooFew ? errI > 0 : et.p < alpha);
  if (errorsUp) notes.push(`traces with errors ${errB}/${nB} → ${errI}/${nI}${tooFew ? '' : ` (${pText(et.p)})`}`);
  // a rise that is not significant is still said, with its test: "no change" must not hide it
  else if (!tooFew && nB > 0 && nI > 0 && errI / nI - errB / nB >= 0.02 && errI > 0)
    notes.push(`traces with errors ${errB}/${nB} → ${errI}/${nI}, not significantly more (${et.method} ${pText(et.p)}${Number.isFinite(et.p) && et.p < 0.2 ? ': more traces would tell' : ''})${failingMost(diff)}`);
  // service-level evidence: a significant change in how a service behaves is a regression even when the mean trace
  // is not slower (one endpoint of many, requests failing fast, calls that stopped happening)
  const svc = tooFew || nB === 0 || nI === 0 ? [] : serviceEvidence(b, i, alpha, opts.disable).services;
  // ---- per-entry-point gate (./entry-points.ts): one endpoint of many, requests failing fast, throughput, tails ----
  // (no rate test for the slowest-decile split: its two sides are one interleaved stream, not two loads)
  const entry = tooFew || nB === 0 || nI === 0 || opts.disable?.includes('entry_points') ? null : entryPointChanges(b, i, alpha, { rates: split?.split.method !== 'slowest_decile' });
  const eg = entry
    ? entryGate(entry, notes, {
        slower, errorsUp, alpha,
        overall: `end-to-end latency ${fmt(meanB)} → ${fmt(meanI)} per trace`,
        tests: `Mann-Whitney ${pText(mw.p)}, Welch ${pText(wt.p)}`,
        errors: `traces with errors ${errB}/${nB} → ${errI}/${nI}`, errorsP: et.p,
        service: svc[0] ? `${svc[0].service} changed significantly (${pText(svc[0].p)}: ${leadWords(svc[0])})` : undefined,
      })
    : null;
  if (eg) ({ slower, errorsUp } = eg);
  // ---- end of the per-entry-point gate ----
  if (!slower && svc.length > 0) {
    slower = true;
    const head = svc[0]!;
    const line = `end-to-end latency ${fmt(meanB)} → ${fmt(meanI)} per trace is not significantly higher overall (Mann-Whitney ${pText(mw.p)}, Welch ${pText(wt.p)}), but ${head.service} changed significantly (${pText(head.p)}: ${leadWords(head)}; the evidence is in its finding)`;
    restateVerdict(notes, line);
  }
  // capacity of queueing findings (./capacity.ts readWait); not for the slowest-decile split, whose two sides are not two
  // loads but one interleaved stream
  const capacity = split?.split.method === 'slowest_decile' ? undefined : { target: opts.capacityTarget };
  const ctx: Ctx = { diff, b, i, alpha, tooFew, deltaE2E: meanI - meanB, svc, noImplicitClient: opts.disable?.includes('implicit_client'), ...(capacity ? { capacity } : {}) };
  // the answer must explain what was found: when only some kinds of request got slower, weigh services by their share
  // of those requests' added latency
  const rel = eg?.opened && entry ? entryRelevance(b, i, entry) : null;
  if (rel) ctx.relevance = rel;
  const latency = {
    baselineMs: meanB,
    incidentMs: meanI,
    pValue,
    test: tooFew
      ? 'none (too few traces)'
      : `Mann-Whitney U one-sided ${pText(mw.p)} (Cliff's delta ${mw.cliffsDelta.toFixed(2)}) and Welch t on means ${pText(wt.p)}, n=${nB}/${nI}; slower when either is below ${alpha}`,
  };
  // a slowdown that is only a change of the request mix is a regression (the entry point's traffic fell) but no
  // component's: the ranker blames nothing then
  const diagnosis = rank(ctx, opts, latency, slower && !eg?.mixOnly, errorsUp, notes, split?.split);
  diagnosis.regression = { slower: eg?.mixOnly ? true : (ctx.slower ?? slower), errorsUp: ctx.errorsUp ?? errorsUp, alpha, ...(entry ? { entryPoints: entry.findings, entryPointsSeen: entry.entries } : {}) };
  // two runs with no service in common are two systems, not a baseline and an incident of one: their differences name
  // no component (the surfaces say which services each run has — core/stats/run-overlap.ts)
  const unrelated = !!diagnosis.rootCause && nB > 0 && nI > 0 && !!unrelatedRunsNote(serviceNames(b.model), serviceNames(i.model));
  if (unrelated) {
    diagnosis.rootCause = null;
    for (const n of diff.nodes) delete n.rootCause;
    diagnosis.notes.push('no root cause is named: the two runs share no service, so their differences are those of two systems, not a regression of one');
  }
  if (diagnosis.rootCause) {
    const req = rootCauseRequests(diff, b, i);
    if (req) diagnosis.rootCause.requests = req;
  }
  const explained = explainedShare(diagnosis, e2eSlower ? meanI - meanB : 0);
  if (explained) {
    diagnosis.explained = explained;
    const thin = thinlyExplained(explained);
    if (thin) diagnosis.notes.push(thin);
  }
  if ((eg?.opened || eg?.mixOnly) && !diagnosis.rootCause && !unrelated)
    diagnosis.notes.push('no component explains the entry-point change in the spans (requests that never arrived, or failed before any traced work, leave no spans to blame)');
  else if (!diagnosis.rootCause && !unrelated && !tooFew && (diagnosis.regression.slower || diagnosis.regression.errorsUp)) diagnosis.notes.push(noRootCauseNote(diagnosis.regression.slower));
  return { diagnosis, diff };
}

/**
 * Why a regression names no component (the runs are slower or failing more beyond noise, and no finding is sure and
 * large enough to lead): said, so "root cause: none" never reads as "nothing changed".
 */
export function noRootCauseNote(slower: boolean): string {
  return slower
    ? "no root cause is named: the runs are slower beyond noise, but no span's own time, call wait, calls or failures changed enough to name one (changes under 0.2 % of the end-to-end latency, or a remote call's wait under 1 ms per call, are not counted) — the added time is spread thinly over many spans, or lies outside the traced work"
    : "no root cause is named: traces fail more often beyond noise, but no operation's failures (or work that stopped) rise beyond doubt on their own — too few failed calls at any one operation to say which; the failed traces themselves are where to look";
}

/**
 * How much of a significant end-to-end slowdown (`addedMs` per trace; 0 when the runs are not slower end to end) the
 * answer accounts for: the root cause's effect and all latency findings' effects together (a caller's own time that is
 * its wait for a callee is that callee's finding again: not counted twice). Null when there is no slowdown or the root
 * cause is not about time (a failure, work that stopped).
 */
export function explainedShare(d: Diagnosis, addedMs: number): NonNullable<Diagnosis['explained']> | null {
  const rc = d.rootCause;
  if (!rc || !(addedMs > 0) || !inTime(rc.kind)) return null;
  const own = Math.max(0, rc.impactMs);
  const all = d.candidates.filter((c) => inTime(c.kind) && !c.waitsOn).reduce((s, c) => s + Math.max(0, c.impactMs), 0);
  const r = (x: number) => Math.round(x * 1000) / 1000;
  return { addedMs: r(addedMs), rootCauseMs: r(own), findingsMs: r(Math.max(all, own)) };
}

/**
 * A root cause worth a few per cent of a significant end-to-end slowdown, with all the findings together well under
 * half of it, leaves most of the change unexplained: it is spread thinly over many spans (more load, a busier host,
 * other requests) rather than in one component — say so beside the answer. Null when the answer accounts for a fair
 * share.
 */
export function thinlyExplained(e: NonNullable<Diagnosis['explained']>): string | null {
  if (!isThin(e)) return null;
  const pc = (x: number) => `${percentOfAdded(e, x)} %`;
  return (
    `the root cause accounts for about ${fmt(e.rootCauseMs)} of the ${fmt(e.addedMs)} added per trace end to end (${pc(e.rootCauseMs)}), all findings together for about ${fmt(e.findingsMs)} (${pc(e.findingsMs)}): ` +
    'most of the slowdown is spread thinly over many spans, not in one component (more load, a busier host or other requests), so weigh this answer with that in mind'
  );
}

/**
 * The requests that hold the root cause: the traces with a span on one of its call paths (the diff nodes rank marked),
 * per run, and their mean end-to-end latency. Null when a run has none (a path only one run has is not "the same
 * requests"). One pass over each run's rows.
 */
function rootCauseRequests(diff: DiffTreeWithMaps, b: AggDetail, i: AggDetail): Candidate['requests'] | null {
  const side = (det: AggDetail, nodeOf: Int32Array) => {
    const marked = new Uint8Array(det.tree.nodes.length);
    for (let d = 0; d < diff.nodes.length; d++) if (diff.nodes[d]!.rootCause && nodeOf[d]! >= 0) marked[nodeOf[d]!] = 1;
    const inSet = new Uint8Array(det.tree.traceCount);
    for (let r = 0; r < det.model.size; r++) {
      const n = det.nodeOf[r]!;
      const t = det.traceOf[r]!;
      if (n >= 0 && t >= 0 && marked[n]) inSet[t] = 1;
    }
    let traces = 0;
    let sum = 0;
    for (let t = 0; t < inSet.length; t++) if (inSet[t]) { traces++; sum += det.traceLatencyMs[t]!; }
    return traces > 0 ? { traces, meanMs: Math.round((sum / traces) * 1000) / 1000 } : null;
  };
  const rb = side(b, diff.baselineNodeOf);
  const ri = side(i, diff.incidentNodeOf);
  return rb && ri ? { baseline: rb, incident: ri } : null;
}

/**
 * Diagnose from a DiffTree alone (no per-span data: no per-trace tests, no attribute scan). Uses the node
 * significance scores of the tree; marks `rootCause` on the tree's nodes.
 */
export function diagnoseFromDiff(diff: DiffTree, opts: DiagnoseOptions = {}): { diagnosis: Diagnosis; diff: DiffTree } {
  const alpha = opts.alpha ?? 0.01;
  const withMaps: DiffTreeWithMaps = {
    ...diff,
    baselineNodeOf: new Int32Array(diff.nodes.length).fill(-1),
    incidentNodeOf: new Int32Array(diff.nodes.length).fill(-1),
  };
  const nB = diff.baselineTraces;
  const nI = diff.incidentTraces;
  const root = diff.nodes[0];
  const meanB = root?.baseline?.totalPerTraceMs ?? 0;
  const meanI = root?.incident?.totalPerTraceMs ?? 0;
  const tooFew = nB < 3 || nI < 3;
  const notes: string[] = ['diagnosed from the aggregated tree only (no per-trace tests)'];
  let slower = meanI > meanB;
  let pValue: number | null = null;
  if (!tooFew && root?.baseline && root.incident) {
    const sdB = (root.baseline.p95Ms - root.baseline.p50Ms) / 1.645 || 0;
    const sdI = (root.incident.p95Ms - root.incident.p50Ms) / 1.645 || 0;
    const t = welchFromSummary(meanB, sdB * sdB, nB, meanI, sdI * sdI, nI, 'greater');
    pValue = Number.isFinite(t.p) ? t.p : null;
    slower = pValue !== null ? pValue < alpha : slower;
  }
  const ctx: Ctx = { diff: withMaps, alpha, tooFew, deltaE2E: meanI - meanB };
  const diagnosis = rank(ctx, opts, { baselineMs: meanB, incidentMs: meanI, pValue, test: tooFew ? 'none (too few traces)' : 'Welch t (approx. from tree summary)' }, slower, false, notes);
  return { diagnosis, diff: withMaps };
}

/** Full analysis: aggregate both runs (or split one), diff, diagnose. */
export function analyze(baseline: SpanTable | null, incident: SpanTable, opts: DiagnoseOptions = {}): Analysis {
  let b: AggDetail;
  let i: AggDetail;
  let split: SplitResult | undefined;
  if (baseline) {
    b = aggregateDetailed(baseline);
    i = aggregateDetailed(incident);
  } else {
    split = splitTraces(incident, { seed: opts.seed, alpha: opts.alpha });
    b = aggregateDetailed(incident, { traceFilter: split.baselineMask });
    i = aggregateDetailed(incident, { traceFilter: split.incidentMask });
  }
  const { diagnosis, diff } = diagnoseDetails(b, i, opts, split);
  if (split && split.split.method === 'slowest_decile' && diagnosis.rootCause) {
    diagnosis.notes.push('no baseline given and no level shift in time: the root cause explains what makes the slowest traces slow, not a regression');
  }
  return { diagnosis, diff, baseline: b, incident: i, ...(split ? { split } : {}) };
}

/** diagnose(baseline | null, incident) → Diagnosis (the zod contract of rca/diagnosis.ts). */
export function diagnose(baseline: SpanTable | null, incident: SpanTable, opts: DiagnoseOptions = {}): Diagnosis {
  return analyze(baseline, incident, opts).diagnosis;
}

/**
 * The shape the extension's EngineApi.compare/diagnoseSingle return (src/extension/engine-api.ts DiffResult):
 * baseline null = one run split automatically.
 */
export function compareRuns(
  baseline: SpanTable | null, incident: SpanTable, opts: DiagnoseOptions = {},
): { diff: DiffTree; diagnosis: Diagnosis; baselineAgg: AggDetail['tree']; incidentAgg: AggDetail['tree'] } {
  const a = analyze(baseline, incident, opts);
  return { diff: a.diff, diagnosis: a.diagnosis, baselineAgg: a.baseline.tree, incidentAgg: a.incident.tree };
}
