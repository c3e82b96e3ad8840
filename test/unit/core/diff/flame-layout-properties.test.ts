/**
 * Property-based tests of the flame graph's layout (src/core/diff/flame-layout.ts), the part of the webview that is
 * pure: random trees in pre-order with random, hostile weights (0, negative, NaN, Infinity, children wider than their
 * parent), random presence flags (work gone in the incident) and call counts (work partly gone).
 *
 * - buildFlameTree: depth and subtree end as a brute force computes them; anything not in pre-order is refused with
 *   an Error, never a crash or a wrong tree;
 * - layoutFlame, every mode: finite coordinates in [0, 1]; each box with its hatched remainder inside its parent's box;
 *   siblings never overlap; gone work only in diff mode; where no level overflows, a box's width is its weight over the
 *   root's (the graph is to scale);
 * - cullVisible: exactly the boxes that pass their own width and view test on the rows asked for (skipping a subtree
 *   loses nothing), in pre-order;
 * - zoomView: the zoomed box spans the canvas; navigate stays on the tree and on the same row for left/right.
 *
 * Seeded (TD_PROP_SEED overrides, TD_PROP_RUNS multiplies the runs); a failure prints the seed and the shrunk case.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { buildFlameTree, cullVisible, layoutFlame, navigate, toPx, zoomView, type FlameTree } from '../../../../src/core/diff/flame-layout';
import { FlameFlag, type FlameMode } from '../../../../src/protocol/messages';

const SEED = Number(process.env.TD_PROP_SEED ?? 20261207);
const RUNS = Number(process.env.TD_PROP_RUNS ?? 1);
const params = (numRuns: number) => ({ seed: SEED, numRuns: Math.max(1, Math.round(numRuns * RUNS)), endOnFailure: false });
const EPS = 1e-9;

/** a tree in pre-order: each node's parent is on the path from the root to the node before it */
const preOrderParents = fc.array(fc.nat(), { minLength: 0, maxLength: 120 }).map((picks) => {
  const parent = [-1];
  const path = [0];
  for (const k of picks) {
    // attach to an ancestor on the current path (k picks how far up), then the new node is the path's end
    const up = k % path.length;
    path.length = path.length - up;
    parent.push(path[path.length - 1]!);
    path.push(parent.length - 1);
  }
  return parent;
});

const weight = fc.oneof(
  { weight: 6, arbitrary: fc.double({ min: 0, max: 1000, noNaN: true }) },
  { weight: 1, arbitrary: fc.constantFrom(0, -5, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 1e-300, 1e300) },
);

const flameCase = preOrderParents.chain((parent) => {
  const n = parent.length;
  return fc.record({
    parent: fc.constant(parent),
    bTotal: fc.array(weight, { minLength: n, maxLength: n }),
    iTotal: fc.array(weight, { minLength: n, maxLength: n }),
    // presence bits: both, baseline only (gone in the incident), incident only (new)
    flags: fc.array(fc.constantFrom(FlameFlag.Baseline | FlameFlag.Incident, FlameFlag.Baseline, FlameFlag.Incident), { minLength: n, maxLength: n }),
    bCalls: fc.array(fc.nat({ max: 500 }), { minLength: n, maxLength: n }),
    iCalls: fc.array(fc.nat({ max: 500 }), { minLength: n, maxLength: n }),
    baselineTraces: fc.integer({ min: 1, max: 200 }),
    incidentTraces: fc.integer({ min: 1, max: 200 }),
    kind: fc.constantFrom('diff' as const, 'single' as const),
  });
});

/** depth and pre-order subtree end, the slow way */
function bruteTree(parent: number[]): { depth: number[]; end: number[] } {
  const n = parent.length;
  const depth = parent.map((_, i) => {
    let d = 0;
    for (let a = parent[i]!; a >= 0; a = parent[a]!) d++;
    return d;
  });
  const isAncestor = (a: number, i: number) => {
    for (let x = parent[i]!; x >= 0; x = parent[x]!) if (x === a) return true;
    return false;
  };
  const end = parent.map((_, a) => {
    let e = a + 1;
    while (e < n && isAncestor(a, e)) e++;
    return e;
  });
  return { depth, end };
}

const children = (tree: FlameTree, id: number) => {
  const out: number[] = [];
  for (let c = id + 1; c < tree.end[id]!; c = tree.end[c]!) out.push(c);
  return out;
};

test('property: buildFlameTree gives the depths and subtree ends of a brute force, and refuses what is not in pre-order', () => {
  fc.assert(
    fc.property(preOrderParents, (parent) => {
      const t = buildFlameTree({ n: parent.length, parent });
      const b = bruteTree(parent);
      assert.deepEqual([...t.depth], b.depth);
      assert.deepEqual([...t.end], b.end);
      assert.equal(t.maxDepth, Math.max(0, ...b.depth));
    }),
    params(300),
  );
  // any parent array: a tree in pre-order is accepted, anything else throws an Error (never a RangeError or a hang)
  fc.assert(
    fc.property(fc.array(fc.integer({ min: -3, max: 40 }), { minLength: 0, maxLength: 40 }), (parent) => {
      let ok: FlameTree | null = null;
      try {
        ok = buildFlameTree({ n: parent.length, parent });
      } catch (e) {
        assert.ok(e instanceof Error && /^flame data: /.test(e.message), String(e));
        return;
      }
      // accepted: then it is a pre-order tree (root first, each parent earlier and on the path)
      assert.ok(parent.length === 0 || parent[0] === -1);
      for (let i = 1; i < parent.length; i++) assert.ok(parent[i]! >= 0 && parent[i]! < i, `node ${i} parent ${parent[i]}`);
      assert.equal(ok.n, parent.length);
    }),
    params(500),
  );
  assert.throws(() => buildFlameTree({ n: 3, parent: [-1, 0] }), /2 parents for 3 nodes/);
});

test('property: the layout is to scale, nested and without overlaps, in every mode, on hostile weights', () => {
  fc.assert(
    fc.property(flameCase, fc.constantFrom<FlameMode>('diff', 'baseline', 'incident'), (c, mode) => {
      const n = c.parent.length;
      const tree = buildFlameTree({ n, parent: c.parent });
      const L = layoutFlame(tree, c, mode);
      for (let i = 0; i < n; i++) {
        for (const v of [L.x0[i]!, L.x1[i]!, L.rest[i]!, L.weight[i]!]) assert.ok(Number.isFinite(v), `node ${i}: ${v}`);
        assert.ok(L.x0[i]! >= -EPS && L.x1[i]! + L.rest[i]! <= 1 + EPS, `node ${i} outside [0, 1]: ${L.x0[i]} .. ${L.x1[i]} + ${L.rest[i]}`);
        assert.ok(L.x1[i]! >= L.x0[i]! - EPS && L.rest[i]! >= 0, `node ${i}: negative width`);
        const p = c.parent[i]!;
        if (p >= 0 && L.x1[i]! + L.rest[i]! > L.x0[i]!) {
          // a box and its hatched remainder lie inside the parent's box (not its remainder)
          assert.ok(L.x0[i]! >= L.x0[p]! - EPS && L.x1[i]! + L.rest[i]! <= L.x1[p]! + EPS, `node ${i} [${L.x0[i]}, ${L.x1[i]}+${L.rest[i]}] outside parent ${p} [${L.x0[p]}, ${L.x1[p]}]`);
        }
      }
      // siblings side by side
      for (let p = 0; p < n; p++) {
        const kids = children(tree, p).filter((k) => L.x1[k]! + L.rest[k]! - L.x0[k]! > EPS).sort((a, b) => L.x0[a]! - L.x0[b]!);
        for (let k = 1; k < kids.length; k++) {
          const a = kids[k - 1]!;
          const b = kids[k]!;
          assert.ok(L.x0[b]! >= L.x1[a]! + L.rest[a]! - EPS, `siblings ${a} and ${b} of ${p} overlap`);
        }
      }
      // gone work and remainders only in a two-run diff
      if (mode !== 'diff' || c.kind === 'single') {
        assert.ok(L.gone.every((g) => g === 0), 'gone work outside diff mode');
        assert.ok(L.rest.every((r) => r === 0), 'remainders outside diff mode');
      }
      if (mode === 'diff' && c.kind === 'diff') {
        // gone = baseline-only, or below a gone node
        for (let i = 0; i < n; i++) {
          const want = (c.flags[i]! & 3) === FlameFlag.Baseline || (c.parent[i]! >= 0 && L.gone[c.parent[i]!] === 1);
          assert.equal(L.gone[i], want ? 1 : 0, `node ${i}`);
        }
      }
    }),
    params(400),
  );
});

test('property: with no level overflowing, every box is its weight over the root\'s (the graph is to scale)', () => {
  // positive, finite weights where each parent is at least its children's sum: no scaling anywhere
  const scaled = preOrderParents.chain((parent) =>
    fc.array(fc.double({ min: 0.001, max: 100, noNaN: true }), { minLength: parent.length, maxLength: parent.length }).map((own) => {
      const total = [...own];
      for (let i = parent.length - 1; i > 0; i--) total[parent[i]!]! += total[i]!;
      return { parent, total };
    }),
  );
  fc.assert(
    fc.property(scaled, fc.constantFrom<FlameMode>('baseline', 'incident'), ({ parent, total }, mode) => {
      const tree = buildFlameTree({ n: parent.length, parent });
      const L = layoutFlame(tree, { bTotal: total, iTotal: total }, mode);
      for (let i = 0; i < parent.length; i++) {
        const want = total[i]! / total[0]!;
        assert.ok(Math.abs(L.x1[i]! - L.x0[i]! - want) <= 1e-9 * Math.max(1, want) + 1e-12, `node ${i}: width ${L.x1[i]! - L.x0[i]!}, weight share ${want}`);
      }
      // children start at their parent's left edge, in order
      for (let p = 0; p < parent.length; p++) {
        const kids = children(tree, p);
        if (kids.length) assert.ok(Math.abs(L.x0[kids[0]!]! - L.x0[p]!) < 1e-9);
      }
    }),
    params(300),
  );
});

test('property: culling keeps exactly the boxes wide enough and in view on the rows asked for, in pre-order; a zoomed box spans the canvas', () => {
  const view = fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true })).filter(([a, b]) => Math.abs(a - b) > 1e-6).map(([a, b]) => ({ v0: Math.min(a, b), v1: Math.max(a, b) }));
  fc.assert(
    fc.property(flameCase, view, fc.integer({ min: 50, max: 3000 }), fc.constantFrom(0, 0.5, 1, 3), fc.nat({ max: 8 }), fc.nat({ max: 8 }), (c, v, widthPx, minPx, r0, span) => {
      const n = c.parent.length;
      const tree = buildFlameTree({ n, parent: c.parent });
      const L = layoutFlame(tree, c, 'diff');
      const rows = { first: r0, last: r0 + span };
      const got = cullVisible(tree, L, v, widthPx, minPx, rows, new Int32Array(2));
      const ids = [...got.ids.subarray(0, got.count)];
      const minUnit = minPx / (widthPx / (v.v1 - v.v0));
      const passes = (i: number) => {
        const a = L.x0[i]!;
        const b = L.x1[i]! + L.rest[i]!;
        return !(b - a < minUnit || b <= v.v0 || a >= v.v1);
      };
      // brute force: the box passes, every ancestor passes, and its row is asked for
      const want: number[] = [];
      for (let i = 0; i < n; i++) {
        let ok = passes(i) && tree.depth[i]! >= rows.first && tree.depth[i]! <= rows.last;
        for (let a = c.parent[i]!; ok && a >= 0; a = c.parent[a]!) ok = passes(a);
        if (ok) want.push(i);
      }
      assert.deepEqual(ids, want);
      // and an ancestor failing never hides a box that passes on its own (children are never wider, never outside)
      for (let i = 0; i < n; i++) if (passes(i) && tree.depth[i]! >= rows.first && tree.depth[i]! <= rows.last) assert.ok(want.includes(i), `node ${i} passes but an ancestor was culled`);
      // zoom: the box's edges at the canvas' edges
      const id = n > 1 ? 1 + (r0 * 7919) % (n - 1) : 0;
      const z = zoomView(L, id);
      if (L.x1[id]! > L.x0[id]!) {
        assert.ok(Math.abs(toPx(L.x0[id]!, z, widthPx)) < 1e-6 && Math.abs(toPx(L.x1[id]!, z, widthPx) - widthPx) < 1e-6);
      } else assert.deepEqual(z, { v0: 0, v1: 1 });
    }),
    params(300),
  );
});

test('property: keyboard navigation stays on the tree: up is the parent, down a child with a width, left/right the same row', () => {
  fc.assert(
    fc.property(flameCase, fc.nat(), fc.constantFrom('up' as const, 'down' as const, 'left' as const, 'right' as const), (c, k, dir) => {
      const n = c.parent.length;
      const tree = buildFlameTree({ n, parent: c.parent });
      const L = layoutFlame(tree, c, 'incident');
      const id = k % n;
      const to = navigate(tree, L, id, dir);
      assert.ok(Number.isInteger(to) && to >= 0 && to < n);
      if (dir === 'up') assert.equal(to, c.parent[id]! >= 0 ? c.parent[id] : id);
      if (dir === 'down' && to !== id) assert.ok(c.parent[to] === id && L.x1[to]! > L.x0[to]!);
      if ((dir === 'left' || dir === 'right') && to !== id) {
        assert.equal(tree.depth[to], tree.depth[id]);
        assert.ok(dir === 'left' ? L.x1[to]! <= L.x0[id]! + 1e-12 : L.x0[to]! >= L.x1[id]! - 1e-12);
      }
      // out-of-range ids go to the root
      assert.equal(navigate(tree, L, n + 3, dir), 0);
    }),
    params(400),
  );
});
