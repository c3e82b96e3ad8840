import type { DiffTree } from '../core/diff/types';
import type { SpanTable } from '../core/model/span-table';
import type { Diagnosis, SourceLink } from '../core/rca/diagnosis';

/**
 * What the LLM layer reads: the loaded runs with the engine's results. The extension builds it from its
 * TraceSession snapshot, the CLI eval from loadTraces + the engine. No `vscode`.
 */
export interface LlmRuns {
  /** normal run; absent for a single run the engine split itself (see diagnosis.split) */
  baseline?: SpanTable;
  /** the slow run (or the only run) */
  incident: SpanTable;
  /** the engine's differential tree, when computed */
  diff?: DiffTree;
  /** the offline engine's diagnosis: the fallback answer and the evidence the model's answer is checked against */
  diagnosis: Diagnosis | null;
  /** source link of an operation (workspace scan + code.* attributes) */
  source?: (service: string, name: string) => SourceLink | undefined;
  /** display names of the runs, e.g. file names */
  labels?: { baseline?: string; incident?: string };
}

export type RunName = 'baseline' | 'incident';

export function runModel(runs: LlmRuns, run: RunName): SpanTable | undefined {
  return run === 'baseline' ? runs.baseline : runs.incident;
}

/** service → operation names present in any run */
export function servicesAndOperations(runs: LlmRuns): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const m of [runs.baseline, runs.incident]) {
    if (!m) continue;
    for (let i = 0; i < m.size; i++) {
      const s = m.service(i);
      let ops = out.get(s);
      if (!ops) out.set(s, (ops = new Set()));
      ops.add(m.name(i));
    }
  }
  return out;
}
