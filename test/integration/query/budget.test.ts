// Issue 14 item 12: one byte budget over every response of a load from a tracing backend. Tempo fetches one response
// per trace; each was capped (256 MiB) but not their sum, so 40 traces of 150 MB crashed `stats` with heap out of
// memory. Served by a local Tempo look-alike on 127.0.0.1.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { fetchTraces, SourceError, specFromUrl } from '../../../src/sources/query/index';
import { DEFAULT_MAX_TOTAL_BYTES } from '../../../src/sources/query/http';
import { loadInput } from '../../../src/sources/resolve-input';

const TRACES = 40;
const PAD = 200_000; // bytes of padding per trace body
let server: http.Server;
let base = '';
let served = 0;

function traceBody(i: number): string {
  const id = (i + 1).toString(16).padStart(32, '0');
  const span = { traceId: id, spanId: 'a000000000000001', name: 'op', startTimeUnixNano: '1700000000000000000', endTimeUnixNano: '1700000001000000000',
    attributes: [{ key: 'pad', value: { stringValue: 'x'.repeat(PAD) } }] };
  return JSON.stringify({ trace: { resourceSpans: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 'svc' } }] }, scopeSpans: [{ spans: [span] }] }] } });
}

before(async () => {
  server = http.createServer((req, res) => {
    const u = new URL(req.url ?? '/', 'http://x');
    if (u.pathname === '/api/search') {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ traces: Array.from({ length: TRACES }, (_, i) => ({ traceID: (i + 1).toString(16).padStart(32, '0') })) }));
      return;
    }
    const m = /^\/api\/v2\/traces\/([0-9a-f]+)$/.exec(u.pathname);
    if (m) {
      served++;
      res.setHeader('content-type', 'application/json');
      // no content-length on odd traces: the budget must also hold for streamed (chunked) bodies
      const body = traceBody(parseInt(m[1]!, 16) - 1);
      if (parseInt(m[1]!, 16) % 2 === 0) res.setHeader('content-length', Buffer.byteLength(body));
      res.end(body);
      return;
    }
    res.statusCode = 404;
    res.end('{}');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }));

const spec = () => specFromUrl(`tempo+${base}?q={}&last=1h`);

test('the responses of one load share a byte budget: over it, a clear too-large error instead of a crash', async () => {
  served = 0;
  const limit = 2 * 1048576; // ~10 traces of 200 KB
  await assert.rejects(fetchTraces(spec(), { maxTotalBytes: limit, maxTraces: TRACES }), (e: unknown) => {
    assert.ok(e instanceof SourceError);
    assert.equal(e.kind, 'too-large');
    assert.match(e.message, /^the responses of this load add up to more than 2,097,152 bytes \(2 MiB\), the total limit for one load from a tracing backend \(\d+ response\(s\) so far; stopped at http:\/\/127\.0\.0\.1:\d+\/api\/v2\/traces\/[0-9a-f]+\?.*\); lower the trace limit or narrow the time window$/);
    return true;
  });
  assert.ok(served < TRACES, `stopped early (${served} of ${TRACES} traces requested)`);
});

test('under the budget every trace loads; the default budget is 512 MiB and applies to loadInput too', async () => {
  const run = await fetchTraces(spec(), { maxTraces: TRACES });
  assert.equal(run.model.size, TRACES);
  assert.equal(DEFAULT_MAX_TOTAL_BYTES, 512 * 1048576);
  await assert.rejects(loadInput(`tempo+${base}?q={}&last=1h`, { maxTotalBytes: 1048576, maxTraces: TRACES }), /add up to more than 1,048,576 bytes \(1 MiB\)/);
});
