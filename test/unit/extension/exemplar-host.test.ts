import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ExemplarHost, type ExemplarSnapshot } from '../../../src/extension/panels/exemplar-host';
import { isExemplars, isSpanMessage, isTraceMessage } from '../../../src/protocol/exemplars';
import { table, type S } from '../../helpers/spans';

const hex = (s: string) => {
  let h = '';
  for (const ch of s) h += ch.charCodeAt(0).toString(16).padStart(2, '0');
  return h.padStart(32, '0').slice(-32);
};
const trace = (tr: string, t0: number, slow: number): S[] => [
  { trace: tr, id: tr + 'r', name: 'GET /', service: 'web', start: t0, dur: 100 + slow },
  { trace: tr, id: tr + 'd', parent: tr + 'r', name: 'query', service: 'db', start: t0 + 10, dur: 50 + slow },
];
const path = [{ service: 'web', name: 'GET /' }, { service: 'db', name: 'query' }];

test('ExemplarHost: diff mode answers lists and one trace per request; other messages are not its business', () => {
  const inc = table([...trace('i1', 0, 500), ...trace('i2', 1000, 900)]);
  const base = table([...trace('b1', 0, 1), ...trace('b2', 1000, 2), ...trace('b3', 2000, 3)]);
  const snap: ExemplarSnapshot = { mode: 'diff', autoSplit: false, incident: { run: { model: inc } }, baseline: { run: { model: base } } };
  const host = new ExemplarHost(() => snap);
  assert.equal(host.handle({ type: 'ready' }), undefined);
  assert.equal(host.handle({ type: 'exemplarsRequest', path: [] }), undefined, 'malformed requests are not answered');
  const r = host.handle({ type: 'exemplarsRequest', path });
  assert.ok(isExemplars(r) && r.list);
  assert.deepEqual(r.list.incident.map((x) => x.traceId), [hex('i2'), hex('i1')]);
  assert.equal(r.list.baseline[0]!.traceId, hex('b2'));
  const t = host.handle({ type: 'traceRequest', side: 'baseline', traceId: hex('b2'), path });
  assert.ok(isTraceMessage(t) && t.trace);
  assert.equal(t.trace.side, 'baseline');
  assert.equal(t.trace.n, 2);
  // details of a span the webview was sent (index into the trace's arrays)
  const sp = host.handle({ type: 'spanRequest', side: 'baseline', traceId: hex('b2'), index: 1 });
  assert.ok(isSpanMessage(sp) && sp.detail, JSON.stringify(sp));
  assert.equal(sp.detail.kind, 'internal');
  assert.ok(sp.detail.parentSpanId.length === 16);
  const bad = host.handle({ type: 'spanRequest', side: 'baseline', traceId: hex('b2'), index: 99 });
  assert.ok(isSpanMessage(bad) && bad.detail === null && /no span 99/.test(bad.error ?? ''));
  // a trace id of the other run is refused with a reason
  const wrong = host.handle({ type: 'traceRequest', side: 'incident', traceId: hex('b2') });
  assert.ok(isTraceMessage(wrong) && wrong.trace === null && /not in the incident run/.test(wrong.error ?? ''));
});

test('ExemplarHost: an auto-split run is split again; each side only sees its own traces; bounded traces', () => {
  const spans: S[] = [];
  // 40 normal traces then 40 slow ones: a level shift in time
  for (let k = 0; k < 40; k++) spans.push(...trace(`n${k}`, k * 1000, k % 3));
  for (let k = 0; k < 40; k++) spans.push(...trace(`s${k}`, 40_000 + k * 1000, 800 + (k % 5)));
  const m = table(spans);
  const snap: ExemplarSnapshot = { mode: 'diff', autoSplit: true, incident: { run: { model: m } } };
  const host = new ExemplarHost(() => snap, { maxSpans: 1 });
  const r = host.handle({ type: 'exemplarsRequest', path });
  assert.ok(isExemplars(r) && r.list);
  assert.ok(r.list.incident.every((x) => x.latencyMs >= 900), 'incident exemplars come from the slow part');
  assert.ok(r.list.baseline.every((x) => x.latencyMs < 200), 'baseline exemplars from the normal part');
  assert.equal(r.list.incidentMatches, 40);
  const slow = r.list.incident[0]!.traceId;
  assert.ok(isTraceMessage(host.handle({ type: 'traceRequest', side: 'incident', traceId: slow })));
  const t = host.handle({ type: 'traceRequest', side: 'incident', traceId: slow });
  assert.ok(isTraceMessage(t) && t.trace && t.trace.n === 1 && t.trace.totalSpans === 2, 'cut to maxSpans');
  const refused = host.handle({ type: 'traceRequest', side: 'baseline', traceId: slow });
  assert.ok(isTraceMessage(refused) && refused.trace === null);
});

test('ExemplarHost: a single run has no baseline side; nothing loaded → a reason, no throw', () => {
  const m = table(trace('a', 0, 0));
  const host = new ExemplarHost(() => ({ mode: 'single', autoSplit: false, incident: { run: { model: m } } }));
  const r = host.handle({ type: 'exemplarsRequest', path });
  assert.ok(isExemplars(r) && r.list && r.list.hasBaseline === false && r.list.incident.length === 1);
  const none = new ExemplarHost(() => ({ mode: 'none', autoSplit: false }));
  const n = none.handle({ type: 'exemplarsRequest', path });
  assert.ok(isExemplars(n) && n.list === null && /No traces/.test(n.error ?? ''));
  const nt = none.handle({ type: 'traceRequest', side: 'incident', traceId: 'abc' });
  assert.ok(isTraceMessage(nt) && nt.trace === null);
});

test('ExemplarHost: the engine\'s split masks are used as given (no second split)', () => {
  const m = table([...trace('x1', 0, 0), ...trace('x2', 1000, 500), ...trace('x3', 2000, 900)]);
  const incident = new Uint8Array(m.strings.size);
  const baseline = new Uint8Array(m.strings.size);
  // deliberately not what splitTraces would say: x1 is the "slow part"
  for (let i = 0; i < m.size; i++) (m.traceId(i) === hex('x1') ? incident : baseline)[m.traceIdCol[i]!] = 1;
  const host = new ExemplarHost(() => ({ mode: 'diff', autoSplit: true, splitMasks: { baseline, incident }, incident: { run: { model: m } } }));
  const r = host.handle({ type: 'exemplarsRequest', path });
  assert.ok(isExemplars(r) && r.list);
  assert.deepEqual(r.list.incident.map((x) => x.traceId), [hex('x1')]);
  assert.deepEqual(r.list.baseline.map((x) => x.traceId).sort(), [hex('x2'), hex('x3')].sort());
});
