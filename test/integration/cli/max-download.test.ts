// --max-download SIZE (h27): the byte budget of a URL input (all the responses of one load together, and the cap of
// one response) as a flag of stats, diagnose, flame and fetch; the refusal names the flag. Served on 127.0.0.1: the
// example's traces as a plain file URL (one response with and one without Content-Length) and a Tempo look-alike
// (one response per trace).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../../src/cli/main';
import { sizeOption } from '../../../src/cli/options';
import { CliError } from '../../../src/cli/command';

const root = join(__dirname, '..', '..', '..');
const NORMAL = readFileSync(join(root, 'examples', 'ml-pipeline', 'traces', 'normal.json'));
const SPIKED = readFileSync(join(root, 'examples', 'ml-pipeline', 'traces', 'spiked.json'));
let server: http.Server;
let base = '';
let dir = '';

function tempoTrace(i: number): string {
  const id = (i + 1).toString(16).padStart(32, '0');
  const span = { traceId: id, spanId: 'a000000000000001', name: 'op', startTimeUnixNano: '1700000000000000000', endTimeUnixNano: '1700000001000000000',
    attributes: [{ key: 'pad', value: { stringValue: 'x'.repeat(50_000) } }] };
  return JSON.stringify({ trace: { resourceSpans: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 'svc' } }] }, scopeSpans: [{ spans: [span] }] }] } });
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'td-maxdl-'));
  server = http.createServer((req, res) => {
    const u = new URL(req.url ?? '/', 'http://x');
    res.setHeader('content-type', 'application/json');
    if (u.pathname === '/normal.json') {
      res.setHeader('content-length', NORMAL.length);
      res.end(NORMAL);
    } else if (u.pathname === '/spiked.json') {
      // chunked: no Content-Length, the limit is counted as it streams
      res.write(SPIKED.subarray(0, 500_000));
      res.end(SPIKED.subarray(500_000));
    } else if (u.pathname === '/api/search') {
      res.end(JSON.stringify({ traces: Array.from({ length: 20 }, (_, i) => ({ traceID: (i + 1).toString(16).padStart(32, '0') })) }));
    } else if (/^\/api\/v2\/traces\/[0-9a-f]+$/.test(u.pathname)) {
      res.end(tempoTrace(parseInt(u.pathname.split('/').pop()!, 16) - 1));
    } else {
      res.statusCode = 404;
      res.end('{}');
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(async () => {
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
  rmSync(dir, { recursive: true, force: true });
});

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(args, { out: (s) => (out += s), err: (s) => (err += s) });
  return { code, out, err };
}

test('sizeOption reads 512MiB, 2GiB, 1.5G, 500MB, 64k and plain bytes; anything else is a usage error naming the flag', () => {
  assert.equal(sizeOption('512MiB', 'max-download', undefined), 512 * 1024 ** 2);
  assert.equal(sizeOption('2GiB', 'max-download', undefined), 2 * 1024 ** 3);
  assert.equal(sizeOption('1.5G', 'max-download', undefined), 1.5 * 1024 ** 3);
  assert.equal(sizeOption('500MB', 'max-download', undefined), 500_000_000);
  assert.equal(sizeOption('64k', 'max-download', undefined), 65536);
  assert.equal(sizeOption('64 KiB', 'max-download', undefined), 65536);
  assert.equal(sizeOption('1048576', 'max-download', undefined), 1048576);
  assert.equal(sizeOption(undefined, 'max-download', 7), 7);
  for (const bad of ['', 'MiB', '12x', '-5MiB', '1e9', '0', '2 GiB B']) {
    assert.throws(() => sizeOption(bad, 'max-download', undefined), (e: unknown) => e instanceof CliError && /^--max-download expects a size such as 512MiB/.test(e.message), bad);
  }
});

test('stats URL --max-download below the response: exit 2, the refusal names --max-download; without it (512 MiB) it loads', async () => {
  for (const path of ['/normal.json', '/spiked.json']) {
    const r = await cli(['stats', `${base}${path}`, '--max-download', '64KiB']);
    assert.equal(r.code, 2, r.err);
    assert.match(r.err, path === '/normal.json' ? /normal\.json is 969,829 bytes \(0\.9 MiB\), over the 65,536 bytes \(0\.1 MiB\) limit/ : /spiked\.json sent more than 65,536 bytes \(0\.1 MiB\)/);
    assert.match(r.err, /raise the limit with --max-download SIZE/);
  }
  const ok = await cli(['stats', `${base}/normal.json`, '--json']);
  assert.equal(ok.code, 0, ok.err);
  assert.equal(JSON.parse(ok.out).spans, 1500);
  const raised = await cli(['stats', `${base}/normal.json`, '--json', '--max-download', '2MiB']);
  assert.equal(raised.code, 0, raised.err);
});

test('Tempo (one response per trace): the sum of the responses is what --max-download bounds, and the message names it', async () => {
  const r = await cli(['stats', `tempo+${base}?q={}&last=1h`, '--max-download', '200KiB']);
  assert.equal(r.code, 2, r.err);
  assert.match(r.err, /the responses of this load add up to more than 204,800 bytes \(0\.2 MiB\), the total limit for one load from a tracing backend .*; lower the trace limit or narrow the time window, or raise the limit with --max-download SIZE/);
  const ok = await cli(['stats', `tempo+${base}?q={}&last=1h`, '--json', '--max-download', '4MiB']);
  assert.equal(ok.code, 0, ok.err);
  assert.equal(JSON.parse(ok.out).spans, 20);
});

test('diagnose, flame and fetch take --max-download too', async () => {
  const d = await cli(['diagnose', '--baseline', `${base}/normal.json`, '--incident', `${base}/spiked.json`, '--max-download', '1MiB']);
  assert.equal(d.code, 2, d.err);
  assert.match(d.err, /incident: .*spiked\.json sent more than 1,048,576 bytes \(1 MiB\), the limit for one response; .*raise the limit with --max-download SIZE/);
  const dOk = await cli(['diagnose', '--json', '--baseline', `${base}/normal.json`, '--incident', `${base}/spiked.json`, '--max-download', '8MiB']);
  assert.equal(dOk.code, 0, dOk.err);
  assert.equal(JSON.parse(dOk.out).rootCause.service, 'pre-processor');
  const f = await cli(['flame', '--incident', `${base}/spiked.json`, '--out', join(dir, 'r.html'), '--max-download', '1MiB']);
  assert.equal(f.code, 2, f.err);
  assert.match(f.err, /raise the limit with --max-download SIZE/);
  const g = await cli(['fetch', `${base}/normal.json`, '-o', join(dir, 'n.json'), '--max-download', '100KiB']);
  assert.equal(g.code, 2, g.err);
  assert.match(g.err, /normal\.json is 969,829 bytes \(0\.9 MiB\), over the 102,400 bytes \(0\.1 MiB\) limit for one response; .*raise the limit with --max-download SIZE/);
  const gOk = await cli(['fetch', `${base}/normal.json`, '-o', join(dir, 'n.json'), '--max-download', '1MiB']);
  assert.equal(gOk.code, 0, gOk.err);
  assert.equal(readFileSync(join(dir, 'n.json')).length, NORMAL.length);
});
