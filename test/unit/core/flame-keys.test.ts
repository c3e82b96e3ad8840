/**
 * Keyboard models of the sandwich view and the minimap (src/core/diff/flame-keys.ts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { NodeStats } from '../../../src/core/aggregate/types';
import { toFlameData } from '../../../src/core/diff/flame-data';
import { buildFlameTree, layoutFlame } from '../../../src/core/diff/flame-layout';
import { minimapKey, minimapValueText, navigateSandwich, normalizePos, sandwichRow, viewToShow, type SandwichPos } from '../../../src/core/diff/flame-keys';
import { buildSandwich } from '../../../src/core/diff/flame-sandwich';
import type { DiffNode, DiffTree } from '../../../src/core/diff/types';
import type { FlameData } from '../../../src/protocol/messages';

const st = (total: number): NodeStats => ({ calls: 1, traces: 1, callsPerTrace: 1, totalMs: total, selfMs: total, totalPerTraceMs: total, selfPerTraceMs: total, p50Ms: total, p95Ms: total, p99Ms: total, maxMs: total, errors: 0 });
function tree(rows: Array<[string, number, number]>): DiffTree {
  const nodes: DiffNode[] = rows.map(([label, parent, t], id) => {
    const [service, name] = label.split('/') as [string, string];
    return { id, parent, depth: 0, service, name, kind: 'internal', children: [], baseline: st(t), incident: st(t), deltaSelfMs: 0, deltaTotalMs: 0, significance: 0 };
  });
  for (const n of nodes) if (n.parent >= 0) nodes[n.parent]!.children.push(n.id);
  for (const n of nodes) n.depth = n.parent < 0 ? 0 : nodes[n.parent]!.depth + 1;
  return { nodes, baselineTraces: 1, incidentTraces: 1 };
}
const label = (d: FlameData, i: number) => `${d.strings[d.service[i]!]}/${d.strings[d.name[i]!]}`;

/**
 * gw/root ─┬─ api/A (60) ── db/q (40) ─┬─ db/io (30)
 *          │                           └─ db/lock (5)
 *          └─ api/B (30) ── db/q (20) ── db/io (10)
 * Sandwich of db/q: callers api/A (40) and api/B (20) above, each with gw/root above it; callees io (40), lock (5).
 */
function model() {
  const data = toFlameData(tree([
    ['gw/root', -1, 100],
    ['api/A', 0, 60],
    ['db/q', 1, 40],
    ['db/io', 2, 30],
    ['db/lock', 2, 5],
    ['api/B', 0, 30],
    ['db/q', 5, 20],
    ['db/io', 6, 10],
  ]), null);
  const t = buildFlameTree(data);
  let q = -1;
  for (let i = 0; i < data.n; i++) if (label(data, i) === 'db/q') { q = i; break; }
  const s = buildSandwich(data, t, q);
  const callersTree = buildFlameTree(s.callers);
  const calleesTree = buildFlameTree(s.callees);
  const nav = { callersTree, callersLayout: layoutFlame(callersTree, s.callers, 'incident'), calleesTree, calleesLayout: layoutFlame(calleesTree, s.callees, 'incident') };
  const name = (p: SandwichPos) => `${p.half}:${label(p.half === 'callers' ? s.callers : s.callees, p.id)}`;
  return { s, nav, name };
}

test('sandwich arrows: ↑ climbs the callers drawn above, ↓ comes back through the middle row into the callees; ←/→ along a row', () => {
  const { nav, name } = model();
  const mid: SandwichPos = { half: 'callees', id: 0 };
  const up = navigateSandwich(nav, mid, 'up');
  assert.equal(name(up), 'callers:api/A', 'the widest direct caller');
  const up2 = navigateSandwich(nav, up, 'up');
  assert.equal(name(up2), 'callers:gw/root');
  assert.deepEqual(navigateSandwich(nav, up2, 'up'), up2, 'nothing above the top: stays');
  assert.deepEqual(navigateSandwich(nav, up2, 'down'), up);
  assert.deepEqual(navigateSandwich(nav, up, 'down'), mid, 'back to the middle row (one box for both halves)');
  const right = navigateSandwich(nav, up, 'right');
  assert.equal(name(right), 'callers:api/B', 'the other caller on the same row');
  assert.deepEqual(navigateSandwich(nav, right, 'left'), up);
  const down = navigateSandwich(nav, mid, 'down');
  assert.equal(name(down), 'callees:db/io', 'the widest callee');
  assert.equal(name(navigateSandwich(nav, down, 'right')), 'callees:db/lock');
  assert.deepEqual(navigateSandwich(nav, down, 'up'), mid);
  assert.deepEqual(navigateSandwich(nav, down, 'down'), down, 'a leaf: stays');
  // the callers' node 0 is the middle row too
  assert.deepEqual(normalizePos({ half: 'callers', id: 0 }), mid);
  assert.deepEqual(navigateSandwich(nav, { half: 'callers', id: 0 }, 'down'), down);
  // out of range: back to the middle
  assert.deepEqual(navigateSandwich(nav, { half: 'callers', id: 999 }, 'up'), mid);
});

test('sandwich rows: callers above the middle row, callees below (the canvas row the view scrolls to)', () => {
  const { nav } = model();
  const middle = nav.callersTree.maxDepth;
  assert.equal(middle, 2);
  assert.equal(sandwichRow(nav, { half: 'callees', id: 0 }), middle);
  const a = navigateSandwich(nav, { half: 'callees', id: 0 }, 'up');
  assert.equal(sandwichRow(nav, a), middle - 1);
  assert.equal(sandwichRow(nav, navigateSandwich(nav, a, 'up')), 0);
  assert.equal(sandwichRow(nav, navigateSandwich(nav, { half: 'callees', id: 0 }, 'down')), middle + 1);
});

test('viewToShow: a box in view stays put; off-screen or too narrow boxes are brought in', () => {
  const v = { v0: 0.2, v1: 0.4 };
  assert.equal(viewToShow(v, 0.25, 0.3, 1000), v);
  const panned = viewToShow(v, 0.7, 0.75, 1000);
  assert.ok(Math.abs(panned.v1 - panned.v0 - 0.2) < 1e-12, 'same zoom');
  assert.ok(panned.v0 <= 0.7 && panned.v1 >= 0.75);
  const narrow = viewToShow({ v0: 0, v1: 1 }, 0.5, 0.5005, 1000);
  assert.ok(narrow.v1 - narrow.v0 < 0.01 && narrow.v0 <= 0.5 && narrow.v1 >= 0.5005, JSON.stringify(narrow));
  const wide = viewToShow(v, 0, 1, 1000);
  assert.deepEqual(wide, { v0: 0, v1: 1 });
});

test('minimap keys: pan, page, edges, scroll rows, zoom around the centre, clamped; other keys are not its', () => {
  const s = { view: { v0: 0.4, v1: 0.6 }, scrollTop: 36, viewportH: 180, contentH: 900, rowH: 18 };
  const close = (a: number, b: number) => assert.ok(Math.abs(a - b) < 1e-9, `${a} vs ${b}`);
  const r = minimapKey('ArrowRight', false, s)!;
  close(r.view.v0, 0.42);
  close(r.view.v1, 0.62);
  assert.equal(r.scrollTop, 36);
  close(minimapKey('ArrowLeft', true, s)!.view.v0, 0.3);
  close(minimapKey('PageDown', false, s)!.view.v0, 0.6);
  close(minimapKey('PageUp', false, s)!.view.v0, 0.2);
  const home = minimapKey('Home', false, s)!.view;
  close(home.v0, 0);
  close(home.v1, 0.2);
  const end = minimapKey('End', false, s)!.view;
  close(end.v0, 0.8);
  close(end.v1, 1);
  assert.equal(minimapKey('ArrowDown', false, s)!.scrollTop, 54);
  assert.equal(minimapKey('ArrowUp', false, s)!.scrollTop, 18);
  assert.equal(minimapKey('ArrowUp', true, s)!.scrollTop, 0, 'clamped at the top');
  assert.equal(minimapKey('ArrowDown', true, { ...s, scrollTop: 700 })!.scrollTop, 720, 'clamped at the bottom');
  const zin = minimapKey('+', false, s)!.view;
  close(zin.v0, 0.45);
  close(zin.v1, 0.55);
  const zout = minimapKey('-', false, s)!.view;
  close(zout.v0, 0.3);
  close(zout.v1, 0.7);
  assert.deepEqual(minimapKey('-', false, { ...s, view: { v0: 0.1, v1: 0.9 } })!.view, { v0: 0, v1: 1 }, 'never wider than the graph');
  assert.deepEqual(minimapKey('0', false, s)!.view, { v0: 0, v1: 1 });
  assert.equal(minimapKey('Enter', false, s), null);
  assert.equal(minimapKey('a', false, s), null);
  assert.equal(minimapValueText(s), '40 % to 60 % of the width, rows 3 to 12 of 50');
  assert.equal(minimapValueText({ ...s, view: { v0: 0, v1: 1 }, scrollTop: 0 }), 'the whole width, rows 1 to 10 of 50');
});
