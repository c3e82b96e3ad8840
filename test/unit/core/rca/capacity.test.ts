/**
 * Capacity estimate (core/rca/capacity.ts) on generated M/M/c queues with known arrival rate, work time and workers:
 * the estimate recovers them, the utilisation and the workers needed, across loads; Little's law holds on the
 * measured figures; the predicted wait matches a simulation of the recommended capacity.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { estimateCapacity, erlangCWait, readWait } from '../../../../src/core/rca/capacity';
import type { Cand, WaitReading } from '../../../../src/core/rca/context';
import { analyze } from '../../../../src/core/rca/analyze';
import { aggregateDetailed } from '../../../../src/core/aggregate/tree';
import { Capacity, Diagnosis } from '../../../../src/core/rca/diagnosis';
import { mulberry32 } from '../../../../src/core/stats/index';
import { SpanKind } from '../../../../src/core/model/span-table';
import { table, type S } from '../../../helpers/spans';

type Shape = 'children' | 'self' | 'span';

interface Queue {
  spans: S[];
  /** mean wait in queue (ms) as simulated */
  waitMs: number;
  n: number;
}

/**
 * n Poisson arrivals at `rate` per second into `c` FIFO workers with exponential work of mean `workMs`.
 * shape children: server span handle (arrival → done) with an internal child `work` (service start → done);
 * self: handle only (wait and work inside its own time); span: the caller's client span waits, `handle` is the work.
 */
function mmc(o: { rate: number; workMs: number; c: number; n: number; seed: number; shape: Shape; tag: string }): Queue {
  const rnd = mulberry32(o.seed);
  const exp = (m: number) => -Math.log(1 - rnd()) * m;
  const free = new Float64Array(o.c);
  const spans: S[] = [];
  let t = 0;
  let waitSum = 0;
  for (let k = 0; k < o.n; k++) {
    t += exp(1000 / o.rate);
    let w = 0;
    for (let j = 1; j < o.c; j++) if (free[j]! < free[w]!) w = j;
    const start = Math.max(t, free[w]!);
    const work = exp(o.workMs);
    const end = start + work;
    free[w] = end;
    waitSum += start - t;
    const tr = `${o.tag}${k}`;
    if (o.shape === 'span') {
      spans.push({ trace: tr, id: `c${k}`, service: 'front', name: 'call', kind: SpanKind.Client, start: t, dur: end - t });
      spans.push({ trace: tr, id: `h${k}`, parent: `c${k}`, service: 'svc', name: 'handle', kind: SpanKind.Server, start, dur: work });
    } else {
      spans.push({ trace: tr, id: `h${k}`, service: 'svc', name: 'handle', kind: SpanKind.Server, start: t, dur: end - t });
      if (o.shape === 'children') spans.push({ trace: tr, id: `w${k}`, parent: `h${k}`, service: 'svc', name: 'work', start, dur: work });
    }
  }
  return { spans, waitMs: waitSum / o.n, n: o.n };
}

const within = (got: number, want: number, rel: number, what: string) =>
  assert.ok(Math.abs(got - want) <= rel * Math.abs(want), `${what}: got ${got}, want ${want} ± ${(rel * 100).toFixed(0)} %`);

const cases: { c: number; rho: number; workMs: number }[] = [
  { c: 1, rho: 0.5, workMs: 100 },
  { c: 1, rho: 0.8, workMs: 40 },
  { c: 2, rho: 0.6, workMs: 200 },
  { c: 4, rho: 0.85, workMs: 50 },
];

for (const { c, rho, workMs } of cases) {
  test(`M/M/${c} at ρ=${rho}: rate, work time, workers, utilisation, workers needed, Little's law`, () => {
    const rate = (rho * c * 1000) / workMs;
    const base = mmc({ rate: rate / 4, workMs, c, n: 3000, seed: 11 + c, shape: 'children', tag: 'b' });
    const inc = mmc({ rate, workMs, c, n: 12000, seed: 101 + c, shape: 'children', tag: 'i' });
    const cap = estimateCapacity(aggregateDetailed(table(base.spans)), aggregateDetailed(table(inc.spans)), { service: 'svc', name: 'handle' })!;
    assert.ok(cap);
    assert.equal(cap.workSource, 'children');
    assert.deepEqual(cap.workOperations, ['work']);
    assert.equal(cap.workers, c);
    within(cap.incident.arrivalsPerS, rate, 0.04, 'incident rate');
    within(cap.baseline!.arrivalsPerS, rate / 4, 0.06, 'baseline rate');
    assert.ok(cap.incident.arrivalsPerSRange[0] <= rate && rate <= cap.incident.arrivalsPerSRange[1], 'rate interval covers the truth');
    within(cap.workMs, workMs, 0.04, 'work time');
    assert.ok(cap.workMsRange[0] <= workMs && workMs <= cap.workMsRange[1], 'work interval covers the truth');
    within(cap.incident.utilisation!, rho, 0.06, 'utilisation');
    within(cap.baseline!.utilisation!, rho / 4, 0.08, 'baseline utilisation');
    assert.equal(cap.workersNeeded, Math.ceil((rate * workMs) / 1000 / 0.7), 'workers for 70 %');
    assert.ok(cap.workersNeededHigh >= cap.workersNeeded);
    // Little's law on measured figures: time-average in flight = rate × mean duration
    within(cap.incident.inFlightMean, (cap.incident.arrivalsPerS * cap.incident.durationMs) / 1000, 0.03, "Little's law");
    // the measured wait before the work is the simulated one, and Erlang C predicts it (exponential: Ca = Cs = 1)
    within(cap.incident.waitMs!, inc.waitMs, 1e-6, 'measured wait');
    within(erlangCWait((rate * workMs) / 1000, c) * workMs, inc.waitMs, 0.2, 'Erlang C wait at the current capacity');
    // steady Poisson stream: per-second CV ≈ 1/√rate
    within(cap.incident.arrivalsCv!, 1 / Math.sqrt(rate), 0.2, 'per-second CV');
    // the recommended capacity, simulated with the same load, waits what was predicted
    const fixed = mmc({ rate, workMs, c: cap.workersNeeded, n: 12000, seed: 101 + c, shape: 'children', tag: 'f' });
    const predicted = cap.predictedWaitMs!;
    assert.ok(Math.abs(predicted - fixed.waitMs) <= 0.25 * fixed.waitMs + 0.01 * workMs, `predicted wait ${predicted} vs simulated ${fixed.waitMs}`);
    assert.ok(fixed.waitMs < inc.waitMs || cap.workersNeeded === c);
  });
}

test('workers needed follows the target', () => {
  const base = mmc({ rate: 2, workMs: 100, c: 1, n: 2000, seed: 3, shape: 'children', tag: 'b' });
  const inc = mmc({ rate: 9, workMs: 100, c: 1, n: 2000, seed: 4, shape: 'children', tag: 'i' }); // overloaded: 0.9 → ρ≈0.9
  const B = aggregateDetailed(table(base.spans));
  const I = aggregateDetailed(table(inc.spans));
  const at = (target: number) => estimateCapacity(B, I, { service: 'svc', name: 'handle' }, { target })!;
  const a = at(0.7).offeredLoad;
  for (const t of [0.3, 0.5, 0.7, 0.9, 1]) assert.equal(at(t).workersNeeded, Math.max(1, Math.ceil(a / t - 1e-9)), `target ${t}`);
  assert.throws(() => at(0), /target/);
  assert.throws(() => at(1.5), /target/);
});

test('self shape: work and wait inside the span — work from requests that arrived alone, worker count not visible', () => {
  const base = mmc({ rate: 2, workMs: 80, c: 1, n: 3000, seed: 21, shape: 'self', tag: 'b' });
  const inc = mmc({ rate: 10, workMs: 80, c: 1, n: 6000, seed: 22, shape: 'self', tag: 'i' });
  const cap = estimateCapacity(aggregateDetailed(table(base.spans)), aggregateDetailed(table(inc.spans)), { service: 'svc', name: 'handle' })!;
  assert.equal(cap.workSource, 'self');
  assert.equal(cap.workers, null);
  assert.equal(cap.incident.utilisation, null);
  within(cap.workMs, 80, 0.06, 'work time from lone arrivals');
  assert.equal(cap.workersNeeded, Math.ceil((10 * 80) / 1000 / 0.7));
  assert.match(cap.assumptions.join('\n'), /worker count not visible/);
});

test('span shape: the queue is in front of the operation (its caller waits) — the span is the work', () => {
  const base = mmc({ rate: 5, workMs: 120, c: 3, n: 3000, seed: 31, shape: 'span', tag: 'b' });
  const inc = mmc({ rate: 21, workMs: 120, c: 3, n: 8000, seed: 32, shape: 'span', tag: 'i' });
  const cap = estimateCapacity(aggregateDetailed(table(base.spans)), aggregateDetailed(table(inc.spans)), { service: 'svc', name: 'handle' })!;
  assert.equal(cap.workSource, 'span');
  assert.equal(cap.workers, 3);
  within(cap.workMs, 120, 0.05, 'work time');
  within(cap.incident.utilisation!, (21 * 0.12) / 3, 0.06, 'utilisation');
  assert.equal(cap.workersNeeded, Math.ceil((21 * 0.12) / 0.7));
});

test('analyze: a saturating single worker is diagnosed as queueing and carries the capacity estimate', () => {
  const base = mmc({ rate: 2, workMs: 100, c: 1, n: 400, seed: 41, shape: 'children', tag: 'b' });
  const inc = mmc({ rate: 8.5, workMs: 100, c: 1, n: 600, seed: 42, shape: 'children', tag: 'i' });
  const a = analyze(table(base.spans), table(inc.spans), { capacityTarget: 0.5 });
  const d = Diagnosis.parse(JSON.parse(JSON.stringify(a.diagnosis)));
  const rc = d.rootCause!;
  assert.equal(rc.name, 'handle');
  assert.equal(rc.kind, 'queueing');
  assert.ok(rc.capacity, 'capacity on the root cause');
  assert.equal(rc.capacity.target, 0.5);
  assert.equal(rc.capacity.workers, 1);
  assert.equal(rc.capacity.workersNeeded, Math.ceil((rc.capacity.incident.arrivalsPerS * rc.capacity.workMs) / 1000 / 0.5));
  assert.ok(rc.evidence.some((e) => e.startsWith('capacity: ')));
  assert.deepEqual(d.candidates[0]!.capacity, rc.capacity);
  const { entryPoints: _entryPoints, entryPointsSeen, ...reg } = d.regression!;
  assert.equal(entryPointsSeen, 1, "one kind of request");
  assert.deepEqual(reg, { slower: true, errorsUp: false, alpha: 0.01 });
});

test('readWait: other kinds pass through; unknown operations give null', () => {
  const base = mmc({ rate: 2, workMs: 100, c: 1, n: 200, seed: 51, shape: 'children', tag: 'b' });
  const B = aggregateDetailed(table(base.spans));
  assert.equal(estimateCapacity(B, B, { service: 'nope', name: 'handle' }), null);
  const c = cand({ kind: 'self_time' });
  assert.deepEqual(readWait({ b: B, i: B, capacity: {} }, c), { kind: 'self_time', summary: 's', evidence: ['e'] });
});

test('readWait: a wait in front of a busy callee is queueing with its capacity; an idle one is call_delay, without', () => {
  const B = aggregateDetailed(table(mmc({ rate: 1, workMs: 100, c: 1, n: 200, seed: 61, shape: 'children', tag: 'b' }).spans));
  const busy = aggregateDetailed(table(mmc({ rate: 8, workMs: 100, c: 1, n: 400, seed: 62, shape: 'children', tag: 'i' }).spans));
  const idle = aggregateDetailed(table(mmc({ rate: 2, workMs: 100, c: 1, n: 200, seed: 63, shape: 'children', tag: 'i' }).spans));
  const words = (r: WaitReading) => (r.load === 'unknown' ? 'unknown' : `${r.load} ${r.utilisation.toFixed(1)}`);
  const w = readWait({ b: B, i: busy, capacity: { target: 0.7 } }, cand({ wait: { side: 'callee', summary: words } }));
  assert.equal(w.kind, 'queueing');
  assert.equal(w.summary, 'busy 0.8');
  assert.ok(w.capacity && w.capacity.workers === 1);
  assert.deepEqual(w.evidence, ['e', `capacity: ${w.capacity.summary}`]);
  const n = readWait({ b: B, i: idle, capacity: { target: 0.7 } }, cand({ wait: { side: 'callee', summary: words } }));
  assert.equal(n.kind, 'call_delay');
  assert.equal(n.summary, 'idle 0.2');
  assert.equal(n.capacity, undefined, 'no capacity estimate for a callee that is not busy');
  assert.match(n.evidence[1]!, /^svc is not saturated: 2\.\d+ req\/s × \d+ ms work on 1 worker → 2\d % busy \(baseline \d+ %\)$/);
  // every call of one caller waits longer: outside its callees, whatever their load
  assert.equal(readWait({ b: B, i: busy, capacity: {} }, cand({ wait: { side: 'caller', summary: words } })).kind, 'call_delay');
  // no capacity (the slowest-decile split): the load is unknown, the kind stays queueing and says both readings
  const u = readWait({ b: B, i: idle }, cand({ wait: { side: 'callee', summary: words } }));
  assert.deepEqual([u.kind, u.summary, u.capacity], ['queueing', 'unknown', undefined]);
  // a queue found inside the span (no wait between spans) keeps its kind and gets the capacity however busy
  const inside = readWait({ b: B, i: idle, capacity: {} }, cand({}));
  assert.equal(inside.kind, 'queueing');
  assert.ok(inside.capacity);
});

test('readWait: the callee\'s operations its callers reach share its workers — two at ~30 % each are a busy callee', () => {
  // two operations of one service, each 3 req/s × 100 ms on one worker (~30 %): one alone reads idle, both busy
  const two = (seed: number, tag: string) => {
    const a = mmc({ rate: 3, workMs: 100, c: 1, n: 300, seed, shape: 'children', tag: tag + 'a' }).spans;
    const b = mmc({ rate: 3, workMs: 100, c: 1, n: 300, seed: seed + 1, shape: 'children', tag: tag + 'b' }).spans.map((x) => (x.name === 'handle' ? { ...x, name: 'other' } : x));
    return aggregateDetailed(table([...a, ...b]));
  };
  const B = two(71, 'b');
  const I = two(73, 'i');
  const words = (r: WaitReading) => (r.load === 'unknown' ? 'unknown' : r.load);
  const alone = readWait({ b: B, i: I, capacity: {} }, cand({ wait: { side: 'callee', summary: words } }));
  assert.equal(alone.kind, 'call_delay');
  const both = readWait({ b: B, i: I, capacity: {} }, cand({ wait: { side: 'callee', summary: words, ops: ['handle', 'other'] } }));
  assert.deepEqual([both.kind, both.summary], ['queueing', 'busy']);
  assert.ok(both.capacity);
});

function cand(o: Partial<Cand>): Cand {
  return { diffId: 0, service: 'svc', name: 'handle', kind: 'queueing', impactMs: 1, sig: 1, evidence: ['e'], summary: 's', nodes: [], ...o };
}

test('erlangCWait: M/M/1 closed form and overload', () => {
  for (const a of [0.1, 0.5, 0.9]) within(erlangCWait(a, 1), a / (1 - a), 1e-12, `M/M/1 a=${a}`);
  // M/M/2: Wq/S = a² / (4 − a²) · … closed form P_wait = a²/(2+a) for c=2 → Wq = P/(2−a)
  for (const a of [0.5, 1, 1.5]) within(erlangCWait(a, 2), a ** 2 / (2 + a) / (2 - a), 1e-12, `M/M/2 a=${a}`);
  assert.equal(erlangCWait(2, 2), Infinity);
});

test('degenerate input: null or a finite estimate that the zod contract accepts, never NaN/Infinity or a throw', () => {
  const rnd = mulberry32(7);
  const mk = (n: number, sameStart: boolean, tag: string): S[] => {
    const spans: S[] = [];
    for (let k = 0; k < n; k++) {
      const t = sameStart ? 5 : rnd() * 50;
      const dur = rnd() < 0.2 ? 0 : rnd() * 20;
      spans.push({ trace: `${tag}${k}`, id: `h${k}`, service: 'svc', name: 'handle', kind: SpanKind.Server, start: t, dur });
      if (rnd() < 0.5) spans.push({ trace: `${tag}${k}`, id: `w${k}`, parent: `h${k}`, service: 'svc', name: 'work', start: t + dur / 2, dur: dur / 2 });
      if (rnd() < 0.2) spans.push({ trace: `${tag}${k}`, id: `x${k}`, parent: `h${k}`, service: 'svc', name: 'nostart', start: 0, dur: 1, noStart: true });
    }
    return spans;
  };
  for (let it = 0; it < 60; it++) {
    const nb = Math.floor(rnd() * 6);
    const ni = Math.floor(rnd() * 6);
    const B = aggregateDetailed(table(mk(nb, rnd() < 0.3, 'b')));
    const I = aggregateDetailed(table(mk(ni, rnd() < 0.3, 'i')));
    const cap = estimateCapacity(rnd() < 0.2 ? null : B, I, { service: 'svc', name: 'handle' });
    if (cap === null) continue;
    const parsed = Capacity.parse(cap);
    const finite = (v: unknown): boolean =>
      typeof v === 'number' ? Number.isFinite(v) : Array.isArray(v) ? v.every(finite) : v && typeof v === 'object' ? Object.values(v).every(finite) : true;
    assert.ok(finite(parsed), JSON.stringify(parsed));
    assert.ok(cap.workersNeeded >= 1 && cap.workersNeededHigh >= cap.workersNeeded);
  }
});
