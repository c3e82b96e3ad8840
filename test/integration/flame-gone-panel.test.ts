/**
 * The flame panel in headless chromium (fake VS Code API, strict CSP): work gone in the incident is drawn in Diff mode
 * (hatched, at its baseline width, after its caller's other calls) and said in words, in the legend and in the
 * canvas' accessible text; a stopped-work root cause names its gone calls with links that reveal them (or says why no
 * box is gone); a red caller whose own time is the wait for a callee says so, with the gap, and links to the callee.
 * Every assertion here failed on the code before (no gone box, "only in baseline", "Show the baseline", no waits line).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { toFlameData } from '../../src/core/diff/flame-data';
import type { Diagnosis } from '../../src/core/rca/diagnosis';
import { byName, chromiumSkip, firstPaint, FlameBrowser, hook, paint, rects, send, state } from '../helpers/flame-browser';
import { diffTreeFromRows, nodeStats } from '../helpers/diff-tree';
import { EVIL_NAME } from '../fixtures/flame/known-tree';

const waitReady = (p: Page) => p.waitForFunction(() => (window as unknown as { __posted: Array<{ type: string }> }).__posted.some((m) => m.type === 'ready'));
const waitSelected = (p: Page, id: number) =>
  p.waitForFunction((v) => (window as unknown as { __flame: { state(): { selected: number } } }).__flame.state().selected === v, id, { timeout: 5000 });

/** A checkout that now fails fast: payments still runs, the shipping call (and its INSERT) is gone; a hostile name. */
function failFast(shipMs: number) {
  const tree = diffTreeFromRows(
    [
      { service: '', name: 'all traces', parent: -1, baseline: nodeStats(100 + shipMs, 0, 10), incident: nodeStats(100, 0, 10), extra: { kind: 'root', significance: 0 } },
      { service: 'frontend', name: 'POST /checkout', parent: 0, baseline: nodeStats(100 + shipMs, 10, 10), incident: nodeStats(100, 10, 10), extra: { rootCause: true } },
      { service: 'payments', name: 'charge', parent: 1, baseline: nodeStats(90, 90, 10), incident: nodeStats(90, 90, 10), extra: { significance: 0.1 } },
      { service: 'shipping', name: EVIL_NAME, parent: 1, baseline: { ...nodeStats(shipMs, shipMs / 3, 10), calls: 20, callsPerTrace: 2 }, incident: null },
      { service: 'shipping', name: 'INSERT shipments', parent: 3, baseline: nodeStats((2 * shipMs) / 3, (2 * shipMs) / 3, 10), incident: null },
    ],
    { baseline: 10, incident: 10 },
  );
  const diagnosis: Diagnosis = {
    rootCause: {
      service: 'frontend',
      name: 'POST /checkout',
      kind: 'stopped_work',
      impactMs: 0,
      confidence: 0.75,
      evidence: ['frontend / POST /checkout now stops right after calling payments'],
      summary: 'frontend / POST /checkout now stops right after calling payments (an exception or early return)',
      detector: 'vanished_work',
    },
    candidates: [],
    latency: { baselineMs: 100 + shipMs, incidentMs: 100, pValue: 0.5, test: 'welch' },
    regression: { slower: false, errorsUp: false, alpha: 0.01 },
    notes: [],
  };
  return { tree: toFlameData(tree, diagnosis), diagnosis };
}

describe('flame panel: gone work and waits', { skip: chromiumSkip }, () => {
  const fb = new FlameBrowser();
  before(() => fb.start());
  after(() => fb.stop());

  test('a fail-fast: the gone call is drawn hatched at its baseline width, named in words, in the legend and the aria text; links reveal it', async () => {
    const o = await fb.openVsCode({ width: 1000, height: 800 });
    try {
      const p = o.page;
      let dialog = false;
      p.on('dialog', (d) => {
        dialog = true;
        void d.dismiss();
      });
      await waitReady(p);
      const { tree, diagnosis } = failFast(30);
      await send(p, { type: 'setData', tree, diagnosis, mode: 'diff', dataKey: 'ff' });
      await firstPaint(p);
      await paint(p);
      const rs = await rects(p);
      const root = byName(rs, 'frontend', 'POST /checkout');
      const pay = byName(rs, 'payments', 'charge');
      const ship = byName(rs, 'shipping', EVIL_NAME);
      // 100 ms of incident time hold charge (90) and the gone ShipOrder (30, baseline): scaled together, gone last
      assert.equal(ship.gone, true);
      assert.equal(pay.gone, false);
      assert.ok(Math.abs(ship.w / root.w - 30 / 120) < 0.01, `gone width ${ship.w} of ${root.w}`);
      assert.ok(Math.abs(pay.w / root.w - 90 / 120) < 0.01, `payments width ${pay.w}`);
      assert.ok(ship.x >= pay.x + pay.w - 1, 'the gone call follows the calls that remain');
      assert.ok(byName(rs, 'shipping', 'INSERT shipments').gone, 'its subtree is gone with it');
      // the call the stopped-work root cause no longer makes is outlined like the root cause (found by eye at load)
      assert.equal((ship as { emphasized?: boolean }).emphasized, true);
      assert.equal((pay as { emphasized?: boolean }).emphasized, false);
      const edge = await p.evaluate((b) => {
        const c = document.querySelector<HTMLCanvasElement>('canvas.fg-canvas')!;
        const k = c.width / c.clientWidth;
        const px = c.getContext('2d')!.getImageData(Math.floor((b.x + 1) * k), Math.round((b.y + 9) * k), 1, 1).data;
        return px[0]! + px[1]! + px[2]!;
      }, ship);
      assert.ok(edge < 250, `a dark 2 px outline on the gone box's left edge (rgb sum ${edge})`);
      // hatched: inside the gone box the canvas holds both the pale fill and the stripes (two clearly different inks);
      // a plain box (payments) is one colour
      const inks = (r: { x: number; y: number; w: number; h: number }) =>
        p.evaluate((b) => {
          const c = document.querySelector<HTMLCanvasElement>('canvas.fg-canvas')!;
          const k = c.width / c.clientWidth;
          const img = c.getContext('2d')!.getImageData(Math.round((b.x + 4) * k), Math.round((b.y + 3) * k), Math.max(1, Math.round((b.w - 8) * k)), Math.round((b.h - 6) * k)).data;
          const lum = new Set<number>();
          for (let q = 0; q < img.length; q += 4) lum.add(Math.round((0.2126 * img[q]! + 0.7152 * img[q + 1]! + 0.0722 * img[q + 2]!) / 16));
          return lum.size;
        }, r);
      // the label is drawn over both; count the ink levels of a strip right of the label
      const shipStrip = { x: ship.x + ship.w - 40, y: ship.y, w: 40, h: ship.h };
      const payStrip = { x: pay.x + pay.w - 40, y: pay.y, w: 40, h: pay.h };
      assert.ok((await inks(shipStrip)) >= 2, 'the gone box is hatched');
      assert.equal(await inks(payStrip), 1, 'a present box is plain');
      // legend and aria text
      const legend = (await p.locator('.fg-legend').textContent())!;
      assert.match(legend, /gone/);
      assert.equal(await p.locator('.fg-legend .fg-swatch-gone').count(), 1);
      assert.match(legend, /width = incident time \(gone: baseline time\)/);
      const aria = (await p.locator('canvas.fg-canvas').getAttribute('aria-label'))!;
      assert.match(aria, /1 call that the incident no longer makes is drawn hatched after their callers' other calls, as wide as their baseline time/);
      // the root cause is selected: its pane names what is gone below it; the diagnosis too, with links
      assert.equal((await state(p)).selected, await hook<number>(p, 'find', 'frontend', 'POST /checkout'));
      const detail = (await p.locator('.fg-detail').textContent())!;
      assert.match(detail, /Gone in the incident below it \(hatched\):\s*shipping · <img src=x onerror=alert\(1\)> — 2\.00 → 0 calls per trace/);
      const hint = (await p.locator('.fg-stopped-hint').textContent())!;
      assert.match(hint, /The calls it no longer makes are drawn hatched, after their callers' other calls, as wide as their baseline time:\s*shipping · <img/);
      assert.equal(await p.locator('.fg-show-baseline').count(), 0, 'no detour through the baseline');
      // a click on the diagnosis' link selects the gone box; its pane says what happened to it
      await p.locator('.fg-stopped-hint .fg-gone-link').click();
      await waitSelected(p, ship.id);
      const goneDetail = (await p.locator('.fg-detail').textContent())!;
      assert.match(goneDetail, /Gone in the incident: 2\.00 calls per trace in the baseline \(20 calls\), 0 now — frontend · POST \/checkout no longer makes this call; 30 ms per trace of baseline time, drawn hatched at that width\./);
      assert.doesNotMatch(goneDetail, /only in baseline/);
      // the tooltip says it too
      await hook(p, 'reset');
      await paint(p);
      const again = byName(await rects(p), 'shipping', EVIL_NAME);
      const box = (await p.locator('canvas.fg-canvas').boundingBox())!;
      await p.mouse.move(box.x + again.x + again.w / 2, box.y + again.y + 8);
      await p.waitForFunction(() => !document.querySelector<HTMLElement>('.fg-tooltip')!.hidden);
      assert.match((await p.locator('.fg-tooltip').textContent())!, /Gone in the incident: 2\.00 calls per trace/);
      // hostile name: text only
      assert.equal(await p.locator('.fg-detail img, .fg-tooltip img, .fg-diagnosis img').count(), 0);
      // Incident mode has no box for it (its width is incident time): the hint says where it is, the link goes back
      await hook(p, 'setMode', 'incident');
      await paint(p);
      assert.equal((await rects(p)).filter((r) => r.name === EVIL_NAME).length, 0);
      assert.match((await p.locator('.fg-stopped-hint').textContent())!, /drawn hatched in Diff mode/);
      await hook(p, 'select', await hook<number>(p, 'find', 'frontend', 'POST /checkout'));
      assert.match((await p.locator('.fg-detail').textContent())!, /Gone in the incident below it \(hatched in Diff mode\):/);
      await p.locator('.fg-stopped-hint .fg-gone-link').click();
      await p.waitForFunction(() => (window as unknown as { __flame: { state(): { mode: string } } }).__flame.state().mode === 'diff');
      await waitSelected(p, ship.id);
      // the sandwich of the gone operation (its halves are flame data too): drawn, hatched, at its baseline width
      await hook(p, 'sandwich', ship.id);
      await paint(p);
      const sw = await hook<Array<{ half: string; name: string; w: number }>>(p, 'sandwichRects');
      const mid = sw.filter((r) => r.name === EVIL_NAME);
      assert.ok(mid.length >= 1 && mid.every((r) => r.w > 100), `the gone operation in its sandwich: ${JSON.stringify(mid)}`);
      await hook(p, 'sandwich', -1);
      assert.equal(dialog, false);
      assert.deepEqual(o.csp, []);
      assert.deepEqual(o.errors, []);
    } finally {
      await o.close();
    }
  });

  test('a gone call too narrow to see: the breadcrumb zooms to it; a stopped-work root cause with nothing gone says why', async () => {
    const o = await fb.openVsCode({ width: 1000, height: 800 });
    try {
      const p = o.page;
      await waitReady(p);
      const { tree, diagnosis } = failFast(2); // 2 of 100 ms: ~20 px at full width
      await send(p, { type: 'setData', tree, diagnosis, mode: 'diff', dataKey: 'narrow' });
      await firstPaint(p);
      await paint(p);
      const before = byName(await rects(p), 'shipping', EVIL_NAME);
      assert.ok(before.w < 96, `narrow at full width (${before.w} px)`);
      await p.locator('.fg-breadcrumb .fg-crumb-gone').click();
      await waitSelected(p, before.id);
      await paint(p);
      const shown = byName(await rects(p), 'shipping', EVIL_NAME);
      assert.ok(shown.w >= 96, `zoomed to a readable width (${shown.w} px)`);
      // OnlineBoutique's exception: the requests that stop early share their call paths, so no box is gone
      const { tree: t2, diagnosis: d2 } = failFast(30);
      const only = { ...t2, flags: t2.flags.map((f) => f | 3) };
      await send(p, { type: 'setData', tree: only, diagnosis: d2, mode: 'diff', dataKey: 'none-gone' });
      await paint(p);
      assert.match((await p.locator('.fg-stopped-hint').textContent())!, /^No box of this graph is gone: the calls it no longer makes are still made, on the same call paths, by the requests that did not change/);
      assert.equal(await p.locator('.fg-legend .fg-swatch-gone').count(), 0);
      assert.equal(await p.locator('.fg-breadcrumb .fg-crumb-gone').count(), 0);
      assert.doesNotMatch((await p.locator('canvas.fg-canvas').getAttribute('aria-label'))!, /hatched/);
      assert.deepEqual(o.csp, []);
      assert.deepEqual(o.errors, []);
    } finally {
      await o.close();
    }
  });

  test("a red caller whose own time is the wait for a callee says so, with the gap before → after, and selects the callee's box", async () => {
    const o = await fb.openVsCode({ width: 1000, height: 800 });
    try {
      const p = o.page;
      await waitReady(p);
      // TrainTicket's network delay at ts-travel-service, kind-less export: the time lands in the gateway's HTTP POST
      const tree = diffTreeFromRows(
        [
          { service: '', name: 'all traces', parent: -1, baseline: nodeStats(212, 0, 10), incident: nodeStats(612, 0, 10), extra: { kind: 'root', significance: 0 } },
          { service: 'ts-gateway-service', name: 'HTTP POST', parent: 0, baseline: nodeStats(212, 2, 10), incident: nodeStats(612, 402, 10), extra: { significance: 0.999 } },
          { service: 'ts-travel-service', name: 'trips/left', parent: 1, baseline: nodeStats(210, 30, 10), incident: nodeStats(210, 30, 10), extra: { significance: 0.1 } },
          { service: 'ts-travel-service', name: 'SELECT ts.trip', parent: 2, baseline: nodeStats(180, 180, 10), incident: nodeStats(180, 180, 10), extra: { significance: 0.1 } },
        ],
        { baseline: 10, incident: 10 },
      );
      const diagnosis: Diagnosis = {
        rootCause: { service: 'ts-travel-service', name: 'trips/left', kind: 'call_delay', impactMs: 400, confidence: 0.9, evidence: ['gap grew'], summary: 'calls to ts-travel-service wait longer', detector: 'remote_gap' },
        candidates: [
          {
            service: 'ts-gateway-service',
            name: 'HTTP POST',
            kind: 'self_time',
            impactMs: 400,
            confidence: 0.7,
            evidence: [],
            summary: 'ts-gateway-service / HTTP POST spends 400 ms more of its own time per call — the wait for ts-travel-service',
            waitsOn: 'ts-travel-service',
            waitsOnGapMs: { baseline: 3.2, incident: 1980 },
          },
        ],
        latency: { baselineMs: 212, incidentMs: 612, pValue: 0.001, test: 'welch' },
        regression: { slower: true, errorsUp: false, alpha: 0.01 },
        notes: [],
      };
      await send(p, { type: 'setData', tree: toFlameData(tree, diagnosis), diagnosis, mode: 'diff', dataKey: 'waits' });
      await firstPaint(p);
      await paint(p);
      const gw = byName(await rects(p), 'ts-gateway-service', 'HTTP POST');
      assert.ok(gw.fill[0] > gw.fill[2] + 60, `the caller's box is red (${gw.fill})`);
      await hook(p, 'select', gw.id);
      const line = (await p.locator('.fg-detail .fg-waits').textContent())!;
      assert.match(
        line,
        /^Its own time \(2 ms → 402 ms per call\) grew because it waits for ts-travel-service: the time between its span and ts-travel-service's span grew 3\.2 ms → 1\.98 s per call \(median over ts-gateway-service's calls to ts-travel-service\) — the engine's finding on ts-travel-service, not work of its own\. Select ts-travel-service · trips\/left$/,
      );
      // said once (not also the general "see that finding" line)
      assert.doesNotMatch((await p.locator('.fg-detail').textContent())!, /see that finding/);
      await p.locator('.fg-detail .fg-waits-link').click();
      const travel = await hook<number>(p, 'find', 'ts-travel-service', 'trips/left');
      await waitSelected(p, travel);
      // the tooltip carries the sentence, without a button
      await hook(p, 'reset');
      await paint(p);
      const box = (await p.locator('canvas.fg-canvas').boundingBox())!;
      const g2 = byName(await rects(p), 'ts-gateway-service', 'HTTP POST');
      await p.mouse.move(box.x + g2.x + g2.w / 2, box.y + g2.y + 8);
      await p.waitForFunction(() => !document.querySelector<HTMLElement>('.fg-tooltip')!.hidden);
      assert.match((await p.locator('.fg-tooltip .fg-waits').textContent())!, /grew because it waits for ts-travel-service/);
      assert.equal(await p.locator('.fg-tooltip button').count(), 0);
      assert.deepEqual(o.csp, []);
      assert.deepEqual(o.errors, []);
    } finally {
      await o.close();
    }
  });
  test('calls made fewer times: a hatched remainder after the box at the baseline time of the calls no longer made, labelled, in words, in the legend and the aria text; the root cause lists them', async () => {
    // a product page whose lookups are now made 2 times per request instead of 4 (100 traces each side); the rest
    // of the page is unchanged; a hostile name on the lookup
    const traces = 100;
    const calls = (total: number, self: number, perTrace: number) => ({ ...nodeStats(total, self, traces), calls: perTrace * traces, callsPerTrace: perTrace });
    const t = diffTreeFromRows(
      [
        { service: '', name: 'all traces', parent: -1, baseline: nodeStats(80, 0, traces), incident: nodeStats(60, 0, traces), extra: { kind: 'root', significance: 0 } },
        { service: 'frontend', name: 'GET /product', parent: 0, baseline: nodeStats(80, 10, traces), incident: nodeStats(60, 10, traces), extra: { rootCause: true } },
        { service: 'cart', name: 'GetCart', parent: 1, baseline: nodeStats(30, 30, traces), incident: nodeStats(30, 30, traces), extra: { significance: 0.1 } },
        { service: 'catalog', name: EVIL_NAME, parent: 1, baseline: calls(40, 40, 4), incident: calls(20, 20, 2), extra: { significance: 0.1 } },
      ],
      { baseline: traces, incident: traces },
    );
    const diagnosis: Diagnosis = {
      rootCause: {
        service: 'frontend',
        name: 'GET /product',
        kind: 'stopped_work',
        impactMs: 0,
        confidence: 0.75,
        evidence: ['frontend / GET /product makes 4 → 2 lookups per request'],
        summary: 'frontend / GET /product stopped calling its dependencies',
        detector: 'vanished_work',
      },
      candidates: [],
      latency: { baselineMs: 80, incidentMs: 60, pValue: 0.5, test: 'welch' },
      regression: { slower: false, errorsUp: false, alpha: 0.01 },
      notes: [],
    };
    const o = await fb.openVsCode({ width: 1000, height: 800 });
    try {
      const p = o.page;
      await waitReady(p);
      await send(p, { type: 'setData', tree: toFlameData(t, diagnosis), diagnosis, mode: 'diff', dataKey: 'fewer' });
      await firstPaint(p);
      await paint(p);
      type R = { id: number; x: number; y: number; w: number; h: number; rest: number; restX: number; gone: boolean };
      const rs = (await rects(p)) as unknown as R[];
      const find = (svc: string, name: string) => rs.find((r) => (r as unknown as { service: string }).service === svc && (r as unknown as { name: string }).name === name)!;
      const page = find('frontend', 'GET /product');
      const cart = find('cart', 'GetCart');
      const look = find('catalog', EVIL_NAME);
      // 60 ms hold GetCart 30 + the lookups 20 + their remainder 20 (2 calls × 10 ms of the baseline) → × 60/70
      assert.equal(look.gone, false);
      assert.equal(cart.rest, 0);
      assert.ok(Math.abs(look.w / page.w - 20 / 70) < 0.01, `box ${look.w} of ${page.w}`);
      assert.ok(Math.abs(look.rest / page.w - 20 / 70) < 0.01, `remainder ${look.rest} of ${page.w}`);
      assert.ok(Math.abs(look.restX - (look.x + look.w)) < 1, 'right after its box');
      // hatched like gone work: two inks in a strip of the remainder right of its label; the box itself is plain
      const inks = (r: { x: number; y: number; w: number; h: number }) =>
        p.evaluate((b) => {
          const c = document.querySelector<HTMLCanvasElement>('canvas.fg-canvas')!;
          const k = c.width / c.clientWidth;
          const img = c.getContext('2d')!.getImageData(Math.round((b.x + 4) * k), Math.round((b.y + 3) * k), Math.max(1, Math.round((b.w - 8) * k)), Math.round((b.h - 6) * k)).data;
          const lum = new Set<number>();
          for (let q = 0; q < img.length; q += 4) lum.add(Math.round((0.2126 * img[q]! + 0.7152 * img[q + 1]! + 0.0722 * img[q + 2]!) / 16));
          return lum.size;
        }, r);
      assert.ok((await inks({ x: look.restX + look.rest - 40, y: look.y, w: 40, h: look.h })) >= 2, 'the remainder is hatched');
      assert.equal(await inks({ x: look.x + look.w - 40, y: look.y, w: 40, h: look.h }), 1, 'the box is plain');
      // legend and aria text
      assert.equal(await p.locator('.fg-legend .fg-swatch-gone').count(), 1);
      assert.match((await p.locator('.fg-legend').textContent())!, /width = incident time \(gone: baseline time\)/);
      assert.match((await p.locator('canvas.fg-canvas').getAttribute('aria-label'))!, /1 call made fewer times in the incident has a hatched remainder after the box, as wide as the baseline time of the calls no longer made/);
      // the root cause's pane and the diagnosis list it; the link selects it
      assert.match((await p.locator('.fg-detail').textContent())!, /Made fewer times below it \(a hatched remainder after the box\):\s*catalog · <img src=x onerror=alert\(1\)> — 4\.00 → 2\.00 calls per trace/);
      assert.match((await p.locator('.fg-stopped-hint').textContent())!, /The calls it makes fewer times have a hatched remainder after their box, as wide as the baseline time of the calls no longer made:\s*catalog · <img/);
      await p.locator('.fg-stopped-hint .fg-partly-link').click();
      await waitSelected(p, look.id);
      assert.match((await p.locator('.fg-detail').textContent())!, /Made fewer times in the incident: 4\.00 → 2\.00 calls per trace \(p < 0\.001\)\. The 2\.00 calls per trace no longer made took 20 ms per trace in the baseline \(10 ms per call\): drawn hatched after the box\./);
      // hovering the remainder shows its box's tooltip, with the words
      await hook(p, 'reset');
      await paint(p);
      const again = ((await rects(p)) as unknown as R[]).find((r) => r.id === look.id)!;
      const box = (await p.locator('canvas.fg-canvas').boundingBox())!;
      await p.mouse.move(box.x + again.restX + again.rest / 2, box.y + again.y + 8);
      await p.waitForFunction(() => !document.querySelector<HTMLElement>('.fg-tooltip')!.hidden);
      assert.match((await p.locator('.fg-tooltip').textContent())!, /Made fewer times in the incident: 4\.00 → 2\.00 calls per trace/);
      assert.equal(await p.locator('.fg-detail img, .fg-tooltip img, .fg-diagnosis img').count(), 0);
      // Incident mode: the box at its incident width, no remainder; the words say where it is drawn
      await hook(p, 'setMode', 'incident');
      await paint(p);
      const inc = ((await rects(p)) as unknown as R[]).find((r) => r.id === look.id)!;
      assert.equal(inc.rest, 0);
      assert.ok(Math.abs(inc.w / page.w - 20 / 60) < 0.01, `incident width ${inc.w}`);
      await hook(p, 'select', look.id);
      assert.match((await p.locator('.fg-detail').textContent())!, /drawn hatched after the box in Diff mode\./);
      assert.deepEqual(o.csp, []);
      assert.deepEqual(o.errors, []);
    } finally {
      await o.close();
    }
  });
});
