/**
 * Per-operation summaries (service + span name) built from the engine's trees, and the line index that hovers,
 * CodeLens and the gutter decoration read. Pure: no `vscode` import.
 */
import type { AggTree, NodeStats } from '../core/aggregate/types';
import type { DiffTree } from '../core/diff/types';
import type { Candidate, Diagnosis, SourceLink } from '../core/rca/diagnosis';

export interface OpStats {
  calls: number;
  traces: number;
  callsPerTrace: number;
  p50Ms: number;
  p95Ms: number;
  errors: number;
  /** errors / calls */
  errorRate: number;
  selfPerTraceMs: number;
  totalPerTraceMs: number;
}

export interface OpSummary {
  /** `${service}\u0000${name}` */
  key: string;
  service: string;
  name: string;
  kind: string;
  /** null when the operation does not occur in that run (or, for a single run, always null) */
  baseline: OpStats | null;
  incident: OpStats | null;
  deltaSelfMs: number;
  deltaTotalMs: number;
  /** incident p95 − baseline p95, null when a side is missing */
  deltaP95Ms: number | null;
  significance: number;
  rootCause: boolean;
  /** 1-based rank among the diagnosis' candidates, when it is one */
  candidateRank?: number;
  candidate?: Candidate;
  source?: SourceLink;
  /** ids of the tree nodes (call paths) merged into this summary */
  nodeIds: number[];
}

export const opKey = (service: string, name: string): string => `${service}\u0000${name}`;

function statsOf(list: NodeStats[]): OpStats | null {
  if (list.length === 0) return null;
  let calls = 0;
  let callsPerTrace = 0;
  let errors = 0;
  let selfPerTraceMs = 0;
  let totalPerTraceMs = 0;
  let traces = 0;
  // Percentiles cannot be merged exactly across call paths: take those of the busiest path.
  let main = list[0]!;
  for (const s of list) {
    calls += s.calls;
    callsPerTrace += s.callsPerTrace;
    errors += s.errors;
    selfPerTraceMs += s.selfPerTraceMs;
    totalPerTraceMs += s.totalPerTraceMs;
    traces = Math.max(traces, s.traces);
    if (s.calls > main.calls) main = s;
  }
  return {
    calls,
    traces,
    callsPerTrace,
    p50Ms: main.p50Ms,
    p95Ms: main.p95Ms,
    errors,
    errorRate: calls > 0 ? errors / calls : 0,
    selfPerTraceMs,
    totalPerTraceMs,
  };
}

function sameOp(c: { service: string; name: string }, service: string, name: string): boolean {
  return c.service === service && c.name === name;
}

function attachDiagnosis(ops: OpSummary[], diagnosis: Diagnosis | null | undefined): void {
  if (!diagnosis) return;
  const byKey = new Map(ops.map((o) => [o.key, o]));
  diagnosis.candidates.forEach((c, i) => {
    const op = byKey.get(opKey(c.service, c.name));
    if (!op || op.candidateRank !== undefined) return;
    op.candidateRank = i + 1;
    op.candidate = c;
    if (c.source && (!op.source || sameLine(op.source, c.source))) op.source = c.source;
  });
  const rc = diagnosis.rootCause;
  if (rc) {
    const op = byKey.get(opKey(rc.service, rc.name));
    if (op) {
      op.rootCause = true;
      op.candidate ??= rc;
      if (rc.source && (!op.source || sameLine(op.source, rc.source))) op.source = rc.source;
    }
  }
}

/** One summary per (service, name) of a differential tree, sorted by |deltaSelfMs| descending. */
export function summarizeDiff(tree: DiffTree, diagnosis?: Diagnosis | null): OpSummary[] {
  const groups = new Map<string, { service: string; name: string; kind: string; b: NodeStats[]; i: NodeStats[]; ids: number[]; dSelf: number; dTotal: number; sig: number; root: boolean; source?: { file: string; line: number } }>();
  for (const n of tree.nodes) {
    if (n.parent < 0) continue; // synthetic root
    const key = opKey(n.service, n.name);
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { service: n.service, name: n.name, kind: n.kind, b: [], i: [], ids: [], dSelf: 0, dTotal: 0, sig: 0, root: false }));
    if (n.baseline) g.b.push(n.baseline);
    if (n.incident) g.i.push(n.incident);
    g.ids.push(n.id);
    g.dSelf += n.deltaSelfMs;
    g.dTotal += n.deltaTotalMs;
    g.sig = Math.max(g.sig, n.significance);
    if (n.rootCause) g.root = true;
    if (!g.source && n.source) g.source = n.source;
  }
  const ops: OpSummary[] = [];
  for (const [key, g] of groups) {
    const baseline = statsOf(g.b);
    const incident = statsOf(g.i);
    ops.push({
      key,
      service: g.service,
      name: g.name,
      kind: g.kind,
      baseline,
      incident,
      deltaSelfMs: g.dSelf,
      deltaTotalMs: g.dTotal,
      deltaP95Ms: baseline && incident ? incident.p95Ms - baseline.p95Ms : null,
      significance: g.sig,
      rootCause: g.root,
      nodeIds: g.ids,
      ...(g.source ? { source: { file: g.source.file, line: g.source.line } } : {}),
    });
  }
  attachDiagnosis(ops, diagnosis);
  return ops.sort((a, b) => Math.abs(b.deltaSelfMs) - Math.abs(a.deltaSelfMs) || a.key.localeCompare(b.key));
}

/** One summary per (service, name) of a single run's tree (stats in `incident`), sorted by self time per trace. */
export function summarizeAgg(tree: AggTree, diagnosis?: Diagnosis | null): OpSummary[] {
  const groups = new Map<string, { service: string; name: string; kind: string; s: NodeStats[]; ids: number[] }>();
  for (const n of tree.nodes) {
    if (n.parent < 0) continue;
    const key = opKey(n.service, n.name);
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { service: n.service, name: n.name, kind: n.kind, s: [], ids: [] }));
    g.s.push(n.stats);
    g.ids.push(n.id);
  }
  const ops: OpSummary[] = [];
  for (const [key, g] of groups) {
    const incident = statsOf(g.s);
    ops.push({
      key,
      service: g.service,
      name: g.name,
      kind: g.kind,
      baseline: null,
      incident,
      deltaSelfMs: 0,
      deltaTotalMs: 0,
      deltaP95Ms: null,
      significance: 0,
      rootCause: false,
      nodeIds: g.ids,
    });
  }
  attachDiagnosis(ops, diagnosis);
  return ops.sort(
    (a, b) => (b.incident?.selfPerTraceMs ?? 0) - (a.incident?.selfPerTraceMs ?? 0) || a.key.localeCompare(b.key),
  );
}

/** The same file and line (the diff tree's copy of a link and the whole link). */
const sameLine = (a: { file: string; line: number }, b: { file: string; line: number }) => a.file === b.file && a.line === b.line;

/** Give operations without a source link the one a resolver finds (e.g. B's workspace index: span name → file/line). */
export function attachSourceLinks(
  ops: OpSummary[],
  resolve: (service: string, name: string) => SourceLink | undefined,
): void {
  for (const op of ops) {
    const s = resolve(op.service, op.name);
    // the resolver's link is the whole one (a run-time name's template, equally likely lines); the diff tree keeps
    // only file and line
    if (s && (!op.source || sameLine(op.source, s))) op.source = s;
  }
}

export interface LineEntry {
  /** 0-based line (VS Code numbering) */
  line: number;
  ops: OpSummary[];
}

/**
 * Index operations by resolved absolute file path and line. `resolvePath` maps a source link's file (workspace
 * relative, or absolute) to an absolute path, or undefined when the file is not in the workspace.
 */
export function buildLineIndex(
  ops: readonly OpSummary[],
  resolvePath: (file: string) => string | undefined,
): Map<string, Map<number, OpSummary[]>> {
  const out = new Map<string, Map<number, OpSummary[]>>();
  const cache = new Map<string, string | undefined>();
  for (const op of ops) {
    if (!op.source) continue;
    // every line that opens spans of the operation (source.also: lines the span name alone cannot tell apart)
    for (const at of [op.source, ...(op.source.also ?? [])]) {
      let abs = cache.get(at.file);
      if (!cache.has(at.file)) cache.set(at.file, (abs = resolvePath(at.file)));
      if (!abs) continue;
      let lines = out.get(abs);
      if (!lines) out.set(abs, (lines = new Map()));
      const l = at.line - 1;
      const list = lines.get(l);
      if (list) {
        if (!list.includes(op)) list.push(op);
      } else lines.set(l, [op]);
    }
  }
  // Most important first on each line: root cause, then by |delta|.
  for (const lines of out.values()) {
    for (const list of lines.values()) {
      list.sort((a, b) => Number(b.rootCause) - Number(a.rootCause) || Math.abs(b.deltaSelfMs) - Math.abs(a.deltaSelfMs));
    }
  }
  return out;
}

export function findOp(ops: readonly OpSummary[], service: string, name: string): OpSummary | undefined {
  return ops.find((o) => sameOp(o, service, name));
}
