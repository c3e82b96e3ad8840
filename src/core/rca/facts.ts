/**
 * Per-run facts the service-level detectors share, collected in one pass over the span rows of an aggregated run:
 *  - remote-call edges: a span whose children all belong to ONE other service is a remote call to that service,
 *    whatever its kind says (exports often have no kind, or INTERNAL everywhere); its exclusive time is the
 *    caller → callee gap (network, the callee's accept queue, serialisation), kept per (caller, callee) edge;
 *  - per operation: exclusive time of its spans that are not remote calls (the service's own work), durations;
 *  - per operation: child operations per call (for work that vanished), and per call to a dependency whether the
 *    operation went on after it (for traces that stop right after a call to X). An error handler's span is not work
 *    going on: a request that failed after the call stopped there.
 * Samples per group are capped by a deterministic stride so huge runs stay cheap.
 */
import type { AggDetail } from '../aggregate/tree';
import { SpanKind } from '../model/span-table';
import { errorHandlerRows } from '../model/failed';
import { quantileSorted } from '../stats/index';

export interface EdgeFacts {
  caller: string;
  callee: string;
  /** gap (ms) of each remote-call span: its time not covered by the callee's span(s) */
  gaps: number[];
  /** the trace (dense index) of each gap, parallel to `gaps` */
  gapTraces: number[];
  /** summed gaps (ms) over all calls (not capped) */
  sumMs: number;
  calls: number;
  /** callee operation (the remote-call span's child) → calls */
  calleeOps: Map<string, number>;
}

export interface OpFacts {
  /** key in RunFacts.ops: opId(service, name), plus CALL_ROLE for outgoing calls named like the service's handlers */
  id: string;
  service: string;
  name: string;
  /** exclusive time (ms) of spans that are not remote calls: the service's own work (an async span that outlives
   *  its parent is left out: the request did not wait for it) */
  self: number[];
  /** the trace (dense index) of each `self` sample, parallel to it */
  selfTraces: number[];
  /** span durations (ms) */
  dur: number[];
  /** trace (index) of each value of `dur` */
  durTraces: number[];
  calls: number;
  /** remote-call spans of this operation (their time is an edge's) */
  remoteCalls: number;
  /** child operation key → number of child spans (all of them, uncapped) */
  children: Map<string, number>;
  /** spans that have at least one child */
  withChildren: number;
  /** spans that failed (error status, or HTTP ≥ 500 / gRPC ≠ 0 / an exception event where the status is unset) */
  failed: number;
  /** of those, spans that failed themselves (no failed span below them): the failures that start here */
  ownFailed: number;
  /** summed exclusive (non-remote, not async) time, ms, uncapped */
  selfSumMs: number;
  /**
   * calls to dependencies (child key: child operation + the service it reaches) → [spans of this operation that made
   * the call, those of them that went on with other work after the call's last occurrence ended]; `step`: the child
   * is one of the service's own steps that ends with the call (the call is made through it)
   */
  after: Map<string, { callee: string; child: string; n: number; cont: number; step: boolean }>;
  /**
   * of the spans that failed themselves: the service their last call went to (directly or through the service's own
   * steps) → how many — "it fails right after X answers"
   */
  failedAfter: Map<string, number>;
}

export interface RunFacts {
  traces: number;
  edges: Map<string, EdgeFacts>;
  ops: Map<string, OpFacts>;
  /** entry points: root operation key → traces */
  roots: Map<string, number>;
  /** services seen (in the run's filtered rows) */
  services: Set<string>;
}

/**
 * Per span of the aggregated rows: how many children it has, and the service its children run in — -1 none, ≥ 0 the
 * one OTHER service all of them run in (a remote call's callee), -2 mixed or same-service children.
 */
export function childServices(det: AggDetail): { callee: Int32Array; kids: Int32Array } {
  const m = det.model;
  const n = m.size;
  const P = m.parent;
  const svc = m.serviceCol;
  const callee = new Int32Array(n).fill(-1);
  const kids = new Int32Array(n);
  for (let r = 0; r < n; r++) {
    if (det.nodeOf[r]! < 0) continue;
    const p = P[r]!;
    if (p < 0) continue;
    kids[p]!++;
    const s = svc[r]!;
    const c = callee[p]!;
    if (s === svc[p]!) callee[p] = -2;
    else if (c === -1) callee[p] = s;
    else if (c !== s) callee[p] = -2;
  }
  return { callee, kids };
}

export const edgeKey = (caller: string, callee: string) => caller + '\u0000' + callee;
export const opId = (service: string, name: string) => service + '\u0000' + name;
/** the key suffix of a service's outgoing calls named like its request handlers (see collectFacts) */
export const CALL_ROLE = '\u0000call';

const CAP = 5000;
/** how many levels of a service's own steps are followed down to the call a step ends with */
const STEP_DEPTH = 8;

/**
 * Is a span whose children all run in one other service a remote call? CLIENT/PRODUCER: yes. No kind or INTERNAL:
 * yes when its parent is in its own service (an outgoing call made while handling a request); a service's entry span
 * (parent elsewhere, or a root) is the handler even when all it does is call on. SERVER/CONSUMER: no.
 */
export function isRemoteCall(kind: number, parentInSameService: boolean): boolean {
  if (kind === SpanKind.Client || kind === SpanKind.Producer) return true;
  if (kind === SpanKind.Server || kind === SpanKind.Consumer) return false;
  return parentInSameService;
}

/** One pass over the rows of `det` (rows filtered out by a split are skipped). */
export function collectFacts(det: AggDetail): RunFacts {
  const m = det.model;
  const n = m.size;
  const P = m.parent;
  const svc = m.serviceCol;
  const { callee, kids } = childServices(det);
  const str = (id: number) => m.strings.get(id);
  const edges = new Map<string, EdgeFacts>();
  const ops = new Map<string, OpFacts>();
  const roots = new Map<string, number>();
  const services = new Set<string>();
  const opByRow = new Map<number, OpFacts>(); // (name id * K + service id) * 2 + role → facts (numeric key)
  const edgeByPair = new Map<number, EdgeFacts>();
  const K = m.strings.size + 1;
  const callRole = (r: number) => callee[r]! >= 0 && isRemoteCall(m.kind[r]!, P[r]! >= 0 && svc[P[r]!] === svc[r]);
  // A service may name its request handlers and its outgoing calls alike (the OpenTelemetry HTTP instrumentation
  // names both "GET"): one operation would then mix a handler with the calls it makes, and its calls would look like
  // its children. Where a name is used in both roles, the calls are an operation of their own (key suffix CALL_ROLE,
  // same name); elsewhere nothing changes.
  const roles = new Map<number, number>(); // name/service key → bit 1: handler rows, bit 2: call rows
  for (let r = 0; r < n; r++) {
    if (det.nodeOf[r]! < 0) continue;
    const key = m.nameCol[r]! * K + svc[r]!;
    roles.set(key, (roles.get(key) ?? 0) | (callRole(r) ? 2 : 1));
  }
  const opOf = (r: number): OpFacts => {
    const nk = m.nameCol[r]! * K + svc[r]!;
    const call = roles.get(nk) === 3 && callRole(r);
    const key = nk * 2 + (call ? 1 : 0);
    let o = opByRow.get(key);
    if (!o) {
      const service = str(svc[r]!);
      const name = str(m.nameCol[r]!);
      const id = opId(service, name) + (call ? CALL_ROLE : '');
      o = { id, service, name, self: [], selfTraces: [], dur: [], durTraces: [], calls: 0, remoteCalls: 0, children: new Map(), withChildren: 0, failed: 0, ownFailed: 0, selfSumMs: 0, after: new Map(), failedAfter: new Map() };
      opByRow.set(key, o);
      ops.set(id, o);
      services.add(service);
    }
    return o;
  };
  const seen = new Map<OpFacts | EdgeFacts, number>();
  const take = (g: OpFacts | EdgeFacts, total: number) => {
    // deterministic thinning once a group passes CAP: keep every k-th sample
    const k = (seen.get(g) ?? 0) + 1;
    seen.set(g, k);
    return total < CAP || k % Math.ceil(total / CAP) === 0;
  };
  // group sizes first (so thinning is uniform over the run)
  const opCount = new Map<OpFacts, number>();
  for (let r = 0; r < n; r++) {
    if (det.nodeOf[r]! < 0) continue;
    const o = opOf(r);
    opCount.set(o, (opCount.get(o) ?? 0) + 1);
  }
  // an async span that ends after its parent (fire-and-forget) is not work the request waited for
  const outlivesParent = (r: number) => {
    const p = P[r]!;
    if (p < 0) return false;
    const end = m.start[r]! + m.duration[r]!;
    const pEnd = m.start[p]! + m.duration[p]!;
    return end > pEnd + 1e5; // 0.1 ms of clock jitter tolerated
  };
  const rootSeen = new Set<number>();
  for (let r = 0; r < n; r++) {
    if (det.nodeOf[r]! < 0) continue;
    const o = opOf(r);
    const total = opCount.get(o)!;
    o.calls++;
    const durMs = m.duration[r]! / 1e6;
    const selfMs = det.selfNs[r]! / 1e6;
    const kind = m.kind[r]!;
    const c = callee[r]!;
    const remote = c >= 0 && isRemoteCall(kind, P[r]! >= 0 && svc[P[r]!] === svc[r]);
    const keep = take(o, total);
    if (keep && Number.isFinite(durMs)) {
      o.dur.push(durMs);
      o.durTraces.push(det.traceOf[r]!);
    }
    if (remote) {
      o.remoteCalls++;
      const pk = svc[r]! * K + c;
      let e = edgeByPair.get(pk);
      if (!e) {
        e = { caller: str(svc[r]!), callee: str(c), gaps: [], gapTraces: [], sumMs: 0, calls: 0, calleeOps: new Map() };
        edgeByPair.set(pk, e);
        edges.set(edgeKey(e.caller, e.callee), e);
      }
      e.calls++;
      if (Number.isFinite(selfMs)) {
        e.sumMs += selfMs;
        if (keep) {
          e.gaps.push(selfMs);
          e.gapTraces.push(det.traceOf[r]!);
        }
      }
    } else if (Number.isFinite(selfMs) && !outlivesParent(r)) {
      o.selfSumMs += selfMs;
      if (keep) {
        o.self.push(selfMs);
        o.selfTraces.push(det.traceOf[r]!);
      }
    }
    if (kids[r]! > 0) o.withChildren++;
    if (det.failed?.[r] === 1) o.failed++;
    if (det.ownFailed?.[r] === 1) o.ownFailed++;
    const p = P[r]!;
    if (p >= 0) {
      const po = opOf(p);
      const ck = o.id;
      po.children.set(ck, (po.children.get(ck) ?? 0) + 1);

    } else if (!m.orphan[r]) {
      const t = det.traceOf[r]!;
      if (!rootSeen.has(t)) {
        rootSeen.add(t);
        const rk = o.id;
        roots.set(rk, (roots.get(rk) ?? 0) + 1);
      }
    }
  }
  // did the caller go on after each call to a dependency? lastStart = latest start of a child that is work (not an
  // error handler); a call is followed by more work when some child starts after it ended (0.1 ms tolerance; 1 ms for
  // whole-millisecond start times, below).
  // A step of the service's own (a same-service span) that ends with a call to a dependency counts as that call: a
  // checkout that charges the card through its own ChargeCard step stops after the step when the payment fails.
  // lastKid = the child that is work and ends last; followed down at most STEP_DEPTH levels. One pass for both.
  const isHandler = errorHandlerRows(m);
  const lastStart = new Float64Array(n).fill(-Infinity);
  const lastKid = new Int32Array(n).fill(-1);
  for (let r = 0; r < n; r++) {
    const p = P[r]!;
    if (p < 0 || det.nodeOf[r]! < 0 || isHandler(r)) continue;
    if (m.start[r]! > lastStart[p]!) lastStart[p] = m.start[r]!;
    const k = lastKid[p]!;
    if (k < 0 || m.start[r]! + m.duration[r]! > m.start[k]! + m.duration[k]!) lastKid[p] = r;
  }
  const stepCallee = (r: number): number => {
    let cur = r;
    for (let d = 0; d < STEP_DEPTH; d++) {
      const k = lastKid[cur]!;
      if (k < 0) return -1;
      if (svc[k]! !== svc[cur]!) return svc[k]!;
      if (callee[k]! >= 0 && isRemoteCall(m.kind[k]!, true)) return callee[k]!;
      cur = k;
    }
    return -1;
  };
  // a span that failed itself: the service its last call went to
  if (det.ownFailed) {
    for (let r = 0; r < n; r++) {
      if (det.ownFailed[r] !== 1 || det.nodeOf[r]! < 0) continue;
      const x = stepCallee(r);
      if (x < 0 || x === svc[r]) continue;
      const o = opOf(r);
      const name = str(x);
      o.failedAfter.set(name, (o.failedAfter.get(name) ?? 0) + 1);
    }
  }
  // the tolerance of "started after it ended": 0.1 ms, or 1 ms where the exporter's start times are whole milliseconds
  // (the OpenTelemetry JS SDK anchors starts to Date.now(); durations stay exact) — there the next sequential call's
  // start often lies up to 1 ms before the previous call's true end
  let whole = 0;
  let starts = 0;
  for (let r = 0; r < n && starts < 5000; r++) {
    const st = m.start[r]!;
    if (!Number.isFinite(st)) continue;
    starts++;
    if (st % 1e6 === 0) whole++;
  }
  const tolerance = starts >= 20 && whole >= 0.9 * starts ? 1e6 : 1e5;
  // per (parent span, child key) the AND over the call's occurrences (the last one decides)
  const afterKey = new Map<string, number>();
  const callOf = new Map<number, number>(); // parent row * keys + key → 1 went on, 0 stopped
  const keyInfo: { o: OpFacts; callee: string; child: string; step: boolean; k: string }[] = [];
  for (let r = 0; r < n; r++) {
    const p = P[r]!;
    if (p < 0 || det.nodeOf[r]! < 0 || det.nodeOf[p]! < 0 || isHandler(r)) continue;
    // a call to a dependency: a remote-call span (its callee service known) or a span of another service
    const c = callee[r]!;
    const remote = c >= 0 && isRemoteCall(m.kind[r]!, svc[p]! === svc[r]!);
    const step = !remote && svc[r]! === svc[p]!;
    const calleeSvc = remote ? c : step ? stepCallee(r) : svc[r]!;
    if (calleeSvc < 0) continue;
    const po = opOf(p);
    const child = str(m.nameCol[r]!);
    const k = po.id + '\u0000' + child + '\u0000' + str(calleeSvc);
    let ki = afterKey.get(k);
    if (ki === undefined) {
      if (keyInfo.length >= 1e6) continue; // bounded: beyond a million distinct (operation, call) pairs, not tracked
      afterKey.set(k, (ki = keyInfo.length));
      keyInfo.push({ o: po, callee: str(calleeSvc), child, step, k: child + '\u0000' + str(calleeSvc) });
    }
    const end = m.start[r]! + m.duration[r]!;
    // with whole-millisecond starts, a child starting up to 1 ms before the call's end went on after it only if it
    // started in a later millisecond than the call (a sibling started with it runs beside it; a fail-fast call of
    // 0.3 ms is not "followed" by the call made in the same millisecond)
    const ls = lastStart[p]!;
    const went = ls >= end - 1e5 || (ls >= end - tolerance && ls > m.start[r]!) ? 1 : 0;
    const key = p * 1e6 + ki; // exact in a double: p < 2^32, ki < 1e6
    const prev = callOf.get(key);
    callOf.set(key, prev === undefined ? went : prev & went);
  }
  for (const [key, went] of callOf) {
    const info = keyInfo[key % 1e6]!;
    let a = info.o.after.get(info.k);
    if (!a) info.o.after.set(info.k, (a = { callee: info.callee, child: info.child, step: info.step, n: 0, cont: 0 }));
    a.n++;
    a.cont += went;
  }
  // which operations of the callee the remote calls of each edge reach
  for (let r = 0; r < n; r++) {
    const p = P[r]!;
    if (p < 0 || det.nodeOf[r]! < 0 || callee[p]! !== svc[r]! || !isRemoteCall(m.kind[p]!, P[p]! >= 0 && svc[P[p]!] === svc[p])) continue;
    const e = edgeByPair.get(svc[p]! * K + svc[r]!);
    if (!e) continue;
    const name = str(m.nameCol[r]!);
    e.calleeOps.set(name, (e.calleeOps.get(name) ?? 0) + 1);
  }
  return { traces: det.tree.traceCount, edges, ops, roots, services };
}

/**
 * One value per trace: the median of the trace's values (`traces` parallel to `values`; without it, every value is its
 * own trace). The calls of one trace share its conditions, so k slow calls of ONE trace are one observation, not k:
 * the pooled exceedance test counts traces. The median of a trace's calls is less extreme than a single call under no
 * change, so comparing it with single baseline calls errs on the safe side.
 */
export function perTrace(values: number[], traces: number[] | undefined): number[] {
  if (!traces || traces.length !== values.length) return values;
  const by = new Map<number, number[]>();
  values.forEach((v, k) => {
    const l = by.get(traces[k]!);
    if (l) l.push(v);
    else by.set(traces[k]!, [v]);
  });
  return [...by.values()].map((l) => (l.length === 1 ? l[0]! : quantileSorted(Float64Array.from(l).sort(), 0.5)));
}
