// Which leads when a run both fails more and has a large slowdown? Failures lead when the incident is not (much)
// slower — a few % of latency drift next to a component that started failing is not the headline. But requests that
// fail fast make the end-to-end mean faster and can hide a large delay elsewhere: a call adding ≥ 15 % of the baseline
// latency per trace, beyond doubt, is no drift and leads (seen on the 2023-01-30 TrainTicket window, whose own
// trips/left failures burst in its second half and outranked a 100 ms network delay injected at station).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { diagnose } from '../../../../src/core/rca/analyze';
import { mulberry32 } from '../../../../src/core/stats/index';
import { SpanKind } from '../../../../src/core/model/span-table';
import { table, type S } from '../../../helpers/spans';

/**
 * gw → trips (8 ms; `failShare` of its requests fail fast in 1 ms and the request ends there) → then gw → station
 * (20 ms, its callers' calls wait `delay` ms before station's span starts).
 */
function run(seed: number, failShare: number, delay: number): S[] {
  const rnd = mulberry32(seed);
  const spans: S[] = [];
  for (let k = 0; k < 60; k++) {
    const t0 = k * 1000;
    const tr = 't' + k;
    const fails = rnd() < failShare;
    const trips = fails ? 1 : 8 + rnd() * 2;
    const st = 20 + rnd() * 4;
    const gap = 0.8 + rnd() * 0.4 + delay * (0.9 + 0.2 * rnd());
    const end = fails ? 1 + trips + 1 : 1 + trips + 1 + st + gap + 1;
    spans.push({ trace: tr, id: 'g' + k, name: 'GET /', service: 'gw', kind: SpanKind.Server, start: t0, dur: end, error: fails });
    spans.push({ trace: tr, id: 'ct' + k, parent: 'g' + k, name: 'GET trips', service: 'gw', kind: SpanKind.Client, start: t0 + 0.5, dur: trips + 0.5, error: fails });
    spans.push({ trace: tr, id: 'tr' + k, parent: 'ct' + k, name: '/trips', service: 'trips', kind: SpanKind.Server, start: t0 + 0.7, dur: trips, error: fails });
    if (fails) continue;
    const s0 = t0 + 2 + trips;
    spans.push({ trace: tr, id: 'cs' + k, parent: 'g' + k, name: 'GET station', service: 'gw', kind: SpanKind.Client, start: s0, dur: st + gap });
    spans.push({ trace: tr, id: 'st' + k, parent: 'cs' + k, name: '/station', service: 'station', kind: SpanKind.Server, start: s0 + gap / 2, dur: st });
  }
  return spans;
}

test('a 12 ms call delay at station (≈ 40 % of the baseline latency) leads over trips failing fast in 40 % of requests', () => {
  const d = diagnose(table(run(1, 0, 0)), table(run(2, 0.4, 12)), { seed: 1 });
  assert.equal(d.regression?.errorsUp, true);
  assert.equal(d.rootCause?.service, 'station', JSON.stringify(d.candidates.map((c) => [c.service, c.name, c.kind, c.impactMs])));
  assert.ok(d.candidates.some((c) => c.service === 'trips' && c.kind === 'errors'), 'the failures are still a candidate');
});

test('the same failures next to a small drift at station: the failures lead', () => {
  const d = diagnose(table(run(1, 0, 0)), table(run(2, 0.4, 1.5)), { seed: 1 });
  assert.equal(d.rootCause?.service, 'trips', JSON.stringify(d.candidates.map((c) => [c.service, c.name, c.kind, c.impactMs])));
  assert.equal(d.rootCause?.kind, 'errors');
});
