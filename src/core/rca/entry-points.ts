/**
 * Per-entry-point regression tests: "is it slower?" asked per kind of request, on tails and counts too.
 *
 * Real faults hit one endpoint among many (15 of 500 traces), make requests fail fast (the average trace gets FASTER),
 * or cut throughput; an end-to-end test over all traces misses all three. This detector groups each run's traces by
 * entry point and tests every entry point on its own.
 *
 * Entry point of a trace = its root operation (service + name) refined by the FIRST remote call made inside the root's
 * service: the earliest-starting span of another service whose parent span belongs to the root's service, timed from
 * the caller's side (its CLIENT/PRODUCER parent's start when there is one; calls made at the same instant: the longer,
 * then the smallest service / name — never the file's row order). Many systems
 * give every request the same root name (a gateway's `/*`, a frontend's `Recv.`); the first call says which request it
 * was (`ts-gateway-service / /* → ts-preserve-service / /api/v1/preserveservice/preserve`). A trace whose root service
 * calls nothing keeps the root operation alone. The rule is stable when a request is aborted after its first call (the
 * first call still happened, so the aborted trace stays in its group and shows as shorter, with fewer spans); a request
 * aborted before any call moves to the root-only group, which shows as a rate drop of its own group.
 * The root is the trace's parentless non-orphan span (the longest one when there are several; the longest orphan
 * when the trace has no true root, as the end-to-end latency does).
 *
 * Tests per entry point, baseline → incident (each with its before → after figures):
 *  - rate: traces per minute over each run's window (first start to last end of the run's traces); exact conditional
 *    test of two Poisson rates (one-sided: the rate fell); a practical effect is a drop of at least a third. Not for an
 *    entry point whose lost traffic reappears under the same root with another first call (its root's traffic over the
 *    entry points that make a call fell by less than half of it): the same requests, relabelled by a change of timing. Skipped
 *    when a window is shorter than 10 × the run's median trace latency (the window would measure latency, not arrivals).
 *  - latency: Mann-Whitney U two-sided on the entry's end-to-end latencies (slower, and fail-fast faster); practical:
 *    |Cliff's delta| ≥ 0.147 (not negligible), as the overall gate.
 *  - tail: how many incident traces lie above the baseline's p95 — the exact exceedance test (under no change the
 *    count of incident values above the m-th largest of nB baseline values has P(X = x) = C(m−1+x, x)·C(nB−m+nI−x,
 *    nI−x) / C(nB+nI, nI), the binomial test corrected for the p95 being estimated from nB traces); practical: at least
 *    twice the expected share (≈ 5 %) above it.
 *  - spans: spans per trace, Mann-Whitney two-sided (structure: calls that stop happening, traces that end early);
 *    practical |Cliff's delta| ≥ 0.147.
 *  - errors: traces with a failed span (status, or http/grpc codes and exception events: core/model/failed.ts), one-
 *    sided Fisher exact test; practical: ≥ 2 percentage points more, as the overall gate.
 * Distribution tests need ≥ 5 traces on both sides; the rate test runs for any entry point with ≥ 5 baseline traces.
 * All p-values are Holm-adjusted over every test run (entry points × tests); a change is a finding when its adjusted p
 * is below α AND its practical effect holds, so runs of 10⁵ traces do not flag noise.
 *
 * Cost: two passes over the span rows plus one counting sort of the traces (O(spans + traces) time, a few typed
 * arrays of the trace count); the Mann-Whitney tests sort each entry point's values once.
 */
import type { AggDetail } from '../aggregate/tree';
import { countBelow, exceedanceUpper, fisherGreater, mannWhitney, mean, normalCdf, pValue as pText, quantileSorted, rateDropTest } from '../stats/index';

export { exceedanceUpper, fisherGreater };
import { fmt, pct, restateErrors, restateVerdict, textOrder } from './context';
import { SpanKind } from '../model/span-table';
import type { EntryChange, EntryPointFinding } from './diagnosis';

export type EntryTestName = EntryChange['test'];
export type EntryFinding = EntryPointFinding;

export interface EntryPointResult {
  /** entry points with at least one significant change, most significant first */
  findings: EntryFinding[];
  /** entry points seen in either run */
  entries: number;
  /** tests run (the Holm family) */
  tests: number;
  /** incident traces (for "15 of 500 traces") */
  incidentTraces: number;
  /**
   * Is the incident slower WITHIN entry points? Van Elteren's stratified Mann-Whitney (one-sided, strata = entry
   * points with ≥ 2 traces on both sides, each stratum's U weighted by 1/(n+1)) and the incident-weighted mean of the
   * per-entry Cliff's deltas. A pooled end-to-end test reads a change of the request mix (fewer fast requests) as a
   * slowdown; this one does not. null when no entry point has traces on both sides.
   */
  within: { p: number; delta: number } | null;
  /** both runs grouped by entry point (for the relevance of candidates to a changed entry point: ./relevance.ts) */
  runs: { b: EntryRun; i: EntryRun };
}

/** Minimum traces per side for the distribution tests. */
export const MIN_ENTRY_TRACES = 5;
const MIN_DELTA = 0.147;
const RATE_DROP = 2 / 3;

interface EntryGroup {
  key: string;
  root: { service: string; name: string };
  firstCall?: { service: string; name: string };
  latency: Float64Array;
  spans: Float64Array;
  errors: number;
  /** the group's traces (dense trace indices of the run's AggDetail), in the order of `latency` */
  traces: Int32Array;
}

export interface EntryRun {
  groups: Map<string, EntryGroup>;
  /** window of the run, minutes (first start to last end of its traces); 0 when unknown */
  windowMin: number;
  medianLatencyMs: number;
  traces: number;
}

/** Group one run's traces by entry point (rows filtered out by a split — nodeOf < 0 — are skipped). */
export function entryPointsOf(det: AggDetail): EntryRun {
  const m = det.model;
  const n = m.size;
  const T = det.tree.traceCount;
  const P = m.parent;
  const svc = m.serviceCol;
  const start = m.start;
  const dur = m.duration;
  const traceOf = det.traceOf;
  const nodeOf = det.nodeOf;
  const rootRow = new Int32Array(T).fill(-1);
  const spans = new Int32Array(T);
  // pass 1: the root of each trace (non-orphan first, then the longest), spans per trace
  for (let r = 0; r < n; r++) {
    const t = traceOf[r]!;
    if (t < 0 || nodeOf[r]! < 0) continue;
    spans[t]!++;
    if (P[r]! >= 0) continue;
    const cur = rootRow[t]!;
    if (cur < 0) {
      rootRow[t] = r;
      continue;
    }
    const oc = m.orphan[cur]!;
    const or = m.orphan[r]!;
    if (or < oc || (or === oc && dur[r]! > dur[cur]!)) rootRow[t] = r;
  }
  // pass 2: the first call — a span of another service whose parent is in the root's service, timed from the caller's
  // side (the start of its CLIENT/PRODUCER parent span when it has one: a queue in front of the callee delays the
  // callee's span, not the call). Calls made at the same instant: the longer one, then the smallest service / name (not
  // the file's row order). Parallel calls that start apart keep their order; when a change of timing moves a request to
  // another first call, the rate test below does not read it as lost traffic (relabelled).
  const kind = m.kind;
  const callAt = (r: number) => {
    const p = P[r]!;
    return kind[p] === SpanKind.Client || kind[p] === SpanKind.Producer ? p : r;
  };
  const str0 = (id: number) => m.strings.get(id);
  /** service, then name, as strings (the interned ids follow the row order) */
  const before = (r: number, c: number) => (textOrder(str0(svc[r]!), str0(svc[c]!)) || textOrder(str0(m.nameCol[r]!), str0(m.nameCol[c]!))) < 0;
  const callRow = new Int32Array(T).fill(-1);
  for (let r = 0; r < n; r++) {
    const t = traceOf[r]!;
    if (t < 0 || nodeOf[r]! < 0) continue;
    const p = P[r]!;
    const root = rootRow[t]!;
    if (p < 0 || root < 0) continue;
    const rs = svc[root]!;
    if (svc[p]! !== rs || svc[r]! === rs) continue;
    const c = callRow[t]!;
    if (c < 0) {
      callRow[t] = r;
      continue;
    }
    const ar = callAt(r);
    const ac = callAt(c);
    if (start[ar]! < start[ac]!) callRow[t] = r;
    else if (start[ar]! === start[ac]!) {
      if (dur[ar]! > dur[ac]!) callRow[t] = r;
      else if (dur[ar]! === dur[ac]! && (svc[r] !== svc[c] || m.nameCol[r] !== m.nameCol[c]) && before(r, c)) callRow[t] = r;
    }
  }
  // entry id per trace (numeric key of the interned strings), counting sort of the traces by entry
  const idOf = new Map<string, number>();
  const rowsOfEntry: number[] = [];
  const callOfEntry: number[] = [];
  const entryOf = new Int32Array(T).fill(-1);
  for (let t = 0; t < T; t++) {
    const root = rootRow[t]!;
    if (root < 0) continue;
    const c = callRow[t]!;
    const k = c >= 0 ? `${svc[root]},${m.nameCol[root]},${svc[c]},${m.nameCol[c]}` : `${svc[root]},${m.nameCol[root]}`;
    let id = idOf.get(k);
    if (id === undefined) {
      id = rowsOfEntry.length;
      idOf.set(k, id);
      rowsOfEntry.push(root);
      callOfEntry.push(c);
    }
    entryOf[t] = id;
  }
  const E = rowsOfEntry.length;
  const offs = new Int32Array(E + 1);
  for (let t = 0; t < T; t++) if (entryOf[t]! >= 0) offs[entryOf[t]! + 1]!++;
  for (let e = 0; e < E; e++) offs[e + 1]! += offs[e]!;
  const fill = offs.slice(0, E);
  const lat = new Float64Array(offs[E]!);
  const sp = new Float64Array(offs[E]!);
  const tr = new Int32Array(offs[E]!);
  const err = new Int32Array(E);
  let first = Infinity;
  let last = -Infinity;
  for (let t = 0; t < T; t++) {
    const s = det.traceStartNs[t]!;
    const end = s + det.traceLatencyMs[t]! * 1e6;
    if (s < first) first = s;
    if (end > last) last = end;
    const e = entryOf[t]!;
    if (e < 0) continue;
    const at = fill[e]!++;
    lat[at] = det.traceLatencyMs[t]!;
    sp[at] = spans[t]!;
    tr[at] = t;
    err[e]! += det.traceError[t]!;
  }
  const str = (id: number) => m.strings.get(id);
  const groups = new Map<string, EntryGroup>();
  for (let e = 0; e < E; e++) {
    const root = rowsOfEntry[e]!;
    const c = callOfEntry[e]!;
    const g: EntryGroup = {
      key: '',
      root: { service: str(svc[root]!), name: str(m.nameCol[root]!) },
      latency: lat.subarray(offs[e]!, offs[e + 1]!),
      spans: sp.subarray(offs[e]!, offs[e + 1]!),
      errors: err[e]!,
      traces: tr.subarray(offs[e]!, offs[e + 1]!),
    };
    if (c >= 0) g.firstCall = { service: str(svc[c]!), name: str(m.nameCol[c]!) };
    g.key = entryLabel(g);
    groups.set(g.key, g);
  }
  const sortedLat = Float64Array.from(det.traceLatencyMs).sort();
  return {
    groups,
    windowMin: Number.isFinite(last - first) && last > first ? (last - first) / 6e10 : 0,
    medianLatencyMs: quantileSorted(sortedLat, 0.5),
    traces: T,
  };
}

const entryLabel = (g: { root: { service: string; name: string }; firstCall?: { service: string; name: string } }) =>
  `${g.root.service} / ${g.root.name}` + (g.firstCall ? ` → ${g.firstCall.service} / ${g.firstCall.name}` : '');

interface Pending {
  entry: string;
  g: { b?: EntryGroup; i?: EntryGroup };
  test: EntryTestName;
  p: number;
  practical: boolean;
  before: number;
  after: number;
  text: (p: string) => string;
}

const median = (x: Float64Array) => quantileSorted(Float64Array.from(x).sort(), 0.5);

/** Test every entry point of the incident run against the baseline; Holm over all tests; findings at `alpha`. */
export function entryPointChanges(b: AggDetail, i: AggDetail, alpha: number, opts: { rates?: boolean } = {}): EntryPointResult {
  const rb = entryPointsOf(b);
  const ri = entryPointsOf(i);
  const keys = new Set([...rb.groups.keys(), ...ri.groups.keys()]);
  const rateOk =
    opts.rates !== false && rb.windowMin > 0 && ri.windowMin > 0 &&
    rb.windowMin * 6e4 >= 10 * rb.medianLatencyMs && ri.windowMin * 6e4 >= 10 * ri.medianLatencyMs;
  // the traffic of each root operation over its entry points that make a call, per minute: a request that a change of
  // timing moved to another first call is not traffic that was lost (its root's traffic did not fall)
  const rootOf = (g: EntryGroup) => `${g.root.service}\u0000${g.root.name}`;
  const rootLoss = new Map<string, number>();
  if (rb.windowMin > 0 && ri.windowMin > 0) {
    for (const g of rb.groups.values()) if (g.firstCall) rootLoss.set(rootOf(g), (rootLoss.get(rootOf(g)) ?? 0) + g.latency.length / rb.windowMin);
    for (const g of ri.groups.values()) if (g.firstCall) rootLoss.set(rootOf(g), (rootLoss.get(rootOf(g)) ?? 0) - g.latency.length / ri.windowMin);
  }
  const tests: Pending[] = [];
  let zNum = 0;
  let zVar = 0;
  let dSum = 0;
  let dW = 0;
  for (const key of keys) {
    const gb = rb.groups.get(key);
    const gi = ri.groups.get(key);
    const nB = gb?.latency.length ?? 0;
    const nI = gi?.latency.length ?? 0;
    const g = { b: gb, i: gi };
    // (asked only of a drop large enough to be a finding: smaller ones are tested as before)
    const relabelled = (rB: number, rI: number) => !!gb?.firstCall && rI <= RATE_DROP * rB && (rootLoss.get(rootOf(gb)) ?? 0) < 0.5 * (rB - rI);
    if (rateOk && nB >= MIN_ENTRY_TRACES && !relabelled(nB / rb.windowMin, nI / ri.windowMin)) {
      const rB = nB / rb.windowMin;
      const rI = nI / ri.windowMin;
      tests.push({
        entry: key, g, test: 'rate', p: rateDropTest(nB, rb.windowMin, nI, ri.windowMin), practical: rI <= RATE_DROP * rB,
        before: rB, after: rI,
        text: (p) => `traces per minute ${rateText(rB)} → ${rateText(rI)} (exact Poisson rate test, ${p})`,
      });
    }
    if (gb && gi && nB >= 2 && nI >= 2 && (nB < MIN_ENTRY_TRACES || nI < MIN_ENTRY_TRACES)) {
      const w = mannWhitney(gb.latency, gi.latency, 'greater');
      addStratum(nB, nI, w.u, w.cliffsDelta);
    }
    if (!gb || !gi || nB < MIN_ENTRY_TRACES || nI < MIN_ENTRY_TRACES) continue;
    const lb = Float64Array.from(gb.latency).sort();
    const li = Float64Array.from(gi.latency).sort();
    const medB = quantileSorted(lb, 0.5);
    const medI = quantileSorted(li, 0.5);
    const mw = mannWhitney(lb, li, 'two-sided');
    addStratum(nB, nI, mw.u, mw.cliffsDelta);
    tests.push({
      entry: key, g, test: 'latency', p: mw.p, practical: Math.abs(mw.cliffsDelta) >= MIN_DELTA, before: medB, after: medI,
      text: (p) => `median ${fmt(medB)} → ${fmt(medI)} (${medI >= medB ? 'slower' : 'faster'}; Mann-Whitney ${p}, Cliff's delta ${mw.cliffsDelta.toFixed(2)})`,
    });
    // tail: incident traces above the baseline's p95 (the value at rank ⌈0.95·nB⌉; m baseline values lie above it + 1)
    const r95 = Math.max(0, Math.ceil(0.95 * nB) - 1);
    const thr = lb[r95]!;
    const m = nB - r95;
    const above = nI - countBelow(li, thr, true);
    const expected = m / (nB + 1);
    const p95B = quantileSorted(lb, 0.95);
    const p95I = quantileSorted(li, 0.95);
    tests.push({
      entry: key, g, test: 'tail', p: exceedanceUpper(nB, m, nI, above), practical: above / nI >= 2 * expected && p95I > p95B, before: p95B, after: p95I,
      text: (p) => `p95 ${fmt(p95B)} → ${fmt(p95I)}, ${above} of ${nI} traces above the baseline p95 (${pct(above / nI)}, expected ${pct(expected)}; exact exceedance test, ${p})`,
    });
    const sB = gb.spans;
    const sI = gi.spans;
    const sw = mannWhitney(sB, sI, 'two-sided');
    const msB = median(sB);
    const msI = median(sI);
    const avgB = mean(sB);
    const avgI = mean(sI);
    tests.push({
      entry: key, g, test: 'spans', p: sw.p, practical: Math.abs(sw.cliffsDelta) >= MIN_DELTA, before: msB, after: msI,
      text: (p) => `spans per trace median ${num(msB)} → ${num(msI)}, mean ${num(avgB)} → ${num(avgI)} (Mann-Whitney ${p}, Cliff's delta ${sw.cliffsDelta.toFixed(2)})`,
    });
    const eB = gb.errors / nB;
    const eI = gi.errors / nI;
    if (gb.errors + gi.errors > 0) {
      tests.push({
        entry: key, g, test: 'errors', p: fisherGreater(gb.errors, nB, gi.errors, nI), practical: eI - eB >= 0.02, before: eB, after: eI,
        text: (p) => `traces with errors ${gb.errors}/${nB} → ${gi.errors}/${nI} (Fisher exact, ${p})`,
      });
    }
  }
  const within = zVar > 0 ? { p: 1 - normalCdf(zNum / Math.sqrt(zVar)), delta: dSum / dW } : null;
  // Holm: adjusted p of the j-th smallest = max over i ≤ j of (M − i + 1)·p(i)
  const M = tests.length;
  const pOf = (k: number) => (Number.isFinite(tests[k]!.p) ? tests[k]!.p : 1);
  const order = tests.map((_, k) => k).sort((x, y) => pOf(x) - pOf(y));
  const adj = new Float64Array(M);
  let run = 0;
  order.forEach((k, j) => {
    const p = pOf(k);
    run = Math.max(run, Math.min(1, (M - j) * p));
    adj[k] = run;
  });
  const byEntry = new Map<string, EntryFinding & { best: number }>();
  tests.forEach((t, k) => {
    if (!(adj[k]! < alpha) || !t.practical) return;
    let f = byEntry.get(t.entry);
    if (!f) {
      const g = (t.g.i ?? t.g.b)!;
      f = {
        entry: t.entry,
        root: g.root,
        ...(g.firstCall ? { firstCall: g.firstCall } : {}),
        traces: { baseline: t.g.b?.latency.length ?? 0, incident: t.g.i?.latency.length ?? 0 },
        changes: [],
        best: 1,
      };
      byEntry.set(t.entry, f);
    }
    f.changes.push({ test: t.test, before: round(t.before), after: round(t.after), p: adj[k]!, text: t.text(pText(adj[k]!)) });
    f.best = Math.min(f.best, adj[k]!);
  });
  const findings = [...byEntry.values()]
    // ties by the entry's words, then the test's: never by the order in which the rows first met them
    .sort((x, y) => x.best - y.best || y.traces.incident - x.traces.incident || textOrder(x.entry, y.entry))
    .map(({ best: _best, ...f }) => {
      f.changes.sort((x, y) => x.p - y.p || textOrder(x.test, y.test));
      return f;
    });
  return { findings, entries: keys.size, tests: M, incidentTraces: ri.traces, within, runs: { b: rb, i: ri } };

  function addStratum(nB: number, nI: number, u: number, delta: number) {
    // Van Elteren: U of the stratum weighted by 1/(n+1); E[U] = nB·nI/2, Var[U] = nB·nI·(n+1)/12
    const n1 = nB + nI + 1;
    zNum += (u - (nB * nI) / 2) / n1;
    zVar += (nB * nI) / (12 * n1);
    dSum += nI * delta;
    dW += nI;
  }
}

export interface GateInput {
  /** the end-to-end decisions so far (overall tests, service evidence not yet applied) */
  slower: boolean;
  errorsUp: boolean;
  alpha: number;
  /** "end-to-end latency A → B per trace" */
  overall: string;
  /** the overall tests with their p-values */
  tests: string;
  /** "traces with errors a/b → c/d" and its p-value */
  errors: string;
  errorsP: number;
  /** the leading service finding, when there is one (said in the same line) */
  service?: string;
}

export interface GateOutput {
  slower: boolean;
  errorsUp: boolean;
  /** the entry points opened the gate (the overall tests said "not slower") */
  opened: boolean;
  /**
   * the pooled end-to-end test says slower only because the request mix changed: no entry point is slower (within
   * entry points the stratified test says no), and an entry point's traffic fell. Still a regression (the traffic),
   * but no component is to blame for the latency.
   */
  mixOnly: boolean;
}

/**
 * Does this entry-point finding make the run a regression? Traffic that fell, slower (median or tail), a different
 * structure (spans per trace), and FASTER only together with less work (fewer spans: failing fast) — a faster median
 * with the same work is an improvement (reported in regression.entryPoints, but it opens nothing); errors are decided
 * apart.
 */
export const opensRegression = (f: EntryFinding) => f.changes.some((c) => c.test !== 'errors' && !(c.test === 'latency' && c.after < c.before));

/** A change that is slower: the median or the tail of an entry point's latency went up. */
export const slowerChange = (c: { test: string; before: number; after: number }) => (c.test === 'latency' || c.test === 'tail') && c.after > c.before;

/**
 * The one decision, stated once: entry-point findings turn "not slower" into a regression (replacing the "not slower
 * beyond noise" note by one line naming the entry point and what changed), add one line when the gate was already
 * open, and recognise a pooled slowdown that is only a change of the request mix. Edits `notes` in place.
 */
export function entryGate(r: EntryPointResult, notes: string[], g: GateInput): GateOutput {
  const nI = r.incidentTraces;
  const slowF = r.findings.filter(opensRegression);
  const more = slowF.length > 1 ? ` (and ${slowF.length - 1} more entry point${slowF.length > 2 ? 's' : ''}: regression.entryPoints)` : '';
  let { slower, errorsUp } = g;
  let opened = false;
  let mixOnly = false;
  const slowerSomewhere = r.findings.some((f) => f.changes.some(slowerChange));
  const rateF = r.findings.filter((f) => f.changes.some((c) => c.test === 'rate'));
  if (!slower && slowF.length > 0) {
    slower = opened = true;
    const line = `${g.overall} is not significantly higher overall (${g.tests}), but ${describeEntryFinding(slowF[0]!, nI, r.tests, r.entries)}${more}` +
      (g.service ? `; ${g.service}` : '');
    restateVerdict(notes, line);
  } else if (slower && !slowerSomewhere && rateF.length > 0 && r.within && r.within.delta < MIN_DELTA && !(r.within.p < g.alpha)) {
    // "only the mix changed" needs evidence that nothing is slower within the entry points: a negligible effect there,
    // not merely a test too weak to reach significance (18 traces with a mean Cliff's delta of 0.46 are not "no change")
    mixOnly = true;
    notes.push(
      `${g.overall} is higher overall (${g.tests}) only because the mix of requests changed: within each entry point the incident is not slower ` +
        `(stratified Mann-Whitney ${pText(r.within.p)}, mean Cliff's delta ${r.within.delta.toFixed(2)}), but ${describeEntryFinding(rateF[0]!, nI, r.tests, r.entries)}` +
        (rateF.length > 1 ? ` (and ${rateF.length - 1} more entry point${rateF.length > 2 ? 's' : ''}: regression.entryPoints)` : ''),
    );
  } else if (slowF.length > 0) {
    // one entry point: its line is the run's median and tail (the verdict above gave the means)
    notes.push(r.entries === 1 ? describeEntryFinding(slowF[0]!, nI, r.tests, 1) : `per entry point: ${describeEntryFinding(slowF[0]!, nI, r.tests)}${more}`);
  }
  // entry points that only got faster: said in the same "not slower" line, so it never reads as "no change"
  const fasterF = r.findings.filter((f) => !slowF.includes(f) && f.changes.some((c) => c.test === 'latency' && c.after < c.before));
  if (!slower && fasterF.length > 0) {
    const f = fasterF[0]!;
    const line = `entry point ${f.entry} got faster with the same work (an improvement, not a regression): ` +
      f.changes.filter((c) => c.test === 'latency').map((c) => c.text).join('; ') +
      (fasterF.length > 1 ? ` (and ${fasterF.length - 1} more: regression.entryPoints)` : '');
    restateVerdict(notes, line, true);
  }
  const errF = r.findings.filter((f) => f.changes.some((c) => c.test === 'errors'));
  if (!errorsUp && errF.length > 0) {
    errorsUp = true;
    const f = errF[0]!;
    restateErrors(notes, `${g.errors} are not significantly more frequent overall (${pText(g.errorsP)}), but ${describeEntryFinding({ ...f, changes: f.changes.filter((c) => c.test === 'errors') }, nI, r.tests, r.entries)}`);
  }
  return { slower, errorsUp, opened, mixOnly };
}

/** One line for the notes: the entry point and what changed (its changes in order of significance). */
export function describeEntryFinding(f: EntryFinding, incidentTraces: number, tests: number, entries = 0): string {
  // a run with one kind of request: "entry point X changed on its 162 of 162 incident traces" says the run changed
  const where = entries === 1 && f.traces.incident === incidentTraces
    ? `the only entry point, ${f.entry}, changed (all ${incidentTraces} incident traces, ${f.traces.baseline} in the baseline): `
    : `entry point ${f.entry} changed on its ${f.traces.incident} of ${incidentTraces} incident traces (${f.traces.baseline} in the baseline): `;
  return where + f.changes.map((c) => c.text).join('; ') + ` — p-values Holm-adjusted over ${tests} tests`;
}

const round = (x: number) => (Number.isFinite(x) ? Math.round(x * 1000) / 1000 : 0);
const num = (x: number) => (Math.abs(x) >= 10 ? x.toFixed(0) : x.toFixed(1));
const rateText = (perMin: number) => (perMin >= 10 ? perMin.toFixed(0) : perMin >= 1 ? perMin.toFixed(1) : perMin.toFixed(2)) + '/min';
