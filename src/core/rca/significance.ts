/** Exact-data tests for the candidates (per-trace values or single spans of both runs): sig = 1 − p. */
import { perTraceValues, type AggDetail } from '../aggregate/tree';
import { effectOnlySignificance } from '../diff/diff-tree';
import { mannWhitney, welchFromSummary, cliffsMagnitude, variance, mean, pValue as pText } from '../stats/index';
import type { Cand, Ctx } from './context';

export function toSig(ctx: Ctx, cands: Cand[]): void {
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
  // self time of single spans (ns) for the nodes of the spanSelf tests, one pass per run: value and trace of each span.
  // The spans of one trace are not independent (one page load calls the same operation many times under the same
  // conditions), so the test's unit is the TRACE: the mean self time of the operation's spans in each trace.
  const spanSelfOf = (det: AggDetail, wanted: number[]): Map<number, { v: Float64Array; t: Int32Array }> => {
    const N = det.tree.nodes.length;
    const cnt = new Int32Array(N);
    const want = new Uint8Array(N);
    for (const w of wanted) if (w >= 0) want[w] = 1;
    for (let r = 0; r < det.nodeOf.length; r++) {
      const v = det.nodeOf[r]!;
      if (v >= 0 && want[v]) cnt[v]!++;
    }
    const out = new Map<number, { v: Float64Array; t: Int32Array }>();
    const fill = new Int32Array(N);
    for (const w of wanted) if (w >= 0 && !out.has(w)) out.set(w, { v: new Float64Array(cnt[w]!), t: new Int32Array(cnt[w]!) });
    for (let r = 0; r < det.nodeOf.length; r++) {
      const v = det.nodeOf[r]!;
      if (v >= 0 && want[v]) {
        const o = out.get(v)!;
        o.v[fill[v]!] = det.selfNs[r]!;
        o.t[fill[v]!++] = det.traceOf[r]!;
      }
    }
    return out;
  };
  const spanSelfNodes = cands.filter((c) => c.test?.metric === 'spanSelf').flatMap((c) => c.test!.diffIds ?? [c.test!.diffId]);
  const ssB = spanSelfOf(b, spanSelfNodes.map((d) => diff.baselineNodeOf[d]!));
  const ssI = spanSelfOf(i, spanSelfNodes.map((d) => diff.incidentNodeOf[d]!));
  /**
   * per trace that has any of the nodes' spans: the mean self time of those spans (ms), and how many spans in all.
   * Summed in ns and divided once: the same spans in another row order give the same value to the last bit (the ties
   * the rank test must see — h34's permutation property)
   */
  const spanSelfMany = (det: AggDetail, map: Int32Array, ids: number[]): { perTrace: Float64Array; spans: number } => {
    const T = det.tree.traceCount;
    const sum = new Float64Array(T);
    const cnt = new Int32Array(T);
    let spans = 0;
    let traces = 0;
    for (const d of ids) {
      const o = (det === b ? ssB : ssI).get(map[d]!);
      if (!o) continue;
      spans += o.v.length;
      for (let k = 0; k < o.v.length; k++) {
        const t = o.t[k]!;
        if (t < 0 || t >= T) continue;
        if (cnt[t]!++ === 0) traces++;
        sum[t]! += o.v[k]!;
      }
    }
    const perTrace = new Float64Array(traces);
    for (let t = 0, j = 0; t < T; t++) if (cnt[t]! > 0) perTrace[j++] = sum[t]! / cnt[t]! / 1e6;
    return { perTrace, spans };
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
    let spans = '';
    if (c.test.metric === 'spanSelf') {
      const ids = c.test.diffIds ?? [c.test.diffId];
      const sb = spanSelfMany(b, diff.baselineNodeOf, ids);
      const si = spanSelfMany(i, diff.incidentNodeOf, ids);
      bv = sb.perTrace;
      iv = si.perTrace;
      if (sb.spans !== bv.length || si.spans !== iv.length) spans = `; ${sb.spans}/${si.spans} spans`;
    } else {
      const v = vals.get(c.test.metric)!;
      bv = v.b.get(diff.baselineNodeOf[c.test.diffId]!) ?? zerosB;
      iv = v.i.get(diff.incidentNodeOf[c.test.diffId]!) ?? zerosI;
    }
    const r = mannWhitney(bv, iv, 'greater');
    const w = welchFromSummary(mean(bv), variance(bv), bv.length, mean(iv), variance(iv), iv.length, 'greater');
    const p = Math.min(Number.isFinite(r.p) ? r.p : 1, Number.isFinite(w.p) ? w.p : 1);
    c.sig = 1 - Math.min(p, c.pAlso && Number.isFinite(c.pAlso.p) ? c.pAlso.p : 1);
    c.evidence.push(
      `${c.test.metric === 'spanSelf' ? 'self time per span (mean per trace, the trace as the unit)' : `per-trace ${c.test.metric === 'calls' ? 'call count' : c.test.metric + ' time'}`}: Mann-Whitney ${pText(r.p)}, Welch ${pText(w.p)} (n=${r.n1}/${r.n2} traces${spans}), Cliff's delta ${r.cliffsDelta.toFixed(2)} (${cliffsMagnitude(r.cliffsDelta)})`,
    );
    if (c.pAlso && Number.isFinite(c.pAlso.p)) c.evidence.push(`${c.pAlso.what}: ${pText(c.pAlso.p)}`);
  }
}
