/**
 * What the differential flame graph says about work that is gone and about a caller's own time that is a wait:
 *
 *  - **gone** (vanished) work: call paths the baseline has and the incident does not (a service that returns early or
 *    fails fast and skips its dependencies). Diff mode draws them hatched after their caller's other calls, as wide as
 *    their baseline time (flame-layout.ts `layoutFlame`); these helpers find them and put them into words.
 *  - **partly gone** work: a call both runs make, made fewer times per trace (beyond chance) — the baseline time of
 *    the calls no longer made is drawn as a hatched remainder right after its box (`partlyGoneMs`).
 *  - **waits for**: a caller whose added own time is the wait for a callee service (the engine's `waitsOn` mark,
 *    core/rca/waits-on.ts): which box of that service it waits for, and the gap before → after.
 *
 * Pure (no DOM, no vscode): the webview and the unit tests read the same sentences.
 */
import type { Candidate, Diagnosis } from '../rca/diagnosis';
import { FlameFlag, type FlameData } from '../../protocol/messages';
import type { FlameTree } from './flame-layout';
import { formatMs, KIND_LABEL } from '../format';
import { rateDropTest } from '../stats/index';

type GoneData = Pick<FlameData, 'kind' | 'flags' | 'parent'>;

/** Node `i` is in the baseline and not in the incident of a two-run graph: work that is gone. */
export function isGone(data: GoneData, i: number): boolean {
  const f = data.flags[i] ?? 0;
  return data.kind === 'diff' && (f & FlameFlag.Baseline) !== 0 && (f & FlameFlag.Incident) === 0;
}

/** Node `i` is gone and its caller is not: the top of a gone subtree (the call that stopped). */
export function isGoneRoot(data: GoneData, i: number): boolean {
  const p = data.parent[i] ?? -1;
  return isGone(data, i) && p >= 0 && !isGone(data, p);
}

/** The tops of gone subtrees inside node `id`'s subtree (itself excluded), most baseline time first. */
export function goneRootsUnder(data: GoneData & Pick<FlameData, 'bTotal'>, tree: FlameTree, id: number): number[] {
  const out: number[] = [];
  if (data.kind !== 'diff' || id < 0 || id >= tree.n) return out;
  for (let k = id + 1; k < tree.end[id]!; ) {
    if (isGoneRoot(data, k)) {
      out.push(k);
      k = tree.end[k]!; // its subtree is gone with it
    } else k++;
  }
  return out.sort((a, b) => data.bTotal[b]! - data.bTotal[a]! || a - b);
}

/** How many nodes of the graph are gone (for the canvas' accessible text and the legend). */
export function countGoneRoots(data: GoneData): number {
  let n = 0;
  for (let i = 1; i < data.flags.length; i++) if (isGoneRoot(data, i)) n++;
  return n;
}

const perTrace = (calls: number, traces: number) => {
  if (!(traces > 0)) return '–';
  const v = calls / traces;
  return v >= 10 ? v.toFixed(1) : v >= 0.01 ? v.toFixed(2) : v > 0 ? '< 0.01' : '0';
};

/**
 * The words for a gone box: "Gone in the incident: 0.63 calls per trace in the baseline (315 calls), 0 now; 3.1 ms per
 * trace of baseline time, drawn hatched at that width" — and, for a box below the top of a gone subtree, whose call
 * took it away ("gone with its caller …"). Null when the box is not gone.
 */
export function goneText(data: FlameData, tree: FlameTree, i: number): string | null {
  if (!isGone(data, i)) return null;
  const calls = data.bCalls[i]!;
  const head = `Gone in the incident: ${perTrace(calls, data.baselineTraces)} calls per trace in the baseline (${calls} ${calls === 1 ? 'call' : 'calls'}), 0 now`;
  const width = `${formatMs(data.bTotal[i]!)} per trace of baseline time, drawn hatched at that width`;
  if (isGoneRoot(data, i)) {
    const p = tree.parent[i]!;
    const caller = p > 0 ? `${data.strings[data.service[p]!] ?? ''} · ${data.strings[data.name[p]!] ?? ''}` : null;
    return `${head}${caller ? ` — ${caller} no longer makes this call` : ''}; ${width}.`;
  }
  let top = i;
  while (tree.parent[top]! >= 0 && isGone(data, tree.parent[top]!)) top = tree.parent[top]!;
  return `${head}, gone with its caller ${data.strings[data.service[top]!] ?? ''} · ${data.strings[data.name[top]!] ?? ''}; ${width}.`;
}

/** One gone call in a list (the detail pane of its caller, the diagnosis): "adservice · getAdsByCategory — 0.63 → 0 calls per trace". */
export function goneListItem(data: FlameData, i: number): string {
  return `${data.strings[data.service[i]!] ?? ''} · ${data.strings[data.name[i]!] ?? ''} — ${perTrace(data.bCalls[i]!, data.baselineTraces)} → 0 calls per trace`;
}

export interface WaitsFor {
  /** the callee service the engine says this box's added own time waits for */
  service: string;
  /** this box's child in that service (the box to select), the one with the most incident time */
  child: number;
  /** the finding (the candidate carrying waitsOn) */
  candidate: Candidate;
  /** the sentence for the detail pane and the tooltip */
  text: string;
}

/** significance (1 − p of its test) from which a box's own-time change is coloured at all (flame-layout.ts significanceWeight) */
const COLOURED = 0.8;

/**
 * Node `i`'s own time is the wait for a callee, from the engine's findings — one of:
 *  - the diagnosis marks its operation `waitsOn` X (X's callers wait longer between their spans and X's: a remote-gap
 *    finding; rca/waits-on.ts) and this call path calls X;
 *  - its own time grew (coloured) and a child box of another service is a finding of kind call delay or queueing —
 *    calls to that operation wait longer outside its span, i.e. in this caller's own time (rca/self-time.ts reads it
 *    from exactly that: the caller's time not covered by the callee's span).
 * Null otherwise — also for a box of a waitsOn operation on a call path that does not call X.
 */
export function waitsFor(data: FlameData, tree: FlameTree, diagnosis: Diagnosis | null | undefined, i: number): WaitsFor | null {
  if (!diagnosis || data.kind !== 'diff' || i <= 0 || i >= tree.n) return null;
  const service = data.strings[data.service[i]!] ?? '';
  const name = data.strings[data.name[i]!] ?? '';
  const all = [...(diagnosis.rootCause ? [diagnosis.rootCause] : []), ...diagnosis.candidates];
  const own = (self: number, calls: number, traces: number) => (calls > 0 ? formatMs((self * traces) / calls) : null);
  const ob = own(data.bSelf[i]!, data.bCalls[i]!, data.baselineTraces);
  const oi = own(data.iSelf[i]!, data.iCalls[i]!, data.incidentTraces);
  const cand = all.find((c) => c.service === service && c.name === name && !!c.waitsOn);
  if (!cand?.waitsOn) return waitsForCallee(data, tree, all, i, service, ob, oi);
  const x = cand.waitsOn;
  let child = -1;
  for (let c = i + 1; c < tree.end[i]!; c = tree.end[c]!) {
    if (data.strings[data.service[c]!] !== x) continue;
    if (child < 0 || data.iTotal[c]! > data.iTotal[child]!) child = c;
  }
  if (child < 0) return null;
  const g = cand.waitsOnGapMs;
  const gap = g && Number.isFinite(g.baseline) && Number.isFinite(g.incident) ? ` grew ${formatMs(g.baseline)} → ${formatMs(g.incident)} per call (median over ${service}'s calls to ${x})` : ' grew';
  const text =
    `Its own time${ob && oi ? ` (${ob} → ${oi} per call)` : ''} grew because it waits for ${x}: ` +
    `the time between its span and ${x}'s span${gap} — the engine's finding on ${x}, not work of its own.`;
  return { service: x, child, candidate: cand, text };
}

/** The second reading of {@link waitsFor}: a coloured caller of a call-delay / queueing finding's box. */
function waitsForCallee(data: FlameData, tree: FlameTree, all: Candidate[], i: number, service: string, ob: string | null, oi: string | null): WaitsFor | null {
  if (!(data.deltaSelf[i]! > 0) || !(data.significance[i]! >= COLOURED)) return null;
  let best: { child: number; cand: Candidate } | null = null;
  for (let c = i + 1; c < tree.end[i]!; c = tree.end[c]!) {
    if (!(data.flags[c]! & (FlameFlag.RootCause | FlameFlag.Candidate)) || !(data.flags[c]! & FlameFlag.Incident)) continue;
    const svc = data.strings[data.service[c]!] ?? '';
    const nm = data.strings[data.name[c]!] ?? '';
    if (svc === service) continue;
    const cand = all.find((k) => k.service === svc && k.name === nm && (k.kind === 'call_delay' || k.kind === 'queueing'));
    if (cand && (!best || data.iTotal[c]! > data.iTotal[best.child]!)) best = { child: c, cand };
  }
  if (!best) return null;
  const x = best.cand.service;
  const text =
    `Its own time${ob && oi ? ` (${ob} → ${oi} per call)` : ''} grew because it waits for ${x}: ` +
    `it is the time outside ${x}'s span on this call path, and the engine finds that calls to ${x} · ${best.cand.name} wait longer there (${KIND_LABEL[best.cand.kind]}) — not work of its own.`;
  return { service: x, child: best.child, candidate: best.cand, text };
}

// ---------------------------------------------------------------------------------------------------------------------
// partly gone: a call made fewer times

type PartData = Pick<FlameData, 'kind' | 'bCalls' | 'iCalls' | 'bTotal' | 'baselineTraces' | 'incidentTraces'> & { parent: ArrayLike<number> };

/**
 * When a call counts as partly gone: at least this share of the calls its caller's remaining calls would make is no
 * longer made, and a one-sided exact test of two Poisson rates (calls per caller call; stats `rateDropTest`) says the
 * drop is beyond chance at `alpha` — strict, since calls of one trace are not independent (a loop makes 4 or none).
 */
export const PARTLY_GONE = { minShare: 0.1, alpha: 0.001 } as const;

/** Why a node is drawn with a hatched remainder: the figures behind it (per trace, both runs' trace counts applied). */
export interface PartlyGone {
  /** baseline ms per trace of the calls no longer made: the remainder's width */
  ms: number;
  /** calls per trace, baseline → incident */
  baselineCalls: number;
  incidentCalls: number;
  /** the calls per trace the incident would make had only the caller's own drop passed down (= baselineCalls when the caller did not drop) */
  expectedCalls: number;
  /** the caller's calls per trace, incident / baseline (capped at 1), when below 1 */
  callerRatio: number;
  /** p of the rate test */
  p: number;
}

/**
 * Work **partly** gone in the incident: a call path both runs have whose calls per trace fell — a request that now
 * fails fast skips some of the calls it used to make (OnlineBoutique's return fault: GetProduct 4.49 → 1.76 per
 * request). Its box (incident time) shrinks; what the missing calls cost is their **baseline** time: the calls no
 * longer made × the baseline mean time per call. Drawn as a hatched remainder right after the box (Diff mode), as
 * gone work is — a call that vanished entirely is the limit of this rule (0 calls left).
 *
 * Only the drop that happens at this node counts: when its caller is itself made fewer times, the callee's calls are
 * expected to fall with it (they are inside the caller's remainder already), so the remainder is the calls missing
 * beyond that — calls per trace expected = baseline × min(1, the caller's incident/baseline ratio). A caller made more
 * often does not raise the expectation (no work vanished per trace). Returns ms per trace per node, 0 for none (and
 * for gone nodes, the root, single-run data).
 */
export function partlyGoneMs(data: PartData): Float64Array {
  const n = data.parent.length;
  const out = new Float64Array(n);
  if (data.kind !== 'diff' || !data.bCalls || !data.iCalls) return out;
  const tb = data.baselineTraces;
  const ti = data.incidentTraces;
  if (!(tb > 0) || !(ti > 0)) return out;
  for (let i = 1; i < n; i++) {
    const f = partlyGone(data, i);
    if (f) out[i] = f.ms;
  }
  return out;
}

/** The figures of node `i`'s remainder (see {@link partlyGoneMs}), or null when it has none. */
export function partlyGone(data: PartData, i: number): PartlyGone | null {
  if (data.kind !== 'diff' || i <= 0 || i >= data.parent.length) return null;
  const tb = data.baselineTraces;
  const ti = data.incidentTraces;
  const kb = data.bCalls[i] ?? 0;
  const ki = data.iCalls[i] ?? 0;
  // a call the incident no longer makes at all is gone (drawn whole, at its baseline width): not this rule's
  if (!(tb > 0) || !(ti > 0) || !(kb > 0) || !(ki > 0)) return null;
  const p = data.parent[i]!;
  // the caller's calls: exposure of this node's calls (the root's "calls" are the traces)
  const pb = p >= 0 ? (data.bCalls[p] ?? 0) : 0;
  const pi = p >= 0 ? (data.iCalls[p] ?? 0) : 0;
  const callerRatio = pb > 0 && pi > 0 ? Math.min(1, pi / ti / (pb / tb)) : 1;
  const cb = kb / tb;
  const ci = ki / ti;
  const expected = cb * callerRatio;
  const short = expected - ci;
  if (!(short > 0) || short < PARTLY_GONE.minShare * expected) return null;
  // calls per caller call fell: kb over pb caller calls → ki over the caller calls that would keep the per-trace rate
  const nB = pb > 0 ? pb : tb;
  const nI = pb > 0 ? Math.min(pi, (pb * ti) / tb) : ti;
  const pv = rateDropTest(kb, nB, ki, nI);
  if (!(pv < PARTLY_GONE.alpha)) return null;
  const ms = ((data.bTotal[i] ?? 0) * short) / cb;
  if (!(ms > 0)) return null;
  return { ms, baselineCalls: cb, incidentCalls: ci, expectedCalls: expected, callerRatio, p: pv };
}

/** How many boxes have a hatched remainder (the legend, the canvas' accessible text). */
export function countPartlyGone(ms: ArrayLike<number>): number {
  let n = 0;
  for (let i = 0; i < ms.length; i++) if (ms[i]! > 0) n++;
  return n;
}

const calls = (v: number) => (v >= 10 ? v.toFixed(1) : v.toFixed(2));

/**
 * The words for a box with a remainder: "Made fewer times in the incident: 4.49 → 1.76 calls per trace (p < 0.001).
 * The 2.73 calls per trace no longer made took 16 ms per trace in the baseline (6.0 ms per call): drawn hatched after
 * the box." Null when the box has none.
 */
export function partlyGoneText(data: FlameData, i: number, drawn = true): string | null {
  const f = partlyGone(data, i);
  if (!f) return null;
  const missing = f.expectedCalls - f.incidentCalls;
  const perCall = f.baselineCalls > 0 ? formatMs(data.bTotal[i]! / f.baselineCalls) : null;
  const p = f.p < 0.001 ? 'p < 0.001' : `p = ${f.p.toFixed(3)}`;
  const head = `Made fewer times in the incident: ${calls(f.baselineCalls)} → ${calls(f.incidentCalls)} calls per trace (${p})`;
  const caller =
    f.callerRatio < 1
      ? `; its caller is made ${Math.round(f.callerRatio * 100)} % as often as in the baseline, which accounts for ${calls(f.baselineCalls - f.expectedCalls)} of them`
      : '';
  return (
    `${head}${caller}. The ${calls(missing)} calls per trace no longer made took ${formatMs(f.ms)} per trace in the baseline` +
    `${perCall ? ` (${perCall} per call)` : ''}: drawn hatched after the box${drawn ? '' : ' in Diff mode'}.`
  );
}

/** Boxes inside node `id`'s subtree (itself excluded) with a remainder, not below gone work, most remainder first. */
export function partlyGoneUnder(data: FlameData, tree: FlameTree, id: number, ms: ArrayLike<number> = partlyGoneMs(data)): number[] {
  const out: number[] = [];
  if (data.kind !== 'diff' || id < 0 || id >= tree.n) return out;
  for (let k = id + 1; k < tree.end[id]!; ) {
    if (isGone(data, k)) {
      k = tree.end[k]!;
      continue;
    }
    if (ms[k]! > 0) out.push(k);
    k++;
  }
  return out.sort((a, b) => ms[b]! - ms[a]! || a - b);
}

/** One partly gone call in a list: "productcatalogservice · GetProduct — 4.49 → 1.76 calls per trace". */
export function partlyGoneListItem(data: FlameData, i: number): string {
  const f = partlyGone(data, i);
  const what = `${data.strings[data.service[i]!] ?? ''} · ${data.strings[data.name[i]!] ?? ''}`;
  return f ? `${what} — ${calls(f.baselineCalls)} → ${calls(f.incidentCalls)} calls per trace` : what;
}
