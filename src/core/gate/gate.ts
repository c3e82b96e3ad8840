/**
 * The CI performance gate of `trace-doctor diagnose` (issue 15): pass / regression from the engine's own decision
 * (Diagnosis.regression: slower or failing more beyond noise, by its tests at alpha) and the team's tolerances on
 * end-to-end figures computed from the per-trace latencies and error flags of both runs. Pure.
 *
 *  - latency: fails when the engine finds the incident slower beyond noise AND (with --max-slowdown) the chosen
 *    end-to-end percentile grew by more than the tolerance — or, when the run as a whole is not slower but part of it
 *    is, that part did (the entry point that grew most: its median / p95, else the mean of the requests holding the
 *    root cause);
 *  - errors: without a tolerance, fails when the engine finds the trace error rate up beyond noise; with
 *    --max-error-rate-increase, when the trace error rate grew by more than the tolerance (percentage points) and a
 *    one-sided two-proportion test at alpha says it is not noise;
 *  - structure (when the engine tested entry points): with --fail-on regression, fails when the engine found the
 *    incident changed and an entry point's calls per trace changed or its throughput fell beyond noise (requests that
 *    stop early, work that vanished, fan-out): not a slowdown, so a latency tolerance (--max-slowdown) does not hide it.
 */
import type { Diagnosis, EntryPointFinding } from '../rca/diagnosis';
import { pValue as pText, quantileSorted, proportionGreater } from '../stats/index';

export const PERCENTILES = ['p50', 'p95', 'p99'] as const;
export type Percentile = (typeof PERCENTILES)[number];

export interface GateOptions {
  /** --fail-on regression */
  failOnRegression: boolean;
  /** --max-slowdown as a fraction (0.05 = 5 %) of the chosen percentile */
  maxSlowdown?: number;
  /** --percentile (default p95) */
  percentile?: Percentile;
  /** --max-error-rate-increase as a fraction (0.005 = 0.5 percentage points) */
  maxErrorRateIncrease?: number;
}

export interface RunFigures {
  /** end-to-end latency per trace, ms */
  latencyMs: ArrayLike<number>;
  /** 1 when any span of the trace failed */
  traceError: ArrayLike<number>;
}

export interface GateCheck {
  name: 'latency' | 'errors' | 'structure';
  status: 'pass' | 'fail';
  detail: string;
}

export interface EndToEnd {
  percentile: Percentile;
  baselineMs: number;
  incidentMs: number;
  /** incident / baseline − 1 of the percentile */
  change: number;
  meanBaselineMs: number;
  meanIncidentMs: number;
  traces: { baseline: number; incident: number };
  errorRate: { baseline: number; incident: number; pValue: number };
  errors: { baseline: number; incident: number };
}

export interface GateResult {
  /** false when no gate option was given: the verdict is informative only and the exit code stays 0 */
  active: boolean;
  verdict: 'pass' | 'regression';
  checks: GateCheck[];
  endToEnd: EndToEnd;
  /** 0 pass (or no gate), 1 regression */
  exitCode: 0 | 1;
}

export class GateInputError extends Error {}

const pctQ: Record<Percentile, number> = { p50: 0.5, p95: 0.95, p99: 0.99 };

export function endToEnd(b: RunFigures, i: RunFigures, percentile: Percentile = 'p95'): EndToEnd {
  const sorted = (x: ArrayLike<number>) => Float64Array.from(x).sort();
  const sb = sorted(b.latencyMs);
  const si = sorted(i.latencyMs);
  const q = pctQ[percentile];
  const baselineMs = quantileSorted(sb, q);
  const incidentMs = quantileSorted(si, q);
  const mean = (x: Float64Array) => (x.length ? x.reduce((s, v) => s + v, 0) / x.length : NaN);
  const count = (x: ArrayLike<number>) => {
    let k = 0;
    for (let t = 0; t < x.length; t++) if (x[t]) k++;
    return k;
  };
  const eb = count(b.traceError);
  const ei = count(i.traceError);
  const nb = sb.length;
  const ni = si.length;
  const test = proportionGreater(eb, nb, ei, ni);
  return {
    percentile,
    baselineMs,
    incidentMs,
    change: baselineMs > 0 ? incidentMs / baselineMs - 1 : incidentMs > 0 ? Infinity : 0,
    meanBaselineMs: mean(sb),
    meanIncidentMs: mean(si),
    traces: { baseline: nb, incident: ni },
    errors: { baseline: eb, incident: ei },
    errorRate: { baseline: nb ? eb / nb : 0, incident: ni ? ei / ni : 0, pValue: Number.isFinite(test.p) ? test.p : 1 },
  };
}

const pc = (x: number) => (Number.isFinite(x) ? `${x >= 0 ? '+' : ''}${(x * 100).toFixed(Math.abs(x) < 0.1 ? 1 : 0)} %` : '+∞ %');
const pp = (x: number) => `${x >= 0 ? '+' : ''}${(x * 100).toFixed(2)} pp`;
const msText = (v: number) => (Math.abs(v) >= 1000 ? `${(v / 1000).toFixed(2)} s` : Math.abs(v) >= 10 ? `${v.toFixed(0)} ms` : `${v.toFixed(1)} ms`);

/**
 * Decide the gate. Throws GateInputError when the runs cannot be judged (no traces on a side, or too few for the
 * engine's tests).
 */
export function evaluateGate(d: Diagnosis, b: RunFigures, i: RunFigures, opts: GateOptions): GateResult {
  const percentile = opts.percentile ?? 'p95';
  const e = endToEnd(b, i, percentile);
  const active = opts.failOnRegression || opts.maxSlowdown !== undefined || opts.maxErrorRateIncrease !== undefined;
  if (active) {
    if (e.traces.baseline === 0 || e.traces.incident === 0) throw new GateInputError(`no traces in the ${e.traces.baseline === 0 ? 'baseline' : 'incident'}: nothing to gate on`);
    if (!d.regression) throw new GateInputError('the diagnosis carries no regression decision (tree-only diagnosis)');
    if (d.latency && d.latency.pValue === null)
      throw new GateInputError(`too few traces for the engine's tests (${e.traces.baseline} baseline / ${e.traces.incident} incident): the gate cannot tell a regression from noise; record more requests`);
  }
  const reg = d.regression ?? { slower: false, errorsUp: false, alpha: 0.01 };
  const checks: GateCheck[] = [];
  // the entry points whose calls per trace changed or whose throughput fell beyond noise (structure, not latency)
  const entryPoints = 'entryPoints' in reg ? reg.entryPoints : undefined;
  const structural = (entryPoints ?? []).flatMap((ep) =>
    ep.changes.filter((c) => c.p < reg.alpha && (c.test === 'spans' || (c.test === 'rate' && c.after < c.before))).map((c) => `entry point ${ep.entry}: ${c.text}`),
  );
  // one change the engine found beyond noise, when it is not the end-to-end latency: said instead of the end-to-end p
  const firstChange = (entryPoints ?? []).flatMap((ep) => ep.changes.filter((c) => c.p < reg.alpha).map((c) => `entry point ${ep.entry}: ${c.text}`))[0];
  // latency
  {
    const what = `${percentile} end-to-end ${msText(e.baselineMs)} → ${msText(e.incidentMs)} (${pc(e.change)})`;
    const p = d.latency?.pValue;
    const endToEndSlower = p != null && p < reg.alpha;
    // the run as a whole is not slower but part of it is (one kind of request, the requests through one service)
    const part = reg.slower && p != null && !endToEndSlower ? changedPart(d, entryPoints, reg.alpha) : null;
    // "slower beyond noise (p=1.0)" contradicted itself when the engine's decision came from part of the requests;
    // that part is the one that got slower (a faster entry point found first must not be quoted as the reason)
    const noise = !reg.slower
      ? 'not slower beyond noise by the engine\'s tests'
      : endToEndSlower || p == null
        ? `slower beyond noise (${p != null ? pText(p) : 'engine test'})`
        : part
          ? `not slower end to end (${pText(p)}), but part of the requests is slower beyond noise: ${part.what} (${pc(part.change)})`
          : `not slower end to end (${pText(p)}), but changed beyond noise in part of the requests: ${firstChange ?? 'see the notes'}`;
    let fail: boolean;
    let detail: string;
    if (opts.maxSlowdown !== undefined) {
      const over = e.change > opts.maxSlowdown;
      // the tolerance is judged on the slower part too — a 29 % slower checkout must not pass on a faster mean
      const partOver = part !== null && part.change > opts.maxSlowdown;
      fail = reg.slower && (over || partOver);
      const tol = `tolerance ${pc(opts.maxSlowdown).replace('+', '')}`;
      detail = part
        ? `${what}; ${tol} ${over ? 'exceeded' : 'kept'} end to end; not slower end to end (${pText(p!)}), but part of the requests is slower beyond noise: ${part.what} (${pc(part.change)}), ${partOver ? 'over' : 'within'} the tolerance`
        : `${what}; ${tol}${over ? ' exceeded' : ' kept'}; ${noise}`;
    } else {
      fail = opts.failOnRegression && reg.slower;
      detail = `${what}; ${noise}`;
    }
    checks.push({ name: 'latency', status: fail ? 'fail' : 'pass', detail });
  }
  // errors
  {
    const dr = e.errorRate.incident - e.errorRate.baseline;
    const what = `traces with errors ${e.errors.baseline}/${e.traces.baseline} (${(e.errorRate.baseline * 100).toFixed(1)} %) → ${e.errors.incident}/${e.traces.incident} (${(e.errorRate.incident * 100).toFixed(1)} %), ${pp(dr)}`;
    let fail: boolean;
    let detail: string;
    if (opts.maxErrorRateIncrease !== undefined) {
      const over = dr > opts.maxErrorRateIncrease + 1e-12;
      const sig = e.errorRate.pValue < reg.alpha;
      fail = over && sig;
      detail = `${what}; tolerance ${(opts.maxErrorRateIncrease * 100).toFixed(2)} pp${over ? ' exceeded' : ' kept'}; two-proportion ${pText(e.errorRate.pValue)}${sig ? '' : ' (noise)'}`;
    } else {
      fail = opts.failOnRegression && reg.errorsUp;
      const how = !reg.errorsUp
        ? 'not failing more beyond noise'
        : dr > 0
          ? 'failing more beyond noise'
          : 'not more overall, but failing more beyond noise in part of the requests (see the notes)';
      detail = `${what}; ${how} by the engine's tests`;
    }
    checks.push({ name: 'errors', status: fail ? 'fail' : 'pass', detail });
  }
  // structure: only when the engine tested entry points (absent from tree-only diagnoses)
  if (entryPoints) {
    const fail = opts.failOnRegression && reg.slower && structural.length > 0;
    const detail = structural.length
      ? `${structural[0]}${structural.length > 1 ? ` (and ${structural.length - 1} more)` : ''}${opts.failOnRegression ? '' : ' (fails with --fail-on regression)'}`
      : 'no entry point changed its calls per trace or lost throughput beyond noise';
    checks.push({ name: 'structure', status: fail ? 'fail' : 'pass', detail });
  }
  const failed = active && checks.some((c) => c.status === 'fail');
  return { active, verdict: failed ? 'regression' : 'pass', checks, endToEnd: e, exitCode: failed ? 1 : 0 };
}

/**
 * The part of the traffic the engine found slower when the run as a whole is not: the entry point whose median or p95
 * grew most beyond noise, else the requests that hold the root cause (their mean end to end). Null when neither is
 * known (a tree-only diagnosis, a root cause without requests in both runs).
 */
function changedPart(d: Diagnosis, entryPoints: EntryPointFinding[] | undefined, alpha: number): { what: string; change: number } | null {
  let best: { what: string; change: number } | null = null;
  for (const ep of entryPoints ?? [])
    for (const c of ep.changes) {
      if (!(c.p < alpha) || (c.test !== 'latency' && c.test !== 'tail') || !(c.before > 0) || !(c.after > c.before)) continue;
      const change = c.after / c.before - 1;
      if (!best || change > best.change) best = { what: `entry point ${ep.entry}, ${c.test === 'tail' ? 'p95' : 'median'} ${msText(c.before)} → ${msText(c.after)}`, change };
    }
  if (best) return best;
  const r = d.rootCause?.requests;
  if (!r || !(r.baseline.meanMs > 0)) return null;
  return {
    what: `the requests holding the root cause (${d.rootCause!.service} / ${d.rootCause!.name}: ${r.baseline.traces} → ${r.incident.traces} traces), mean ${msText(r.baseline.meanMs)} → ${msText(r.incident.meanMs)}`,
    change: r.incident.meanMs / r.baseline.meanMs - 1,
  };
}

/** "5%", "5 %", "5" → 0.05; "0.5%" → 0.005. Throws with the option name on anything else. */
export function parsePercent(v: string, name: string, max = 100_000): number {
  const m = /^\s*(\d+(?:\.\d+)?|\.\d+)\s*%?\s*$/.exec(v);
  const n = m ? Number(m[1]) : NaN;
  if (!m || !Number.isFinite(n) || n < 0 || n > max) throw new GateInputError(`--${name} ${JSON.stringify(v)}: expected a percentage between 0% and ${max}% (e.g. 5%)`);
  return n / 100;
}
