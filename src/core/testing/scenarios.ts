/**
 * Synthetic normal-vs-incident scenarios with a known answer, for tests and the accuracy benchmark.
 * Our own data: random service topologies (sequential and parallel calls, client→server hops, internal work) and
 * random sizes; one fault injected into the incident run. Emitted straight into a SpanTable (SpanTableBuilder) or as
 * text in every trace encoding the parsers read (OTLP/JSON, OTLP JSON Lines, Jaeger query-API JSON, Zipkin v2).
 *
 * Pure TS (no node:*): usable from tests and from bench scripts.
 */
import { SpanTableBuilder } from '../model/builder';
import { SpanKind, StatusCode, type SpanTable } from '../model/span-table';
import { mulberry32 } from '../stats/index';
import type { CandidateKind } from '../rca/diagnosis';

export type FaultKind = 'self_time' | 'queueing' | 'serialization' | 'fan_out' | 'retries' | 'errors' | 'attribute' | 'none';
export const FAULT_KINDS: FaultKind[] = ['self_time', 'queueing', 'serialization', 'fan_out', 'retries', 'errors', 'attribute'];

export interface GenSpan {
  traceId: string;
  spanId: string;
  parentId: string;
  service: string;
  name: string;
  kind: 'server' | 'client' | 'internal';
  /** ns offset from BASE_SEC */
  start: number;
  duration: number;
  error: boolean;
  attrs: Record<string, string>;
}

export interface Expected {
  /** null: no regression, rootCause must be null */
  service: string | null;
  name: string | null;
  /** diagnosis kinds that are a correct reading of the fault */
  kinds: CandidateKind[];
  attribute?: { key: string; value: string };
}

export interface Scenario {
  fault: FaultKind;
  seed: number;
  baseline: GenSpan[];
  incident: GenSpan[];
  expected: Expected;
  description: string;
}

export const BASE_SEC = 1_750_000_000;

interface Op {
  id: number;
  service: string;
  name: string;
  kind: 'server' | 'client' | 'internal';
  selfMs: number;
  /** groups executed in order; the calls of a parallel group start together */
  groups: { parallel: boolean; calls: { op: Op; count: number }[] }[];
  attrKey?: string;
  attrValues?: string[];
}

interface Fault {
  kind: FaultKind;
  target?: Op;
  parent?: Op;
  extraMs?: number;
  factor?: number;
  count?: number;
  attrValue?: string;
  rate?: number;
}

export interface ScenarioOptions {
  /** traces per run (default random 30..120) */
  traces?: number;
  /** override the relative strength of the fault (added mean latency / baseline mean latency), default 0.4..1.2 */
  strength?: number;
  /**
   * background drift in the incident: every operation's own time is multiplied by a random factor
   * lognormal(0, drift) (e.g. 0.1 ≈ ±10 %), so the fault is not the only change (default 0)
   */
  drift?: number;
  /**
   * a slowdown spread thinly in the incident, beside the fault: every remote call (client span) waits this much longer
   * outside its callee's span (ms per call, half before and half after it: a busier network or host) — under the
   * resolution of one call's wait (core/rca/context.ts CALL_WAIT_FLOOR_MS, 1 ms), so no call alone is a finding, yet it
   * adds up end to end over the calls of a trace (default 0)
   */
  callWaitMs?: number;
  /** clock skew: every service's clock is off by a random offset in ±skewMs (same offsets in both runs) */
  skewMs?: number;
  /** lost spans: every non-root span is dropped with this probability (its children become orphans) */
  dropRate?: number;
  /** jitter of a trace's start inside the run, ms between traces (default 50) */
  spacingMs?: number;
  /** internal: keep the topology for streamScenario */
  keepSetup?: boolean;
}

const hex = (rnd: () => number, n: number) => {
  let s = '';
  for (let i = 0; i < n; i++) s += Math.floor(rnd() * 16).toString(16);
  return s.replace(/^0/, '1');
};

function lognormal(rnd: () => number, median: number, sigma: number): number {
  const u1 = Math.max(1e-12, rnd());
  const u2 = rnd();
  const z = Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  return median * Math.exp(sigma * z);
}

function buildTopology(rnd: () => number): { root: Op; ops: Op[] } {
  const nServices = 3 + Math.floor(rnd() * 5);
  const services = Array.from({ length: nServices }, (_, i) => ['frontend', 'api', 'auth', 'catalog', 'orders', 'payments', 'search', 'ml'][i]!);
  const ops: Op[] = [];
  let counter = 0;
  const mk = (service: string, name: string, kind: Op['kind'], selfMs: number): Op => {
    const op: Op = { id: ops.length, service, name, kind, selfMs, groups: [] };
    ops.push(op);
    return op;
  };
  const root = mk(services[0]!, 'GET /api/v1/request', 'server', 1 + rnd() * 4);
  const grow = (op: Op, depth: number, svcIdx: number) => {
    const nKids = depth >= 3 ? 0 : Math.floor(rnd() * (depth === 0 ? 4 : 3)) + (depth === 0 ? 2 : 0);
    if (nKids === 0) return;
    const parallel = nKids >= 2 && rnd() < 0.35;
    const calls: { op: Op; count: number }[] = [];
    for (let k = 0; k < nKids; k++) {
      const remote = rnd() < 0.55 && svcIdx + 1 < nServices;
      let child: Op;
      if (remote) {
        const target = svcIdx + 1 + Math.floor(rnd() * (nServices - svcIdx - 1));
        const svc = services[target]!;
        const client = mk(op.service, `call ${svc} #${counter++}`, 'client', 0.05 + rnd() * 0.2);
        const server = mk(svc, `POST /${svc}/op${counter++}`, 'server', 0.5 + rnd() * 8);
        client.groups.push({ parallel: false, calls: [{ op: server, count: 1 }] });
        grow(server, depth + 1, target);
        child = client;
      } else {
        child = mk(op.service, `${op.service}.step${counter++}`, 'internal', 0.3 + rnd() * 6);
        grow(child, depth + 1, svcIdx);
      }
      calls.push({ op: child, count: 1 });
    }
    if (parallel) op.groups.push({ parallel: true, calls });
    else for (const c of calls) op.groups.push({ parallel: false, calls: [c] });
  };
  grow(root, 0, 0);
  return { root, ops };
}

function parentsOf(root: Op): Map<Op, Op> {
  const m = new Map<Op, Op>();
  const st = [root];
  while (st.length) {
    const o = st.pop()!;
    for (const g of o.groups) for (const c of g.calls) {
      m.set(c.op, o);
      st.push(c.op);
    }
  }
  return m;
}

class Runner {
  spans: GenSpan[] = [];
  constructor(
    private readonly rnd: () => number,
    private readonly fault: Fault | null,
    private readonly driftOf: Map<Op, number> | null = null,
    /** added wait per remote call, ns (ScenarioOptions.callWaitMs), half on each side of the callee's span */
    private readonly waitNs = 0,
  ) {}

  private exec(op: Op, traceId: string, parentId: string, start: number, queueNs: number, failed: boolean): number {
    const rnd = this.rnd;
    const f = this.fault;
    const spanId = hex(rnd, 16);
    let selfNs = lognormal(rnd, op.selfMs * (this.driftOf?.get(op) ?? 1), 0.25) * 1e6;
    const attrs: Record<string, string> = {};
    if (op.attrKey) {
      const v = op.attrValues![Math.floor(rnd() * op.attrValues!.length)]!;
      attrs[op.attrKey] = v;
      if (f?.kind === 'attribute' && f.target === op && v === f.attrValue) selfNs += lognormal(rnd, f.extraMs!, 0.2) * 1e6;
    }
    if (f?.kind === 'self_time' && f.target === op) selfNs += lognormal(rnd, f.extraMs!, 0.2) * 1e6;
    const pre = selfNs * (0.2 + 0.6 * rnd());
    let t = start + queueNs + pre;
    const spanStart = start + queueNs;
    for (const g of op.groups) {
      const serialize = f?.kind === 'serialization' && f.target === op;
      if (g.parallel && !serialize) {
        let end = t;
        for (const c of g.calls) end = Math.max(end, this.call(op, c.op, c.count, traceId, spanId, t + rnd() * 0.05e6));
        t = end;
      } else {
        for (const c of g.calls) t = this.call(op, c.op, c.count, traceId, spanId, t) + rnd() * 0.02e6;
      }
    }
    const end = t + (selfNs - pre);
    let error = failed;
    if (f?.kind === 'errors' && f.target === op && rnd() < f.rate!) error = true;
    this.spans.push({ traceId, spanId, parentId, service: op.service, name: op.name, kind: op.kind, start: spanStart, duration: end - spanStart, error, attrs });
    return end;
  }

  private call(parent: Op, op: Op, count: number, traceId: string, parentId: string, t: number): number {
    const f = this.fault;
    let n = count;
    if (f?.kind === 'fan_out' && f.target === op && f.parent === parent) n = f.count!;
    for (let k = 0; k < n; k++) {
      if (f?.kind === 'retries' && f.target === op) {
        // each attempt fails with probability `rate`; failures are retried up to 3 attempts
        for (let attempt = 0; attempt < 3; attempt++) {
          const fail = this.rnd() < f.rate!;
          t = this.execMaybeRemote(op, traceId, parentId, t, fail) + 0.05e6;
          if (!fail) break;
          t += (f.extraMs ?? 0) * 1e6; // backoff before the next attempt: the caller's own time
        }
      } else {
        t = this.execMaybeRemote(op, traceId, parentId, t);
      }
    }
    return t;
  }

  private execMaybeRemote(op: Op, traceId: string, parentId: string, t: number, fail = false): number {
    // a client op's single server child is reached over the "network"; queueing delays the server span's start
    if (op.kind === 'client' && op.groups.length === 1) {
      const server = op.groups[0]!.calls[0]!.op;
      const rnd = this.rnd;
      const f = this.fault;
      const spanId = hex(rnd, 16);
      const net = (0.1 + rnd() * 0.3) * 1e6 + this.waitNs / 2;
      const queue = f?.kind === 'queueing' && f.target === server ? -Math.log(Math.max(1e-12, rnd())) * f.extraMs! * 1e6 : rnd() * 0.05e6;
      const pre = op.selfMs * 0.5e6;
      const sEnd = this.exec(server, traceId, spanId, t + pre + net, queue, fail);
      const end = sEnd + net + op.selfMs * 0.5e6;
      const error = fail || (f?.kind === 'errors' && f.target === op && rnd() < f.rate!);
      this.spans.push({ traceId, spanId, parentId, service: op.service, name: op.name, kind: 'client', start: t, duration: end - t, error, attrs: {} });
      return end;
    }
    return this.exec(op, traceId, parentId, t, 0, fail);
  }

  /** time of the next trace (continues across calls, for streaming generation) */
  clock = 0;

  run(root: Op, traces: number, spacingNs: number): GenSpan[] {
    for (let i = 0; i < traces; i++) {
      const traceId = hex(this.rnd, 32);
      this.execMaybeRemote(root, traceId, '', this.clock);
      this.clock += spacingNs * (0.5 + this.rnd());
    }
    return this.spans;
  }

  /** generate in batches of `batch` traces, handing each batch's spans to `sink` (memory stays bounded) */
  stream(root: Op, traces: number, spacingNs: number, batch: number, sink: (spans: GenSpan[]) => void): void {
    for (let done = 0; done < traces; done += batch) {
      this.spans = [];
      this.run(root, Math.min(batch, traces - done), spacingNs);
      sink(this.spans);
    }
    this.spans = [];
  }
}

function meanLatency(spans: GenSpan[]): number {
  let s = 0;
  let n = 0;
  for (const sp of spans) if (!sp.parentId) {
    s += sp.duration / 1e6;
    n++;
  }
  return n ? s / n : 0;
}

/** One scenario; the same (fault, seed) always gives the same spans. */
/**
 * A large scenario streamed in batches (benchmarks): about `spansPerRun` spans per run, same topology and fault
 * logic as makeScenario. `sink` receives each batch of spans of the baseline, then of the incident.
 */
export function streamScenario(
  fault: FaultKind, seed: number, spansPerRun: number,
  sink: (run: 'baseline' | 'incident', spans: GenSpan[]) => void, opts: ScenarioOptions = {},
): { expected: Expected; description: string; traces: number } {
  const probe = makeScenario(fault, seed, { ...opts, traces: 20, keepSetup: true });
  const setup = lastSetup!;
  const perTrace = Math.max(1, probe.baseline.length / 20);
  const traces = Math.max(1, Math.round(spansPerRun / perTrace));
  const spacing = (opts.spacingMs ?? 50) * 1e6;
  new Runner(mulberry32(seed + 1), null).stream(setup.root, traces, spacing, 500, (s) => sink('baseline', s));
  new Runner(mulberry32(seed + 2), setup.fault).stream(setup.root, traces, spacing, 500, (s) => sink('incident', s));
  return { expected: probe.expected, description: probe.description, traces };
}

let lastSetup: { root: Op; fault: Fault } | null = null;

export function makeScenario(fault: FaultKind, seed: number, opts: ScenarioOptions = {}): Scenario {
  const rnd = mulberry32(seed * 7919 + FAULT_KINDS.indexOf(fault as FaultKind) + 13);
  const { root, ops } = buildTopology(rnd);
  const parents = parentsOf(root);
  const traces = opts.traces ?? 30 + Math.floor(rnd() * 90);
  const spacing = (opts.spacingMs ?? 50) * 1e6;
  // attribute scenarios need an attribute in both runs; give a few ops low-cardinality attributes anyway (noise)
  const attrChoices: [string, string[]][] = [
    ['model.version', ['v1', 'v2']],
    ['tenant', ['acme', 'globex', 'initech']],
    ['region', ['eu-west', 'us-east']],
  ];
  for (const op of ops) {
    if (op !== root && rnd() < 0.3) {
      const [k, vs] = attrChoices[Math.floor(rnd() * attrChoices.length)]!;
      op.attrKey = k;
      op.attrValues = vs;
    }
  }
  const baseRunner = new Runner(mulberry32(seed + 1), null);
  const baseline = baseRunner.run(root, traces, spacing);
  const e2e = meanLatency(baseline);
  const strength = opts.strength ?? 0.4 + rnd() * 0.8;
  const pick = <T>(xs: T[]): T | undefined => (xs.length ? xs[Math.floor(rnd() * xs.length)] : undefined);
  const nonRoot = ops.filter((o) => o !== root);
  let f: Fault = { kind: 'none' };
  let expected: Expected = { service: null, name: null, kinds: [] };
  let description = 'no change between the runs';
  switch (fault) {
    case 'self_time': {
      const t = pick(nonRoot.filter((o) => o.kind !== 'client'))!;
      f = { kind: 'self_time', target: t, extraMs: strength * e2e };
      expected = { service: t.service, name: t.name, kinds: ['self_time', 'queueing'] };
      description = `${t.service}/${t.name} does ${f.extraMs!.toFixed(1)} ms more own work per call`;
      break;
    }
    case 'queueing': {
      // a topology with no remote call has no queue to wait in: the next topology (as serialization and fan_out do)
      const t = pick(ops.filter((o) => o.kind === 'server' && o !== root));
      if (!t) return makeScenario(fault, seed + 100003, opts);
      f = { kind: 'queueing', target: t, extraMs: strength * e2e };
      // the wait is drawn, not made by a busy worker: at this load the callee is far from saturated, and a wait in
      // front of a callee that is not busy reads as a call delay — both readings name the right component
      expected = { service: t.service, name: t.name, kinds: ['queueing', 'call_delay'] };
      description = `requests wait ~${f.extraMs!.toFixed(1)} ms in ${t.service}'s queue before ${t.name} starts`;
      break;
    }
    case 'serialization': {
      const t = pick(ops.filter((o) => o.groups.some((g) => g.parallel && g.calls.length >= 2)));
      if (!t) return makeScenario(fault, seed + 100003, opts);
      // make the parallel work substantial so that serialising it matters
      for (const g of t.groups) if (g.parallel) for (const c of g.calls) {
        const leaf = c.op.kind === 'client' ? c.op.groups[0]!.calls[0]!.op : c.op;
        leaf.selfMs = Math.max(leaf.selfMs, (strength * e2e) / g.calls.length + rnd() * 2);
      }
      f = { kind: 'serialization', target: t };
      expected = { service: t.service, name: t.name, kinds: ['serialization'] };
      description = `${t.service}/${t.name} runs its parallel calls one after another`;
      break;
    }
    case 'fan_out': {
      const cands = nonRoot.filter((o) => o.kind !== 'server' && !o.groups.some((g) => g.parallel));
      const t = pick(cands);
      if (!t) return makeScenario(fault, seed + 100003, opts);
      const p = parents.get(t)!;
      f = { kind: 'fan_out', target: t, parent: p, count: 5 + Math.floor(rnd() * 10) };
      expected = { service: p.service, name: p.name, kinds: ['fan_out'] };
      description = `${p.service}/${p.name} calls ${t.name} ${f.count} times instead of once (N+1)`;
      break;
    }
    case 'retries': {
      const t = pick(nonRoot.filter((o) => o.kind !== 'server'))!;
      // a retried client call fails in its callee (the server span); half the scenarios back off between attempts
      const failing = t.kind === 'client' ? t.groups[0]!.calls[0]!.op : t;
      f = { kind: 'retries', target: t, rate: 0.5 + rnd() * 0.3, extraMs: rnd() < 0.5 ? 0 : strength * e2e * 0.5 };
      expected = { service: failing.service, name: failing.name, kinds: ['retries', 'errors'] };
      description = `${failing.service}/${failing.name} fails ${(f.rate! * 100).toFixed(0)}% of attempts and ${t.name} is retried${f.extraMs ? ` with ${f.extraMs.toFixed(1)} ms backoff` : ''}`;
      break;
    }
    case 'errors': {
      const t = pick(nonRoot)!;
      f = { kind: 'errors', target: t, rate: 0.2 + rnd() * 0.4 };
      expected = { service: t.service, name: t.name, kinds: ['errors'] };
      description = `${t.service}/${t.name} fails ${(f.rate! * 100).toFixed(0)}% of calls (no latency change)`;
      break;
    }
    case 'attribute': {
      const t = pick(nonRoot.filter((o) => o.kind !== 'client'))!;
      const [k, vs] = attrChoices[Math.floor(rnd() * attrChoices.length)]!;
      t.attrKey = k;
      t.attrValues = vs;
      const v = vs[Math.floor(rnd() * vs.length)]!;
      f = { kind: 'attribute', target: t, attrValue: v, extraMs: (strength * e2e * vs.length) / 1 };
      expected = { service: t.service, name: t.name, kinds: ['attribute'], attribute: { key: k, value: v } };
      description = `${t.service}/${t.name} is slower only for ${k}=${v}`;
      break;
    }
    case 'none':
      break;
  }
  // the baseline is regenerated when the fault changed the topology's attributes (attribute scenarios)
  const base = fault === 'attribute' || fault === 'serialization' ? new Runner(mulberry32(seed + 1), null).run(root, traces, spacing) : baseline;
  let drift: Map<Op, number> | null = null;
  if (opts.drift) {
    const dr = mulberry32(seed + 3);
    drift = new Map(ops.map((o) => [o, lognormal(dr, 1, opts.drift!)]));
  }
  const incident = new Runner(mulberry32(seed + 2), f, drift, (opts.callWaitMs ?? 0) * 1e6).run(root, traces, spacing);
  lastSetup = { root, fault: f };
  const damaged = (spans: GenSpan[], k: number): GenSpan[] => {
    let out = spans;
    if (opts.skewMs) {
      const r = mulberry32(seed + 5);
      const off = new Map<string, number>();
      for (const o of ops) if (!off.has(o.service)) off.set(o.service, (r() * 2 - 1) * opts.skewMs * 1e6);
      out = out.map((sp) => ({ ...sp, start: sp.start + (off.get(sp.service) ?? 0) }));
    }
    if (opts.dropRate) {
      const r = mulberry32(seed + 7 + k);
      out = out.filter((sp) => !sp.parentId || r() >= opts.dropRate!);
    }
    return out;
  };
  return { fault, seed, baseline: damaged(base, 0), incident: damaged(incident, 1), expected, description };
}

// ------------------------------------------------------------------------------------------------ encodings

const kindNum = { internal: SpanKind.Internal, server: SpanKind.Server, client: SpanKind.Client } as const;
const secNs = (offNs: number, shiftNs = 0): [number, number] => {
  const v = Math.round(offNs + shiftNs);
  const s = Math.floor(v / 1e9);
  return [BASE_SEC + s, v - s * 1e9];
};

/** Straight into the model (no text). `shiftNs` moves the whole run in time. */
export function toSpanTable(spans: GenSpan[], shiftNs = 0): SpanTable {
  const b = new SpanTableBuilder();
  const scope = b.addScope('scenario-generator', '1');
  const res = new Map<string, number>();
  for (const s of spans) {
    let r = res.get(s.service);
    if (r === undefined) res.set(s.service, (r = b.addResource(s.service, { 'service.name': s.service })));
    b.addSpan({
      traceId: s.traceId,
      spanId: s.spanId,
      parentSpanId: s.parentId,
      name: s.name,
      kind: kindNum[s.kind],
      statusCode: s.error ? StatusCode.Error : StatusCode.Unset,
      start: secNs(s.start, shiftNs),
      durationNs: Math.round(s.duration),
      resource: r,
      scope,
    });
    for (const [k, v] of Object.entries(s.attrs)) b.attr(k, v);
  }
  return b.build();
}

const nsString = (offNs: number) => {
  const [s, ns] = secNs(offNs);
  return `${s}${String(ns).padStart(9, '0')}`;
};

function otlpRequest(spans: GenSpan[]): unknown {
  const bySvc = new Map<string, GenSpan[]>();
  for (const s of spans) {
    const l = bySvc.get(s.service);
    if (l) l.push(s);
    else bySvc.set(s.service, [s]);
  }
  return {
    resourceSpans: [...bySvc].map(([svc, list]) => ({
      resource: { attributes: [{ key: 'service.name', value: { stringValue: svc } }] },
      scopeSpans: [
        {
          scope: { name: 'scenario-generator', version: '1' },
          spans: list.map((s) => ({
            traceId: s.traceId,
            spanId: s.spanId,
            ...(s.parentId ? { parentSpanId: s.parentId } : {}),
            name: s.name,
            kind: kindNum[s.kind],
            startTimeUnixNano: nsString(s.start),
            endTimeUnixNano: nsString(s.start + s.duration),
            attributes: Object.entries(s.attrs).map(([key, v]) => ({ key, value: { stringValue: v } })),
            status: s.error ? { code: 2, message: 'failed' } : {},
          })),
        },
      ],
    })),
  };
}

export type Encoding = 'otlp-json' | 'otlp-jsonl' | 'jaeger' | 'zipkin';
export const ENCODINGS: Encoding[] = ['otlp-json', 'otlp-jsonl', 'jaeger', 'zipkin'];

const micros = (offNs: number) => BASE_SEC * 1e6 + Math.round(offNs / 1e3);

/** Encode spans as trace-file text in one of the formats the parsers read. */
export function encode(spans: GenSpan[], enc: Encoding): string {
  switch (enc) {
    case 'otlp-json':
      return JSON.stringify(otlpRequest(spans));
    case 'otlp-jsonl': {
      const byTrace = new Map<string, GenSpan[]>();
      for (const s of spans) {
        const l = byTrace.get(s.traceId);
        if (l) l.push(s);
        else byTrace.set(s.traceId, [s]);
      }
      return [...byTrace.values()].map((l) => JSON.stringify(otlpRequest(l))).join('\n') + '\n';
    }
    case 'jaeger': {
      const byTrace = new Map<string, GenSpan[]>();
      for (const s of spans) {
        const l = byTrace.get(s.traceId);
        if (l) l.push(s);
        else byTrace.set(s.traceId, [s]);
      }
      const data = [...byTrace].map(([traceID, list]) => {
        const procs = new Map<string, string>();
        for (const s of list) if (!procs.has(s.service)) procs.set(s.service, `p${procs.size + 1}`);
        return {
          traceID,
          spans: list.map((s) => ({
            traceID,
            spanID: s.spanId,
            operationName: s.name,
            references: s.parentId ? [{ refType: 'CHILD_OF', traceID, spanID: s.parentId }] : [],
            startTime: micros(s.start),
            duration: Math.max(0, micros(s.start + s.duration) - micros(s.start)),
            tags: [
              { key: 'span.kind', type: 'string', value: s.kind },
              ...(s.error ? [{ key: 'error', type: 'bool', value: true }] : []),
              ...Object.entries(s.attrs).map(([key, value]) => ({ key, type: 'string', value })),
            ],
            logs: [],
            processID: procs.get(s.service)!,
            warnings: null,
          })),
          processes: Object.fromEntries([...procs].map(([svc, id]) => [id, { serviceName: svc, tags: [] }])),
          warnings: null,
        };
      });
      return JSON.stringify({ data, total: 0, limit: 0, offset: 0, errors: null });
    }
    case 'zipkin':
      return JSON.stringify(
        spans.map((s) => ({
          traceId: s.traceId,
          id: s.spanId,
          ...(s.parentId ? { parentId: s.parentId } : {}),
          name: s.name,
          ...(s.kind !== 'internal' ? { kind: s.kind.toUpperCase() } : {}),
          timestamp: micros(s.start),
          duration: Math.max(1, micros(s.start + s.duration) - micros(s.start)),
          localEndpoint: { serviceName: s.service },
          tags: { ...s.attrs, ...(s.error ? { error: 'failed' } : {}) },
        })),
      );
  }
}
