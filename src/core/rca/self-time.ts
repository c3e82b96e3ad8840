/**
 * Detector self_time / queueing: the operation's own (exclusive) time per call grew; impact = growth × the share of it
 * on the critical path. When the operation is a remote call (CLIENT/PRODUCER, or kind-less inside its own service
 * with all its children in one other service), its uncovered time is the wait for the callee → queueing on the CALLEE.
 */
import { CALL_WAIT_FLOOR_MS, fmt, label, outgoingCallNode, pct, perCall, remoteCallNode, waitWords, type Cand, type Ctx, type NodeAt } from './context';

export function selfTime(ctx: Ctx, at: NodeAt, out: Cand[]): void {
  const { diff } = ctx;
  const { d, node, B, I } = at;
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
    const isClient = remoteCallNode(ctx, node);
    if (spcI - spcB < CALL_WAIT_FLOOR_MS && outgoingCallNode(ctx, node)) return;
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
      const head = `calls to ${label(cn)} wait longer: its caller ${label(node)} waits ${fmt(spcI - spcB)} more per call outside its span`;
      const words = waitWords(head, cn.service, `(a saturated ${cn.service}, or network delay)`);
      out.push({
        diffId: callee, service: cn.service, name: cn.name, kind: 'queueing', impactMs: impact, sig: 0, nodes: [callee],
        evidence: [
          `the caller ${label(node)} (${node.kind}) waits longer outside its callee's span: uncovered client time per call ${fmt(spcB)} → ${fmt(spcI)}`,
          `${label(cn)} itself: span p50 ${fmt(cn.baseline?.p50Ms ?? 0)} → ${fmt(cn.incident!.p50Ms)} — the wait is before/around it (queue, saturated worker, pool or network)`,
          ...ev.slice(2),
        ],
        summary: words({ load: 'unknown' }),
        wait: { side: 'callee', summary: words },
        test: { diffId: d, metric: 'spanSelf' },
      });
    } else {
      out.push({
        diffId: d, service: node.service, name: node.name, kind: 'self_time', impactMs: impact, sig: 0, nodes: [d],
        evidence: ev,
        summary: `${label(node)} spends ${fmt(spcI - spcB)} more of its own time per call (${fmt(spcB)} → ${fmt(spcI)})${isClient ? ' waiting outside any callee span' : ''}`,
        test: { diffId: d, metric: 'spanSelf' },
        perCall: { baseline: spcB, incident: spcI },
      });
    }
  }
}
