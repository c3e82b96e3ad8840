// Malformed span data (issue 14 item 7): overflowing / NaN / negative timestamps, end before start, self-parents,
// parent cycles and duplicate span ids load, are counted per kind and reported, and stay out of the time figures.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseTraceText } from '../../../../src/core/parse/index';
import { anomalyCounts } from '../../../../src/core/parse/anomalies';
import { modelStats } from '../../../../src/core/stats/run-stats';
import { secNsToIso, timeProblem } from '../../../../src/core/model/time';

const FIX = join(__dirname, '..', '..', '..', 'fixtures', 'hostile', 'malformed-spans.json');

test('every kind of malformed span is kept, counted and reported once with an example', () => {
  const r = parseTraceText(readFileSync(FIX, 'utf8'), 'malformed-spans.json');
  assert.equal(r.model.size, 13);
  assert.deepEqual(anomalyCounts(r.model), {
    startNaN: 1,
    startNegative: 1,
    startOverflow: 2,
    endNaN: 1,
    endOverflow: 1,
    endBeforeStart: 1,
    selfParent: 1,
    parentCycle: 1,
    duplicateSpanId: 1,
  });
  assert.equal(r.issues.length, 9);
  for (const i of r.issues) assert.equal(i.severity, 'warning');
  assert.ok(r.issues.some((i) => /2 spans with a start time beyond 64-bit Unix nanoseconds \(after 2554-07-21\) \(first: span a000000000000003/.test(i.message)));
  assert.ok(r.issues.some((i) => /1 span with an end time before the start time \(first: span a000000000000008/.test(i.message)));
  assert.ok(r.issues.some((i) => /1 span with itself as parent \(first: span a00000000000000a/.test(i.message)));
  assert.ok(r.issues.some((i) => /parent link that closes a cycle/.test(i.message)));
  assert.ok(r.issues.some((i) => /1 span with the trace and span id of an earlier span \(first: span a000000000000002/.test(i.message)));
});

test('spans with broken timing are left out of the time range and durations; the rest keep theirs', () => {
  const { model } = parseTraceText(readFileSync(FIX, 'utf8'), 'malformed-spans.json');
  const s = modelStats(model);
  assert.deepEqual(s.timeRange, { start: '2023-11-14T22:13:20.000Z', end: '2023-11-14T22:13:22.000Z', durationMs: 2000 });
  for (let i = 0; i < model.size; i++) {
    const bad = /huge|e300|nan|inf|negative|end-before/.test(model.name(i));
    if (bad) {
      assert.ok(Number.isNaN(model.start[i]!), model.name(i));
      assert.equal(model.duration[i], 0, model.name(i));
    } else assert.ok(Number.isFinite(model.start[i]!) && model.duration[i]! > 0, model.name(i));
  }
});

test('Jaeger and Zipkin: a present but non-numeric time or duration is reported; an absent one is not', () => {
  const jaeger = JSON.stringify({
    data: [{ traceID: 'ab', processes: { p1: { serviceName: 's' } }, spans: [
      { traceID: 'ab', spanID: '01', operationName: 'ok', startTime: 1700000000000000, duration: 5, processID: 'p1' },
      { traceID: 'ab', spanID: '02', operationName: 'nan-start', startTime: 'soon', duration: 5, processID: 'p1' },
      { traceID: 'ab', spanID: '03', operationName: 'neg-dur', startTime: 1700000000000000, duration: -5, processID: 'p1' },
      { traceID: 'ab', spanID: '04', operationName: 'no-times', processID: 'p1' },
    ] }],
  });
  assert.deepEqual(anomalyCounts(parseTraceText(jaeger, 'j.json').model), { startNaN: 1, negativeDuration: 1 });
  const zipkin = JSON.stringify([
    { traceId: 'ab', id: '01', name: 'ok', timestamp: 1700000000000000, duration: 5, localEndpoint: { serviceName: 's' } },
    { traceId: 'ab', id: '02', name: 'bad', timestamp: 1700000000000000, duration: 'x', localEndpoint: { serviceName: 's' } },
    { traceId: 'ab', id: '03', name: 'huge', timestamp: 1e300, duration: 1, localEndpoint: { serviceName: 's' } },
  ]);
  assert.deepEqual(anomalyCounts(parseTraceText(zipkin, 'z.json').model), { durationNaN: 1, startOverflow: 1 });
});

test('time helpers never throw on out-of-range values', () => {
  assert.equal(secNsToIso(1e20, 0), 'invalid time');
  assert.equal(timeProblem([NaN, NaN]), 'nan');
  assert.equal(timeProblem([-1, 0]), 'negative');
  assert.equal(timeProblem([0, -5]), 'negative');
  assert.equal(timeProblem([18446744074, 0]), 'overflow');
  assert.equal(timeProblem([18446744073, 709551615]), null);
  assert.equal(timeProblem([0, 0]), null);
});

test('spans with broken timing do not count as 0 ms in the per-operation percentiles', async () => {
  const { aggregate } = await import('../../../../src/core/aggregate/tree');
  const span = (i: number, start: string | number, end: string | number) =>
    `{"traceId":"${(i + 1).toString(16).padStart(32, '0')}","spanId":"a000000000000001","name":"op","startTimeUnixNano":${JSON.stringify(start)},"endTimeUnixNano":${JSON.stringify(end)}}`;
  const spans: string[] = [];
  for (let i = 0; i < 10; i++) spans.push(span(i, '1700000000000000000', '1700000000100000000')); // 100 ms
  for (let i = 10; i < 20; i++) spans.push(span(i, '99999999999999999999999', '99999999999999999999999')); // overflow
  const { model } = parseTraceText(`{"resourceSpans":[{"scopeSpans":[{"spans":[${spans.join(',')}]}]}]}`, 'p.json');
  const op = aggregate(model).nodes.find((n) => n.name === 'op')!;
  assert.equal(op.stats.calls, 20);
  assert.equal(op.stats.p50Ms, 100);
  assert.equal(op.stats.p95Ms, 100);
});
