/**
 * Detector fan_out / retries: calls of a child per call of its parent grew (N+1, retry storms) → the CALLER; when the
 * repeated subtree also fails more, it is retries → the node of the subtree whose OWN errors grew (the failing
 * callee), and the caller's added own time between attempts (backoff) is counted with it.
 */
import { proportionGreater, welchFromSummary } from '../stats/index';
import { fmt, label, num, pct, type Cand, type Ctx, type NodeAt } from './context';
import { ownErrorChange } from './errors';

/**
 * Returns whether the node fanned out beyond noise (its error finding, if any, is then part of the fan-out/retries
 * reading); a point estimate of more calls that no test supports leaves the node's errors to the errors detector.
 */
export function fanOut(ctx: Ctx, at: NodeAt, out: Cand[], retried: Set<number>): boolean {
  const { diff } = ctx;
  const { d, node, parent, B, I, dSub, sub } = at;
  const nB = diff.baselineTraces;
  const nI = diff.incidentTraces;
  const callsB = B.callsPerTrace;
  const callsI = I.callsPerTrace;
  const { rateB, rateI, up: errorsUp } = ownErrorChange(ctx, B, I);
  // --- fan-out / retries
  // calls per call of the parent: a child repeated only because its parent is repeated is not a fan-out
  const pB = node.parent > 0 ? parent.baseline?.callsPerTrace ?? 0 : 1;
  const pI = node.parent > 0 ? parent.incident?.callsPerTrace ?? 0 : 1;
  const g = callsB > 0 && pB > 0 && pI > 0 ? callsI / pI / (callsB / pB) : Infinity;
  const fanned = g >= 1.25 && callsI - callsB >= 0.2;
  if (fanned) {
    const callsTest = welchFromSummary(callsB, (B.callsPerTraceSd ?? 0) ** 2, nB, callsI, (I.callsPerTraceSd ?? 0) ** 2, nI, 'greater');
    // retries: the repeated call's subtree fails more often (errors propagate up from the failing callee)
    const allB = B.calls ? B.errors / B.calls : 0;
    const allI = I.calls ? I.errors / I.calls : 0;
    const allTest = proportionGreater(B.errors, B.calls, I.errors, I.calls);
    const subtreeFails = allI - allB >= 0.02 && (ctx.tooFew ? I.errors > B.errors : allTest.p < ctx.alpha);
    // repeats that are failures being retried are real when either the call count or the failures say so (few traces:
    // 8 → 8 may not show 1.0 → 1.6 calls beyond noise while 0 of 8 → 9 of 13 calls failing is plain)
    const real = ctx.tooFew || !Number.isFinite(callsTest.p) || callsTest.p < ctx.alpha || errorsUp || subtreeFails;
    if (!real) return false;
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
      // the failures are the finding as much as the repeats: with few traces the call count per trace may not tell
      // while the failing call's own error rate does (0 of 12 calls → 9 of 15)
      const failTest = fb ? ownErrorChange(ctx, fb, fi).errTest : null;
      out.push({
        ...(failTest && Number.isFinite(failTest.p) ? { pAlso: { p: failTest.p, what: `own errors of ${label(fn)}: ${failTest.method ?? 'two-proportion test'}` } } : {}),
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
  return fanned;
}
