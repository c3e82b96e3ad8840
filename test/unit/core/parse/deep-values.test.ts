// A 100k-deep arrayValue/kvlistValue (issue 14 item 9): the value is cut at MAX_VALUE_DEPTH with a warning, the span
// and the rest of the document load — no "Maximum call stack size exceeded".
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseTraceText } from '../../../../src/core/parse/index';
import { CUT_MARKER, MAX_VALUE_DEPTH, jsonText, nestsDeeperThan } from '../../../../src/core/parse/values';

const DEPTH = 100_000;
const deepArray = '{"arrayValue":{"values":['.repeat(DEPTH) + '{"stringValue":"x"}' + ']}}'.repeat(DEPTH);
const deepKv = '{"kvlistValue":{"values":[{"key":"k","value":'.repeat(DEPTH) + '{"intValue":"1"}' + '}]}}'.repeat(DEPTH);
const deepJson = '['.repeat(DEPTH) + ']'.repeat(DEPTH);

function otlp(attrs: string, resourceAttrs = '[{"key":"service.name","value":{"stringValue":"svc"}}]'): string {
  const span = (id: string, a: string) =>
    `{"traceId":"0af7651916cd43dd8448eb211c80319c","spanId":"${id}","name":"op","startTimeUnixNano":"1700000000000000000","endTimeUnixNano":"1700000001000000000","attributes":${a}}`;
  return `{"resourceSpans":[{"resource":{"attributes":${resourceAttrs}},"scopeSpans":[{"spans":[${span('a000000000000001', attrs)},${span('a000000000000002', '[{"key":"ok","value":{"stringValue":"fine"}}]')}]}]}]}`;
}

/** depth of nested arrays/objects of a decoded value (iterative) */
function depthOf(v: unknown): number {
  let d = 0;
  let x: unknown = v;
  while (x !== null && typeof x === 'object') {
    d++;
    x = Array.isArray(x) ? x[0] : Object.values(x as object)[0];
  }
  return d;
}

test('100k-deep arrayValue and kvlistValue: spans kept, values cut at the limit, one warning each', () => {
  const r = parseTraceText(otlp(`[{"key":"deep.array","value":${deepArray}},{"key":"deep.kv","value":${deepKv}},{"key":"after","value":{"stringValue":"kept"}}]`), 'deep.json');
  assert.equal(r.model.size, 2);
  const a = r.model.attributes(0);
  assert.equal(a.after, 'kept');
  assert.equal(depthOf(a['deep.array']), MAX_VALUE_DEPTH);
  assert.ok(JSON.stringify(a['deep.array']).includes(CUT_MARKER));
  assert.equal(depthOf(a['deep.kv']), MAX_VALUE_DEPTH);
  assert.ok(JSON.stringify(a['deep.kv']).includes(CUT_MARKER));
  assert.equal(r.model.attributes(1).ok, 'fine');
  const warn = r.issues.filter((i) => /nested deeper than 64 levels; cut there \(the span is kept\)/.test(i.message));
  assert.deepEqual(warn.map((i) => i.message.match(/'([^']+)'/)?.[1]), ['deep.array', 'deep.kv.' + Array(MAX_VALUE_DEPTH).fill('k').join('.')]);
});

test('deep values in odd places: resource attributes, events, unknown shapes, stringValue arrays, Jaeger and Zipkin tags', () => {
  const r = parseTraceText(
    otlp(`[{"key":"weird","value":{"foo":${deepJson},"bar":1}},{"key":"s","value":{"stringValue":${deepJson}}},{"key":"bare","value":${deepJson}}]`,
      `[{"key":"service.name","value":{"stringValue":"svc"}},{"key":"r","value":${deepArray}}]`),
    'odd.json',
  );
  assert.equal(r.model.size, 2);
  const a = r.model.attributes(0);
  assert.equal(a.weird, CUT_MARKER);
  assert.equal(a.s, CUT_MARKER);
  assert.equal(a.bare, CUT_MARKER);
  assert.equal(depthOf(r.model.resource(0).attributes.r), MAX_VALUE_DEPTH);
  const jaeger = `{"data":[{"traceID":"ab","processes":{"p":{"serviceName":"s","tags":[{"key":"t","type":"string","value":${deepJson}}]}},"spans":[{"traceID":"ab","spanID":"01","operationName":${deepJson},"startTime":1700000000000000,"duration":1,"processID":"p","tags":[{"key":"d","type":"string","value":${deepJson}}]}]}]}`;
  const j = parseTraceText(jaeger, 'j.json');
  assert.equal(j.model.size, 1);
  assert.equal(j.model.attributes(0).d, CUT_MARKER);
  const zipkin = `[{"traceId":"ab","id":"01","name":"z","timestamp":1700000000000000,"duration":1,"localEndpoint":{"serviceName":"s"},"tags":{"d":${deepJson}}}]`;
  const z = parseTraceText(zipkin, 'z.json');
  assert.equal(z.model.size, 1);
  assert.equal(z.model.attributes(0).d, CUT_MARKER);
});

test('nestsDeeperThan / jsonText are iterative: no stack overflow at 1M levels', () => {
  const v = JSON.parse('['.repeat(1_000_000) + ']'.repeat(1_000_000));
  assert.equal(nestsDeeperThan(v, 64), true);
  assert.equal(nestsDeeperThan([[1], { a: [2] }], 3), false);
  assert.equal(nestsDeeperThan([[1], { a: [2] }], 2), true);
  assert.equal(jsonText(v), CUT_MARKER);
  assert.equal(jsonText({ a: [1, 'x'] }), '{"a":[1,"x"]}');
});
