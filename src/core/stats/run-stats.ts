/** Summary figures of a model (the `stats` command, the extension's run view). Pure. */
import type { SpanTable } from '../model/span-table';

export interface ModelStats {
  spans: number;
  traces: number;
  services: number;
  operations: number;
  /** spans with error status */
  errors: number;
  /** spans whose parent id is not in the model */
  orphans: number;
  roots: number;
  timeRange: { start: string; end: string; durationMs: number } | null;
  perService: { service: string; spans: number; operations: number; errors: number }[];
}

export function modelStats(m: SpanTable): ModelStats {
  const n = m.size;
  const traces = new Set<number>();
  const perService = new Map<number, { spans: number; errors: number; ops: Set<number> }>();
  const ops = new Set<string>();
  let errors = 0;
  let orphans = 0;
  let roots = 0;
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < n; i++) {
    traces.add(m.traceIdCol[i]!);
    const s = m.serviceCol[i]!;
    let ps = perService.get(s);
    if (!ps) perService.set(s, (ps = { spans: 0, errors: 0, ops: new Set() }));
    ps.spans++;
    const name = m.nameCol[i]!;
    if (!ps.ops.has(name)) {
      ps.ops.add(name);
      ops.add(s + ':' + name);
    }
    if (m.statusCode[i] === 2) {
      errors++;
      ps.errors++;
    }
    if (m.orphan[i]) orphans++;
    else if (m.parent[i] === -1) roots++;
    const st = m.start[i]!;
    if (!Number.isNaN(st)) {
      if (st < lo) lo = st;
      const e = st + m.duration[i]!;
      if (e > hi) hi = e;
    }
  }
  return {
    spans: n,
    traces: traces.size,
    services: perService.size,
    operations: ops.size,
    errors,
    orphans,
    roots,
    timeRange: lo <= hi ? { start: m.toIso(lo), end: m.toIso(hi), durationMs: (hi - lo) / 1e6 } : null,
    perService: [...perService.entries()]
      .map(([s, v]) => ({ service: m.strings.get(s), spans: v.spans, operations: v.ops.size, errors: v.errors }))
      .sort((a, b) => b.spans - a.spans || (a.service < b.service ? -1 : 1)),
  };
}
