import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseTraceText } from '../../../src/core/parse/index';
import { modelStats } from '../../../src/core/stats/run-stats';

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
