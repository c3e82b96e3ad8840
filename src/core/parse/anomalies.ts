/** Malformed spans the builder repaired (ModelAnomalies) as warning issues for `stats`, the CLI and the extension. */
import type { AnomalyKind, SpanTable } from '../model/span-table';
import type { ParseIssue } from './types';

const TIMING = 'timing taken as unknown: left out of durations, latencies and the time range';
const WHAT: Record<AnomalyKind, [string, string]> = {
  startNaN: ['a start time that is not a number (NaN, Infinity or text)', TIMING],
  startNegative: ['a negative start time', TIMING],
  startOverflow: ['a start time beyond 64-bit Unix nanoseconds (after 2554-07-21)', TIMING],
  endNaN: ['an end time that is not a number (NaN, Infinity or text)', TIMING],
  endNegative: ['a negative end time', TIMING],
  endOverflow: ['an end time beyond 64-bit Unix nanoseconds (after 2554-07-21)', TIMING],
  endBeforeStart: ['an end time before the start time', TIMING],
  durationNaN: ['a duration that is not a number', TIMING],
  negativeDuration: ['a negative duration', TIMING],
  selfParent: ['itself as parent', 'shown as a root'],
  parentCycle: ['a parent link that closes a cycle', 'each cycle is cut there and the span shown as a root'],
  duplicateSpanId: ['the trace and span id of an earlier span', 'children attach to the first span with that id'],
};

/** Counts per anomaly kind, e.g. {startOverflow: 2, selfParent: 1} (for `stats --json`). */
export function anomalyCounts(model: SpanTable): Partial<Record<AnomalyKind, number>> {
  const out: Partial<Record<AnomalyKind, number>> = {};
  for (const [k, v] of Object.entries(model.anomalies)) if (v) out[k as AnomalyKind] = v.count;
  return out;
}

/**
 * One warning per kind of malformed span, with the count and the first example (span id in trace id).
 * `fileOf(row)` names the file a row came from.
 */
export function anomalyIssues(model: SpanTable, fileOf: (row: number) => string): ParseIssue[] {
  const out: ParseIssue[] = [];
  for (const kind of Object.keys(WHAT) as AnomalyKind[]) {
    const a = model.anomalies[kind];
    if (!a) continue;
    const [what, then] = WHAT[kind];
    const r = a.firstRow;
    const sid = model.spanId(r) || '(no id)';
    const tid = model.traceId(r) || '(no id)';
    const n = a.count;
    out.push({
      file: fileOf(r),
      message: `${n} span${n === 1 ? '' : 's'} with ${what} (first: span ${sid} in trace ${tid}); ${then}`,
      severity: 'warning',
    });
  }
  return out;
}

/** fileOf for a load that recorded where each file's rows start: `starts[i]` = first row of `files[i]`. */
export function fileOfRows(files: readonly string[], starts: readonly number[]): (row: number) => string {
  return (row) => {
    let i = 0;
    while (i + 1 < starts.length && starts[i + 1]! <= row) i++;
    return files[i] ?? files[0] ?? '';
  };
}
