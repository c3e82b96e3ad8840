// Failures without an error status: read from http.status_code / http.response.status_code ≥ 500 and
// rpc.grpc.status_code ≠ 0 (src/core/model/failed.ts), so the errors detector sees them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { diagnose } from '../../../../src/core/rca/analyze';
import { aggregate } from '../../../../src/core/aggregate/tree';
import { failedSpans, isErrorHandlerName } from '../../../../src/core/model/failed';
import { mulberry32 } from '../../../../src/core/stats/index';
import { table, type S } from '../../../helpers/spans';

function run(n: number, seed: number, failRate: number, key: string, bad: number, good: number) {
  const rnd = mulberry32(seed);
  const spans: S[] = [];
  for (let k = 0; k < n; k++) {
    const t0 = k * 100;
    const fail = rnd() < failRate;
    spans.push({ trace: 't' + k, id: 'w' + k, name: 'GET /', service: 'web', start: t0, dur: 12 + rnd() });
    spans.push({ trace: 't' + k, id: 'a' + k, parent: 'w' + k, name: 'GET /api', service: 'api', start: t0 + 1, dur: 8 + rnd(), attrs: { [key]: fail ? bad : good } });
  }
  return table(spans);
}

test('status unset: HTTP 5xx and gRPC codes ≠ 0 count as failures; 4xx and OK do not', () => {
  const m = table([
    { id: 'a', name: 'x', start: 0, dur: 1, attrs: { 'http.status_code': 503 } },
    { id: 'b', name: 'x', start: 0, dur: 1, attrs: { 'http.response.status_code': 404 } },
    { id: 'c', name: 'x', start: 0, dur: 1, attrs: { 'rpc.grpc.status_code': 14 } },
    { id: 'd', name: 'x', start: 0, dur: 1, attrs: { 'rpc.grpc.status_code': 0 } },
    { id: 'e', name: 'x', start: 0, dur: 1, error: true },
  ]);
  assert.deepEqual([...failedSpans(m)], [1, 0, 1, 0, 1]);
  assert.equal(aggregate(m).nodes.find((n) => n.name === 'x')!.stats.errors, 3);
});

test('error-handler spans (no status, no attributes): the request they handle failed; other names with "error" do not', () => {
  for (const n of ['BasicErrorController.error', 'GlobalExceptionHandler.handle', 'ErrorHandler', 'handleError', 'handle_exception', 'GET /error', '/error', '/error?code=500'])
    assert.equal(isErrorHandlerName(n), true, n);
  for (const n of ['ErrorReporter.send', '/api/errors/list', 'getErrorCount', 'HTTP GET', '/errors', 'SELECT ts.error_log'])
    assert.equal(isErrorHandlerName(n), false, n);
  const m = table([
    { id: 'r', name: '/api/v1/trips/left', service: 'travel', start: 0, dur: 10 },
    { id: 'h', parent: 'r', name: 'BasicErrorController.error', service: 'travel', start: 9, dur: 0.5 },
    { id: 'q', name: 'GET /error', service: 'web', start: 20, dur: 1 }, // a root handler span is itself the failed request
    { id: 'o', name: '/ok', service: 'web', start: 30, dur: 2, ok: true },
    { id: 'oh', parent: 'o', name: 'ErrorHandler', service: 'web', start: 31, dur: 0.2 }, // an explicit OK wins
    { id: 'x', name: 'ErrorReporter.send', service: 'web', start: 40, dur: 1 },
  ]);
  assert.deepEqual([...failedSpans(m)], [1, 0, 1, 0, 0, 0]);
});

test('an API that starts answering 503 (status unset) is diagnosed as failing', () => {
  for (const key of ['http.response.status_code', 'http.status_code']) {
    const d = diagnose(run(80, 1, 0, key, 503, 200), run(80, 2, 0.4, key, 503, 200));
    assert.equal(d.rootCause?.service, 'api', key);
    assert.equal(d.rootCause?.kind, 'errors');
  }
  const g = diagnose(run(80, 3, 0, 'rpc.grpc.status_code', 14, 0), run(80, 4, 0.4, 'rpc.grpc.status_code', 14, 0));
  assert.equal(g.rootCause?.service, 'api');
  // 404s are the client's problem, not a failure of the service
  assert.equal(diagnose(run(80, 5, 0, 'http.status_code', 404, 200), run(80, 6, 0.4, 'http.status_code', 404, 200)).rootCause, null);
});
