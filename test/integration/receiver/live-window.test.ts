/** The receiver's live window: bounded by spans, snapshot through the shared parser, cached between arrivals. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { LiveWindow } from '../../../src/sources/receiver/live';
import { parseTraceText } from '../../../src/core/parse/index';

function line(traceNo: number, spans: number): Buffer {
  const traceId = traceNo.toString(16).padStart(32, '0');
  const list = Array.from({ length: spans }, (_, i) => ({
    traceId,
    spanId: (traceNo * 100 + i + 1).toString(16).padStart(16, '0'),
    parentSpanId: i === 0 ? '' : (traceNo * 100 + 1).toString(16).padStart(16, '0'),
    name: i === 0 ? 'root' : `child-${i}`,
    kind: 2,
    startTimeUnixNano: String(1_700_000_000_000_000_000n + BigInt(traceNo) * 1_000_000n),
    endTimeUnixNano: String(1_700_000_000_000_000_000n + BigInt(traceNo) * 1_000_000n + 500_000n),
  }));
  return Buffer.from(JSON.stringify({ resourceSpans: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 'svc' } }] }, scopeSpans: [{ scope: { name: 's' }, spans: list }] }] }));
}

describe('LiveWindow', () => {
  it('keeps the most recent requests within the span budget and builds a model from them', () => {
    const w = new LiveWindow(10, () => ['f1.jsonl']);
    assert.equal(w.snapshot().model.size, 0);
    for (let t = 1; t <= 5; t++) w.add(line(t, 4), 4);
    const snap = w.snapshot();
    assert.equal(snap.spans, 8); // two newest requests of 4 fit in 10
    assert.equal(snap.evictedSpans, 12);
    assert.equal(snap.model.size, 8);
    const traces = [...snap.model.traces().keys()];
    assert.deepEqual(traces, [(4).toString(16).padStart(32, '0'), (5).toString(16).padStart(32, '0')]);
    for (let i = 0; i < snap.model.size; i++) {
      if (snap.model.name(i) !== 'root') assert.equal(snap.model.name(snap.model.parent[i]!), 'root');
    }
    assert.deepEqual(snap.files, ['f1.jsonl']);
    assert.equal(w.snapshot(), snap);
    w.add(line(6, 2), 2);
    assert.notEqual(w.snapshot(), snap);
    assert.equal(w.snapshot().model.size, 10);
  });

  it('incremental snapshots hold the newest spans (between the budget and twice it), identical to a fresh parse', () => {
    const w = new LiveWindow(10, () => []);
    const sent: Buffer[] = [];
    for (let t = 1; t <= 30; t++) {
      const l = line(t, 3);
      sent.push(l);
      w.add(l, 3);
      if (t % 2 === 1 && t !== 29) continue; // snapshots at irregular moments
      const snap = w.snapshot();
      const n = snap.model.size;
      // the window keeps whole requests within the budget; the snapshot holds the window and at most twice the budget
      assert.ok(w.spanCount >= Math.min(3 * t, 10 - 2), `window ${w.spanCount} after ${t} requests`);
      assert.ok(n >= w.spanCount && n <= 20, `size ${n} after ${t} requests`);
      assert.equal(n % 3, 0);
      // it is exactly the newest n/3 requests, span for span what a fresh parse of them gives
      const fresh = parseTraceText(Buffer.concat(sent.slice(t - n / 3).flatMap((b) => [b, Buffer.from('\n')])).toString(), 'x').model;
      const dump = (m: typeof fresh) => Array.from({ length: m.size }, (_, i) => m.toObject(i)).sort((a, b) => a.spanId.localeCompare(b.spanId));
      assert.deepEqual(dump(snap.model), dump(fresh));
      assert.equal(snap.evictedSpans, 3 * t - n);
    }
  });

  it('always keeps the newest request even when it alone exceeds the budget; 0 keeps nothing', () => {
    const w = new LiveWindow(3, () => []);
    w.add(line(1, 5), 5);
    assert.equal(w.snapshot().model.size, 5);
    const none = new LiveWindow(0, () => []);
    none.add(line(1, 5), 5);
    assert.equal(none.snapshot().model.size, 0);
    assert.equal(none.snapshot().evictedSpans, 5);
  });
});
