import { test } from 'node:test';
import assert from 'node:assert/strict';
import { diagnose } from '../../../../src/core/rca/analyze';
import { mulberry32 } from '../../../../src/core/stats/index';
import { SpanKind } from '../../../../src/core/model/span-table';
import { table, type S } from '../../../helpers/spans';

// One decision: an operation whose own time grew beyond doubt is a regression even when the whole request is not
// significantly slower — when the change is visible: ≥ 5 % of the end-to-end latency, or ≥ 2 % when the operation
// itself got at least 1.5× slower per call (a small service under CPU contention inside a long, noisy request).

/**
 * web (≈ 100 ms of its own, noisy) → price: its handler (0.3 ms of framework time) → PriceController.query (2 ms of
 * work × factor) and a SELECT (1.2 ms, the database's time). Only the controller's work changes: no per-service
 * slowdown across its operations, so the operation gate decides.
 */
function run(seed: number, factor: number): S[] {
  const rnd = mulberry32(seed);
  const spans: S[] = [];
  for (let k = 0; k < 80; k++) {
    const t0 = k * 1000;
    const own = 60 + rnd() * 80;
    const work = (0.9 + rnd() * 0.2) * factor * 2;
    const q = 1.1 + rnd() * 0.2;
    const h = work + q + 0.3;
    const s0 = t0 + own / 2;
    spans.push({ trace: 't' + k, id: 'w' + k, name: 'GET /quote', service: 'web', kind: SpanKind.Server, start: t0, dur: own + h + 1 });
    spans.push({ trace: 't' + k, id: 'c' + k, parent: 'w' + k, name: 'GET price', service: 'web', kind: SpanKind.Client, start: s0, dur: h + 0.6 });
    spans.push({ trace: 't' + k, id: 'p' + k, parent: 'c' + k, name: '/prices', service: 'price', kind: SpanKind.Server, start: s0 + 0.3, dur: h });
    spans.push({ trace: 't' + k, id: 'q' + k, parent: 'p' + k, name: 'PriceController.query', service: 'price', kind: SpanKind.Internal, start: s0 + 0.4, dur: work + q });
    spans.push({ trace: 't' + k, id: 's' + k, parent: 'q' + k, name: 'SELECT price', service: 'price', kind: SpanKind.Client, start: s0 + 0.4 + work, dur: q });
  }
  return spans;
}

test('a small service 2.5× slower per call (+3 ms in a ~100 ms noisy request, not slower overall) is named', () => {
  const d = diagnose(table(run(1, 1)), table(run(2, 2.5)));
  assert.ok(d.latency!.pValue! >= 0.01, `the run itself is not significantly slower: ${d.latency?.pValue}`);
  assert.equal(d.rootCause?.service, 'price', d.notes.join('\n'));
  assert.ok(d.notes.some((n) => /changed beyond doubt/.test(n)), d.notes.join('\n'));
});

test('the same +3 ms spread as 1.2× over a 15 ms operation is not "visible" below 5 % of the request', () => {
  // own time 15 ms → 18 ms per call: beyond doubt, but neither 5 % of the ~115 ms request nor 1.5× per call
  const d = diagnose(table(run(1, 7.5)), table(run(2, 9)));
  assert.equal(d.rootCause, null, JSON.stringify(d.rootCause));
});

test('a remote call waiting 0.3 ms longer outside its callee (timestamp resolution, host scheduling) is no finding; 3 ms is', () => {
  // web calls api (CLIENT span around api's SERVER span); the uncovered client time grows by `extra` ms per call
  const mk = (seed: number, extra: number) => {
    const rnd = mulberry32(seed);
    const spans: S[] = [];
    for (let k = 0; k < 80; k++) {
      const t0 = k * 1000;
      const work = 4 + rnd();
      const gap = 0.8 + rnd() * 0.2 + extra;
      spans.push({ trace: 't' + k, id: 'w' + k, name: 'GET /', service: 'web', kind: SpanKind.Server, start: t0, dur: work + gap + 2 });
      spans.push({ trace: 't' + k, id: 'c' + k, parent: 'w' + k, name: 'GET api', service: 'web', kind: SpanKind.Client, start: t0 + 1, dur: work + gap });
      spans.push({ trace: 't' + k, id: 'a' + k, parent: 'c' + k, name: '/api', service: 'api', kind: SpanKind.Server, start: t0 + 1 + gap / 2, dur: work });
    }
    return table(spans);
  };
  const small = diagnose(mk(1, 0), mk(2, 0.3));
  assert.ok(!small.candidates.some((c) => c.service === 'api' && (c.kind === 'call_delay' || c.kind === 'queueing')), JSON.stringify(small.candidates.map((c) => [c.service, c.name, c.kind])));
  const big = diagnose(mk(1, 0), mk(2, 3));
  assert.equal(big.rootCause?.service, 'api');
  assert.ok(['call_delay', 'queueing'].includes(big.rootCause!.kind));
});

test('a kind-less "GET" span that calls two services (one generic name, one call path) waiting 0.6 ms longer is no finding either', () => {
  // Spring's RestTemplate names every client span "GET": basic's calls to station and to train merge into one call
  // path "basic / GET" with children in two services. Stripped of kinds, its uncovered time is still the wait around
  // its callees, and 0.6 ms more per call is within the timestamps' resolution — while price, 3× slower, is the cause
  const mk = (seed: number, extra: number, factor: number) => {
    const rnd = mulberry32(seed);
    const spans: S[] = [];
    for (let k = 0; k < 80; k++) {
      const t = k * 1000;
      const tr = 't' + k;
      const none = SpanKind.Unspecified;
      spans.push({ trace: tr, id: 'r' + k, name: '/travel', service: 'basic', kind: none, start: t, dur: 40 });
      spans.push({ trace: tr, id: 'q' + k, parent: 'r' + k, name: 'BasicController.query', service: 'basic', kind: none, start: t + 0.5, dur: 38 });
      let at = t + 1;
      for (const [svc, name] of [['station', '/stations'], ['train', '/trains']] as const) {
        const work = 3 + rnd();
        const gap = 0.8 + rnd() * 0.3 + extra;
        spans.push({ trace: tr, id: `g${svc}${k}`, parent: 'q' + k, name: 'GET', service: 'basic', kind: none, start: at, dur: work + gap });
        spans.push({ trace: tr, id: `s${svc}${k}`, parent: `g${svc}${k}`, name, service: svc, kind: none, start: at + gap / 2, dur: work });
        at += work + gap + 0.5;
      }
      const pw = (1.5 + rnd() * 0.3) * factor;
      spans.push({ trace: tr, id: 'gp' + k, parent: 'q' + k, name: 'POST', service: 'basic', kind: none, start: at, dur: pw + 1 });
      spans.push({ trace: tr, id: 'p' + k, parent: 'gp' + k, name: '/prices', service: 'price', kind: none, start: at + 0.5, dur: pw });
    }
    return table(spans);
  };
  const d = diagnose(mk(1, 0, 1), mk(2, 0.6, 3));
  assert.equal(d.rootCause?.service, 'price', JSON.stringify(d.candidates.map((c) => [c.service, c.name, c.kind, c.impactMs])));
  assert.ok(!d.candidates.some((c) => c.service === 'basic' && c.name === 'GET'), JSON.stringify(d.candidates.map((c) => [c.service, c.name, c.kind])));
});
