/**
 * DiffTree / AggTree → the compact columnar {@link FlameData} posted to (or embedded in) the flame-graph webview.
 * Pure: no vscode, no node built-ins.
 */
import type { AggTree } from '../aggregate/types';
import type { Diagnosis } from '../rca/diagnosis';
import type { DiffNode, DiffTree } from './types';
import { FlameFlag, type FlameData } from '../../protocol/messages';
import { coarsen, decodeSketch, encodeSketch } from '../stats/latency-sketch';

/** ms rounded to the microsecond: keeps the JSON small without visible loss. */
const r3 = (v: number) => (Number.isFinite(v) ? Math.round(v * 1000) / 1000 : 0);
const r4 = (v: number) => (Number.isFinite(v) ? Math.round(v * 10000) / 10000 : 0);

/**
 * Most numbers all latency histograms of one flame graph may take (about 2–3 MB of JSON). Beyond it they are made
 * coarser (each level doubles the bucket width: ±1 % → ±2 % → ±4 % → ±8 %), and dropped when even that does not fit.
 */
export const SKETCH_BUDGET = 400_000;
const MAX_FIT_LEVEL = 3;

/** The columns of sketches within `budget` numbers in all: as they are, coarsened, or null when they never fit. */
export function fitSketches(cols: number[][][], budget: number): number[][][] | null {
  const size = (cs: number[][][]) => cs.reduce((n, c) => n + c.reduce((m, s) => m + s.length, 0), 0);
  if (!cols.some((c) => c.some((s) => s.length > 0))) return null;
  let cur = cols;
  for (let by = 0; ; by++) {
    if (size(cur) <= budget) return cur;
    if (by >= MAX_FIT_LEVEL) return null;
    cur = cols.map((c) =>
      c.map((enc) => {
        const s = decodeSketch(enc);
        return s ? encodeSketch(coarsen(s, Math.max(0, by + 1 - s.level))) : [];
      }),
    );
  }
}

/** Most of the node's time per trace waits on wrapping twins (aggregate/twins.ts), left out of its self time. */
const waitsOnTwin = (s: DiffNode['baseline']) => !!s && (s.wrappedPerTraceMs ?? 0) > 0 && (s.wrappedPerTraceMs ?? 0) >= 0.5 * s.totalPerTraceMs;

/** The DiffNode fields build() reads; an AggTree's nodes are mapped onto them. */
type SourceNode = Pick<
  DiffNode,
  'parent' | 'service' | 'name' | 'kind' | 'children' | 'baseline' | 'incident' | 'deltaSelfMs' | 'deltaTotalMs' | 'significance' | 'rootCause' | 'source'
>;

function emptyData(kind: FlameData['kind'], baselineTraces: number, incidentTraces: number): FlameData {
  return {
    version: 1,
    kind,
    n: 0,
    baselineTraces,
    incidentTraces,
    strings: [],
    parent: [],
    service: [],
    name: [],
    spanKind: [],
    flags: [],
    bTotal: [],
    bSelf: [],
    bP50: [],
    bP95: [],
    bCalls: [],
    bErrors: [],
    iTotal: [],
    iSelf: [],
    iP50: [],
    iP95: [],
    iCalls: [],
    iErrors: [],
    deltaSelf: [],
    deltaTotal: [],
    significance: [],
    srcFile: [],
    srcLine: [],
  };
}

function build(kind: FlameData['kind'], nodes: SourceNode[], baselineTraces: number, incidentTraces: number, diagnosis?: Diagnosis | null): FlameData {
  const out = emptyData(kind, baselineTraces, incidentTraces);
  if (nodes.length === 0) return out;
  const strIdx = new Map<string, number>();
  const intern = (s: string): number => {
    let i = strIdx.get(s);
    if (i === undefined) {
      i = out.strings.length;
      out.strings.push(s);
      strIdx.set(s, i);
    }
    return i;
  };
  const key = (service: string, name: string) => `${service}\u0000${name}`;
  const rc = diagnosis?.rootCause ? key(diagnosis.rootCause.service, diagnosis.rootCause.name) : undefined;
  const cands = new Set((diagnosis?.candidates ?? []).map((c) => key(c.service, c.name)));
  const anyFlagged = nodes.some((n) => n.rootCause);
  const cmp = (a: number, b: number) => {
    const x = nodes[a]!;
    const y = nodes[b]!;
    return x.service < y.service ? -1 : x.service > y.service ? 1 : x.name < y.name ? -1 : x.name > y.name ? 1 : a - b;
  };

  const bSk: number[][] = [];
  const iSk: number[][] = [];
  // Iterative pre-order walk from the root; children sorted by (service, name) so every mode lays out alike.
  const seen = new Uint8Array(nodes.length);
  const stack: Array<[id: number, newParent: number]> = [[0, -1]];
  while (stack.length) {
    const [id, np] = stack.pop()!;
    const node = nodes[id];
    if (!node || seen[id]) continue; // dangling child id or a cycle: skip rather than loop
    seen[id] = 1;
    const me = out.parent.length;
    const b = node.baseline;
    const inc = node.incident;
    const k = key(node.service, node.name);
    let flags = (b ? FlameFlag.Baseline : 0) | (inc ? FlameFlag.Incident : 0);
    if (anyFlagged ? node.rootCause : rc !== undefined && k === rc) flags |= FlameFlag.RootCause;
    else if (cands.has(k)) flags |= FlameFlag.Candidate;
    if (waitsOnTwin(b) || waitsOnTwin(inc)) flags |= FlameFlag.WaitsOnTwin;
    out.parent.push(np);
    out.service.push(intern(node.service));
    out.name.push(intern(node.name));
    out.spanKind.push(intern(node.kind));
    out.flags.push(flags);
    out.bTotal.push(r3(b?.totalPerTraceMs ?? 0));
    out.bSelf.push(r3(b?.selfPerTraceMs ?? 0));
    out.bP50.push(r3(b?.p50Ms ?? 0));
    out.bP95.push(r3(b?.p95Ms ?? 0));
    out.bCalls.push(b?.calls ?? 0);
    out.bErrors.push(b?.errors ?? 0);
    out.iTotal.push(r3(inc?.totalPerTraceMs ?? 0));
    out.iSelf.push(r3(inc?.selfPerTraceMs ?? 0));
    out.iP50.push(r3(inc?.p50Ms ?? 0));
    out.iP95.push(r3(inc?.p95Ms ?? 0));
    out.iCalls.push(inc?.calls ?? 0);
    out.iErrors.push(inc?.errors ?? 0);
    out.deltaSelf.push(r3(node.deltaSelfMs));
    out.deltaTotal.push(r3(node.deltaTotalMs));
    out.significance.push(r4(Math.min(1, Math.max(0, node.significance))));
    out.srcFile.push(node.source ? intern(node.source.file) : -1);
    out.srcLine.push(node.source ? Math.max(0, Math.floor(node.source.line)) : 0);
    bSk.push(b?.sketch ?? []);
    iSk.push(inc?.sketch ?? []);
    const kids = node.children.filter((c) => c > 0 && c < nodes.length && !seen[c]).sort(cmp);
    for (let i = kids.length - 1; i >= 0; i--) stack.push([kids[i]!, me]);
  }
  out.n = out.parent.length;
  const sketches = fitSketches([bSk, iSk], SKETCH_BUDGET);
  if (sketches) [out.bSketch, out.iSketch] = sketches as [number[][], number[][]];

  // A diagnosis whose root cause is given but whose tree has no flag: also take the source link from it.
  if (diagnosis?.rootCause?.source) {
    const f = intern(diagnosis.rootCause.source.file);
    for (let i = 0; i < out.n; i++) {
      if (out.flags[i]! & FlameFlag.RootCause && out.srcFile[i] === -1) {
        out.srcFile[i] = f;
        out.srcLine[i] = diagnosis.rootCause.source.line;
      }
    }
  }
  return out;
}

/** A differential tree (baseline vs incident) as flame data. Root-cause nodes come from `rootCause` flags in the tree, else from `diagnosis.rootCause`. */
export function toFlameData(diff: DiffTree, diagnosis?: Diagnosis | null): FlameData {
  return build('diff', diff.nodes, diff.baselineTraces, diff.incidentTraces, diagnosis);
}

/** One aggregated run as flame data (kind 'single': the run fills the incident columns, deltas are 0). */
export function aggToFlameData(agg: AggTree, diagnosis?: Diagnosis | null): FlameData {
  const nodes: SourceNode[] = agg.nodes.map((n) => ({
    parent: n.parent,
    service: n.service,
    name: n.name,
    kind: n.kind,
    children: n.children,
    baseline: null,
    incident: n.stats,
    deltaSelfMs: 0,
    deltaTotalMs: 0,
    significance: 0,
  }));
  return build('single', nodes, 0, agg.traceCount, diagnosis);
}
