/**
 * Which figure is which. One root cause shows up to three numbers on one screen — the engine's sentence ("66.0 ms
 * more of its own time per call (3.3 ms → 69.3 ms), across 2 call paths"), its effect ("+81 ms per trace") and the
 * selected flame box's own time ("self / trace 3 ms → 76 ms"). Each is right for what it measures; these words say
 * what that is, the same on every surface (flame panel, chat card, hover, CodeLens, CLI, HTML and markdown reports):
 *
 * - **per call**: one span of the operation.
 * - **per trace**: the mean request — per call × calls per trace (every trace of the run counts, with or without a
 *   call), summed over call paths.
 * - **call path**: the operation reached through one chain of callers; an operation called from two places has two.
 *   The flame graph's boxes and detail pane are one call path; the hover, the runs tree and the engine's sentence
 *   are the operation over all its paths.
 * - **effect** (a finding's `impactMs`): what the finding adds to the mean trace's end-to-end latency — its added time
 *   per call × its calls per trace over the call paths it covers, the part on the critical path.
 *
 * Pure (no vscode, no DOM), so webviews bundle it.
 */
import { formatDeltaMs, formatImpactPerTrace, formatMs } from './index';

/** The one-line legend: what "per call", "per trace", "call path" and "effect" mean (a tooltip, a line under a table). */
export const FIGURES_LEGEND =
  'Per call = one span. Per trace = the mean request: per call × calls per trace, summed over call paths (a call path is the operation reached through one chain of callers). Effect = what a finding adds to the mean trace end to end (the part on the critical path).';

/** The same for the effect alone (the CLI's and the reports' column of candidates). */
export const EFFECT_LEGEND =
  'effect/trace = what the finding adds to the mean trace end to end: its added time per call × calls per trace, over the call paths it covers (the sentence gives the change per call); rows are ranked by service — a service\'s findings together, the service with the strongest evidence first — so the effect need not fall row by row';

/**
 * A finding's effect with what it measures: "effect +81 ms per trace", "effect +81 ms per trace over 2 call paths"
 * (when the surface knows the finding covers several paths). Given the diagnosis' `explained` (the root cause only),
 * a root cause that accounts for little of the slowdown says so: "effect +0.35 ms per trace, only 3 % of the added time".
 * Null when it has no effect in time worth a figure.
 */
export function formatEffect(impactMs: number, paths?: number, explained?: ExplainedShare): string | null {
  const v = formatImpactPerTrace(impactMs);
  if (!v) return null;
  const thin = formatThinShare(explained);
  return `effect ${v}${paths !== undefined && paths > 1 ? ` over ${paths} call paths` : ''}${thin ? `, ${thin}` : ''}`;
}

/** How much of a slowdown the answer accounts for, ms per trace (`Diagnosis.explained`). */
export interface ExplainedShare {
  addedMs: number;
  rootCauseMs: number;
  findingsMs: number;
}

/** below this share of the end-to-end change a root cause accounts for little of it */
export const THIN_SHARE = 0.1;

/**
 * Does the answer account for little of the slowdown — the root cause under a tenth of the added time and all the
 * findings together under a quarter? Then most of it is spread thinly over many spans, not in one component.
 */
export function isThin(e: ExplainedShare | undefined): e is ExplainedShare {
  return !!e && e.addedMs > 0 && e.rootCauseMs < THIN_SHARE * e.addedMs && e.findingsMs < 2.5 * THIN_SHARE * e.addedMs;
}

/** `ms` as a whole per cent of the added time: 0.353 of 13.9 → 3. */
export const percentOfAdded = (e: ExplainedShare, ms: number) => Math.round((100 * ms) / e.addedMs);

/** "only 3 % of the added time" (the root cause's share of the end-to-end change), for a thin answer only; null otherwise. */
export function formatThinShare(e: ExplainedShare | undefined): string | null {
  return isThin(e) ? `only ${percentOfAdded(e, e.rootCauseMs)} % of the added time` : null;
}

/** ", only 3 % of the added time" after a root cause's effect in a sentence, for a thin answer; "" otherwise. */
export function thinShareText(d: { explained?: ExplainedShare }): string {
  const t = formatThinShare(d.explained);
  return t ? `, ${t}` : '';
}

/** The effect in a table cell: "+81 ms" (the column says "effect/trace"); "–" when it has none. */
export function formatEffectCell(impactMs: number): string {
  return formatImpactPerTrace(impactMs) ? formatDeltaMs(impactMs) : '–';
}

/** Sums of one operation over some of its call paths, per run (calls and self time are totals over the run). */
export interface PathSums {
  paths: number;
  baseline: { calls: number; selfMs: number; traces: number } | null;
  incident: { calls: number; selfMs: number; traces: number } | null;
}

/** Own time per call of one run's sums, ms (null without calls). */
export function selfPerCall(s: { calls: number; selfMs: number } | null): number | null {
  return s && s.calls > 0 ? s.selfMs / s.calls : null;
}

/** Own time per trace of one run's sums, ms (null without traces or calls). */
export function selfPerTrace(s: { calls: number; selfMs: number; traces: number } | null): number | null {
  return s && s.traces > 0 && s.calls > 0 ? s.selfMs / s.traces : null;
}

const pair = (b: number | null, i: number | null): string => {
  if (b !== null && i !== null) return `${formatMs(b)} → ${formatMs(i)}`;
  if (i !== null) return `${formatMs(i)} (new)`;
  if (b !== null) return `${formatMs(b)} (gone)`;
  return '–';
};

/**
 * An operation over all its call paths, for a pane that shows one: "All 2 call paths of HTTP POST: self / call 3.3 ms →
 * 69 ms, self / trace 3.4 ms → 86 ms (+82 ms)". Null for an operation with one call path (the pane already shows it).
 */
export function allPathsLine(name: string, s: PathSums, single = false): string | null {
  if (s.paths < 2) return null;
  // one run (no baseline to compare with): its figures, no arrows
  if (single) {
    const c = selfPerCall(s.incident), t = selfPerTrace(s.incident);
    return `All ${s.paths} call paths of ${name}: self / call ${c === null ? '–' : formatMs(c)}, self / trace ${t === null ? '–' : formatMs(t)}`;
  }
  const bc = selfPerCall(s.baseline), ic = selfPerCall(s.incident);
  const bt = selfPerTrace(s.baseline) ?? (s.baseline ? 0 : null), it = selfPerTrace(s.incident) ?? (s.incident ? 0 : null);
  const delta = bt !== null || it !== null ? ` (${formatDeltaMs((it ?? 0) - (bt ?? 0))})` : '';
  return `All ${s.paths} call paths of ${name}: self / call ${pair(bc, ic)}, self / trace ${pair(bt, it)}${delta}`;
}

/**
 * How a finding's effect relates to the call path on screen, e.g. "The diagnosis' effect, +81 ms per trace, is the
 * whole operation's (2 call paths), end to end; this call path: +73 ms per trace of own time. Per trace = per call ×
 * calls per trace." `paths`: the call paths the finding covers, null when not known (a candidate's). Null when the
 * finding has no effect in time.
 */
export function effectVsPathLine(impactMs: number, paths: number | null, pathDeltaSelfMs: number): string | null {
  const v = formatImpactPerTrace(impactMs);
  if (!v) return null;
  const whose = paths === null ? 'over the call paths it covers' : paths > 1 ? `the whole operation's (${paths} call paths)` : "this call path's";
  const here = paths !== 1 && Number.isFinite(pathDeltaSelfMs) ? `; this call path: ${formatDeltaMs(pathDeltaSelfMs)} per trace of own time` : '';
  return `The diagnosis' effect, ${v}, is ${whose}, end to end${here}. Per trace = per call × calls per trace.`;
}

/** The call paths a diff tree marks as the root cause's (core/rca/rank.ts flags them); undefined without a tree. */
export function rootCausePaths(diff?: { nodes: readonly { rootCause?: boolean }[] } | null): number | undefined {
  if (!diff) return undefined;
  let n = 0;
  for (const d of diff.nodes) if (d.rootCause) n++;
  return n;
}

/**
 * The engine's effect for an answer that names `answer` as its root cause: "effect +81 ms per trace over 2 call
 * paths" when it is the engine's root cause, else null (a model's other pick has no measured effect to show).
 */
export function engineEffectFor(
  d: { rootCause: { service: string; name: string; impactMs: number } | null } | null | undefined,
  answer: { service: string; operation: string } | null,
  diff?: { nodes: readonly { rootCause?: boolean }[] } | null,
): string | null {
  const rc = d?.rootCause;
  if (!rc || !answer || rc.service !== answer.service || rc.name !== answer.operation) return null;
  return formatEffect(rc.impactMs, rootCausePaths(diff));
}
