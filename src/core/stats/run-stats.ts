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
  // interned ids are dense small integers: flag arrays instead of hash sets
  const seenTrace = new Uint8Array(m.strings.size);
  let traces = 0;
  const perService = new Map<number, { spans: number; errors: number; ops: Set<number> }>();
  let operations = 0;
  let errors = 0;
  let orphans = 0;
  let roots = 0;
  let lo = Infinity;
  let hi = -Infinity;
  let lastService = -1;
  let ps: { spans: number; errors: number; ops: Set<number> } | undefined;
  for (let i = 0; i < n; i++) {
    const t = m.traceIdCol[i]!;
    if (seenTrace[t] === 0) {
      seenTrace[t] = 1;
      traces++;
    }
    const s = m.serviceCol[i]!;
    if (s !== lastService) {
      ps = perService.get(s);
      if (!ps) perService.set(s, (ps = { spans: 0, errors: 0, ops: new Set() }));
      lastService = s;
    }
    ps!.spans++;
    const name = m.nameCol[i]!;
    if (!ps!.ops.has(name)) {
      ps!.ops.add(name);
      operations++;
    }
    if (m.statusCode[i] === 2) {
      errors++;
      ps!.errors++;
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
    traces,
    services: perService.size,
    operations,
    errors,
    orphans,
    roots,
    timeRange: lo <= hi ? { start: m.toIso(lo), end: m.toIso(hi), durationMs: (hi - lo) / 1e6 } : null,
    perService: [...perService.entries()]
      .map(([s, v]) => ({ service: m.strings.get(s), spans: v.spans, operations: v.ops.size, errors: v.errors }))
      .sort((a, b) => b.spans - a.spans || (a.service < b.service ? -1 : 1)),
  };
}
