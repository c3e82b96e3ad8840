/**
 * Pure helpers of the waterfall view (webview/flame/waterfall.ts): decoding a {@link WaterfallTrace} into typed
 * arrays, marking the spans on the selected call path, time-axis ticks and the time ↔ pixel mapping.
 */
import type { CallPathSegment, WaterfallTrace } from '../../protocol/exemplars';

export interface DecodedTrace {
  w: WaterfallTrace;
  n: number;
  start: Float64Array;
  dur: Float64Array;
  depth: Int32Array;
  parent: Int32Array;
  flags: Uint8Array;
  gap: Float64Array;
  /** critical segments of span i: crit[critOff[i]..critOff[i+1]) as (start, end) pairs in critLo/critHi */
  critOff: Int32Array;
  critLo: Float64Array;
  critHi: Float64Array;
  /** 1 = the span is on the selected call path */
  onPath: Uint8Array;
  pathCount: number;
  /** first span on the selected call path, −1 when none */
  firstOnPath: number;
}

export function decodeTrace(w: WaterfallTrace, path?: readonly CallPathSegment[]): DecodedTrace {
  const n = w.n;
  const critOff = new Int32Array(n + 1);
  const segs = w.crit.length / 3;
  for (let q = 0; q < segs; q++) {
    const s = w.crit[q * 3]!;
    if (s >= 0 && s < n) critOff[s + 1]!++;
  }
  for (let i = 0; i < n; i++) critOff[i + 1]! += critOff[i]!;
  const critLo = new Float64Array(critOff[n]!);
  const critHi = new Float64Array(critOff[n]!);
  const fill = critOff.slice(0, n);
  for (let q = 0; q < segs; q++) {
    const s = w.crit[q * 3]!;
    if (s < 0 || s >= n) continue;
    const at = fill[s]!++;
    critLo[at] = w.crit[q * 3 + 1]!;
    critHi[at] = w.crit[q * 3 + 2]!;
  }
  const d: DecodedTrace = {
    w,
    n,
    start: Float64Array.from(w.start),
    dur: Float64Array.from(w.dur),
    depth: Int32Array.from(w.depth),
    parent: Int32Array.from(w.parent),
    flags: Uint8Array.from(w.flags),
    gap: Float64Array.from(w.gap),
    critOff,
    critLo,
    critHi,
    onPath: new Uint8Array(n),
    pathCount: 0,
    firstOnPath: -1,
  };
  markPath(d, path);
  return d;
}

/** Marks the spans whose chain of (service, name) from their root equals `path` (parents precede children). */
export function markPath(d: DecodedTrace, path?: readonly CallPathSegment[]): void {
  const { w, n } = d;
  d.onPath.fill(0);
  d.pathCount = 0;
  d.firstOnPath = -1;
  const L = path?.length ?? 0;
  if (!path || L === 0) return;
  const svc = new Int32Array(L).fill(-2);
  const nm = new Int32Array(L).fill(-2);
  for (let s = 0; s < w.strings.length; s++) {
    for (let k = 0; k < L; k++) {
      if (w.strings[s] === path[k]!.service) svc[k] = s;
      if (w.strings[s] === path[k]!.name) nm[k] = s;
    }
  }
  const level = new Uint16Array(n);
  for (let i = 0; i < n; i++) {
    const p = d.parent[i]!;
    const k = p < 0 ? 0 : level[p]! > 0 && level[p]! < L ? level[p]! : -1;
    if (k >= 0 && w.service[i] === svc[k] && w.name[i] === nm[k]) {
      level[i] = k + 1;
      if (k + 1 === L) {
        d.onPath[i] = 1;
        d.pathCount++;
        if (d.firstOnPath < 0) d.firstOnPath = i;
      }
    }
  }
}

/** "Nice" axis ticks (1, 2, 5 × 10^k) between t0 and t1 for about `target` labels. */
export function niceTicks(t0: number, t1: number, target: number): number[] {
  const span = t1 - t0;
  if (!(span > 0) || !(target >= 1)) return [t0];
  const raw = span / target;
  const p = 10 ** Math.floor(Math.log10(raw));
  const m = raw / p;
  const step = (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * p;
  const out: number[] = [];
  for (let t = Math.ceil(t0 / step) * step, k = 0; t <= t1 + step * 1e-9 && k < 1000; t += step, k++) out.push(Math.round(t / step) * step);
  return out;
}

export interface TimeView {
  /** visible ms range */
  t0: number;
  t1: number;
}

/** Zoom a view around time `at` by `factor` (< 1 zooms in), kept inside [0, max] and no narrower than `minSpan`. */
export function zoomTime(v: TimeView, at: number, factor: number, max: number, minSpan = 1e-3): TimeView {
  const span = Math.min(max, Math.max(minSpan, (v.t1 - v.t0) * factor));
  const f = v.t1 > v.t0 ? (at - v.t0) / (v.t1 - v.t0) : 0.5;
  return clampTime({ t0: at - f * span, t1: at - f * span + span }, max);
}

export function panTime(v: TimeView, deltaMs: number, max: number): TimeView {
  return clampTime({ t0: v.t0 + deltaMs, t1: v.t1 + deltaMs }, max);
}

export function clampTime(v: TimeView, max: number): TimeView {
  const span = Math.min(Math.max(0, max), v.t1 - v.t0);
  let t0 = v.t0;
  if (t0 < 0) t0 = 0;
  if (t0 + span > max) t0 = max - span;
  return { t0, t1: t0 + span };
}
