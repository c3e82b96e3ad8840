import { randomUUID } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { type AgentMode, diagnoseWithModel, offlineAnswer } from './agent';
import type { LlmDiagnosis } from './diagnosis-schema';
import type { LlmLogSink } from './log';
import type { LlmProvider } from './provider';
import { createRedactor } from './redact';
import type { LlmRuns } from './runs';

/**
 * The evaluation harness behind `trace-doctor eval`: every case (baseline, incident, expected answer) × mode ×
 * trial, scored like the founding study (is the root-cause service right?), as a markdown table and JSON.
 * Case format: examples/eval-cases/README.md.
 */
export interface Expected {
  service: string;
  operation?: string;
  aliases?: string[];
  operations?: string[];
  kinds?: string[];
}

export interface EvalCase {
  name: string;
  dir: string;
  baseline: string;
  incident: string;
  workspace?: string;
  expected: Expected | null;
}

async function exists(p: string): Promise<boolean> {
  return stat(p).then(() => true, () => false);
}

/** Read every case folder under `dir` (or `dir` itself when it is a case). Clear errors for malformed cases. */
export async function readCases(dir: string): Promise<EvalCase[]> {
  const root = resolve(dir);
  if (!(await exists(root))) throw new Error(`--cases: ${dir} does not exist`);
  const one = async (d: string): Promise<EvalCase | undefined> => {
    const caseFile = join(d, 'case.json');
    if (await exists(caseFile)) {
      let raw: any;
      try {
        raw = JSON.parse(await readFile(caseFile, 'utf8'));
      } catch (e) {
        throw new Error(`${caseFile}: not valid JSON (${(e as Error).message})`);
      }
      if (typeof raw?.baseline !== 'string' || typeof raw?.incident !== 'string') throw new Error(`${caseFile}: "baseline" and "incident" (paths relative to the case folder) are required`);
      if (!('expected' in raw)) throw new Error(`${caseFile}: "expected" is required (null means "no regression")`);
      if (raw.expected !== null && typeof raw.expected?.service !== 'string') throw new Error(`${caseFile}: expected.service must be a string (or expected null)`);
      return { name: raw.name ?? d.split(/[\\/]/).pop()!, dir: d, baseline: resolve(d, raw.baseline), incident: resolve(d, raw.incident), ...(raw.workspace ? { workspace: resolve(d, raw.workspace) } : {}), expected: raw.expected };
    }
    const expFile = join(d, 'expected.json');
    if (!(await exists(expFile))) return undefined;
    const names = await readdir(d);
    const b = names.find((n) => /^baseline\./.test(n));
    const i = names.find((n) => /^incident\./.test(n));
    if (!b || !i) throw new Error(`${d}: has expected.json but no baseline.* / incident.* files`);
    const expected = JSON.parse(await readFile(expFile, 'utf8')) as Expected | null;
    return { name: d.split(/[\\/]/).pop()!, dir: d, baseline: join(d, b), incident: join(d, i), expected };
  };
  const self = await one(root);
  if (self) return [self];
  const out: EvalCase[] = [];
  for (const n of (await readdir(root)).sort()) {
    const d = join(root, n);
    if (!(await stat(d)).isDirectory()) continue;
    const c = await one(d);
    if (c) out.push(c);
  }
  if (!out.length) throw new Error(`--cases: no case folders (with case.json or expected.json) under ${dir}`);
  return out;
}

const norm = (s: string) => s.toLowerCase().replace(/[^a-z0-9]/g, '');

export function scoreAnswer(a: LlmDiagnosis, e: Expected | null): { service: boolean; operation: boolean; correct: boolean } {
  if (e === null) {
    const ok = a.rootCause === null;
    return { service: ok, operation: ok, correct: ok };
  }
  if (!a.rootCause) return { service: false, operation: false, correct: false };
  const svc = [e.service, ...(e.aliases ?? [])].map(norm).includes(norm(a.rootCause.service));
  const ops = e.operation ? [e.operation, ...(e.operations ?? [])].map(norm) : [];
  const op = svc && (ops.length === 0 || ops.includes(norm(a.rootCause.operation)));
  return { service: svc, operation: op, correct: svc && op };
}

export type EvalColumn = AgentMode | 'offline';

export interface TrialResult {
  correct: boolean;
  service: string | null;
  operation: string | null;
  label: string;
  fellBack: boolean;
  ms: number;
  /** tokens reported by the server over all calls of the trial, and the tool calls made */
  tokens?: number;
  toolCalls?: number;
  error?: string;
  /** the trial hit the per-call timeout or the overall deadline */
  timedOut?: boolean;
  /** how the model's answer relates to the engine's evidence (agrees, consistent, evidence, disagrees, …) */
  agreement?: string;
}

export interface EvalReport {
  provider: string;
  model: string;
  baseURL?: string;
  trials: number;
  columns: EvalColumn[];
  cases: { name: string; expected: string; results: Partial<Record<EvalColumn, { correct: number; trials: number; fallbacks: number; answers: TrialResult[] }>>; error?: string }[];
  summary: Partial<Record<EvalColumn, { correct: number; trials: number }>>;
  /** trials that timed out (per-call timeout or overall deadline), named */
  timedOut: { case: string; mode: EvalColumn; trial: number; error: string }[];
}

export interface EvalOptions {
  provider: string;
  model: string;
  baseURL?: string;
  trials: number;
  modes: AgentMode[];
  temperature?: number;
  seed?: number;
  maxToolRounds?: number;
  timeoutMs?: number;
  /** overall deadline per trial (all calls, tool rounds, retries), ms */
  deadlineMs?: number;
  redaction?: boolean;
  signal?: AbortSignal;
}

export interface EvalDeps {
  /** load the case's runs and run the offline engine */
  prepare(c: EvalCase): Promise<LlmRuns>;
  /** undefined for the offline provider */
  provider?: LlmProvider;
  onProgress?(line: string): void;
  /** every request / response / tool call / result as JSON Lines, like the extension's log */
  log?: LlmLogSink;
}

export async function runEval(cases: EvalCase[], o: EvalOptions, deps: EvalDeps): Promise<EvalReport> {
  const columns: EvalColumn[] = deps.provider ? o.modes : ['offline'];
  const report: EvalReport = { provider: o.provider, model: deps.provider ? o.model : 'engine', ...(o.baseURL ? { baseURL: o.baseURL } : {}), trials: deps.provider ? o.trials : 1, columns, cases: [], summary: {}, timedOut: [] };
  for (const col of columns) report.summary[col] = { correct: 0, trials: 0 };
  for (const c of cases) {
    const row: EvalReport['cases'][number] = { name: c.name, expected: c.expected ? `${c.expected.service}${c.expected.operation ? ` / ${c.expected.operation}` : ''}` : 'no regression', results: {} };
    report.cases.push(row);
    let runs: LlmRuns;
    try {
      runs = await deps.prepare(c);
    } catch (e) {
      row.error = (e as Error).message;
      deps.onProgress?.(`${c.name}: could not load (${row.error})`);
      for (const col of columns) {
        row.results[col] = { correct: 0, trials: report.trials, fallbacks: 0, answers: [] };
        report.summary[col]!.trials += report.trials;
      }
      continue;
    }
    for (const col of columns) {
      const res = { correct: 0, trials: 0, fallbacks: 0, answers: [] as TrialResult[] };
      row.results[col] = res;
      for (let t = 0; t < report.trials; t++) {
        if (o.signal?.aborted) throw new Error('Cancelled.');
        const t0 = Date.now();
        let answer: LlmDiagnosis;
        let label = 'offline engine';
        let fellBack = false;
        let error: string | undefined;
        let tokens: number | undefined;
        let toolCalls: number | undefined;
        let timedOut = false;
        let agreement: string | undefined;
        if (col === 'offline' || !deps.provider) answer = offlineAnswer(runs.diagnosis, runs);
        else {
          const id = randomUUID();
          deps.log?.write({ type: 'eval', id, case: c.name, mode: col, trial: t + 1 });
          const out = await diagnoseWithModel(
            { provider: deps.provider, runs, redactor: createRedactor({ enabled: o.redaction ?? true }), signal: o.signal, id, ...(deps.log ? { log: deps.log } : {}) },
            { model: o.model, mode: col, temperature: o.temperature ?? 0.2, ...(o.seed !== undefined ? { seed: o.seed + t } : {}), maxToolRounds: o.maxToolRounds ?? 6, timeoutMs: o.timeoutMs ?? 120_000, ...(o.deadlineMs !== undefined ? { deadlineMs: o.deadlineMs } : {}) },
          );
          timedOut = out.error?.kind === 'timeout';
          agreement = out.agreement?.verdict;
          if (timedOut) report.timedOut.push({ case: c.name, mode: col, trial: t + 1, error: out.error!.message });
          answer = out.diagnosis;
          label = out.label;
          // the offline fallback is not the model's answer: it scores as wrong for the model
          fellBack = out.origin.kind === 'offline';
          error = out.error?.message ?? (fellBack ? out.label : undefined);
          tokens = out.usage.totalTokens;
          toolCalls = out.toolCalls;
        }
        const s = scoreAnswer(answer, c.expected);
        const correct = s.correct && !fellBack;
        res.trials++;
        if (correct) res.correct++;
        if (fellBack) res.fallbacks++;
        res.answers.push({ correct, service: answer.rootCause?.service ?? null, operation: answer.rootCause?.operation ?? null, label, fellBack, ms: Date.now() - t0, ...(tokens !== undefined ? { tokens } : {}), ...(toolCalls !== undefined ? { toolCalls } : {}), ...(error ? { error } : {}), ...(timedOut ? { timedOut } : {}), ...(agreement ? { agreement } : {}) });
        deps.onProgress?.(`${c.name} [${col}] trial ${t + 1}/${report.trials}: ${answer.rootCause ? `${answer.rootCause.service} / ${answer.rootCause.operation}` : 'no regression'} — ${correct ? 'correct' : 'wrong'}${fellBack ? ` (${label})` : ''}`);
      }
      report.summary[col]!.correct += res.correct;
      report.summary[col]!.trials += res.trials;
    }
  }
  return report;
}

const pct = (c: number, n: number) => (n ? `${Math.round((100 * c) / n)}%` : '–');

export function reportMarkdown(r: EvalReport): string {
  const title = r.provider === 'offline' ? 'offline engine' : `${r.model} via ${r.provider}${r.baseURL ? ` (${r.baseURL})` : ''}`;
  const lines = [`### Trace Doctor eval — ${title}, ${r.trials} trial${r.trials === 1 ? '' : 's'} per case`, ''];
  lines.push(`| case | expected | ${r.columns.join(' | ')} |`);
  lines.push(`|---|---|${r.columns.map(() => '---:').join('|')}|`);
  for (const c of r.cases) {
    const cells = r.columns.map((col) => {
      const x = c.results[col];
      if (!x) return '–';
      return `${x.correct}/${x.trials}${x.fallbacks ? ` (${x.fallbacks} fallback${x.fallbacks === 1 ? '' : 's'})` : ''}`;
    });
    lines.push(`| ${c.name}${c.error ? ' ⚠' : ''} | ${c.expected} | ${cells.join(' | ')} |`);
  }
  lines.push(`| **total** | | ${r.columns.map((col) => `**${r.summary[col]!.correct}/${r.summary[col]!.trials}** (${pct(r.summary[col]!.correct, r.summary[col]!.trials)})`).join(' | ')} |`);
  const errs = r.cases.filter((c) => c.error);
  if (errs.length) lines.push('', ...errs.map((c) => `⚠ ${c.name}: ${c.error}`));
  if (r.timedOut.length) lines.push('', `⏱ timed out (${r.timedOut.length}):`, ...r.timedOut.map((x) => `- ${x.case} [${x.mode}] trial ${x.trial}: ${x.error}`));
  const disagree = r.cases.flatMap((c) => r.columns.flatMap((col) => (c.results[col]?.answers ?? []).map((a, i) => ({ c, col, a, i })))).filter((x) => x.a.agreement === 'disagrees');
  if (disagree.length) lines.push('', `answers that disagree with the engine's measured evidence: ${disagree.map((x) => `${x.c.name} [${x.col}] trial ${x.i + 1}`).join(', ')}`);
  return lines.join('\n') + '\n';
}
