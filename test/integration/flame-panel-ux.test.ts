/**
 * Flame panel behaviour from the issue 13 walkthrough, in headless chromium through the VS Code protocol (fake
 * acquireVsCodeApi): a new load resets the view (item 3), a double-click opens the box the first click selected and
 * nothing moves under the pointer (item 4), `/` and Escape in the search (item 5), the graph sized to its rows with
 * the answer below it (item 10), the service palette and legends (item 12), the sandwich view and minimap (item 13).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import type { NodeStats } from '../../src/core/aggregate/types';
import { toFlameData } from '../../src/core/diff/flame-data';
import { themedServicePalette } from '../../src/core/diff/flame-palette';
import { sketchFromSorted } from '../../src/core/stats/latency-sketch';
import type { DiffNode, DiffTree } from '../../src/core/diff/types';
import { byName, chromiumSkip, firstPaint, FlameBrowser, hook, paint, posted, rects, send, state } from '../helpers/flame-browser';
import { knownDiagnosis, knownDiffTree } from '../fixtures/flame/known-tree';
import { diffTreeFromRows, nodeStats } from '../helpers/diff-tree';

const st = (total: number, self: number): NodeStats => nodeStats(total, self, 10);

/** A chain of `depth` operations with long names, each with a source line = its depth, plus a short sibling per level. */
function deepTree(depth: number): DiffTree {
  const nodes: DiffNode[] = [];
  const add = (service: string, name: string, parent: number, total: number, line: number) => {
    const id = nodes.length;
    nodes.push({
      id,
      parent,
      depth: parent < 0 ? 0 : nodes[parent]!.depth + 1,
      service,
      name,
      kind: 'internal',
      children: [],
      baseline: st(total, 1),
      incident: st(total * 1.2, 1.2),
      deltaSelfMs: 0.2,
      deltaTotalMs: total * 0.2,
      significance: 0.5,
      source: { file: `src/${service}.py`, line },
    });
    if (parent >= 0) nodes[parent]!.children.push(id);
    return id;
  };
  let p = add('gateway', 'GET /api/v1/very/long/route/name/for/the/breadcrumb', -1, 1000, 1);
  for (let d = 1; d < depth; d++) {
    const total = 1000 - d * 60;
    add(`svc${d}`, `sibling-${d}`, p, 40, 500 + d);
    p = add(`service-number-${d}`, `an-operation-with-a-rather-long-name-at-depth-${d}`, p, total - 40, 100 + d);
  }
  return { nodes, baselineTraces: 10, incidentTraces: 10 };
}

describe('flame panel (issue 13: state, double-click, search keys, layout)', { skip: chromiumSkip }, () => {
  const fb = new FlameBrowser();
  before(() => fb.start());
  after(() => fb.stop());

  const diffData = () => toFlameData(knownDiffTree(), knownDiagnosis());
  const singleData = () => ({ ...toFlameData(knownDiffTree(), null), kind: 'single' as const });
  const waitReady = (p: Page) => p.waitForFunction(() => (window as unknown as { __posted: Array<{ type: string }> }).__posted.some((m) => m.type === 'ready'));
  /** waits until state()[field] === value (a function, not a string: the page's CSP has no unsafe-eval) */
  const waitState = (p: Page, field: string, value: unknown) =>
    p.waitForFunction(([f, v]) => (window as unknown as { __flame: { state(): Record<string, unknown> } }).__flame.state()[f as string] === v, [field, value] as const, { timeout: 5000 });

  test('item 3: a new load resets mode, zoom, selection and search; a refresh of the same runs keeps them; a reload restores only its own runs', async () => {
    const o = await fb.openVsCode();
    try {
      const p = o.page;
      await waitReady(p);
      // Open Trace File…: one run, incident mode; the user zooms, selects and searches
      await send(p, { type: 'setData', tree: singleData(), diagnosis: null, mode: 'incident', dataKey: 'single:spiked.json' });
      await firstPaint(p);
      const cart = await hook<number>(p, 'find', 'cart', 'GetCart');
      const redis = await hook<number>(p, 'find', 'redis', 'GET');
      await hook(p, 'zoomTo', cart);
      await hook(p, 'select', redis);
      await hook(p, 'search', 'redis');
      let s = await state(p);
      assert.equal(s.mode, 'incident');
      assert.equal(s.zoomNode, cart);
      await p.waitForTimeout(300); // the state is saved (debounced), as it is when a person works with the graph
      // Diagnose the pair: diff mode, no zoom, the root cause selected, no search
      await send(p, { type: 'setData', tree: diffData(), diagnosis: knownDiagnosis(), mode: 'diff', dataKey: 'diff:normal.json,spiked.json' });
      await p.locator('.fg-summary .fg-badge-root').waitFor({ timeout: 5000 }); // the pair's diagnosis is shown
      await paint(p);
      s = await state(p);
      const pay = await hook<number>(p, 'find', 'payments', 'charge');
      assert.equal(s.mode, 'diff', 'mode of the new data, not the old incident mode');
      assert.equal(s.zoomNode, 0, 'zoom reset');
      assert.deepEqual(s.view, { v0: 0, v1: 1 });
      assert.equal(s.selected, pay, 'root cause selected');
      assert.equal(s.search, '');
      assert.equal(await p.locator('.fg-match-info').textContent(), '');
      assert.equal(await p.locator('vscode-radio[value="diff"]').evaluate((r) => (r as unknown as { checked: boolean }).checked), true);
      // the same runs again (files changed on disk): the view the user made stays
      await p.locator('vscode-radio[value="baseline"]').click();
      await hook(p, 'zoomTo', cart);
      await hook(p, 'select', redis);
      await send(p, { type: 'setData', tree: diffData(), diagnosis: knownDiagnosis(), mode: 'diff', dataKey: 'diff:normal.json,spiked.json' });
      await p.waitForTimeout(100);
      await paint(p);
      s = await state(p);
      assert.equal(s.mode, 'baseline');
      assert.equal(s.zoomNode, cart);
      assert.equal(s.selected, redis);
      // window reload: the saved state comes back for the same runs…
      await p.waitForTimeout(300);
      await p.reload();
      await waitReady(p);
      await send(p, { type: 'setData', tree: diffData(), diagnosis: knownDiagnosis(), mode: 'diff', dataKey: 'diff:normal.json,spiked.json' });
      await firstPaint(p);
      s = await state(p);
      assert.equal(s.mode, 'baseline');
      assert.equal(s.zoomNode, cart);
      // …and not for other runs
      await p.waitForTimeout(300);
      await p.reload();
      await waitReady(p);
      await send(p, { type: 'setData', tree: diffData(), diagnosis: knownDiagnosis(), mode: 'diff', dataKey: 'diff:other.json,spiked.json' });
      await firstPaint(p);
      s = await state(p);
      assert.equal(s.mode, 'diff');
      assert.equal(s.zoomNode, 0);
      assert.equal(s.selected, pay);
      assert.deepEqual(o.errors, []);
      assert.deepEqual(o.csp, []);
    } finally {
      await o.close();
    }
  });

  test('item 4: in a narrow panel a double-click opens the line of the box under the pointer; the graph does not move', async () => {
    const o = await fb.openVsCode({ width: 360, height: 700 });
    try {
      const p = o.page;
      await waitReady(p);
      const data = toFlameData(deepTree(9), null);
      await send(p, { type: 'setData', tree: data, diagnosis: null, mode: 'diff', dataKey: 'deep' });
      await firstPaint(p);
      const canvas = p.locator('canvas').first();
      const top0 = (await canvas.boundingBox())!.y;
      const crumbH0 = (await p.locator('.fg-breadcrumb').boundingBox())!.height;
      const target = byName(await rects(p), 'service-number-6', 'an-operation-with-a-rather-long-name-at-depth-6');
      const box = (await canvas.boundingBox())!;
      await p.mouse.dblclick(box.x + target.x + Math.min(20, target.w / 2), box.y + target.y + target.h / 2);
      await p.waitForTimeout(100);
      const opens = (await posted(p)).filter((m) => m.type === 'openSource');
      assert.equal(opens.length, 1, JSON.stringify(opens));
      assert.deepEqual(opens[0], { type: 'openSource', service: 'service-number-6', name: 'an-operation-with-a-rather-long-name-at-depth-6', source: { file: 'src/service-number-6.py', line: 106 } });
      const s = await state(p);
      assert.equal(s.zoomNode, target.id, 'the first click zoomed to the box; the second did not zoom elsewhere');
      assert.equal(s.selected, target.id);
      // the breadcrumb shows a deep path now, on one line of the same height: the canvas did not move
      assert.equal((await canvas.boundingBox())!.y, top0, 'canvas top unchanged after the zoom');
      assert.equal((await p.locator('.fg-breadcrumb').boundingBox())!.height, crumbH0);
      const crumbs = await p.locator('.fg-breadcrumb .fg-crumb').allTextContents();
      assert.ok(crumbs.length >= 3 && crumbs.includes('…'), `deep path collapsed: ${JSON.stringify(crumbs)}`);
      // the ellipsis crumb zooms to the deepest hidden level
      await p.locator('.fg-crumb-more').click();
      assert.ok((await state(p)).zoomNode < target.id);
      assert.equal((await canvas.boundingBox())!.y, top0);
      assert.deepEqual(o.errors, []);
    } finally {
      await o.close();
    }
  });

  test('item 5: `/` focuses the search box from the canvas; Escape in the box clears it', async () => {
    const o = await fb.openVsCode();
    try {
      const p = o.page;
      await waitReady(p);
      await send(p, { type: 'setData', tree: diffData(), diagnosis: knownDiagnosis(), mode: 'diff', dataKey: 'k' });
      await firstPaint(p);
      await p.locator('canvas').first().focus();
      await p.keyboard.press('/');
      await p.waitForFunction(() => document.activeElement?.tagName === 'VSCODE-TEXTFIELD', null, { timeout: 5000 });
      await p.keyboard.type('redis');
      await waitState(p, 'search', 'redis');
      assert.equal(await p.locator('.fg-match-info').textContent(), '1 match');
      // '/' typed inside the box is text, not a shortcut
      await p.keyboard.type('/');
      assert.equal(await p.locator('vscode-textfield').evaluate((t) => (t as unknown as { value: string }).value), 'redis/');
      await p.keyboard.press('Escape');
      await waitState(p, 'search', '');
      assert.equal(await p.locator('vscode-textfield').evaluate((t) => (t as unknown as { value: string }).value), '');
      assert.equal(await p.locator('vscode-textfield input').inputValue(), '', 'the visible input is empty too');
      assert.equal(await p.locator('.fg-match-info').textContent(), '');
      assert.deepEqual(o.errors, []);
    } finally {
      await o.close();
    }
  });

  test('item 10: the graph is as tall as its rows, the answer uses the rest; one-line header; no repeated root label; badge next to its label', async () => {
    const o = await fb.openVsCode({ width: 1200, height: 800 });
    try {
      const p = o.page;
      await waitReady(p);
      await send(p, { type: 'setData', tree: diffData(), diagnosis: knownDiagnosis(), mode: 'diff', dataKey: 'k' });
      await firstPaint(p);
      const graph = (await p.locator('.fg-main').boundingBox())!;
      // three rows of 18 px + the border
      assert.ok(graph.height <= 3 * 18 + 4, `graph height ${graph.height} for 3 rows`);
      const answer = (await p.locator('.fg-answer').boundingBox())!;
      assert.ok(answer.y >= graph.y + graph.height - 1, 'answer below the graph');
      assert.ok(answer.height > 500, `the answer gets the rest of the panel (${answer.height} px)`);
      // the diagnosis in the answer: summary sentence, evidence, the other candidate as a link that selects it
      const diag = (await p.locator('.fg-diagnosis').textContent())!;
      assert.ok(diag.includes('payments/charge self time grew by 100 ms per trace') && diag.includes('self time per trace 30 ms → 130 ms'), diag);
      await p.locator('.fg-candidates .fg-op-link', { hasText: 'cart · GetCart' }).click();
      assert.equal((await state(p)).selected, await hook<number>(p, 'find', 'cart', 'GetCart'));
      // the header is one line
      const sum = (await p.locator('.fg-summary').boundingBox())!;
      assert.ok(sum.height < 24, `summary one line (${sum.height} px)`);
      // at the root the breadcrumb does not repeat the root box's label
      await hook(p, 'reset');
      assert.equal(await p.locator('.fg-breadcrumb .fg-crumb').count(), 0);
      // the ROOT CAUSE badge follows its label instead of sitting at the far end of the box
      await paint(p);
      const pay = byName(await rects(p), 'payments', 'charge');
      const badgeBg = [0x61, 0x61, 0x61];
      const near = (a: number[], b: number[]) => a.every((v, i) => Math.abs(v - b[i]!) <= 8);
      const count = (x0: number, x1: number) =>
        p.evaluate(
          ([x0, x1, y, bg]) => {
            const c = document.querySelector('canvas')!;
            const img = c.getContext('2d')!.getImageData(Math.round(x0 as number), Math.round(y as number), Math.round((x1 as number) - (x0 as number)), 1).data;
            let n = 0;
            for (let i = 0; i < img.length; i += 4) if (Math.abs(img[i]! - (bg as number[])[0]!) <= 8 && Math.abs(img[i + 1]! - (bg as number[])[1]!) <= 8 && Math.abs(img[i + 2]! - (bg as number[])[2]!) <= 8) n++;
            return n;
          },
          [x0, x1, pay.y + 4, badgeBg] as const,
        );
      void near;
      assert.ok(pay.w > 500, `payments is wide (${pay.w})`);
      const nearLabel = await count(pay.x + 60, pay.x + 260);
      assert.ok(nearLabel > 12, `badge right after the label (${nearLabel} badge pixels, rect ${JSON.stringify(pay)})`);
      assert.equal(await count(pay.x + pay.w - 120, pay.x + pay.w - 2), 0, 'no badge at the far end');
      assert.deepEqual(o.errors, []);
    } finally {
      await o.close();
    }
  });
  test('item 12: Baseline/Incident use the colour-blind-safe service palette (no red) and every mode has a legend', async () => {
    const o = await fb.openVsCode({ width: 1200, height: 700 });
    try {
      const p = o.page;
      await waitReady(p);
      await send(p, { type: 'setData', tree: diffData(), diagnosis: knownDiagnosis(), mode: 'diff', dataKey: 'k' });
      await firstPaint(p);
      const legendText = () => p.locator('.fg-legend').textContent();
      assert.match((await legendText())!, /slower.*faster.*unchanged/);
      for (const mode of ['baseline', 'incident'] as const) {
        await p.locator(`vscode-radio[value="${mode}"]`).click();
        await paint(p);
        const rs = await rects(p);
        const bg = [255, 255, 255];
        const palette = themedServicePalette(bg as [number, number, number]).map((c) => c.join(','));
        // the biggest services get the first palette colours: payments (most time in both runs), then frontend
        assert.equal(byName(rs, 'payments', 'charge').fill.join(','), palette[0]);
        assert.equal(byName(rs, 'frontend', 'auth').fill.join(','), palette[1]);
        for (const r of rs) {
          const [R, G, B] = r.fill.map((v) => v / 255) as [number, number, number];
          const max = Math.max(R, G, B);
          const d = max - Math.min(R, G, B);
          const hue = d === 0 ? 0 : max === R ? (((G - B) / d + 6) % 6) * 60 : max === G ? ((B - R) / d + 2) * 60 : ((R - G) / d + 4) * 60;
          assert.ok(d < 0.2 || (hue > 25 && hue < 320), `${r.service}/${r.name} is red-ish ${r.fill} (hue ${hue.toFixed(0)}°) in ${mode} mode`);
        }
        const legend = (await legendText())!;
        assert.ok(legend.includes('payments') && legend.includes('frontend') && legend.includes(`width = ${mode} time`), legend);
        // the legend swatch has the service's colour
        const sw = await p.locator('.fg-legend-item', { hasText: 'payments' }).locator('.fg-swatch').evaluate((e) => getComputedStyle(e).backgroundColor);
        assert.equal(sw.replace(/\s/g, ''), `rgb(${palette[0]})`);
      }
      assert.deepEqual(o.errors, []);
      assert.deepEqual(o.csp, []);
    } finally {
      await o.close();
    }
  });
  test('item 13: sandwich view merges callers above and callees below over all call paths; minimap while zoomed', async () => {
    // db/query is called from api/A (10 → 40 ms), api/B (5 → 5) and cache/get under api/C (2 → 2)
    const rows: Array<[string, string, number, number, number, number, number, number]> = [
      ['gw', 'root', -1, 100, 130, 10, 10, 1],
      ['api', 'A', 0, 40, 70, 30, 30, 11],
      ['db', 'query', 1, 10, 40, 7, 37, 21],
      ['db', 'io', 2, 3, 3, 3, 3, 22],
      ['api', 'B', 0, 20, 20, 15, 15, 12],
      ['db', 'query', 4, 5, 5, 5, 5, 21],
      ['api', 'C', 0, 30, 30, 20, 20, 13],
      ['cache', 'get', 6, 10, 10, 8, 8, 31],
      ['db', 'query', 7, 2, 2, 2, 2, 21],
    ];
    const tree = diffTreeFromRows(
      rows.map(([service, name, parent, bt, it, bs, is, line]) => ({ service, name, parent, baseline: st(bt, bs), incident: st(it, is), extra: { significance: 0.99, source: { file: `src/${service}.py`, line } } })),
      { baseline: 10, incident: 10 },
    );
    const data = toFlameData(tree, null);
    const o = await fb.openVsCode({ width: 1000, height: 700 });
    try {
      const p = o.page;
      await waitReady(p);
      await send(p, { type: 'setData', tree: data, diagnosis: null, mode: 'diff', dataKey: 'sw' });
      await firstPaint(p);
      // in the flame graph db/query is three thin boxes; select one and press S
      const q = await hook<number>(p, 'find', 'db', 'query');
      await hook(p, 'select', q);
      await p.locator('canvas').first().focus();
      await p.keyboard.press('s');
      await paint(p);
      const info = await hook<{ outermost: number; middle: number; rows: number }>(p, 'sandwichInfo');
      assert.equal(info.outermost, 3);
      // the detail pane adds the operation over all its call paths: 17 → 47 ms per trace
      assert.match((await p.locator('.fg-all-paths').textContent())!, /All 3 call paths of query: total \/ trace 17 ms → 47 ms \(\+30 ms\)/);
      type SRect = { half: string; service: string; name: string; x: number; y: number; w: number; h: number; fill: number[]; iTotal: number; bTotal: number; source: { file: string; line: number } | null };
      const sr = await hook<SRect[]>(p, 'sandwichRects');
      const canvasW = await p.evaluate(() => document.querySelector('canvas')!.clientWidth);
      const mid = sr.filter((r) => r.name === 'query' && r.y === info.middle * 18 - 0);
      assert.ok(mid.length >= 1 && mid.every((r) => Math.abs(r.w - canvasW) < 2), `the operation spans the width in the middle row ${JSON.stringify(mid)}`);
      assert.equal(mid[0]!.iTotal, 47);
      // the direct callers in the row above, widths = the operation's time through each: A 40, B 5, cache/get 2 (of 47)
      const above = sr.filter((r) => r.half === 'callers' && r.y === (info.middle - 1) * 18);
      assert.deepEqual(above.map((r) => `${r.service}/${r.name}`).sort(), ['api/A', 'api/B', 'cache/get']);
      const A = above.find((r) => r.name === 'A')!;
      const B = above.find((r) => r.name === 'B')!;
      assert.ok(Math.abs(A.w / canvasW - 40 / 47) < 0.01, `A width ${A.w}`);
      // diff colours: the slowdown comes through A (red), not B (neutral grey)
      assert.ok(A.fill[0]! > A.fill[2]! + 40, `A is red ${A.fill}`);
      assert.ok(Math.max(...B.fill) - Math.min(...B.fill) < 12, `B is neutral ${B.fill}`);
      // callees below: db/io (from A's path) and the recursive db/query are absent here; io present
      assert.ok(sr.some((r) => r.half === 'callees' && r.name === 'io' && r.y === (info.middle + 1) * 18));
      // the root at the top, above api/C above cache/get
      assert.ok(sr.some((r) => r.half === 'callers' && r.name === 'root' && r.y === 0));
      // the pixels are there: the middle of A's box has A's fill
      const px = await p.evaluate(([x, y]) => [...document.querySelector('canvas')!.getContext('2d')!.getImageData(Math.round(x!), Math.round(y!), 1, 1).data].slice(0, 3), [A.x + A.w / 2, A.y + 12]);
      assert.ok(px.every((v, k) => Math.abs(v - A.fill[k]!) <= 6), `pixel ${px} vs ${A.fill}`);
      // switching the mode keeps the sandwich; widths follow the baseline then (A 10 of 17 ms)
      await p.locator('vscode-radio[value="baseline"]').click();
      await paint(p);
      assert.ok((await hook<{ sandwich: number }>(p, 'state')).sandwich >= 0, 'still in the sandwich after a mode change');
      const Ab = (await hook<SRect[]>(p, 'sandwichRects')).find((r) => r.half === 'callers' && r.name === 'A')!;
      assert.ok(Math.abs(Ab.w / canvasW - 10 / 17) < 0.01, `A width in baseline mode ${Ab.w}`);
      await p.locator('vscode-radio[value="diff"]').click();
      await paint(p);
      // the search applies in the sandwich: "cache" keeps cache/get's colour and dims the rest
      await hook(p, 'search', 'cache');
      await paint(p);
      const dimA = (await hook<SRect[]>(p, 'sandwichRects')).find((r) => r.half === 'callers' && r.name === 'A')!;
      const pxA = await p.evaluate(([x, y]) => [...document.querySelector('canvas')!.getContext('2d')!.getImageData(Math.round(x!), Math.round(y!), 1, 1).data].slice(0, 3), [dimA.x + dimA.w / 2, dimA.y + 12]);
      assert.ok(pxA.some((v, k) => Math.abs(v - A.fill[k]!) > 20), `A dimmed by the search (${pxA} vs ${A.fill})`);
      await hook(p, 'search', '');
      await paint(p);
      // the breadcrumb says what this is, on one line
      assert.match((await p.locator('.fg-breadcrumb').textContent())!, /Sandwich of db · query: callers above, callees below, merged over 3 call paths/);
      // double-click a caller → its source line; a click makes it the middle row
      const box = (await p.locator('canvas').first().boundingBox())!;
      await p.mouse.dblclick(box.x + A.x + 10, box.y + A.y + 8);
      await p.waitForTimeout(100);
      const opens = (await posted(p)).filter((m) => m.type === 'openSource');
      assert.deepEqual(opens.at(-1), { type: 'openSource', service: 'api', name: 'A', source: { file: 'src/api.py', line: 11 } });
      assert.equal((await hook<{ sandwich: number }>(p, 'state')).sandwich, await hook<number>(p, 'find', 'api', 'A'), 'the click made api/A the middle row');
      // the sandwich survives a reload with the same data
      await p.waitForTimeout(300);
      await p.reload();
      await waitReady(p);
      await send(p, { type: 'setData', tree: data, diagnosis: null, mode: 'diff', dataKey: 'sw' });
      await firstPaint(p);
      assert.equal((await hook<{ sandwich: number }>(p, 'state')).sandwich, await hook<number>(p, 'find', 'api', 'A'));
      // Escape goes back to the flame graph
      await p.locator('canvas').first().focus();
      await p.keyboard.press('Escape');
      assert.equal((await hook<{ sandwich: number }>(p, 'state')).sandwich, -1);
      // minimap: hidden at full view, shown while zoomed, and a click in it moves the view
      await hook(p, 'reset');
      await paint(p);
      assert.equal((await hook<{ shown: boolean }>(p, 'minimap')).shown, false);
      await hook(p, 'zoomTo', await hook<number>(p, 'find', 'api', 'B'));
      await paint(p);
      await paint(p);
      assert.equal((await hook<{ shown: boolean }>(p, 'minimap')).shown, true);
      const v0 = (await state(p)).view;
      const mm = (await p.locator('.fg-minimap').boundingBox())!;
      await p.mouse.click(mm.x + mm.width * 0.1, mm.y + mm.height / 2);
      const v1 = (await state(p)).view;
      assert.ok(Math.abs(v1.v1 - v1.v0 - (v0.v1 - v0.v0)) < 1e-9, 'same zoom level');
      assert.ok(v1.v0 < v0.v0 - 0.05, `the view moved left (${v0.v0} → ${v1.v0})`);
      assert.deepEqual(o.errors, []);
      assert.deepEqual(o.csp, []);
    } finally {
      await o.close();
    }
  });
  test('sandwich and minimap by keyboard; merged boxes show p50/p95 from summed histograms', async () => {
    // db/query on three paths (A: 40 ms spans, B: 5 ms, C: 2 ms), each with a db/io callee; 10 spans per node
    const rows: Array<[string, string, number, number, number]> = [
      ['gw', 'root', -1, 100, 130],
      ['api', 'A', 0, 40, 70],
      ['db', 'query', 1, 10, 40],
      ['db', 'io', 2, 3, 3],
      ['api', 'B', 0, 20, 20],
      ['db', 'query', 4, 5, 5],
      ['db', 'io', 5, 1, 1],
      ['api', 'C', 0, 30, 30],
      ['cache', 'get', 7, 10, 10],
      ['db', 'query', 8, 2, 2],
    ];
    const spread = (ms: number) => Float64Array.from({ length: 10 }, (_, k) => ms * (0.9 + k * 0.02));
    const withSketch = (s: NodeStats, ms: number): NodeStats => ({ ...s, p50Ms: ms, p95Ms: ms * 1.08, sketch: sketchFromSorted(spread(ms)) });
    const tree = diffTreeFromRows(
      rows.map(([service, name, parent, bt, it], id) => ({ service, name, parent, baseline: withSketch(st(bt, bt / 2), bt), incident: withSketch(st(it, it / 2), it), extra: { significance: 0.99, source: { file: `src/${service}.py`, line: id + 1 } } })),
      { baseline: 10, incident: 10 },
    );
    const data = toFlameData(tree, null);
    const o = await fb.openVsCode({ width: 1000, height: 700 });
    type Focus = { half: string; id: number; label: string } | null;
    const focus = async () => (await hook<{ sandwichFocus: Focus }>(p, 'state')).sandwichFocus;
    const p = o.page;
    try {
      await waitReady(p);
      await send(p, { type: 'setData', tree: data, diagnosis: null, mode: 'diff', dataKey: 'kb' });
      await firstPaint(p);
      await hook(p, 'select', await hook<number>(p, 'find', 'db', 'query'));
      await p.locator('canvas.fg-canvas').focus();
      await p.keyboard.press('s');
      await paint(p);
      assert.equal((await focus())?.label, 'db/query', 'the keyboard starts on the middle row');
      assert.match((await p.locator('canvas.fg-canvas').getAttribute('aria-label'))!, /Sandwich view/);
      // the middle row merges 3 call paths: exact p95 over all 30 spans 10.5 ms → 42.0 ms (the mean of the per-path
      // p95s would say 6.1 → 17 ms), p50 4.95 → 4.95 ms
      const all = (await p.locator('.fg-all-paths').textContent())!;
      assert.match(all, /p50 ≈ (4\.9|5) ms → ≈ (4\.9|5) ms, p95 ≈ 11 ms → ≈ 42 ms/, all);
      assert.match(all, /±1 %/);
      // ↑: the widest direct caller (api/A), ←/→ along the callers' row, ↑ again: gw/root at the top
      await p.keyboard.press('ArrowUp');
      assert.deepEqual(await focus(), { half: 'callers', id: (await focus())!.id, label: 'api/A' });
      assert.match((await p.locator('.fg-detail').textContent())!, /api · A.*caller: the times are those of query called through this path/s);
      await p.keyboard.press('ArrowRight');
      assert.equal((await focus())?.label, 'api/B');
      await p.keyboard.press('ArrowLeft');
      await p.keyboard.press('ArrowUp');
      assert.equal((await focus())?.label, 'gw/root');
      // the focus ring: the focused box's outline is drawn in the focus colour
      await paint(p);
      type SRect = { half: string; id: number; name: string; x: number; y: number; w: number; h: number };
      const fid = (await focus())!.id;
      const top = (await hook<SRect[]>(p, 'sandwichRects')).find((r) => r.half === 'callers' && r.id === fid)!;
      const ring = await p.evaluate(([x, y]) => [...document.querySelector('canvas')!.getContext('2d')!.getImageData(Math.round(x!), Math.round(y!), 1, 1).data].slice(0, 3), [top.x + top.w / 2, top.y + 1]);
      const focusRgb = await p.evaluate(() => getComputedStyle(document.documentElement).getPropertyValue('--fg-focus').trim());
      assert.ok(focusRgb, 'focus colour');
      const fill = (await hook<Array<SRect & { fill: number[] }>>(p, 'sandwichRects')).find((r) => r.half === 'callers' && r.id === fid)!.fill;
      assert.ok(ring.some((v, k) => Math.abs(v - fill[k]!) > 30), `the top edge of the focused box is outlined (${ring} vs fill ${fill})`);
      // ↓ ↓ ↓: back through api/A to the middle row, then the widest callee (db/io, merged over 2 paths)
      await p.keyboard.press('ArrowDown');
      await p.keyboard.press('ArrowDown');
      assert.equal((await focus())?.label, 'db/query');
      await p.keyboard.press('ArrowDown');
      const io = await focus();
      assert.equal(io?.label, 'db/io');
      assert.equal(io?.half, 'callees');
      const detail = (await p.locator('.fg-detail').textContent())!;
      assert.match(detail, /callee of query, merged over its call paths/);
      assert.match(detail, /p50 \/ p95 over all 2 call paths' spans, from their summed latency histograms \(within ±1 %\)/);
      const p95Cells = await p.locator('.fg-detail table.fg-stats tr').filter({ hasText: 'p95' }).locator('td').allTextContents();
      assert.ok(p95Cells.every((c) => c.startsWith('≈ ')), `merged p95 cells: ${p95Cells}`);
      // the detail pane's buttons act on the focused box: Go to source opens db/io's line
      await p.locator('.fg-detail vscode-button.fg-go-source').click();
      const opens = (await posted(p)).filter((m) => m.type === 'openSource');
      assert.deepEqual(opens.at(-1), { type: 'openSource', service: 'db', name: 'io', source: { file: 'src/db.py', line: 4 } });
      // Enter: db/io becomes the middle row; Escape: back to the flame graph
      await p.locator('canvas.fg-canvas').focus();
      await p.keyboard.press('Enter');
      await paint(p);
      assert.equal((await hook<{ sandwich: number }>(p, 'state')).sandwich, await hook<number>(p, 'find', 'db', 'io'));
      assert.equal((await focus())?.label, 'db/io');
      await p.keyboard.press('Escape');
      assert.equal((await hook<{ sandwich: number }>(p, 'state')).sandwich, -1);
      assert.match((await p.locator('canvas.fg-canvas').getAttribute('aria-label'))!, /^Flame graph/);

      // minimap: zoom in, Tab from the graph reaches it; it is a slider with a value text
      await hook(p, 'zoomTo', await hook<number>(p, 'find', 'api', 'B'));
      await paint(p);
      await paint(p);
      assert.equal((await hook<{ shown: boolean }>(p, 'minimap')).shown, true);
      await p.locator('canvas.fg-canvas').focus();
      await p.keyboard.press('Tab');
      assert.equal(await p.evaluate(() => document.activeElement?.className), 'fg-minimap');
      const mm = p.locator('canvas.fg-minimap');
      assert.equal(await mm.getAttribute('role'), 'slider');
      assert.match((await mm.getAttribute('aria-label'))!, /Minimap/);
      const v0 = (await state(p)).view;
      const span = v0.v1 - v0.v0;
      await p.keyboard.press('ArrowRight');
      let v = (await state(p)).view;
      assert.ok(Math.abs(v.v0 - Math.min(1 - span, v0.v0 + span / 10)) < 1e-9, `→ pans a tenth of the view (${v0.v0} → ${v.v0})`);
      await p.keyboard.press('Home');
      v = (await state(p)).view;
      assert.ok(v.v0 === 0 && Math.abs(v.v1 - span) < 1e-9, `Home: the left edge ${JSON.stringify(v)}`);
      await p.keyboard.press('End');
      assert.ok(Math.abs((await state(p)).view.v1 - 1) < 1e-9, 'End: the right edge');
      await p.keyboard.press('+');
      v = (await state(p)).view;
      assert.ok(Math.abs(v.v1 - v.v0 - span / 2) < 1e-9, '+ zooms in 2×');
      await paint(p);
      assert.match((await mm.getAttribute('aria-valuetext'))!, /^88 % to 96 % of the width, rows 1 to 4 of 4$/);
      // 0: the whole width; the minimap hides and the keyboard goes on in the graph
      await p.keyboard.press('0');
      await paint(p);
      assert.deepEqual((await state(p)).view, { v0: 0, v1: 1 });
      assert.equal((await hook<{ shown: boolean }>(p, 'minimap')).shown, false);
      assert.equal(await p.evaluate(() => document.activeElement?.className), 'fg-canvas');
      assert.deepEqual(o.errors, []);
      assert.deepEqual(o.csp, []);
    } finally {
      await o.close();
    }
  });

  test('h21 walkthrough: a root cause whose effect is not in its own time says where it is; "all traces" shows the verdict, not "confidence 0%"', async () => {
    const o = await fb.openVsCode({ width: 1200, height: 800 });
    try {
      const p = o.page;
      await waitReady(p);
      // the TrainTicket network delay's shape: callers' HTTP GET grew by 400 ms (the gap before the security
      // service's span), the security service's own time did not move — yet it is the root cause (remote_gap)
      const tree = diffTreeFromRows([
        { service: '', name: 'all traces', parent: -1, baseline: nodeStats(212, 0, 10), incident: nodeStats(612, 0, 10), extra: { kind: 'root', significance: 0 } },
        { service: 'gateway', name: 'POST /preserve', parent: 0, baseline: nodeStats(212, 150, 10), incident: nodeStats(612, 150, 10) },
        { service: 'preserve', name: 'HTTP GET', parent: 1, baseline: nodeStats(62, 2, 10), incident: nodeStats(462, 402, 10) },
        { service: 'security', name: 'securityConfigs', parent: 2, baseline: nodeStats(60, 0.27, 10), incident: nodeStats(60, 0.22, 10), extra: { rootCause: true, significance: 0.1 } },
        { service: 'security', name: 'SELECT config', parent: 3, baseline: nodeStats(8, 8, 10), incident: nodeStats(8, 8, 10) },
      ], { baseline: 10, incident: 10 });
      const diagnosis = {
        rootCause: { service: 'security', name: 'securityConfigs', kind: 'queueing' as const, impactMs: 400, confidence: 0.88, evidence: ['gap grew'], summary: 'calls to security wait longer', detector: 'remote_gap' as const },
        candidates: [],
        latency: { baselineMs: 212, incidentMs: 612, pValue: 0.002, test: 'welch' },
        regression: { slower: true, errorsUp: false, alpha: 0.01 },
        notes: [],
      };
      await send(p, { type: 'setData', tree: toFlameData(tree, diagnosis), diagnosis, mode: 'diff', dataKey: 'gap' });
      await firstPaint(p);
      // a new load selects the root cause: its own Δ self is −0.05 ms, and the pane says where the +400 ms is
      const sec = await hook<number>(p, 'find', 'security', 'securityConfigs');
      assert.equal((await state(p)).selected, sec);
      const detail = (await p.locator('.fg-detail').textContent())!;
      assert.match(detail, /Δ self −0\.05 ms/);
      assert.match(detail, /Diagnosis: \+400 ms per trace, in the wait before its spans start \(its callers' time\), not in its own time\./);
      // said once: not also "the diagnosis' effect … this call path: −0.05 ms per trace of own time" (h24)
      assert.doesNotMatch(detail, /The diagnosis' effect/);
      // the synthetic root: the end-to-end change and the engine's verdict; no source line, nothing to ask about
      await hook(p, 'select', 0);
      const root = (await p.locator('.fg-detail').textContent())!;
      assert.doesNotMatch(root, /confidence 0%/);
      assert.match(root, /Δ total \+400 ms per trace · the engine: slower beyond noise/);
      // the exemplar traces say why there is no list for it (not "Select an operation" while one box is selected)
      await p.waitForFunction(() => document.querySelector('.fg-extra')?.textContent?.includes('"all traces" is every trace, not an operation'), null, { timeout: 5000 });
      assert.equal(await p.locator('.fg-go-source').evaluate((b) => (b as HTMLElement & { disabled: boolean }).disabled), true);
      // search → Enter goes to the match: the security service's box is a sliver of the whole graph (its outline cannot
      // be seen, so Enter seemed to do nothing); it is zoomed to, and the box says which match it is
      await hook(p, 'reset');
      await paint(p);
      const sliver = byName(await rects(p), 'security', 'SELECT config');
      assert.ok(sliver && sliver.w > 2 && sliver.w < 24, `the match starts as a sliver (${sliver?.w} px)`);
      await p.locator('canvas').first().focus();
      await p.keyboard.press('/');
      await p.keyboard.type('SELECT config');
      await waitState(p, 'search', 'SELECT config');
      await p.keyboard.press('Enter');
      await waitState(p, 'selected', await hook<number>(p, 'find', 'security', 'SELECT config'));
      await paint(p);
      const shown = byName(await rects(p), 'security', 'SELECT config');
      assert.ok(shown && shown.w >= 24, `the match is zoomed to a visible width (${shown?.w} px)`);
      assert.equal(await p.locator('.fg-match-info').textContent(), 'match 1 of 1');
      await p.keyboard.press('Escape');
      await hook(p, 'select', 0);
      const posts = (await posted(p)).length;
      await p.locator('.fg-go-source').click({ force: true });
      await p.waitForTimeout(200);
      assert.equal((await posted(p)).filter((m) => (m as { type: string }).type === 'openSource').length, 0, `posted after the click: ${JSON.stringify((await posted(p)).slice(posts))}`);
    } finally {
      await o.close();
    }
  });
});
