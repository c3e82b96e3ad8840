
import { opKey } from '../source/code-attrs';
import { CALL_WAIT_FLOOR_MS, fmt, label, outgoingCallNode, pct, type Cand, type Ctx } from './context';

/**
 * Operation-level view: an operation reached through many call paths (high-cardinality trees, recursion, many
 * callers) can be too thin per path for a finding. Sum its statistics over all paths and add a self_time finding
 * when no path-level latency finding names it.
 */
export function operationLevel(ctx: Ctx, out: Cand[]): void {
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
    // a remote call's wait around its callee: not below the timestamps' resolution (./context.ts)
    if (spcI - spcB < CALL_WAIT_FLOOR_MS && ds.every((d) => outgoingCallNode(ctx, diff.nodes[d]!))) continue;
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
      perCall: { baseline: spcB, incident: spcI },
    });
  }
}
