import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { indexTraces, matchPath, selectExemplars } from '../../../../src/core/exemplars/select';
import { extractWaterfall } from '../../../../src/core/exemplars/waterfall';
import { SpanFlag, isWaterfallTrace, isExemplarList, isTraceRequest, isExemplarsRequest, type WaterfallTrace } from '../../../../src/protocol/exemplars';
import { table, type S } from '../../../helpers/spans';

const hexTrace = (s: string) => {
  let h = '';
  for (const ch of s) h += ch.charCodeAt(0).toString(16).padStart(2, '0');
  return h.padStart(32, '0').slice(-32);
};

/** a trace: GET / (web) → auth (auth) → SELECT (db), and GET / → SELECT (db) directly; `slow` ms added to auth */
function webTrace(tr: string, t0: number, slow: number, entry = 'GET /'): S[] {
  return [
    { trace: tr, id: tr + 'r', name: entry, service: 'web', start: t0, dur: 100 + slow },
    { trace: tr, id: tr + 'a', parent: tr + 'r', name: 'auth', service: 'auth', start: t0 + 5, dur: 20 + slow },
    { trace: tr, id: tr + 'q', parent: tr + 'a', name: 'SELECT', service: 'db', start: t0 + 6, dur: 4 },
    { trace: tr, id: tr + 'd', parent: tr + 'r', name: 'SELECT', service: 'db', start: t0 + 40 + slow, dur: 10 },
  ];
}

const path = (...ops: [string, string][]) => ops.map(([service, name]) => ({ service, name }));

test('matchPath: a span matches only through its exact chain from the entry point', () => {
  const m = table([...webTrace('t1', 0, 0), { trace: 't1', id: 'x', parent: 't1q', name: 'SELECT', service: 'db', start: 7, dur: 1 }]);
  const lv = matchPath(m, path(['web', 'GET /'], ['auth', 'auth'], ['db', 'SELECT']));
  const byName = (id: string) => {
    for (let i = 0; i < m.size; i++) if (m.spanId(i).endsWith(Buffer.from(id).toString('hex'))) return lv[i]!;
    throw new Error(id);
  };
  assert.equal(byName('t1r'), 1);
  assert.equal(byName('t1a'), 2);
  assert.equal(byName('t1q'), 3, 'SELECT under auth is on the path');
  assert.equal(byName('t1d'), 0, 'SELECT directly under GET / is another call path');
  assert.equal(byName('x'), 0, 'deeper than the path (SELECT under SELECT) does not match');
  // unknown strings: nothing matches, no throw
  assert.equal(matchPath(m, path(['nope', 'GET /'])).reduce((a, b) => a + b, 0), 0);
});

test('selectExemplars: slowest incident traces through the path, median baseline of the same entry point', () => {
  const inc = table([
    ...webTrace('i1', 0, 300),
    ...webTrace('i2', 1000, 900),
    ...webTrace('i3', 2000, 10),
    // slow, but does not go through auth: not an exemplar
    { trace: 'i4', id: 'i4r', name: 'GET /', service: 'web', start: 3000, dur: 5000 },
  ]);
  const base = table([
    ...webTrace('b1', 0, 1),
    ...webTrace('b2', 1000, 3),
    ...webTrace('b3', 2000, 2),
    ...webTrace('b4', 3000, 50, 'POST /'), // other entry point: never the typical trace of GET /
    ...webTrace('b5', 4000, 4),
    ...webTrace('b6', 5000, 5),
  ]);
  const p = path(['web', 'GET /'], ['auth', 'auth']);
  const list = selectExemplars(indexTraces({ model: inc }), indexTraces({ model: base }), p, { incidentCount: 2, baselineCount: 3 });
  assert.ok(isExemplarList(list));
  assert.deepEqual(list.incident.map((r) => r.traceId), [hexTrace('i2'), hexTrace('i1')]);
  assert.equal(list.incident[0]!.label, 'slowest');
  assert.equal(list.incident[0]!.latencyMs, 1000);
  assert.equal(list.incident[0]!.nodeMs, 920, 'time in the selected call path');
  assert.equal(list.incident[0]!.calls, 1);
  assert.equal(list.incident[0]!.spans, 4);
  assert.equal(list.incidentMatches, 3);
  // baseline pool: GET / traces b1 (101), b3 (102), b2 (103), b5 (104), b6 (105) → median b2
  assert.equal(list.baselineEntryTraces, 5);
  assert.equal(list.baseline[0]!.traceId, hexTrace('b2'));
});

test('selectExemplars: baseline counts, labels and the entry-point pool', () => {
  const inc = table([...webTrace('i1', 0, 300)]);
  const base = table([
    ...webTrace('b1', 0, 1),
    ...webTrace('b2', 1000, 3),
    ...webTrace('b3', 2000, 2),
    ...webTrace('b4', 3000, 50, 'POST /'),
    ...webTrace('b5', 4000, 4),
    ...webTrace('b6', 5000, 5),
  ]);
  const p = path(['web', 'GET /'], ['auth', 'auth']);
  const list = selectExemplars(indexTraces({ model: inc }), indexTraces({ model: base }), p, { baselineCount: 3 });
  // only the 5 GET / traces go through GET / → auth (b4's path starts at POST /)
  assert.equal(list.baselineMatches, 5);
  assert.equal(list.baselineEntryTraces, 5);
  assert.deepEqual(list.baseline.map((r) => r.traceId), [hexTrace('b2'), hexTrace('b3'), hexTrace('b5')]);
  assert.deepEqual(list.baseline.map((r) => r.label), ['median', 'p25', 'p75']);
  assert.equal(list.baseline[0]!.latencyMs, 103);
  assert.equal(list.note, undefined);
  // no baseline at all
  const single = selectExemplars(indexTraces({ model: inc }), null, p);
  assert.equal(single.hasBaseline, false);
  assert.deepEqual(single.baseline, []);
  // a call path the baseline never reaches: typical traces of the entry point, with a note
  const onlyInc = path(['web', 'GET /'], ['db', 'SELECT'], ['db', 'nested']);
  const l2 = selectExemplars(indexTraces({ model: inc }), indexTraces({ model: base }), onlyInc);
  assert.equal(l2.incident.length, 0);
  assert.equal(l2.baseline[0]!.traceId, hexTrace('b2'));
  assert.match(l2.note ?? '', /no incident trace goes through/);
  assert.match(l2.note ?? '', /showing typical traces of the entry point/);
});

test('selectExemplars: the halves of one auto-split run are told apart by their masks', () => {
  const m = table([...webTrace('n1', 0, 0), ...webTrace('n2', 1000, 1), ...webTrace('s1', 2000, 500), ...webTrace('s2', 3000, 700)]);
  const incMask = new Uint8Array(m.strings.size);
  const baseMask = new Uint8Array(m.strings.size);
  for (let i = 0; i < m.size; i++) ([hexTrace('s1'), hexTrace('s2')].includes(m.traceId(i)) ? incMask : baseMask)[m.traceIdCol[i]!] = 1;
  const list = selectExemplars(indexTraces({ model: m, mask: incMask }), indexTraces({ model: m, mask: baseMask }), path(['web', 'GET /']));
  assert.deepEqual(list.incident.map((r) => r.traceId), [hexTrace('s2'), hexTrace('s1')]);
  assert.deepEqual(list.baseline.map((r) => r.traceId).sort(), [hexTrace('n1'), hexTrace('n2')].sort());
  assert.equal(list.baseline[0]!.traceId, hexTrace('n1'), 'median of two is the lower one');
});

const critTotal = (w: WaterfallTrace) => {
  let s = 0;
  for (let q = 0; q < w.crit.length; q += 3) s += w.crit[q + 2]! - w.crit[q + 1]!;
  return s;
};
const idx = (w: WaterfallTrace, name: string) => w.name.findIndex((s) => w.strings[s] === name);

test('extractWaterfall: depth-first order, relative times, gaps and the critical path', () => {
  // root 0..100; a 10..60 and b 20..70 overlap, c 80..90 sequential (the aggregation's critical-path example)
  const m = table([
    { trace: 't', id: 'r', name: 'root', service: 'web', start: 1000, dur: 100 },
    { trace: 't', id: 'c', parent: 'r', name: 'c', service: 'web', start: 1080, dur: 10 },
    { trace: 't', id: 'b', parent: 'r', name: 'b', service: 'db', start: 1020, dur: 50 },
    { trace: 't', id: 'a', parent: 'r', name: 'a', service: 'db', start: 1010, dur: 50, error: true },
    { trace: 't', id: 'a1', parent: 'a', name: 'a1', service: 'db', start: 1012, dur: 5 },
    { trace: 'other', id: 'z', name: 'root', service: 'web', start: 0, dur: 1 },
  ]);
  const w = extractWaterfall(m, hexTrace('t'), { side: 'baseline' })!;
  assert.ok(isWaterfallTrace(w));
  assert.equal(w.side, 'baseline');
  assert.equal(w.n, 5);
  assert.equal(w.totalSpans, 5);
  assert.deepEqual(w.name.map((s) => w.strings[s]), ['root', 'a', 'a1', 'b', 'c'], 'children by start time, depth first');
  assert.deepEqual(w.depth, [0, 1, 2, 1, 1]);
  assert.deepEqual(w.parent, [-1, 0, 1, 0, 0]);
  assert.deepEqual(w.start, [0, 10, 12, 20, 80]);
  assert.equal(w.durationMs, 100);
  assert.equal(w.latencyMs, 100);
  assert.ok(Math.abs(w.startMs - (1_700_000_000_000 + 1000)) < 1e-3);
  // gaps: a 10 after the caller's start; a1 2 after a's start; b overlaps a (parallel) → from the caller's start;
  // c starts 10 after b (the latest earlier call) ended
  assert.deepEqual(w.gap, [0, 10, 2, 20, 10]);
  // critical path: root 0..10, a 10..12, a1 12..17, a 17..20, b 20..70, root 70..80, c 80..90, root 90..100
  const segs: string[] = [];
  for (let q = 0; q < w.crit.length; q += 3) segs.push(`${w.strings[w.name[w.crit[q]!]!]}:${w.crit[q + 1]}-${w.crit[q + 2]}`);
  assert.deepEqual(segs.sort(), ['a:10-12', 'a1:12-17', 'a:17-20', 'b:20-70', 'c:80-90', 'root:0-10', 'root:70-80', 'root:90-100'].sort());
  assert.equal(critTotal(w), 100, 'the critical path adds up to the latency');
  assert.ok(w.flags[idx(w, 'a')]! & SpanFlag.Error);
  assert.ok(w.flags[idx(w, 'b')]! & SpanFlag.Critical);
  assert.ok(w.flags[idx(w, 'a1')]! & SpanFlag.Critical, 'a1 is on the path before b starts');
  assert.equal(w.flags[idx(w, 'c')]! & SpanFlag.Error, 0);
  assert.equal(extractWaterfall(m, 'ffff'), null, 'unknown trace');
});

test('extractWaterfall: clock skew is adjusted and flagged, async children flagged, orphans kept after the entry tree', () => {
  const m = table([
    { trace: 't', id: 'r', name: 'root', service: 'web', start: 100, dur: 50 },
    { trace: 't', id: 'k', parent: 'r', name: 'skewed', service: 'db', start: 40, dur: 10 }, // 60 ms early, other service
    { trace: 't', id: 'k1', parent: 'k', name: 'inner', service: 'db', start: 42, dur: 2 },
    { trace: 't', id: 'as', parent: 'r', name: 'async', service: 'web', start: 140, dur: 100 },
    { trace: 't', id: 'o', parent: 'missing', name: 'orphan', service: 'q', start: 90, dur: 5 },
  ]);
  const w = extractWaterfall(m, hexTrace('t'))!;
  assert.equal(w.strings[w.name[0]!], 'root', 'the entry span first even when an orphan starts earlier');
  assert.equal(w.strings[w.name[w.n - 1]!], 'orphan');
  assert.ok(w.flags[w.n - 1]! & SpanFlag.Orphan);
  const k = idx(w, 'skewed');
  assert.ok(w.flags[k]! & SpanFlag.SkewAdjusted);
  // centred in the parent: 100 + (50 − 10) / 2 = 120 → relative to the first span (the orphan at 90): 30
  assert.equal(w.start[k], 30);
  assert.equal(w.start[idx(w, 'inner')], 32, 'the subtree moves with it');
  assert.ok(w.flags[idx(w, 'async')]! & SpanFlag.OutlivesParent);
  assert.equal(w.latencyMs, 50, 'latency = the entry span');
});

test('extractWaterfall: a big trace is cut to maxSpans, keeping the critical path and the selected call path', () => {
  const spans: S[] = [{ trace: 't', id: 'r', name: 'root', service: 'web', start: 0, dur: 10_000 }];
  for (let i = 0; i < 3000; i++) spans.push({ trace: 't', id: `c${i}`, parent: 'r', name: 'child', service: 'web', start: i, dur: 1 });
  spans.push({ trace: 't', id: 'late', parent: 'r', name: 'late', service: 'web', start: 5000, dur: 4000 });
  spans.push({ trace: 't', id: 'deep', parent: 'c2999', name: 'needle', service: 'db', start: 2999, dur: 0.5 });
  const m = table(spans);
  const w = extractWaterfall(m, hexTrace('t'), { maxSpans: 100, path: path(['web', 'root'], ['web', 'child'], ['db', 'needle']) })!;
  assert.equal(w.n, 100);
  assert.equal(w.totalSpans, 3003);
  assert.ok(idx(w, 'late') >= 0, 'critical span kept');
  const needle = idx(w, 'needle');
  assert.ok(needle >= 0, 'span on the selected path kept');
  assert.equal(w.strings[w.name[w.parent[needle]!]!], 'child', 'with its parent');
  for (let i = 0; i < w.n; i++) assert.ok(w.parent[i]! < i, 'parents come first');
});

test('extractWaterfall: property — parents first, children inside the trace, critical path sums to the entry span', () => {
  fc.assert(
    fc.property(
      fc.array(fc.record({ p: fc.nat(), s: fc.nat({ max: 1000 }), d: fc.nat({ max: 1000 }), svc: fc.constantFrom('a', 'b') }), { minLength: 1, maxLength: 60 }),
      (rows) => {
        const spans: S[] = [{ trace: 't', id: 's0', name: 'root', service: 'a', start: 0, dur: 2000 }];
        rows.forEach((r, i) => spans.push({ trace: 't', id: `s${i + 1}`, parent: `s${r.p % (i + 1)}`, name: `op${i % 5}`, service: r.svc, start: r.s, dur: r.d }));
        const w = extractWaterfall(table(spans), hexTrace('t'))!;
        assert.equal(w.n, spans.length);
        for (let i = 1; i < w.n; i++) {
          assert.ok(w.parent[i]! >= 0 && w.parent[i]! < i);
          assert.equal(w.depth[i], w.depth[w.parent[i]!]! + 1);
          assert.ok(w.gap[i]! >= 0);
        }
        assert.ok(Math.abs(critTotal(w) - w.latencyMs) < 1e-6 * w.n + 0.01, `${critTotal(w)} vs ${w.latencyMs}`);
        for (let q = 0; q < w.crit.length; q += 3) assert.ok(w.crit[q + 2]! >= w.crit[q + 1]!);
      },
    ),
    { numRuns: 150 },
  );
});

test('protocol guards: requests are bounded and well-formed', () => {
  assert.ok(isExemplarsRequest({ type: 'exemplarsRequest', path: [{ service: 'a', name: 'b' }] }));
  assert.ok(!isExemplarsRequest({ type: 'exemplarsRequest', path: [] }));
  assert.ok(!isExemplarsRequest({ type: 'exemplarsRequest', path: Array.from({ length: 600 }, () => ({ service: 'a', name: 'b' })) }));
  assert.ok(!isExemplarsRequest({ type: 'exemplarsRequest', path: [{ service: 1, name: 'b' }] }));
  assert.ok(isTraceRequest({ type: 'traceRequest', side: 'baseline', traceId: 'abc' }));
  assert.ok(!isTraceRequest({ type: 'traceRequest', side: 'other', traceId: 'abc' }));
  assert.ok(!isTraceRequest({ type: 'traceRequest', side: 'incident', traceId: '' }));
  assert.ok(!isTraceRequest({ type: 'traceRequest', side: 'incident', traceId: 'x'.repeat(600) }));
});

test('spanDetail: ids, status, attributes, resource and events, bounded', async () => {
  const { spanDetail } = await import('../../../../src/core/exemplars/span-detail');
  const { SPAN_ATTRS_MAX, SPAN_VALUE_MAX } = await import('../../../../src/protocol/exemplars');
  const attrs: Record<string, string | number> = { 'http.route': '/x', n: 3, long: 'y'.repeat(1000) };
  for (let k = 0; k < 80; k++) attrs[`k${String(k).padStart(2, '0')}`] = k;
  const m = table([{ trace: 't', id: 'r', name: 'root', service: 'web', start: 10, dur: 5, error: true, attrs, res: { 'host.name': 'h1' } }]);
  const d = spanDetail(m, 0, 0);
  assert.equal(d.status, 'error');
  assert.equal(d.kind, 'internal');
  assert.ok(d.spanId.length === 16);
  assert.equal(d.attributes.length, SPAN_ATTRS_MAX);
  assert.ok(d.omitted >= 83 - SPAN_ATTRS_MAX);
  assert.deepEqual(d.attributes.find(([k]) => k === 'http.route'), ['http.route', '/x']);
  assert.ok(d.attributes.every(([, v]) => v.length <= SPAN_VALUE_MAX));
  assert.deepEqual(d.resource.find(([k]) => k === 'host.name'), ['host.name', 'h1']);
});
