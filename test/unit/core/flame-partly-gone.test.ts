/**
 * Work partly gone in the differential flame graph (src/core/diff/flame-gone.ts `partlyGone*`, layoutFlame's `rest`):
 * a call both runs make, made fewer times per trace beyond chance and beyond its caller's own drop, gets a hatched
 * remainder right after its box in Diff mode, as wide as the baseline time of the calls no longer made. On hand-made
 * trees (the rule's edges) and on the real fault cases (test/fixtures/real-faults, Nezha, MIT). Every assertion on
 * `rest`, the remainder's words and culling/hit-testing of it failed on the code before (no remainder).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { toFlameData } from '../../../src/core/diff/flame-data';
import { buildFlameTree, cullVisible, hitTest, layoutFlame } from '../../../src/core/diff/flame-layout';
import { countPartlyGone, partlyGone, partlyGoneListItem, partlyGoneMs, partlyGoneText, partlyGoneUnder, PARTLY_GONE } from '../../../src/core/diff/flame-gone';
import { analyze } from '../../../src/core/rca/analyze';
import { loadTraces } from '../../../src/sources/file';
import type { NodeStats } from '../../../src/core/aggregate/types';
import { diffTreeFromRows, nodeStats } from '../../helpers/diff-tree';

const close = (a: number, b: number, msg?: string) => assert.ok(Math.abs(a - b) < 1e-9, `${a} ≈ ${b}${msg ? `: ${msg}` : ''}`);

/** `callsPerTrace` calls per trace over `traces` traces, `totalPerTrace` ms per trace in all. */
const calls = (totalPerTrace: number, selfPerTrace: number, traces: number, callsPerTrace: number): NodeStats => ({
  ...nodeStats(totalPerTrace, selfPerTrace, traces),
  calls: Math.round(callsPerTrace * traces),
  callsPerTrace,
});

/**
 * A checkout whose product lookups are now made 2 times per request instead of 4 (the page fails after the second);
 * each lookup's DB query goes with it (the same 1 per lookup); its cache read drops further (4 → 0.5 per trace).
 */
function fewerCalls(traces = 100) {
  const tree = diffTreeFromRows(
    [
      { service: '', name: 'all traces', parent: -1, baseline: nodeStats(80, 0, traces), incident: nodeStats(60, 0, traces), extra: { kind: 'root' } },
      { service: 'frontend', name: 'GET /product', parent: 0, baseline: nodeStats(80, 10, traces), incident: nodeStats(60, 10, traces) },
      { service: 'cart', name: 'GetCart', parent: 1, baseline: nodeStats(30, 30, traces), incident: nodeStats(30, 30, traces) },
      { service: 'catalog', name: 'GetProduct', parent: 1, baseline: calls(40, 8, traces, 4), incident: calls(20, 4, traces, 2) },
      { service: 'catalog', name: 'SELECT product', parent: 3, baseline: calls(24, 24, traces, 4), incident: calls(12, 12, traces, 2) },
      { service: 'catalog', name: 'cache get', parent: 3, baseline: calls(8, 8, traces, 4), incident: calls(1, 1, traces, 0.5) },
    ],
    { baseline: traces, incident: traces },
  );
  const data = toFlameData(tree);
  return { data, tree: buildFlameTree(data) };
}

test('the rule: the baseline time of the calls no longer made, only where the drop happens (not where the caller explains it)', () => {
  const { data } = fewerCalls();
  assert.deepEqual([...Array(data.n).keys()].map((i) => data.strings[data.name[i]!]), ['all traces', 'GET /product', 'GetCart', 'GetProduct', 'SELECT product', 'cache get']);
  const ms = partlyGoneMs(data);
  // GetProduct: 4 → 2 per trace at 10 ms per call → 2 calls × 10 ms = 20 ms per trace of baseline time
  close(ms[3]!, 20);
  // its query: 4 → 2 per trace, as its caller: the caller's remainder holds it already
  close(ms[4]!, 0);
  // the cache read: 4 → 0.5 per trace; its caller's drop explains 4 → 2; the other 1.5 calls × 2 ms = 3 ms are its own
  close(ms[5]!, 3);
  const f = partlyGone(data, 5)!;
  close(f.callerRatio, 0.5);
  close(f.expectedCalls, 2);
  assert.ok(f.p < PARTLY_GONE.alpha);
  // unchanged calls, the root and the entry point: none
  for (const i of [0, 1, 2]) assert.equal(ms[i], 0, `node ${i}`);
  assert.equal(countPartlyGone(ms), 2);
  // one run: nothing to compare
  assert.equal(countPartlyGone(partlyGoneMs({ ...data, kind: 'single' })), 0);
});

test("the rule's edges: a small drop, too few traces, a call gone entirely, a caller made more often", () => {
  const row = (b: NodeStats, i: NodeStats | null, parent: { b: NodeStats; i: NodeStats } | null, traces: number) => {
    const t = diffTreeFromRows(
      [
        { service: '', name: 'all traces', parent: -1, baseline: nodeStats(50, 0, traces), incident: nodeStats(50, 0, traces), extra: { kind: 'root' } },
        { service: 'a', name: 'caller', parent: 0, baseline: parent?.b ?? nodeStats(50, 10, traces), incident: parent?.i ?? nodeStats(50, 10, traces) },
        { service: 'b', name: 'callee', parent: 1, baseline: b, incident: i },
      ],
      { baseline: traces, incident: traces },
    );
    const data = toFlameData(t);
    return partlyGoneMs(data)[2]!;
  };
  // 4.0 → 3.8 per trace: 5 %, below the 10 % that counts (even over 10,000 traces, where it is significant)
  assert.equal(row(calls(40, 40, 10_000, 4), calls(38, 38, 10_000, 3.8), null, 10_000), 0);
  // 4 → 2 per trace over 10 traces: p = P(X ≤ 20 | 60, ½) ≈ 0.005, not below 0.001
  assert.equal(row(calls(40, 40, 10, 4), calls(20, 20, 10, 2), null, 10), 0);
  // the same over 100 traces: drawn
  close(row(calls(40, 40, 100, 4), calls(20, 20, 100, 2), null, 100), 20);
  // gone entirely: the gone rule draws it whole, not this one
  assert.equal(row(calls(40, 40, 100, 4), null, null, 100), 0);
  // its caller is made twice as often, each making half the calls: the same calls per trace, nothing vanished
  assert.equal(row(calls(40, 40, 100, 4), calls(40, 40, 100, 4), { b: calls(50, 10, 100, 1), i: calls(50, 10, 100, 2) }, 100), 0);
});

test("diff layout: the remainder follows its box, and the caller's calls are scaled together with it; other modes have none", () => {
  const { data, tree } = fewerCalls();
  const diff = layoutFlame(tree, data, 'diff');
  // GET /product's 60 ms hold GetCart 30 + GetProduct 20 + its remainder 20 = 70 → all × 60/70
  close(diff.x0[2]!, 0);
  close(diff.x1[2]!, 30 / 70);
  close(diff.x0[3]!, 30 / 70);
  close(diff.x1[3]!, 50 / 70);
  close(diff.rest[3]!, 20 / 70);
  // the children of GetProduct stay inside its box (the calls still made): SELECT 12 + cache 1 + its remainder 3 of 20
  const box = diff.x1[3]! - diff.x0[3]!;
  close(diff.x0[4]!, diff.x0[3]!);
  close(diff.x1[4]! - diff.x0[4]!, (box * 12) / 20);
  close(diff.rest[5]!, (box * 3) / 20);
  assert.ok(diff.x1[5]! + diff.rest[5]! <= diff.x1[3]! + 1e-12, 'inside its caller');
  assert.equal(diff.rest[4], 0);
  // incident and baseline modes: widths of their own run, no remainder
  for (const m of ['incident', 'baseline'] as const) assert.deepEqual(Array.from(layoutFlame(tree, data, m).rest), [0, 0, 0, 0, 0, 0], m);
  close(layoutFlame(tree, data, 'incident').x1[3]! - layoutFlame(tree, data, 'incident').x0[3]!, 20 / 60);
  // an older caller without call counts: the old layout
  assert.deepEqual(Array.from(layoutFlame(tree, { bTotal: data.bTotal, iTotal: data.iTotal, flags: data.flags, kind: 'diff' }, 'diff').rest), [0, 0, 0, 0, 0, 0]);
});

test('culling keeps a narrow box with a wide remainder; hit-testing the remainder selects its box', () => {
  // 100 ms per trace of lookups before, 1 of 100 calls left (and slower): a 2 ms box with a 99 ms remainder
  const traces = 100;
  const t = diffTreeFromRows(
    [
      { service: '', name: 'all traces', parent: -1, baseline: nodeStats(200, 0, traces), incident: nodeStats(200, 0, traces), extra: { kind: 'root' } },
      { service: 'a', name: 'page', parent: 0, baseline: nodeStats(200, 100, traces), incident: nodeStats(200, 198, traces) },
      { service: 'b', name: 'lookup', parent: 1, baseline: calls(100, 100, traces, 1), incident: calls(2, 2, traces, 0.01) },
    ],
    { baseline: traces, incident: traces },
  );
  const data = toFlameData(t);
  const tree = buildFlameTree(data);
  const l = layoutFlame(tree, data, 'diff');
  const px = 100; // the box: 2 of 200 ms → 1 px at 100 px; its remainder 99 ms → ~50 px
  assert.ok((l.x1[2]! - l.x0[2]!) * px < 1.5);
  assert.ok(l.rest[2]! * px > 40);
  const r = cullVisible(tree, l, { v0: 0, v1: 1 }, px, 2);
  assert.ok([...r.ids.subarray(0, r.count)].includes(2), 'drawn for its remainder');
  // a drawn-rects record as the renderer keeps it: the remainder after the box, on its row
  const x = l.x0[2]! * px;
  const w = (l.x1[2]! - l.x0[2]!) * px;
  const rects = { ids: Int32Array.of(0, 1, 2), x: Float32Array.of(0, 0, x), y: Float32Array.of(0, 18, 36), w: Float32Array.of(px, px, w), tx: Float32Array.of(0, 0, x + w), tw: Float32Array.of(0, 0, l.rest[2]! * px), count: 3 };
  assert.equal(hitTest(rects, 17, x + w + 20, 40), 2);
  assert.equal(hitTest({ ...rects, tx: undefined, tw: undefined }, 17, x + w + 20, 40), -1, 'before: nothing there');
});

test('the words: the box, the calls below a caller, a list item', () => {
  const { data, tree } = fewerCalls();
  assert.equal(
    partlyGoneText(data, 3),
    'Made fewer times in the incident: 4.00 → 2.00 calls per trace (p < 0.001). The 2.00 calls per trace no longer made took 20 ms per trace in the baseline (10 ms per call): drawn hatched after the box.',
  );
  assert.equal(
    partlyGoneText(data, 5, false),
    'Made fewer times in the incident: 4.00 → 0.50 calls per trace (p < 0.001); its caller is made 50 % as often as in the baseline, which accounts for 2.00 of them. The 1.50 calls per trace no longer made took 3 ms per trace in the baseline (2 ms per call): drawn hatched after the box in Diff mode.',
  );
  assert.equal(partlyGoneText(data, 4), null);
  assert.equal(partlyGoneText(data, 2), null);
  assert.deepEqual(partlyGoneUnder(data, tree, 1), [3, 5]);
  assert.deepEqual(partlyGoneUnder(data, tree, 3), [5]);
  assert.equal(partlyGoneListItem(data, 3), 'catalog · GetProduct — 4.00 → 2.00 calls per trace');
});

const RF = join(process.cwd(), 'test', 'fixtures', 'real-faults');

test('real cases: OnlineBoutique frontend returning early — its calls made fewer times get remainders; the other OnlineBoutique faults none', async () => {
  const index = JSON.parse(readFileSync(join(RF, 'index.json'), 'utf8')) as Array<{ id: string; baseline: string; incident: string }>;
  const baselines = new Map<string, Awaited<ReturnType<typeof loadTraces>>>();
  const load = async (c: { baseline: string; incident: string }) => {
    if (!baselines.has(c.baseline)) baselines.set(c.baseline, await loadTraces(join(RF, c.baseline)));
    const a = analyze(baselines.get(c.baseline)!.model, (await loadTraces(join(RF, c.incident))).model);
    const data = toFlameData(a.diff, a.diagnosis);
    return { a, data, tree: buildFlameTree(data) };
  };
  const ret = await load(index.find((c) => c.id === 'ob-return-frontend-0822-0402')!);
  const { data, tree } = ret;
  const ms = partlyGoneMs(data);
  const name = (k: number) => `${data.strings[data.service[k]!]}/${data.strings[data.name[k]!]}`;
  const withRest = [...ms.keys()].filter((k) => ms[k]! > 0);
  const names = withRest.map(name);
  // the requests that fail fast skip product lookups (4.49 → 1.76 per request), currency calls, ads, recommendations, the cart
  for (const n of ['frontend/hipstershop.ProductCatalogService/GetProduct', 'frontend/hipstershop.CurrencyService/Convert', 'frontend/hipstershop.AdService/GetAds'])
    assert.ok(names.includes(n), `${n} among ${names.join(', ')}`);
  const gp = withRest[names.indexOf('frontend/hipstershop.ProductCatalogService/GetProduct')]!;
  assert.match(partlyGoneText(data, gp)!, /^Made fewer times in the incident: 4\.49 → 1\.76 calls per trace \(p < 0\.001\)\. The 2\.7\d calls per trace no longer made took 1\d ms per trace in the baseline/);
  // their callees fall with them: no remainder of their own (the caller's remainder holds their time)
  for (const k of withRest) for (let c = k + 1; c < tree.end[k]!; c++) assert.equal(ms[c], 0, `${name(c)} under ${name(k)}`);
  const diff = layoutFlame(tree, data, 'diff');
  assert.ok(diff.rest[gp]! > 0.02, `GetProduct's remainder: ${diff.rest[gp]}`);
  assert.equal(layoutFlame(tree, data, 'incident').rest[gp], 0);
  // the root cause (stopped work at frontend) lists them
  const rc = ret.a.diagnosis.rootCause!;
  const rcNode = [...Array(data.n).keys()].find((k) => data.strings[data.service[k]!] === rc.service && data.strings[data.name[k]!] === rc.name)!;
  assert.ok(partlyGoneUnder(data, tree, rcNode).includes(gp));
  // the other OnlineBoutique faults (CPU, network delay, exception): the same requests make the same calls — none
  for (const c of index.filter((x) => x.id.startsWith('ob-') && x.id !== 'ob-return-frontend-0822-0402')) {
    const o = await load(c);
    assert.equal(countPartlyGone(partlyGoneMs(o.data)), 0, c.id);
  }
});
