import type { Diagnosis } from '../core/rca/diagnosis';
import { capacityBrief } from '../core/rca/capacity';
import { isThin, percentOfAdded } from '../core/format/figures';
import { type LlmRuns } from './runs';
import { sanitize } from './sanitize';
import { safeTokens } from './tokens';
import { modelIndex, ms, round } from './tools/stats';

/** Token count with a safety margin for other vocabularies (see ./tokens.ts): an upper bound, not chars/3.5. */
export function estimateTokens(text: string): number {
  return safeTokens(text);
}

export interface CompactContext {
  runs: {
    baseline: { traces: number; spans: number; label?: string } | null;
    incident: { traces: number; spans: number; label?: string };
    latency?: { baselineMs: number | null; incidentMs: number | null; pValue: number | null; test: string };
    split?: string;
  };
  engineVerdict: string;
  candidates: {
    rank: number;
    service: string;
    operation: string;
    kind: string;
    impactMs: number | null;
    confidence: number | null;
    evidence?: string[];
    attribute?: string;
    source?: string;
    /** queueing candidates: load, work, workers and the capacity for the target (core/rca/capacity.ts), one line */
    capacity?: string;
    /** this own time is the wait for that service (its finding explains it; core/rca/waits-on.ts) */
    waitsOn?: string;
  }[];
  serviceDeltas: { service: string; selfMsPerTraceBaseline: number | null; selfMsPerTraceIncident: number; deltaMs: number | null }[];
  services: string[];
  notes?: string[];
  omitted?: string;
}

/** Per service: mean self time per trace in each run (from the models; independent of the diff tree). */
export function serviceDeltas(runs: LlmRuns): CompactContext['serviceDeltas'] {
  const per = (m: LlmRuns['incident'] | undefined) => {
    const out = new Map<string, number>();
    if (!m) return out;
    const ix = modelIndex(m);
    const T = Math.max(1, ix.traces.length);
    const sums = new Map<number, number>();
    for (let i = 0; i < m.size; i++) sums.set(m.serviceCol[i]!, (sums.get(m.serviceCol[i]!) ?? 0) + ix.self[i]!);
    for (const [sid, sum] of sums) out.set(m.strings.get(sid), sum / T);
    return out;
  };
  const b = per(runs.baseline);
  const i = per(runs.incident);
  const names = new Set([...b.keys(), ...i.keys()]);
  return [...names]
    .map((s) => {
      const bv = runs.baseline ? (b.get(s) ?? 0) : null;
      const iv = i.get(s) ?? 0;
      return { service: s, selfMsPerTraceBaseline: bv === null ? null : ms(bv), selfMsPerTraceIncident: ms(iv), deltaMs: bv === null ? null : ms(iv - bv) };
    })
    .sort((x, y) => Math.abs(y.deltaMs ?? y.selfMsPerTraceIncident) - Math.abs(x.deltaMs ?? x.selfMsPerTraceIncident));
}

function verdict(d: Diagnosis | null): string {
  if (!d) return 'The offline engine produced no diagnosis.';
  if (!d.rootCause) return 'The offline engine found no regression beyond noise (rootCause null).';
  const first = `The offline engine ranks ${d.rootCause.service} / ${d.rootCause.name} (${d.rootCause.kind}) first`;
  // an answer worth a few % of the slowdown: say so, so a model does not present it as the whole story
  const e = d.explained;
  if (isThin(e)) return `${first}, but it accounts for only ${percentOfAdded(e, e.rootCauseMs)} % of the ${round(e.addedMs, 1)} ms added per trace (all findings ${percentOfAdded(e, e.findingsMs)} %): most of the slowdown is spread thinly over many spans. Check it; do not just repeat it.`;
  return `${first}. Check it; do not just repeat it.`;
}

/**
 * The compact pre-computed context: runs summary, the engine's top candidates and per-service deltas, shrunk
 * until it fits `budgetTokens` (of serialised JSON), whatever the size of the input.
 */
export function buildCompactContext(runs: LlmRuns, budgetTokens: number, measure: (json: string) => number = estimateTokens): { context: CompactContext; json: string; tokens: number } {
  const d = runs.diagnosis;
  const bi = runs.baseline ? modelIndex(runs.baseline) : undefined;
  const ii = modelIndex(runs.incident);
  const s = (x: string, n = 80) => sanitize(x, n);
  const allServices = [...new Set([...(bi?.services.keys() ?? []), ...ii.services.keys()])].sort();
  const deltas = serviceDeltas(runs);
  let nCand = Math.min(5, d?.candidates.length ?? 0);
  let nEvidence = 2;
  let evidenceLen = 160;
  let nDeltas = Math.min(8, deltas.length);
  let nServices = Math.min(25, allServices.length);
  let nameLen = 80;
  let withNotes = true;
  let verdictLen = 240;
  let withLatency = true;
  let withCapacity = true;
  const make = (): CompactContext => {
    const c: CompactContext = {
      runs: {
        baseline: runs.baseline ? { traces: bi!.traces.length, spans: runs.baseline.size, ...(runs.labels?.baseline ? { label: s(runs.labels.baseline, 60) } : {}) } : null,
        incident: { traces: ii.traces.length, spans: runs.incident.size, ...(runs.labels?.incident ? { label: s(runs.labels.incident, 60) } : {}) },
        ...(d?.latency && withLatency ? { latency: { baselineMs: round(d.latency.baselineMs), incidentMs: round(d.latency.incidentMs), pValue: d.latency.pValue === null ? null : round(d.latency.pValue, 4), test: s(d.latency.test, 40) } } : {}),
        ...(d?.split ? { split: s(`${d.split.method}: ${d.split.description}`, 160) } : {}),
      },
      engineVerdict: s(verdict(d), verdictLen),
      candidates: (d?.candidates ?? []).slice(0, nCand).map((c, k) => ({
        rank: k + 1,
        service: s(c.service, nameLen),
        operation: s(c.name, nameLen),
        kind: c.kind,
        impactMs: round(c.impactMs),
        confidence: round(c.confidence),
        ...(nEvidence > 0 && c.evidence.length ? { evidence: c.evidence.slice(0, nEvidence).map((e) => s(e, evidenceLen)) } : {}),
        ...(c.attribute ? { attribute: s(`${c.attribute.key}=${c.attribute.value}`, 80) } : {}),
        ...(c.source ? { source: s(`${c.source.file}:${c.source.line}`, 120) } : {}),
        ...(withCapacity && c.capacity ? { capacity: s(capacityBrief(c.capacity), 160) } : {}),
        ...(c.waitsOn ? { waitsOn: s(c.waitsOn, nameLen) } : {}),
      })),
      serviceDeltas: deltas.slice(0, nDeltas).map((x) => ({ ...x, service: s(x.service, nameLen) })),
      services: allServices.slice(0, nServices).map((x) => s(x, nameLen)),
      ...(withNotes && d?.notes.length ? { notes: d.notes.slice(0, 2).map((n) => s(n, 160)) } : {}),
    };
    const omitted: string[] = [];
    if (allServices.length > nServices) omitted.push(`${allServices.length - nServices} more services`);
    if ((d?.candidates.length ?? 0) > nCand) omitted.push(`${d!.candidates.length - nCand} more candidates`);
    if (omitted.length) c.omitted = `${omitted.join(', ')} (use the tools)`;
    return c;
  };
  let ctx = make();
  let json = JSON.stringify(ctx);
  // shrink step by step until it fits
  const steps: (() => boolean)[] = [
    () => (withNotes ? ((withNotes = false), true) : false),
    () => (nServices > 12 ? ((nServices = 12), true) : false),
    () => (evidenceLen > 100 ? ((evidenceLen = 100), true) : false),
    () => (nEvidence > 1 ? ((nEvidence = 1), true) : false),
    () => (nDeltas > 5 ? ((nDeltas = 5), true) : false),
    () => (nCand > 3 ? ((nCand = 3), true) : false),
    () => (nameLen > 48 ? ((nameLen = 48), true) : false),
    () => (nEvidence > 0 ? ((nEvidence = 0), true) : false),
    () => (withCapacity ? ((withCapacity = false), true) : false),
    () => (nServices > 5 ? ((nServices = 5), true) : false),
    () => (nDeltas > 3 ? ((nDeltas = 3), true) : false),
    () => (nameLen > 32 ? ((nameLen = 32), true) : false),
    () => (nCand > 1 ? ((nCand = 1), true) : false),
    () => (nServices > 0 ? ((nServices = 0), true) : false),
    () => (nDeltas > 0 ? ((nDeltas = 0), true) : false),
    () => (nameLen > 16 ? ((nameLen = 16), true) : false),
    () => (verdictLen > 80 ? ((verdictLen = 80), true) : false),
    () => (withLatency ? ((withLatency = false), true) : false),
    () => (nCand > 0 ? ((nCand = 0), true) : false),
  ];
  let tokens = measure(json);
  for (const step of steps) {
    if (tokens <= budgetTokens) break;
    if (!step()) continue;
    ctx = make();
    json = JSON.stringify(ctx);
    tokens = measure(json);
  }
  return { context: ctx, json, tokens };
}
