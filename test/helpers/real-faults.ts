/**
 * The real fault-injection development set (test/fixtures/real-faults: 22 labelled cases from the Nezha dataset,
 * FSE 2023, MIT) and its scoring: does the diagnosis name the faulty SERVICE first (top-1) or among its first three
 * distinct services (top-3)? Used by bench/accuracy-real.mjs and the CI test test/unit/core/rca/real-faults.test.ts.
 *
 * The naive reference, computed on the same diff: "the service of the operation whose exclusive time rose most".
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadTraces } from '../../src/sources/file';
import { analyze, type DiagnoseOptions } from '../../src/core/rca/analyze';
import type { Diagnosis } from '../../src/core/rca/diagnosis';
import type { DiffTree } from '../../src/core/diff/types';
import type { SpanTable } from '../../src/core/model/span-table';
import { toSpanTable, type GenSpan } from '../../src/core/testing/scenarios';

/** run from the repository root (npm test, the bench scripts) */
export const REAL_FAULTS_DIR = join(process.cwd(), 'test', 'fixtures', 'real-faults');

export interface RealCase {
  id: string;
  system: string;
  fault: string;
  rootCauseService: string;
  injectTimeUtc: string;
  baseline: string;
  incident: string;
}

export interface CaseResult {
  case: RealCase;
  /** distinct services in the engine's order: rootCause first, then the candidates */
  services: string[];
  rootCause: string | null;
  top1: boolean;
  top3: boolean;
  naive: string[];
  naiveTop1: boolean;
  naiveTop3: boolean;
  diagnosis: Diagnosis;
  ms: number;
}

export function realCases(dir = REAL_FAULTS_DIR): RealCase[] {
  return JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8')) as RealCase[];
}

/** Services ranked by the diagnosis: the root cause's service first, then the candidates' in order. */
export function rankedServices(d: Diagnosis): string[] {
  const out: string[] = [];
  const add = (s: string | undefined) => {
    if (s && !out.includes(s)) out.push(s);
  };
  add(d.rootCause?.service);
  for (const c of d.candidates) add(c.service);
  return out;
}

/** Naive reference: services ordered by the largest growth of exclusive (self) time per trace of one of their operations. */
export function naiveServices(diff: DiffTree): string[] {
  const byOp = new Map<string, { service: string; d: number }>();
  for (let k = 1; k < diff.nodes.length; k++) {
    const n = diff.nodes[k]!;
    const key = n.service + '\u0000' + n.name;
    const e = byOp.get(key) ?? { service: n.service, d: 0 };
    e.d += n.deltaSelfMs;
    byOp.set(key, e);
  }
  const ops = [...byOp.values()].sort((a, b) => b.d - a.d);
  const out: string[] = [];
  for (const o of ops) if (o.d > 0 && !out.includes(o.service)) out.push(o.service);
  return out;
}

/**
 * Diagnose every case (baselines loaded once each). `halves` diagnoses each half of the incident (split as splitRun
 * does) against the whole baseline instead: two results per case, a stability check with half the evidence.
 * `otherBaseline` diagnoses each incident against the other baseline window(s) of its system (another day): a check
 * that the rules hold when the baseline also differs for reasons of its own.
 */
export async function evaluateRealFaults(opts: { dir?: string; filter?: (c: RealCase) => boolean; onCase?: (r: CaseResult) => void; disable?: DiagnoseOptions['disable']; halves?: 'alternate' | 'time'; otherBaseline?: boolean } = {}): Promise<CaseResult[]> {
  const dir = opts.dir ?? REAL_FAULTS_DIR;
  const all = realCases(dir);
  const cases = all.filter(opts.filter ?? (() => true));
  const baselines = new Map<string, SpanTable>();
  const results: CaseResult[] = [];
  for (const c of cases) {
    // otherBaseline: every other baseline window of the same system (another day) instead of the case's own
    const files = opts.otherBaseline ? [...new Set(all.filter((o) => o.system === c.system && o.baseline !== c.baseline).map((o) => o.baseline))] : [c.baseline];
    const whole = (await loadTraces(join(dir, c.incident))).model;
    for (const file of files) {
      let b = baselines.get(file);
      if (!b) {
        b = (await loadTraces(join(dir, file))).model;
        baselines.set(file, b);
      }
      for (const inc of opts.halves ? splitRun(whole, opts.halves) : [whole]) {
        const r = scoreCase(c, b, inc, opts.disable);
        results.push(r);
        opts.onCase?.(r);
      }
    }
  }
  return results;
}

function scoreCase(c: RealCase, b: SpanTable, inc: SpanTable, disable?: DiagnoseOptions['disable']): CaseResult {
  const t0 = performance.now();
  const a = analyze(b, inc, { seed: 1, ...(disable ? { disable } : {}) });
  const ms = performance.now() - t0;
  const services = rankedServices(a.diagnosis);
  const naive = naiveServices(a.diff);
  const want = c.rootCauseService;
  return {
    case: c,
    services,
    rootCause: a.diagnosis.rootCause?.service ?? null,
    top1: a.diagnosis.rootCause?.service === want,
    top3: services.slice(0, 3).includes(want),
    naive,
    naiveTop1: naive[0] === want,
    naiveTop3: naive.slice(0, 3).includes(want),
    diagnosis: a.diagnosis,
    ms,
  };
}

export interface Tally {
  n: number;
  top1: number;
  top3: number;
  naiveTop1: number;
  naiveTop3: number;
}

export function tally(rs: CaseResult[]): Tally {
  return {
    n: rs.length,
    top1: rs.filter((r) => r.top1).length,
    top3: rs.filter((r) => r.top3).length,
    naiveTop1: rs.filter((r) => r.naiveTop1).length,
    naiveTop3: rs.filter((r) => r.naiveTop3).length,
  };
}

/**
 * A real no-fault pair: the traces of one baseline file split alternately (by start time: 1st, 3rd, … vs 2nd, 4th, …)
 * into two runs of the same minute — nothing changed between them, so a diagnosis must answer null.
 */
export async function alternateSplit(file: string, dir = REAL_FAULTS_DIR): Promise<[SpanTable, SpanTable]> {
  return splitRun((await loadTraces(join(dir, file))).model, 'alternate');
}

/**
 * One run's traces (ordered by start time) in two parts: 'alternate' = 1st, 3rd, … vs 2nd, 4th, …; 'time' = the first
 * half of the traces vs the second half (two shorter windows, as a different capture would give).
 */
export function splitRun(m: SpanTable, how: 'alternate' | 'time'): [SpanTable, SpanTable] {
  const traces = [...m.traces().values()].map((rows) => ({ rows, t: Math.min(...rows.map((r) => m.start[r]!)) })).sort((a, b) => a.t - b.t);
  const part = (k: number): number => (how === 'alternate' ? k % 2 : k < traces.length / 2 ? 0 : 1);
  const half = (which: number): SpanTable => {
    const spans: GenSpan[] = [];
    traces.forEach((tr, k) => {
      if (part(k) !== which) return;
      for (const r of tr.rows)
        spans.push({ traceId: m.traceId(r), spanId: m.spanId(r), parentId: m.parent[r]! >= 0 ? m.spanId(m.parent[r]!) : '', service: m.service(r), name: m.name(r), kind: 'internal', start: Math.round(m.start[r]!), duration: Math.round(m.duration[r]!), error: false, attrs: {} });
    });
    return toSpanTable(spans);
  };
  return [half(0), half(1)];
}
