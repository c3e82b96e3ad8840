// Services instrumented like the OpenTelemetry HTTP instrumentation does it: a service's request handler and its
// outgoing calls are all named "GET" (same service, same name), and exports without span kind. Faults that answer
// without calling on — an early return on every request, an exception on part of them — must be found in the
// service where the path stops (facts.ts: the two roles are two operations; vanished.ts: a rising share of calls that
// make no call at all). Found first on the live system (bench/accuracy-live.mjs).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { diagnose } from '../../../../src/core/rca/analyze';
import { toSpanTable, type GenSpan } from '../../../../src/core/testing/scenarios';
import { mulberry32 } from '../../../../src/core/stats/index';

const MS = 1e6;
/** frontend GET → checkout GET → (cart GET → "SELECT cart"), (payment GET → "INSERT charge"); all kind-less */
function shop(traces: number, seed: number, fault: { share: number; at?: 'payment' | 'currency'; mild?: boolean; frontMs?: number } | null): GenSpan[] {
  const r = mulberry32(seed);
  const out: GenSpan[] = [];
  let id = 0;
  const span = (t: string, parent: string, service: string, name: string, start: number, duration: number): GenSpan => {
    const s: GenSpan = { traceId: t, spanId: (++id).toString(16).padStart(16, '0'), parentId: parent, service, name, kind: 'internal', start, duration, error: false, attrs: {} };
    out.push(s);
    return s;
  };
  for (let k = 0; k < traces; k++) {
    const t = (k + 1).toString(16).padStart(32, '0');
    const t0 = k * 50 * MS;
    const jit = () => (0.8 + 0.4 * r()) * MS;
    const front = span(t, '', 'frontend', 'GET', t0, 0);
    const call = span(t, front.spanId, 'frontend', 'GET', t0 + jit(), 0);
    const co = span(t, call.spanId, 'checkout', 'GET', call.start + 0.3 * MS, 0);
    let at = co.start + jit();
    const hit = fault !== null && r() < fault.share;
    if (!hit || fault?.at) {
      for (const [svc, db, ms] of [['cart', 'SELECT cart', 2], ['currency', '', 1], ['payment', 'INSERT charge', 4], ['cart', 'DEL cart', 1]] as const) {
        const c = span(t, co.spanId, 'checkout', 'GET', at, 0);
        const h = span(t, c.spanId, svc, 'GET', at + 0.3 * MS, 0);
        const fails = hit && svc === fault?.at;
        if (db) {
          // payment fails after its database call (answered as an error, same work, same time); checkout gives up
          const d = span(t, h.spanId, svc, db, h.start + 0.2 * MS, ms * jit());
          h.duration = d.start + d.duration + 0.2 * MS - h.start;
        } else h.duration = fails ? (fault?.mild ? 0.75 : 0.05) * ms * jit() : ms * jit(); // currency computes; failing, it answers at once (no status)
        c.duration = h.start + h.duration + 0.3 * MS - c.start;
        at = c.start + c.duration + 0.2 * MS;
        if (fails) {
          if (svc === 'payment') h.error = c.error = co.error = call.error = front.error = true;
          break;
        }
      }
    }
    co.duration = at + jit() - co.start;
    call.duration = co.start + co.duration + 0.3 * MS - call.start;
    front.duration = call.start + call.duration + jit() + (fault?.frontMs ?? 0) * MS - front.start;
  }
  return out;
}

test('an early return in a service whose handler and calls share the name "GET" is found where the path stops', () => {
  const d = diagnose(toSpanTable(shop(120, 1, null)), toSpanTable(shop(120, 2, { share: 1 })), { seed: 1 });
  assert.equal(d.rootCause?.service, 'checkout', JSON.stringify(d.candidates.slice(0, 3).map((c) => [c.service, c.name, c.kind])));
  assert.equal(d.rootCause?.kind, 'stopped_work');
  assert.match(d.rootCause!.evidence.join('\n'), /checkout \/ GET stopped calling its dependencies: its outgoing calls \(GET\) 4\.00 → 0\.00 per call/);
});

test('an exception on 40 % of the requests (answers without its calls): the rising share of calls that call nothing', () => {
  // no single call's rate halves (each falls to ~0.6 of before), but 0 % → ~40 % of the handler's calls make no call
  const d = diagnose(toSpanTable(shop(120, 1, null)), toSpanTable(shop(120, 2, { share: 0.4 })), { seed: 1 });
  assert.equal(d.rootCause?.service, 'checkout', JSON.stringify(d.candidates.slice(0, 3).map((c) => [c.service, c.name, c.kind, c.evidence])));
  assert.equal(d.rootCause?.kind, 'stopped_work');
  assert.match(d.rootCause!.evidence.join('\n'), /checkout \/ GET now answers part of its requests without calling its dependencies: calls that call nothing 0% → \d\d% of its calls; its outgoing calls \(GET\) 4\.00 → \d\.\d\d per call/);
  // no fault: no answer
  assert.equal(diagnose(toSpanTable(shop(120, 1, null)), toSpanTable(shop(120, 3, null)), { seed: 1 }).rootCause, null);
});

test('a caller that stops right after a callee whose answers now fail: the callee, said as failing, its errors first', () => {
  const d = diagnose(toSpanTable(shop(120, 1, null)), toSpanTable(shop(120, 2, { share: 0.5, at: 'payment' })), { seed: 1 });
  assert.equal(d.rootCause?.service, 'payment', JSON.stringify(d.candidates.slice(0, 4).map((c) => [c.service, c.name, c.kind, c.summary])));
  assert.equal(d.rootCause?.kind, 'errors', 'its own failures head its findings');
  const stop = d.candidates.find((c) => c.service === 'payment' && c.kind === 'stopped_work');
  assert.ok(stop, 'the stop after payment is payment\'s');
  assert.match(stop!.summary, /^payment fails: its answers to checkout now fail and the caller stops right after \(payment \/ GET now fails in \d+% of calls \(was 0%\)\)$/);
  assert.ok(!d.candidates.some((c) => c.service === 'checkout' && c.kind === 'stopped_work'), 'checkout only gave up');
});

test('a leaf that fails fast on part of its calls (no status, its median unchanged): the callee, not the caller that stops', () => {
  // 40 % of currency's answers now come at once; the caller stops right after them. No error status, no children to
  // lose: only the share of answers sooner than the baseline ever gave says the callee cut them short
  const d = diagnose(toSpanTable(shop(120, 1, null)), toSpanTable(shop(120, 2, { share: 0.4, at: 'currency' })), { seed: 1 });
  assert.equal(d.rootCause?.service, 'currency', JSON.stringify(d.candidates.slice(0, 4).map((c) => [c.service, c.name, c.kind, c.summary])));
  assert.equal(d.rootCause?.kind, 'stopped_work');
  assert.match(d.rootCause!.evidence.join('\n'), /whose answers were cut short \(currency \/ GET answers part of its calls sooner than before: \d+% of them under [\d.]+ ms \(baseline \d+%\)\)/);
});

test('a callee that only answers somewhat sooner (less busy) while its caller stops on its own: the caller', () => {
  // checkout stops after currency in 40 % of its calls; currency answers those at 0.75× its usual time — under the
  // baseline's 5th percentile often enough, but not a fail-fast (a fraction of its median): checkout is where it stops
  const d = diagnose(toSpanTable(shop(120, 1, null)), toSpanTable(shop(120, 2, { share: 0.4, at: 'currency', mild: true })), { seed: 1 });
  assert.equal(d.rootCause?.service, 'checkout', JSON.stringify(d.candidates.slice(0, 4).map((c) => [c.service, c.name, c.kind, c.summary])));
});

test('requests that fail fast make the run faster: a sub-ms own-time change elsewhere does not outrank the failure', () => {
  // checkout answers 40 % of its requests without its calls (the run gets ~4 ms faster per trace); the frontend's
  // own time grows 0.5 ms per request. Weighed against 5 % of the baseline latency alone, those 0.5 ms "explained"
  // the whole change; against the size of the change (either way) they are an eighth of it
  const d = diagnose(toSpanTable(shop(160, 1, null)), toSpanTable(shop(160, 2, { share: 0.4, frontMs: 0.5 })), { seed: 1 });
  assert.equal(d.rootCause?.service, 'checkout', JSON.stringify(d.candidates.slice(0, 4).map((c) => [c.service, c.name, c.kind, c.confidence, c.impactMs])));
});
