/**
 * Detector serialization (lost parallelism): children whose intervals overlapped in the baseline now run one after
 * another → the PARENT that serialised them; impact = overlap lost per trace (bounded by its subtree's growth).
 */
import { fmt, label, num, type Cand, type Ctx, type NodeAt } from './context';

export function serialization(ctx: Ctx, at: NodeAt, out: Cand[]): void {
  void ctx;
  const { d, node, B, I, dSub } = at;
  const callsB = B.callsPerTrace;
  const callsI = I.callsPerTrace;
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
