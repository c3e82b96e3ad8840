/**
 * Detector errors: the rate of spans failing THEMSELVES (failed, nothing failed below them at any depth — where errors originate) grew.
 * "Failed" is the error status, or where the status is unset an HTTP ≥ 500 / gRPC ≠ 0 / exception event
 * (core/model/failed.ts, applied by the aggregation).
 */
import type { NodeStats } from '../aggregate/types';
import { proportionGreater, pValue as pText } from '../stats/index';
import { label, pct, type Cand, type Ctx, type NodeAt } from './context';

export function ownErrorChange(ctx: Ctx, B: NodeStats, I: NodeStats) {
  const ownB = B.ownErrors ?? 0;
  const ownI = I.ownErrors ?? 0;
  const rateB = B.calls ? ownB / B.calls : 0;
  const rateI = I.calls ? ownI / I.calls : 0;
  // the test's unit is the trace where the traces are known (a retried call fails several times in one trace: its
  // attempts are not independent), else the call
  const tB = B.ownErrorTraces;
  const tI = I.ownErrorTraces;
  const traces = tB !== undefined && tI !== undefined && B.traces > 0 && I.traces > 0 ? { tB, tI, nB: B.traces, nI: I.traces } : null;
  const errTest = traces ? proportionGreater(traces.tB, traces.nB, traces.tI, traces.nI) : proportionGreater(ownB, B.calls, ownI, I.calls);
  const up = rateI - rateB >= 0.02 && (ctx.tooFew ? ownI > ownB : errTest.p < ctx.alpha);
  return { ownB, ownI, rateB, rateI, errTest, up, traces };
}

export function errorsAt(ctx: Ctx, at: NodeAt, out: Cand[]): void {
  const { d, node, B, I, dSub } = at;
  const { ownB, ownI, rateB, rateI, errTest, up, traces } = ownErrorChange(ctx, B, I);
  if (!up) return;
  out.push({
    diffId: d, service: node.service, name: node.name, kind: 'errors', impactMs: Math.max(0, dSub), sig: 0, nodes: [d],
    evidence: [
      `spans failing themselves (failed, nothing failed below them): ${ownB}/${B.calls} (${pct(rateB)}) → ${ownI}/${I.calls} (${pct(rateI)})`,
      ...(traces ? [`traces in which it failed: ${traces.tB}/${traces.nB} → ${traces.tI}/${traces.nI} of the traces that call it`] : []),
      ...(Number.isFinite(errTest.p) ? [`${errTest.method ?? 'two-proportion test'}${traces ? ', the trace as the unit' : ''}: ${pText(errTest.p)}`] : []),
    ],
    summary: `${label(node)} now fails in ${pct(rateI)} of calls (was ${pct(rateB)})`,
    p: Number.isFinite(errTest.p) ? errTest.p : undefined,
  });
}
