/**
 * p50/p95 of merged flame-graph boxes (src/core/diff/flame-percentiles.ts): the sandwich merges an operation's call
 * paths; its percentiles come from the paths' summed latency histograms, never from averaging percentiles, and fall
 * back to the honest per-path range when a histogram is missing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { aggregate } from '../../../src/core/aggregate/tree';
import { diffTrees } from '../../../src/core/diff/diff-tree';
import { aggToFlameData, fitSketches, toFlameData } from '../../../src/core/diff/flame-data';
import { buildFlameTree } from '../../../src/core/diff/flame-layout';
import { mergedPercentiles, sidePercentiles } from '../../../src/core/diff/flame-percentiles';
import { buildSandwich, sourcesOf } from '../../../src/core/diff/flame-sandwich';
import { alphaOf, decodeSketch, sketchFromSorted } from '../../../src/core/stats/latency-sketch';
import type { FlameData } from '../../../src/protocol/messages';
import { table, type S } from '../../helpers/spans';
import { quantileSorted } from '../../../src/core/stats/index';

/** the exact quantile the aggregation uses (linear between the two nearest order statistics) */
const exact = (values: number[], q: number): number => quantileSorted(Float64Array.from(values).sort(), q);
const within = (est: number, ex: number, alpha: number, msg: string) => assert.ok(Math.abs(est - ex) <= alpha * ex + 1e-6, `${msg}: ${est} vs exact ${ex} (±${alpha})`);
const label = (d: FlameData, i: number) => `${d.strings[d.service[i]!]}/${d.strings[d.name[i]!]}`;
const find = (d: FlameData, l: string) => {
  for (let i = 0; i < d.n; i++) if (label(d, i) === l) return i;
  return -1;
};

/**
 * `db/query` on two call paths: under api/A it is fast and frequent (90 × 1–2 ms), under api/B rare and slow
 * (10 × 100–120 ms). The mean of the two p95s would be ~60 ms; over all 100 spans p95 is ~100 ms.
 */
function spans(slowB: number): { spans: S[]; a: number[]; b: number[] } {
  const out: S[] = [];
  const a: number[] = [];
  const b: number[] = [];
  for (let t = 0; t < 10; t++) {
    const tr = `t${t}`;
    out.push({ trace: tr, id: `${tr}r`, name: 'GET /', service: 'gw', start: 0, dur: 1000 });
    out.push({ trace: tr, id: `${tr}A`, parent: `${tr}r`, name: 'A', service: 'api', start: 1, dur: 400 });
    out.push({ trace: tr, id: `${tr}B`, parent: `${tr}r`, name: 'B', service: 'api', start: 500, dur: 400 });
    for (let k = 0; k < 9; k++) {
      const d = 1 + ((t * 9 + k) % 10) / 10;
      a.push(d);
      out.push({ trace: tr, id: `${tr}qa${k}`, parent: `${tr}A`, name: 'query', service: 'db', start: 2 + k * 3, dur: d });
    }
    const d = slowB + t * 2;
    b.push(d);
    out.push({ trace: tr, id: `${tr}qb`, parent: `${tr}B`, name: 'query', service: 'db', start: 501, dur: d });
  }
  return { spans: out, a, b };
}

test('aggregate → diff → flame data → sandwich: merged p50/p95 match the exact ones over all merged spans (±1 %)', () => {
  const base = spans(100);
  const inc = spans(300);
  const diff = diffTrees(aggregate(table(base.spans)), aggregate(table(inc.spans)));
  const data = toFlameData(diff, null);
  assert.ok(data.bSketch && data.iSketch, 'the flame data carries the histograms');
  const tree = buildFlameTree(data);
  const s = buildSandwich(data, tree, find(data, 'db/query'));
  // the middle row merges the two call paths
  const mid = sourcesOf(s.calleeSources, 0);
  assert.equal(mid.length, 2);
  const m = mergedPercentiles(data, mid);
  assert.equal(m.baseline.how, 'merged');
  assert.equal(m.incident.how, 'merged');
  assert.equal(m.incident.paths, 2);
  assert.equal(m.incident.alpha, alphaOf(0));
  within(m.baseline.p50, exact([...base.a, ...base.b], 0.5), 0.01, 'baseline p50');
  within(m.baseline.p95, exact([...base.a, ...base.b], 0.95), 0.01, 'baseline p95');
  within(m.incident.p95, exact([...inc.a, ...inc.b], 0.95), 0.01, 'incident p95');
  // …which averaging the per-path p95s would have missed by far
  const perPath = mid.map((i) => data.iP95[i]!);
  const mean = (perPath[0]! + perPath[1]!) / 2;
  assert.ok(Math.abs(mean - m.incident.p95) > 0.3 * m.incident.p95, `mean of p95s ${mean} vs merged ${m.incident.p95}`);
  // a callers-half node: the operation's spans through that path only (one path → its exact numbers)
  const viaB = find(s.callers, 'api/B');
  const pB = mergedPercentiles(data, sourcesOf(s.callerSources, viaB));
  assert.equal(pB.incident.how, 'exact');
  assert.equal(pB.incident.p95, data.iP95[sourcesOf(s.callerSources, viaB)[0]!]);
  // the callers half's middle row is the same merge as the callees'
  assert.deepEqual(sourcesOf(s.callerSources, 0).sort(), [...mid].sort());
  within(mergedPercentiles(data, sourcesOf(s.callerSources, 0)).incident.p50, exact([...inc.a, ...inc.b], 0.5), 0.01, 'callers middle p50');
  // single run (aggToFlameData) carries them too
  const single = aggToFlameData(aggregate(table(inc.spans)));
  assert.ok(single.iSketch?.some((x) => x.length > 0));
});

test('without histograms: the honest per-path range, never a made-up number; absent sides say none', () => {
  const data = {
    bP50: [0, 2, 30],
    bP95: [0, 4, 40],
    bCalls: [0, 90, 10],
    iP50: [0, 2, 0],
    iP95: [0, 5, 0],
    iCalls: [0, 90, 0],
  };
  const b = sidePercentiles(data, [1, 2], 'baseline');
  assert.equal(b.how, 'range');
  assert.ok(Number.isNaN(b.p95));
  assert.deepEqual(b.p95Range, [4, 40]);
  assert.deepEqual(b.p50Range, [2, 30]);
  // only one path has incident calls: its exact numbers
  const i = sidePercentiles(data, [1, 2], 'incident');
  assert.equal(i.how, 'exact');
  assert.equal(i.p95, 5);
  assert.equal(sidePercentiles(data, [2], 'incident').how, 'none');
  // one broken histogram among good ones: the range, not a merge of what is left
  const sk = (v: number[]) => sketchFromSorted(Float64Array.from(v).sort());
  const withSk = { ...data, bSketch: [[], sk([1, 2, 3]), [0, 0, 1, -5]] };
  assert.equal(sidePercentiles(withSk, [1, 2], 'baseline').how, 'range');
  const good = { ...data, bSketch: [[], sk([1, 2, 3]), sk([30, 40])] };
  assert.equal(sidePercentiles(good, [1, 2], 'baseline').how, 'merged');
  // the same node twice counts once
  assert.equal(sidePercentiles(good, [1, 1], 'baseline').how, 'exact');
});

test('a tree whose histograms are over the size budget gets them coarsened, then dropped', () => {
  const v = Array.from({ length: 400 }, (_, k) => 0.1 * 1.05 ** k);
  const enc = sketchFromSorted(Float64Array.from(v));
  const cols = [[enc, enc], [enc, []]];
  const total = enc.length * 3;
  assert.equal(fitSketches(cols, total), cols, 'fits: unchanged');
  const c = fitSketches(cols, Math.floor(total * 0.7))!;
  assert.ok(c);
  assert.ok(decodeSketch(c[0]![0])!.level >= 1);
  assert.deepEqual(c[1]![1], []);
  assert.equal(fitSketches(cols, 10), null, 'never fits: none');
  assert.equal(fitSketches([[[], []]], 10), null, 'nothing to carry');
});
