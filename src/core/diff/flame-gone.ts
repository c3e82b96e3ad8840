/**
 * What the differential flame graph says about work that is gone and about a caller's own time that is a wait:
 *
 *  - **gone** (vanished) work: call paths the baseline has and the incident does not (a service that returns early or
 *    fails fast and skips its dependencies). Diff mode draws them hatched after their caller's other calls, as wide as
 *    their baseline time (flame-layout.ts `layoutFlame`); these helpers find them and put them into words.
 *  - **waits for**: a caller whose added own time is the wait for a callee service (the engine's `waitsOn` mark,
 *    core/rca/waits-on.ts): which box of that service it waits for, and the gap before → after.
 *
 * Pure (no DOM, no vscode): the webview and the unit tests read the same sentences.
 */
import type { Candidate, Diagnosis } from '../rca/diagnosis';
import { FlameFlag, type FlameData } from '../../protocol/messages';
import type { FlameTree } from './flame-layout';
import { formatMs, KIND_LABEL } from '../format';

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
