import { z } from 'zod';
import type { SpanTable } from '../../core/model/span-table';
import type { ToolSpec } from '../provider';
import { type LlmRuns, type RunName, runModel } from '../runs';
import { capJson, sanitize, sanitizeDeep } from '../sanitize';
import { type OpStats, modelIndex, ms, opKey, opStats, quantile, round } from './stats';

/**
 * Read-only tools the model may call over the loaded runs. Each has a zod schema (→ JSON schema for the
 * provider), validates its arguments, and returns a JSON-able result that the caller caps in size.
 */
export interface TraceTool<S extends z.ZodType = z.ZodType> {
  name: string;
  description: string;
  schema: S;
  run(args: z.infer<S>, runs: LlmRuns, ctx: ToolContext): unknown;
}

export interface ToolContext {
  /** an attribute value as it may leave the machine (the redactor's placeholder when the key is sensitive) */
  redactValue(key: string, value: string): string;
}

const PLAIN: ToolContext = { redactValue: (_k, v) => v };

const Run = z.enum(['baseline', 'incident']).describe('which run: "incident" (the slow one, default) or "baseline" (normal)');
const Limit = (def: number, max: number) => z.number().int().min(1).max(max).optional().describe(`how many (default ${def}, at most ${max})`);
const Op = {
  // no min(1): a service or span named "" exists in some exports; an unknown name gets the known ones back
  service: z.string().describe('service.name, as listed by list_services_operations'),
  operation: z.string().describe('span name (operation) in that service'),
};

/** Thrown for bad arguments: the message goes back to the model so it can correct the call. */
export class ToolInputError extends Error {}

function model(runs: LlmRuns, run: RunName | undefined): { m: SpanTable; run: RunName } {
  const r = run ?? 'incident';
  const m = runModel(runs, r);
  if (!m) throw new ToolInputError(`There is no ${r} run loaded${r === 'baseline' ? ' (a single run was loaded; the engine split it itself)' : ''}.`);
  return { m, run: r };
}

/** service → operations over both runs (cached per runs object and its two tables: every call asks for it). */
const CATALOG = new WeakMap<LlmRuns, { b?: SpanTable; i: SpanTable; all: Map<string, Set<string>> }>();
function catalog(runs: LlmRuns): Map<string, Set<string>> {
  const c = CATALOG.get(runs);
  if (c && c.b === runs.baseline && c.i === runs.incident) return c.all;
  const all = new Map<string, Set<string>>();
  for (const m of [runs.baseline, runs.incident]) if (m) for (const [s, ops] of modelIndex(m).services) for (const o of ops) (all.get(s) ?? all.set(s, new Set()).get(s)!).add(o);
  CATALOG.set(runs, { b: runs.baseline, i: runs.incident, all });
  return all;
}

/** A name as the model reads it in tool results and context: sanitised (one line, no controls or fences), not cut. */
const shown = (s: string) => sanitize(s, Number.MAX_SAFE_INTEGER);
const loose = (s: string) => s.toLowerCase().replace(/[^\p{L}\p{N}]/gu, '');

/**
 * The name in the traces that the model meant. Small models copy names as the tools show them: sanitised (a newline
 * or tab became a space, controls and zero-width characters gone, runs of spaces collapsed) and, when long, cut with
 * "…". In order: the exact name; the name whose shown form is the argument's (or starts with it, for a name cut with
 * "…"); the name equal ignoring case and punctuation. Several names shown alike (they differ only in invisible
 * characters or spacing): the first in sort order, deterministically. Undefined when none matches.
 */
export function resolveName(arg: string, names: Iterable<string>): string | undefined {
  const all = [...names];
  if (all.includes(arg)) return arg;
  const a = shown(arg);
  const cut = a.endsWith('…') && a.length > 1 ? a.slice(0, -1).trimEnd() : undefined;
  const byShown = all.filter((n) => {
    const s = shown(n);
    return s === a || (cut !== undefined && s.startsWith(cut));
  });
  if (byShown.length) return byShown.sort()[0];
  const k = loose(a);
  if (!k) return undefined;
  return all.filter((n) => loose(n) === k).sort()[0];
}

/** The service and operation the model named, spelled as in the traces; a ToolInputError listing the known names otherwise. */
function knownOp(runs: LlmRuns, service: string, operation: string): { service: string; operation: string } {
  const all = catalog(runs);
  const svc = knownService(runs, service);
  const ops = all.get(svc)!;
  const more = (n: number) => (n > 30 ? ` (and ${n - 30} more: call list_services_operations)` : '');
  const op = resolveName(operation, ops);
  if (op === undefined)
    throw new ToolInputError(`Service "${sanitize(svc, 80)}" has no operation "${sanitize(operation, 80)}". Its operations: ${[...ops].slice(0, 30).map((s) => sanitize(s, 60)).join(', ')}${more(ops.size)}.`);
  return { service: svc, operation: op };
}

function knownService(runs: LlmRuns, service: string): string {
  const all = catalog(runs);
  const svc = resolveName(service, all.keys());
  const more = (n: number) => (n > 30 ? ` (and ${n - 30} more: call list_services_operations)` : '');
  if (svc === undefined) throw new ToolInputError(`Unknown service "${sanitize(service, 80)}". Known services: ${[...all.keys()].slice(0, 30).map((s) => sanitize(s, 60)).join(', ')}${more(all.size)}.`);
  return svc;
}

function statsOf(m: SpanTable | undefined, service: string, operation: string): OpStats | null {
  if (!m) return null;
  const rows = modelIndex(m).ops.get(opKey(service, operation));
  return rows ? opStats(m, rows) : opStats(m, []);
}

function refOf(run: RunName, ordinal: number): string {
  return (run === 'baseline' ? 'B' : 'I') + ordinal;
}

export const listServicesOperations: TraceTool = {
  name: 'list_services_operations',
  description: 'List every service and its operations (span names) with span counts in the baseline and incident runs.',
  schema: z.object({}),
  run(_a, runs) {
    const b = runs.baseline ? modelIndex(runs.baseline) : undefined;
    const i = modelIndex(runs.incident);
    const names = new Set([...(b?.services.keys() ?? []), ...i.services.keys()]);
    return {
      traces: { baseline: b?.traces.length ?? null, incident: i.traces.length },
      services: [...names].sort().map((s) => {
        const ops = new Set([...(b?.services.get(s) ?? []), ...(i.services.get(s) ?? [])]);
        return {
          service: s,
          operations: [...ops].sort().map((o) => ({
            name: o,
            spansBaseline: b ? (b.ops.get(opKey(s, o))?.length ?? 0) : null,
            spansIncident: i.ops.get(opKey(s, o))?.length ?? 0,
          })),
        };
      }),
    };
  },
};

export const topRegressions: TraceTool = {
  name: 'top_regressions',
  description: "The offline engine's ranked root-cause candidates: service, operation, kind of fault, impact on end-to-end latency (ms per trace), confidence and evidence. Start here.",
  schema: z.object({ limit: Limit(5, 10) }),
  run(a: { limit?: number }, runs) {
    const d = runs.diagnosis;
    if (!d) return { note: 'The engine produced no diagnosis for these runs.' };
    return {
      latency: d.latency ? { baselineMs: round(d.latency.baselineMs), incidentMs: round(d.latency.incidentMs), pValue: d.latency.pValue === null ? null : Number(d.latency.pValue.toPrecision(2)), test: d.latency.test } : null,
      split: d.split ?? null,
      engineRootCause: d.rootCause ? { service: d.rootCause.service, operation: d.rootCause.name } : null,
      candidates: d.candidates.slice(0, a.limit ?? 5).map((c, k) => ({
        rank: k + 1,
        service: c.service,
        operation: c.name,
        kind: c.kind,
        impactMs: round(c.impactMs),
        confidence: round(c.confidence),
        summary: c.summary,
        evidence: c.evidence.slice(0, 4),
        ...(c.attribute ? { attribute: c.attribute } : {}),
        ...(c.source ? { source: { file: c.source.file, line: c.source.line } } : {}),
      })),
      notes: d.notes.slice(0, 5),
    };
  },
};

export const operationStats: TraceTool = {
  name: 'operation_stats',
  description: 'Latency statistics of one operation in one run: spans, calls per trace, mean/p50/p95/p99/max duration, mean self (exclusive) time, errors.',
  schema: z.object({ ...Op, run: Run.optional() }),
  run(a: { service: string; operation: string; run?: RunName }, runs) {
    a = { ...a, ...knownOp(runs, a.service, a.operation) };
    const { m, run } = model(runs, a.run);
    return { service: a.service, operation: a.operation, run, stats: statsOf(m, a.service, a.operation) };
  },
};

export const compareOperation: TraceTool = {
  name: 'compare_operation',
  description: 'Compare one operation between the baseline and the incident: both stats side by side, the changes, and the call paths where its self/total time changed most.',
  schema: z.object({ ...Op }),
  run(a: { service: string; operation: string }, runs) {
    a = { ...a, ...knownOp(runs, a.service, a.operation) };
    const b = statsOf(runs.baseline, a.service, a.operation);
    const i = statsOf(runs.incident, a.service, a.operation);
    const delta = (k: keyof OpStats) => {
      const x = b?.[k];
      const y = i?.[k];
      return typeof x === 'number' && typeof y === 'number' ? round(y - x) : null;
    };
    const ratio = b?.meanMs && i?.meanMs ? round(i.meanMs / b.meanMs) : null;
    const paths = (runs.diff?.nodes ?? [])
      .filter((n) => n.service === a.service && n.name === a.operation)
      .sort((x, y) => Math.abs(y.deltaTotalMs) - Math.abs(x.deltaTotalMs))
      .slice(0, 5)
      .map((n) => {
        const chain: string[] = [];
        for (let p = n.parent; p > 0 && chain.length < 6; p = runs.diff!.nodes[p]!.parent) chain.unshift(`${runs.diff!.nodes[p]!.service}:${runs.diff!.nodes[p]!.name}`);
        return { callPath: [...chain, `${n.service}:${n.name}`].join(' > '), deltaSelfMsPerTrace: round(n.deltaSelfMs), deltaTotalMsPerTrace: round(n.deltaTotalMs), significance: round(n.significance) };
      });
    return {
      service: a.service,
      operation: a.operation,
      baseline: b,
      incident: i,
      change: { meanMs: delta('meanMs'), p95Ms: delta('p95Ms'), meanSelfMs: delta('meanSelfMs'), callsPerTrace: delta('callsPerTrace'), errors: delta('errors'), meanRatio: ratio },
      callPaths: paths,
    };
  },
};

export const slowestTraces: TraceTool = {
  name: 'slowest_traces',
  description: 'The slowest traces of a run with their root operation, duration, span and error counts. Each has a ref (e.g. "I3") for critical_path.',
  schema: z.object({ run: Run.optional(), limit: Limit(5, 20) }),
  run(a: { run?: RunName; limit?: number }, runs) {
    const { m, run } = model(runs, a.run);
    const ix = modelIndex(m);
    const sorted = [...ix.traces].sort((x, y) => y.durationNs - x.durationNs);
    const all = ix.traces.map((t) => t.durationNs).sort((x, y) => x - y);
    return {
      run,
      traces: ix.traces.length,
      p50Ms: ms(quantile(all, 0.5)),
      p95Ms: ms(quantile(all, 0.95)),
      slowest: sorted.slice(0, a.limit ?? 5).map((t) => ({
        ref: refOf(run, t.ordinal),
        idPrefix: t.id.slice(0, 8),
        rootService: m.service(t.root),
        rootOperation: m.name(t.root),
        durationMs: ms(t.durationNs),
        spans: t.rows.length,
        errors: t.errors,
      })),
    };
  },
};

export const criticalPath: TraceTool = {
  name: 'critical_path',
  description: "One trace's critical path: from the root, repeatedly the child that finished last, with each step's duration and self time. Pass a ref from slowest_traces (e.g. \"I1\") or a trace-id prefix.",
  schema: z.object({ trace: z.string().min(1).describe('trace ref like "I1" / "B2", or the first characters of a trace id'), run: Run.optional() }),
  run(a: { trace: string; run?: RunName }, runs) {
    const refm = /^([BI])(\d+)$/i.exec(a.trace.trim());
    const run: RunName = refm ? (refm[1]!.toUpperCase() === 'B' ? 'baseline' : 'incident') : (a.run ?? 'incident');
    const { m } = model(runs, run);
    const ix = modelIndex(m);
    const prefix = a.trace.trim().toLowerCase();
    const t = refm ? ix.traces[Number(refm[2]) - 1] : prefix ? ix.traces.find((x) => x.id.startsWith(prefix)) : undefined;
    if (!t) throw new ToolInputError(`No trace "${sanitize(a.trace, 40)}" in the ${run} run (${ix.traces.length} traces; use slowest_traces for refs).`);
    const steps: unknown[] = [];
    let r = t.root;
    const t0 = m.start[t.root]!;
    for (let guard = 0; guard < 64 && r >= 0; guard++) {
      steps.push({
        service: m.service(r),
        operation: m.name(r),
        kind: ['unspecified', 'internal', 'server', 'client', 'producer', 'consumer'][m.kind[r]!] ?? 'unspecified',
        startMs: Number.isNaN(m.start[r]!) ? null : ms(m.start[r]! - t0),
        durationMs: ms(m.duration[r]!),
        selfMs: ms(ix.self[r]!),
        ...(m.isError(r) ? { error: m.statusMessage(r) || true } : {}),
      });
      let next = -1;
      let bestEnd = -Infinity;
      for (let c = ix.childStart[r]!; c < ix.childStart[r + 1]!; c++) {
        const ch = ix.childRows[c]!;
        const end = m.start[ch]! + m.duration[ch]!;
        if (end > bestEnd) {
          bestEnd = end;
          next = ch;
        }
      }
      r = next;
    }
    return { ref: refOf(run, t.ordinal), run, durationMs: ms(t.durationNs), spans: t.rows.length, path: steps };
  },
};

export const errorsTool: TraceTool = {
  name: 'errors',
  description: 'Error spans of a run grouped by service and operation, with counts, error rate and the most common status messages / exception types.',
  schema: z.object({ run: Run.optional(), service: z.string().optional().describe('only this service') }),
  run(a: { run?: RunName; service?: string }, runs) {
    const { m, run } = model(runs, a.run);
    // "" means every service, unless a service is really named ""
    const only = a.service === undefined || (a.service.trim() === '' && !catalog(runs).has(a.service)) ? undefined : knownService(runs, a.service);
    const groups = new Map<string, { service: string; operation: string; count: number; spans: number; messages: Map<string, number> }>();
    let total = 0;
    for (let i = 0; i < m.size; i++) {
      if (!m.isError(i)) continue;
      const s = m.service(i);
      if (only !== undefined && s !== only) continue;
      total++;
      const o = m.name(i);
      const k = opKey(s, o);
      let g = groups.get(k);
      if (!g) groups.set(k, (g = { service: s, operation: o, count: 0, spans: modelIndex(m).ops.get(k)?.length ?? 0, messages: new Map() }));
      g.count++;
      let msg = m.statusMessage(i);
      const ex = m.events.get(i)?.find((e) => e.name === 'exception');
      if (ex) msg = String(ex.attributes['exception.type'] ?? '') + (ex.attributes['exception.message'] ? `: ${String(ex.attributes['exception.message'])}` : '') || msg;
      msg = sanitize(msg || '(no message)', 120);
      g.messages.set(msg, (g.messages.get(msg) ?? 0) + 1);
    }
    return {
      run,
      ...(only !== undefined ? { service: only } : {}),
      errorSpans: total,
      spans: m.size,
      groups: [...groups.values()]
        .sort((x, y) => y.count - x.count)
        .map((g) => ({
          service: g.service,
          operation: g.operation,
          errors: g.count,
          errorRate: g.spans ? round(g.count / g.spans, 3) : null,
          messages: [...g.messages.entries()].sort((x, y) => y[1] - x[1]).slice(0, 3).map(([text, count]) => ({ text, count })),
        })),
    };
  },
};

function valueStats(m: SpanTable | undefined, rows: readonly number[] | undefined, key: string) {
  const out = new Map<string, number[]>();
  if (!m || !rows) return out;
  for (const r of rows) {
    const v = m.attribute(r, key);
    if (v === undefined) continue;
    const s = typeof v === 'object' ? JSON.stringify(v) : String(v);
    (out.get(s) ?? out.set(s, []).get(s)!).push(m.duration[r]!);
  }
  return out;
}

function summarise(d: number[] | undefined) {
  if (!d || !d.length) return null;
  const s = [...d].sort((x, y) => x - y);
  return { spans: s.length, meanMs: ms(s.reduce((x, y) => x + y, 0) / s.length), p95Ms: ms(quantile(s, 0.95)) };
}

export const attributeBreakdown: TraceTool = {
  name: 'attribute_breakdown',
  description: 'Split one operation by an attribute (e.g. model.version, tenant, host.name) and compare each value between runs. Without "key": the attributes whose values differ most in latency change.',
  schema: z.object({ ...Op, key: z.string().optional().describe('attribute key; omit to rank the candidate keys') }),
  run(a: { service: string; operation: string; key?: string }, runs, ctx) {
    a = { ...a, ...knownOp(runs, a.service, a.operation) };
    const k = opKey(a.service, a.operation);
    const bRows = runs.baseline ? modelIndex(runs.baseline).ops.get(k) : undefined;
    const iRows = modelIndex(runs.incident).ops.get(k);
    const breakdown = (key: string) => {
      const bv = valueStats(runs.baseline, bRows, key);
      const iv = valueStats(runs.incident, iRows, key);
      const values = [...new Set([...bv.keys(), ...iv.keys()])].map((v) => {
        const b = summarise(bv.get(v));
        const i = summarise(iv.get(v));
        // values of sensitive keys (db_password, api_key, session.id, …) leave only as placeholders
        return { value: sanitize(ctx.redactValue(key, v), 80), baseline: b, incident: i, deltaMeanMs: b && i ? round(i.meanMs - b.meanMs) : null };
      });
      values.sort((x, y) => Math.abs(y.deltaMeanMs ?? 0) - Math.abs(x.deltaMeanMs ?? 0));
      return values;
    };
    if (a.key) return { service: a.service, operation: a.operation, key: a.key, values: breakdown(a.key).slice(0, 15) };
    // rank keys with 2..20 distinct values by the spread of their per-value mean change
    const keys = new Set<string>();
    const sample = (m: SpanTable | undefined, rows?: readonly number[]) => {
      if (!m || !rows) return;
      for (const r of rows.slice(0, 200)) {
        for (const key of Object.keys(m.attributes(r))) keys.add(key);
        for (const key of Object.keys(m.resource(r).attributes)) keys.add(key);
      }
    };
    sample(runs.baseline, bRows);
    sample(runs.incident, iRows);
    const ranked = [...keys]
      .slice(0, 60)
      .map((key) => {
        const vals = breakdown(key);
        const deltas = vals.map((v) => v.deltaMeanMs).filter((x): x is number => typeof x === 'number');
        return { key, distinctValues: vals.length, spread: deltas.length >= 2 ? round(Math.max(...deltas) - Math.min(...deltas)) : null, top: vals.slice(0, 3) };
      })
      .filter((x) => x.distinctValues >= 2 && x.distinctValues <= 20)
      .sort((x, y) => (y.spread ?? -1) - (x.spread ?? -1));
    return { service: a.service, operation: a.operation, keys: ranked.slice(0, 6) };
  },
};

export const findSource: TraceTool = {
  name: 'find_source',
  description: 'Where in the workspace the span of an operation is opened: file (relative) and 1-based line.',
  schema: z.object({ ...Op }),
  run(a: { service: string; operation: string }, runs) {
    a = { ...a, ...knownOp(runs, a.service, a.operation) };
    const link = runs.source?.(a.service, a.operation) ?? runs.diagnosis?.candidates.find((c) => c.service === a.service && c.name === a.operation)?.source;
    return link ? { service: a.service, operation: a.operation, file: link.file, line: link.line, function: link.function ?? null } : { service: a.service, operation: a.operation, found: false, note: 'No span-opening line found for this operation in the workspace or in code.* attributes.' };
  },
};

export const TOOLS: readonly TraceTool[] = [
  listServicesOperations,
  topRegressions,
  operationStats,
  compareOperation,
  slowestTraces,
  criticalPath,
  errorsTool,
  attributeBreakdown,
  findSource,
];

export function toolSpecs(tools: readonly TraceTool[] = TOOLS): ToolSpec[] {
  return tools.map((t) => {
    const s = z.toJSONSchema(t.schema) as Record<string, unknown>;
    delete s.$schema;
    return { name: t.name, description: t.description, parameters: s };
  });
}

/** "name {arg: type, arg?: type}" for each tool: quoted whole in tool errors so the model can correct its call. */
export function toolUsage(tools: readonly TraceTool[] = TOOLS): string[] {
  return tools.map((t) => {
    const s = z.toJSONSchema(t.schema) as { properties?: Record<string, { type?: string; enum?: string[] }>; required?: string[] };
    const args = Object.entries(s.properties ?? {}).map(([k, v]) => `${k}${s.required?.includes(k) ? '' : '?'}: ${v.enum ? v.enum.map((x) => JSON.stringify(x)).join('|') : (v.type ?? 'any')}`);
    return `${t.name} {${args.join(', ')}}`;
  });
}

export interface ToolOutcome {
  ok: boolean;
  /** capped JSON text (sanitised strings) */
  text: string;
  truncated: boolean;
  ms: number;
}

/** Validate the model's arguments, run the tool, sanitise and cap the result. Never throws. */
export function runTool(name: string, args: unknown, runs: LlmRuns, maxChars = 4000, tools: readonly TraceTool[] = TOOLS, invalidArguments?: string, ctx: ToolContext = PLAIN): ToolOutcome {
  const t0 = Date.now();
  const done = (ok: boolean, v: unknown): ToolOutcome => {
    // error messages are sanitised but not cut at 160 characters: the model needs the whole list to correct its call
    const c = capJson(sanitizeDeep(v, ok ? 160 : 2000), maxChars);
    return { ok, text: c.text, truncated: c.truncated, ms: Date.now() - t0 };
  };
  const tool = tools.find((t) => t.name === name);
  if (!tool) return done(false, { error: `Unknown tool "${sanitize(name, 60)}".`, tools: toolUsage(tools) });
  if (invalidArguments !== undefined) return done(false, { error: `The arguments were not a JSON object: ${sanitize(invalidArguments, 120)}`, usage: toolUsage([tool])[0] });
  const parsed = tool.schema.safeParse(args ?? {});
  if (!parsed.success) return done(false, { error: `Invalid arguments for ${name}: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(arguments)'}: ${i.message}`).join('; ')}`, usage: toolUsage([tool])[0] });
  try {
    return done(true, tool.run(parsed.data, runs, ctx));
  } catch (e) {
    if (e instanceof ToolInputError) return done(false, { error: e.message });
    return done(false, { error: `The tool failed: ${(e as Error).message}` });
  }
}
