import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { aggregate, aggregateDetailed, perTraceValues } from '../../../../src/core/aggregate/tree';
import type { AggTree } from '../../../../src/core/aggregate/types';
import { table, type S } from '../../../helpers/spans';
import { SpanKind } from '../../../../src/core/model/span-table';

const close = (a: number, b: number, msg = '') => assert.ok(Math.abs(a - b) < 1e-6, `${msg} ${a} vs ${b}`);
const find = (t: AggTree, name: string) => {
  const n = t.nodes.find((x) => x.name === name);
  assert.ok(n, `node ${name}`);
  return n;
};

test('parallel children are unioned: self time never negative nor double counted', () => {
  // root 0..100; children a 10..60 and b 20..70 overlap (union 10..70 = 60), c 80..90 sequential
  const t = aggregate(table([
    { id: 'r', name: 'root', start: 0, dur: 100 },
    { id: 'a', parent: 'r', name: 'a', start: 10, dur: 50 },
    { id: 'b', parent: 'r', name: 'b', start: 20, dur: 50 },
    { id: 'c', parent: 'r', name: 'c', start: 80, dur: 10 },
  ]));
  const r = find(t, 'root');
  close(r.stats.selfMs, 100 - 60 - 10, 'root self');
  close(r.stats.childSumPerTraceMs!, 110);
  close(r.stats.childUnionPerTraceMs!, 70);
  // critical path: root 0..10 self, b 20..70 (latest of the overlapping pair ends last), root gap 70..80, c, root 90..100
  close(r.stats.criticalPerTraceMs!, 10 + 10 + 10, 'root critical');
  close(find(t, 'b').stats.criticalPerTraceMs!, 50);
  close(find(t, 'a').stats.criticalPerTraceMs!, 10, 'a only 10..20 before b starts');
  close(find(t, 'c').stats.criticalPerTraceMs!, 10);
  close(t.meanTraceMs!, 100);
});

test('children that outlive the parent (async) or start before it (clock skew) are clipped', () => {
  const t = aggregate(table([
    { id: 'r', name: 'root', start: 100, dur: 50 },
    { id: 'a', parent: 'r', name: 'async', start: 130, dur: 500 }, // clipped to 130..150
    { id: 'k', parent: 'r', name: 'skewed', start: 40, dur: 70 }, // starts 60 ms early: clipped to 100..110
  ]));
  const r = find(t, 'root');
  close(r.stats.selfMs, 50 - 20 - 10);
  assert.ok(r.stats.selfMs >= 0);
  close(find(t, 'async').stats.selfMs, 500, 'the child keeps its own time');
  close(find(t, 'skewed').stats.totalMs, 70);
  // child fully covering the parent: self 0, not negative
  const t2 = aggregate(table([
    { id: 'r', name: 'root', start: 0, dur: 10 },
    { id: 'a', parent: 'r', name: 'a', start: -5, dur: 30 },
  ]));
  close(find(t2, 'root').stats.selfMs, 0);
});

test("a server span that ends after the client call it answers (its host's clock ahead of the caller's) is centred in the call, not clipped", () => {
  // call 10..20 (10 ms); the server's 8 ms appear at 17..25 on a clock 7 ms ahead: centred at 11..19, the call's own
  // time is 2 ms — clipped to 17..20 it would be 7 ms, and grow with the server's duration (a phantom queue)
  const mk = (o: { clientError?: boolean; kinds?: [SpanKind, SpanKind]; serverStart?: number }) =>
    aggregate(table([
      { id: 'r', name: 'root', service: 'web', kind: SpanKind.Server, start: 0, dur: 30 },
      { id: 'c', parent: 'r', name: 'call', service: 'web', kind: o.kinds?.[0] ?? SpanKind.Client, start: 10, dur: 10, error: o.clientError },
      { id: 's', parent: 'c', name: 'serve', service: 'api', kind: o.kinds?.[1] ?? SpanKind.Server, start: o.serverStart ?? 17, dur: 8 },
      { id: 'w', parent: 's', name: 'work', service: 'api', start: (o.serverStart ?? 17) + 1, dur: 6 },
    ]));
  close(find(mk({}), 'call').stats.selfMs, 2, 'centred');
  close(find(mk({ serverStart: 40 }), 'call').stats.selfMs, 2, 'starting after the call ended: centred too');
  // the subtree moves with it: the work stays inside the server span (self 2 ms)
  close(find(mk({}), 'serve').stats.selfMs, 2);
  // a failed call (a client that timed out stops waiting) and async kinds are left as they are: clipped
  close(find(mk({ clientError: true }), 'call').stats.selfMs, 7, 'failed call');
  close(find(mk({ kinds: [SpanKind.Producer, SpanKind.Consumer] }), 'call').stats.selfMs, 7, 'producer → consumer');
  close(find(mk({ kinds: [SpanKind.Internal, SpanKind.Internal] }), 'call').stats.selfMs, 7, 'no kinds');
});

test('call paths: same operation under different parents are different nodes; calls per trace; errors', () => {
  const spans: S[] = [];
  for (const tr of ['t1', 't2']) {
    spans.push({ trace: tr, id: tr + 'r', name: 'GET /', service: 'web', start: 0, dur: 100 });
    spans.push({ trace: tr, id: tr + 'a', parent: tr + 'r', name: 'auth', service: 'auth', start: 1, dur: 10 });
    spans.push({ trace: tr, id: tr + 'q1', parent: tr + 'a', name: 'SELECT', service: 'db', start: 2, dur: 2 });
    spans.push({ trace: tr, id: tr + 'q2', parent: tr + 'r', name: 'SELECT', service: 'db', start: 20, dur: 4, error: tr === 't2' });
    spans.push({ trace: tr, id: tr + 'q3', parent: tr + 'r', name: 'SELECT', service: 'db', start: 30, dur: 6 });
  }
  const t = aggregate(table(spans));
  assert.equal(t.traceCount, 2);
  const selects = t.nodes.filter((n) => n.name === 'SELECT');
  assert.equal(selects.length, 2);
  const underRoot = selects.find((n) => t.nodes[n.parent]!.name === 'GET /')!;
  assert.equal(underRoot.stats.calls, 4);
  assert.equal(underRoot.stats.callsPerTrace, 2);
  assert.equal(underRoot.stats.traces, 2);
  assert.equal(underRoot.stats.errors, 1);
  assert.equal(underRoot.stats.ownErrors, 1);
  close(underRoot.stats.p50Ms, 5);
  close(underRoot.stats.maxMs, 6);
  assert.equal(underRoot.depth, 2);
  assert.equal(t.nodes[0]!.children.length, 1);
});

test('exact percentiles (linear interpolation) for small n', () => {
  const spans: S[] = [];
  for (let i = 1; i <= 101; i++) spans.push({ trace: 't' + i, id: 's' + i, name: 'op', start: 0, dur: i });
  const n = find(aggregate(table(spans)), 'op');
  close(n.stats.p50Ms, 51);
  close(n.stats.p95Ms, 96);
  close(n.stats.p99Ms, 100);
});

test('orphans start their own (marked) path; missing parents do not crash; single trace', () => {
  const m = table([
    { id: 'r', name: 'root', start: 0, dur: 10 },
    { id: 'o', parent: 'gone', name: 'root', start: 2, dur: 3 },
    { id: 'c', parent: 'o', name: 'child', start: 2, dur: 1 },
  ]);
  const t = aggregate(m);
  const roots = t.nodes[0]!.children.map((c) => t.nodes[c]!);
  assert.equal(roots.length, 2, 'orphan root and real root with the same name are different paths');
  const orphan = roots.find((n) => n.orphan)!;
  assert.ok(orphan);
  assert.equal(t.nodes[orphan.children[0]!]!.name, 'child');
  assert.ok(t.nodes[orphan.children[0]!]!.orphan);
  close(t.meanTraceMs!, 10, 'latency is the real root, not the orphan');
  // a trace made only of orphans: latency = extent
  const t2 = aggregate(table([{ id: 'x', parent: 'p', name: 'lonely', start: 5, dur: 7 }, { id: 'y', parent: 'p', name: 'lonely', start: 6, dur: 8 }]));
  close(t2.meanTraceMs!, 9);
});

test('spans without timestamps keep their duration as self time', () => {
  const t = aggregate(table([
    { id: 'r', name: 'root', start: 0, dur: 10, noStart: true },
    { id: 'c', parent: 'r', name: 'c', start: 0, dur: 4, noStart: true },
  ]));
  close(find(t, 'root').stats.selfMs, 10);
});

test('traceFilter: set, predicate and mask select the same traces; per-trace values', () => {
  const spans: S[] = [];
  for (let i = 0; i < 6; i++) {
    spans.push({ trace: 't' + i, id: 'r' + i, name: 'root', start: i * 100, dur: 10 + i });
    spans.push({ trace: 't' + i, id: 'c' + i, parent: 'r' + i, name: 'c', start: i * 100 + 1, dur: 2 });
  }
  const m = table(spans);
  const ids = [...m.traces().keys()];
  const keep = new Set(ids.slice(0, 3));
  const a = aggregate(m, { traceFilter: keep });
  const b = aggregate(m, { traceFilter: (id) => keep.has(id) });
  assert.equal(a.traceCount, 3);
  assert.deepEqual(a, b);
  close(a.meanTraceMs!, 11);
  const d = aggregateDetailed(m);
  const root = d.tree.nodes.find((n) => n.name === 'root')!.id;
  const v = perTraceValues(d, [root], 'self').get(root)!;
  assert.deepEqual(Array.from(v).map((x) => Math.round(x)), [8, 9, 10, 11, 12, 13]);
});

test('per-trace values do not depend on the order of the spans: two traces with the same spans listed in another order tie exactly', () => {
  // one operation called three times per trace, 0.1 + 0.2 + 0.3 ms: summed in ms in row order, 0.1 + 0.2 + 0.3 and
  // 0.3 + 0.2 + 0.1 differ in the last bit — a tie a rank test must see was broken by the file's order
  const spans: S[] = [];
  for (const [t, order] of [['t1', [1, 2, 3]], ['t2', [3, 2, 1]]] as const) {
    spans.push({ trace: t, id: t + 'r', name: 'root', start: 0, dur: 10 });
    for (const k of order) spans.push({ trace: t, id: `${t}c${k}`, parent: t + 'r', name: 'q', start: k, dur: k / 10 });
  }
  const d = aggregateDetailed(table(spans));
  const q = d.tree.nodes.find((n) => n.name === 'q')!.id;
  for (const metric of ['self', 'total', 'critical'] as const) {
    const v = perTraceValues(d, [q], metric).get(q)!;
    assert.equal(v[0], v[1], `${metric}: ${v[0]} vs ${v[1]}`);
  }
  close(perTraceValues(d, [q], 'total').get(q)![0]!, 0.6);
});

test('property: self ≥ 0, self ≤ duration, Σ critical time = trace latency for well-nested trees', () => {
  fc.assert(
    fc.property(
      fc.array(fc.record({ parent: fc.nat(), off: fc.double({ min: 0, max: 1, noNaN: true }), len: fc.double({ min: 0, max: 1, noNaN: true }) }), { minLength: 1, maxLength: 30 }),
      (items) => {
        const spans: S[] = [{ id: 's0', name: 'root', start: 0, dur: 1000 }];
        const win: [number, number][] = [[0, 1000]];
        items.forEach((it, k) => {
          const p = it.parent % spans.length;
          const [ps, pe] = win[p]!;
          const s = ps + it.off * (pe - ps);
          const e = s + it.len * (pe - s);
          spans.push({ id: 's' + (k + 1), parent: 's' + p, name: 'op' + (k % 4), start: s, dur: e - s });
          win.push([s, e]);
        });
        const d = aggregateDetailed(table(spans));
        let crit = 0;
        for (let i = 0; i < d.model.size; i++) {
          assert.ok(d.selfNs[i]! >= 0);
          assert.ok(d.selfNs[i]! <= d.model.duration[i]! + 1e-6);
          crit += d.criticalNs[i]!;
        }
        assert.ok(Math.abs(crit / 1e6 - 1000) < 1e-3, `critical sum ${crit / 1e6}`);
      },
    ),
    { numRuns: 150, seed: 4 },
  );
});
