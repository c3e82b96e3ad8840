// Edge-case inputs (test/fixtures/edge): lenient encodings load; bad input fails with a specific message.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseTraceText, TraceParseError, formatIssue } from '../../../../src/core/parse/index';
import { AttrType, SpanKind, StatusCode } from '../../../../src/core/model/span-table';
import { dumpModel } from '../../../helpers/golden';

const EDGE = join(__dirname, '..', '..', '..', 'fixtures', 'edge');
const text = (name: string) => readFileSync(join(EDGE, name), 'latin1' === name ? 'latin1' : 'utf8');
const load = (name: string) => parseTraceText(text(name), name);
const T = '5b8efff798038103d269b633813fc60c';
const A = 'eee19b7ec3c1b174';
const B = 'eee19b7ec3c1b173';

function parseError(t: string, name = 'in.json'): TraceParseError {
  try {
    parseTraceText(t, name);
  } catch (e) {
    assert.ok(e instanceof TraceParseError, `expected TraceParseError, got ${String(e)}`);
    return e;
  }
  assert.fail('expected a TraceParseError');
}

test('snake_case keys, enum names, int64 as number and {low, high}, unknown fields ignored', () => {
  const r = load('snake-case-enums.json');
  const m = r.model;
  assert.equal(m.size, 2);
  assert.equal(m.service(0), 'snake-svc');
  assert.equal(m.resource(0).attributes['host.cpu'], 8);
  assert.equal(m.kind[0], SpanKind.Server);
  assert.equal(m.kind[1], SpanKind.Client);
  assert.equal(m.statusCode[0], StatusCode.Ok);
  assert.equal(m.statusCode[1], StatusCode.Error);
  assert.equal(m.statusMessage(1), 'timeout');
  assert.equal(m.parent[1], 0);
  assert.equal(m.duration[0], 250_000_000);
  assert.equal(m.start[1]! - m.start[0]!, 102_400, 'number ns start (exactly representable)');
  assert.equal(m.duration[1], 100_000_000 - 102_400, '{low, high} end');
  assert.equal(m.strings.get(m.traceStateCol[0]!), 'vendor=1');
  assert.deepEqual(m.attributes(0), { 'http.method': 'GET', retries: 3 });
  assert.equal(m.scope(0).name, 'snake-lib');
  assert.equal(m.events.get(1)![0]!.name, 'exception');
  assert.deepEqual(m.events.get(1)![0]!.attributes, { 'exception.type': 'TimeoutError' });
  assert.deepEqual(m.links.get(1), [{ traceId: T, spanId: '0102040810204080', attributes: { 'link.kind': 'retry-of' } }]);
  assert.deepEqual(r.issues, []);
});

test('base64 ids and upper-case hex ids normalise to the same lower-case hex', () => {
  const m = load('base64-ids.json').model;
  assert.equal(m.traceId(0), T);
  assert.equal(m.traceId(1), T);
  assert.equal(m.spanId(0), A);
  assert.equal(m.spanId(1), B);
  assert.equal(m.parent[1], 0, 'base64 parent id resolves against the base64 span id');
});

test('legacy instrumentationLibrarySpans (camel) and instrumentation_library_spans (snake) as JSON Lines', () => {
  const r = load('legacy-scopes.jsonl');
  const m = r.model;
  assert.deepEqual(r.formats, ['otlp-jsonl']);
  assert.equal(m.size, 2);
  assert.deepEqual(m.scope(0), { name: 'old-lib', version: '0.1' });
  assert.deepEqual(m.scope(1), { name: 'old-lib', version: '0.1' });
  assert.equal(m.scopes.length, 1, 'same scope interned once');
  assert.equal(m.resources.length, 1, 'same resource on two lines interned once');
  assert.equal(m.parent[1], 0);
  assert.equal(m.kind[0], SpanKind.Internal);
});

test('every AnyValue kind, plus invalid shapes tolerated with warnings', () => {
  const r = load('anyvalue-all.json');
  const m = r.model;
  assert.deepEqual(m.attributes(0), {
    s: 'text',
    b: true,
    i: -42,
    big: '9223372036854775807',
    d: 3.25,
    bytes: '3q2+7w==',
    arr: ['x', 2, 1.5, false, []],
    kv: { inner: 'v', n: 7, deep: { z: true } },
    empty: null,
    bad: 'tolerated',
    weird: '{"foo":{"bar":1}}',
  });
  const types = new Map<string, number>();
  for (let a = m.attrOffset[0]!; a < m.attrOffset[1]!; a++) types.set(m.strings.get(m.attrKey[a]!), m.attrType[a]!);
  assert.equal(types.get('bytes'), AttrType.Bytes);
  assert.equal(types.get('arr'), AttrType.Array);
  assert.equal(types.get('kv'), AttrType.KvList);
  assert.equal(types.get('big'), AttrType.Int);
  assert.equal(types.get('empty'), AttrType.Empty);
  assert.deepEqual(m.resource(0).attributes['res.list'], ['a', 1]);
  assert.equal(r.issues.length, 2);
  assert.ok(r.issues.every((i) => i.severity === 'warning'));
  assert.match(r.issues[0]!.message, /'bad'.*anyValue/);
  assert.match(r.issues[1]!.message, /'weird'.*unknown AnyValue shape/);
});

test('Tempo {"batches"}, {"trace":{"resourceSpans"}} and {"trace":{"batches"}} read the same', () => {
  const a = load('tempo-batches.json');
  const b = load('tempo-trace.json');
  const c = load('tempo-trace-batches.json');
  assert.deepEqual(a.formats, ['tempo']);
  assert.equal(a.model.size, 1);
  assert.equal(a.model.service(0), 'tempo-svc');
  assert.equal(a.model.traceId(0), T);
  assert.deepEqual(dumpModel(a.model), dumpModel(b.model));
  assert.deepEqual(dumpModel(a.model), dumpModel(c.model));
});

test('Zipkin: shared server span is the child of its client span; its own children stay under it', () => {
  const m = load('zipkin-shared.json').model;
  assert.equal(m.size, 4);
  const byName = (n: string, k: SpanKind) => Array.from({ length: m.size }, (_, i) => i).find((i) => m.name(i) === n && m.kind[i] === k)!;
  const root = byName('get /api', SpanKind.Server);
  const client = byName('get /users', SpanKind.Client);
  const server = byName('get /users', SpanKind.Server);
  const select = byName('select', SpanKind.Internal);
  assert.equal(m.parent[client], root);
  assert.equal(m.parent[server], client);
  assert.equal(m.parent[select], server);
  assert.equal(m.spanId(server), '0f2f6f0e6c5d4b3a');
  assert.notEqual(m.spanId(client), '0f2f6f0e6c5d4b3a');
  assert.equal(m.statusCode[server], StatusCode.Error);
  assert.equal(m.statusMessage(server), 'db down');
  assert.equal(m.attribute(server, 'error'), undefined);
  assert.equal(m.attribute(server, 'http.status_code'), '500');
  assert.equal(m.service(server), 'users');
  assert.equal(m.attribute(client, 'peer.service'), 'users');
  assert.deepEqual(m.events.get(client)!.map((e) => e.name), ['ws']);
  assert.equal(m.duration[server], 25_000_000);
});

test('JSON Lines with bad lines: the good ones load; each bad one is counted with line number and reason', () => {
  const r = load('bad-lines.jsonl');
  assert.equal(r.model.size, 3);
  assert.deepEqual(Array.from({ length: 3 }, (_, i) => r.model.name(i)), ['one', 'two', 'three']);
  assert.equal(r.skipped, 3);
  const skipped = r.issues.filter((i) => /skipped/.test(i.message));
  assert.deepEqual(skipped.map((i) => i.line), [2, 5, 6]);
  assert.match(skipped[0]!.message, /end of input|truncated|Unterminated|unterminated/i);
  assert.match(skipped[1]!.message, /not a trace.*hello/);
  assert.match(skipped[2]!.message, /unexpected token|not valid JSON/i);
  assert.equal(skipped[2]!.column, 2); // 'n' starts a literal, 'o' is the bad token
  // offsets point into the text
  const t = text('bad-lines.jsonl');
  assert.equal(t.slice(skipped[1]!.offset!, skipped[1]!.offset! + 8), '{"hello"');
});

test('empty, whitespace-only, binary, invalid UTF-8 (decoded), not-a-trace, empty array: each says so plainly', () => {
  assert.match(parseError('', 'empty.json').message, /^empty\.json: empty file/);
  assert.match(parseError(' \n\t\n', 'ws.json').message, /empty file/);
  assert.match(parseError(readFileSync(join(EDGE, 'binary.json'), 'latin1'), 'binary.json').message, /binary\.json: binary data \(NUL byte at offset 8\)/);
  const nt = parseError(text('not-a-trace.json'), 'not-a-trace.json');
  assert.match(nt.message, /not-a-trace\.json: JSON is not a trace: an object with keys \{name, version, dependencies\}; expected OTLP/);
  assert.match(parseError('[]', 'e.json').message, /empty: no spans/);
  assert.match(parseError('"just a string"', 's.json').message, /not JSON: expected '\{' or '\['/);
  assert.match(parseError('hello', 'h.txt').message, /^h\.txt:1:1: not JSON: expected '\{' or '\[' but found "h"/);
  assert.match(parseError('[1,2,3]', 'n.json').message, /not a trace: an array of numbers/);
});

test('JSON syntax errors give file:line:col and what was expected', () => {
  const e = parseError(text('syntax-error.json'), 'syntax-error.json');
  assert.equal(e.issue.line, 3);
  assert.equal(e.issue.column, 21);
  assert.match(e.message, /^syntax-error\.json:3:21: expected ',' or '\}' after property value/);
  const t = parseError(text('truncated.json'), 'truncated.json');
  assert.match(t.message, /^truncated\.json:\d+:\d+: .*(truncated)/);
  assert.equal(formatIssue(t.issue), t.message);
  const u = parseError('{"resourceSpans": [', 'u.json');
  assert.match(u.message, /^u\.json:1:20: unexpected end of input: the JSON is truncated/);
});

test('JSON Lines where no line is a trace is an error naming the first bad line', () => {
  const e = parseError('{"a":1}\n{"b":2}\n', 'x.jsonl');
  assert.match(e.message, /^x\.jsonl:1: no valid trace record in 2 JSON line\(s\); first problem: line skipped: JSON is not a trace/);
});

test('missing optional fields: bare minimum span loads; missing name/kind/status/times default', () => {
  const m = parseTraceText('{"resourceSpans":[{"scopeSpans":[{"spans":[{}]}]}]}', 'min.json').model;
  assert.equal(m.size, 1);
  assert.equal(m.name(0), '');
  assert.equal(m.service(0), 'unknown_service');
  assert.equal(m.traceId(0), '');
  assert.equal(m.kind[0], SpanKind.Unspecified);
  assert.ok(Number.isNaN(m.start[0]!));
});

test('garbage in odd places does not crash: non-object spans, non-array attributes, wrong types', () => {
  const doc = {
    resourceSpans: [
      null,
      { resource: { attributes: 'nope' }, scopeSpans: [null, { spans: [1, { name: 5, kind: 'WEIRD', status: 'x', attributes: { a: 1 }, events: 'e', links: [null] }] }] },
    ],
  };
  const r = parseTraceText(JSON.stringify(doc), 'g.json');
  assert.equal(r.model.size, 1);
  assert.equal(r.model.name(0), '5');
  assert.ok(r.issues.length >= 3);
});

test('positions of "Unexpected token" errors are recovered from V8 context snippets', () => {
  const cases: [string, number, number][] = [
    ['{"a":tru}', 1, 9],
    ['{"abcdefghijklmnopqrstuvwxyz": tru, "b": 1234567890123}', 1, 35],
    ['{"abcdefghijklmnopqrstuvwxyz": 12,\n "b": 1234567890123, "c": x}', 2, 27],
    ['{"k": [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12], "z": nope}', 1, 54],
  ];
  for (const [t, line, column] of cases) {
    const e = parseError(t, 'p.json');
    assert.equal(e.issue.line, line, t);
    assert.equal(e.issue.column, column, t);
    assert.equal(t.split('\n')[line - 1]![column - 1], /token '(.)'/.exec(e.message)![1], t);
    assert.doesNotMatch(e.message, /is not valid JSON/);
  }
});

test('Jaeger api_v2 protobuf-JSON ({"result":{"spans"}}): base64 ids, RFC 3339 times, "0.250s" durations, vStr/vInt64 tags', () => {
  const r = load('jaeger-api-v2.json');
  const m = r.model;
  assert.deepEqual(r.formats, ['jaeger-spans']);
  assert.equal(m.size, 2);
  assert.equal(m.traceId(0), T);
  assert.equal(m.spanId(0), A);
  assert.equal(m.parent[1], 0, 'reference without refType = CHILD_OF');
  assert.equal(m.service(0), 'api-v2-svc');
  assert.equal(m.resource(0).attributes.hostname, 'h1');
  assert.equal(m.kind[0], SpanKind.Server);
  assert.deepEqual(m.attributes(0), { 'http.status_code': 200, cached: true, ratio: 0.5 });
  assert.equal(m.duration[0], 250_000_000);
  assert.equal(m.start[1]! - m.start[0]!, 900_000, 'µs fractions of RFC 3339 times');
  assert.equal(m.statusCode[1], StatusCode.Error);
  assert.deepEqual(m.events.get(0), [{ time: m.start[0]! + 99_900_000, name: 'exception', attributes: { 'exception.message': 'boom' } }]);
});

test('Zipkin v1 (annotations with endpoints, binaryAnnotations): service, kind and times from core annotations', () => {
  const m = load('zipkin-v1.json').model;
  assert.equal(m.size, 2);
  assert.equal(m.service(0), 'frontend');
  assert.equal(m.kind[0], SpanKind.Server);
  assert.equal(m.kind[1], SpanKind.Client);
  assert.equal(m.parent[1], 0);
  assert.equal(m.duration[1], 20_000_000, 'duration from cs..cr');
  assert.equal(m.start[1]! - m.start[0]!, 1_000_000);
  assert.deepEqual(m.attributes(0), { 'http.path': '/api' });
  assert.deepEqual(m.events.get(0)!.map((e) => e.name), ['cache miss']);
  assert.equal(m.statusCode[1], StatusCode.Error);
  assert.equal(m.statusMessage(1), 'timeout');
});

test('parseTraceTexts merges several texts into one model; a bad one becomes an error issue (or throws when strict)', async () => {
  const { parseTraceTexts } = await import('../../../../src/core/parse/index');
  const r = parseTraceTexts([
    { name: 'a', text: text('base64-ids.json') },
    { name: 'b', text: '{"nope":1}' },
    { name: 'c', text: text('zipkin-shared.json') },
  ]);
  assert.equal(r.model.size, 6);
  assert.deepEqual(r.loaded, ['a', 'c']);
  assert.deepEqual(r.formats.sort(), ['otlp-json', 'zipkin-v2']);
  assert.equal(r.issues.length, 1);
  assert.equal(r.issues[0]!.severity, 'error');
  assert.equal(r.issues[0]!.file, 'b');
  assert.throws(() => parseTraceTexts([{ name: 'b', text: '{"nope":1}' }], { lenient: false }), /b: JSON is not a trace/);
});

test('an error answer saved instead of a trace says so', () => {
  assert.match(parseError('{"data":null,"total":0,"errors":[{"code":404,"msg":"trace not found"}]}').message, /error answer from a trace API: trace not found/);
  assert.match(parseError('{"code":5,"message":"trace not found"}').message, /error answer from a trace API: trace not found/);
});

test('a UTF-8 byte order mark before JSON or the first JSON line is accepted', () => {
  const one = text('base64-ids.json');
  assert.equal(parseTraceText('\uFEFF' + one, 'bom.json').model.size, 2);
  const lines = text('legacy-scopes.jsonl');
  const r = parseTraceText('\uFEFF' + lines, 'bom.jsonl');
  assert.equal(r.model.size, 2);
  assert.equal(r.skipped, 0);
});

test('pretty-printed documents back to back (jq without -c) are read one by one; a non-trace one is skipped', () => {
  const r = load('jq-pretty-sequence.json');
  assert.equal(r.model.size, 6);
  assert.deepEqual(r.formats.sort(), ['otlp-json', 'zipkin-v2']);
  assert.equal(r.skipped, 1);
  const keyLine = text('jq-pretty-sequence.json').split('\n').indexOf('  "not": "a trace"'); // 0-based
  assert.equal(r.issues[0]!.line, keyLine, 'the skipped document starts on the line before its key (1-based)');
  assert.match(r.issues[0]!.message, /document skipped: JSON is not a trace/);
  // a genuine syntax error is still reported as one
  assert.match(parseError('{\n  "a": 1\n}\nxyz', 'x.json').message, /x\.json:4:1: unexpected non-whitespace character after JSON/);
});

test('JSON Lines of arrays (Zipkin spans per line)', () => {
  const r = load('zipkin-arrays.jsonl');
  assert.equal(r.model.size, 4);
  assert.deepEqual(r.formats, ['zipkin-v2']);
  assert.equal(r.skipped, 0);
});

test('issues stay bounded: thousands of distinct bad attributes give at most ~200 issues, repeats are counted', () => {
  const attrs = Array.from({ length: 5000 }, (_, i) => ({ key: `k${i}`, value: { weird: i } }));
  const same = Array.from({ length: 50 }, () => ({ key: 'same', value: { anyValue: 'x' } }));
  const doc = { resourceSpans: [{ scopeSpans: [{ spans: [{ name: 'a', attributes: [...same, ...attrs] }] }] }] };
  const r = parseTraceText(JSON.stringify(doc), 'many.json');
  assert.equal(r.model.size, 1);
  assert.ok(r.issues.length <= 201, String(r.issues.length));
  assert.match(r.issues[0]!.message, /'same'.*\(50 times\)$/);
  assert.match(r.issues.at(-1)!.message, /more issues not shown/);
});

test('text mode detection from a head: JSON Lines whose second line starts beyond the head', async () => {
  const { detectTextMode } = await import('../../../../src/core/parse/index');
  const line = '{"resourceSpans":[]}';
  assert.deepEqual(detectTextMode(line + '\n', false), { mode: 'jsonl' });
  assert.deepEqual(detectTextMode(line + '\n', true), { mode: 'json' });
  assert.deepEqual(detectTextMode(line + '\n' + line, true), { mode: 'jsonl' });
  assert.deepEqual(detectTextMode('{\n  "resourceSpans": []\n}', false), { mode: 'json' });
  assert.deepEqual(detectTextMode('[1]\n[2]\n', true), { mode: 'jsonl' });
  assert.deepEqual(detectTextMode('[\n1]', true), { mode: 'json' });
  assert.deepEqual(detectTextMode('  \n ', true), { mode: 'empty' });
  assert.deepEqual(detectTextMode('x', true), { mode: 'not-json', offset: 0, found: 'x' });
});
