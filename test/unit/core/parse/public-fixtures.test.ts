// Every public fixture (test/fixtures/public, see its README) loads, with expected counts and the facts each is for.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseTraceText } from '../../../../src/core/parse/index';
import type { SpanTable } from '../../../../src/core/model/span-table';
import { StatusCode, SpanKind } from '../../../../src/core/model/span-table';
import { dumpModel } from '../../../helpers/golden';

const PUB = join(__dirname, '..', '..', '..', 'fixtures', 'public');
const read = (rel: string) => readFileSync(join(PUB, rel), 'utf8');
const load = (rel: string) => parseTraceText(read(rel), rel);
const services = (m: SpanTable) => [...new Set(Array.from({ length: m.size }, (_, i) => m.service(i)))].sort();
const rowOf = (m: SpanTable, name: string) => {
  const r = Array.from({ length: m.size }, (_, i) => i).filter((i) => m.name(i) === name);
  assert.equal(r.length, 1, `exactly one span named ${name}`);
  return r[0]!;
};
/** independent oracle: how many span objects the raw text holds */
const countKey = (text: string, key: string) => (text.match(new RegExp(`"${key}"\\s*:`, 'g')) ?? []).length;

test('sys4bigml normal: Jaeger query-API, 3 spans, web-server → pre-processor → inference-server', () => {
  const r = load('sys4bigml/normal-traces-minified-1.json');
  const m = r.model;
  assert.deepEqual(r.formats, ['jaeger-query']);
  assert.equal(m.size, 3);
  assert.equal(m.size, countKey(read('sys4bigml/normal-traces-minified-1.json'), 'spanID') - countKey(read('sys4bigml/normal-traces-minified-1.json'), 'refType'));
  assert.equal(m.traces().size, 1);
  assert.deepEqual(services(m), ['inference-server', 'pre-processor', 'web-server']);
  const web = rowOf(m, 'inference-span');
  const pre = rowOf(m, 'preprocess-request');
  const inf = rowOf(m, 'inference-service-post');
  assert.equal(m.service(web), 'web-server');
  assert.equal(m.parent[web], -1);
  assert.equal(m.parent[pre], web);
  assert.equal(m.parent[inf], pre);
  assert.equal(m.duration[web], 341955 * 1000);
  assert.equal(m.duration[inf], 312303 * 1000);
  assert.equal(m.events.get(inf)?.length, 4);
  assert.equal(m.events.get(inf)?.[0]?.name, 'File saved');
  assert.equal(m.attribute(web, 'downstream.status_code'), 200);
  // translation tags became fields, not attributes
  assert.equal(m.attribute(inf, 'span.kind'), undefined);
  assert.equal(m.statusCode[inf], StatusCode.Ok);
  assert.equal(m.scope(inf).name, 'inference-server.trace');
  assert.deepEqual(r.issues, []);
});

test('sys4bigml spiked: 3 spans, preprocess-request much slower than in the normal run', () => {
  const text = read('sys4bigml/spiked-traces-minified-1.json');
  const spiked = parseTraceText(text, 'spiked').model;
  const normal = load('sys4bigml/normal-traces-minified-1.json').model;
  const doc = JSON.parse(text) as { data: { spans: unknown[] }[] };
  assert.equal(spiked.size, doc.data.reduce((s, t) => s + t.spans.length, 0));
  assert.equal(spiked.size, 3);
  assert.equal(spiked.traces().size, 1);
  const p = rowOf(spiked, 'preprocess-request');
  assert.equal(spiked.service(p), 'pre-processor');
  assert.equal(spiked.duration[p], 1198196 * 1000);
  assert.ok(spiked.duration[p]! > 2 * normal.duration[rowOf(normal, 'preprocess-request')]!);
});

test('otlp-proto example: upper-case hex ids are lower-cased, integer kind, missing parent → orphan', () => {
  const m = load('otlp-proto/trace.json').model;
  assert.equal(m.size, 1);
  assert.equal(m.traceId(0), '5b8efff798038103d269b633813fc60c');
  assert.equal(m.spanId(0), 'eee19b7ec3c1b174');
  assert.equal(m.parentSpanId(0), 'eee19b7ec3c1b173');
  assert.equal(m.orphan[0], 1);
  assert.equal(m.kind[0], SpanKind.Server);
  assert.equal(m.service(0), 'my.service');
  assert.equal(m.duration[0], 1e9);
  assert.equal(m.scope(0).name, 'my.library');
  assert.equal(m.attribute(0, 'my.span.attr'), 'some value');
});

test('otel spec file-exporter.md lines 93–96: JSON Lines, 4 records, 8 spans, empty ids, unknown_service', () => {
  const md = read('otel-spec/file-exporter.md').split('\n');
  assert.match(md[91]!, /^```json lines/);
  const text = md.slice(92, 96).join('\n') + '\n';
  const r = parseTraceText(text, 'file-exporter.md#L93-96');
  const m = r.model;
  assert.deepEqual(r.formats, ['otlp-jsonl']);
  assert.equal(r.skipped, 0);
  assert.equal(m.size, 8);
  assert.equal(m.size, countKey(text, 'spanId') - linkSpanIds(text));
  for (let i = 0; i < m.size; i++) {
    assert.equal(m.traceId(i), '');
    assert.equal(m.service(i), 'unknown_service');
  }
  assert.ok(Array.from({ length: m.size }, (_, i) => m.statusCode[i]).includes(StatusCode.Error));
  assert.ok(m.events.size > 0, 'events kept');
  assert.ok(m.links.size > 0, 'links kept');
  assert.equal(m.resource(0).attributes['resource-attr'], 'resource-attr-val-1');
});
function linkSpanIds(text: string): number {
  let n = 0;
  for (const line of text.split('\n').filter(Boolean)) {
    const doc = JSON.parse(line) as { resourceSpans: { scopeSpans: { spans: { links?: unknown[] }[] }[] }[] };
    for (const rs of doc.resourceSpans) for (const ss of rs.scopeSpans) for (const s of ss.spans) n += s.links?.length ?? 0;
  }
  return n;
}

test('otel-go-instrumentation: collector-written JSON Lines, 2 spans of sample-app, 2 scopes, "" parent = root', () => {
  const m = load('otel-go-instrumentation/nethttp/traces-orig.json').model;
  assert.equal(m.size, 2);
  assert.deepEqual(services(m), ['sample-app']);
  assert.deepEqual([...new Set(m.scopes.map((s) => s.name))].sort(), ['net/http', 'net/http/client']);
  const client = rowOf(m, '/hello');
  const server = rowOf(m, 'GET');
  assert.equal(m.parent[client], -1);
  assert.equal(m.orphan[client], 0);
  assert.equal(m.parent[server], client);
  assert.equal(m.kind[server], SpanKind.Server);
  assert.equal(m.kind[client], SpanKind.Client);
});

test('Jaeger api_v3 GetTrace: result wrapper, error status, no timestamps, no service.name', () => {
  const r = load('jaeger/api_v3/GetTrace.json');
  const m = r.model;
  assert.deepEqual(r.formats, ['jaeger-api-v3']);
  assert.equal(m.size, 1);
  assert.equal(m.statusCode[0], StatusCode.Error);
  assert.ok(Number.isNaN(m.start[0]!));
  assert.equal(m.duration[0], 0);
  assert.equal(m.service(0), 'unknown_service');
  assert.equal(m.traceId(0), '00000000000000000000000000000001');
});

test('otlp2jaeger in (OTLP) and out (Jaeger query API) give the same model: telemetrygen, 123 µs', () => {
  const a = load('jaeger/query-api/otlp2jaeger-in.json');
  const b = load('jaeger/query-api/otlp2jaeger-out.json');
  assert.deepEqual(a.formats, ['otlp-json']);
  assert.deepEqual(b.formats, ['jaeger-query']);
  assert.equal(a.model.size, 2);
  assert.deepEqual(dumpModel(a.model), dumpModel(b.model));
  for (const m of [a.model, b.model]) {
    assert.deepEqual(services(m), ['telemetrygen']);
    assert.equal(m.duration[0], 123_000);
    assert.equal(m.duration[1], 123_000);
    assert.equal(m.orphan[0], 1, 'parent 909541b92cf05311 is not in the file');
    assert.equal(m.kind[0], SpanKind.Server);
  }
});

test('Jaeger UI object: tag types, references → parent + links, 2 services, duplicate spanID', () => {
  const r = load('jaeger/ui-model/ui_01.json');
  const m = r.model;
  assert.deepEqual(r.formats, ['jaeger-ui']);
  assert.equal(m.size, 5);
  assert.deepEqual(services(m), ['service-x', 'service-y']);
  const some = Array.from({ length: m.size }, (_, i) => i).find((i) => m.name(i) === 'some-operation' && m.service(i) === 'service-x')!;
  assert.deepEqual(m.attributes(some), {
    'peer.service': 'service-y',
    'peer.ipv4': 23456,
    temperature: 72.5,
    javascript_limit: '9223372036854775222', // int64 beyond 2^53 kept exactly
    blob: 'AAAwOQ==',
  });
  assert.equal(m.statusCode[some], StatusCode.Error, 'error=true tag');
  const ref = rowOf(m, 'reference-test');
  assert.equal(m.parentSpanId(ref), '0000000000000002');
  assert.deepEqual(
    m.links.get(ref)!.map((l) => l.spanId),
    ['00000000000000ff', '0000000000000002'],
    'cross-trace CHILD_OF and FOLLOWS_FROM become links',
  );
  assert.equal(m.parent[rowOf(m, 'preserveParentID-test')], ref);
  assert.equal(m.events.get(rowOf(m, 'test-general-conversion'))![0]!.name, 'some-event');
});

test('Jaeger span array with embedded process: error tag given as the string "true"', () => {
  const r = load('jaeger/anonymizer/trace_success.json');
  const m = r.model;
  assert.deepEqual(r.formats, ['jaeger-spans']);
  assert.equal(m.size, 2);
  assert.deepEqual(services(m), ['16af988c443cff37', '3c220036602f839e']);
  assert.equal(m.statusCode[1], StatusCode.Error);
  assert.equal(m.parent[1], 0);
  assert.equal(m.kind[0], SpanKind.Server);
  assert.equal(m.kind[1], SpanKind.Client);
});

test('OTLP scope_attributes_trace: AnyValue kinds and events', () => {
  const text = read('jaeger/otlp/scope_attributes_trace.json');
  const m = parseTraceText(text, 'x').model;
  assert.equal(m.size, countKey(text, 'spanId'));
  assert.equal(m.service(0), 'query24-service');
  assert.equal(m.scope(0).name, 'testing-library');
  assert.equal(m.events.get(0)?.length, 2);
});

test('OTLP otel_traces_01: traceState, error message, events, links, 128-bit trace id with high half', () => {
  const m = load('jaeger/otlp/otel_traces_01.json').model;
  assert.equal(m.size, 1);
  assert.equal(m.strings.get(m.traceStateCol[0]!), 'some-state');
  assert.equal(m.statusCode[0], StatusCode.Error);
  assert.equal(m.statusMessage(0), 'random-message');
  assert.equal(m.traceId(0), '00000000000000010000000000000000');
  assert.equal(m.events.get(0)?.length, 2);
  assert.equal(m.links.get(0)?.length, 2);
  assert.equal(m.orphan[0], 1);
  assert.equal(m.attribute(0, 'temperature'), 72.5);
  assert.equal(m.attribute(0, 'blob'), 'AAAwOQ==');
});

test('Zipkin yelp: 16 spans, 6 services, shared client/server ids → server is the child of the client', () => {
  const text = read('zipkin/yelp.json');
  const r = parseTraceText(text, 'yelp');
  const m = r.model;
  assert.deepEqual(r.formats, ['zipkin-v2']);
  assert.equal(m.size, (JSON.parse(text) as unknown[]).length);
  assert.equal(m.size, 16);
  assert.deepEqual(services(m), ['mobile_api', 'routing', 'spectre', 'unknown', 'yelp-main', 'yelp_main/api_proxy']);
  const server = Array.from({ length: m.size }, (_, i) => i).find((i) => m.spanId(i) === '7a778764a0d0b594')!;
  assert.equal(m.kind[server], SpanKind.Server);
  assert.equal(m.service(server), 'spectre');
  const client = m.parent[server]!;
  assert.ok(client >= 0);
  assert.equal(m.kind[client], SpanKind.Client);
  assert.equal(m.service(client), 'mobile_api');
  assert.equal(m.parentSpanId(client), 'f5f268651b2a2b34');
  // one root, nothing orphaned
  assert.equal(Array.from(m.orphan).filter(Boolean).length, 0);
  assert.equal(Array.from(m.parent).filter((p) => p === -1).length, 1);
  assert.equal(m.attribute(client, 'peer.service'), 'spectre', 'remoteEndpoint.serviceName');
});

test('Zipkin skew: a child starts before its parent (negative offset kept)', () => {
  const m = load('zipkin/skew.json').model;
  assert.equal(m.size, 4);
  const child = Array.from({ length: m.size }, (_, i) => i).find((i) => m.name(i) === 'post' && m.service(i) === 'serviceb')!;
  const parent = m.parent[child]!;
  assert.ok(parent >= 0);
  assert.ok(m.start[child]! < m.start[parent]!, 'child starts earlier than its parent');
  assert.ok(m.start[parent]! - m.start[child]! > 60e6);
});

test('otel-desktop-viewer: span without timestamps; invalid {"anyValue": …} tolerated with a warning', () => {
  const a = load('otel-desktop-viewer/4938a6c/span.json');
  assert.equal(a.model.size, 1);
  assert.ok(Number.isNaN(a.model.start[0]!));
  assert.equal(a.model.service(0), 'test-with-curl');
  const b = load('otel-desktop-viewer/15bfe67/span.json');
  assert.equal(b.model.size, 1);
  assert.equal(b.model.service(0), 'test-with-curl');
  assert.equal(b.issues.length, 1);
  assert.equal(b.issues[0]!.severity, 'warning');
  assert.match(b.issues[0]!.message, /anyValue/);
});
