// Parent resolution in SpanTableBuilder.build(): per-trace grouping, linear scan for small traces, hashed for big ones.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { SpanTableBuilder } from '../../../../src/core/model/builder';

interface S {
  trace: number;
  id: number;
  parent: number; // 0 = none
}

function build(spans: S[]) {
  const b = new SpanTableBuilder();
  const r = b.addResource('svc', {});
  const sc = b.addScope('s');
  const hex = (n: number, len: number) => (n === 0 ? '' : n.toString(16).padStart(len, '0'));
  for (const s of spans) {
    b.addSpan({ traceId: hex(s.trace + 1, 32), spanId: hex(s.id, 16), parentSpanId: hex(s.parent, 16), name: 'x', kind: 0, statusCode: 0, start: [1, 0], resource: r, scope: sc });
  }
  return b.build();
}

/** the first row of the same trace with the wanted id */
function naive(spans: S[]): number[] {
  return spans.map((s, i) => {
    if (s.parent === 0) return -1;
    const p = spans.findIndex((o) => o.trace === s.trace && o.id === s.parent);
    return p === i ? -1 : p;
  });
}

const spansArb = (maxTraces: number, maxLen: number, idPool: number) =>
  fc.array(fc.record({ trace: fc.nat(maxTraces - 1), id: fc.integer({ min: 1, max: idPool }), parent: fc.nat(idPool) }), { minLength: maxLen / 4, maxLength: maxLen, size: 'max' });

test('property: parents equal a naive search when parents point at earlier spans (small and big traces, duplicate ids)', () => {
  fc.assert(
    fc.property(spansArb(3, 300, 120), (raw) => {
      // make every parent id refer to an id seen earlier in the same trace (or none) → no cycles possible
      const seen = new Map<number, number[]>();
      const spans = raw.map((s) => {
        const ids = seen.get(s.trace) ?? [];
        const parent = ids.length && s.parent % 4 !== 0 ? ids[s.parent % ids.length]! : s.parent % 7 === 0 ? 99_999 : 0;
        seen.set(s.trace, [...ids, s.id]);
        return { ...s, parent };
      });
      const m = build(spans);
      const want = naive(spans);
      assert.deepEqual(Array.from(m.parent), want);
      spans.forEach((s, i) => assert.equal(m.orphan[i], s.parent !== 0 && want[i] === -1 ? 1 : 0));
    }),
    { numRuns: 200 },
  );
});

test('property: arbitrary parent ids (cycles, self-parents) always give a forest with valid links', () => {
  fc.assert(
    fc.property(spansArb(2, 200, 40), (spans) => {
      const m = build(spans);
      for (let i = 0; i < m.size; i++) {
        let j = i;
        let steps = 0;
        while (j >= 0) {
          j = m.parent[j]!;
          assert.ok(++steps <= m.size, 'parent chain terminates');
        }
        const p = m.parent[i]!;
        if (p >= 0) {
          assert.equal(spans[p]!.trace, spans[i]!.trace);
          assert.equal(spans[p]!.id, spans[i]!.parent);
          assert.notEqual(p, i);
        } else if (spans[i]!.parent !== 0) assert.equal(m.orphan[i], 1);
      }
    }),
    { numRuns: 200 },
  );
});

test('a 3-cycle is broken at one span; the others keep their parents', () => {
  const m = build([
    { trace: 0, id: 1, parent: 3 },
    { trace: 0, id: 2, parent: 1 },
    { trace: 0, id: 3, parent: 2 },
  ]);
  assert.equal(Array.from(m.parent).filter((p) => p === -1).length, 1);
  assert.equal(Array.from(m.orphan).reduce((a, b) => a + b, 0), 1);
});

test('incremental builds: a model built earlier is unchanged when the builder goes on and builds again', () => {
  const b = new SpanTableBuilder();
  const r = b.addResource('svc', {});
  const sc = b.addScope('s');
  const add = (id: string, parent: string, name: string) => {
    b.addSpan({ traceId: 'ab'.repeat(16), spanId: id, parentSpanId: parent, name, kind: 0, statusCode: 0, start: [1, 0], durationNs: 5, resource: r, scope: sc });
    b.attr('k', name);
  };
  add('0000000000000001', '', 'root');
  add('0000000000000002', '0000000000000001', 'child');
  const m1 = b.build();
  const before = JSON.stringify([0, 1].map((i) => m1.toObject(i)));
  for (let i = 3; i < 3000; i++) add(i.toString(16).padStart(16, '0'), '0000000000000002', 'n' + i); // forces column growth
  const m2 = b.build();
  assert.equal(m1.size, 2);
  assert.equal(JSON.stringify([0, 1].map((i) => m1.toObject(i))), before);
  assert.equal(m1.attrOffset.length, 3);
  assert.equal(m2.size, 2999);
  assert.equal(m2.parent[2998], 1);
  assert.deepEqual(m2.attributes(2998), { k: 'n2999' });
  assert.deepEqual(m2.attributes(1), { k: 'child' });
});
