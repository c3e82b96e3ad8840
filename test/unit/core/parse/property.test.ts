// Property tests: random valid spans, written in random encoding variants, parse to the model they came from.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parseTraceText } from '../../../../src/core/parse/index';
import { type OtlpVariant, toJaegerJson, toOtlpJson, toZipkinJson } from '../../../helpers/encode';
import { dumpModel } from '../../../helpers/golden';
import { modelArb } from './arbitrary';
import { SpanKind } from '../../../../src/core/model/span-table';

const variantArb: fc.Arbitrary<OtlpVariant> = fc.record({
  snake: fc.boolean(),
  legacy: fc.boolean(),
  idCase: fc.constantFrom('lower', 'upper', 'mixed'),
  base64Ids: fc.boolean(),
  int64: fc.constantFrom('string', 'number', 'lowhigh'),
  enums: fc.constantFrom('number', 'name', 'short'),
  wrapper: fc.constantFrom('none', 'jaeger-v3', 'tempo-batches', 'tempo-trace'),
  jsonl: fc.boolean(),
  pretty: fc.boolean(),
}) as fc.Arbitrary<OtlpVariant>;

test('property: any OTLP/JSON encoding variant of random spans parses to the same model', () => {
  fc.assert(
    fc.property(modelArb({ microAligned: false, scalarOnly: false }), variantArb, variantArb, (truth, v1, v2) => {
      const expected = dumpModel(truth);
      const a = parseTraceText(toOtlpJson(truth, v1), 'a');
      const b = parseTraceText(toOtlpJson(truth, v2), 'b');
      assert.deepEqual(dumpModel(a.model), expected, `variant ${JSON.stringify(v1)}`);
      assert.deepEqual(dumpModel(b.model), expected, `variant ${JSON.stringify(v2)}`);
      assert.deepEqual(a.issues, []);
    }),
    { numRuns: 200 },
  );
});

test('property: Jaeger query-API, UI object and span-array encodings parse to the same model as OTLP', () => {
  fc.assert(
    fc.property(modelArb({ microAligned: true, scalarOnly: true }), fc.constantFrom('query', 'spans') as fc.Arbitrary<'query' | 'spans'>, (truth, shape) => {
      const expected = dumpModel(truth);
      assert.deepEqual(dumpModel(parseTraceText(toJaegerJson(truth, shape), 'j').model), expected, shape);
      if (truth.traces().size === 1) assert.deepEqual(dumpModel(parseTraceText(toJaegerJson(truth, 'ui'), 'ui').model), expected, 'ui');
    }),
    { numRuns: 150 },
  );
});

test('property: Zipkin v2 keeps ids, tree, names, services, kinds, times, string tags, error status, annotations', () => {
  const project = (d: ReturnType<typeof dumpModel>) =>
    d.map((s) => ({
      ...s,
      kind: s.kind === 'unspecified' ? 'internal' : s.kind,
      events: (s.events as { time: string; name: string }[]).map((e) => ({ time: e.time, name: e.name })),
    }));
  fc.assert(
    fc.property(modelArb({ microAligned: true, scalarOnly: false, zipkinSafe: true }), (truth) => {
      const omit = ['resource', 'attrTypes', 'statusMessage', 'links', 'traceState'] as const;
      const got = parseTraceText(toZipkinJson(truth), 'z').model;
      assert.deepEqual(project(dumpModel(got, { omit: [...omit] })), project(dumpModel(truth, { omit: [...omit] })));
      for (let i = 0; i < got.size; i++) assert.notEqual(got.kind[i], SpanKind.Unspecified);
    }),
    { numRuns: 150 },
  );
});
