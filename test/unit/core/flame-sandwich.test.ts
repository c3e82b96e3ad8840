/**
 * Sandwich merge (issue 13 item 13): callers above and callees below an operation, merged over all its call paths.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { toFlameData } from '../../../src/core/diff/flame-data';
import { buildFlameTree, layoutFlame } from '../../../src/core/diff/flame-layout';
import { buildSandwich } from '../../../src/core/diff/flame-sandwich';
import type { DiffNode, DiffTree } from '../../../src/core/diff/types';
import { FlameFlag, isFlameData, type FlameData } from '../../../src/protocol/messages';
import { syntheticDiffTree } from '../../fixtures/flame/known-tree';
import { diffTreeFromRows, nodeStats } from '../../helpers/diff-tree';


/** [service, name, parent, baseline total, incident total, self b, self i] */
type Row = [string, string, number, number, number, number, number, Partial<DiffNode>?];
function tree(rows: Row[]): DiffTree {
  return diffTreeFromRows(rows.map(([service, name, parent, bt, it, bs, is, extra]) => ({ service, name, parent, baseline: nodeStats(bt, bs), incident: nodeStats(it, is), ...(extra ? { extra } : {}) })));
}

/**
 * root
 * ├─ api/A ── db/query (10→40)  ── db/io
 * ├─ api/B ── db/query (5→5)
 * └─ api/C ── cache/get ── db/query (2→2) ── db/query (1→1)   (recursion: nested occurrence)
 */
const ROWS: Row[] = [
  /* 0 */ ['gw', 'root', -1, 100, 130, 10, 10],
  /* 1 */ ['api', 'A', 0, 40, 70, 30, 30],
  /* 2 */ ['db', 'query', 1, 10, 40, 7, 37, { source: { file: 'db.py', line: 7 } }],
  /* 3 */ ['db', 'io', 2, 3, 3, 3, 3],
  /* 4 */ ['api', 'B', 0, 20, 20, 15, 15],
  /* 5 */ ['db', 'query', 4, 5, 5, 5, 5],
  /* 6 */ ['api', 'C', 0, 30, 30, 20, 20, { source: { file: 'c.py', line: 3 } }],
  /* 7 */ ['cache', 'get', 6, 10, 10, 8, 8],
  /* 8 */ ['db', 'query', 7, 2, 2, 1, 1],
  /* 9 */ ['db', 'query', 8, 1, 1, 1, 1],
];

/** The synthetic tree with operations repeated on many call paths (and nested in themselves). */
function repeated(size: number, seed: number, ops = 5, services = 3): DiffTree {
  const dt = syntheticDiffTree(size, seed);
  for (const n of dt.nodes) {
    if (n.id === 0) continue;
    n.name = `op-${n.id % ops}`;
    n.service = `svc-${n.id % services}`;
  }
  return dt;
}

const label = (d: FlameData, i: number) => `${d.strings[d.service[i]!]}/${d.strings[d.name[i]!]}`;
const find = (d: FlameData, l: string) => {
  for (let i = 0; i < d.n; i++) if (label(d, i) === l) return i;
  return -1;
};
const kids = (d: FlameData, i: number) => {
  const out: string[] = [];
  for (let c = 0; c < d.n; c++) if (d.parent[c] === i) out.push(label(d, c));
  return out;
};

test('callers above and callees below, merged over every call path; nested recursion counted once at the top', () => {
  const data = toFlameData(tree(ROWS), null);
  const t = buildFlameTree(data);
  const q = find(data, 'db/query');
  const s = buildSandwich(data, t, q);
  assert.equal(s.occurrences, 4);
  assert.equal(s.outermost, 3);
  for (const d of [s.callers, s.callees]) {
    assert.ok(isFlameData(d));
    buildFlameTree(d); // valid pre-order
    assert.equal(label(d, 0), 'db/query');
    // the middle row: the three outermost occurrences summed (10+5+2 baseline, 40+5+2 incident)
    assert.equal(d.bTotal[0], 17);
    assert.equal(d.iTotal[0], 47);
  }
  // callees: io from path A, the recursive query from path C (one merged node each)
  assert.deepEqual(kids(s.callees, 0).sort(), ['db/io', 'db/query']);
  const rec = find(s.callees, 'db/query') === 0 ? kids(s.callees, 0).indexOf('db/query') : -1;
  assert.ok(rec >= 0);
  // callers: A, B and cache/get; above cache/get is C; everything ends at the root
  assert.deepEqual(kids(s.callers, 0).sort(), ['api/A', 'api/B', 'cache/get']);
  const a = find(s.callers, 'api/A');
  const cache = find(s.callers, 'cache/get');
  assert.deepEqual(kids(s.callers, a), ['gw/root']);
  assert.deepEqual(kids(s.callers, cache), ['api/C']);
  // a caller's times are the operation's through it: A carries query's 10 → 40 ms and its +30 ms as the colour delta
  assert.equal(s.callers.bTotal[a], 10);
  assert.equal(s.callers.iTotal[a], 40);
  assert.equal(s.callers.deltaSelf[a], 30);
  // the root above all three paths carries the whole 17 → 47
  const roots: number[] = [];
  for (let i = 0; i < s.callers.n; i++) if (label(s.callers, i) === 'gw/root') roots.push(i);
  assert.equal(roots.reduce((x, i) => x + s.callers.iTotal[i]!, 0), 47);
  // the caller keeps its own source link (double-click opens the caller's line)
  const c = find(s.callers, 'api/C');
  assert.equal(s.callers.strings[s.callers.srcFile[c]!], 'c.py');
  assert.equal(s.callers.srcLine[c], 3);
  // percentiles of merged nodes are unknown, of single ones kept
  assert.ok(Number.isNaN(s.callees.iP95[0]!));
  assert.equal(s.callees.iP95[find(s.callees, 'db/io')], 3);
  // widths in the sandwich: the callers' row below the top sums to the middle row
  const lay = layoutFlame(buildFlameTree(s.callers), s.callers, 'incident');
  const sum = kids(s.callers, 0).map((l) => find(s.callers, l)).reduce((x, i) => x + (lay.x1[i]! - lay.x0[i]!), 0);
  assert.ok(Math.abs(sum - 1) < 1e-9);
});

test('root cause flags travel: a caller that is the root cause stays marked; presence follows the operation', () => {
  const rows = ROWS.map((r) => [...r] as Row);
  rows[1]![7] = { rootCause: true };
  const data = toFlameData(tree(rows), null);
  const s = buildSandwich(data, buildFlameTree(data), find(data, 'db/query'));
  assert.ok(s.callers.flags[find(s.callers, 'api/A')]! & FlameFlag.RootCause);
  assert.ok(!(s.callers.flags[find(s.callers, 'api/B')]! & FlameFlag.RootCause));
  assert.ok(s.callers.flags[find(s.callers, 'api/B')]! & FlameFlag.Incident);
});

test('the sandwich of the root is the whole graph below and nothing above', () => {
  const data = toFlameData(tree(ROWS), null);
  const s = buildSandwich(data, buildFlameTree(data), 0);
  assert.equal(s.callers.n, 1);
  assert.equal(s.callees.n, data.n); // no two siblings share an operation here: nothing merges
  assert.throws(() => buildSandwich(data, buildFlameTree(data), data.n), /not in the tree/);
});

test('property: merged totals equal the sums over outermost occurrences, for random trees and operations', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 1e6 }), fc.integer({ min: 2, max: 400 }), fc.nat(), (seed, size, pick) => {
      const data = toFlameData(repeated(size, seed), null);
      const t = buildFlameTree(data);
      const id = pick % data.n;
      const s = buildSandwich(data, t, id);
      let bt = 0;
      let it = 0;
      let until = -1;
      for (let i = 0; i < data.n; i++) {
        if (data.service[i] !== data.service[id] || data.name[i] !== data.name[id] || i < until) continue;
        until = t.end[i]!;
        bt += data.bTotal[i]!;
        it += data.iTotal[i]!;
      }
      const near = (a: number, b: number) => Math.abs(a - b) <= 1e-6 * Math.max(1, Math.abs(b));
      assert.ok(near(s.callees.bTotal[0]!, bt) && near(s.callees.iTotal[0]!, it));
      buildFlameTree(s.callers);
      buildFlameTree(s.callees);
      // every caller row's incident time sums to the middle row (each occurrence has exactly one ancestor chain)
      const depth = new Int32Array(s.callers.n);
      const perDepth = new Map<number, number>();
      for (let i = 1; i < s.callers.n; i++) {
        depth[i] = depth[s.callers.parent[i]!]! + 1;
        perDepth.set(depth[i]!, (perDepth.get(depth[i]!) ?? 0) + s.callers.iTotal[i]!);
      }
      if (id !== 0) assert.ok(near(perDepth.get(1) ?? 0, it), `first caller row ${perDepth.get(1)} vs ${it}`);
      // callees keep all the time below: the merged nodes' incident totals add up to the occurrences' subtrees
      let sub = 0;
      for (let c = 1; c < s.callees.n; c++) if (s.callees.parent[c] === 0) sub += s.callees.iTotal[c]!;
      let want = 0;
      until = -1;
      for (let i = 0; i < data.n; i++) {
        if (data.service[i] !== data.service[id] || data.name[i] !== data.name[id] || i < until) continue;
        until = t.end[i]!;
        for (let c = i + 1; c < t.end[i]!; c = t.end[c]!) want += data.iTotal[c]!;
      }
      assert.ok(near(sub, want));
    }),
    { numRuns: 60 },
  );
});

test('a 100k-node tree: the sandwich of a frequent operation is built quickly enough for a click', () => {
  const data = toFlameData(repeated(100_000, 7), null);
  const t = buildFlameTree(data);
  // the most frequent operation
  const count = new Map<string, number>();
  let best = 0;
  let bestN = 0;
  for (let i = 1; i < data.n; i++) {
    const k = `${data.service[i]}/${data.name[i]}`;
    const c = (count.get(k) ?? 0) + 1;
    count.set(k, c);
    if (c > bestN) {
      bestN = c;
      best = i;
    }
  }
  const s = buildSandwich(data, t, best);
  assert.equal(s.occurrences, bestN);
  assert.ok(s.callees.n >= 1 && s.callers.n >= 1);
});
