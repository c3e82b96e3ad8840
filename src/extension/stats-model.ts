/**
 * Run statistics (the numbers `trace-doctor stats` prints) computed from a SpanTable. Pure: no `vscode` import.
 */
import type { SpanTable } from '../core/model/span-table';
import type { RunStats } from './engine-api';

export function computeRunStats(model: SpanTable, skipped: number): RunStats {
  const traces = new Set<number>();
  const perService = new Map<number, number>();
  const ops = new Set<string>();
  let errors = 0;
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < model.size; i++) {
    traces.add(model.traceIdCol[i]!);
    const s = model.serviceCol[i]!;
    perService.set(s, (perService.get(s) ?? 0) + 1);
    ops.add(`${s}:${model.nameCol[i]}`);
    if (model.isError(i)) errors++;
    const st = model.start[i]!;
    if (!Number.isNaN(st)) {
      if (st < min) min = st;
      const e = st + model.duration[i]!;
      if (e > max) max = e;
    }
  }
  return {
    spans: model.size,
    traces: traces.size,
    services: perService.size,
    operations: ops.size,
    skipped,
    errors,
    ...(Number.isFinite(min) ? { start: model.toIso(min), end: model.toIso(max) } : {}),
    spansPerService: [...perService.entries()]
      .map(([s, n]) => ({ service: model.strings.get(s), spans: n }))
      .sort((a, b) => b.spans - a.spans || a.service.localeCompare(b.service)),
  };
}
