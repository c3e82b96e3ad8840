/**
 * Semi-synthetic fault injection on REAL traces: take a real run's traces (the Nezha baselines in
 * test/fixtures/real-faults), split them by start time, and inject a fault into one service of the later half —
 * network delay in front of its spans, CPU contention stretching its own time, an exception that aborts the request
 * at it, an early return that skips its dependencies. The earlier half is the baseline.
 *
 * Why: the 22 real labelled cases name 20 of the two systems' ~45 services. Injecting each fault into every service
 * with traffic, on the real topologies and the real timing noise, asks whether the rules hold for services the
 * labelled set never names (the held-out cases will name others). It is a model of the faults, so it complements the
 * real cases and never replaces them: figures from it are labelled "injected" wherever they are printed.
 *
 * Time model: a fault inserts (or removes) time at one instant of a trace. The span it hits, its ancestors, and the
 * work that starts after the hit span ended (later siblings' branches, at every level) move; work that ran
 * concurrently with it does not. Timestamps are ns as in SpanTable.
 */
import { join } from 'node:path';
import type { SpanTable } from '../../src/core/model/span-table';
import { toSpanTable, type GenSpan } from '../../src/core/testing/scenarios';
import { analyze } from '../../src/core/rca/analyze';
import { mulberry32 } from '../../src/core/stats/index';
import type { Diagnosis } from '../../src/core/rca/diagnosis';
import { loadTraces } from '../../src/sources/file';
import { rankedServices, realCases, REAL_FAULTS_DIR } from './real-faults';

export type InjectedFault = 'network_delay' | 'cpu' | 'exception' | 'return';
export const INJECTED_FAULTS: InjectedFault[] = ['network_delay', 'cpu', 'exception', 'return'];

interface Span {
  traceId: string;
  spanId: string;
  parentId: string;
  service: string;
  name: string;
  start: number;
  end: number;
  parent: number; // index in the trace, -1 for a root / orphan
  kids: number[];
  gone: boolean;
}

type Trace = Span[];

/** One run's traces ordered by start time, each as a list of spans with parent indexes. */
export function tracesOf(m: SpanTable): Trace[] {
  const out: { t: number; spans: Trace }[] = [];
  for (const rows of m.traces().values()) {
    const at = new Map<number, number>();
    rows.forEach((r, k) => at.set(r, k));
    const spans: Trace = rows.map((r) => ({ traceId: m.traceId(r), spanId: m.spanId(r), parentId: '', service: m.service(r), name: m.name(r), start: m.start[r]!, end: m.start[r]! + m.duration[r]!, parent: -1, kids: [], gone: false }));
    rows.forEach((r, k) => {
      const p = m.parent[r]!;
      const pk = p >= 0 ? at.get(p) : undefined;
      if (pk !== undefined) {
        spans[k]!.parent = pk;
        spans[k]!.parentId = spans[pk]!.spanId;
        spans[pk]!.kids.push(k);
      }
    });
    out.push({ t: Math.min(...spans.map((s) => s.start)), spans });
  }
  return out.sort((a, b) => a.t - b.t).map((x) => x.spans);
}

export function toTable(traces: Trace[]): SpanTable {
  const spans: GenSpan[] = [];
  for (const tr of traces)
    for (const s of tr) {
      if (s.gone) continue;
      spans.push({ traceId: s.traceId, spanId: s.spanId, parentId: s.parentId, service: s.service, name: s.name, kind: 'internal', start: Math.round(s.start), duration: Math.max(0, Math.round(s.end - s.start)), error: false, attrs: {} });
    }
  return toSpanTable(spans);
}

const clone = (tr: Trace): Trace => tr.map((s) => ({ ...s, kids: [...s.kids] }));

function ancestors(tr: Trace, k: number): number[] {
  const out: number[] = [];
  const seen = new Set<number>([k]);
  for (let p = tr[k]!.parent; p >= 0 && !seen.has(p); p = tr[p]!.parent) {
    out.push(p);
    seen.add(p);
  }
  return out;
}

function subtree(tr: Trace, k: number): number[] {
  const out: number[] = [];
  const stack = [k];
  const seen = new Set<number>();
  while (stack.length) {
    const x = stack.pop()!;
    if (seen.has(x)) continue;
    seen.add(x);
    out.push(x);
    for (const c of tr[x]!.kids) stack.push(c);
  }
  return out;
}

/**
 * Insert `d` ns (negative: remove) at instant `t` inside span `k`: timestamps ≥ t of k's subtree and ancestors move;
 * every other span moves whole if the branch holding it (the child of one of k's ancestors, or a root) started at or
 * after `after` (the instant the hit work had finished; default t) — sequential work behind the hit one.
 */
function insertTime(tr: Trace, k: number, t: number, d: number, after = t): void {
  const anc = ancestors(tr, k);
  const chain = new Set([...anc, ...subtree(tr, k)]);
  const ancSet = new Set(anc);
  for (let x = 0; x < tr.length; x++) {
    const s = tr[x]!;
    if (s.gone) continue;
    if (chain.has(x)) {
      if (s.start >= t) s.start += d;
      if (s.end >= t) s.end = Math.max(s.start, s.end + d);
      continue;
    }
    // the branch root: climb until the parent is an ancestor of k (or there is no parent)
    let b = x;
    const seen = new Set<number>();
    while (tr[b]!.parent >= 0 && !ancSet.has(tr[b]!.parent) && !seen.has(b)) {
      seen.add(b);
      b = tr[b]!.parent;
    }
    if (tr[b]!.start >= after) {
      s.start += d;
      s.end += d;
    }
  }
}

/** log-normal jitter around 1 */
const jitter = (r: () => number, sigma: number): number => Math.exp(sigma * Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r()));

/** spans of `service` called from another service: where its requests arrive */
function entries(tr: Trace, service: string): number[] {
  const out: number[] = [];
  tr.forEach((s, k) => {
    if (s.service === service && !s.gone && s.parent >= 0 && tr[s.parent]!.service !== service) out.push(k);
  });
  return out.sort((a, b) => tr[a]!.start - tr[b]!.start);
}

function selfTime(tr: Trace, k: number): number {
  const s = tr[k]!;
  const iv = s.kids.filter((c) => !tr[c]!.gone).map((c) => [Math.max(s.start, tr[c]!.start), Math.min(s.end, tr[c]!.end)] as [number, number]).filter(([a, b]) => b > a).sort((a, b) => a[0] - b[0]);
  let covered = 0;
  let cur = -Infinity;
  for (const [a, b] of iv) {
    if (b <= cur) continue;
    covered += b - Math.max(a, cur);
    cur = b;
  }
  return Math.max(0, s.end - s.start - covered);
}

export interface InjectOptions {
  /** network delay per request arriving at the service, ns (default 100 ms) */
  delayNs?: number;
  /** CPU contention: the service's own time is multiplied by this (default 3) */
  cpuFactor?: number;
  /** exception / return: share of the service's requests hit (default 1 for return, 0.5 for exception) */
  share?: number;
  seed?: number;
}

/**
 * Inject `fault` at `service` into every trace of `traces` (copies; the input is not changed). Returns the changed
 * traces and how many spans the fault hit (0: the fault leaves no mark, e.g. an early return in a service that calls
 * nothing).
 */
export function inject(traces: Trace[], service: string, fault: InjectedFault, o: InjectOptions = {}): { traces: Trace[]; hits: number } {
  const r = mulberry32(o.seed ?? 1); // deterministic: every injected case is reproducible
  let hits = 0;
  const out = traces.map((orig) => {
    const tr = clone(orig);
    if (fault === 'network_delay') {
      // the request waits in the network before it reaches the service: time between the caller's span and its own
      for (const k of entries(tr, service)) {
        const d = (o.delayNs ?? 100e6) * jitter(r, 0.2);
        const s = tr[k]!;
        insertTime(tr, k, s.start, d, s.end);
        hits++;
      }
    } else if (fault === 'cpu') {
      // every span of the service does its own work slower (contention for the CPU): own time × factor
      const own = tr.map((s, k) => (s.service === service && !s.gone ? selfTime(tr, k) : 0));
      const order = tr.map((_, k) => k).filter((k) => own[k]! > 0).sort((a, b) => tr[a]!.end - tr[b]!.end);
      for (const k of order) {
        const d = own[k]! * ((o.cpuFactor ?? 3) - 1) * jitter(r, 0.4);
        const end = tr[k]!.end;
        insertTime(tr, k, end - 1e-3, d, end);
        hits++;
      }
    } else {
      const share = o.share ?? (fault === 'return' ? 1 : 0.5);
      for (const k of entries(tr, service)) {
        const s = tr[k]!;
        if (s.gone || r() >= share) continue;
        const below = subtree(tr, k).filter((x) => x !== k);
        if (fault === 'return') {
          // early return: answers before calling its dependencies; the rest of the request goes on, sooner
          if (!below.length) continue;
          const first = Math.min(...below.map((x) => tr[x]!.start));
          const newEnd = Math.max(s.start, first);
          for (const x of below) tr[x]!.gone = true;
          s.kids = [];
          const saved = s.end - newEnd;
          const oldEnd = s.end;
          s.end = newEnd;
          insertTime(tr, k, oldEnd, -saved, oldEnd);
          hits++;
        } else {
          // exception: it fails fast, and the request is aborted up the chain — nothing after it happens
          const failAt = s.start + Math.min(s.end - s.start, 1e6 * jitter(r, 0.3));
          for (const x of below) tr[x]!.gone = true;
          s.kids = [];
          s.end = failAt;
          const anc = new Set(ancestors(tr, k));
          let t = failAt;
          for (const a of ancestors(tr, k)) {
            t += 2e5 * jitter(r, 0.3); // each caller handles the error and answers: ~0.2 ms per level
            tr[a]!.end = Math.min(tr[a]!.end, Math.max(tr[a]!.start, t));
          }
          // work that started after the failure and is not on the failing chain never happens; work in flight then
          // (a concurrent call, an asynchronous handler) is cut off when the request ends
          for (let x = 0; x < tr.length; x++) if (!anc.has(x) && x !== k && !tr[x]!.gone && tr[x]!.start >= failAt) for (const y of subtree(tr, x)) tr[y]!.gone = true;
          for (let x = 0; x < tr.length; x++) if (!anc.has(x) && x !== k && !tr[x]!.gone && tr[x]!.end > t) tr[x]!.end = Math.max(tr[x]!.start, t);
          hits++;
          break; // the request is over
        }
      }
    }
    return tr;
  });
  return { traces: out, hits };
}

/** services that receive requests from another service in at least `minTraces` of the traces */
export function injectableServices(traces: Trace[], minTraces = 5): string[] {
  const n = new Map<string, number>();
  for (const tr of traces) {
    const seen = new Set<string>();
    tr.forEach((s) => {
      if (s.parent >= 0 && tr[s.parent]!.service !== s.service) seen.add(s.service);
    });
    for (const s of seen) n.set(s, (n.get(s) ?? 0) + 1);
  }
  return [...n.entries()].filter(([, c]) => c >= minTraces).map(([s]) => s).sort();
}

export interface InjectedResult {
  system: string;
  file: string;
  service: string;
  fault: InjectedFault;
  hits: number;
  got: string | null;
  kind: string | null;
  services: string[];
  top1: boolean;
  top3: boolean;
  ms: number;
  diagnosis: Diagnosis;
}

/**
 * Every baseline window of the real set: split by start time; diagnose the halves as they are (a no-fault control) and
 * with each fault injected into each service of the later half that has traffic from another service. `otherDay`: the
 * whole window against the other window of its system (a day apart: traffic and latencies differ for their own reasons).
 */
export async function evaluateInjected(opts: { faults?: InjectedFault[]; only?: string; minTraces?: number; inject?: InjectOptions; otherDay?: boolean; onControl?: (c: { file: string; system: string; before: number; after: number; alarm: string | null }) => void; onCase?: (r: InjectedResult) => void } = {}): Promise<{ results: InjectedResult[]; controls: { file: string; alarm: string | null }[] }> {
  const windows = new Map<string, string>();
  for (const c of realCases()) windows.set(c.baseline, c.system);
  const results: InjectedResult[] = [];
  const controls: { file: string; alarm: string | null }[] = [];
  const load = async (file: string) => tracesOf((await loadTraces(join(REAL_FAULTS_DIR, file))).model);
  for (const [file, system] of windows) {
    const all = await load(file);
    const half = Math.floor(all.length / 2);
    // otherDay: the whole window is the incident, the other window of the same system (another day) the baseline
    const other = opts.otherDay ? [...windows].find(([f, s]) => s === system && f !== file)?.[0] : undefined;
    if (opts.otherDay && !other) continue;
    const before = other ? await load(other) : all.slice(0, half);
    const after = other ? all : all.slice(half);
    const base = toTable(before);
    const ctl = analyze(base, toTable(after), { seed: 1 }).diagnosis;
    const alarm = ctl.rootCause ? `${ctl.rootCause.service} / ${ctl.rootCause.name} (${ctl.rootCause.kind})` : null;
    controls.push({ file, alarm });
    opts.onControl?.({ file, system, before: before.length, after: after.length, alarm });
    for (const service of injectableServices(after, opts.minTraces ?? 5)) {
      if (opts.only && !service.includes(opts.only)) continue;
      for (const fault of opts.faults ?? INJECTED_FAULTS) {
        const { traces, hits } = inject(after, service, fault, { ...opts.inject, seed: results.length + 1 });
        if (!hits) continue; // the fault leaves no mark here (an early return in a service that calls nothing)
        const t0 = performance.now();
        const d = analyze(base, toTable(traces), { seed: 1 }).diagnosis;
        const ms = performance.now() - t0;
        const services = rankedServices(d);
        const r: InjectedResult = { system, file, service, fault, hits, got: d.rootCause?.service ?? null, kind: d.rootCause?.kind ?? null, services, top1: d.rootCause?.service === service, top3: services.slice(0, 3).includes(service), ms, diagnosis: d };
        results.push(r);
        opts.onCase?.(r);
      }
    }
  }
  return { results, controls };
}
