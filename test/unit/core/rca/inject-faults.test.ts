// The semi-synthetic fault injection used by bench/accuracy-injected.mjs (test/helpers/inject-faults.ts): each fault
// model changes a trace the way its docstring says, and the detectors it exercises find it. Small hand-built traces of
// a checkout that charges a card through its own step (frontend → checkout → ChargeCard → payment, then ShipOrder →
// shipping), with no span kind and no status, like the real exports.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inject, injectableServices, toTable, tracesOf } from '../../../helpers/inject-faults';
import { toSpanTable, type GenSpan } from '../../../../src/core/testing/scenarios';
import { mulberry32 } from '../../../../src/core/stats/index';
import { aggregateDetailed } from '../../../../src/core/aggregate/tree';
import { serviceEvidence } from '../../../../src/core/rca/service-rank';
import { diagnose } from '../../../../src/core/rca/analyze';

const MS = 1e6;

/** Adds kind-less spans of one trace to `out`; returns the new span's id (ids 1, 2, … within the trace). */
function spanWriter(out: GenSpan[], traceId: string) {
  let id = 0;
  return (parentId: string, service: string, name: string, start: number, duration: number) => {
    const spanId = (++id).toString(16).padStart(16, '0');
    out.push({ traceId, spanId, parentId, service, name, kind: 'internal', start, duration, error: false, attrs: {} });
    return spanId;
  };
}

/** `n` checkout requests, 1 s apart; every duration jittered ±20 % */
function shop(n: number, seed: number): GenSpan[] {
  const r = mulberry32(seed);
  const j = (ms: number) => ms * MS * (0.8 + 0.4 * r());
  const out: GenSpan[] = [];
  for (let t = 0; t < n; t++) {
    const traceId = `${seed}-${t}`.padStart(32, '0');
    const span = spanWriter(out, traceId);
    const t0 = t * 1000 * MS;
    const pay = j(5);
    const ship = j(4);
    const gap = j(0.5);
    const total = 2 * (pay + 4 * gap) + ship + 6 * gap;
    const root = span('', 'frontend', 'Recv', t0, total + 2 * gap);
    const call = span(root, 'frontend', 'checkout/PlaceOrder', t0 + gap, total);
    const place = span(call, 'checkout', 'PlaceOrder', t0 + 2 * gap, total - 2 * gap);
    let at = t0 + 3 * gap;
    const step = span(place, 'checkout', 'ChargeCard', at, pay + 2 * gap);
    const c = span(step, 'checkout', 'payment/Charge', at + gap / 2, pay + gap);
    span(c, 'payment', 'Charge', at + gap, pay);
    at += pay + 3 * gap;
    const step2 = span(place, 'checkout', 'ShipOrder', at, ship + 2 * gap);
    const c2 = span(step2, 'checkout', 'shipping/ShipOrder', at + gap / 2, ship + gap);
    const s = span(c2, 'shipping', 'ShipOrder', at + gap, ship);
    span(s, 'shipping', 'Quote', at + gap * 1.5, ship / 2);
  }
  return out;
}

const runs = (seed = 1) => ({ base: tracesOf(toSpanTable(shop(60, seed))), inc: tracesOf(toSpanTable(shop(60, seed + 100))) });

test('inject: network delay opens a gap between the caller and the service, and everything after moves', () => {
  const { inc } = runs();
  const { traces, hits } = inject(inc, 'payment', 'network_delay', { delayNs: 50 * MS });
  assert.equal(hits, 60);
  const a = inc[0]!;
  const b = traces[0]!;
  const at = (tr: typeof a, name: string) => tr.find((s) => s.name === name)!;
  const shift = at(b, 'Charge').start - at(a, 'Charge').start;
  assert.ok(shift > 30 * MS && shift < 80 * MS, `shift ${shift / MS} ms`);
  assert.equal(at(b, 'Charge').end - at(b, 'Charge').start, at(a, 'Charge').end - at(a, 'Charge').start); // its own work as before
  assert.equal(at(b, 'payment/Charge').start, at(a, 'payment/Charge').start); // the caller's span starts as before …
  assert.ok(at(b, 'payment/Charge').end - at(a, 'payment/Charge').end >= shift - 1); // … and waits
  assert.ok(Math.abs(at(b, 'ShipOrder').start - at(a, 'ShipOrder').start - shift) < 1); // later work moves
  assert.ok(Math.abs(at(b, 'Recv').end - at(a, 'Recv').end - shift) < 1);
});

test('inject: CPU contention multiplies the service\'s own time; an exception ends the request; an early return skips the dependencies', () => {
  const { inc } = runs();
  const own = (tr: (typeof inc)[0], name: string) => {
    const s = tr.find((x) => x.name === name)!;
    return s.end - s.start;
  };
  const cpu = inject(inc, 'payment', 'cpu', { cpuFactor: 3 }).traces;
  const ratio = cpu.reduce((s, tr, k) => s + own(tr, 'Charge') / own(inc[k]!, 'Charge'), 0) / inc.length;
  assert.ok(ratio > 2.5 && ratio < 3.6, `own time ×${ratio}`);

  const ex = inject(inc, 'payment', 'exception', { share: 1 });
  assert.equal(ex.hits, 60);
  const t = ex.traces[0]!.filter((s) => !s.gone);
  assert.deepEqual(t.map((s) => s.service).filter((s) => s === 'shipping'), []); // nothing after the failure happens
  const charge = t.find((s) => s.name === 'Charge')!;
  for (const s of t) assert.ok(s.end <= charge.end + 2 * MS, `${s.name} ends after the failure`);

  const ret = inject(inc, 'shipping', 'return');
  assert.equal(ret.hits, 60);
  assert.ok(!ret.traces[0]!.some((s) => s.name === 'Quote' && !s.gone)); // the dependency is skipped
  assert.ok(ret.traces[0]!.some((s) => s.name === 'ShipOrder' && s.service === 'shipping' && !s.gone));
  assert.deepEqual(inject(inc, 'payment', 'return').hits, 0); // payment calls nothing: no mark
  assert.deepEqual(injectableServices(inc), ['checkout', 'payment', 'shipping']);
});

test('stops: a call made through one of the service\'s own steps counts — checkout stops after its ChargeCard step when payment fails', () => {
  const { base, inc } = runs();
  const ex = inject(inc, 'payment', 'exception', { share: 1 }).traces;
  const r = serviceEvidence(aggregateDetailed(toTable(base)), aggregateDetailed(toTable(ex)), 0.01);
  const stop = r.services.map((s) => s.vanished ?? s.answered).find((v) => v?.how === 'stops' && v.operation === 'PlaceOrder');
  assert.ok(stop, JSON.stringify(r.services.map((s) => s.evidence)));
  assert.equal(stop.children[0]!.child, 'ChargeCard');
  assert.equal(stop.children[0]!.childService, 'payment');
  assert.equal(stop.children[0]!.step, true);
  const d = diagnose(toTable(base), toTable(ex), { seed: 1 });
  const services = [...new Set([d.rootCause?.service, ...d.candidates.map((c) => c.service)])];
  assert.ok(services.slice(0, 3).includes('payment'), services.join(', '));
  // payment answers sooner (it fails fast), so the stop is pinned on it, and the evidence names the step
  assert.equal(d.rootCause?.service, 'payment');
  assert.match(d.rootCause!.evidence.join('\n'), /the caller went on after its step ChargeCard \(the call to payment\) in 100% → 0% of calls/);
});

test('stops: a fail-fast on some of the requests (40 %) is a finding — the share that stops is not weighed twice', () => {
  const { base, inc } = runs(3);
  const ex = inject(inc, 'payment', 'exception', { share: 0.4, seed: 5 });
  assert.ok(ex.hits >= 15 && ex.hits <= 35, `hits ${ex.hits}`);
  const r = serviceEvidence(aggregateDetailed(toTable(base)), aggregateDetailed(toTable(ex.traces)), 0.01);
  assert.ok(r.services.some((s) => (s.vanished ?? s.answered)?.how === 'stops'), JSON.stringify(r.services.map((s) => s.evidence)));
  // and nothing when no fault is injected
  const none = serviceEvidence(aggregateDetailed(toTable(base)), aggregateDetailed(toTable(inc)), 0.01);
  assert.ok(!none.services.some((s) => s.vanished || s.answered), JSON.stringify(none.services.map((s) => s.evidence)));
});

test('real OnlineBoutique window, CPU contention injected in shippingservice (×3 own time; the run is not slower): shippingservice first', async () => {
  // its spans take ~0.1–0.5 ms, so the run's latency does not move; before E2E_FLOOR, a few ms of drift in one
  // currencyservice operation "explained all" of a change of ~0 and outranked a service slower on all 5 operations
  const { loadTraces } = await import('../../../../src/sources/file');
  const { REAL_FAULTS_DIR } = await import('../../../helpers/real-faults');
  const { join } = await import('node:path');
  const all = tracesOf((await loadTraces(join(REAL_FAULTS_DIR, 'baselines/onlineboutique-2022-08-23-1700.jsonl.gz'))).model);
  const half = Math.floor(all.length / 2);
  const inc = inject(all.slice(half), 'shippingservice', 'cpu', { seed: 7 }).traces;
  const d = diagnose(toTable(all.slice(0, half)), toTable(inc), { seed: 1 });
  assert.equal(d.rootCause?.service, 'shippingservice', JSON.stringify(d.candidates.slice(0, 3).map((c) => [c.service, c.name, c.confidence])));
  assert.equal(diagnose(toTable(all.slice(0, half)), toTable(all.slice(half)), { seed: 1 }).rootCause, null);
});

/**
 * `n` checkout requests where the frontend goes on after checkout answered (it asks the ad service for ads). With
 * `failAfterCharge`, checkout gives up right after payment answered — payment's answers exactly as before (same
 * time, same work): checkout's answers are cut short, so the frontend stops too.
 */
function shopWithAds(n: number, seed: number, failAfterCharge: boolean): GenSpan[] {
  const r = mulberry32(seed);
  const j = (ms: number) => ms * MS * (0.8 + 0.4 * r());
  const out: GenSpan[] = [];
  for (let t = 0; t < n; t++) {
    const traceId = `${seed}-${t}`.padStart(32, '0');
    const span = spanWriter(out, traceId);
    const t0 = t * 1000 * MS;
    const [pay, ship, ads, gap] = [j(5), j(4), j(3), j(0.5)];
    const place = failAfterCharge ? pay + 4 * gap : pay + ship + 8 * gap;
    const total = place + 2 * gap + (failAfterCharge ? gap : ads + 4 * gap);
    const root = span('', 'frontend', 'Recv', t0, total);
    const call = span(root, 'frontend', 'checkout/PlaceOrder', t0 + gap, place + 2 * gap);
    const p = span(call, 'checkout', 'PlaceOrder', t0 + 2 * gap, place);
    let at = t0 + 3 * gap;
    const c = span(p, 'checkout', 'payment/Charge', at, pay + gap);
    span(c, 'payment', 'Charge', at + gap / 2, pay);
    at += pay + 2 * gap;
    if (!failAfterCharge) {
      const c2 = span(p, 'checkout', 'shipping/ShipOrder', at, ship + gap);
      span(c2, 'shipping', 'ShipOrder', at + gap / 2, ship);
      const a = span(root, 'frontend', 'ad/GetAds', t0 + place + 4 * gap, ads + gap);
      span(a, 'ad', 'GetAds', t0 + place + 4.5 * gap, ads);
    }
  }
  return out;
}

test('stops twice in one request: the frontend stops after checkout (cut short) and checkout stops after payment (answers as before) — payment is the next suspect after checkout', () => {
  const base = toSpanTable(shopWithAds(40, 1, false));
  const inc = toSpanTable(shopWithAds(40, 2, true));
  const r = serviceEvidence(aggregateDetailed(base), aggregateDetailed(inc), 0.01);
  const checkout = r.services.find((s) => s.service === 'checkout');
  const payment = r.services.find((s) => s.service === 'payment');
  assert.ok(checkout?.vanished, JSON.stringify(r.services.map((s) => s.evidence)));
  assert.match(checkout.evidence.join('\n'), /checkout \/ PlaceOrder itself now stops right after calling payment/);
  assert.ok(payment?.answered, JSON.stringify(r.services.map((s) => s.evidence)));
  assert.ok(payment.score <= checkout.score / 2 + 1e-9, `${payment.score} vs ${checkout.score}`);
  const d = diagnose(base, inc, { seed: 1 });
  const services = [...new Set([d.rootCause?.service, ...d.candidates.map((c) => c.service)])];
  assert.deepEqual(services.slice(0, 2), ['checkout', 'payment']);
});

/**
 * `n` checkout requests; checkout ships, then charges the card as its LAST call (nothing of its own follows, so it
 * never "goes on" after payment), and the frontend goes on to the ad service after checkout answered. With `fail`,
 * half of the charges fail fast (payment answers in 0.3 ms instead of ~5) and the frontend gives up after checkout.
 */
function shopPayLast(n: number, seed: number, fail: boolean): GenSpan[] {
  const r = mulberry32(seed);
  const j = (ms: number) => ms * MS * (0.8 + 0.4 * r());
  const out: GenSpan[] = [];
  for (let t = 0; t < n; t++) {
    const span = spanWriter(out, `${seed}-${t}`.padStart(32, '0'));
    const t0 = t * 1000 * MS;
    const fails = fail && r() < 0.5;
    const [ship, ads, gap] = [j(4), j(3), j(0.5)];
    const pay = fails ? 0.3 * MS : j(5);
    const place = ship + pay + 6 * gap;
    const total = place + 2 * gap + (fails ? gap : ads + 4 * gap);
    const root = span('', 'frontend', 'Recv', t0, total);
    const call = span(root, 'frontend', 'checkout/PlaceOrder', t0 + gap, place + 2 * gap);
    const p = span(call, 'checkout', 'PlaceOrder', t0 + 2 * gap, place);
    let at = t0 + 3 * gap;
    const c2 = span(p, 'checkout', 'shipping/ShipOrder', at, ship + gap);
    span(c2, 'shipping', 'ShipOrder', at + gap / 2, ship);
    at += ship + 2 * gap;
    const c = span(p, 'checkout', 'payment/Charge', at, pay + gap);
    span(c, 'payment', 'Charge', at + gap / 2, pay);
    if (!fails) {
      const a = span(root, 'frontend', 'ad/GetAds', t0 + place + 4 * gap, ads + gap);
      span(a, 'ad', 'GetAds', t0 + place + 4.5 * gap, ads);
    }
  }
  return out;
}

test('a stop follows the cut down: the frontend stops after checkout, whose answers were cut short because payment\'s answers to it were — payment', () => {
  const base = toSpanTable(shopPayLast(60, 1, false));
  const inc = toSpanTable(shopPayLast(60, 2, true));
  const r = serviceEvidence(aggregateDetailed(base), aggregateDetailed(inc), 0.01);
  const pay = r.services.find((s) => s.service === 'payment');
  assert.ok(pay?.vanished, JSON.stringify(r.services.map((s) => [s.service, s.evidence])));
  assert.match(pay.evidence.join('\n'), /frontend \/ Recv now stops right after calling checkout, whose answers were cut short \(checkout \/ PlaceOrder answers (sooner|part of its calls sooner)[^)]*, because payment's answers to checkout were cut short under it: payment \/ Charge answers/);
  const d = diagnose(base, inc, { seed: 1 });
  assert.equal(d.rootCause?.service, 'payment', JSON.stringify(d.candidates.map((c) => [c.service, c.name, c.kind])));
});
