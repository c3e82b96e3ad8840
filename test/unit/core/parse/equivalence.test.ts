// The same spans written in two encodings give identical models: every fixture's model written back out as OTLP/JSON
// (several variants), as Jaeger and as Zipkin parses to the same model.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseTraceText } from '../../../../src/core/parse/index';
import type { SpanTable } from '../../../../src/core/model/span-table';
import { type OtlpVariant, toJaegerJson, toOtlpJson, toZipkinJson } from '../../../helpers/encode';
import { dumpModel } from '../../../helpers/golden';

const FIX = join(__dirname, '..', '..', '..', 'fixtures');
const load = (rel: string) => parseTraceText(readFileSync(join(FIX, rel), 'utf8'), rel).model;

const ALL = [
  'public/sys4bigml/normal-traces-minified-1.json',
  'public/sys4bigml/spiked-traces-minified-1.json',
  'public/otlp-proto/trace.json',
  'public/otel-go-instrumentation/nethttp/traces-orig.json',
  'public/jaeger/api_v3/GetTrace.json',
  'public/jaeger/query-api/otlp2jaeger-in.json',
  'public/jaeger/ui-model/ui_01.json',
  'public/jaeger/anonymizer/trace_success.json',
  'public/jaeger/otlp/scope_attributes_trace.json',
  'public/jaeger/otlp/otel_traces_01.json',
  'public/zipkin/yelp.json',
  'public/zipkin/skew.json',
  'public/otel-desktop-viewer/4938a6c/span.json',
  'edge/snake-case-enums.json',
  'edge/anyvalue-all.json',
  'edge/base64-ids.json',
  'edge/zipkin-shared.json',
];

const VARIANTS: OtlpVariant[] = [
  {},
  { snake: true, enums: 'name', int64: 'lowhigh' },
  { legacy: true, base64Ids: true, int64: 'number', jsonl: true },
  { idCase: 'upper', enums: 'short', wrapper: 'jaeger-v3', pretty: true },
  { idCase: 'mixed', wrapper: 'tempo-batches', snake: true, legacy: true },
  { wrapper: 'tempo-trace', jsonl: true, base64Ids: true },
];

for (const rel of ALL) {
  test(`OTLP/JSON variants of ${rel} parse to the same model`, () => {
    const m = load(rel);
    const expected = dumpModel(m);
    for (const v of VARIANTS) assert.deepEqual(dumpModel(parseTraceText(toOtlpJson(m, v), 'x').model), expected, JSON.stringify(v));
  });
}

/** µs-resolution inputs whose attribute values Jaeger tags can carry */
const JAEGER_SAFE = [
  'public/sys4bigml/normal-traces-minified-1.json',
  'public/sys4bigml/spiked-traces-minified-1.json',
  'public/jaeger/query-api/otlp2jaeger-in.json',
  'public/jaeger/ui-model/ui_01.json',
  'public/jaeger/anonymizer/trace_success.json',
  'public/jaeger/otlp/otel_traces_01.json',
  'public/zipkin/yelp.json',
  'public/zipkin/skew.json',
];

function jaegerComparable(m: SpanTable) {
  // Jaeger references carry no attributes, and a span's duplicate of its parent-less CHILD_OF … nothing else is lost
  return dumpModel(m).map((s) => ({ ...s, links: (s.links as { traceId: string; spanId: string }[]).map((l) => ({ traceId: l.traceId, spanId: l.spanId })) }));
}

for (const rel of JAEGER_SAFE) {
  test(`Jaeger query-API and span-array encodings of ${rel} parse to the same model`, () => {
    const m = load(rel);
    const expected = jaegerComparable(m);
    assert.deepEqual(jaegerComparable(parseTraceText(toJaegerJson(m, 'query'), 'q').model), expected);
    assert.deepEqual(jaegerComparable(parseTraceText(toJaegerJson(m, 'spans'), 's').model), expected);
  });
}

test('Zipkin encoding of the sys4bigml and Zipkin fixtures keeps tree, times, services, names and tags', () => {
  for (const rel of ['public/sys4bigml/normal-traces-minified-1.json', 'public/zipkin/skew.json', 'public/jaeger/anonymizer/trace_success.json']) {
    const m = load(rel);
    const omit = ['resource', 'attrTypes', 'statusMessage', 'links', 'traceState', 'kind', 'events'] as const;
    const z = parseTraceText(toZipkinJson(m), 'z').model;
    assert.deepEqual(dumpModel(z, { omit: [...omit] }), dumpModel(m, { omit: [...omit] }), rel);
  }
});

test('sys4bigml normal as OTLP and as Jaeger: identical aggregate facts', () => {
  const j = load('public/sys4bigml/normal-traces-minified-1.json');
  const o = parseTraceText(toOtlpJson(j, { snake: true }), 'o').model;
  assert.equal(o.size, 3);
  for (let i = 0; i < 3; i++) {
    assert.equal(o.duration[i], j.duration[i]);
    assert.equal(o.service(i), j.service(i));
    assert.equal(o.parent[i], j.parent[i]);
  }
});
