/**
 * One formatter and one vocabulary for every surface that shows the same numbers: the extension's CodeLens, hover,
 * runs tree, status bar and notifications, the flame webview's details, the HTML report and the CLI. Pure (no
 * `vscode`, no DOM), so webviews bundle it too.
 *
 * Vocabulary:
 * - the two runs are the **baseline** and the **incident** (column labels); file names go in titles. An automatic
 *   split labels its halves "before split" / "after split" (time window) or "other traces" / "slowest traces".
 * - the **headline metric** of an operation is its self time per trace, baseline → incident (Δ).
 * - how sure the engine is that a change is real is its **confidence** (a candidate's own confidence, else 1 − p of
 *   the node's test), shown as "confidence 99%".
 */
import type { CandidateKind, Split } from '../rca/diagnosis';

/** U+2212, the minus sign used in every signed figure. */
export const MINUS = '\u2212';

function trim(s: string): string {
  return s.includes('.') ? s.replace(/\.?0+$/, '') : s;
}

/** Milliseconds for humans: 0.42 ms, 2.6 ms, 775 ms, 1.23 s, 2.5 min. */
export function formatMs(ms: number): string {
  if (!Number.isFinite(ms)) return '–';
  const a = Math.abs(ms);
  const sign = ms < 0 ? MINUS : '';
  if (a === 0) return '0 ms';
  if (a < 1) return `${sign}${trim(a.toPrecision(2))} ms`;
  if (a < 10) return `${sign}${trim(a.toFixed(1))} ms`;
  if (a < 1000) return `${sign}${Math.round(a)} ms`;
  if (a < 60_000) return `${sign}${trim((a / 1000).toFixed(a < 10_000 ? 2 : 1))} s`;
  return `${sign}${trim((a / 60_000).toFixed(1))} min`;
}

/**
 * Two durations side by side at one precision: "2.0 ms → 1.9 ms", not "2 ms → 1.9 ms" (formatMs drops a trailing ".0",
 * which next to "1.9" reads as a coarser figure — the example's POST /infer CodeLens, walkthrough 2026-12-07 pm).
 */
export function formatMsPair(a: number, b: number): [string, string] {
  const fa = formatMs(a);
  const fb = formatMs(b);
  const oneDecimal = (x: number) => Math.abs(x) >= 1 && Math.abs(x) < 10;
  if (oneDecimal(a) && oneDecimal(b)) {
    const pad = (f: string) => (/\d\.\d/.test(f) ? f : f.replace(/^([−-]?\d+)( ms)$/, '$1.0$2'));
    if (fa.includes('.') !== fb.includes('.')) return [pad(fa), pad(fb)];
  }
  return [fa, fb];
}

/** A signed delta: "+772 ms", "−3.1 ms", "±0 ms". */
export function formatDeltaMs(ms: number): string {
  if (!Number.isFinite(ms)) return '–';
  if (Math.abs(ms) < 1e-9) return '±0 ms';
  return (ms > 0 ? '+' : '') + formatMs(ms);
}

/**
 * A candidate's estimated effect on the mean trace, "+406 ms per trace" — or null when it has none worth a figure: a
 * failure that costs no time (a request that now stops early) would otherwise headline "±0 ms per trace".
 */
export function formatImpactPerTrace(impactMs: number): string | null {
  if (!Number.isFinite(impactMs) || Math.abs(impactMs) < 0.05) return null;
  return `${formatDeltaMs(impactMs)} per trace`;
}

/**
 * Where a candidate's effect is when its own self time does not carry it — a network delay or accept queue felt by its
 * callers before its spans start (detector remote_gap), work that vanished, a wait in front of it — as a clause after
 * its self-time figures, e.g. "diagnosis: +406 ms per trace, in the wait before its spans start (its callers' time),
 * not in its own time". Without it a root cause reads "Δ self −0.057 ms" beside "+406 ms per trace". Null when its
 * self time per trace grew by at least half the effect (the numbers already agree) or it has no effect in time.
 */
export function effectOutsideSelf(c: { impactMs: number; detector?: string }, deltaSelfMs: number): string | null {
  const impact = outsideImpact(c, deltaSelfMs);
  if (!impact) return null;
  const where = c.detector === 'remote_gap' ? "in the wait before its spans start (its callers' time)" : 'in time measured beyond its own (see the evidence)';
  return `diagnosis: ${impact}, ${where}, not in its own time`;
}

/**
 * The same in a few words, figure first, for a side-bar row or a CodeLens: "+406 ms/trace waiting before its spans" /
 * "+406 ms/trace outside its own time" (a narrow side bar shows the figure even when it cuts the rest).
 */
export function effectOutsideSelfShort(c: { impactMs: number; detector?: string }, deltaSelfMs: number): string | null {
  if (!outsideImpact(c, deltaSelfMs)) return null;
  return `${formatDeltaMs(c.impactMs)}/trace ${c.detector === 'remote_gap' ? 'waiting before its spans' : 'outside its own time'}`;
}

/**
 * A candidate whose added own time is the wait for a callee (`waitsOn`, core/rca/waits-on.ts), as a sentence for a
 * detail pane, hover or tooltip: "its own time here is the wait for ts-security-service (the time between its call
 * and ts-security-service's span grew 3.3 ms → 2 s per call): see that finding" (the figures when the diagnosis has
 * `waitsOnGapMs`). Null for other candidates.
 */
export function waitsOnText(c: { waitsOn?: string; waitsOnGapMs?: { baseline: number; incident: number } }): string | null {
  if (!c.waitsOn) return null;
  const g = c.waitsOnGapMs;
  const by = g && Number.isFinite(g.baseline) && Number.isFinite(g.incident) ? ` ${formatMs(g.baseline)} → ${formatMs(g.incident)} per call` : '';
  return `its added own time is the wait for ${c.waitsOn} (the time between its call and ${possessive(c.waitsOn)} span grew${by}): see that finding`;
}

/** The same in a few words for a candidate line or a side-bar row: "the wait for ts-security-service". */
export function waitsOnShort(c: { waitsOn?: string }): string | null {
  return c.waitsOn ? `the wait for ${c.waitsOn}` : null;
}

function outsideImpact(c: { impactMs: number }, deltaSelfMs: number): string | null {
  const impact = formatImpactPerTrace(c.impactMs);
  if (!impact || c.impactMs <= 0 || !Number.isFinite(deltaSelfMs) || deltaSelfMs >= 0.5 * c.impactMs) return null;
  return impact;
}

/**
 * End-to-end latency, baseline → incident, with the engine's verdict where the two figures alone would mislead: when
 * its test does not find the incident slower (p ≥ alpha), "219 ms → 226 ms" reads as a slowdown it is not, so it says
 * "not significantly slower overall" (or "not slower overall" when the incident is faster). `capital` starts with
 * "End-to-end" for a sentence.
 */
export function formatEndToEnd(latency: { baselineMs: number; incidentMs: number; pValue: number | null }, alpha = 0.01, capital = false): string {
  const head = `${capital ? 'End' : 'end'}-to-end ${formatMs(latency.baselineMs)} → ${formatMs(latency.incidentMs)}`;
  if (latency.pValue === null || !(latency.pValue >= alpha)) return head;
  return `${head}, ${latency.incidentMs <= latency.baselineMs ? 'not slower' : 'not significantly slower'} overall`;
}

/** What the engine's one decision found: "slower", "failing more", "slower and failing more", or "" (neither, or no decision). */
export function regressionWords(r: { slower: boolean; errorsUp: boolean } | undefined): string {
  return r ? [r.slower ? 'slower' : '', r.errorsUp ? 'failing more' : ''].filter(Boolean).join(' and ') : '';
}

/** 0.034 → "3.4%", 0 → "0%". */
export function formatPercent(ratio: number): string {
  if (!Number.isFinite(ratio)) return '–';
  const p = ratio * 100;
  if (p === 0) return '0%';
  if (p < 0.1) return '<0.1%';
  if (p >= 99.5 && p < 100) return '>99%';
  return `${trim(p.toFixed(p < 10 ? 1 : 0))}%`;
}

/**
 * How busy a service or worker pool is, in words: 0.87 → "87 %", 0.003 → "under 1 %" (never "0 %" for a pool that did
 * some work), 0 → "0 %".
 */
export function formatBusy(ratio: number): string {
  if (!Number.isFinite(ratio)) return '—';
  if (ratio > 0 && ratio < 0.005) return 'under 1 %';
  return `${(ratio * 100).toFixed(0)} %`;
}

/** "confidence 99%": the one word for how sure the engine is (never "significance"). */
export function formatConfidence(ratio: number): string {
  return `confidence ${formatPercent(Math.max(0, Math.min(1, ratio)))}`;
}

/** "1 call/trace", "2.5 calls/trace". */
export function formatCallsPerTrace(n: number): string {
  if (!Number.isFinite(n)) return '– calls/trace';
  const v = n >= 10 ? String(Math.round(n)) : trim(n.toFixed(n < 1 ? 2 : 1));
  return `${v} ${v === '1' ? 'call' : 'calls'}/trace`;
}

/** The headline of an operation's change: "self/trace 2.6 ms → 775 ms (+772 ms)"; one side missing says so. */
export function formatHeadline(baselineSelfMs: number | null, incidentSelfMs: number | null): string {
  if (baselineSelfMs !== null && incidentSelfMs !== null) {
    const [b, i] = formatMsPair(baselineSelfMs, incidentSelfMs);
    return `self/trace ${b} → ${i} (${formatDeltaMs(incidentSelfMs - baselineSelfMs)})`;
  }
  if (incidentSelfMs !== null) return `self/trace ${formatMs(incidentSelfMs)} (new in incident)`;
  if (baselineSelfMs !== null) return `self/trace ${formatMs(baselineSelfMs)} (not in incident)`;
  return 'self/trace –';
}

/** "root cause", "candidate #2", or '' — the rank words every surface uses. */
export function rankLabel(rootCause: boolean, candidateRank: number | undefined): string {
  if (rootCause) return 'root cause';
  return candidateRank !== undefined ? `candidate #${candidateRank}` : '';
}

/**
 * Whether a change is worth the reader's attention: the engine is confident (≥ 95%) and it is not tiny next to the
 * largest change shown (≥ 1% of it, and ≥ 0.05 ms). Surfaces mute the rest instead of showing −0.027 ms with the
 * same weight as +823 ms.
 */
export function isNotableChange(deltaMs: number, confidence: number, largestDeltaMs: number): boolean {
  const a = Math.abs(deltaMs);
  return confidence >= 0.95 && a >= 0.05 && a >= 0.01 * Math.abs(largestDeltaMs);
}

/** The short column labels of a diff: baseline/incident, or the halves of an automatic split (the sentence goes elsewhere). */
export function runColumnLabels(split?: Pick<Split, 'method' | 'description'> | null): { baseline: string; incident: string } {
  if (!split || split.method === 'given') return { baseline: 'baseline', incident: 'incident' };
  if (split.method === 'time_window') {
    // the earlier window is normally the baseline; the engine says when it is the other way round
    const earlierIsIncident = /earlier window is the incident/.test(split.description);
    return earlierIsIncident ? { baseline: 'after split', incident: 'before split' } : { baseline: 'before split', incident: 'after split' };
  }
  return { baseline: 'other traces', incident: 'slowest traces' };
}

/** English possessive of a name: "ts-security-service's", "users'" (a name ending in s takes the apostrophe alone). */
export function possessive(name: string): string {
  return /s$/i.test(name) ? `${name}'` : `${name}'s`;
}

/** A finding kind in words (flame panel, chat cards): "call delay", "stops early", "own time". */
export const KIND_LABEL: Record<CandidateKind, string> = {
  self_time: 'own time',
  queueing: 'queueing',
  fan_out: 'fan-out',
  errors: 'errors',
  serialization: 'serialization',
  attribute: 'attribute value',
  retries: 'retries',
  new_operation: 'new operation',
  stopped_work: 'stops early',
  call_delay: 'call delay',
};

/** An answer's category in words: a finding kind, or "no regression" for none; anything else as given. */
export function categoryLabel(category: string): string {
  return category === 'none' ? 'no regression' : (KIND_LABEL as Record<string, string>)[category] ?? category;
}
