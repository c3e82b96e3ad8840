/**
 * Capacity of a saturated component, from the traces alone (issue 15).
 *
 * For an operation the diagnosis calls `queueing` (its requests wait for a saturated worker/lock/pool):
 *  - arrival rate λ into the operation in each run: (spans − 1) / (last start − first start), with a 95 % Poisson
 *    interval and the coefficient of variation of the per-second arrival counts (how steady the rate was);
 *  - work time per request S, measured where it is visible, in this order:
 *      `children` — the operation's same-service, non-client child spans (the work once a worker runs it; the wait
 *                   is the gap before the first of them),
 *      `span`     — the whole span at low load, when the queue is in front of it (its caller's uncovered time grew
 *                   more than its own self time),
 *      `self`     — its self time at low load (spans that started with no other request of it in flight);
 *    always from the run with the lower load;
 *  - workers c: the most work spans ever in flight at once (children/span), none when the work is not visible (self);
 *  - utilisation ρ = λ·S / c in each run, offered load a = λ_incident·S, and the workers that keep ρ ≤ target:
 *    ⌈a / target⌉, also at the upper 95 % bounds of λ and S;
 *  - the mean queue wait with that many workers: Erlang C (M/M/c) scaled by (Ca² + Cs²)/2 for the measured
 *    variability of inter-arrival and work times (Allen-Cunneen).
 * Assumptions (stated in the output): Little's law in a steady state, work time independent of load, identical
 * workers behind one queue. Pure: no node:*, no vscode.
 */
import type { AggDetail } from '../aggregate/tree';
import { SPAN_KIND_NAMES } from '../model/span-table';
import type { Capacity, CapacityRun, CandidateKind } from './diagnosis';
import type { Cand, Ctx } from './context';
import { countBelow } from '../stats/index';
import { formatBusy } from '../format';

export interface CapacityOptions {
  /** utilisation target in (0, 1], default 0.7 */
  target?: number;
}

export const DEFAULT_CAPACITY_TARGET = 0.7;

interface RunData {
  det: AggDetail;
  rows: number[];
  /** per op row (same index as rows): work ns (children), first work start (ns, NaN without work children) */
  workNs: Float64Array;
  firstWork: Float64Array;
  /** work child rows */
  workRows: number[];
  workNames: Set<string>;
  /** in flight (other requests of the op) at each row's start */
  inflightAtStart: Int32Array;
}

const isClientKind = (k: number) => {
  const n = SPAN_KIND_NAMES[k];
  return n === 'client' || n === 'producer';
};

function collect(det: AggDetail, service: string, name: string): RunData | null {
  const m = det.model;
  const sid = m.strings.lookup(service);
  const nid = m.strings.lookup(name);
  if (sid < 0 || nid < 0) return null;
  const rows: number[] = [];
  const index = new Map<number, number>();
  for (let r = 0; r < m.size; r++) {
    if (det.traceOf[r]! < 0 || m.serviceCol[r] !== sid || m.nameCol[r] !== nid || !Number.isFinite(m.start[r]!) || !(m.duration[r]! >= 0)) continue;
    index.set(r, rows.length);
    rows.push(r);
  }
  if (rows.length < 2) return null;
  const workNs = new Float64Array(rows.length);
  const firstWork = new Float64Array(rows.length).fill(NaN);
  const workRows: number[] = [];
  const workNames = new Set<string>();
  for (let c = 0; c < m.size; c++) {
    const p = m.parent[c]!;
    if (p < 0) continue;
    const k = index.get(p);
    if (k === undefined) continue;
    if (m.serviceCol[c] !== sid || isClientKind(m.kind[c]!) || !Number.isFinite(m.start[c]!) || !(m.duration[c]! >= 0)) continue;
    workNs[k]! += m.duration[c]!;
    if (!(m.start[c]! >= firstWork[k]!)) firstWork[k] = m.start[c]!;
    workRows.push(c);
    workNames.add(m.strings.get(m.nameCol[c]!));
  }
  // others of the op in flight when a span starts: #starts before it − #ends at or before it
  const starts = Float64Array.from(rows, (r) => m.start[r]!).sort();
  const ends = Float64Array.from(rows, (r) => m.start[r]! + m.duration[r]!).sort();
  const below = countBelow;
  const inflightAtStart = Int32Array.from(rows, (r) => Math.max(0, below(starts, m.start[r]!, false) - below(ends, m.start[r]!, true)));
  return { det, rows, workNs, firstWork, workRows, workNames, inflightAtStart };
}

/**
 * Most intervals open at once. An end at t closes before a start at t opens, and ends count EPS early: a worker's
 * next span often starts a few ns–µs before the previous one is recorded as ended (timestamp rounding, end() called
 * after the worker was released).
 */
const EPS_NS = 10_000;
function maxOverlap(startNs: ArrayLike<number>, durNs: ArrayLike<number>): number {
  const n = startNs.length;
  const ev = new Float64Array(2 * n);
  const kind = new Int8Array(2 * n);
  const order = new Uint32Array(2 * n);
  for (let k = 0; k < n; k++) {
    ev[2 * k] = startNs[k]!;
    kind[2 * k] = 1;
    ev[2 * k + 1] = startNs[k]! + Math.max(0, durNs[k]! - EPS_NS);
    kind[2 * k + 1] = -1;
  }
  for (let k = 0; k < 2 * n; k++) order[k] = k;
  order.sort((a, b) => ev[a]! - ev[b]! || kind[a]! - kind[b]!);
  let cur = 0;
  let best = 0;
  for (let k = 0; k < 2 * n; k++) {
    cur += kind[order[k]!]!;
    if (cur > best) best = cur;
  }
  return best;
}

const meanOf = (x: ArrayLike<number>) => {
  let s = 0;
  for (let k = 0; k < x.length; k++) s += x[k]!;
  return x.length ? s / x.length : NaN;
};
const sdOf = (x: ArrayLike<number>) => {
  const n = x.length;
  if (n < 2) return 0;
  const m = meanOf(x);
  let s = 0;
  for (let k = 0; k < n; k++) s += (x[k]! - m) ** 2;
  return Math.sqrt(s / (n - 1));
};

/** Mean wait in queue of an M/M/c queue with offered load a = λS (Erlangs) and c servers, in units of S. */
export function erlangCWait(a: number, c: number): number {
  if (!(a >= 0) || c < 1) return NaN;
  if (a >= c) return Infinity;
  // Erlang B by recurrence (no factorials), then C from B
  let B = 1;
  for (let j = 1; j <= c; j++) B = (a * B) / (j + a * B);
  const C = (c * B) / (c - a * (1 - B));
  return C / (c - a);
}

/** Smallest integer ≥ x, tolerant of rounding noise (2.0000000001 → 2). */
const ceilTol = (x: number) => Math.max(1, Math.ceil(x - 1e-9));

type Mode = Capacity['workSource'];

/**
 * Capacity estimate for one operation (`service`/`name`) from the two runs' aggregation details, or null when it
 * cannot be estimated (fewer than 2 requests or no time window in the incident).
 */
export function estimateCapacity(
  b: AggDetail | null,
  i: AggDetail,
  op: { service: string; name: string },
  opts: CapacityOptions = {},
): Capacity | null {
  const target = opts.target ?? DEFAULT_CAPACITY_TARGET;
  if (!(target > 0 && target <= 1)) throw new RangeError(`capacity target must be in (0, 1], got ${target}`);
  const I = collect(i, op.service, op.name);
  if (!I) return null;
  let B = b ? collect(b, op.service, op.name) : null;

  const perRun = (R: RunData) => {
    const m = R.det.model;
    const st = Float64Array.from(R.rows, (r) => m.start[r]!);
    const du = Float64Array.from(R.rows, (r) => m.duration[r]!);
    const sorted = Float64Array.from(st).sort();
    const n = R.rows.length;
    const windowNs = sorted[n - 1]! - sorted[0]!;
    let lastEnd = -Infinity;
    for (let k = 0; k < n; k++) lastEnd = Math.max(lastEnd, st[k]! + du[k]!);
    const spanNs = Math.max(1, lastEnd - sorted[0]!);
    // inter-arrival CV and per-second counts
    const gaps = new Float64Array(n - 1);
    for (let k = 1; k < n; k++) gaps[k - 1] = sorted[k]! - sorted[k - 1]!;
    const seconds = Math.floor(windowNs / 1e9);
    let cv: number | null = null;
    if (seconds >= 3) {
      const counts = new Float64Array(seconds);
      for (let k = 0; k < n; k++) {
        const s = Math.floor((sorted[k]! - sorted[0]!) / 1e9);
        if (s < seconds) counts[s]!++;
      }
      const mc = meanOf(counts);
      cv = mc > 0 ? sdOf(counts) / mc : null;
    }
    return {
      n,
      windowS: windowNs / 1e9,
      rate: windowNs > 0 ? (n - 1) / (windowNs / 1e9) : NaN,
      gapCv: gaps.length > 1 ? sdOf(gaps) / Math.max(1e-12, meanOf(gaps)) : NaN,
      cv,
      inFlightMean: du.reduce((s, x) => s + x, 0) / spanNs,
      inFlightMax: maxOverlap(st, du),
      durationMs: meanOf(du) / 1e6,
    };
  };
  const loadI = perRun(I);
  if (!Number.isFinite(loadI.rate) || loadI.rate <= 0) return null;
  // a baseline without a time window (all arrivals at one instant) has no rate: leave it out
  let loadB = B ? perRun(B) : null;
  if (loadB && !(Number.isFinite(loadB.rate) && loadB.rate > 0)) {
    B = null;
    loadB = null;
  }
  const runs = B ? [B, I] : [I];
  // the low-load run: the one whose requests overlap least
  const low = B && loadB && loadB.inFlightMean <= loadI.inFlightMean ? B : I;

  // --- which work time
  const withWork = (R: RunData) => {
    let k = 0;
    for (let q = 0; q < R.rows.length; q++) if (!Number.isNaN(R.firstWork[q]!)) k++;
    return k / R.rows.length;
  };
  let mode: Mode;
  if (withWork(I) >= 0.5 && (!B || withWork(B) >= 0.5)) mode = 'children';
  else {
    // queue in front of the span (caller's uncovered time grew) or inside it (own self time grew)?
    const callerWait = (R: RunData) => {
      const m = R.det.model;
      let s = 0;
      let k = 0;
      for (const r of R.rows) {
        const p = m.parent[r]!;
        if (p < 0 || !isClientKind(m.kind[p]!) || m.serviceCol[p] === m.serviceCol[r]) continue;
        s += Math.max(0, m.duration[p]! - m.duration[r]!);
        k++;
      }
      return k ? s / k : 0;
    };
    const selfMean = (R: RunData) => meanOf(Float64Array.from(R.rows, (r) => R.det.selfNs[r]!));
    mode = B && callerWait(I) - callerWait(B) > selfMean(I) - selfMean(B) ? 'span' : 'self';
  }
  const workOf = (R: RunData, q: number): number => {
    const r = R.rows[q]!;
    if (mode === 'children') return R.workNs[q]!;
    if (mode === 'span') return R.det.model.duration[r]!;
    return R.det.selfNs[r]!;
  };
  const runWork = (R: RunData): Float64Array => {
    const out: number[] = [];
    for (let q = 0; q < R.rows.length; q++) if (mode !== 'children' || !Number.isNaN(R.firstWork[q]!)) out.push(workOf(R, q) / 1e6);
    return Float64Array.from(out);
  };
  // low load: spans that started alone (self/span), else every span of the low-load run
  let sample: Float64Array;
  let lowLoadNote: string;
  if (mode === 'children') {
    // the wait is before the work spans start, so their time does not include it at any load: both runs count
    const parts = runs.map(runWork);
    sample = new Float64Array(parts.reduce((s, p) => s + p.length, 0));
    let o = 0;
    for (const p of parts) {
      sample.set(p, o);
      o += p.length;
    }
    lowLoadNote = `its child span${I.workNames.size === 1 ? '' : 's'} ${[...I.workNames].slice(0, 3).join(', ')}${runs.length > 1 ? ' in both runs' : ''} (the wait before them is not work)`;
  } else {
    const alone: number[] = [];
    for (const R of runs) for (let q = 0; q < R.rows.length; q++) if (R.inflightAtStart[q] === 0) alone.push(workOf(R, q) / 1e6);
    if (alone.length >= 5) {
      sample = Float64Array.from(alone);
      lowLoadNote = `its ${mode === 'self' ? 'self time' : 'duration'} on the ${alone.length} requests that arrived with no other in flight`;
    } else {
      sample = runWork(low);
      lowLoadNote = `its ${mode === 'self' ? 'self time' : 'duration'} in the ${low === B ? 'baseline' : 'incident'} (too few requests arrived alone)`;
    }
  }
  if (sample.length === 0) return null;
  const S = meanOf(sample);
  const seS = sample.length > 1 ? sdOf(sample) / Math.sqrt(sample.length) : S;
  const Shi = S + 1.96 * seS;
  const Cs = S > 0 ? sdOf(sample) / S : 0;

  // --- workers: the most work spans in flight at once, in either run
  let workers: number | null = null;
  if (mode === 'children' || mode === 'span') {
    let c = 0;
    for (const R of runs) {
      const m = R.det.model;
      const rows = mode === 'children' ? R.workRows : R.rows;
      c = Math.max(c, maxOverlap(Float64Array.from(rows, (r) => m.start[r]!), Float64Array.from(rows, (r) => m.duration[r]!)));
    }
    workers = c > 0 ? c : null;
  }

  const runOut = (R: RunData, L: ReturnType<typeof perRun>): CapacityRun => {
    const w = runWork(R);
    const workMs = w.length ? meanOf(w) : S;
    let waitMs: number | null = null;
    if (mode === 'children') {
      const m = R.det.model;
      const waits: number[] = [];
      for (let q = 0; q < R.rows.length; q++) if (!Number.isNaN(R.firstWork[q]!)) waits.push((R.firstWork[q]! - m.start[R.rows[q]!]!) / 1e6);
      waitMs = waits.length ? meanOf(waits) : null;
    }
    const nI = Math.max(0, L.n - 1);
    const half = 1.96 * Math.sqrt(nI);
    return {
      requests: L.n,
      windowS: L.windowS,
      arrivalsPerS: L.rate,
      arrivalsPerSRange: [Math.max(0, (nI - half) / L.windowS), (nI + half) / L.windowS],
      arrivalsCv: L.cv,
      inFlightMean: L.inFlightMean,
      inFlightMax: L.inFlightMax,
      durationMs: L.durationMs,
      waitMs,
      workMs,
      utilisation: workers ? (L.rate * workMs) / 1000 / workers : null,
    };
  };
  const incident = runOut(I, loadI);
  const baseline = B && loadB ? runOut(B, loadB) : undefined;

  const a = (incident.arrivalsPerS * S) / 1000;
  const aHi = (incident.arrivalsPerSRange[1] * Shi) / 1000;
  const workersNeeded = ceilTol(a / target);
  const workersNeededHigh = Math.max(workersNeeded, ceilTol(aHi / target));
  const Ca = Number.isFinite(loadI.gapCv) ? loadI.gapCv : 1;
  const wq = erlangCWait(a, workersNeeded);
  const predictedWaitMs = Number.isFinite(wq) ? wq * S * ((Ca * Ca + Cs * Cs) / 2) : null;

  const f = (x: number) => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));
  const ms = (x: number) => (x >= 1000 ? `${(x / 1000).toFixed(2)} s` : `${x >= 10 ? x.toFixed(0) : x.toFixed(1)} ms`);
  const pc = formatBusy;
  const label = `${op.service} / ${op.name}`;
  const workWhat = mode === 'children' ? 'of work' : mode === 'span' ? 'of service (whole span)' : 'of own time';
  const util = (r: CapacityRun | undefined) => (r && r.utilisation !== null ? pc(r.utilisation) : null);
  const summary =
    `${label}: ${f(incident.arrivalsPerS)} req/s × ${ms(S)} ${workWhat} per request = ${f(a)} busy workers` +
    (workers !== null ? ` on ${workers} worker${workers === 1 ? '' : 's'} → ${util(incident)} utilised` : ' (worker count not visible in the traces)') +
    (baseline ? ` (baseline ${f(baseline.arrivalsPerS)} req/s${util(baseline) ? `, ${util(baseline)}` : ''})` : '') +
    `; ${workersNeeded} worker${workersNeeded === 1 ? ' keeps' : 's keep'} it under ${pc(target)}` +
    (workersNeededHigh > workersNeeded ? ` (${workersNeededHigh} at the upper 95 % bounds of rate and work time)` : ' (also at the upper 95 % bounds of rate and work time)') +
    (predictedWaitMs !== null ? `, predicted queue wait then ≈ ${ms(predictedWaitMs)}` : '');
  const poisson = 1 / Math.sqrt(Math.max(1e-9, incident.arrivalsPerS));
  const assumptions = [
    `work time = ${lowLoadNote}: ${ms(S)} (95 % ${ms(S - 1.96 * seS)}–${ms(Shi)}, n=${sample.length})` +
      (baseline ? `; per run ${ms(baseline.workMs)} → ${ms(incident.workMs)}` : ''),
    `work time does not depend on load${baseline && Math.abs(incident.workMs - baseline.workMs) > 0.15 * Math.max(1e-9, baseline.workMs) ? ` (it changed by ${pc(Math.abs(incident.workMs / baseline.workMs - 1))} between the runs: treat the figures as rough)` : ''}`,
    `steady state over the window (${f(incident.windowS)} s, ${incident.requests} requests): arrivals per second vary with CV ${incident.arrivalsCv === null ? 'n/a' : incident.arrivalsCv.toFixed(2)} (a steady Poisson stream ≈ ${poisson.toFixed(2)}); rate 95 % ${f(incident.arrivalsPerSRange[0])}–${f(incident.arrivalsPerSRange[1])} req/s`,
    `Little's law L = λW: ${f(incident.inFlightMean)} requests in flight on average = ${f(incident.arrivalsPerS)}/s × ${ms(incident.durationMs)}`,
    workers !== null
      ? `${workers} identical worker${workers === 1 ? '' : 's'} behind one queue (the most ${mode === 'children' ? 'work spans' : 'spans of it'} ever in flight at once)`
      : 'worker count not visible: the work and the wait are both inside the span\'s own time; workers needed = offered load / target',
    `predicted wait: M/M/c (Erlang C) × (Ca² + Cs²)/2 with Ca=${Ca.toFixed(2)}, Cs=${Cs.toFixed(2)} (Allen-Cunneen)`,
  ];
  const out: Capacity = {
    workSource: mode,
    workMs: S,
    workMsRange: [Math.max(0, S - 1.96 * seS), Shi],
    workers,
    offeredLoad: a,
    target,
    workersNeeded,
    workersNeededHigh,
    predictedWaitMs,
    incident,
    assumptions,
    summary,
  };
  if (mode === 'children') out.workOperations = [...I.workNames].sort();
  if (baseline) out.baseline = baseline;
  return out;
}

const fmtNum = (x: number) => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));
const fmtMs = (x: number) => (x >= 1000 ? `${(x / 1000).toFixed(2)} s` : `${x >= 10 ? x.toFixed(0) : x.toFixed(1)} ms`);
const fmtPc = (x: number | null) => (x === null ? '—' : formatBusy(x));

/** How busy the operation was: "0.14 req/s × 52 ms work on 1 worker → 1 % busy (baseline 1 %)". */
export function utilisationBrief(cap: Capacity): string {
  const util = cap.incident.utilisation;
  return (
    `${fmtNum(cap.incident.arrivalsPerS)} req/s × ${fmtMs(cap.workMs)} ${cap.workSource === 'children' ? 'work' : cap.workSource === 'span' ? 'service' : 'own time'}` +
    (cap.workers !== null ? ` on ${cap.workers} worker${cap.workers === 1 ? '' : 's'} → ${fmtPc(util)} busy` : ` = ${fmtNum(cap.offeredLoad)} busy workers`) +
    (cap.baseline && cap.baseline.utilisation !== null ? ` (baseline ${fmtPc(cap.baseline.utilisation)})` : '')
  );
}

/** One short line (hover, chat context): "2.71 req/s × 313 ms work on 1 worker → 87 % busy (baseline 31 %); 2 workers keep it ≤ 70 %". */
export function capacityBrief(cap: Capacity): string {
  return (
    utilisationBrief(cap) +
    `; ${cap.workersNeeded} worker${cap.workersNeeded === 1 ? '' : 's'} keep it ≤ ${fmtPc(cap.target)}` +
    (cap.workersNeededHigh > cap.workersNeeded ? ` (${cap.workersNeededHigh} at the 95 % bounds)` : '')
  );
}

/** The figures per run as table rows [label, baseline, incident] (HTML report). */
export function capacityRows(cap: Capacity): [string, string, string][] {
  const b = cap.baseline;
  const i = cap.incident;
  const cell = (f: (r: CapacityRun) => string) => [b ? f(b) : '—', f(i)] as [string, string];
  return [
    ['requests (window)', ...cell((r) => `${r.requests} (${fmtNum(r.windowS)} s)`)],
    ['arrivals per second (95 %)', ...cell((r) => `${fmtNum(r.arrivalsPerS)} (${fmtNum(r.arrivalsPerSRange[0])}–${fmtNum(r.arrivalsPerSRange[1])})`)],
    ['per-second arrivals CV', ...cell((r) => (r.arrivalsCv === null ? '—' : r.arrivalsCv.toFixed(2)))],
    ['in flight, mean / max', ...cell((r) => `${fmtNum(r.inFlightMean)} / ${r.inFlightMax}`)],
    ['duration, mean', ...cell((r) => fmtMs(r.durationMs))],
    ['wait before the work', ...cell((r) => (r.waitMs === null ? '—' : fmtMs(r.waitMs)))],
    ['work per request', ...cell((r) => fmtMs(r.workMs))],
    ['utilisation', ...cell((r) => fmtPc(r.utilisation))],
  ];
}

/** Below this utilisation a callee is not saturated: the longer wait of its callers is outside its work. */
export const IDLE_UTILISATION = 0.5;

/**
 * What a queueing finding is, once the callee's load is known — the ranker writes the candidate's kind, summary,
 * evidence and capacity from it:
 *  - a wait between callers' spans and the callee's span (`c.wait`) at a callee that is far from busy (utilisation
 *    below IDLE_UTILISATION, summed over the callee's operations the callers reach: one pool serves them) is outside its work → call_delay, no capacity estimate (one evidence line says how
 *    busy it was); every call of one caller waiting longer (side caller) is the same, whatever its callees' load;
 *  - otherwise queueing, with the capacity estimate when the traces show one (not for the slowest-decile split).
 * Other kinds pass through unchanged.
 */
export function readWait(ctx: Pick<Ctx, 'b' | 'i' | 'capacity'>, c: Cand): { kind: CandidateKind; summary: string; evidence: string[]; capacity?: Capacity } {
  if (c.kind !== 'queueing') return { kind: c.kind, summary: c.summary, evidence: c.evidence };
  if (c.wait?.side === 'caller') return { kind: 'call_delay', summary: c.wait.summary({ load: 'unknown' }), evidence: c.evidence };
  const cap = ctx.capacity && ctx.i ? estimateCapacity(ctx.b ?? null, ctx.i, c, ctx.capacity) : null;
  let u = cap?.incident.utilisation ?? null;
  // the callee's other operations its callers reach share its workers: their utilisations add up
  let others = 0;
  if (u !== null && c.wait?.ops) {
    for (const name of c.wait.ops) {
      if (name === c.name) continue;
      const o = estimateCapacity(ctx.b ?? null, ctx.i!, { service: c.service, name }, ctx.capacity);
      if (o?.incident.utilisation != null) (u += o.incident.utilisation), others++;
    }
  }
  if (cap && c.wait && u !== null && u < IDLE_UTILISATION) {
    const all = others ? `; with its ${others} other operation${others === 1 ? '' : 's'} the callers reach, ${formatBusy(u)} busy in all` : '';
    return { kind: 'call_delay', summary: c.wait.summary({ load: 'idle', utilisation: u }), evidence: [...c.evidence, `${c.service} is not saturated: ${utilisationBrief(cap)}${all}`] };
  }
  const summary = c.wait ? c.wait.summary(u === null ? { load: 'unknown' } : { load: 'busy', utilisation: u }) : c.summary;
  return cap ? { kind: 'queueing', summary, evidence: [...c.evidence, `capacity: ${cap.summary}`], capacity: cap } : { kind: 'queueing', summary, evidence: c.evidence };
}
