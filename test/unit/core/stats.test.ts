import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseTraceText } from '../../../src/core/parse/index';
import { modelStats } from '../../../src/core/stats/run-stats';
import { mulberry32, proportionGreater, twoProportion } from '../../../src/core/stats/index';

const PUB = join(__dirname, '..', '..', 'fixtures', 'public');

test('modelStats on the Zipkin yelp trace and the Jaeger UI object', () => {
  const yelp = modelStats(parseTraceText(readFileSync(join(PUB, 'zipkin', 'yelp.json'), 'utf8'), 'y').model);
  assert.equal(yelp.spans, 16);
  assert.equal(yelp.traces, 1);
  assert.equal(yelp.services, 6);
  assert.equal(yelp.roots, 1);
  assert.equal(yelp.orphans, 0);
  assert.equal(yelp.perService.reduce((s, p) => s + p.spans, 0), 16);
  assert.equal(yelp.timeRange!.durationMs, 131.848);
  const ui = modelStats(parseTraceText(readFileSync(join(PUB, 'jaeger', 'ui-model', 'ui_01.json'), 'utf8'), 'u').model);
  // operations are distinct (service, name): some-operation exists in both services
  assert.equal(ui.operations, 5);
  assert.equal(ui.errors, 1);
  assert.deepEqual(ui.perService.map((p) => [p.service, p.spans, p.operations, p.errors]), [
    ['service-y', 3, 3, 0],
    ['service-x', 2, 2, 1],
  ]);
});

test('modelStats on an empty model', () => {
  const s = modelStats(parseTraceText('{"data":[]}', 'e').model);
  assert.equal(s.spans, 0);
  assert.equal(s.traces, 0);
  assert.equal(s.timeRange, null);
  assert.deepEqual(s.perService, []);
});

test('countBelow: strict and inclusive counts over a sorted array match a linear scan', async () => {
  const { countBelow } = await import('../../../src/core/stats/index');
  const a = Float64Array.from([1, 2, 2, 2, 5, 9]);
  for (const x of [0, 1, 2, 3, 5, 9, 10]) {
    assert.equal(countBelow(a, x), [...a].filter((v) => v < x).length, `< ${x}`);
    assert.equal(countBelow(a, x, true), [...a].filter((v) => v <= x).length, `<= ${x}`);
  }
  assert.equal(countBelow(new Float64Array(0), 1), 0);
});

test('proportionGreater: exact mid-p for small counts (the z test overstates them), the z test for large ones; calibrated under no change', () => {
  // 0/20 → 5/20: the exact tail is P(X = 5) = C(20,5)/C(40,5); mid-p halves it; z says 0.008
  const exact = 15504 / 658008;
  assert.ok(Math.abs(proportionGreater(0, 20, 5, 20).p - exact / 2) < 1e-12);
  assert.ok(twoProportion(0, 20, 5, 20, 'greater').p < 0.01);
  assert.ok(proportionGreater(0, 20, 5, 20).p > 0.01, 'not significant at 1 % from 5 of 20');
  assert.match(proportionGreater(0, 20, 5, 20).method, /Fisher/);
  // large counts: the z test as before
  assert.deepEqual(proportionGreater(100, 1000, 150, 1000), twoProportion(100, 1000, 150, 1000, 'greater'));
  // no change, small samples: rejections at α = 0.01 stay near or below 1 % (the z test rejects more)
  const rnd = mulberry32(5);
  let exactRej = 0, zRej = 0;
  const runs = 4000;
  for (let r = 0; r < runs; r++) {
    let a = 0, b = 0;
    for (let k = 0; k < 30; k++) { if (rnd() < 0.1) a++; if (rnd() < 0.1) b++; }
    if (proportionGreater(a, 30, b, 30).p < 0.01) exactRej++;
    if (twoProportion(a, 30, b, 30, 'greater').p < 0.01) zRej++;
  }
  assert.ok(exactRej / runs <= 0.01, `mid-p rejects ${exactRej}/${runs}`);
  assert.ok(zRej > exactRej, `z ${zRej} vs mid-p ${exactRej}`);
});
