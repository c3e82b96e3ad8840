/**
 * Detector errors: the rate of spans failing THEMSELVES (failed, no failing child — where errors originate) grew.
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
  const errTest = proportionGreater(ownB, B.calls, ownI, I.calls);
  const up = rateI - rateB >= 0.02 && (ctx.tooFew ? ownI > ownB : errTest.p < ctx.alpha);
  return { ownB, ownI, rateB, rateI, errTest, up };
}

export function errorsAt(ctx: Ctx, at: NodeAt, out: Cand[]): void {
  const { d, node, B, I, dSub } = at;
  const { ownB, ownI, rateB, rateI, errTest, up } = ownErrorChange(ctx, B, I);
  if (!up) return;
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
