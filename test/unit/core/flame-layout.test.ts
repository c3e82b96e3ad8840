import { test } from 'node:test';
import assert from 'node:assert/strict';
import { aggToFlameData, toFlameData } from '../../../src/core/diff/flame-data';
import {
  buildFlameTree,
  childrenOf,
  contrastRatio,
  cullVisible,
  DEFAULT_DIFF_PALETTE,
  diffColor,
  diffIntensity,
  diffScale,
  findOperation,
  findPath,
  formatMs,
  fullView,
  hitTest,
  labelColor,
  layoutFlame,
  navigate,
  nodePath,
  parseColor,
  rootCauseNodes,
  searchMatches,
  toPx,
  trimTextMid,
  fitOperationLabel,
  significanceWeight,
  zoomView,
} from '../../../src/core/diff/flame-layout';
import fc from 'fast-check';
import { FlameFlag, type FlameMode, isFlameData, isOpenSource, isSetData, isFlameToHostMessage } from '../../../src/protocol/messages';
import { EVIL_NAME, knownDiagnosis, knownDiffTree, syntheticDiffTree } from '../../fixtures/flame/known-tree';

const close = (a: number, b: number, msg?: string) => assert.ok(Math.abs(a - b) < 1e-9, `${msg ?? ''} ${a} ≈ ${b}`);

function known() {
  const data = toFlameData(knownDiffTree(), knownDiagnosis());
  const tree = buildFlameTree(data);
  const label = (i: number) => `${data.strings[data.service[i]!]}/${data.strings[data.name[i]!]}`;
  const byLabel = (l: string) => {
    for (let i = 0; i < data.n; i++) if (label(i) === l) return i;
    throw new Error(`no node ${l}`);
  };
  return { data, tree, label, byLabel };
}

test('toFlameData: pre-order, children sorted by service/name, stats and flags carried over', () => {
  const { data, label } = known();
  assert.ok(isFlameData(data));
  assert.equal(data.n, 8);
  assert.deepEqual(
    Array.from({ length: data.n }, (_, i) => label(i)),
    ['frontend/GET /checkout', 'cart/GetCart', 'redis/GET', `evil/${EVIL_NAME}`, 'fraud/check', 'frontend/auth', 'inventory/reserve', 'payments/charge'],
  );
  assert.deepEqual(data.parent, [-1, 0, 1, 0, 0, 0, 0, 0]);
  const pay = 7;
  assert.equal(data.iTotal[pay], 130);
  assert.equal(data.bSelf[pay], 30);
  assert.equal(data.deltaSelf[pay], 100);
  assert.equal(data.iErrors[pay], 3);
  assert.ok(data.flags[pay]! & FlameFlag.RootCause);
  assert.equal(data.strings[data.srcFile[pay]!], 'src/payments/charge.ts');
  assert.equal(data.srcLine[pay], 42);
  // presence bits
  assert.equal(data.flags[6]! & (FlameFlag.Baseline | FlameFlag.Incident), FlameFlag.Baseline); // inventory: baseline only
  assert.equal(data.flags[4]! & (FlameFlag.Baseline | FlameFlag.Incident), FlameFlag.Incident); // fraud: incident only
  assert.deepEqual(rootCauseNodes(data), [pay]);
  // survives a JSON round trip unchanged (wire format)
  assert.deepEqual(JSON.parse(JSON.stringify(data)), data);
});

test('toFlameData: root cause taken from the diagnosis when the tree has no flag; candidates flagged', () => {
  const t = knownDiffTree();
  for (const n of t.nodes) delete n.rootCause;
  const d = knownDiagnosis();
  d.candidates = [{ ...d.rootCause!, service: 'cart', name: 'GetCart', kind: 'self_time' }];
  const data = toFlameData(t, d);
  assert.deepEqual(rootCauseNodes(data), [7]);
  assert.ok(data.flags[1]! & FlameFlag.Candidate);
  assert.equal(rootCauseNodes(toFlameData(t)).length, 0);
});

test('aggToFlameData: a single run fills the incident columns', () => {
  const t = knownDiffTree();
  const agg = {
    traceCount: 20,
    nodes: t.nodes.filter((n) => n.incident).map((n) => ({ ...n, stats: n.incident! })),
  };
  // re-index: filter removed node 5 (inventory) → remap children
  const ids = new Map(agg.nodes.map((n, i) => [n.id, i]));
  const nodes = agg.nodes.map((n) => ({ id: ids.get(n.id)!, parent: n.parent < 0 ? -1 : ids.get(n.parent)!, depth: n.depth, service: n.service, name: n.name, kind: n.kind, children: n.children.filter((c) => ids.has(c)).map((c) => ids.get(c)!), stats: n.stats }));
  const data = aggToFlameData({ traceCount: 20, nodes });
  assert.equal(data.kind, 'single');
  assert.equal(data.n, 7);
  assert.equal(data.iTotal[0], 200);
  assert.ok(data.bTotal.every((v) => v === 0));
});

test('buildFlameTree: depth, subtree ends, children; rejects non-pre-order', () => {
  const { tree } = known();
  assert.equal(tree.maxDepth, 2);
  assert.deepEqual(Array.from(tree.depth), [0, 1, 2, 1, 1, 1, 1, 1]);
  assert.deepEqual(Array.from(tree.end), [8, 3, 3, 4, 5, 6, 7, 8]);
  assert.deepEqual(childrenOf(tree, 0), [1, 3, 4, 5, 6, 7]);
  assert.deepEqual(childrenOf(tree, 1), [2]);
  assert.throws(() => buildFlameTree({ n: 3, parent: [-1, 2, 0] }), /pre-order/);
  assert.throws(() => buildFlameTree({ n: 4, parent: [-1, 0, 1, 2].map((p, i) => (i === 3 ? 1 : p)).concat([]).slice(0, 4).map((p, i) => (i === 3 ? 5 : p)) }), /pre-order/);
  assert.throws(() => buildFlameTree({ n: 2, parent: [0, 0] }), /root/);
  // a valid but non-trivial order: 0 → (1 → 2 → 3), 4 child of 1
  const t = buildFlameTree({ n: 5, parent: [-1, 0, 1, 2, 1] });
  assert.deepEqual(Array.from(t.end), [5, 5, 4, 4, 5]);
  assert.throws(() => buildFlameTree({ n: 5, parent: [-1, 0, 1, 0, 2] }), /pre-order/);
});

test('layoutFlame: incident/diff widths are incident time, baseline mode uses baseline time', () => {
  const { data, tree } = known();
  const inc = layoutFlame(tree, data, 'incident');
  const diff = layoutFlame(tree, data, 'diff');
  const base = layoutFlame(tree, data, 'baseline');
  // incident: root 200 → unit 1; payments 130 after cart 30, evil 5, fraud 5, auth 20, inventory 0
  close(inc.x0[7]!, 60 / 200);
  close(inc.x1[7]!, 190 / 200);
  close(inc.x1[2]! - inc.x0[2]!, 10 / 200); // redis inside cart, left-aligned
  close(inc.x0[2]!, inc.x0[1]!);
  assert.equal(inc.x1[6]! - inc.x0[6]!, 0); // inventory absent in the incident
  // diff: the same, except inventory — gone in the incident — drawn after the present children at its baseline time
  // (10 ms: the root's 200 ms hold 190 ms of present children, so it fits without scaling anything)
  for (const i of [0, 1, 2, 3, 4, 5, 7]) {
    close(diff.x0[i]!, inc.x0[i]!);
    close(diff.x1[i]!, inc.x1[i]!);
  }
  close(diff.x0[6]!, 190 / 200);
  close(diff.x1[6]!, 200 / 200);
  assert.deepEqual(Array.from(diff.gone), [0, 0, 0, 0, 0, 0, 1, 0]);
  assert.deepEqual(Array.from(inc.gone), [0, 0, 0, 0, 0, 0, 0, 0]);
  // baseline: root 100; fraud absent, inventory 10 ms
  assert.equal(base.x1[4]! - base.x0[4]!, 0);
  close(base.x1[6]! - base.x0[6]!, 0.1);
  close(base.x0[7]!, 65 / 100);
  // children never leave their parent
  for (const l of [inc, base]) for (let i = 1; i < data.n; i++) {
    const p = tree.parent[i]!;
    assert.ok(l.x0[i]! >= l.x0[p]! - 1e-12 && l.x1[i]! <= l.x1[p]! + 1e-12, `node ${i} inside parent`);
  }
});

test('layoutFlame: children wider than the parent are scaled to fit; zero-weight root takes the children sum', () => {
  const tree = buildFlameTree({ n: 4, parent: [-1, 0, 0, 2] });
  const l = layoutFlame(tree, { bTotal: [0, 0, 0, 0], iTotal: [0, 30, 10, 40] }, 'incident');
  // root has no own time → 30 + 10 = 40 → node 1 = 0.75, node 2 = 0.25; node 3 (40) squeezed into node 2 (10)
  close(l.x1[1]!, 0.75);
  close(l.x0[2]!, 0.75);
  close(l.x1[2]!, 1);
  close(l.x0[3]!, 0.75);
  close(l.x1[3]!, 1);
});

test('zoom view, pixel mapping and culling of narrow / off-screen nodes with their subtrees', () => {
  const { data, tree } = known();
  const l = layoutFlame(tree, data, 'diff');
  const cullIds = (v: ReturnType<typeof fullView>, w: number, min: number) => {
    const r = cullVisible(tree, l, v, w, min);
    return Array.from(r.ids.subarray(0, r.count));
  };
  // 1000 px: everything with width ≥ 1 px (inventory, gone in the incident, has its baseline width in diff mode)
  assert.deepEqual(cullIds(fullView(), 1000, 1), [0, 1, 2, 3, 4, 5, 6, 7]);
  // 100 px and 6 px minimum: evil & fraud are 2.5 px, redis 5 px → culled
  assert.deepEqual(cullIds(fullView(), 100, 6), [0, 1, 5, 7]);
  // zoom onto cart: view = its extent → only root, cart, redis intersect
  const v = zoomView(l, 1);
  close(v.v0, 0);
  close(v.v1, 0.15);
  assert.deepEqual(cullIds(v, 1000, 1), [0, 1, 2]);
  close(toPx(l.x1[2]!, v, 1000), (10 / 30) * 1000);
  // ancestors span the full width when zoomed
  assert.ok(toPx(l.x0[0]!, v, 1000) <= 0 && toPx(l.x1[0]!, v, 1000) >= 1000);
  // zooming onto a zero-width node falls back to the full view
  assert.deepEqual(zoomView(layoutFlame(tree, data, 'incident'), 6), fullView());
  // row window
  assert.deepEqual(Array.from((() => { const r = cullVisible(tree, l, fullView(), 1000, 1, { first: 1, last: 1 }); return r.ids.subarray(0, r.count); })()), [1, 3, 4, 5, 6, 7]);
});

test('culling cost follows what is drawn: 100k-node tree at 1200 px draws a bounded number of rects', () => {
  const data = toFlameData(syntheticDiffTree(100_000));
  const tree = buildFlameTree(data);
  assert.equal(tree.n, 100_000);
  const l = layoutFlame(tree, data, 'diff');
  const r = cullVisible(tree, l, fullView(), 1200, 0.5);
  assert.ok(r.count > 10 && r.count <= 2400 * (tree.maxDepth + 1), `${r.count} rects`);
  // every drawn node is at least 0.5 px wide; every culled top-level child was narrower or empty
  for (let k = 0; k < r.count; k++) {
    const i = r.ids[k]!;
    assert.ok((l.x1[i]! - l.x0[i]!) * 1200 >= 0.5);
  }
});

test('diff colours: red slower, blue faster, intensity by significance, neutral when unchanged', () => {
  const pal = DEFAULT_DIFF_PALETTE;
  assert.deepEqual(diffColor(0, 1, 100, pal), pal.neutral);
  assert.deepEqual(diffColor(50, 0, 100, pal), pal.neutral); // not significant
  const slow = diffColor(100, 1, 100, pal);
  const fast = diffColor(-100, 1, 100, pal);
  assert.deepEqual(slow, pal.slower);
  assert.deepEqual(fast, pal.faster);
  assert.ok(slow[0] > slow[2] && fast[2] > fast[0]);
  // more significant → further from neutral
  const dist = (c: number[]) => Math.hypot(c[0]! - pal.neutral[0], c[1]! - pal.neutral[1], c[2]! - pal.neutral[2]);
  assert.ok(dist(diffColor(30, 0.9, 100, pal)) > dist(diffColor(30, 0.4, 100, pal)));
  assert.ok(dist(diffColor(80, 0.9, 100, pal)) > dist(diffColor(20, 0.9, 100, pal)));
  assert.ok(diffIntensity(100, 1, 100) === 1 && diffIntensity(0.0001, 1, 100) === 0);
  const { data } = known();
  assert.equal(diffScale(data), 100);
});

test('diff colours of a pair where nothing changed much stay muted (scale ≥ a tenth of a normal request)', () => {
  // OnlineBoutique exception case: 219 ms → 226 ms per trace, not slower; the largest own-time change is a 6 ms wobble
  const wobble = { n: 3, deltaSelf: [0, 6, -4], bTotal: [219, 100, 80], iTotal: [226, 106, 76] };
  assert.ok(Math.abs(diffScale(wobble) - 21.9) < 1e-9);
  // a change the data does not support (p = 0.5: significance 0.5) is grey; p = 0.2 is the edge; p ≤ 0.01 counts fully
  assert.deepEqual(diffColor(-8.88, 0.5029, 21.9), DEFAULT_DIFF_PALETTE.neutral);
  assert.equal(significanceWeight(0.8), 0);
  assert.equal(significanceWeight(0.99), 1);
  assert.ok(Math.abs(significanceWeight(0.95) - 0.789) < 0.01);
  // before, the wobble set the scale (6 ms) and was painted at full intensity, as loud as a real slowdown
  assert.ok(diffIntensity(6, 1, diffScale(wobble)) < 0.6, String(diffIntensity(6, 1, diffScale(wobble))));
  assert.deepEqual(diffColor(6, 1, 6), DEFAULT_DIFF_PALETTE.slower);
  assert.notDeepEqual(diffColor(6, 1, diffScale(wobble)), DEFAULT_DIFF_PALETTE.slower);
  // a real slowdown still sets its own scale (ml-pipeline: +772 ms on a 30 ms request)
  assert.equal(diffScale({ n: 2, deltaSelf: [0, 772], bTotal: [30, 3], iTotal: [800, 775] }), 772);
  // no baseline time (a new root): the incident's; no totals at all: the deltas alone
  assert.equal(diffScale({ n: 1, deltaSelf: [1], bTotal: [0], iTotal: [50] }), 5);
  assert.equal(diffScale({ n: 2, deltaSelf: [0, 3] }), 3);
});

test('label colour by luminance stays readable on light and dark fills; CSS colour parsing', () => {
  assert.equal(labelColor([255, 255, 255]), 'black');
  assert.equal(labelColor([250, 220, 120]), 'black');
  assert.equal(labelColor([20, 20, 30]), 'white');
  assert.equal(labelColor([37, 99, 235]), 'white');
  for (const bg of [[220, 38, 38], [150, 150, 150], [37, 99, 235], [240, 200, 80]] as const) {
    const c = labelColor([...bg]);
    assert.ok(contrastRatio([...bg], c === 'black' ? [0, 0, 0] : [255, 255, 255]) >= 3.5, `${bg} with ${c}`);
  }
  assert.deepEqual(parseColor('#1e1e1e'), [30, 30, 30]);
  assert.deepEqual(parseColor('#fff'), [255, 255, 255]);
  assert.deepEqual(parseColor('#ff000080'), [255, 0, 0]);
  assert.deepEqual(parseColor(' rgba(1, 2, 3, 0.5)'), [1, 2, 3]);
  assert.deepEqual(parseColor('rgb(10 20 30)'), [10, 20, 30]);
  assert.equal(parseColor('var(--x)'), undefined);
  assert.equal(parseColor(''), undefined);
});

test('search: case-insensitive on operation and service, service/name form, HTML-ish names match as text', () => {
  const { data } = known();
  const ids = (q: string) => {
    const r = searchMatches(data, q);
    const out: number[] = [];
    r.mask.forEach((m, i) => m && out.push(i));
    assert.equal(r.count, out.length);
    return out;
  };
  assert.deepEqual(ids('CHARGE'), [7]);
  assert.deepEqual(ids('frontend'), [0, 5]);
  assert.deepEqual(ids('get'), [0, 1, 2]); // GET /checkout, GetCart, redis GET
  assert.deepEqual(ids('redis/get'), [2]);
  assert.deepEqual(ids('onerror'), [3]);
  assert.deepEqual(ids('   '), []);
  assert.deepEqual(ids('nothing-like-this'), []);
});

test('keyboard navigation, paths and lookups', () => {
  const { data, tree } = known();
  const l = layoutFlame(tree, data, 'diff');
  assert.equal(navigate(tree, l, 0, 'down'), 7); // widest child: payments
  assert.equal(navigate(tree, l, 7, 'up'), 0);
  assert.equal(navigate(tree, l, 0, 'up'), 0);
  assert.equal(navigate(tree, l, 7, 'left'), 5); // auth
  assert.equal(navigate(tree, l, 5, 'right'), 7);
  assert.equal(navigate(tree, l, 7, 'right'), 6); // inventory: gone in the incident, drawn last at its baseline width
  assert.equal(navigate(tree, l, 6, 'right'), 6);
  const li = layoutFlame(tree, data, 'incident');
  assert.equal(navigate(tree, li, 7, 'right'), 7); // incident mode: inventory has no width
  assert.equal(navigate(tree, l, 1, 'left'), 1);
  assert.equal(navigate(tree, l, 2, 'right'), 2); // nothing else at depth 2
  const p = nodePath(tree, data, 2);
  assert.deepEqual(p, ['cart\u0000GetCart', 'redis\u0000GET']);
  assert.equal(findPath(tree, data, p), 2);
  assert.equal(findPath(tree, data, ['cart\u0000GetCart', 'nope\u0000x']), 1);
  assert.equal(findPath(tree, data, []), 0);
  assert.equal(findOperation(data, 'payments', 'charge'), 7);
  assert.equal(findOperation(data, 'payments', 'refund'), -1);
});

test('operation labels in narrow boxes drop leading qualifiers before any middle ellipsis (real gRPC / HTTP names)', () => {
  const measure = (s: string) => s.length * 7;
  const grpc = 'hipstershop.CurrencyService/GetSupportedCurrencies';
  assert.equal(fitOperationLabel(grpc, 1000, measure), grpc);
  // before: a middle ellipsis of the whole name kept the package and lost the method ("hipstersh…rrencies")
  assert.equal(fitOperationLabel(grpc, 40 * 7, measure), '…CurrencyService/GetSupportedCurrencies');
  assert.equal(fitOperationLabel(grpc, 25 * 7, measure), '…GetSupportedCurrencies');
  const narrow = fitOperationLabel(grpc, 9 * 7, measure);
  assert.ok(narrow.startsWith('Get') && narrow.includes('…') && measure(narrow) <= 63, narrow);
  assert.equal(fitOperationLabel('grpc.hipstershop.CartService/GetCart', 20 * 7, measure), '…CartService/GetCart');
  // an HTTP route: the template segment is never shown alone
  const route = '/api/v1/securityservice/securityConfigs/{accountId}';
  assert.equal(fitOperationLabel(route, 30 * 7, measure), '…securityConfigs/{accountId}');
  const r = fitOperationLabel(route, 12 * 7, measure);
  assert.ok(!r.startsWith('…{') && r !== '{accountId}' && measure(r) <= 84, r);
  assert.equal(fitOperationLabel('com.acme.OrderController.create', 24 * 7, measure), '…OrderController.create');
  const two = fitOperationLabel('/api/v1/orderservice/order/security/{checkDate}/{accountId}', 20 * 7, measure);
  assert.ok(two.startsWith('secu') && measure(two) <= 140, two);
  // names without qualifiers: the middle ellipsis as before; nothing fits → ''
  assert.equal(fitOperationLabel('payments-charge-the-card', 70, measure), trimTextMid('payments-charge-the-card', 70, measure));
  assert.equal(fitOperationLabel(grpc, 3, measure), '');
});

test('hit test, middle ellipsis and ms formatting', () => {
  const rects = { ids: Int32Array.from([0, 7]), x: Float32Array.from([0, 300]), y: Float32Array.from([0, 20]), w: Float32Array.from([1000, 650]), count: 2 };
  assert.equal(hitTest(rects, 20, 400, 25), 7);
  assert.equal(hitTest(rects, 20, 100, 25), -1);
  assert.equal(hitTest(rects, 20, 100, 5), 0);
  const measure = (s: string) => s.length * 7;
  const t = trimTextMid('payments/charge-the-card', 70, measure);
  assert.ok(measure(t) <= 70 && t.includes('…') && t.startsWith('pay') && t.endsWith('rd'), t);
  assert.equal(trimTextMid('short', 70, measure), 'short');
  assert.equal(trimTextMid('abc', 3, measure), '');
  assert.equal(formatMs(0.5), '0.5 ms');
  assert.equal(formatMs(12.34), '12 ms');
  assert.equal(formatMs(4560), '4.56 s');
});

test('protocol guards accept well-formed messages and reject malformed ones', () => {
  const data = toFlameData(knownDiffTree());
  assert.ok(isSetData({ type: 'setData', tree: data }));
  assert.ok(isSetData({ type: 'setData', tree: null }));
  assert.ok(!isSetData({ type: 'setData', tree: { ...data, parent: [] } }));
  assert.ok(isOpenSource({ type: 'openSource', service: 's', name: 'n', source: { file: 'a.ts', line: 3 } }));
  assert.ok(!isOpenSource({ type: 'openSource', service: 's', name: 'n', source: { file: 'a.ts', line: 0 } }));
  assert.ok(!isOpenSource({ type: 'openSource', service: 1, name: 'n' }));
  assert.ok(isFlameToHostMessage({ type: 'stateChanged', state: { mode: 'diff' } }));
  assert.ok(!isFlameToHostMessage({ type: 'bogus' }));
  assert.ok(!isFlameToHostMessage(null));
});

test('property: random trees lay out inside their parents and culling equals a brute-force filter', () => {
  const arbTree = fc
    .array(fc.tuple(fc.nat(), fc.double({ min: 0, max: 100, noNaN: true }), fc.double({ min: 0, max: 100, noNaN: true }), fc.double({ min: -50, max: 50, noNaN: true })), { minLength: 1, maxLength: 60 })
    .map((specs) => {
      const t = knownDiffTree();
      const stats = t.nodes[1]!.incident!;
      const nodes = specs.map(([p, b, i, d], id) => ({
        id,
        parent: id === 0 ? -1 : p % id,
        depth: 0,
        service: `s${id % 3}`,
        name: `n${id}`,
        kind: 'internal',
        children: [] as number[],
        baseline: b > 5 ? { ...stats, totalPerTraceMs: b } : null,
        incident: i > 5 ? { ...stats, totalPerTraceMs: i } : null,
        deltaSelfMs: d,
        deltaTotalMs: d,
        significance: Math.abs(d) / 50,
      }));
      for (const n of nodes) if (n.parent >= 0) nodes[n.parent]!.children.push(n.id);
      return { nodes, baselineTraces: 3, incidentTraces: 3 };
    });
  fc.assert(
    fc.property(arbTree, fc.constantFrom<FlameMode[]>('baseline', 'incident', 'diff'), fc.double({ min: 0, max: 0.9, noNaN: true }), fc.double({ min: 0.01, max: 1, noNaN: true }), fc.integer({ min: 1, max: 4 }), (diff, mode, v0, span, minPx) => {
      const data = toFlameData(diff);
      assert.equal(data.n, diff.nodes.length);
      const tree = buildFlameTree(data);
      const l = layoutFlame(tree, data, mode);
      for (let i = 0; i < tree.n; i++) {
        assert.ok(l.x1[i]! >= l.x0[i]! - 1e-12);
        // subtree range: every node in (i, end[i]) descends from i
        for (let j = i + 1; j < tree.end[i]!; j++) {
          let a = j;
          while (a > i) a = tree.parent[a]!;
          assert.equal(a, i);
        }
        // display order: the tree's order, except that in diff mode gone children (baseline only) follow the others
        const kids = childrenOf(tree, i);
        const shown = [...kids.filter((c) => !l.gone[c] || l.gone[i]), ...kids.filter((c) => l.gone[c] && !l.gone[i])];
        let prev = l.x0[i]!;
        for (const c of shown) {
          assert.ok(l.x0[c]! >= prev - 1e-9 && l.x1[c]! <= l.x1[i]! + 1e-9, `child ${c} of ${i} inside and after its sibling`);
          prev = l.x1[c]!;
          // gone work has a width in diff mode when it had baseline time (it is never squeezed out by its caller)
          if (mode === 'diff' && l.gone[c] && data.bTotal[c]! > 0 && l.x1[i]! > l.x0[i]!) assert.ok(l.x1[c]! > l.x0[c]!, `gone child ${c} of ${i} has a width`);
        }
        if (mode !== 'diff') assert.equal(l.gone[i], 0);
        else assert.equal(l.gone[i], (data.flags[i]! & 3) === FlameFlag.Baseline || (tree.parent[i]! >= 0 && l.gone[tree.parent[i]!]) ? 1 : 0);
      }
      const view = { v0, v1: Math.min(1, v0 + span) };
      const width = 800;
      const r = cullVisible(tree, l, view, width, minPx, { first: 1, last: 3 });
      const got = Array.from(r.ids.subarray(0, r.count));
      const minUnit = minPx / (width / (view.v1 - view.v0)); // same arithmetic as cullVisible
      const want: number[] = [];
      for (let i = 0; i < tree.n; i++) {
        const d = tree.depth[i]!;
        if (d >= 1 && d <= 3 && l.x1[i]! - l.x0[i]! >= minUnit && l.x1[i]! > view.v0 && l.x0[i]! < view.v1) want.push(i);
      }
      assert.deepEqual(got, want);
    }),
    { numRuns: 300 },
  );
});
