/**
 * Exemplar selection: for one call path of the flame graph (a list of service/operation steps from an entry point),
 * the slowest incident traces that go through it and typical baseline traces of the same entry point.
 *
 * Pure and columnar: one pass over the span table per side (O(spans)), no per-span objects. A run is a SpanTable plus
 * an optional trace mask (the auto-split halves of one run share a table).
 */
import type { SpanTable } from '../model/span-table';
import { StatusCode } from '../model/span-table';
import type { CallPathSegment, ExemplarList, ExemplarRef, ExemplarSide } from '../../protocol/exemplars';

export interface ExemplarRun {
  model: SpanTable;
  /** indexed by the interned trace-id string id (model.traceIdCol values), 1 = the trace belongs to this run */
  mask?: Uint8Array | null;
}

/** Per-trace facts of a run (computed once per run, reusable across call paths). */
export interface TraceIndex {
  model: SpanTable;
  /** dense trace index per span row, −1 when masked out */
  traceOf: Int32Array;
  /** interned trace-id string id per dense trace */
  idOf: Uint32Array;
  latencyMs: Float64Array;
  /** ns offset of the trace's first span (0 when unknown) */
  startNs: Float64Array;
  spans: Uint32Array;
  error: Uint8Array;
  /** the entry span: longest non-orphan root, else the longest root; −1 when none */
  rootRow: Int32Array;
}

export function indexTraces(run: ExemplarRun): TraceIndex {
  const { model } = run;
  const mask = run.mask ?? null;
  const n = model.size;
  const dense = new Int32Array(model.strings.size).fill(-1);
  const traceOf = new Int32Array(n);
  const ids: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = model.traceIdCol[i]!;
    if (mask && !mask[t]) {
      traceOf[i] = -1;
      continue;
    }
    let d = dense[t]!;
    if (d < 0) {
      d = dense[t] = ids.length;
      ids.push(t);
    }
    traceOf[i] = d;
  }
  const T = ids.length;
  const st = new Float64Array(T).fill(Infinity);
  const en = new Float64Array(T).fill(-Infinity);
  const rootRow = new Int32Array(T).fill(-1);
  const rootScore = new Float64Array(T).fill(-Infinity);
  const spans = new Uint32Array(T);
  const error = new Uint8Array(T);
  for (let i = 0; i < n; i++) {
    const t = traceOf[i]!;
    if (t < 0) continue;
    spans[t]!++;
    const s = model.start[i]!;
    const d = model.duration[i]!;
    if (!Number.isNaN(s)) {
      if (s < st[t]!) st[t] = s;
      if (s + d > en[t]!) en[t] = s + d;
    }
    if (model.statusCode[i] === StatusCode.Error) error[t] = 1;
    if (model.parent[i]! < 0) {
      // non-orphan roots win over orphans; the longest wins among equals
      const score = (model.orphan[i] === 0 ? 1e30 : 0) + (Number.isNaN(d) ? 0 : d);
      if (score > rootScore[t]!) {
        rootScore[t] = score;
        rootRow[t] = i;
      }
    }
  }
  const latencyMs = new Float64Array(T);
  for (let t = 0; t < T; t++) {
    const r = rootRow[t]!;
    const ext = en[t]! - st[t]!;
    latencyMs[t] = (r >= 0 && model.orphan[r] === 0 ? model.duration[r]! : Number.isFinite(ext) ? ext : 0) / 1e6;
    if (!Number.isFinite(st[t]!)) st[t] = 0;
  }
  return { model, traceOf, idOf: Uint32Array.from(ids), latencyMs, startNs: st, spans, error, rootRow };
}

/**
 * Which spans lie on the call path: level[i] = k when the chain root..i equals path[0..k-1] (k = the span's depth +
 * 1), else 0. Iterative with memoisation, O(spans) — no recursion on the data's depth.
 */
export function matchPath(model: SpanTable, path: readonly CallPathSegment[], traceOf?: Int32Array): Uint16Array {
  const n = model.size;
  const L = path.length;
  const level = new Uint16Array(n);
  if (L === 0 || L > 65535) return level;
  const svc = new Int32Array(L);
  const nm = new Int32Array(L);
  for (let k = 0; k < L; k++) {
    svc[k] = model.strings.lookup(path[k]!.service);
    nm[k] = model.strings.lookup(path[k]!.name);
    if (svc[k]! < 0 || nm[k]! < 0) return level; // a string the run never saw: nothing matches
  }
  // services and names that occur in the path at all: spans of other operations are 0 without a walk
  const S = model.strings.size;
  const inSvc = new Uint8Array(S);
  const inName = new Uint8Array(S);
  for (let k = 0; k < L; k++) {
    inSvc[svc[k]!] = 1;
    inName[nm[k]!] = 1;
  }
  const { serviceCol, nameCol } = model;
  const done = new Uint8Array(n);
  const chain: number[] = [];
  for (let i = 0; i < n; i++) {
    if (done[i]) continue;
    if (!inName[nameCol[i]!] || !inSvc[serviceCol[i]!] || (traceOf && traceOf[i]! < 0)) {
      done[i] = 1;
      continue;
    }
    chain.length = 0;
    let j = i;
    while (j >= 0 && !done[j]) {
      chain.push(j);
      j = model.parent[j]!;
    }
    let up = j >= 0 ? level[j]! : 0; // level of the resolved ancestor (or "above the roots")
    let fromRoot = j < 0;
    for (let c = chain.length - 1; c >= 0; c--) {
      const r = chain[c]!;
      let k: number;
      if (fromRoot) k = 0; // r is a root: it must match path[0]
      else k = up > 0 && up < L ? up : -1; // else it continues its parent's match
      const ok = k >= 0 && model.serviceCol[r] === svc[k] && model.nameCol[r] === nm[k];
      level[r] = ok ? k + 1 : 0;
      done[r] = 1;
      up = level[r]!;
      fromRoot = false;
    }
  }
  return level;
}

export interface SelectOptions {
  /** incident traces to list (default 8) */
  incidentCount?: number;
  /** baseline traces to list (default 5) */
  baselineCount?: number;
}

interface PathHits {
  calls: Uint32Array;
  nodeNs: Float64Array;
}

function hitsPerTrace(ix: TraceIndex, path: readonly CallPathSegment[]): PathHits {
  const T = ix.idOf.length;
  const calls = new Uint32Array(T);
  const nodeNs = new Float64Array(T);
  const level = matchPath(ix.model, path, ix.traceOf);
  const L = path.length;
  for (let i = 0; i < level.length; i++) {
    if (level[i] !== L) continue;
    const t = ix.traceOf[i]!;
    if (t < 0) continue;
    calls[t]!++;
    const d = ix.model.duration[i]!;
    if (!Number.isNaN(d)) nodeNs[t]! += d;
  }
  return { calls, nodeNs };
}

function ref(ix: TraceIndex, side: ExemplarSide, t: number, label: string, hits: PathHits): ExemplarRef {
  const m = ix.model;
  return {
    side,
    traceId: m.strings.get(ix.idOf[t]!),
    label,
    latencyMs: round3(ix.latencyMs[t]!),
    nodeMs: round3(hits.nodeNs[t]! / 1e6),
    calls: hits.calls[t]!,
    spans: ix.spans[t]!,
    error: ix.error[t] === 1,
    startMs: round3(m.toUnixMs(ix.startNs[t]!)),
  };
}

const round3 = (v: number) => (Number.isFinite(v) ? Math.round(v * 1000) / 1000 : 0);

/**
 * The exemplar list of a call path. `baseline` null = a single run (no baseline column). Ties are broken by trace
 * order, so the result is deterministic.
 */
export function selectExemplars(
  incident: TraceIndex,
  baseline: TraceIndex | null,
  path: readonly CallPathSegment[],
  opts: SelectOptions = {},
): ExemplarList {
  const nInc = Math.max(0, opts.incidentCount ?? 8);
  const nBase = Math.max(0, opts.baselineCount ?? 5);
  const hi = hitsPerTrace(incident, path);
  const through: number[] = [];
  for (let t = 0; t < incident.idOf.length; t++) if (hi.calls[t]! > 0) through.push(t);
  through.sort((a, b) => incident.latencyMs[b]! - incident.latencyMs[a]! || a - b);
  const incRefs = through.slice(0, nInc).map((t, k) => ref(incident, 'incident', t, k === 0 ? 'slowest' : `#${k + 1}`, hi));

  const list: ExemplarList = {
    path: path.map((s) => ({ service: s.service, name: s.name })),
    incident: incRefs,
    baseline: [],
    incidentMatches: through.length,
    baselineMatches: 0,
    baselineEntryTraces: 0,
    hasBaseline: !!baseline,
  };
  const notes: string[] = [];
  if (through.length === 0) notes.push('no incident trace goes through this call path');
  if (baseline) {
    const entry = path[0]!;
    const m = baseline.model;
    const es = m.strings.lookup(entry.service);
    const en = m.strings.lookup(entry.name);
    const hb = hitsPerTrace(baseline, path);
    // the pool: baseline traces with the same entry point; those that also go through the call path come first
    const same: number[] = [];
    const sameThrough: number[] = [];
    for (let t = 0; t < baseline.idOf.length; t++) {
      if (hb.calls[t]! > 0) list.baselineMatches++;
      const r = baseline.rootRow[t]!;
      if (r < 0 || es < 0 || en < 0 || m.serviceCol[r] !== es || m.nameCol[r] !== en) continue;
      same.push(t);
      if (hb.calls[t]! > 0) sameThrough.push(t);
    }
    list.baselineEntryTraces = same.length;
    const pool = sameThrough.length > 0 ? sameThrough : same;
    if (pool.length === 0) notes.push(`no baseline trace starts at ${entry.service} · ${entry.name}`);
    else if (sameThrough.length === 0) notes.push('no baseline trace of this entry point goes through this call path: showing typical traces of the entry point');
    pool.sort((a, b) => baseline.latencyMs[a]! - baseline.latencyMs[b]! || a - b);
    const mid = (pool.length - 1) >> 1;
    // the median, then its neighbours alternately (below, above, …)
    const picks: number[] = [];
    for (let d = 0; picks.length < Math.min(nBase, pool.length); d++) {
      if (mid - d >= 0 && d > 0) picks.push(mid - d);
      if (picks.length < Math.min(nBase, pool.length) && mid + d < pool.length) picks.push(mid + d);
      if (d > pool.length) break;
    }
    list.baseline = picks.map((q) => {
      const pctl = pool.length > 1 ? Math.round((q / (pool.length - 1)) * 100) : 50;
      return ref(baseline, 'baseline', pool[q]!, q === mid ? 'median' : `p${pctl}`, hb);
    });
  }
  if (notes.length) list.note = notes.join('; ');
  return list;
}
