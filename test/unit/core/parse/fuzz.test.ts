// Robustness: mangled trace files never crash the parser with anything but a TraceParseError, and never hang.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { parseTraceText, TraceParseError } from '../../../../src/core/parse/index';

const FIX = join(__dirname, '..', '..', '..', 'fixtures');
function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? (n === 'src' ? [] : files(p)) : /\.(json|jsonl)$/.test(n) ? [p] : [];
  });
}
const TEXTS = [...files(join(FIX, 'public')), ...files(join(FIX, 'edge'))].map((f) => readFileSync(f, 'latin1')).filter((t) => t.length > 0 && t.length < 20_000);

function parseOrReject(text: string): void {
  try {
    const r = parseTraceText(text, 'fuzz.json');
    assert.ok(r.model.size >= 0);
    for (let i = 0; i < r.model.size; i++) r.model.toObject(i); // the model is usable
  } catch (e) {
    if (!(e instanceof TraceParseError)) throw e;
    assert.ok(e.message.startsWith('fuzz.json'), e.message);
  }
}

test('property: truncated, spliced and byte-flipped fixtures parse or fail with a TraceParseError', () => {
  fc.assert(
    fc.property(
      fc.constantFrom(...TEXTS),
      fc.array(fc.tuple(fc.nat(), fc.constantFrom('cut', 'flip', 'dup', 'del', 'nl', 'quote', 'null')), { minLength: 1, maxLength: 4 }),
      (text, edits) => {
        let t = text;
        for (const [pos, op] of edits) {
          const i = t.length === 0 ? 0 : pos % t.length;
          switch (op) {
            case 'cut':
              t = t.slice(0, i);
              break;
            case 'flip':
              t = t.slice(0, i) + String.fromCharCode((t.charCodeAt(i) ^ 0x20) & 0x7f) + t.slice(i + 1);
              break;
            case 'dup':
              t = t.slice(0, i) + t.slice(Math.max(0, i - 50), i) + t.slice(i);
              break;
            case 'del':
              t = t.slice(0, i) + t.slice(i + 7);
              break;
            case 'nl':
              t = t.slice(0, i) + '\n' + t.slice(i);
              break;
            case 'quote':
              t = t.slice(0, i) + '"' + t.slice(i);
              break;
            case 'null':
              t = t.replace(/"[a-zA-Z]+"\s*:\s*(\{|\[|"[^"]*"|\d+)/, (m) => m.replace(/:\s*.*$/s, ': null'));
              break;
          }
        }
        parseOrReject(t);
      },
    ),
    { numRuns: 400 },
  );
});

test('arrays that mix traces with null, numbers or arrays: the entries that are not objects are skipped, no crash (fuzz counterexamples)', () => {
  // found by the property below with a random seed: [null, {"spans":[],"traceId":null}] crashed the Jaeger reader
  for (const doc of [
    [null, { spans: [], traceId: null }],
    [1, { traceID: 'a', spanID: 'b' }],
    [null, { resourceSpans: [] }],
    [null, { traceId: 'a', id: 'b', name: 'x' }],
    ['x', { traceId: 'a', id: 'b', localEndpoint: null }],
    [[], { traceID: 'x', spans: [null, 1, { spanID: 's' }] }],
  ])
    parseOrReject(JSON.stringify(doc));
  const r = parseTraceText(JSON.stringify([null, { traceID: 'ab', spans: [{ traceID: 'ab', spanID: 'cd', operationName: 'op', startTime: 1, duration: 2 }] }]), 'mixed.json');
  assert.equal(r.model.size, 1);
});

test('property: structurally valid JSON of random shape is a trace or a TraceParseError, never a crash', () => {
  const json = fc.letrec((tie) => ({
    value: fc.oneof(
      { depthSize: 'small' },
      fc.string(),
      fc.double({ noNaN: true, noDefaultInfinity: true }),
      fc.boolean(),
      fc.constant(null),
      fc.array(tie('value'), { maxLength: 4 }),
      fc.dictionary(
        fc.constantFrom('resourceSpans', 'scopeSpans', 'spans', 'traceId', 'spanId', 'attributes', 'key', 'value', 'data', 'processes', 'tags', 'kind', 'status', 'events', 'links', 'batches', 'trace', 'result', 'localEndpoint', 'id', 'traceID', 'spanID', 'references', 'logs', 'fields', 'startTimeUnixNano', 'timestamp', 'name', 'intValue', 'arrayValue', 'kvlistValue', 'values'),
        tie('value'),
        { maxKeys: 5 },
      ),
    ),
  }));
  fc.assert(
    fc.property(json.value, (v) => parseOrReject(JSON.stringify(v) ?? 'null')),
    { numRuns: 1000 },
  );
});
