/**
 * Two runs with no service in common are no baseline and incident of one system (a workspace holding several examples:
 * Diagnose Trace's baseline pick started on another system's `normal.json`, and the engine named a root cause with
 * confidence 0.60 — walkthrough 2026-12-07 pm). The comparison still runs; every surface says what it compared. Pure.
 */
import type { SpanTable } from '../model/span-table';

/** The service names of a run (one pass over the interned service column). */
export function serviceNames(m: SpanTable): Set<string> {
  const ids = new Set<number>();
  for (let i = 0; i < m.size; i++) ids.add(m.serviceCol[i]!);
  const out = new Set<string>();
  for (const id of ids) out.add(m.strings.get(id));
  return out;
}

const listed = (xs: readonly string[], max = 3) =>
  xs.slice(0, max).map((s) => s || '(no service)').join(', ') + (xs.length > max ? ` and ${xs.length - max} more` : '');

/**
 * "the baseline and the incident share no service (baseline: a, b, c and 2 more; incident: x, y): …", or null when
 * they share one (or a side is empty: nothing to compare is said elsewhere).
 */
export function unrelatedRunsNote(baseline: Iterable<string>, incident: Iterable<string>): string | null {
  const b = [...new Set(baseline)].sort();
  const i = [...new Set(incident)].sort();
  if (!b.length || !i.length) return null;
  const inB = new Set(b);
  if (i.some((s) => inB.has(s))) return null;
  return (
    `the baseline and the incident share no service (baseline: ${listed(b)}; incident: ${listed(i)}): ` +
    'they look like traces of two different systems, and the comparison says nothing about a regression — give a baseline of the same system'
  );
}
