/**
 * Property-based testing of the diagnosis engine: span lists that are easy to transform (rename, shift, scale,
 * permute, duplicate, strip), a SpanTable builder for them, fast-check arbitraries of hostile runs, and the invariants
 * every Diagnosis must satisfy (test/unit/core/rca/properties-*.test.ts, notes/engine-properties.md).
 */
import fc from 'fast-check';
import { SpanTableBuilder } from '../../src/core/model/builder';
import type { SpanTable } from '../../src/core/model/span-table';
import { Diagnosis } from '../../src/core/rca/diagnosis';
import type { GenSpan } from '../../src/core/testing/scenarios';
import { mulberry32 } from '../../src/core/stats/index';

/** One span, flat and plain (ids in lower-case hex; start in ns from BASE_SEC, null = no timestamp). */
export interface PSpan {
  trace: string;
  id: string;
  parent: string;
  service: string;
  name: string;
  /** OTLP numbering: 0 unspecified, 1 internal, 2 server, 3 client, 4 producer, 5 consumer */
  kind: number;
  /** 0 unset, 1 ok, 2 error */
  status: number;
  start: number | null;
  dur: number;
  attrs?: Record<string, string>;
}

export const BASE_SEC = 1_750_000_000;

/** The spans as a model (one resource per service, in order of first appearance, as a parser would make it). */
export function toTable(spans: readonly PSpan[]): SpanTable {
  const b = new SpanTableBuilder();
  const scope = b.addScope('properties', '1');
  const res = new Map<string, number>();
  for (const s of spans) {
    let r = res.get(s.service);
    if (r === undefined) res.set(s.service, (r = b.addResource(s.service, { 'service.name': s.service })));
    let start: [number, number] | null = null;
    if (s.start !== null) {
      const v = Math.round(s.start);
      const sec = Math.floor(v / 1e9);
      start = [BASE_SEC + sec, v - sec * 1e9];
    }
    b.addSpan({ traceId: s.trace, spanId: s.id, parentSpanId: s.parent, name: s.name, kind: s.kind, statusCode: s.status, start, durationNs: Math.round(s.dur), resource: r, scope });
    if (s.attrs) for (const [k, v] of Object.entries(s.attrs)) b.attr(k, v);
  }
  return b.build();
}

const KIND = { internal: 1, server: 2, client: 3 } as const;
export const fromGen = (spans: readonly GenSpan[]): PSpan[] =>
  spans.map((s) => ({ trace: s.traceId, id: s.spanId, parent: s.parentId, service: s.service, name: s.name, kind: KIND[s.kind], status: s.error ? 2 : 0, start: s.start, dur: s.duration, attrs: s.attrs }));

// ------------------------------------------------------------------------------------------------ transformations

export const rename = (spans: readonly PSpan[], svc: (s: string) => string, op: (s: string) => string): PSpan[] =>
  spans.map((s) => ({ ...s, service: svc(s.service), name: op(s.name) }));

/** Every start + ns (an integer): exact, as the model stores whole ns (toTable rounds the same way). */
export const shift = (spans: readonly PSpan[], ns: number): PSpan[] => spans.map((s) => ({ ...s, start: s.start === null ? null : Math.round(s.start) + ns }));

/** Every time (starts relative to the run's first start, and durations) × k: the same run on a k-times slower clock. */
export function scale(spans: readonly PSpan[], k: number): PSpan[] {
  let t0 = Infinity;
  for (const s of spans) if (s.start !== null && s.start < t0) t0 = s.start;
  return spans.map((s) => ({ ...s, start: s.start === null ? null : t0 + (s.start - t0) * k, dur: s.dur * k }));
}

/** Shuffled with a seeded PRNG: 'spans' = every span anywhere; 'traces' = whole traces reordered, spans kept in order. */
export function permute(spans: readonly PSpan[], seed: number, how: 'spans' | 'traces'): PSpan[] {
  const rnd = mulberry32(seed);
  const shuffle = <T>(a: T[]): T[] => {
    for (let i = a.length - 1; i > 0; i--) {
      const j = Math.floor(rnd() * (i + 1));
      [a[i], a[j]] = [a[j]!, a[i]!];
    }
    return a;
  };
  if (how === 'spans') return shuffle([...spans]);
  const by = new Map<string, PSpan[]>();
  for (const s of spans) {
    const l = by.get(s.trace);
    if (l) l.push(s);
    else by.set(s.trace, [s]);
  }
  return shuffle([...by.values()]).flat();
}

let fresh = 0;
const freshHex = (len: number, tag: string) => (tag + (++fresh).toString(16)).padStart(len, '0');

/**
 * Every trace twice: the copy has new trace and span ids (parents mapped); 'same' = at the same times (twice the
 * concurrency), 'after' = shifted past the run's end (the run recorded for twice as long).
 */
export function duplicate(spans: readonly PSpan[], when: 'same' | 'after'): PSpan[] {
  let t0 = Infinity;
  let t1 = -Infinity;
  for (const s of spans) if (s.start !== null) (t0 = Math.min(t0, s.start)), (t1 = Math.max(t1, s.start + s.dur));
  const dt = when === 'after' && Number.isFinite(t0) ? Math.ceil((t1 - t0) / 1e9 + 1) * 1e9 : 0;
  const traceOf = new Map<string, string>();
  const idOf = new Map<string, string>();
  const key = (t: string, id: string) => t + '/' + id;
  for (const s of spans) {
    if (!traceOf.has(s.trace)) traceOf.set(s.trace, freshHex(32, 'dd'));
    idOf.set(key(s.trace, s.id), freshHex(16, 'c'));
  }
  const copy = spans.map((s) => ({
    ...s,
    trace: traceOf.get(s.trace)!,
    id: idOf.get(key(s.trace, s.id))!,
    parent: s.parent ? (idOf.get(key(s.trace, s.parent)) ?? s.parent) : '',
    start: s.start === null ? null : s.start + dt,
  }));
  return [...spans, ...copy];
}

/** No span kinds (INTERNAL or unspecified everywhere) and no statuses, as some exports have. */
export const strip = (spans: readonly PSpan[], kind: 0 | 1): PSpan[] => spans.map((s) => ({ ...s, kind, status: 0 }));

// ------------------------------------------------------------------------------------------------ hostile runs

/** Names that have broken programs before: object-prototype keys, empty, markup, separators, long, non-ASCII. */
export const NASTY_NAMES = [
  'api', 'db', '', ' ', '__proto__', 'constructor', 'toString', 'hasOwnProperty', 'GET /a|b', '<img src=x>', '[x](y)',
  'SELECT * FROM t WHERE a = "b"', 'ünïcødé 🙂', 'x'.repeat(300), 'BasicErrorController.error', 'HTTP GET', 'a / b → c', '0', 'NaN',
];

interface SpanSpec {
  /** -1 root, -2 a parent id absent from the run, ≥ 0: one of the spans before (mod index) */
  parent: number;
  svc: number;
  op: number;
  kind: number;
  status: number;
  /** start relative to the parent's start, ms (negative or beyond the parent's end: outside its parent) */
  offMs: number;
  durMs: number;
  noStart: boolean;
  /** reuse the id of the span before it */
  dupId: boolean;
}

const spanSpec: fc.Arbitrary<SpanSpec> = fc.record({
  parent: fc.oneof({ weight: 8, arbitrary: fc.nat(40) }, { weight: 1, arbitrary: fc.constantFrom(-1, -2) }),
  svc: fc.nat(20),
  op: fc.nat(20),
  kind: fc.integer({ min: 0, max: 5 }),
  status: fc.oneof({ weight: 4, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: 2 }) }),
  offMs: fc.oneof({ weight: 4, arbitrary: fc.integer({ min: 0, max: 50 }) }, { weight: 1, arbitrary: fc.integer({ min: -100, max: 5000 }) }),
  durMs: fc.oneof({ weight: 2, arbitrary: fc.constant(0) }, { weight: 6, arbitrary: fc.double({ min: 0, max: 100, noNaN: true }) }, { weight: 1, arbitrary: fc.double({ min: 0, max: 1e7, noNaN: true }) }),
  noStart: fc.oneof({ weight: 30, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
  dupId: fc.oneof({ weight: 30, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
});

export interface RunSpec {
  traces: SpanSpec[][];
  /** ms between trace starts (0: every trace at the same instant) */
  spacingMs: number;
  services: string[];
  ops: string[];
}

export const runSpec = (services: fc.Arbitrary<string[]>, opt: { maxTraces?: number; maxSpans?: number; minTraces?: number } = {}): fc.Arbitrary<RunSpec> =>
  fc.record({
    traces: fc.array(fc.array(spanSpec, { minLength: 1, maxLength: opt.maxSpans ?? 25 }), { minLength: opt.minTraces ?? 0, maxLength: opt.maxTraces ?? 14 }),
    spacingMs: fc.constantFrom(0, 1, 37, 1000),
    services,
    ops: fc.shuffledSubarray(NASTY_NAMES, { minLength: 1 }),
  });

/** Spans of a run spec; `tag` keeps trace ids of two runs apart. */
export function buildRun(r: RunSpec, tag: string): PSpan[] {
  const out: PSpan[] = [];
  r.traces.forEach((tr, t) => {
    const trace = (tag + t.toString(16)).padStart(32, '0');
    const rows: PSpan[] = [];
    const t0 = t * r.spacingMs * 1e6;
    tr.forEach((s, k) => {
      const id = s.dupId && k > 0 ? rows[k - 1]!.id : (k + 1).toString(16).padStart(16, '0');
      const p = s.parent === -1 || k === 0 ? null : s.parent === -2 ? undefined : rows[s.parent % k]!;
      const parent = p === null ? '' : p === undefined ? 'ffffffff' + k.toString(16).padStart(8, '0') : p.id;
      const base = p && p.start !== null ? p.start : t0;
      rows.push({
        trace, id, parent,
        service: r.services[s.svc % r.services.length]!,
        name: r.ops[s.op % r.ops.length]!,
        kind: s.kind, status: s.status,
        start: s.noStart ? null : Math.max(0, base + s.offMs * 1e6),
        dur: s.durMs * 1e6,
      });
    });
    out.push(...rows);
  });
  return out;
}

/** A chain of n spans (each the only child of the one before), `perMs` own time each, in one trace. */
export function chain(n: number, trace: string, service: (k: number) => string, perMs: number, t0 = 0): PSpan[] {
  const out: PSpan[] = [];
  for (let k = 0; k < n; k++)
    out.push({ trace, id: (k + 1).toString(16).padStart(16, '0'), parent: k ? k.toString(16).padStart(16, '0') : '', service: service(k), name: `op${k % 7}`, kind: 1, status: 0, start: t0 + k * 1e5, dur: (n - k) * perMs * 1e6 });
  return out;
}

/** One root with n children in one trace. */
export function fan(n: number, trace: string, childMs: number, t0 = 0): PSpan[] {
  const out: PSpan[] = [{ trace, id: '1'.padStart(16, '0'), parent: '', service: 'front', name: 'GET /', kind: 2, status: 0, start: t0, dur: (n * childMs + 1) * 1e6 }];
  for (let k = 0; k < n; k++)
    out.push({ trace, id: (k + 2).toString(16).padStart(16, '0'), parent: '1'.padStart(16, '0'), service: `s${k % 13}`, name: `call ${k % 17}`, kind: 3, status: k % 11 === 0 ? 2 : 0, start: t0 + k * childMs * 1e6, dur: childMs * 1e6 });
  return out;
}

// ------------------------------------------------------------------------------------------------ invariants

// C0 controls, DEL, C1 controls
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/**
 * Everything a Diagnosis must satisfy whatever the input: the zod contract, finite numbers, confidences in [0, 1],
 * p-values in [0, 1], the root cause one of the candidates and of a service of the runs, a root cause only with a
 * regression, no control character in any string (when none was in the input's names). Throws with the path.
 */
export function checkDiagnosis(d: Diagnosis, o: { services: Set<string>; top?: number; controlFree?: boolean; alpha?: number }): void {
  const fail = (m: string) => {
    throw new Error(`${m}\n${JSON.stringify(d, null, 1).slice(0, 3000)}`);
  };
  const parsed = Diagnosis.safeParse(d);
  if (!parsed.success) fail(`zod: ${parsed.error.message.slice(0, 1500)}`);
  const walk = (v: unknown, path: string): void => {
    if (typeof v === 'number') {
      if (!Number.isFinite(v)) fail(`${path} = ${v}`);
    } else if (typeof v === 'string') {
      if (o.controlFree !== false && CONTROL.test(v)) fail(`${path} has a control character: ${JSON.stringify(v)}`);
    } else if (Array.isArray(v)) v.forEach((x, k) => walk(x, `${path}[${k}]`));
    else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, `${path}.${k}`);
    else if (v !== null && v !== undefined && typeof v !== 'boolean') fail(`${path} is a ${typeof v}`);
  };
  walk(d, '$');
  if (d.candidates.length > (o.top ?? 10)) fail(`${d.candidates.length} candidates > top ${o.top ?? 10}`);
  for (const c of d.candidates) {
    if (!o.services.has(c.service)) fail(`candidate service ${JSON.stringify(c.service)} is in neither run`);
    if (!(c.confidence >= 0 && c.confidence <= 1)) fail(`confidence ${c.confidence}`);
    if (c.summary.length === 0) fail(`empty summary of ${c.service}/${c.name}`);
  }
  const rc = d.rootCause;
  if (rc) {
    if (!o.services.has(rc.service)) fail(`root cause service ${JSON.stringify(rc.service)} is in neither run`);
    if (!d.candidates.some((c) => c.service === rc.service && c.name === rc.name && c.kind === rc.kind)) fail('root cause is not among the candidates');
    if (d.regression && !d.regression.slower && !d.regression.errorsUp) fail('a root cause without a regression (regression.slower and errorsUp false)');
  }
  const p = d.latency?.pValue;
  if (p !== undefined && p !== null && !(p >= 0 && p <= 1)) fail(`latency.pValue ${p}`);
  for (const e of d.regression?.entryPoints ?? []) for (const ch of e.changes) if (!(ch.p >= 0 && ch.p <= 1)) fail(`entry point p ${ch.p}`);
  if (o.alpha !== undefined && d.regression && d.regression.alpha !== o.alpha) fail(`alpha ${d.regression.alpha}`);
  if (d.explained) {
    // set only for a slowdown end to end (its figures are rounded to the µs: a sub-µs slowdown reads 0)
    const e = d.explained;
    const added = d.latency ? d.latency.incidentMs - d.latency.baselineMs : NaN;
    if (!(added > 0) || !(e.addedMs >= 0) || e.rootCauseMs < 0 || e.findingsMs < e.rootCauseMs) fail(`explained ${JSON.stringify(e)}`);
  }
}

export const servicesOf = (...runs: (readonly PSpan[])[]) => new Set(runs.flatMap((r) => r.map((s) => s.service)));

// ------------------------------------------------------------------------------------------------ comparisons

const r6 = (x: number) => Math.round(x * 1e6) / 1e6;

/**
 * The answer without its wording: root cause and candidates (service, operation, kind, effect, confidence, attribute),
 * the regression decision and the end-to-end figures; names mapped by `map` (a renaming), numbers rounded to 1e-6.
 */
export function answer(d: Diagnosis, map: (s: string) => string = (s) => s) {
  const c = (x: Diagnosis['candidates'][number]) => ({
    service: map(x.service), name: map(x.name), kind: x.kind, impactMs: r6(x.impactMs), confidence: r6(x.confidence),
    ...(x.attribute ? { attribute: x.attribute } : {}), ...(x.waitsOn ? { waitsOn: map(x.waitsOn) } : {}), ...(x.detector ? { detector: x.detector } : {}),
  });
  return {
    rootCause: d.rootCause ? c(d.rootCause) : null,
    candidates: d.candidates.map(c),
    regression: d.regression ? { slower: d.regression.slower, errorsUp: d.regression.errorsUp, entryPoints: d.regression.entryPoints?.length ?? null } : null,
    latency: d.latency ? { baselineMs: r6(d.latency.baselineMs), incidentMs: r6(d.latency.incidentMs), pValue: d.latency.pValue === null ? null : r6(d.latency.pValue) } : null,
    notes: d.notes.length,
  };
}

export const rcText = (d: Diagnosis) => (d.rootCause ? `${d.rootCause.service} / ${d.rootCause.name} (${d.rootCause.kind})` : 'null');

// ------------------------------------------------------------------------------------------------ templated runs

/**
 * A request shape repeated over many traces with jitter, so the detectors and the statistical tests have something to
 * read: nodes of a call tree (kinds, services, parallel groups, remote gaps) laid out properly (children inside their
 * parent) or, with `loose`, at random offsets (children outside their parent). The incident applies one change.
 */
export interface TNode {
  parent: number;
  svc: number;
  op: number;
  kind: number;
  ownMs: number;
  gapMs: number;
  parallel: boolean;
  /** chance of an error status in each trace (0 mostly) */
  errRate: number;
}
export type Change =
  | { type: 'none' }
  | { type: 'slow'; node: number; factor: number }
  | { type: 'fanout'; node: number; count: number }
  | { type: 'errors'; node: number; rate: number }
  | { type: 'drop'; node: number; rate: number }
  | { type: 'gap'; node: number; addMs: number }
  | { type: 'serialize'; node: number };
export interface TemplateSpec {
  nodes: TNode[];
  services: string[];
  ops: string[];
  tracesB: number;
  tracesI: number;
  spacingMs: number;
  jitter: number;
  loose: boolean;
  change: Change;
  seed: number;
}

const tnode: fc.Arbitrary<TNode> = fc.record({
  parent: fc.nat(30),
  svc: fc.nat(10),
  op: fc.nat(30),
  kind: fc.constantFrom(0, 1, 1, 2, 3, 3, 4, 5),
  ownMs: fc.oneof({ weight: 1, arbitrary: fc.constant(0) }, { weight: 8, arbitrary: fc.double({ min: 0.01, max: 50, noNaN: true }) }),
  gapMs: fc.oneof({ weight: 3, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.double({ min: 0, max: 5, noNaN: true }) }),
  parallel: fc.boolean(),
  errRate: fc.oneof({ weight: 6, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.double({ min: 0, max: 1, noNaN: true }) }),
});

const change: fc.Arbitrary<Change> = fc.oneof(
  fc.constant({ type: 'none' as const }),
  fc.record({ type: fc.constant('slow' as const), node: fc.nat(30), factor: fc.constantFrom(0, 0.5, 2, 5, 20) }),
  fc.record({ type: fc.constant('fanout' as const), node: fc.nat(30), count: fc.integer({ min: 2, max: 12 }) }),
  fc.record({ type: fc.constant('errors' as const), node: fc.nat(30), rate: fc.double({ min: 0.1, max: 1, noNaN: true }) }),
  fc.record({ type: fc.constant('drop' as const), node: fc.nat(30), rate: fc.double({ min: 0.2, max: 1, noNaN: true }) }),
  fc.record({ type: fc.constant('gap' as const), node: fc.nat(30), addMs: fc.constantFrom(0.5, 5, 50) }),
  fc.record({ type: fc.constant('serialize' as const), node: fc.nat(30) }),
);

export const templateSpec = (services: fc.Arbitrary<string[]>, opt: { minTraces?: number; maxTraces?: number; change?: fc.Arbitrary<Change> } = {}): fc.Arbitrary<TemplateSpec> =>
  fc.record({
    nodes: fc.array(tnode, { minLength: 1, maxLength: 14 }),
    services,
    ops: fc.shuffledSubarray(NASTY_NAMES, { minLength: 1 }),
    tracesB: fc.integer({ min: opt.minTraces ?? 1, max: opt.maxTraces ?? 60 }),
    tracesI: fc.integer({ min: opt.minTraces ?? 1, max: opt.maxTraces ?? 60 }),
    spacingMs: fc.constantFrom(0, 5, 50, 1000),
    jitter: fc.constantFrom(0, 0.05, 0.3),
    loose: fc.oneof({ weight: 4, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
    change: opt.change ?? change,
    seed: fc.nat(),
  });

/** The baseline or the incident of a template (the incident applies the change). */
export function templateRun(t: TemplateSpec, which: 'baseline' | 'incident'): PSpan[] {
  const rnd = mulberry32(t.seed + (which === 'incident' ? 7777 : 0));
  const n = t.nodes.length;
  const kids: number[][] = Array.from({ length: n }, () => []);
  for (let k = 1; k < n; k++) kids[t.nodes[k]!.parent % k]!.push(k);
  const ch = which === 'incident' ? t.change : ({ type: 'none' } as Change);
  const target = ch.type === 'none' ? -1 : ch.node % n;
  const out: PSpan[] = [];
  const count = which === 'incident' ? t.tracesI : t.tracesB;
  const tag = which === 'incident' ? 'a' : 'b';
  for (let tr = 0; tr < count; tr++) {
    const trace = (tag + tr.toString(16)).padStart(32, '0');
    let sid = 0;
    const jit = () => Math.exp(t.jitter * (rnd() * 2 - 1));
    const exec = (k: number, parentId: string, start: number): number => {
      const node = t.nodes[k]!;
      const id = (++sid).toString(16).padStart(16, '0');
      let own = node.ownMs * jit();
      if (k === target && ch.type === 'slow') own *= ch.factor;
      let gap = node.gapMs * jit();
      if (k === target && ch.type === 'gap') gap += ch.addMs;
      const begin = start + gap;
      let cur = begin + own / 2;
      const row: PSpan = {
        trace, id, parent: parentId,
        service: t.services[node.svc % t.services.length]!, name: t.ops[node.op % t.ops.length]!,
        kind: node.kind, status: rnd() < node.errRate || (k === target && ch.type === 'errors' && rnd() < ch.rate) ? 2 : 0,
        start: 0, dur: 0,
      };
      out.push(row);
      const parallel = node.parallel && !(k === target && ch.type === 'serialize');
      let end = cur;
      for (const c of kids[k]!) {
        if (c === target && ch.type === 'drop' && rnd() < ch.rate) continue;
        const reps = c === target && ch.type === 'fanout' ? ch.count : 1;
        for (let r = 0; r < reps; r++) {
          const s0 = t.loose ? begin + (rnd() * 2 - 0.5) * (node.ownMs + 1) : parallel ? cur : end;
          const e = exec(c, id, s0);
          end = Math.max(end, e);
        }
      }
      end += own / 2;
      row.start = (tr * t.spacingMs + begin) * 1e6;
      row.dur = (t.loose ? own + rnd() * 5 : end - begin) * 1e6;
      return end + gap;
    };
    exec(0, '', rnd() * 0.5);
  }
  return out;
}

/**
 * The first difference between two diagnoses (a path and both values), or null: numbers equal within a relative 1e-9
 * (a sum taken in another order differs in the last bits); with `words`, strings compared as the sorted multiset of
 * their words (the order of a list inside a sentence follows the input's order — notes/engine-properties.md).
 */
export function firstDifference(a: unknown, b: unknown, o: { words?: boolean } = {}, path = '$'): string | null {
  const show = (v: unknown) => JSON.stringify(v)?.slice(0, 400);
  if (typeof a === 'number' && typeof b === 'number') {
    if (a === b || Math.abs(a - b) <= 1e-9 * Math.max(Math.abs(a), Math.abs(b))) return null;
    return `${path}: ${a} ≠ ${b}`;
  }
  if (typeof a === 'string' && typeof b === 'string') {
    const w = (s: string) => (o.words ? s.split(/[\s;]+/).sort().join(' ') : s);
    return w(a) === w(b) ? null : `${path}:\n  ${show(a)}\n  ${show(b)}`;
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) return `${path}: length ${a.length} ≠ ${b.length}:\n  ${show(a)}\n  ${show(b)}`;
    for (let k = 0; k < a.length; k++) {
      const d = firstDifference(a[k], b[k], o, `${path}[${k}]`);
      if (d) return d;
    }
    return null;
  }
  if (a && b && typeof a === 'object' && typeof b === 'object') {
    for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) {
      const d = firstDifference((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], o, `${path}.${k}`);
      if (d) return d;
    }
    return null;
  }
  return a === b ? null : `${path}:\n  ${show(a)}\n  ${show(b)}`;
}

/** OTLP/JSON text of the spans (one resource per service, in order of first appearance; times as decimal ns strings). */
export function toOtlpJson(spans: readonly PSpan[]): string {
  const bySvc = new Map<string, PSpan[]>();
  for (const s of spans) {
    const l = bySvc.get(s.service);
    if (l) l.push(s);
    else bySvc.set(s.service, [s]);
  }
  const ns = (v: number) => {
    const x = BigInt(BASE_SEC) * 1_000_000_000n + BigInt(Math.round(v));
    return x.toString();
  };
  return JSON.stringify({
    resourceSpans: [...bySvc].map(([svc, list]) => ({
      resource: { attributes: [{ key: 'service.name', value: { stringValue: svc } }] },
      scopeSpans: [{
        scope: { name: 'properties', version: '1' },
        spans: list.map((s) => ({
          traceId: s.trace, spanId: s.id, ...(s.parent ? { parentSpanId: s.parent } : {}), name: s.name, kind: s.kind,
          ...(s.start === null ? {} : { startTimeUnixNano: ns(s.start), endTimeUnixNano: ns(Math.round(s.start) + Math.round(s.dur)) }),
          attributes: Object.entries(s.attrs ?? {}).map(([key, v]) => ({ key, value: { stringValue: v } })),
          status: s.status ? { code: s.status } : {},
        })),
      }],
    })),
  });
}
