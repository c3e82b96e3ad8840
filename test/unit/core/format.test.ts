import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatBusy, formatConfidence, formatDeltaMs, formatHeadline, formatMs, formatMsPair, formatPercent, isNotableChange, possessive, rankLabel, runColumnLabels, waitsOnText } from '../../../src/core/format';
import { formatDelta as flameDelta, formatMs as flameMs } from '../../../src/core/diff/flame-layout';

test('one formatter: the flame graph and the extension print the same numbers (issue 13 item 8)', () => {
  for (const v of [0.027, 0.5, 2.6, 12.34, 458.2, 775.4, 4560, 125_000]) {
    assert.equal(flameMs(v), formatMs(v));
    assert.equal(flameDelta(v), formatDeltaMs(v));
    assert.equal(flameDelta(-v), formatDeltaMs(-v));
  }
  assert.equal(formatDeltaMs(-8.2), '\u22128.2 ms');
  assert.equal(formatDeltaMs(0), '±0 ms');
  assert.equal(formatHeadline(458, 475), 'self/trace 458 ms → 475 ms (+17 ms)');
  assert.equal(formatHeadline(null, 5), 'self/trace 5 ms (new in incident)');
  assert.equal(formatHeadline(5, null), 'self/trace 5 ms (not in incident)');
  assert.equal(rankLabel(true, 1), 'root cause');
  assert.equal(rankLabel(false, 2), 'candidate #2');
  assert.equal(rankLabel(false, undefined), '');
});

test('confidence: one word, never rounds up to a certainty it does not have', () => {
  assert.equal(formatConfidence(0.99), 'confidence 99%');
  assert.equal(formatConfidence(0.9999), 'confidence >99%');
  assert.equal(formatConfidence(1), 'confidence 100%');
  assert.equal(formatPercent(0.034), '3.4%');
});

test('notable changes: confident and not tiny next to the largest', () => {
  assert.equal(isNotableChange(823, 1, 823), true);
  assert.equal(isNotableChange(-0.027, 1, 823), false); // tiny
  assert.equal(isNotableChange(40, 0.5, 823), false); // not significant
  assert.equal(isNotableChange(-40, 0.99, 823), true); // a real speed-up counts too
});

test('column labels: baseline/incident, or the short words of an automatic split', () => {
  assert.deepEqual(runColumnLabels(null), { baseline: 'baseline', incident: 'incident' });
  assert.deepEqual(runColumnLabels({ method: 'given', description: '' }), { baseline: 'baseline', incident: 'incident' });
  assert.deepEqual(runColumnLabels({ method: 'time_window', description: '…; the later window is the incident' }), { baseline: 'before split', incident: 'after split' });
  assert.deepEqual(runColumnLabels({ method: 'time_window', description: '…; the earlier window is the incident' }), { baseline: 'after split', incident: 'before split' });
  assert.deepEqual(runColumnLabels({ method: 'slowest_decile', description: 'no level shift…' }), { baseline: 'other traces', incident: 'slowest traces' });
  for (const l of Object.values(runColumnLabels({ method: 'slowest_decile', description: '' }))) assert.ok(l.length <= 14);
});

test('possessive: a name ending in s takes the apostrophe alone', () => {
  assert.equal(possessive('ts-security-service'), "ts-security-service's");
  assert.equal(possessive('users'), "users'");
  assert.equal(possessive('PRICES'), "PRICES'");
});

test('waits-on sentence: the gap per call before → after when the diagnosis carries it (waitsOnGapMs), else without figures', () => {
  assert.equal(waitsOnText({}), null);
  assert.equal(
    waitsOnText({ waitsOn: 'ts-security-service', waitsOnGapMs: { baseline: 3.3, incident: 2004 } }),
    "its added own time is the wait for ts-security-service (the time between its call and ts-security-service's span grew 3.3 ms → 2 s per call): see that finding",
  );
  assert.equal(waitsOnText({ waitsOn: 'x' }), "its added own time is the wait for x (the time between its call and x's span grew): see that finding");
  assert.equal(waitsOnText({ waitsOn: 'x', waitsOnGapMs: { baseline: NaN, incident: 1 } }), "its added own time is the wait for x (the time between its call and x's span grew): see that finding");
});

test('how busy a service is: a pool that did some work is never "0 %" busy', () => {
  assert.equal(formatBusy(0.87), '87 %');
  assert.equal(formatBusy(0.0049), 'under 1 %');
  assert.equal(formatBusy(0.005), '1 %');
  assert.equal(formatBusy(0), '0 %');
  assert.equal(formatBusy(Number.NaN), '—');
});

test('an idle callee is "under 1 % utilised", not "only 0 % utilised"', async () => {
  const { waitWords } = await import('../../../src/core/rca/context');
  const say = waitWords('calls to x wait longer', 'x', 'for a reason not known');
  assert.match(say({ load: 'idle', utilisation: 0.002 }), /x is under 1 % utilised, so not saturated/);
  assert.match(say({ load: 'idle', utilisation: 0.07 }), /x is only 7 % utilised, so not saturated/);
  assert.match(say({ load: 'busy', utilisation: 0.93 }), /x is 93 % utilised: requests queue for it/);
});

test('walkthrough 2026-12-07 pm: the headline pair at one precision — "2.0 ms → 1.9 ms", not "2 ms → 1.9 ms"', () => {
  assert.equal(formatHeadline(1.956, 1.929), 'self/trace 2.0 ms → 1.9 ms (−0.027 ms)');
  assert.deepEqual(formatMsPair(3, 3.4), ['3.0 ms', '3.4 ms']);
  assert.deepEqual(formatMsPair(70.3, 893), ['70 ms', '893 ms']);
  assert.deepEqual(formatMsPair(2, 3), ['2 ms', '3 ms']);
});
