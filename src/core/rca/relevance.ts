/**
 * Relevance of each service to the regression that was found, when that regression is ONE KIND OF REQUEST getting
 * slower while the run as a whole did not (the per-entry-point gate, ./entry-points.ts, opened the decision).
 *
 * The answer has to explain the change that was detected. A service that is slower across its operations in every
 * kind of request (a day's drift, another team's deploy) is a real change, but if none of the added time of the slower
 * requests is its own, it does not explain them. For each entry point that got slower (median or tail): the added
 * latency per trace of that entry point (mean, incident − baseline) and, per service, the added own time per trace in
 * the same traces — its spans' self time, and the time its callers wait outside its spans (a remote-call span whose
 * children are all in one other service: that wait is the callee's network or accept queue as much as the caller's).
 * relevance = added own time / added latency, clamped to [0, 1]; the largest over the slower entry points.
 *
 * Null when the gate did not open on slower entry points alone (the whole run is slower: every request is the
 * regression; or requests fail fast / arrive less: structure and rate findings are explained elsewhere).
 * Cost: one pass over each run's span rows.
 */
import type { AggDetail } from '../aggregate/tree';
import { mean } from '../stats/index';
import { opensRegression, slowerChange, type EntryPointResult } from './entry-points';
import { childServices } from './facts';

export function entryRelevance(b: AggDetail, i: AggDetail, entry: EntryPointResult): Map<string, number> | null {
  const opening = entry.findings.filter(opensRegression);
  if (opening.length === 0 || !opening.every((f) => f.changes.some(slowerChange))) return null;
  const out = new Map<string, number>();
  for (const f of opening) {
    const gb = entry.runs.b.groups.get(f.entry);
    const gi = entry.runs.i.groups.get(f.entry);
    if (!gb || !gi || gb.traces.length === 0 || gi.traces.length === 0) continue;
    const added = mean(gi.latency) - mean(gb.latency);
    if (!(added > 0)) continue;
    const ob = ownTimeByService(b, gb.traces);
    const oi = ownTimeByService(i, gi.traces);
    for (const s of new Set([...ob.keys(), ...oi.keys()])) {
      const d = (oi.get(s) ?? 0) / gi.traces.length - (ob.get(s) ?? 0) / gb.traces.length;
      out.set(s, Math.max(out.get(s) ?? 0, Math.max(0, Math.min(1, d / added))));
    }
  }
  return out.size > 0 ? out : null;
}

/** Σ own (self) time in ms per service over the given traces; a remote-call span's self time counts for its callee too. */
export function ownTimeByService(det: AggDetail, traces: Int32Array): Map<string, number> {
  const m = det.model;
  const n = m.size;
  const svc = m.serviceCol;
  const inSet = new Uint8Array(det.tree.traceCount);
  for (let k = 0; k < traces.length; k++) inSet[traces[k]!] = 1;
  const { callee } = childServices(det);
  const byId = new Map<number, number>();
  for (let r = 0; r < n; r++) {
    const t = det.traceOf[r]!;
    if (t < 0 || !inSet[t] || det.nodeOf[r]! < 0) continue;
    const ms = det.selfNs[r]! / 1e6;
    byId.set(svc[r]!, (byId.get(svc[r]!) ?? 0) + ms);
    const c = callee[r]!;
    if (c >= 0) byId.set(c, (byId.get(c) ?? 0) + ms);
  }
  const out = new Map<string, number>();
  for (const [id, ms] of byId) out.set(m.strings.get(id), ms);
  return out;
}
