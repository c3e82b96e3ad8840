import type { SpanTable } from '../core/model/span-table';
import type { DiffTree } from '../core/diff/types';
import { analyze } from '../core/rca/analyze';
import type { Diagnosis, SourceLink } from '../core/rca/diagnosis';
import { sourceResolver } from '../sources/source-resolver';
import { loadTraces } from '../sources/file';
import { scanWorkspace } from '../sources/workspace-scan';
import type { LlmRuns } from './runs';

/** The offline engine as the LLM layer needs it: baseline may be absent (single run, the engine splits it). */
export type DiagnoseFn = (
  baseline: SpanTable | undefined,
  incident: SpanTable,
  source?: (service: string, name: string) => SourceLink | undefined,
) => { diagnosis: Diagnosis | null; diff?: DiffTree };

/** B's engine: aggregate, diff, rank (rca/analyze.ts). */
export const engineDiagnose: DiagnoseFn = (baseline, incident, source) => {
  const a = analyze(baseline ?? null, incident, source ? { sourceIndex: source } : {});
  return { diagnosis: a.diagnosis, diff: a.diff };
};

/** Source links: code.* attributes first, then the workspace's span-opening calls. */
export async function sourceLookup(models: SpanTable[], workspace?: string, signal?: AbortSignal): Promise<(service: string, name: string) => SourceLink | undefined> {
  const index = workspace ? (await scanWorkspace(workspace, { signal })).index : undefined;
  return sourceResolver(models, workspace ? [{ index, roots: [workspace] }] : []);
}

/** Load a case's runs from disk, resolve source links and run the offline engine. */
export async function prepareRuns(o: { baseline?: string | string[]; incident: string | string[]; workspace?: string; signal?: AbortSignal }, diagnose: DiagnoseFn = engineDiagnose): Promise<LlmRuns> {
  const baseline = o.baseline ? await loadTraces(o.baseline, { signal: o.signal }) : undefined;
  const incident = await loadTraces(o.incident, { signal: o.signal });
  const models = [...(baseline ? [baseline.model] : []), incident.model];
  const source = await sourceLookup(models, o.workspace, o.signal);
  const { diagnosis, diff } = diagnose(baseline?.model, incident.model, source);
  const name = (p: string | string[]) => (Array.isArray(p) ? p.join(', ') : p).split(/[\\/]/).pop() ?? '';
  return {
    ...(baseline ? { baseline: baseline.model } : {}),
    incident: incident.model,
    diagnosis,
    ...(diff ? { diff } : {}),
    source,
    labels: { ...(o.baseline ? { baseline: name(o.baseline) } : {}), incident: name(o.incident) },
  };
}
