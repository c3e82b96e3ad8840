/**
 * The words of the flame panel's answer (the one-line summary above the graph and the diagnosis section below it),
 * from a Diagnosis. Pure: no DOM, so the unit tests read the same sentences the panel shows.
 */
import type { CandidateKind, Diagnosis } from '../../src/core/rca/diagnosis';
import { KIND_LABEL, waitsOnShort, formatConfidence, formatEndToEnd } from '../../src/core/format';
import { formatEffect } from '../../src/core/format/figures';


/**
 * What follows the root cause's name on the summary line: its effect per trace ("effect +81 ms per trace over 2 call
 * paths": what it adds to the mean trace, not one call path's own time; left out when it has none: a failure
 * that costs no time) and the end-to-end latency with the engine's verdict ("not significantly slower overall" when
 * the incident is not slower, so 219 ms → 226 ms does not read as a slowdown). When the root cause accounts for little
 * of a slowdown, its share follows the effect: "effect +0.35 ms per trace, only 3 % of the added time".
 */
export function summaryNote(d: Diagnosis, rootPaths?: number): string {
  const rc = d.rootCause;
  const bits = [rc ? formatEffect(rc.impactMs, rootPaths, d.explained) : null, d.latency ? formatEndToEnd(d.latency, d.regression?.alpha) : null];
  return bits.filter(Boolean).join(' · ');
}

/**
 * The root cause's (or a candidate's) kind, effect per trace when it has one, and confidence: "queueing · effect +406
 * ms per trace · confidence 88%" ("… over 2 call paths" when `paths` says it covers several; the root cause's share of
 * the slowdown when it is small and `explained` is given).
 */
export function candidateNote(c: { kind: CandidateKind; impactMs: number; confidence?: number; waitsOn?: string }, paths?: number, explained?: Diagnosis['explained']): string {
  return [KIND_LABEL[c.kind] ?? c.kind, waitsOnShort(c), formatEffect(c.impactMs, paths, explained), c.confidence !== undefined ? formatConfidence(c.confidence) : null].filter(Boolean).join(' · ');
}

/**
 * The kinds of request (entry points) that changed significantly, one line each: what the engine used to decide the
 * run is a regression when the mean trace is not slower (OnlineBoutique's checkout requests that now stop early).
 */
export function changedRequestLines(d: Diagnosis): string[] {
  const one = d.regression?.entryPointsSeen === 1;
  return (d.regression?.entryPoints ?? []).map((e) => {
    const n = one
      ? `all ${e.traces.incident} incident ${e.traces.incident === 1 ? 'trace' : 'traces'} (${e.traces.baseline} in the baseline)`
      : `${e.traces.incident} incident ${e.traces.incident === 1 ? 'trace' : 'traces'} (${e.traces.baseline} in the baseline)`;
    return `${e.entry} — ${n}: ${e.changes.map((c) => c.text).join('; ')}`;
  });
}

/** The heading over those lines: a run whose requests are all of one kind has no "requests that changed" among others. */
export const changedRequestsHeading = (d: Diagnosis) => (d.regression?.entryPointsSeen === 1 ? 'The requests (one entry point)' : 'Requests that changed');
