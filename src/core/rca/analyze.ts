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
import { aggregateDetailed, perTraceValues, type AggDetail } from '../aggregate/tree';
import type { NodeStats } from '../aggregate/types';
import { diffTrees, effectOnlySignificance, type DiffTreeWithMaps } from '../diff/diff-tree';
import type { DiffTree } from '../diff/types';
import type { SpanTable } from '../model/span-table';
import { codeAttrsByOperation, opKey } from '../source/code-attrs';
import type { SourceIndex } from '../source/resolve';
import { mannWhitney, twoProportion, welchFromSummary, cliffsMagnitude, variance, mean, pValue as pText } from '../stats/index';
import { Diagnosis, type Candidate, type CandidateKind, type SourceLink, type Split } from './diagnosis';
import { splitTraces, type SplitResult } from './split';
import { attachCapacity } from './capacity';
import { serviceEvidence, type ServiceScore } from './service-rank';

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
  disable?: Array<'remote_gap' | 'service_slowdown' | 'vanished_work' | 'implicit_client' | 'operation_gate'>;
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

const fmt = (ms: number) => {
  const a = Math.abs(ms);
  if (a >= 1000) return (ms / 1000).toFixed(2) + ' s';
  if (a >= 100) return ms.toFixed(0) + ' ms';
  if (a >= 1) return ms.toFixed(1) + ' ms';
  return ms.toFixed(3) + ' ms';
};
const pct = (x: number) => (x * 100).toFixed(x < 0.1 ? 1 : 0) + '%';
const num = (x: number) => (Math.abs(x) >= 10 ? x.toFixed(0) : Math.abs(x) >= 1 ? x.toFixed(1) : x.toFixed(2));

interface Cand {
  diffId: number;
  service: string;
  name: string;
  kind: CandidateKind;
  impactMs: number;
  sig: number;
  evidence: string[];
  summary: string;
  attribute?: { key: string; value: string };
  /** what to test per trace: node (diff id) and metric; 'spanSelf' compares the self time of single spans */
  test?: { diffId: number; metric: 'self' | 'critical' | 'calls' | 'total' | 'spanSelf'; diffIds?: number[] };
  /** p-value computed elsewhere (errors) */
  p?: number;
  /** diff ids merged into this candidate */
  nodes: number[];
  detector?: Candidate['detector'];
  /** services whose added time this finding explains (a retrying caller's backoff) */
  explains?: string[];
}

interface Ctx {
  diff: DiffTreeWithMaps;
  /** service-level evidence (./service-rank.ts), when per-span data is available */
  svc?: ServiceScore[];
  /** ablation: kind-less spans are never remote calls at the operation level */
  noImplicitClient?: boolean;
  /** the regression decision as the ranker finally took it */
  slower?: boolean;
  b?: AggDetail;
  i?: AggDetail;
  alpha: number;
  tooFew: boolean;
  deltaE2E: number;
}

const perCall = (s: NodeStats | null, v: (s: NodeStats) => number) => (s && s.calls > 0 ? v(s) / s.calls : 0);
const label = (n: { service: string; name: string }) => `${n.service} / ${n.name}`;

function subtreeCritical(diff: DiffTree): { b: Float64Array; i: Float64Array } {
  const N = diff.nodes.length;
  const b = new Float64Array(N);
  const i = new Float64Array(N);
  for (let d = 0; d < N; d++) {
    const n = diff.nodes[d]!;
    b[d] = n.baseline?.criticalPerTraceMs ?? 0;
    i[d] = n.incident?.criticalPerTraceMs ?? 0;
  }
  // children always have larger ids than their parent (diffTrees builds parents first)
  for (let d = N - 1; d >= 1; d--) {
    const p = diff.nodes[d]!.parent;
    if (p >= 1) {
      b[p]! += b[d]!;
      i[p]! += i[d]!;
    }
  }
  return { b, i };
}

/**
 * A span with no kind (or INTERNAL) whose children all run in ONE other service, opened while its own service handles
 * a request (parent in the same service), is a remote call to it: exports without span kinds are common, and then
 * the caller's time not covered by the callee's span is the call's wait (see facts.ts isRemoteCall).
 */
function implicitClient(diff: DiffTree, node: DiffTree['nodes'][number]): boolean {
  if (node.kind !== 'internal' && node.kind !== 'unspecified') return false;
  if (node.children.length === 0 || node.parent <= 0) return false;
  // a service's entry span (called from elsewhere) is its handler, even when all it does is call on
  if (diff.nodes[node.parent]!.service !== node.service) return false;
  const other = diff.nodes[node.children[0]!]!.service;
  if (other === node.service) return false;
  return node.children.every((c) => diff.nodes[c]!.service === other);
}

function generate(ctx: Ctx): Cand[] {
  const { diff } = ctx;
  const out: Cand[] = [];
  const sub = subtreeCritical(diff);
  const nB = diff.baselineTraces;
  const nI = diff.incidentTraces;
  const retried = new Set<number>();
  for (let d = 1; d < diff.nodes.length; d++) {
    const node = diff.nodes[d]!;
    const B = node.baseline;
    const I = node.incident;
    if (!I) continue;
    const parent = diff.nodes[node.parent]!;
    const dSub = sub.i[d]! - sub.b[d]!;
    if (!B) {
      if (node.parent === 0 || parent.baseline) {
        const impact = sub.i[d]!;
        out.push({
          diffId: d, service: node.service, name: node.name, kind: 'new_operation', impactMs: impact, sig: 0, nodes: [d],
          evidence: [
            `${label(node)} does not occur in the baseline; in the incident it runs ${num(I.callsPerTrace)}× per trace, ${fmt(I.totalMs / I.calls)} per call`,
            `critical-path time of it and its children: ${fmt(impact)} per trace`,
          ],
          summary: `new operation ${label(node)}${node.parent > 0 ? ` under ${label(parent)}` : ''} adds about ${fmt(impact)} per trace`,
          test: { diffId: d, metric: 'critical' },
        });
      }
      continue;
    }
    const callsB = B.callsPerTrace;
    const callsI = I.callsPerTrace;
    // --- self time (per-call part) and queueing
    const dSelf = node.deltaSelfMs;
    const dCrit = node.deltaCriticalMs ?? dSelf;
    const spcB = perCall(B, (s) => s.selfMs);
    const spcI = perCall(I, (s) => s.selfMs);
    const perCallPart = (spcI - spcB) * callsI;
    if (perCallPart > 0 && dSelf > 0) {
      const rho = Math.max(0, Math.min(1, dCrit / dSelf));
      const impact = perCallPart * rho;
      const isClient = node.kind === 'client' || node.kind === 'producer' || (!ctx.noImplicitClient && implicitClient(diff, node));
      const callees = isClient
        ? node.children.filter((c) => diff.nodes[c]!.service !== node.service && diff.nodes[c]!.incident)
        : [];
      const ev = [
        `self (exclusive) time per call ${fmt(spcB)} → ${fmt(spcI)}; per trace ${fmt(B.selfPerTraceMs)} → ${fmt(I.selfPerTraceMs)}`,
        `span p50 ${fmt(B.p50Ms)} → ${fmt(I.p50Ms)}, p95 ${fmt(B.p95Ms)} → ${fmt(I.p95Ms)}`,
        rho < 0.999
          ? `${pct(rho)} of the added self time lies on the critical path`
          : `the added time lies on the critical path of the trace`,
      ];
      if (callees.length > 0) {
        const callee = callees.reduce((a, c) => ((diff.nodes[c]!.incident!.totalPerTraceMs > diff.nodes[a]!.incident!.totalPerTraceMs) ? c : a));
        const cn = diff.nodes[callee]!;
        out.push({
          diffId: callee, service: cn.service, name: cn.name, kind: 'queueing', impactMs: impact, sig: 0, nodes: [callee],
          evidence: [
            `the caller ${label(node)} (${node.kind}) waits longer outside its callee's span: uncovered client time per call ${fmt(spcB)} → ${fmt(spcI)}`,
            `${label(cn)} itself: span p50 ${fmt(cn.baseline?.p50Ms ?? 0)} → ${fmt(cn.incident!.p50Ms)} — the wait is before/around it (queue, saturated worker, pool or network)`,
            ...ev.slice(2),
          ],
          summary: `requests to ${label(cn)} queue: its caller ${label(node)} waits ${fmt(spcI - spcB)} more per call before/after the callee handles it (saturated ${cn.service}?)`,
          test: { diffId: d, metric: 'spanSelf' },
        });
      } else {
        out.push({
          diffId: d, service: node.service, name: node.name, kind: 'self_time', impactMs: impact, sig: 0, nodes: [d],
          evidence: ev,
          summary: `${label(node)} spends ${fmt(spcI - spcB)} more of its own time per call (${fmt(spcB)} → ${fmt(spcI)})${isClient ? ' waiting outside any callee span' : ''}`,
          test: { diffId: d, metric: 'spanSelf' },
        });
      }
    }
    // --- fan-out / retries
    // calls per call of the parent: a child repeated only because its parent is repeated is not a fan-out
    const pB = node.parent > 0 ? parent.baseline?.callsPerTrace ?? 0 : 1;
    const pI = node.parent > 0 ? parent.incident?.callsPerTrace ?? 0 : 1;
    const g = callsB > 0 && pB > 0 && pI > 0 ? callsI / pI / (callsB / pB) : Infinity;
    const ownB = B.ownErrors ?? 0;
    const ownI = I.ownErrors ?? 0;
    const rateB = B.calls ? ownB / B.calls : 0;
    const rateI = I.calls ? ownI / I.calls : 0;
    const errTest = twoProportion(ownB, B.calls, ownI, I.calls, 'greater');
    const errorsUp = rateI - rateB >= 0.02 && (ctx.tooFew ? ownI > ownB : errTest.p < ctx.alpha);
    const fanned = g >= 1.25 && callsI - callsB >= 0.2;
    if (fanned) {
      const callsTest = welchFromSummary(callsB, (B.callsPerTraceSd ?? 0) ** 2, nB, callsI, (I.callsPerTraceSd ?? 0) ** 2, nI, 'greater');
      const real = ctx.tooFew || !Number.isFinite(callsTest.p) || callsTest.p < ctx.alpha;
      if (real) {
        // split the subtree's growth into "more calls" and "slower calls" by wall time per call
        const totB = B.totalMs / B.calls;
        const totI = I.totalMs / I.calls;
        const countPart = (callsI - callsB) * totB;
        const slowerPart = Math.max(0, (totI - totB) * callsI);
        const impact = Math.max(0, dSub) * (countPart / Math.max(1e-12, countPart + slowerPart));
        const ev = [
          `${label(node)} calls per trace ${num(callsB)} → ${num(callsI)} (×${num(g)})`,
          `critical-path time of these calls per trace ${fmt(sub.b[d]!)} → ${fmt(sub.i[d]!)}`,
        ];
        // retries: the repeated call's subtree fails more often (errors propagate up from the failing callee)
        const allB = B.calls ? B.errors / B.calls : 0;
        const allI = I.calls ? I.errors / I.calls : 0;
        const allTest = twoProportion(B.errors, B.calls, I.errors, I.calls, 'greater');
        const subtreeFails = allI - allB >= 0.02 && (ctx.tooFew ? I.errors > B.errors : allTest.p < ctx.alpha);
        if (errorsUp || subtreeFails) {
          // blame the node of the subtree whose OWN errors grew most (the callee that fails), else the repeated one
          let failing = d;
          let bestUp = errorsUp ? rateI - rateB : 0;
          const st = [...node.children];
          while (st.length) {
            const c = st.pop()!;
            const cn = diff.nodes[c]!;
            st.push(...cn.children);
            if (!cn.incident) continue;
            const up = (cn.incident.ownErrors ?? 0) / Math.max(1, cn.incident.calls) - (cn.baseline ? (cn.baseline.ownErrors ?? 0) / Math.max(1, cn.baseline.calls) : 0);
            if (up > bestUp + 1e-12) {
              bestUp = up;
              failing = c;
            }
          }
          const fn = diff.nodes[failing]!;
          const extra: string[] = [];
          let moved = 0;
          // the caller's added own time between the attempts is backoff caused by the failures: count it here
          if (node.parent > 0) {
            const k = out.findIndex((o) => o.kind === 'self_time' && o.diffId === node.parent);
            if (k >= 0) {
              moved = out[k]!.impactMs;
              out.splice(k, 1);
              extra.push(`the caller ${label(parent)} waits ${fmt(moved)} more per trace between attempts (backoff): counted here`);
            }
          }
          const fb = fn.baseline;
          const fi = fn.incident!;
          out.push({
            diffId: failing, service: fn.service, name: fn.name, kind: 'retries', impactMs: impact + moved, sig: 0, nodes: [failing],
            ...(moved > 0 && node.parent > 0 ? { explains: [parent.service] } : {}),
            evidence: [
              `${label(fn)} fails in ${pct((fi.ownErrors ?? 0) / Math.max(1, fi.calls))} of calls (was ${pct(fb ? (fb.ownErrors ?? 0) / Math.max(1, fb.calls) : 0)})`,
              ...ev,
              `failed calls are repeated by ${label(parent)}: ${num(callsB / Math.max(1e-9, pB))} → ${num(callsI / Math.max(1e-9, pI))} attempts per call`,
              ...extra,
            ],
            summary: `${label(fn)} started failing and ${failing === d ? 'is' : `its caller's ${node.name} is`} retried: ${num(callsB)} → ${num(callsI)} calls per trace`,
            test: { diffId: d, metric: 'calls' },
          });
          retried.add(failing);
        } else {
          const caller = node.parent > 0 ? parent : node;
          out.push({
            diffId: node.parent > 0 ? node.parent : d, service: caller.service, name: caller.name, kind: 'fan_out', impactMs: impact, sig: 0,
            nodes: [node.parent > 0 ? node.parent : d],
            evidence: ev,
            summary: `${label(caller)} makes ${num(callsI / Math.max(1e-9, (caller.incident?.callsPerTrace ?? 1)))} calls to ${node.name} per call (was ${num(callsB / Math.max(1e-9, caller.baseline?.callsPerTrace ?? 1))}): fan-out / N+1`,
            test: { diffId: d, metric: 'calls' },
          });
        }
      }
    }
    if (errorsUp && !fanned && !retried.has(d)) {
      out.push({
        diffId: d, service: node.service, name: node.name, kind: 'errors', impactMs: Math.max(0, dSub), sig: 0, nodes: [d],
        evidence: [
          `spans failing themselves (error status, no failing child): ${ownB}/${B.calls} (${pct(rateB)}) → ${ownI}/${I.calls} (${pct(rateI)})`,
          ...(Number.isFinite(errTest.p) ? [`two-proportion test ${pText(errTest.p)}`] : []),
        ],
        summary: `${label(node)} now fails in ${pct(rateI)} of calls (was ${pct(rateB)})`,
        p: Number.isFinite(errTest.p) ? errTest.p : undefined,
      });
    }
    // --- lost parallelism (serialization) at the parent of overlapping children
    const sumB = B.childSumPerTraceMs ?? 0;
    const uniB = B.childUnionPerTraceMs ?? 0;
    const sumI = I.childSumPerTraceMs ?? 0;
    const uniI = I.childUnionPerTraceMs ?? 0;
    if (uniB > 0 && uniI > 0) {
      const ratioB = sumB / uniB;
      const ratioI = sumI / uniI;
      // overlap per call of the parent, scaled to the incident's call rate
      const ovB = ((sumB - uniB) / Math.max(1e-12, callsB)) * callsI;
      const ovI = sumI - uniI;
      const lost = ovB - ovI;
      if (ratioB >= 1.25 && ratioI <= ratioB - 0.2 && lost > 0) {
        const impact = Math.max(0, Math.min(lost, dSub > 0 ? dSub : 0));
        out.push({
          diffId: d, service: node.service, name: node.name, kind: 'serialization', impactMs: impact, sig: 0, nodes: [d],
          evidence: [
            `its children used to overlap: child time / wall time ${num(ratioB)}× → ${num(ratioI)}× (1× = one after another)`,
            `overlap lost: ${fmt(lost)} per trace; its duration p50 ${fmt(B.p50Ms)} → ${fmt(I.p50Ms)}`,
          ],
          summary: `${label(node)} now runs its calls one after another instead of in parallel (${num(ratioB)}× → ${num(ratioI)}× overlap)`,
          test: { diffId: d, metric: 'total' },
        });
      }
    }
  }
  operationLevel(ctx, out);
  return out;
}

/**
 * Operation-level view: an operation reached through many call paths (high-cardinality trees, recursion, many
 * callers) can be too thin per path for a finding. Sum its statistics over all paths and add a self_time finding
 * when no path-level latency finding names it.
 */
function operationLevel(ctx: Ctx, out: Cand[]): void {
  const { diff } = ctx;
  // operations already named by a queueing finding keep it; per-path self_time findings of an operation seen on
  // several paths are replaced by one operation-wide finding (same total, one test over all its spans)
  const named = new Set(out.filter((c) => c.kind === 'queueing').map((c) => opKey(c.service, c.name)));
  const byOp = new Map<string, number[]>();
  for (let d = 1; d < diff.nodes.length; d++) {
    const n = diff.nodes[d]!;
    const k = opKey(n.service, n.name);
    const l = byOp.get(k);
    if (l) l.push(d);
    else byOp.set(k, [d]);
  }
  for (const [k, ds] of byOp) {
    if (ds.length < 2 || named.has(k)) continue;
    let callsB = 0, callsI = 0, selfB = 0, selfI = 0, cptI = 0, dSelf = 0, dCrit = 0;
    for (const d of ds) {
      const n = diff.nodes[d]!;
      if (n.baseline) {
        callsB += n.baseline.calls;
        selfB += n.baseline.selfMs;
      }
      if (n.incident) {
        callsI += n.incident.calls;
        selfI += n.incident.selfMs;
        cptI += n.incident.callsPerTrace;
      }
      dSelf += n.deltaSelfMs;
      dCrit += n.deltaCriticalMs ?? n.deltaSelfMs;
    }
    if (callsB === 0 || callsI === 0 || dSelf <= 0) continue;
    const spcB = selfB / callsB;
    const spcI = selfI / callsI;
    const perCallPart = (spcI - spcB) * cptI;
    if (perCallPart <= 0) continue;
    const rho = Math.max(0, Math.min(1, dCrit / dSelf));
    const ref = diff.nodes[ds[0]!]!;
    const pathLevel = out.filter((c) => c.kind === 'self_time' && opKey(c.service, c.name) === k);
    if (pathLevel.length === 1 && pathLevel[0]!.impactMs >= 0.9 * perCallPart * rho) continue; // one path carries it
    for (const c of pathLevel) out.splice(out.indexOf(c), 1);
    out.push({
      diffId: ds[0]!, service: ref.service, name: ref.name, kind: 'self_time', impactMs: perCallPart * rho, sig: 0, nodes: ds,
      evidence: [
        `over all ${ds.length} call paths of the operation: self time per call ${fmt(spcB)} → ${fmt(spcI)}`,
        rho < 0.999 ? `${pct(rho)} of the added self time lies on the critical path` : `the added time lies on the critical path of the trace`,
      ],
      summary: `${label(ref)} spends ${fmt(spcI - spcB)} more of its own time per call (${fmt(spcB)} → ${fmt(spcI)}), across ${ds.length} call paths`,
      test: { diffId: ds[0]!, metric: 'spanSelf', diffIds: ds },
    });
  }
}

/** Merge candidates naming the same operation: impacts add up, the biggest component names the kind. */
function merge(cands: Cand[]): Cand[] {
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
      if (c.kind !== head.kind && c.impactMs > 0) head.evidence.push(`also ${c.kind.replace('_', ' ')}: ${c.summary} (${fmt(c.impactMs)})`);
      else if (c.kind === head.kind && c.impactMs > 0 && head.evidence.length < 8) head.evidence.push(`same on another call path: ${fmt(c.impactMs)} per trace`);
    }
    out.push(head);
  }
  return out;
}

/** Attribute-specific slowness: one value of a low-cardinality attribute explains the node's increase. */
function refineByAttribute(c: Cand, ctx: Ctx): void {
  const { b, i, diff } = ctx;
  if (!b || !i) return;
  if (c.kind !== 'self_time' && c.kind !== 'queueing') return;
  const iNodes = new Set<number>();
  const bNodes = new Set<number>();
  for (const d of c.nodes) {
    if (diff.incidentNodeOf[d]! >= 0) iNodes.add(diff.incidentNodeOf[d]!);
    if (diff.baselineNodeOf[d]! >= 0) bNodes.add(diff.baselineNodeOf[d]!);
  }
  const useParent = c.kind === 'queueing';
  type Acc = Map<string, Map<string, { n: number; sum: number }>>;
  const collect = (det: AggDetail, nodes: Set<number>, cap: number): { acc: Acc; n: number; sum: number } => {
    const m = det.model;
    // span attributes are accumulated on interned ids (no strings per span), resource attributes per resource
    const spanAcc = new Map<number, Map<number, { n: number; sum: number }>>();
    const resAcc = new Map<number, { n: number; sum: number }>();
    let n = 0;
    let total = 0;
    let count = 0;
    const inNode = new Uint8Array(det.tree.nodes.length);
    for (const v of nodes) inNode[v] = 1;
    for (let r = 0; r < det.nodeOf.length; r++) if (det.nodeOf[r]! >= 0 && inNode[det.nodeOf[r]!]) count++;
    const stride = Math.max(1, Math.ceil(count / cap));
    let seen = 0;
    for (let r = 0; r < det.nodeOf.length; r++) {
      const node = det.nodeOf[r]!;
      if (node < 0 || !inNode[node]) continue;
      if (seen++ % stride !== 0) continue;
      const p = m.parent[r]!;
      const v = (useParent && p >= 0 ? det.selfNs[p]! : det.selfNs[r]!) / 1e6;
      n++;
      total += v;
      for (let a = m.attrOffset[r]!, e = m.attrOffset[r + 1]!; a < e; a++) {
        const k = m.attrKey[a]!;
        let km = spanAcc.get(k);
        if (!km) spanAcc.set(k, (km = new Map()));
        const val = m.attrVal[a]!;
        const x = km.get(val);
        if (x) {
          x.n++;
          x.sum += v;
        } else if (km.size <= 64) km.set(val, { n: 1, sum: v });
      }
      const res = m.resourceCol[r]!;
      const x = resAcc.get(res);
      if (x) {
        x.n++;
        x.sum += v;
      } else resAcc.set(res, { n: 1, sum: v });
    }
    const acc: Acc = new Map();
    const add = (key: string, val: string, e: { n: number; sum: number }) => {
      let km = acc.get(key);
      if (!km) acc.set(key, (km = new Map()));
      const x = km.get(val);
      if (x) {
        x.n += e.n;
        x.sum += e.sum;
      } else km.set(val, { n: e.n, sum: e.sum });
    };
    for (const [k, km] of spanAcc) for (const [val, e] of km) add(m.strings.get(k), m.strings.get(val), e);
    for (const [res, e] of resAcc) {
      const attrs = m.resources[res]?.attributes ?? {};
      for (const [k, val] of Object.entries(attrs)) if (k !== 'service.name' && (typeof val !== 'object' || val === null)) add(k, String(val), e);
    }
    return { acc, n, sum: total };
  };
  const inc = collect(i, iNodes, 200_000);
  if (inc.n < 6) return;
  const base = collect(b, bNodes, 200_000);
  const mB = base.n ? base.sum / base.n : 0;
  let best: { key: string; value: string; score: number; dv: number; nv: number; mv: number; refv: number; others: number } | null = null;
  for (const [key, vals] of inc.acc) {
    if (key.startsWith('code.')) continue;
    const distinct = vals.size;
    let covered = 0;
    for (const e of vals.values()) covered += e.n;
    if (covered < inc.n * 0.9) continue; // the key must be present on (nearly) every span
    const bVals = base.acc.get(key);
    if (distinct > 20 || (distinct > Math.max(2, inc.n / 3))) continue;
    if (distinct === 1) {
      const only = vals.keys().next().value as string;
      if (!bVals || bVals.has(only)) continue; // constant and unchanged: explains nothing
    }
    let totalContrib = 0;
    const rows: { value: string; n: number; mean: number; ref: number; contrib: number }[] = [];
    for (const [value, e] of vals) {
      const be = bVals?.get(value);
      const ref = be && be.n >= 3 ? be.sum / be.n : mB;
      const mean = e.sum / e.n;
      const contrib = (mean - ref) * e.n;
      totalContrib += contrib;
      rows.push({ value, n: e.n, mean, ref, contrib });
    }
    if (totalContrib <= 0) continue;
    rows.sort((x, y) => y.contrib - x.contrib);
    const top = rows[0]!;
    const dv = top.mean - top.ref;
    if (dv <= 0) continue;
    const rest = rows.slice(1);
    const restN = rest.reduce((s, r) => s + r.n, 0);
    const others = restN ? rest.reduce((s, r) => s + r.contrib, 0) / restN : 0;
    const frac = top.contrib / totalContrib;
    if (frac < 0.6 || others > 0.25 * dv) continue;
    if (restN === 0 && !(bVals && !bVals.has(top.value))) continue;
    const score = frac - Math.max(0, others) / dv - distinct * 1e-3 - key.length * 1e-6;
    if (!best || score > best.score) best = { key, value: top.value, score, dv, nv: top.n, mv: top.mean, refv: top.ref, others };
  }
  if (!best) return;
  // confirm with a test: spans with the value vs the others (or vs the baseline when every incident span has it)
  const withV: number[] = [];
  const without: number[] = [];
  {
    const m = i.model;
    const keyId = m.strings.lookup(best.key);
    for (let r = 0; r < i.nodeOf.length; r++) {
      if (!iNodes.has(i.nodeOf[r]!)) continue;
      const p = m.parent[r]!;
      const v = (useParent && p >= 0 ? i.selfNs[p]! : i.selfNs[r]!) / 1e6;
      let val: string | undefined;
      if (keyId >= 0) {
        for (let a = m.attrOffset[r]!, e = m.attrOffset[r + 1]!; a < e; a++) if (m.attrKey[a] === keyId) val = m.strings.get(m.attrVal[a]!);
      }
      if (val === undefined) {
        const rv = m.resources[m.resourceCol[r]!]?.attributes[best.key];
        if (rv !== undefined) val = String(rv);
      }
      (val === best.value ? withV : without).push(v);
      if (withV.length + without.length >= 200_000) break;
    }
  }
  let ref = without;
  if (ref.length < 3) {
    ref = [];
    for (let r = 0; r < b.nodeOf.length && ref.length < 200_000; r++) {
      if (!bNodes.has(b.nodeOf[r]!)) continue;
      const p = b.model.parent[r]!;
      ref.push((useParent && p >= 0 ? b.selfNs[p]! : b.selfNs[r]!) / 1e6);
    }
  }
  const t = mannWhitney(ref, withV, 'greater');
  if (!(t.p < ctx.alpha)) return;
  c.kind = 'attribute';
  c.attribute = { key: best.key, value: best.value };
  c.evidence.unshift(
    `only spans with ${best.key}=${best.value} got slower: ${useParent ? 'wait' : 'self time'} ${fmt(best.refv)} → ${fmt(best.mv)} per call on ${best.nv} spans; other values changed by ${fmt(best.others)}`,
    `${best.key}=${best.value} vs the rest: Mann-Whitney ${pText(t.p)}, Cliff's delta ${t.cliffsDelta.toFixed(2)}`,
  );
  c.summary = `${c.service} / ${c.name} is slower only when ${best.key}=${best.value} (${fmt(best.refv)} → ${fmt(best.mv)} per call)`;
}

/**
 * Load-dependent waiting inside a span: when the operation's requests overlap much more in the incident (in-flight
 * requests of the same operation at a span's start) and its self time rises with that number (Spearman ρ), the time
 * is most likely spent queueing for a saturated worker/lock inside the component, not in new work: kind → queueing.
 */
function refineByConcurrency(c: Cand, ctx: Ctx): void {
  const { b, i, diff } = ctx;
  if (!b || !i || c.kind !== 'self_time') return;
  const stats = (det: AggDetail, nodes: Set<number>) => {
    const st = det.model.start;
    const du = det.model.duration;
    let n = 0;
    for (let r = 0; r < det.nodeOf.length; r++) if (nodes.has(det.nodeOf[r]!) && !Number.isNaN(st[r]!)) n++;
    if (n < 10) return null;
    // sorted starts and ends (native typed sorts); in flight at s = #starts < s − #ends ≤ s
    const starts = new Float64Array(n);
    const ends = new Float64Array(n);
    const stride = Math.max(1, Math.ceil(n / 20000));
    const sample: number[] = [];
    let k = 0;
    for (let r = 0; r < det.nodeOf.length; r++) {
      if (!nodes.has(det.nodeOf[r]!) || Number.isNaN(st[r]!)) continue;
      if (k % stride === 0) sample.push(r);
      starts[k] = st[r]!;
      ends[k++] = st[r]! + du[r]!;
    }
    starts.sort();
    ends.sort();
    const below = (a: Float64Array, x: number, inclusive: boolean) => {
      let lo = 0;
      let hi = a.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (inclusive ? a[mid]! <= x : a[mid]! < x) lo = mid + 1;
        else hi = mid;
      }
      return lo;
    };
    let sum = 0;
    for (let q = 0, e = 0; q < n; q++) {
      while (e < n && ends[e]! <= starts[q]!) e++;
      sum += Math.max(0, q - e);
    }
    const inflight = Float64Array.from(sample, (r) => Math.max(0, below(starts, st[r]!, false) - below(ends, st[r]!, true)));
    const self = Float64Array.from(sample, (r) => det.selfNs[r]!);
    return { mean: sum / n, inflight, self, n };
  };
  const nodesOf = (map: Int32Array) => new Set(c.nodes.map((d) => map[d]!).filter((x) => x >= 0));
  const si = stats(i, nodesOf(diff.incidentNodeOf));
  const sb = stats(b, nodesOf(diff.baselineNodeOf));
  if (!si || !sb) return;
  if (!(si.mean >= 1 && si.mean >= 2 * sb.mean + 0.25)) return;
  const rho = spearman(si.inflight, si.self);
  if (!(rho >= 0.3)) return;
  c.kind = 'queueing';
  c.evidence.unshift(
    `requests of this operation overlap more: ${num(sb.mean)} → ${num(si.mean)} others in flight when one starts, and its self time rises with that number (Spearman ρ = ${rho.toFixed(2)}) — waiting for a saturated worker/lock inside ${c.service}`,
  );
  c.summary = `${c.service} / ${c.name} is saturated: its requests queue inside it (${num(sb.mean)} → ${num(si.mean)} in flight) and its own time per call grew`;
}

function spearman(x: Float64Array, y: Float64Array): number {
  const rank = (v: Float64Array) => {
    const n = v.length;
    const idx = Array.from({ length: n }, (_, k) => k).sort((a, b) => v[a]! - v[b]!);
    const r = new Float64Array(n);
    for (let k = 0; k < n; ) {
      let j = k + 1;
      while (j < n && v[idx[j]!] === v[idx[k]!]) j++;
      for (let q = k; q < j; q++) r[idx[q]!] = (k + j + 1) / 2;
      k = j;
    }
    return r;
  };
  const rx = rank(x);
  const ry = rank(y);
  const mx = mean(rx);
  const my = mean(ry);
  let sxy = 0, sxx = 0, syy = 0;
  for (let k = 0; k < rx.length; k++) {
    const a = rx[k]! - mx, b2 = ry[k]! - my;
    sxy += a * b2;
    sxx += a * a;
    syy += b2 * b2;
  }
  return sxx > 0 && syy > 0 ? sxy / Math.sqrt(sxx * syy) : 0;
}

function toSig(ctx: Ctx, cands: Cand[]): void {
  const { diff, b, i } = ctx;
  const need = cands.filter((c) => c.test);
  if (ctx.tooFew || !b || !i) {
    for (const c of cands) {
      const node = diff.nodes[c.test?.diffId ?? c.diffId]!;
      const before = node.baseline?.totalPerTraceMs ?? 0;
      c.sig = ctx.tooFew
        ? effectOnlySignificance(before, before + Math.max(0, c.impactMs))
        : c.p !== undefined
          ? 1 - c.p
          : node.significance;
    }
    return;
  }
  const groups = new Map<string, { b: number[]; i: number[] }>();
  // self time of single spans for the nodes of the spanSelf tests, one pass per run
  const spanSelfOf = (det: AggDetail, wanted: number[]): Map<number, Float64Array> => {
    const N = det.tree.nodes.length;
    const cnt = new Int32Array(N);
    const want = new Uint8Array(N);
    for (const w of wanted) if (w >= 0) want[w] = 1;
    for (let r = 0; r < det.nodeOf.length; r++) {
      const v = det.nodeOf[r]!;
      if (v >= 0 && want[v]) cnt[v]!++;
    }
    const out = new Map<number, Float64Array>();
    const fill = new Int32Array(N);
    for (const w of wanted) if (w >= 0 && !out.has(w)) out.set(w, new Float64Array(cnt[w]!));
    for (let r = 0; r < det.nodeOf.length; r++) {
      const v = det.nodeOf[r]!;
      if (v >= 0 && want[v]) out.get(v)![fill[v]!++] = det.selfNs[r]! / 1e6;
    }
    return out;
  };
  const spanSelfNodes = cands.filter((c) => c.test?.metric === 'spanSelf').flatMap((c) => c.test!.diffIds ?? [c.test!.diffId]);
  const ssB = spanSelfOf(b, spanSelfNodes.map((d) => diff.baselineNodeOf[d]!));
  const ssI = spanSelfOf(i, spanSelfNodes.map((d) => diff.incidentNodeOf[d]!));
  const spanSelf = (det: AggDetail, node: number): Float64Array => (det === b ? ssB : ssI).get(node) ?? new Float64Array(0);
  const spanSelfMany = (det: AggDetail, map: Int32Array, ids: number[]): Float64Array => {
    const parts = ids.map((d) => spanSelf(det, map[d]!));
    const outArr = new Float64Array(parts.reduce((a, p) => a + p.length, 0));
    let o = 0;
    for (const p of parts) {
      outArr.set(p, o);
      o += p.length;
    }
    return outArr;
  };
  for (const c of need) {
    if (c.test!.metric === 'spanSelf') continue;
    const t = c.test!;
    const g = groups.get(t.metric) ?? { b: [], i: [] };
    const bn = diff.baselineNodeOf[t.diffId]!;
    const inn = diff.incidentNodeOf[t.diffId]!;
    if (bn >= 0) g.b.push(bn);
    if (inn >= 0) g.i.push(inn);
    groups.set(t.metric, g);
  }
  const vals = new Map<string, { b: Map<number, Float64Array>; i: Map<number, Float64Array> }>();
  for (const [metric, g] of groups) {
    const m = metric as 'self' | 'critical' | 'calls' | 'total';
    if (g.b.length + g.i.length === 0) continue;
    vals.set(metric, { b: perTraceValues(b, g.b, m), i: perTraceValues(i, g.i, m) });
  }
  const zerosB = new Float64Array(diff.baselineTraces);
  const zerosI = new Float64Array(diff.incidentTraces);
  for (const c of cands) {
    if (c.p !== undefined) {
      c.sig = 1 - c.p;
      continue;
    }
    if (!c.test) {
      c.sig = diff.nodes[c.diffId]!.significance;
      continue;
    }
    let bv: Float64Array;
    let iv: Float64Array;
    if (c.test.metric === 'spanSelf') {
      const ids = c.test.diffIds ?? [c.test.diffId];
      bv = spanSelfMany(b, diff.baselineNodeOf, ids);
      iv = spanSelfMany(i, diff.incidentNodeOf, ids);
    } else {
      const v = vals.get(c.test.metric)!;
      bv = v.b.get(diff.baselineNodeOf[c.test.diffId]!) ?? zerosB;
      iv = v.i.get(diff.incidentNodeOf[c.test.diffId]!) ?? zerosI;
    }
    const r = mannWhitney(bv, iv, 'greater');
    const w = welchFromSummary(mean(bv), variance(bv), bv.length, mean(iv), variance(iv), iv.length, 'greater');
    const p = Math.min(Number.isFinite(r.p) ? r.p : 1, Number.isFinite(w.p) ? w.p : 1);
    c.sig = 1 - p;
    c.evidence.push(
      `${c.test.metric === 'spanSelf' ? 'self time per span' : `per-trace ${c.test.metric === 'calls' ? 'call count' : c.test.metric + ' time'}`}: Mann-Whitney ${pText(r.p)}, Welch ${pText(w.p)} (n=${r.n1}/${r.n2}), Cliff's delta ${r.cliffsDelta.toFixed(2)} (${cliffsMagnitude(r.cliffsDelta)})`,
    );
  }
}

function resolveSources(ctx: Ctx, opts: DiagnoseOptions): SourceLookup {
  const fromAttrs = new Map<string, SourceLink>();
  for (const det of [ctx.b, ctx.i]) {
    if (!det) continue;
    for (const [k, v] of codeAttrsByOperation(det.model)) if (!fromAttrs.has(k)) fromAttrs.set(k, v);
  }
  const idx = opts.sourceIndex;
  const search: SourceLookup | undefined =
    typeof idx === 'function' ? idx : idx ? (service, name) => idx.best(name, service) : undefined;
  return (service, name) => fromAttrs.get(opKey(service, name)) ?? search?.(service, name);
}

const KIND_OF_DETECTOR = { remote_gap: 'queueing', service_slowdown: 'self_time', vanished_work: 'errors' } as const;

/** A candidate for a service the operation-level findings do not name, from its service-level evidence. */
function serviceCand(ctx: Ctx, s: ServiceScore): Cand {
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
  const summary =
    s.lead === 'remote_gap'
      ? `calls to ${s.service} wait longer between the caller's span and ${s.service}'s span (network delay or a saturated ${s.service})`
      : s.lead === 'service_slowdown'
        ? `${s.service} is slower across its operations at the median (CPU contention or a slower ${s.service})`
        : `${s.service} / ${s.operation} stopped calling its dependencies (early return or failure without an error status)`;
  return {
    diffId: nodes[0] ?? 0, service: s.service, name, kind: KIND_OF_DETECTOR[s.lead], impactMs: s.impactMs, sig: 1 - s.p,
    evidence: [...s.evidence], summary, nodes, p: s.p, detector: s.lead,
  };
}

/**
 * Order candidates by SERVICE: Σ of the service detectors' scores plus the best operation-level confidence of the
 * service; within a service, the operation-level order is kept. Services the operation-level findings miss get a
 * candidate of their own; a service's head candidate carries the service evidence.
 */
function byService(ctx: Ctx, cands: Cand[], conf: (c: Cand) => number, scoreOut: Map<string, number>): Cand[] {
  // a retrying caller's added own time is backoff explained by the failing callee: no service evidence of its own
  const explained = new Set(cands.flatMap((c) => c.explains ?? []));
  const svc = (ctx.svc ?? []).filter((s) => !explained.has(s.service));
  const ev = new Map(svc.map((s) => [s.service, s]));
  const out = [...cands];
  for (const s of svc) if (!out.some((c) => c.service === s.service)) out.push(serviceCand(ctx, s));
  const opBest = new Map<string, number>();
  for (const c of out) if (!c.detector || c.detector === 'operation') opBest.set(c.service, Math.max(opBest.get(c.service) ?? 0, conf(c)));
  for (const c of out) scoreOut.set(c.service, (ev.get(c.service)?.score ?? 0) + (opBest.get(c.service) ?? 0));
  const order = new Map<string, number>();
  out.forEach((c, k) => { if (!order.has(c.service)) order.set(c.service, k); });
  out.sort((a, b) => scoreOut.get(b.service)! - scoreOut.get(a.service)! || order.get(a.service)! - order.get(b.service)!);
  const headed = new Set<string>();
  return out.map((c) => {
    if (headed.has(c.service)) return c;
    headed.add(c.service);
    const s = ev.get(c.service);
    if (!s || c.detector) return c;
    return { ...c, evidence: [...c.evidence, ...s.evidence] };
  });
}

/** Rank candidates over a diff (with per-span details when available) into a Diagnosis; marks the diff tree. */
function rank(ctx: Ctx, opts: DiagnoseOptions, latency: Diagnosis['latency'], slower: boolean, errorsUp: boolean, notes: string[], split?: Split): Diagnosis {
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
  const e2e = Math.max(ctx.deltaE2E, 1e-9);
  const minImpact = Math.max(1e-6, 0.002 * Math.abs(latency?.baselineMs ?? 0));
  cands = cands.filter((c) => {
    if (c.kind === 'errors' || c.kind === 'retries') return c.sig >= (ctx.tooFew ? 0 : 1 - ctx.alpha);
    if (c.impactMs <= minImpact) return false;
    return ctx.tooFew || c.sig >= 0.9;
  });
  const conf = (c: Cand) => {
    const share = Math.min(1, Math.max(0, c.impactMs) / e2e);
    const v = c.sig * (0.5 + 0.5 * (c.kind === 'errors' ? Math.max(share, 0.5) : share));
    return Math.max(0, Math.min(ctx.tooFew ? 0.35 : 1, v));
  };
  const isErr = (c: Cand) => c.kind === 'errors' || c.kind === 'retries';
  // one decision: an operation whose own time grew beyond doubt (Bonferroni over the findings) by a visible share of
  // the end-to-end latency is a regression even when the mean trace is not significantly slower (one endpoint of many)
  if (!slower && !ctx.tooFew && latency && !opts.disable?.includes('operation_gate')) {
    const strong = cands.find((c) => (c.kind === 'self_time' || c.kind === 'queueing' || c.kind === 'attribute') && c.sig >= 1 - ctx.alpha / Math.max(1, cands.length) && c.impactMs >= 0.05 * Math.abs(latency.baselineMs));
    if (strong) {
      slower = true;
      const k = notes.findIndex((n) => n.startsWith('the incident is not slower beyond noise'));
      const line = `end-to-end latency ${fmt(latency.baselineMs)} → ${fmt(latency.incidentMs)} per trace is not significantly higher overall, but ${label(strong)} changed beyond doubt (${pText(1 - strong.sig)}, ${fmt(strong.impactMs)} per trace): a regression of part of the traffic`;
      if (k >= 0) notes.splice(k, 1, line);
      else notes.push(line);
    }
  }
  cands.sort((a, b) => b.impactMs - a.impactMs || conf(b) - conf(a));
  // failures lead when the incident is not (much) slower but clearly failing more: a few % of latency drift next to a
  // component that started failing is not the headline
  const base = Math.max(1e-9, latency?.baselineMs ?? 0);
  const errorsLead = errorsUp && (!slower || ctx.deltaE2E / base < 0.15);
  ctx.slower = slower;
  const svcScore = new Map<string, number>();
  if (ctx.svc && ctx.svc.length > 0) cands = byService(ctx, cands, conf, svcScore);
  if (errorsLead) {
    const e = cands.findIndex(isErr);
    if (e > 0) cands.unshift(...cands.splice(e, 1));
  }
  const lookup = resolveSources(ctx, opts);
  const out: Candidate[] = cands.slice(0, top).map((c) => {
    const src = lookup(c.service, c.name);
    const cand: Candidate = {
      service: c.service,
      name: c.name,
      kind: c.kind,
      impactMs: Math.round(c.impactMs * 1000) / 1000,
      confidence: Math.round(conf(c) * 1000) / 1000,
      evidence: c.evidence,
      summary: c.summary,
    };
    if (src) cand.source = src;
    if (c.attribute) cand.attribute = c.attribute;
    cand.detector = c.detector ?? 'operation';
    const sc = svcScore.get(c.service);
    if (sc !== undefined) cand.serviceScore = Math.round(sc * 1000) / 1000;
    return cand;
  });
  let rootCause: Candidate | null = null;
  if (out.length > 0) {
    const first = out[0]!;
    if (slower && (first.impactMs > 0 || isErr(cands[0]!))) rootCause = first;
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
        `the incident is not slower beyond noise: end-to-end ${fmt(meanB)} → ${fmt(meanI)} per trace, Mann-Whitney ${pText(mw.p)}, Cliff's delta ${mw.cliffsDelta.toFixed(2)}, Welch ${pText(wt.p)}`,
      );
  }
  // trace error rate
  let errB = 0;
  let errI = 0;
  for (let t = 0; t < nB; t++) errB += b.traceError[t]!;
  for (let t = 0; t < nI; t++) errI += i.traceError[t]!;
  const et = twoProportion(errB, nB, errI, nI, 'greater');
  const errorsUp = nB > 0 && nI > 0 && errI / nI - errB / nB >= 0.02 && (tooFew ? errI > 0 : et.p < alpha);
  if (errorsUp) notes.push(`traces with errors ${errB}/${nB} → ${errI}/${nI}${tooFew ? '' : ` (${pText(et.p)})`}`);
  // service-level evidence: a significant change in how a service behaves is a regression even when the mean trace
  // is not slower (one endpoint of many, requests failing fast, calls that stopped happening)
  const svc = tooFew || nB === 0 || nI === 0 ? [] : serviceEvidence(b, i, alpha, opts.disable).services;
  if (!slower && svc.length > 0) {
    slower = true;
    const k = notes.findIndex((n) => n.startsWith('the incident is not slower beyond noise'));
    const head = svc[0]!;
    const line = `end-to-end latency ${fmt(meanB)} → ${fmt(meanI)} per trace is not significantly higher overall (Mann-Whitney ${pText(mw.p)}, Welch ${pText(wt.p)}), but ${head.service} changed significantly (${pText(head.p)}): ${head.evidence[0]}`;
    if (k >= 0) notes.splice(k, 1, line);
    else notes.push(line);
  }
  const ctx: Ctx = { diff, b, i, alpha, tooFew, deltaE2E: meanI - meanB, svc, noImplicitClient: opts.disable?.includes('implicit_client') };
  const latency = {
    baselineMs: meanB,
    incidentMs: meanI,
    pValue,
    test: tooFew
      ? 'none (too few traces)'
      : `Mann-Whitney U one-sided ${pText(mw.p)} (Cliff's delta ${mw.cliffsDelta.toFixed(2)}) and Welch t on means ${pText(wt.p)}, n=${nB}/${nI}; slower when either is below ${alpha}`,
  };
  const diagnosis = rank(ctx, opts, latency, slower, errorsUp, notes, split?.split);
  diagnosis.regression = { slower: ctx.slower ?? slower, errorsUp, alpha };
  return { diagnosis, diff };
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
  // capacity of saturated components (queueing candidates); not for the slowest-decile split, whose two sides are
  // not two loads but one interleaved stream
  if (!split || split.split.method !== 'slowest_decile') attachCapacity(diagnosis, b, i, { target: opts.capacityTarget });
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
