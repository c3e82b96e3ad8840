/** Detector new_operation: an operation only the incident has (weak evidence alone: a baseline may lack a path that
 * failed half-way). Blame: the new operation, impact = critical-path time of it and its subtree. */
import { fmt, label, num, type Cand, type Ctx, type DiffNode } from './context';

export function newOperation(ctx: Ctx, d: number, node: DiffNode, parent: DiffNode, subI: number, out: Cand[]): void {
  void ctx;
  const I = node.incident!;
  if (node.parent === 0 || parent.baseline) {
    const impact = subI;
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
}
