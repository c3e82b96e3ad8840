import { test } from 'node:test';
import assert from 'node:assert/strict';
import { splitTraces } from '../../../../src/core/rca/split';
import { analyze } from '../../../../src/core/rca/analyze';
import { mulberry32 } from '../../../../src/core/stats/index';
import { table, type S } from '../../../helpers/spans';

function series(latencies: number[], slowChild = false): S[] {
  const spans: S[] = [];
  latencies.forEach((lat, i) => {
    spans.push({ trace: 't' + i, id: 'r' + i, name: 'GET /', service: 'web', start: i * 1000, dur: lat });
    spans.push({ trace: 't' + i, id: 'c' + i, parent: 'r' + i, name: 'db', service: 'db', start: i * 1000 + 1, dur: slowChild ? lat - 5 : 3 });
  });
  return spans;
}

test('level shift in time → time_window split at the change point; the later window is the incident', () => {
  const rnd = mulberry32(5);
  const lat = Array.from({ length: 80 }, (_, i) => 20 + rnd() * 4 + (i >= 50 ? 30 : 0));
  const m = table(series(lat, true));
  const s = splitTraces(m, { seed: 1 });
  assert.equal(s.split.method, 'time_window');
  assert.equal(s.changeIndex, 50);
  assert.equal(s.split.baselineTraces, 50);
  assert.equal(s.split.incidentTraces, 30);
  assert.match(s.split.description, /level shift/);
  const a = analyze(null, m, { seed: 1 });
  assert.equal(a.diagnosis.split?.method, 'time_window');
  assert.equal(a.diagnosis.rootCause?.name, 'db');
});

test('an earlier slow window becomes the incident', () => {
  const rnd = mulberry32(6);
  const lat = Array.from({ length: 60 }, (_, i) => 20 + rnd() * 4 + (i < 20 ? 25 : 0));
  const m = table(series(lat));
  const s = splitTraces(m, { seed: 1 });
  assert.equal(s.split.method, 'time_window');
  // the change point may move by a trace or two where the noise of both levels touches
  assert.ok(s.split.incidentTraces >= 20 && s.split.incidentTraces <= 23, String(s.split.incidentTraces));
  let i = 0;
  for (const id of m.traces().keys()) if (i++ < 20) assert.equal(s.incidentMask[m.strings.lookup(id)], 1);
});

test('a slow window that ends inside the run (normal → slow → normal): only the window is the incident, the recovered traces join the baseline', () => {
  const rnd = mulberry32(8);
  const lat = Array.from({ length: 150 }, (_, i) => 20 + rnd() * 4 + (i >= 50 && i < 100 ? 30 : 0));
  const m = table(series(lat, true));
  const s = splitTraces(m, { seed: 1 });
  assert.equal(s.split.method, 'time_window');
  assert.ok(s.split.incidentTraces >= 49 && s.split.incidentTraces <= 52, String(s.split.incidentTraces));
  // whichever end the first shift found, the second closes the window
  assert.match(s.split.description, /it ends at .* \(trace 10[01]\): the \d+ traces after it are normal again|it starts at .* \(trace 5[01]\): the \d+ traces before it count as baseline/);
  const ids = [...m.traces().keys()];
  for (const k of [10, 60, 90, 120, 140]) assert.equal(s.incidentMask[m.strings.lookup(ids[k]!)], k >= 50 && k < 100 ? 1 : 0, `trace ${k}`);
  // the effect is not diluted by the recovered traffic: the db's added time per trace is the full ~30 ms
  const a = analyze(null, m, { seed: 1 });
  assert.equal(a.diagnosis.rootCause?.name, 'db');
  assert.ok(a.diagnosis.rootCause!.impactMs > 25, String(a.diagnosis.rootCause!.impactMs));
  // and one that starts late in an earlier-slower run is cut at its start the same way (slow → normal, slow only later)
  const lat2 = Array.from({ length: 150 }, (_, i) => 20 + rnd() * 4 + (i >= 40 && i < 90 ? 30 : 0));
  const s2 = splitTraces(table(series(lat2)), { seed: 1 });
  assert.ok(s2.split.incidentTraces >= 49 && s2.split.incidentTraces <= 52, String(s2.split.incidentTraces));
});

test('no level shift → slowest decile vs the rest', () => {
  const rnd = mulberry32(7);
  const lat = Array.from({ length: 100 }, () => 20 + rnd() * 10);
  const s = splitTraces(table(series(lat)), { seed: 1 });
  assert.equal(s.split.method, 'slowest_decile');
  assert.equal(s.split.incidentTraces, 10);
  assert.equal(s.split.baselineTraces, 90);
  // the masks hold exactly the slowest ten
  const sorted = [...lat].sort((a, b) => b - a);
  const m = table(series(lat));
  let inInc = 0;
  for (const [id, rows] of m.traces()) {
    const t = m.strings.lookup(id);
    const d = m.duration[rows[0]!]! / 1e6;
    if (s.incidentMask[t]) {
      inInc++;
      assert.ok(d >= sorted[9]! - 1e-9);
    }
  }
  assert.equal(inInc, 10);
});

test('few traces: 1 trace cannot be split; 3 traces → slowest one vs two', () => {
  assert.equal(splitTraces(table(series([10]))).split.incidentTraces, 1);
  assert.equal(splitTraces(table(series([10]))).split.baselineTraces, 0);
  const s3 = splitTraces(table(series([10, 30, 12])));
  assert.equal(s3.split.method, 'slowest_decile');
  assert.equal(s3.split.incidentTraces, 1);
});

test('slowest-decile threshold is written as every other duration: "≥ 2.9 s", not "≥ 2896.7 ms"', () => {
  const rnd = mulberry32(8);
  const s = splitTraces(table(series(Array.from({ length: 50 }, () => 2000 + rnd() * 1000))), { seed: 1 });
  assert.equal(s.split.method, 'slowest_decile');
  assert.match(s.split.description, /\(≥ \d(\.\d+)? s end-to-end\)/);
});
