import { test } from 'node:test';
import assert from 'node:assert/strict';
import { diagnose } from '../../../../src/core/rca/analyze';
import { mulberry32 } from '../../../../src/core/stats/index';
import { SpanKind } from '../../../../src/core/model/span-table';
import { table, type S } from '../../../helpers/spans';

// Failures are counted with the TRACE as the unit: the calls of one trace are not independent (a retried call fails
// several times in the same request; a loop over a broken item fails on every pass).

/** web → (client) → api / infer; the infer call is retried up to 3 times when it fails */
function retried(n: number, seed: number, failRate: number): S[] {
  const rnd = mulberry32(seed);
  const spans: S[] = [];
  for (let k = 0; k < n; k++) {
    const t0 = k * 1000;
    let t = t0 + 1;
    const kids: S[] = [];
    for (let a = 0; a < 3; a++) {
      const fail = rnd() < failRate;
      const dur = 8 + rnd() * 2;
      kids.push({ trace: 't' + k, id: `c${k}_${a}`, parent: 'p' + k, name: 'POST /infer', service: 'web', kind: SpanKind.Client, start: t, dur: dur + 1, error: fail });
      kids.push({ trace: 't' + k, id: `s${k}_${a}`, parent: `c${k}_${a}`, name: 'infer', service: 'model', kind: SpanKind.Server, start: t + 0.5, dur, error: fail });
      t += dur + 1;
      if (!fail) break;
    }
    spans.push({ trace: 't' + k, id: 'p' + k, name: 'GET /', service: 'web', kind: SpanKind.Server, start: t0, dur: t - t0 + 1 }, ...kids);
  }
  return spans;
}

test('a call retried on failure in few traces: the failures name it even when the repeats alone are within noise', () => {
  // 10 traces a side; the infer call now fails on about half its attempts: 0 of 10 traces → 5 of 10 with a failure
  const d = diagnose(table(retried(10, 1, 0)), table(retried(10, 38, 0.5)));
  assert.ok(d.notes.some((n) => /^traces with errors 0\/10 → \d+\/10 \(p=/.test(n)), d.notes.join('\n'));
  assert.equal(d.rootCause?.service, 'model', JSON.stringify(d.candidates.map((c) => [c.service, c.name, c.kind])));
  assert.equal(d.rootCause?.name, 'infer');
  assert.ok(['retries', 'errors'].includes(d.rootCause!.kind));
});

test('a loop that fails on every pass in 2 traces of 30 is not "beyond doubt": 2 failing requests, not 20 failing calls', () => {
  const mk = (seed: number, failing: number[]) => {
    const rnd = mulberry32(seed);
    const spans: S[] = [];
    for (let k = 0; k < 30; k++) {
      const t0 = k * 1000;
      spans.push({ trace: 't' + k, id: 'p' + k, name: 'GET /batch', service: 'web', kind: SpanKind.Server, start: t0, dur: 60 });
      for (let a = 0; a < 10; a++) {
        const fail = failing.includes(k);
        spans.push({ trace: 't' + k, id: `i${k}_${a}`, parent: 'p' + k, name: 'process item', service: 'web', kind: SpanKind.Internal, start: t0 + 1 + a * 5, dur: 4 + rnd(), error: fail });
      }
    }
    return table(spans);
  };
  const d = diagnose(mk(1, []), mk(2, [7, 19]));
  assert.equal(d.rootCause, null, JSON.stringify(d.rootCause));
  // not sure, but said where they are
  assert.ok(d.notes.some((n) => /traces with errors 0\/30 → 2\/30, not significantly more .*; they start in web \/ process item \(failing in 0 → 2 traces\)$/.test(n)), d.notes.join('\n'));
  const err = d.candidates.find((c) => c.kind === 'errors');
  if (err) assert.ok(err.confidence < 0.99 * 0.75, `errors finding at confidence ${err.confidence}`);
});

test('failures spread over many traces still count per trace: 0 of 40 → 12 of 40 requests fail in one call', () => {
  const mk = (seed: number, failRate: number) => {
    const rnd = mulberry32(seed);
    const spans: S[] = [];
    for (let k = 0; k < 40; k++) {
      const t0 = k * 1000;
      const fail = k % 10 < failRate * 10;
      spans.push({ trace: 't' + k, id: 'p' + k, name: 'GET /', service: 'web', kind: SpanKind.Server, start: t0, dur: 20 });
      spans.push({ trace: 't' + k, id: 'c' + k, parent: 'p' + k, name: 'charge', service: 'pay', kind: SpanKind.Server, start: t0 + 2, dur: 10 + rnd(), error: fail });
    }
    return table(spans);
  };
  const d = diagnose(mk(1, 0), mk(2, 0.3));
  assert.equal(d.rootCause?.service, 'pay');
  assert.equal(d.rootCause?.kind, 'errors');
  assert.ok(d.rootCause!.evidence.some((e) => /traces in which it failed: 0\/40 → 12\/40/.test(e)), d.rootCause!.evidence.join('\n'));
});

test('kind-less: a failure passed up through an outgoing call span with no status starts below — the caller is no origin', () => {
  // gateway → travel /trips → travel POST (the outgoing call: no kind, no status) → basic /travel; Spring's error
  // handler runs in basic (it threw) and in travel (it rethrew): both request spans fail, only basic's is an origin
  const mk = (seed: number, failing: boolean) => {
    const rnd = mulberry32(seed);
    const spans: S[] = [];
    for (let k = 0; k < 40; k++) {
      const t0 = k * 1000;
      const tr = 't' + k;
      const fail = failing && k % 2 === 0;
      const d = 5 + rnd();
      spans.push({ trace: tr, id: 'g' + k, name: '/*', service: 'gateway', start: t0, dur: d + 8 });
      spans.push({ trace: tr, id: 't' + k, parent: 'g' + k, name: '/trips', service: 'travel', start: t0 + 1, dur: d + 6 });
      spans.push({ trace: tr, id: 'c' + k, parent: 't' + k, name: 'POST', service: 'travel', start: t0 + 2, dur: d + 2 });
      spans.push({ trace: tr, id: 'b' + k, parent: 'c' + k, name: '/travel', service: 'basic', start: t0 + 2.5, dur: d + 1 });
      spans.push({ trace: tr, id: 'q' + k, parent: 'b' + k, name: 'SELECT trips', service: 'basic', start: t0 + 3, dur: d - 1 });
      if (fail) {
        spans.push({ trace: tr, id: 'be' + k, parent: 'b' + k, name: 'BasicErrorController.error', service: 'basic', start: t0 + d + 2.6, dur: 0.3 });
        spans.push({ trace: tr, id: 'te' + k, parent: 't' + k, name: 'BasicErrorController.error', service: 'travel', start: t0 + d + 4.5, dur: 0.3 });
      }
    }
    return table(spans);
  };
  const d = diagnose(mk(1, false), mk(2, true));
  assert.equal(d.rootCause?.service, 'basic', JSON.stringify(d.candidates.map((c) => [c.service, c.name, c.kind])));
  assert.equal(d.rootCause?.kind, 'errors');
  assert.ok(!d.candidates.some((c) => c.service === 'travel' && c.kind === 'errors'), 'travel only passes the failure on');
});

test('a caller that stops after a callee whose answers fail only because a failure below it: the stop is the knock-on (half weight)', async () => {
  const { aggregateDetailed } = await import('../../../../src/core/aggregate/tree');
  const { collectFacts } = await import('../../../../src/core/rca/facts');
  const { vanishedWork } = await import('../../../../src/core/rca/vanished');
  // preserve calls travel, then order; travel calls basic. Now basic throws on every call (its error handler runs),
  // travel rethrows (its handler too) and preserve stops right after travel, never reaching order
  const mk = (seed: number, failing: boolean) => {
    const rnd = mulberry32(seed);
    const spans: S[] = [];
    for (let k = 0; k < 40; k++) {
      const t0 = k * 1000;
      const tr = 't' + k;
      const d = 5 + rnd();
      spans.push({ trace: tr, id: 'p' + k, name: '/preserve', service: 'preserve', start: t0, dur: 3 * d + 12 });
      spans.push({ trace: tr, id: 'pc' + k, parent: 'p' + k, name: 'POST', service: 'preserve', start: t0 + 1, dur: d + 6 });
      spans.push({ trace: tr, id: 't' + k, parent: 'pc' + k, name: '/trip', service: 'travel', start: t0 + 1.5, dur: d + 5 });
      spans.push({ trace: tr, id: 'tc' + k, parent: 't' + k, name: 'GET', service: 'travel', start: t0 + 2, dur: d + 2 });
      spans.push({ trace: tr, id: 'b' + k, parent: 'tc' + k, name: '/basic', service: 'basic', start: t0 + 2.5, dur: d + 1 });
      if (failing) {
        spans.push({ trace: tr, id: 'be' + k, parent: 'b' + k, name: 'BasicErrorController.error', service: 'basic', start: t0 + d + 3, dur: 0.3 });
        spans.push({ trace: tr, id: 'te' + k, parent: 't' + k, name: 'BasicErrorController.error', service: 'travel', start: t0 + d + 4.6, dur: 0.3 });
      } else {
        spans.push({ trace: tr, id: 'oc' + k, parent: 'p' + k, name: 'POST', service: 'preserve', start: t0 + d + 8, dur: d + 2 });
        spans.push({ trace: tr, id: 'o' + k, parent: 'oc' + k, name: '/order', service: 'order', start: t0 + d + 8.5, dur: d + 1 });
      }
    }
    return aggregateDetailed(table(spans));
  };
  const found = vanishedWork(collectFacts(mk(1, false)), collectFacts(mk(2, true)), 0.01);
  const stop = found.find((f) => f.how === 'stops' && f.service === 'travel');
  assert.ok(stop, JSON.stringify(found.map((f) => [f.how, f.service, f.operation])));
  assert.match(stop.children[0]!.calleeCut!, /travel \/ \/trip now fails in 100% of calls \(was 0%\), a failure from further below it/);
  assert.ok(Math.abs(stop.score - 0.5 * stop.effect * stop.consistency) < 1e-9, `score ${stop.score} for effect ${stop.effect}`);
});

test('a request that now fails right after its last call (price answered as before) names price as the next suspect after the caller', () => {
  // basic calls station, then price, then answers; now basic's error handler runs right after price answers (price
  // throws after its work and a handler advice maps it to a reply: no error span in price), every time
  const mk = (seed: number, failing: boolean) => {
    const rnd = mulberry32(seed);
    const spans: S[] = [];
    for (let k = 0; k < 40; k++) {
      const t0 = k * 1000;
      const tr = 't' + k;
      const d = 3 + rnd();
      spans.push({ trace: tr, id: 'b' + k, name: '/basic/travel', service: 'basic', start: t0, dur: 2 * d + 8 });
      spans.push({ trace: tr, id: 'bc' + k, parent: 'b' + k, name: 'BasicController.queryForTravel', service: 'basic', start: t0 + 0.5, dur: 2 * d + 6 });
      spans.push({ trace: tr, id: 'c1' + k, parent: 'bc' + k, name: 'GET', service: 'basic', start: t0 + 1, dur: d + 1 });
      spans.push({ trace: tr, id: 's' + k, parent: 'c1' + k, name: '/stations/id', service: 'station', start: t0 + 1.5, dur: d });
      spans.push({ trace: tr, id: 'c2' + k, parent: 'bc' + k, name: 'GET', service: 'basic', start: t0 + d + 3, dur: d + 1 });
      spans.push({ trace: tr, id: 'p' + k, parent: 'c2' + k, name: '/prices', service: 'price', start: t0 + d + 3.5, dur: d });
      if (failing && k % 2 === 0) spans.push({ trace: tr, id: 'e' + k, parent: 'b' + k, name: 'BasicErrorController.error', service: 'basic', start: t0 + 2 * d + 6.5, dur: 0.3 });
    }
    return table(spans);
  };
  const d = diagnose(mk(1, false), mk(2, true));
  assert.equal(d.rootCause?.service, 'basic');
  const services = [...new Set(d.candidates.map((c) => c.service))];
  assert.equal(services[1], 'price', JSON.stringify(d.candidates.map((c) => [c.service, c.name, c.kind])));
  const price = d.candidates.find((c) => c.service === 'price')!;
  assert.match(price.summary, /basic \/ \/basic\/travel now fails right after price answers, though price's own answers do not fail more — the next suspect after basic/);
  assert.match(price.evidence.join('\n'), /its call to price was the last thing it did in 100% of those failures/);
});
