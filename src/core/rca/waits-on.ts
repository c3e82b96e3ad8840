/**
 * A caller's own time that is the wait for a callee (ranker step): when a service's callers wait longer between their
 * spans and its spans (a remote-gap finding on the callee side), an operation of a caller whose own time grew — a
 * kind-less call span with children in several services, so the operation-level reading kept the time as the
 * caller's — is that wait, not a cause of its own. It is marked (`waitsOn`, a line in its summary), gives its service
 * no operation-level evidence, and is listed after the findings it does not explain.
 *
 * Condition (all of): the candidate is self_time; one of its call paths has a child in the callee service; the
 * caller → callee edge is among the grown edges of the callee's gap finding; and that edge's added gap per trace is at
 * least half the candidate's effect (the wait explains most of it, not a small part of a slower caller).
 */
import { fmt, type Cand, type Ctx } from './context';

export function markWaits(ctx: Ctx, cands: Cand[]): void {
  const gaps = (ctx.svc ?? []).filter((s) => s.gap?.side === 'callee');
  if (gaps.length === 0) return;
  const { diff } = ctx;
  for (const c of cands) {
    if (c.kind !== 'self_time' || c.waitsOn) continue;
    for (const s of gaps) {
      if (s.service === c.service) continue;
      const edge = s.gap!.edges.find((e) => e.grew && e.caller === c.service && e.callee === s.service);
      if (!edge || edge.perTraceMs < 0.5 * c.impactMs) continue;
      const calls = c.nodes.some((d) => diff.nodes[d]?.children.some((k) => diff.nodes[k]?.service === s.service));
      if (!calls) continue;
      c.waitsOn = s.service;
      c.waitsOnGap = { baseline: edge.medB, incident: edge.medI };
      c.summary += ` — the wait for ${s.service}: the time between this call and ${s.service}'s span grew ${fmt(edge.medB)} → ${fmt(edge.medI)} per call (see ${s.service})`;
      break;
    }
  }
}
