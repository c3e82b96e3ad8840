// loadTraces: files, directories, merging, streaming JSON Lines, errors, progress, abort, size limit.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync, writeSync, ftruncateSync, readFileSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { gzipSync } from 'node:zlib';
import { join, relative } from 'node:path';
import { loadTraces, MAX_DOCUMENT_BYTES, parseTraceText, TraceLoadError } from '../../../src/sources/file';
import { DEFAULT_MAX_LINE_CHARS } from '../../../src/core/parse/jsonl';
import { dumpModel } from '../../helpers/golden';
import { toOtlpJson } from '../../helpers/encode';

const FIX = join(__dirname, '..', '..', 'fixtures');
const PUB = join(FIX, 'public');
const EDGE = join(FIX, 'edge');
let tmp = '';
before(() => {
  tmp = mkdtempSync(join(tmpdir(), 'td-load-'));
});
after(() => rmSync(tmp, { recursive: true, force: true }));

async function loadError(p: string | string[]): Promise<TraceLoadError> {
  try {
    await loadTraces(p);
  } catch (e) {
    assert.ok(e instanceof TraceLoadError, `expected TraceLoadError, got ${String(e)}`);
    return e;
  }
  assert.fail(`expected ${String(p)} to fail`);
}

test('a single Jaeger export loads: sys4bigml normal has 3 spans in 1 trace', async () => {
  const run = await loadTraces(join(PUB, 'sys4bigml', 'normal-traces-minified-1.json'));
  assert.equal(run.model.size, 3);
  assert.equal(run.model.traces().size, 1);
  assert.deepEqual(run.formats, ['jaeger-query']);
  assert.equal(run.files.length, 1);
  assert.equal(run.skipped, 0);
  assert.deepEqual(run.issues, []);
});

test('the file loader and the pure text parser agree on every loadable fixture', async () => {
  for (const rel of ['zipkin/yelp.json', 'otel-go-instrumentation/nethttp/traces-orig.json', 'jaeger/ui-model/ui_01.json']) {
    const p = join(PUB, rel);
    const run = await loadTraces(p);
    assert.deepEqual(dumpModel(run.model), dumpModel(parseTraceText(readFileSync(p, 'utf8'), p).model), rel);
  }
});

test('several files merge into one model', async () => {
  const run = await loadTraces([join(PUB, 'sys4bigml', 'normal-traces-minified-1.json'), join(PUB, 'sys4bigml', 'spiked-traces-minified-1.json')]);
  assert.equal(run.model.size, 6);
  assert.equal(run.model.traces().size, 2);
  assert.equal(run.files.length, 2);
});

test('a directory: every trace file under it, recursively; node_modules skipped; non-trace JSON is a warning', async () => {
  const run = await loadTraces(join(EDGE, 'dir'));
  assert.deepEqual(run.files.map((f) => f.slice(join(EDGE, 'dir').length + 1)).sort(), ['a-trace.json', join('nested', 'more.jsonl')]);
  assert.equal(run.model.size, 3);
  assert.deepEqual(run.formats, ['otlp-json'], 'a one-line JSON Lines file is also a JSON document');
  const warn = run.issues.filter((i) => i.severity === 'warning');
  assert.equal(warn.length, 1, JSON.stringify(run.issues));
  assert.match(warn[0]!.file, /config\.json$/);
  assert.match(warn[0]!.message, /not loaded: JSON is not a trace/);
  // README and notes.txt (not JSON at all) are skipped silently
  assert.ok(!run.issues.some((i) => /README|notes\.txt/.test(i.file)));
});

test('the public fixtures directory loads as a whole', async () => {
  const run = await loadTraces(PUB);
  assert.ok(run.files.length >= 15);
  assert.ok(run.model.size >= 45);
  assert.ok(run.formats.includes('zipkin-v2') && run.formats.includes('jaeger-query') && run.formats.includes('otlp-json'));
});

test('maxFiles caps a directory with a warning', async () => {
  const d = mkdtempSync(join(tmp, 'cap-'));
  for (const n of ['a', 'b', 'c']) writeFileSync(join(d, `${n}.json`), readFileSync(join(PUB, 'zipkin', 'skew.json')));
  const run = await loadTraces(d, { maxFiles: 2 });
  assert.equal(run.files.length, 2);
  assert.equal(run.model.size, 8);
  assert.ok(run.issues.some((i) => /only the first 2/.test(i.message)));
});

test('unreadable or non-trace files named explicitly throw TraceLoadError with file, position and expectation', async () => {
  assert.match((await loadError(join(tmp, 'nope.json'))).message, /nope\.json: no such file or directory/);
  assert.match((await loadError(join(EDGE, 'empty.json'))).message, /empty\.json: empty file/);
  assert.match((await loadError(join(EDGE, 'whitespace.json'))).message, /whitespace\.json: empty file/);
  assert.match((await loadError(join(EDGE, 'binary.json'))).message, /binary\.json: binary data \(NUL byte at offset 8\)/);
  assert.match((await loadError(join(EDGE, 'invalid-utf8.json'))).message, /invalid-utf8\.json: binary data \(invalid UTF-8/);
  assert.match((await loadError(join(EDGE, 'not-a-trace.json'))).message, /not-a-trace\.json: JSON is not a trace/);
  const syn = await loadError(join(EDGE, 'syntax-error.json'));
  assert.match(syn.message, /syntax-error\.json:3:21: expected ',' or '\}' after property value/);
  assert.equal(syn.issue.line, 3);
  assert.match((await loadError(join(EDGE, 'truncated.json'))).message, /truncated\.json:\d+:\d+: .*truncated/);
  assert.match((await loadError(join(PUB, 'otel-spec', 'file-exporter.md'))).message, /file-exporter\.md:1:1: not JSON: expected '\{' or '\['/);
  const empty = mkdtempSync(join(tmp, 'empty-dir-'));
  assert.match((await loadError(empty)).message, /no candidate trace files/);
  writeFileSync(join(empty, 'x.json'), '{"a":1}');
  assert.match((await loadError(empty)).message, /no trace file found \(1 candidate file\(s\) looked at\); first problem: .*x\.json: JSON is not a trace/);
});

test('JSON Lines is streamed: bad lines skipped with positions, good ones load, progress reported', async () => {
  // a multi-MiB JSONL file so the stream delivers several chunks
  const line = readFileSync(join(PUB, 'otel-go-instrumentation', 'nethttp', 'traces-orig.json'), 'utf8').trim();
  const n = 4000;
  const parts: string[] = [];
  for (let i = 0; i < n; i++) parts.push(i === 1234 ? '{"resourceSpans": [' : line.replaceAll('17adc4a54489628b651a4b0c623ad067', i.toString(16).padStart(32, '0')));
  const file = join(tmp, 'big.jsonl');
  writeFileSync(file, parts.join('\n') + '\n');
  const seen: number[] = [];
  const run = await loadTraces(file, { onProgress: (p) => seen.push(p.bytesRead) });
  assert.equal(run.model.size, (n - 1) * 2);
  assert.equal(run.model.traces().size, n - 1);
  assert.equal(run.skipped, 1);
  assert.equal(run.issues[0]!.line, 1235);
  assert.deepEqual(run.formats, ['otlp-jsonl']);
  assert.ok(seen.length >= 2, 'progress called per chunk');
  assert.ok(seen.every((b, i) => i === 0 || b >= seen[i - 1]!));
  assert.equal(seen.at(-1), readFileSync(file).length);
});

test('abort stops loading with the signal reason', async () => {
  const ac = new AbortController();
  ac.abort(new Error('user cancelled'));
  await assert.rejects(loadTraces(join(PUB, 'zipkin', 'yelp.json'), { signal: ac.signal }), /user cancelled/);
});

test('a single JSON document larger than the limit is refused with advice, without reading it', async () => {
  const file = join(tmp, 'huge.json');
  const fd = openSync(file, 'w');
  writeSync(fd, '{\n  "resourceSpans": [\n' + ' '.repeat(70_000));
  ftruncateSync(fd, MAX_DOCUMENT_BYTES + 1024); // sparse: takes no disk
  closeSync(fd);
  const e = await loadError(file);
  assert.match(e.message, /huge\.json: single JSON document of 536,871,912 bytes \(512\.0 MiB\) is larger than the 536,870,888 bytes \(512 MiB less 24, the longest string Node can hold\) limit for one JSON document or line;.*JSON Lines/);
});

test('one limit for a document and a JSON line; a one-line document over it is refused as a document, before reading', async () => {
  assert.equal(DEFAULT_MAX_LINE_CHARS, MAX_DOCUMENT_BYTES);
  assert.equal(MAX_DOCUMENT_BYTES, 0x1fffffe8);
  const file = join(tmp, 'huge-one-line.json');
  const fd = openSync(file, 'w');
  writeSync(fd, '{"resourceSpans": [' + ' '.repeat(70_000));
  ftruncateSync(fd, MAX_DOCUMENT_BYTES + 1); // sparse
  closeSync(fd);
  const e = await loadError(file);
  assert.match(e.message, /huge-one-line\.json: single JSON document of 536,870,889 bytes .* limit for one JSON document or line/);
});

test('a one-line document over 256 MiB loads (it is read as a JSON line; the limit is the document limit)', async () => {
  const file = join(tmp, 'big-one-line.json');
  const span = '{"traceId":"0af7651916cd43dd8448eb211c80319c","spanId":"a000000000000001","name":"op","startTimeUnixNano":"1700000000000000000","endTimeUnixNano":"1700000001000000000"}';
  const head = Buffer.from(`{"resourceSpans":[{"scopeSpans":[{"spans":[${span}`);
  const tail = Buffer.from(']}]}]}\n');
  const pad = Buffer.alloc(257 * 1048576, 0x20);
  writeFileSync(file, Buffer.concat([head, pad, tail]));
  try {
    const r = await loadTraces(file);
    assert.equal(r.model.size, 1);
    assert.deepEqual(r.issues, []);
  } finally {
    rmSync(file);
  }
});

test('content decides the format, not the name: OTLP in a .txt, Zipkin without extension', async () => {
  writeFileSync(join(tmp, 'trace.txt'), readFileSync(join(PUB, 'otlp-proto', 'trace.json')));
  writeFileSync(join(tmp, 'zipkin'), readFileSync(join(PUB, 'zipkin', 'skew.json')));
  const a = await loadTraces(join(tmp, 'trace.txt'));
  assert.deepEqual(a.formats, ['otlp-json']);
  const b = await loadTraces(join(tmp, 'zipkin'));
  assert.deepEqual(b.formats, ['zipkin-v2']);
  assert.equal(b.model.size, 4);
});

test('a directory with a symlinked trace file follows it', async () => {
  const d = mkdtempSync(join(tmp, 'links-'));
  symlinkSync(join(PUB, 'zipkin', 'skew.json'), join(d, 'skew.json'));
  const run = await loadTraces(d);
  assert.equal(run.model.size, 4);
});

test('gzip-compressed files are decompressed as a stream: JSON document, big JSON Lines, and clear errors', async () => {
  const doc = await loadTraces(join(EDGE, 'compressed.json'));
  assert.equal(doc.model.size, 2);
  assert.deepEqual(doc.formats, ['otlp-json']);
  assert.deepEqual(dumpModel(doc.model), dumpModel((await loadTraces(join(EDGE, 'base64-ids.json'))).model));

  const line = readFileSync(join(PUB, 'otel-go-instrumentation', 'nethttp', 'traces-orig.json'), 'utf8').trim();
  const lines: string[] = [];
  for (let i = 0; i < 3000; i++) lines.push(i === 7 ? 'garbage' : line.replaceAll('17adc4a54489628b651a4b0c623ad067', (i + 1).toString(16).padStart(32, '0')));
  const gz = join(tmp, 'spans.jsonl.gz');
  writeFileSync(gz, gzipSync(lines.join('\n') + '\n'));
  const seen: number[] = [];
  const run = await loadTraces(gz, { onProgress: (p) => seen.push(p.bytesRead) });
  assert.equal(run.model.size, 2999 * 2);
  assert.equal(run.skipped, 1);
  assert.equal(run.issues[0]!.line, 8);
  assert.equal(seen.at(-1), readFileSync(gz).length);

  const cut = join(tmp, 'cut.json.gz');
  const full = gzipSync(readFileSync(join(PUB, 'zipkin', 'yelp.json')));
  writeFileSync(cut, full.subarray(0, full.length - 20));
  assert.match((await loadError(cut)).message, /cut\.json\.gz: gzip data is corrupt or truncated/);
  const notJson = join(tmp, 'readme.gz');
  writeFileSync(notJson, gzipSync('hello world'));
  assert.match((await loadError(notJson)).message, /readme\.gz:1:1: not JSON after gunzip/);
  const empty = join(tmp, 'empty.gz');
  writeFileSync(empty, gzipSync(''));
  assert.match((await loadError(empty)).message, /empty\.gz: empty file after gunzip/);
});

test('a file named twice, or also inside a given directory, is read once; relative paths stay as given', async () => {
  const f = join(PUB, 'zipkin', 'skew.json');
  const run = await loadTraces([f, f, join(PUB, 'zipkin')]);
  assert.equal(run.files.length, 2);
  assert.equal(run.model.size, 4 + 16);
  const relPath = relative(process.cwd(), f);
  const rel = await loadTraces(relPath);
  assert.deepEqual(rel.files, [relPath]);
});

test('OTLP protobuf files: a single ExportTraceServiceRequest and the collector file exporter length-prefixed format', async () => {
  // encode with the official generated protobuf code (the same the receiver decodes with)
  const root = require('otlp-proto-generated/build/src/generated/root.js') as {
    opentelemetry: { proto: { collector: { trace: { v1: { ExportTraceServiceRequest: { fromObject(o: unknown): unknown; encode(m: unknown): { finish(): Uint8Array } } } } } } };
  };
  const Req = root.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
  const encode = (json: string) => Req.encode(Req.fromObject(JSON.parse(json))).finish();
  const src = (await loadTraces(join(PUB, 'jaeger', 'otlp', 'otel_traces_01.json'))).model;
  const yelp = (await loadTraces(join(PUB, 'zipkin', 'yelp.json'))).model;

  const single = join(tmp, 'trace.binpb');
  writeFileSync(single, encode(toOtlpJson(src, { base64Ids: true })));
  const one = await loadTraces(single);
  assert.deepEqual(one.formats, ['otlp-proto']);
  assert.deepEqual(dumpModel(one.model), dumpModel(src));

  const frame = (bytes: Uint8Array) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(bytes.length);
    return Buffer.concat([len, bytes]);
  };
  const framed = join(tmp, 'traces'); // no extension: content decides
  writeFileSync(framed, Buffer.concat([frame(encode(toOtlpJson(src, { base64Ids: true }))), frame(encode(toOtlpJson(yelp, { base64Ids: true })))]));
  const two = await loadTraces(framed);
  assert.deepEqual(two.formats, ['otlp-proto']);
  assert.equal(two.model.size, src.size + yelp.size);
  assert.equal(two.skipped, 0);

  const cut = join(tmp, 'cut.pb');
  const whole = readFileSync(framed);
  writeFileSync(cut, whole.subarray(0, whole.length - 10));
  const partial = await loadTraces(cut);
  assert.equal(partial.model.size, src.size);
  assert.equal(partial.skipped, 1);
  assert.match(partial.issues.at(-1)!.message, /last protobuf frame truncated/);

  // random bytes are still "binary data"
  const junk = join(tmp, 'junk.bin.json');
  writeFileSync(junk, Buffer.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f, 0, 1, 2, 3]));
  assert.match((await loadError(junk)).message, /junk\.bin\.json: binary data/);

  // gzipped, as the Collector's file exporter writes them with compression: gzip — the same model as uncompressed
  const singleGz = join(tmp, 'trace.binpb.gz');
  writeFileSync(singleGz, gzipSync(readFileSync(single)));
  const oneGz = await loadTraces(singleGz);
  assert.deepEqual(oneGz.formats, ['otlp-proto']);
  assert.deepEqual(dumpModel(oneGz.model), dumpModel(src));
  const framedGz = join(tmp, 'traces.pb.gz');
  writeFileSync(framedGz, gzipSync(whole));
  const twoGz = await loadTraces(framedGz);
  assert.equal(twoGz.model.size, src.size + yelp.size);
  assert.deepEqual(dumpModel(twoGz.model), dumpModel(two.model));
  // gzipped binary that is no OTLP request: said so, after gunzip
  const junkGz = join(tmp, 'junk.gz');
  writeFileSync(junkGz, gzipSync(Buffer.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f, 0, 1, 2, 3])));
  assert.match((await loadError(junkGz)).message, /junk\.gz: binary data \(NUL byte at offset 6\) after gunzip, not a JSON or OTLP protobuf trace file$/);
  // a request whose every span has ids of the wrong length (hex ids given to protobufjs, which reads them as base64):
  // why nothing was read, not "binary data"
  const badIds = join(tmp, 'bad-ids.binpb');
  writeFileSync(badIds, encode(readFileSync(join(PUB, 'jaeger', 'otlp', 'otel_traces_01.json'), 'utf8')));
  assert.match((await loadError(badIds)).message, /bad-ids\.binpb: an OTLP protobuf request with no usable span: all 1 span\(s\) have invalid ids \(first: span '[^']+': traceId must be 16 bytes/);
});

test('a truncated gzip of JSON Lines keeps its complete lines, like an uncompressed file cut short, and says where it ends', async () => {
  const line = readFileSync(join(PUB, 'otel-go-instrumentation', 'nethttp', 'traces-orig.json'), 'utf8').trim();
  const lines: string[] = [];
  for (let i = 0; i < 400; i++) lines.push(line.replaceAll('17adc4a54489628b651a4b0c623ad067', (i + 1).toString(16).padStart(32, '0')));
  const full = gzipSync(lines.join('\n') + '\n', { level: 1 });
  const gz = join(tmp, 'copied-while-written.jsonl.gz');
  writeFileSync(gz, full.subarray(0, Math.floor(full.length / 2)));
  const run = await loadTraces(gz);
  // some complete lines (2 spans each) are in, the cut one is not; nothing doubled
  assert.ok(run.model.size >= 2 && run.model.size < 400 * 2, `spans ${run.model.size}`);
  assert.equal(run.model.size % 2, 0);
  assert.equal(run.skipped, 1, 'the partial last line is skipped');
  const warn = run.issues.find((i) => /gzip data is corrupt or truncated/.test(i.message));
  assert.ok(warn, JSON.stringify(run.issues));
  assert.equal(warn.severity, 'warning');
  assert.match(warn.message, new RegExp(`after [\\d,]+ characters of decompressed text, [\\d,]+ of ${Math.floor(full.length / 2).toLocaleString('en-US')} compressed bytes read: the ${run.model.size / 2} complete line\\(s\\) before it were read`));
  // no complete line at all: still an error, with the position
  const tiny = join(tmp, 'tiny.jsonl.gz');
  writeFileSync(tiny, full.subarray(0, 200));
  assert.match((await loadError(tiny)).message, /tiny\.jsonl\.gz: gzip data is corrupt or truncated \(unexpected end of file\) after [\d,]+ characters of decompressed text, 200 of 200 compressed bytes read$/);
});

test('a file of a directory that fails half-way leaves none of its spans in the model it is reported missing from', async () => {
  const root = require('otlp-proto-generated/build/src/generated/root.js') as {
    opentelemetry: { proto: { collector: { trace: { v1: { ExportTraceServiceRequest: { fromObject(o: unknown): unknown; encode(m: unknown): { finish(): Uint8Array } } } } } } };
  };
  const Req = root.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
  const yelp = (await loadTraces(join(PUB, 'zipkin', 'yelp.json'))).model;
  const bytes = Req.encode(Req.fromObject(JSON.parse(toOtlpJson(yelp, { base64Ids: true })))).finish();
  const len = Buffer.alloc(4);
  len.writeUInt32BE(bytes.length);
  const d = join(tmp, 'dir-with-bad-proto');
  mkdirSync(d);
  // one good frame, then a frame header claiming 4 GiB: the file is refused after its first frame was read
  writeFileSync(join(d, 'a-broken.binpb'), Buffer.concat([len, bytes, Buffer.from([0xff, 0xff, 0xff, 0xf0, 0x0a])]));
  writeFileSync(join(d, 'b-good.json'), readFileSync(join(PUB, 'zipkin', 'skew.json')));
  const run = await loadTraces(d);
  assert.deepEqual(run.files, [join(d, 'b-good.json')]);
  assert.equal(run.model.size, 4, 'only the good file\'s spans');
  // attributes, events and timings of the good file are its own (the broken file's were rolled back, not shifted)
  assert.deepEqual(dumpModel(run.model), dumpModel((await loadTraces(join(PUB, 'zipkin', 'skew.json'))).model));
  assert.ok(run.issues.some((i) => i.file === join(d, 'a-broken.binpb') && /^not loaded: protobuf frame 2 at offset \d+ claims/.test(i.message)), JSON.stringify(run.issues));
  assert.ok(!run.issues.some((i) => /earlier span/.test(i.message)), 'no duplicate-span warning from leftovers');
});
