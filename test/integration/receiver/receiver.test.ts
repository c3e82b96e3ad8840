/**
 * The OTLP/HTTP receiver against the REAL OpenTelemetry JS SDK exporters (JSON and protobuf, plain and gzip), in
 * process and from a child process, plus every kind of bad input, each answered with the right status while the
 * server keeps serving.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import zlib from 'node:zlib';
import { startReceiver, type Receiver, type RefusedEvent, type SpansEvent } from '../../../src/sources/receiver/server';
import type { SpanTable } from '../../../src/core/model/span-table';
import { decodeStatusProto, decodeTraceResponseProto } from '../../../src/sources/receiver/proto';
import { emitTraces, type EmitResult } from './sdk-emit';
import { flattenRequests, jsonBody, protoBody, readJsonl, request, richSpans, sdkSpans, withTraceId, type FlatSpan } from './helpers';

const JSON_CT = { 'Content-Type': 'application/json' };
const PROTO_CT = { 'Content-Type': 'application/x-protobuf' };

function assertArrived(emitted: EmitResult, stored: FlatSpan[], service: string) {
  assert.equal(emitted.exportFailed, 0, 'the SDK exporter reported failures');
  assert.equal(emitted.exportedOk, emitted.spans.length);
  const byId = new Map(stored.filter((s) => s.service === service).map((s) => [s.traceId + s.spanId, s]));
  assert.equal(byId.size, emitted.spans.length, `stored ${byId.size} spans of ${service}, emitted ${emitted.spans.length}`);
  for (const e of emitted.spans) {
    const s = byId.get(e.traceId + e.spanId);
    assert.ok(s, `span ${e.name} ${e.spanId} missing`);
    assert.equal(s.name, e.name);
    assert.equal(s.parentSpanId, e.parentSpanId, `parent of ${e.name}`);
    assert.deepEqual(s.attributes, e.attributes, `attributes of ${e.name}`);
  }
  // structure the SDK produced: kinds, events, error status
  const db = stored.find((s) => s.service === service && s.name === 'SELECT orders')!;
  assert.equal(db.kind, 3); // CLIENT
  assert.deepEqual(db.events, [{ name: 'rows', attributes: { count: 3 } }]);
  assert.ok(stored.some((s) => s.service === service && s.name === 'render' && s.status.code === 2 && s.status.message === 'template missing'));
}

describe('OTLP/HTTP receiver with the real OpenTelemetry SDK exporters', () => {
  let dir: string;
  let rx: Receiver;
  let quick: Receiver;
  const events: SpansEvent[] = [];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'td-rx-'));
    rx = await startReceiver({ port: 0, outDir: join(dir, 'out'), maxBodyBytes: 8 * 1024 * 1024 });
    // a second receiver with short deadlines for the slow-client tests (the main one keeps the defaults so a busy CI
    // machine cannot time out the normal requests)
    quick = await startReceiver({ port: 0, requestTimeoutMs: 1000, headersTimeoutMs: 1000 });
    rx.onSpans((e) => events.push(e));
  });
  after(async () => {
    await rx?.close(1000);
    await quick?.close(1000);
    rmSync(dir, { recursive: true, force: true });
  });

  it('binds loopback by default', () => {
    assert.equal(rx.host, '127.0.0.1');
    assert.match(rx.endpoint, /^http:\/\/127\.0\.0\.1:\d+\/v1\/traces$/);
  });

  for (const protocol of ['json', 'proto'] as const) {
    for (const gzip of [false, true]) {
      it(`stores spans intact from the ${protocol} exporter${gzip ? ' (gzip)' : ''} in process`, async () => {
        const service = `inproc-${protocol}-${gzip ? 'gz' : 'plain'}`;
        const before = events.length;
        const r = await emitTraces(rx.endpoint, protocol, 12, { gzip, service });
        assert.equal(r.spans.length, 36);
        const stored = flattenRequests(readJsonl(rx.stats().files));
        assertArrived(r, stored, service);
        // the live event carried the same spans
        const evSpans = flattenRequests(events.slice(before).map((e) => e.request));
        assertArrived(r, evSpans, service);
        assert.equal(events.slice(before).reduce((a, e) => a + e.accepted, 0), 36);
        assert.ok(events.slice(before).every((e) => e.encoding === (protocol === 'json' ? 'json' : 'protobuf')));
      });
    }
  }

  for (const protocol of ['json', 'proto'] as const) {
    it(`stores spans from a ${protocol} exporter in a child process`, async () => {
      const child = spawn(process.execPath, ['--import', 'tsx', join(__dirname, 'sdk-emit.ts'), rx.endpoint, protocol, '20', 'gzip'], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      let err = '';
      child.stdout.on('data', (c) => (out += c));
      child.stderr.on('data', (c) => (err += c));
      const code = await new Promise<number | null>((resolve) => {
        const t = setTimeout(() => child.kill('SIGKILL'), 60_000);
        child.on('close', (c) => {
          clearTimeout(t);
          resolve(c);
        });
      });
      assert.equal(code, 0, err);
      const r = JSON.parse(out.trim().split('\n').at(-1)!) as EmitResult;
      assert.equal(r.spans.length, 60);
      assertArrived(r, flattenRequests(readJsonl(rx.stats().files)), `child-${protocol}`);
    });
  }

  it('keeps the live model in step with what was received', () => {
    const snap = rx.snapshot();
    const stored = flattenRequests(readJsonl(rx.stats().files));
    assert.equal(snap.spans, stored.length);
    assert.equal(snap.model.size, stored.length);
    const names = new Set<string>();
    for (let i = 0; i < snap.model.size; i++) names.add(snap.model.name(i));
    assert.deepEqual([...names].sort(), ['GET /orders/:id', 'SELECT orders', 'render']);
    // parent links resolved in the model: every SELECT orders has a GET parent
    for (let i = 0; i < snap.model.size; i++) {
      if (snap.model.name(i) === 'SELECT orders') assert.equal(snap.model.name(snap.model.parent[i]!), 'GET /orders/:id');
    }
    assert.equal(rx.snapshot(), snap, 'snapshot is cached until new spans arrive');
  });

  describe('bad input gets the right status while the server keeps serving', () => {
    it('truncated protobuf → 400 with a google.rpc.Status body', async () => {
      const body = protoBody(await sdkSpans(3));
      const r = await request(rx.endpoint, { headers: PROTO_CT, body: body.subarray(0, Math.floor(body.length * 0.6)) });
      assert.equal(r.status, 400);
      assert.equal(r.headers['content-type'], 'application/x-protobuf');
      const st = decodeStatusProto(r.body);
      assert.equal(st.code, 3);
      assert.match(st.message, /invalid protobuf ExportTraceServiceRequest/);
    });

    it('invalid JSON → 400 saying where', async () => {
      const r = await request(rx.endpoint, { headers: JSON_CT, body: '{"resourceSpans":[{"scopeSpans": [}]}' });
      assert.equal(r.status, 400);
      const st = JSON.parse(r.body.toString());
      assert.equal(st.code, 3);
      assert.match(st.message, /invalid JSON .*\[}\]}/);
    });

    it('JSON of the wrong shape → 400', async () => {
      for (const body of ['[1,2]', '{"resourceSpans":{}}', '{"resource_spans":[]}', '{"resourceSpans":[{"scopeSpans":[{"spans":[42]}]}]}']) {
        const r = await request(rx.endpoint, { headers: JSON_CT, body });
        assert.equal(r.status, 400, body);
      }
    });

    it('wrong content type → 415, unknown Content-Encoding → 415', async () => {
      // h22: the receiver's owner hears what the sender was told (the extension shows it: the exporter only logs it)
      const told: RefusedEvent[] = [];
      const off = rx.onRefused((e) => told.push(e));
      const r = await request(rx.endpoint, { headers: { 'Content-Type': 'text/plain', 'User-Agent': 'OTel-OTLP-Exporter-JavaScript/0.223.1' }, body: 'hello' });
      assert.equal(r.status, 415);
      assert.match(JSON.parse(r.body.toString()).message, /application\/x-protobuf/);
      off();
      assert.equal(told.length, 1);
      assert.deepEqual({ ...told[0], at: 0 }, { status: 415, message: JSON.parse(r.body.toString()).message, method: 'POST', path: '/v1/traces', contentType: 'text/plain', userAgent: 'OTel-OTLP-Exporter-JavaScript/0.223.1', at: 0 });
      assert.equal(rx.stats().lastRefused?.status, 415);
      const r2 = await request(rx.endpoint, { headers: { ...JSON_CT, 'Content-Encoding': 'br' }, body: '{}' });
      assert.equal(r2.status, 415);
    });

    it('h22: a gRPC exporter (HTTP/2) on the HTTP port: refused, and the receiver\'s owner is told what it is', async () => {
      const told: RefusedEvent[] = [];
      const off = rx.onRefused((e) => told.push(e));
      const sock = net.connect(rx.port, '127.0.0.1');
      sock.on('error', () => {});
      let got = '';
      sock.on('data', (c) => (got += c));
      await new Promise<void>((r) => sock.once('connect', () => r()));
      sock.write('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\x00\x00\x12\x04\x00\x00\x00\x00\x00');
      await Promise.race([new Promise<void>((r) => sock.once('close', () => r())), new Promise((_, rej) => setTimeout(() => rej(new Error('the connection was never closed')), 10_000))]);
      off();
      assert.match(got, /^HTTP\/1\.1 400/);
      assert.equal(told.length, 1);
      assert.equal(told[0]!.status, 400);
      assert.match(told[0]!.message, /HTTP\/2 request \(a gRPC exporter\?\).*http\/protobuf or http\/json.*or send grpc to the OTLP\/gRPC port/);
    });

    it('corrupt gzip → 400', async () => {
      const r = await request(rx.endpoint, { headers: { ...JSON_CT, 'Content-Encoding': 'gzip' }, body: Buffer.from('not gzip at all') });
      assert.equal(r.status, 400);
    });

    it('gzip bomb → 413 without inflating it whole', async () => {
      // 64 concatenated gzip members of 16 MiB of spaces: ~1 GiB inflated from ~1 MiB on the wire
      const member = zlib.gzipSync(Buffer.alloc(16 * 1024 * 1024, 32), { level: 9 });
      const bomb = Buffer.concat(Array.from({ length: 64 }, () => member));
      assert.ok(bomb.length < 8 * 1024 * 1024, 'the bomb itself is under the body limit');
      const rss0 = process.memoryUsage().rss;
      const r = await request(rx.endpoint, { headers: { ...JSON_CT, 'Content-Encoding': 'gzip' }, body: bomb });
      assert.equal(r.status, 413);
      assert.match(JSON.parse(r.body.toString()).message, /decompressed request body exceeds/);
      assert.ok(process.memoryUsage().rss - rss0 < 512 * 1024 * 1024, 'the receiver must not buffer the inflated bomb');
    });

    it('100 MiB streamed body (no Content-Length) → 413, no OOM', async () => {
      const chunk = Buffer.alloc(1024 * 1024, 32);
      let sent = 0;
      const rss0 = process.memoryUsage().rss;
      const r = await request(rx.endpoint, {
        headers: JSON_CT,
        body: async function* () {
          for (let i = 0; i < 100; i++) {
            sent += chunk.length;
            yield chunk;
          }
        },
      });
      assert.equal(r.status, 413);
      assert.match(JSON.parse(r.body.toString()).message, /request body exceeds the limit of 8388608 bytes/);
      assert.ok(sent > 8 * 1024 * 1024, 'the client got past the limit before the answer');
      assert.ok(process.memoryUsage().rss - rss0 < 512 * 1024 * 1024);
    });

    it('Content-Length over the limit → 413 decided before reading (the body is discarded)', async () => {
      const size = 20 * 1024 * 1024;
      const r = await request(rx.endpoint, {
        headers: { ...PROTO_CT, 'Content-Length': String(size) },
        body: async function* () {
          for (let i = 0; i < 20; i++) yield Buffer.alloc(1024 * 1024);
        },
      });
      assert.equal(r.status, 413);
      assert.equal(r.headers['content-type'], 'application/x-protobuf');
      assert.match(decodeStatusProto(r.body).message, new RegExp(`request body of ${size} bytes exceeds the limit`));
    });

    it('Expect: 100-continue with an oversized Content-Length → 413 before the body is sent; a normal one continues', async () => {
      // raw socket: a well-behaved client sends no body before "100 Continue" — which must not come
      const sock = net.connect(rx.port, '127.0.0.1');
      await new Promise<void>((r) => sock.once('connect', () => r()));
      let got = '';
      sock.on('data', (c) => (got += c));
      sock.on('error', () => {});
      sock.write(`POST /v1/traces HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${100 * 1024 * 1024}\r\nExpect: 100-continue\r\n\r\n`);
      for (let i = 0; i < 100 && !got.includes('\r\n\r\n'); i++) await new Promise((r) => setTimeout(r, 20));
      sock.destroy();
      assert.match(got, /^HTTP\/1\.1 413 /);
      const body = jsonBody(await sdkSpans(1));
      const ok = await request(rx.endpoint, { headers: { ...JSON_CT, 'Content-Length': String(body.length), Expect: '100-continue' }, body });
      assert.equal(ok.status, 200);
    });

    it('GET → 405 with Allow: POST; unknown path → 404', async () => {
      const r = await request(rx.endpoint, { method: 'GET' });
      assert.equal(r.status, 405);
      assert.equal(r.headers.allow, 'POST');
      const r2 = await request(rx.url + '/v1/metrics', { headers: JSON_CT, body: '{}' });
      assert.equal(r2.status, 404);
      const r3 = await request(rx.url + '/', { method: 'GET' });
      assert.equal(r3.status, 404);
    });

    it('partial success (JSON): invalid ids rejected, the rest stored', async () => {
      const spans = await sdkSpans(2);
      const body = JSON.parse(jsonBody(spans).toString());
      const list = body.resourceSpans[0].scopeSpans[0].spans;
      const badName = list[0].name;
      list[0].traceId = 'zz';
      list[1].spanId = '0000000000000000';
      const filesBefore = flattenRequests(readJsonl(rx.stats().files)).length;
      const r = await request(rx.endpoint, { headers: JSON_CT, body: JSON.stringify(body) });
      assert.equal(r.status, 200);
      const resp = JSON.parse(r.body.toString());
      assert.equal(Number(resp.partialSuccess.rejectedSpans), 2);
      assert.match(resp.partialSuccess.errorMessage, new RegExp(`span '${badName}': traceId`));
      const after = flattenRequests(readJsonl(rx.stats().files));
      assert.equal(after.length - filesBefore, 4);
    });

    it('stores a pretty-printed OTLP/JSON body (the official example, with a BOM and CRLF) as one line', async () => {
      const text = readFileSync(join(__dirname, '..', '..', 'fixtures', 'public', 'otlp-proto', 'trace.json'), 'utf8');
      const body = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text.replace(/\n/g, '\r\n'))]);
      const before = readJsonl(rx.stats().files).length;
      const r = await request(rx.endpoint, { headers: { 'Content-Type': 'application/json; charset=utf-8' }, body });
      assert.equal(r.status, 200);
      const lines = readJsonl(rx.stats().files);
      assert.equal(lines.length, before + 1);
      assert.deepEqual(lines.at(-1), JSON.parse(text));
    });

    it('accepts base64 ids in JSON (lenient) and stores them as hex', async () => {
      const spans = await sdkSpans(1);
      const body = JSON.parse(jsonBody(spans).toString());
      const list = body.resourceSpans[0].scopeSpans[0].spans;
      const hexIds = list.map((sp: any) => sp.traceId + sp.spanId);
      for (const sp of list) {
        sp.traceId = Buffer.from(sp.traceId, 'hex').toString('base64');
        sp.spanId = Buffer.from(sp.spanId, 'hex').toString('base64');
        if (sp.parentSpanId) sp.parentSpanId = Buffer.from(sp.parentSpanId, 'hex').toString('base64');
      }
      const r = await request(rx.endpoint, { headers: JSON_CT, body: JSON.stringify(body) });
      assert.equal(r.status, 200);
      assert.deepEqual(JSON.parse(r.body.toString()), {});
      const stored = new Set(flattenRequests(readJsonl(rx.stats().files)).map((sp) => sp.traceId + sp.spanId));
      for (const id of hexIds) assert.ok(stored.has(id), `${id} not stored as hex`);
    });

    it('partial success (protobuf): all-zero trace id rejected', async () => {
      const spans = await sdkSpans(1);
      const mixed = [spans[0]!, withTraceId(spans[1]!, '0'.repeat(32)), spans[2]!];
      const r = await request(rx.endpoint, { headers: PROTO_CT, body: protoBody(mixed) });
      assert.equal(r.status, 200);
      const resp = decodeTraceResponseProto(r.body);
      assert.equal(resp.partialSuccess?.rejectedSpans, 1);
      assert.match(resp.partialSuccess!.errorMessage, /traceId is all zeros/);
      const full = await request(rx.endpoint, { headers: PROTO_CT, body: protoBody(spans) });
      assert.equal(full.status, 200);
      assert.deepEqual(decodeTraceResponseProto(full.body), {});
    });

    it('a slow client is timed out while another client is served', async () => {
      const sock = net.connect(quick.port, '127.0.0.1');
      await new Promise<void>((r) => sock.once('connect', () => r()));
      let got = '';
      sock.on('data', (c) => (got += c));
      const closed = new Promise<void>((r) => sock.once('close', () => r()));
      sock.on('error', () => {});
      sock.write(`POST /v1/traces HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"resourceSpans":`);
      // meanwhile a normal client is served
      const ok = await request(quick.endpoint, { headers: PROTO_CT, body: protoBody(await sdkSpans(1)) });
      assert.equal(ok.status, 200);
      await Promise.race([closed, new Promise((_, rej) => setTimeout(() => rej(new Error('slow client was never timed out')), 10_000))]);
      assert.match(got, /^HTTP\/1\.1 408/);
    });

    it('a client that never finishes its headers is timed out too', async () => {
      const sock = net.connect(quick.port, '127.0.0.1');
      await new Promise<void>((r) => sock.once('connect', () => r()));
      let got = '';
      sock.on('data', (c) => (got += c));
      sock.on('error', () => {});
      const closed = new Promise<void>((r) => sock.once('close', () => r()));
      sock.write('POST /v1/traces HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n');
      const ok = await request(quick.endpoint, { headers: JSON_CT, body: jsonBody(await sdkSpans(1)) });
      assert.equal(ok.status, 200);
      await Promise.race([closed, new Promise((_, rej) => setTimeout(() => rej(new Error('never timed out')), 10_000))]);
      assert.match(got, /^HTTP\/1\.1 408/);
    });

    it('still serves valid exports after all of that', async () => {
      const r = await emitTraces(rx.endpoint, 'proto', 2, { service: 'after-bad-input' });
      assertArrived(r, flattenRequests(readJsonl(rx.stats().files)), 'after-bad-input');
      const st = rx.stats();
      assert.ok((st.errors[400] ?? 0) >= 4 && (st.errors[413] ?? 0) >= 4 && st.errors[415] === 2 && st.errors[405] === 1);
    });
  });
});

describe('protobuf and JSON give the same model', () => {
  it('the same SDK spans sent as protobuf and as JSON parse into identical spans', async () => {
    const spans = await richSpans();
    const models: SpanTable[] = [];
    for (const [ct, body] of [[PROTO_CT, protoBody(spans)], [JSON_CT, jsonBody(spans)]] as const) {
      const rx = await startReceiver({ port: 0 });
      try {
        const r = await request(rx.endpoint, { headers: ct, body });
        assert.equal(r.status, 200);
        models.push(rx.snapshot().model);
      } finally {
        await rx.close();
      }
    }
    const dump = (m: SpanTable) =>
      Array.from({ length: m.size }, (_, i) => m.toObject(i)).sort((a, b) => a.spanId.localeCompare(b.spanId));
    const [fromProto, fromJson] = models.map(dump);
    assert.equal(fromProto!.length, spans.length);
    assert.deepEqual(fromProto, fromJson);
    // and the features really are there
    const child = fromProto!.find((s) => s.name === 'child')!;
    assert.equal(child.status, 'error');
    assert.equal(child.statusMessage, 'failed hard');
    assert.equal(child.kind, 'consumer');
    assert.deepEqual(child.events.map((e) => e.name), ['exception', 'retry']);
    assert.equal(child.links.length, 1);
    const root = fromProto!.find((s) => s.name === 'root')!;
    assert.deepEqual(root.attributes, { s: 'text ✓ "quoted"\n', i: 42, big: 2 ** 40, neg: -7, d: 3.25, b: false, arr: ['x', 'y'], nums: [1, 2, 3], bools: [true, false] });
    assert.equal(root.resource['host.cpus'], 2);
    assert.deepEqual(root.scope, { name: 'rich-scope', version: '9.9.9' });
    assert.ok(child.durationNs >= 0 && root.start !== null);
  });
});

describe('OTLP JSON Lines output', () => {
  it('rotates by size, never splits a line, and a restart continues in a new file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'td-rot-'));
    try {
      const out = join(dir, 'out');
      const rx1 = await startReceiver({ port: 0, outDir: out, maxFileBytes: 4096 });
      let emitted = 0;
      try {
        for (let i = 0; i < 3; i++) emitted += (await emitTraces(rx1.endpoint, 'json', 10, { service: 'rot' })).exportedOk;
      } finally {
        await rx1.close();
      }
      const files1 = rx1.stats().files;
      assert.ok(files1.length >= 2, `expected rotation, got ${files1.length} file(s)`);
      for (const f of files1.slice(0, -1)) assert.ok(statSync(f).size <= 4096 || readFileSync(f, 'utf8').split('\n').length === 2);
      const contents = new Map(files1.map((f) => [f, readFileSync(f)]));
      assert.equal(flattenRequests(readJsonl(files1)).length, emitted);

      const rx2 = await startReceiver({ port: 0, outDir: out });
      try {
        emitted += (await emitTraces(rx2.endpoint, 'proto', 5, { service: 'rot' })).exportedOk;
      } finally {
        await rx2.close();
      }
      const all = readdirSync(out).map((f) => join(out, f)).sort();
      assert.equal(all.length, files1.length + 1);
      for (const [f, c] of contents) assert.deepEqual(readFileSync(f), c, `${f} changed after restart`);
      assert.equal(flattenRequests(readJsonl(all)).length, emitted);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('answers 503 (retry) when spans cannot be stored, and recovers', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'td-503-'));
    const out = join(dir, 'out');
    const rx = await startReceiver({ port: 0, outDir: out, maxFileBytes: 16 }); // every line rotates
    try {
      const body = jsonBody(await sdkSpans(1));
      assert.equal((await request(rx.endpoint, { headers: JSON_CT, body: Buffer.from(body) })).status, 200);
      rmSync(out, { recursive: true, force: true }); // the next file cannot be created
      const r = await request(rx.endpoint, { headers: JSON_CT, body: Buffer.from(body) });
      assert.equal(r.status, 503);
      assert.equal(r.headers['retry-after'], '5');
      assert.match(JSON.parse(r.body.toString()).message, /could not store spans/);
      assert.equal(rx.stats().spansAccepted, 3, 'spans that were not stored are not counted as accepted');
      mkdirSync(out);
      assert.equal((await request(rx.endpoint, { headers: JSON_CT, body: Buffer.from(body) })).status, 200);
      assert.equal(flattenRequests(readJsonl(readdirSync(out).map((f) => join(out, f)))).length, 3);
    } finally {
      await rx.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('fails at start with a clear error when the port is taken', async () => {
    const rx = await startReceiver({ port: 0 });
    try {
      await assert.rejects(startReceiver({ port: rx.port }), /EADDRINUSE/);
    } finally {
      await rx.close();
    }
  });
});
