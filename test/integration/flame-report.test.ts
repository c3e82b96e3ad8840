/**
 * The flame-graph bundle rendered in headless chromium: the standalone HTML report of a known tree (drawn regions and
 * canvas pixels, root-cause highlight, search, click zoom, keyboard, tooltip, CSP, HTML in span names), and the
 * VS Code protocol path with a fake acquireVsCodeApi (ready → setData, state persisted and restored, openSource).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as esbuild from 'esbuild';
import type { Browser, Page } from 'playwright-core';
import { toFlameData } from '../../src/core/diff/flame-data';
import { renderFlameReport } from '../../src/core/report/html';
import { EVIL_NAME, knownDiagnosis, knownDiffTree } from '../fixtures/flame/known-tree';

const CHROMIUM = '/usr/bin/chromium';
const root = join(__dirname, '..', '..');
const skip = existsSync(CHROMIUM) ? false : `${CHROMIUM} not found (apt-get install -y chromium) — flame report browser tests skipped`;

interface Rect {
  id: number;
  service: string;
  name: string;
  x: number;
  y: number;
  w: number;
  h: number;
  fill: [number, number, number];
  rootCause: boolean;
  matched: boolean;
  gone?: boolean;
}

/** Builds webview/flame/main.ts the way esbuild.mjs does (in memory, so the test does not depend on `npm run build`). */
async function bundle(): Promise<string> {
  const r = await esbuild.build({
    entryPoints: [join(root, 'webview', 'flame', 'main.ts')],
    bundle: true,
    write: false,
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
    loader: { '.css': 'text' },
    logLevel: 'silent',
  });
  return r.outputFiles[0]!.text;
}

describe('flame report in chromium', { skip }, () => {
  let browser: Browser;
  let dir: string;
  let js: string;
  const css = readFileSync(join(root, 'media', 'flame.css'), 'utf8');

  before(async () => {
    js = await bundle();
    dir = mkdtempSync(join(tmpdir(), 'flame-report-'));
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  });
  after(async () => {
    await browser?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  interface Opened {
    page: Page;
    csp: string[];
    errors: string[];
    dialogs: string[];
    requests: string[];
    close(): Promise<void>;
  }

  async function open(html: string, opts: { colorScheme?: 'light' | 'dark'; init?: string; dpr?: number } = {}): Promise<Opened> {
    const file = join(dir, `r-${randomBytes(4).toString('hex')}.html`);
    writeFileSync(file, html);
    const ctx = await browser.newContext({ viewport: { width: 1000, height: 700 }, colorScheme: opts.colorScheme ?? 'light', deviceScaleFactor: opts.dpr ?? 1 });
    const page = await ctx.newPage();
    const o: Opened = { page, csp: [], errors: [], dialogs: [], requests: [], close: () => ctx.close() };
    await page.exposeFunction('__cspViolation', (s: string) => o.csp.push(s));
    await page.addInitScript(() => {
      document.addEventListener('securitypolicyviolation', (e) => (window as unknown as { __cspViolation(s: string): void }).__cspViolation(`${e.violatedDirective} ${e.blockedURI}`));
    });
    if (opts.init) await page.addInitScript(opts.init);
    page.on('pageerror', (e) => o.errors.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error') o.errors.push(m.text());
    });
    page.on('dialog', (d) => {
      o.dialogs.push(d.message());
      void d.dismiss();
    });
    page.on('request', (r) => {
      if (!r.url().startsWith('file:')) o.requests.push(r.url());
    });
    await page.goto(pathToFileURL(file).href);
    return o;
  }

  const reportHtml = () =>
    renderFlameReport({ js, css, nonce: randomBytes(16).toString('base64'), data: toFlameData(knownDiffTree(), knownDiagnosis()), diagnosis: knownDiagnosis(), title: 'Known tree' });

  const rects = (page: Page) => page.evaluate(() => (window as unknown as { __flame: { getDrawnRects(): Rect[] } }).__flame.getDrawnRects());
  const hook = <T>(page: Page, fn: string, ...args: unknown[]) =>
    page.evaluate(([f, a]) => {
      const h = (window as unknown as { __flame: Record<string, (...x: unknown[]) => unknown> }).__flame;
      return h[f as string]!(...(a as unknown[]));
    }, [fn, args] as const) as Promise<T>;
  const paint = (page: Page) => page.evaluate(() => (window as unknown as { __flame: { nextPaint(): Promise<void> } }).__flame.nextPaint());
  const byName = (rs: Rect[], service: string, name: string) => {
    const r = rs.find((x) => x.service === service && x.name === name);
    assert.ok(r, `${service}/${name} drawn (drawn: ${rs.map((x) => x.name).join(', ')})`);
    return r;
  };

  /** Colour histogram of the canvas pixels inside a CSS-pixel rect: [[r,g,b], count] sorted by count. */
  async function pixels(page: Page, x: number, y: number, w: number, h: number): Promise<Array<[[number, number, number], number]>> {
    return page.evaluate(
      ([x, y, w, h]) => {
        const c = document.querySelector<HTMLCanvasElement>('canvas.fg-canvas')!;
        const dpr = c.width / c.clientWidth;
        const ctx = c.getContext('2d')!;
        const img = ctx.getImageData(Math.round(x! * dpr), Math.round(y! * dpr), Math.max(1, Math.round(w! * dpr)), Math.max(1, Math.round(h! * dpr)));
        const counts = new Map<string, number>();
        for (let i = 0; i < img.data.length; i += 4) {
          const k = `${img.data[i]},${img.data[i + 1]},${img.data[i + 2]}`;
          counts.set(k, (counts.get(k) ?? 0) + 1);
        }
        return [...counts.entries()].sort((a, b) => b[1] - a[1]).map(([k, n]) => [k.split(',').map(Number), n]);
      },
      [x, y, w, h],
    ) as Promise<Array<[[number, number, number], number]>>;
  }
  const near = (a: number[], b: number[], tol = 6) => a.every((v, i) => Math.abs(v - b[i]!) <= tol);

  test('the report is one self-contained file: data escaped, strict CSP, no external resources', () => {
    const html = reportHtml();
    assert.ok(!html.includes('<img src=x'), 'span name must not appear as markup');
    assert.ok(html.includes('\\u003cimg src=x onerror=alert(1)\\u003e'), 'escaped in the embedded JSON');
    assert.match(html, /Content-Security-Policy" content="default-src &#39;none&#39;; script-src &#39;nonce-[A-Za-z0-9+/=]+&#39;/);
    assert.doesNotMatch(html, /unsafe-inline|unsafe-eval/);
    // outside the inlined bundle (whose lit templates are never rendered with URLs here): no external resources
    const markup = html.replace(/<script nonce=[^>]*>[\s\S]*?<\/script>/, '<script></script>');
    assert.doesNotMatch(markup, /<script[^>]*\ssrc=|<link\b|<img\b|@import|url\(\s*['"]?https?:/i, 'no external resources');
    assert.equal((html.match(/<script nonce=/g) ?? []).length, 1);
    assert.ok(html.includes('payments · charge') && html.includes('src/payments/charge.ts:42'), 'diagnosis summary at the top');
  });

  test('draws the known tree: regions, colours, root-cause highlight, no CSP violations, no network', async () => {
    const o = await open(reportHtml());
    try {
      const { page } = o;
      await page.waitForFunction(() => ((window as unknown as { __flame?: { firstPaintMs: number } }).__flame?.firstPaintMs ?? -1) > 0, null, { timeout: 10_000 });
      const rs = await rects(page);
      const canvasW = await page.evaluate(() => document.querySelector<HTMLCanvasElement>('canvas.fg-canvas')!.clientWidth);
      // widths follow incident time: root 200 ms = full width, payments 130 ms, cart 30, redis 10; inventory (gone) at its baseline time
      const rootR = byName(rs, 'frontend', 'GET /checkout');
      const pay = byName(rs, 'payments', 'charge');
      const cart = byName(rs, 'cart', 'GetCart');
      const redis = byName(rs, 'redis', 'GET');
      assert.ok(Math.abs(rootR.w - canvasW) < 1.5, `root spans the canvas (${rootR.w} vs ${canvasW})`);
      assert.ok(Math.abs(pay.w / rootR.w - 130 / 200) < 0.01, `payments width ${pay.w}`);
      assert.ok(Math.abs(cart.w / rootR.w - 30 / 200) < 0.01);
      assert.ok(Math.abs(redis.w / cart.w - 1 / 3) < 0.02);
      assert.equal(redis.y, 2 * (pay.y / 1)); // depth 2 vs depth 1
      // inventory/reserve is gone in the incident: drawn after the present calls at its baseline width (10 of 200 ms)
      const gone = rs.filter((r) => r.name === 'reserve');
      assert.equal(gone.length, 1);
      assert.ok(gone[0]!.gone, 'drawn as gone work');
      assert.ok(Math.abs(gone[0]!.w / rootR.w - 10 / 200) < 0.01, `gone width ${gone[0]!.w}`);
      assert.ok(Math.abs(gone[0]!.x + gone[0]!.w - (rootR.x + rootR.w)) < 2, 'after the present calls');
      // diff colours: root cause red, unchanged neutral grey
      assert.ok(pay.rootCause);
      assert.ok(pay.fill[0] > pay.fill[2] + 80, `root cause fill is red ${pay.fill}`);
      const auth = byName(rs, 'frontend', 'auth');
      assert.ok(Math.max(...auth.fill) - Math.min(...auth.fill) < 10, `unchanged node is neutral ${auth.fill}`);
      // canvas pixels: the dominant colour inside each rect is its fill
      const payPx = await pixels(page, pay.x + 4, pay.y + 3, pay.w - 8, pay.h - 6);
      assert.ok(near(payPx[0]![0], pay.fill), `dominant pixel ${payPx[0]![0]} vs fill ${pay.fill}`);
      const authPx = await pixels(page, auth.x + 4, auth.y + 3, auth.w - 8, auth.h - 6);
      assert.ok(near(authPx[0]![0], auth.fill));
      // root-cause highlight: outline (foreground colour) on its top edge, and the badge pill right after the label
      const fg = await page.evaluate(() => getComputedStyle(document.documentElement).getPropertyValue('--fg-fg').trim());
      const edge = await pixels(page, pay.x + pay.w / 3, pay.y + 1, 20, 2);
      assert.ok(!near(edge[0]![0], pay.fill, 30), `outline drawn over the root cause edge (${edge[0]![0]}, fg ${fg})`);
      const badge = await pixels(page, pay.x + 60, pay.y + 4, 200, 8);
      assert.ok(badge.some(([c, n]) => n > 50 && !near(c, pay.fill, 30)), 'root-cause badge drawn');
      // the other candidate (cart/GetCart) has a dashed outline: its top edge mixes fill and outline pixels, auth's does not
      const cartEdge = await pixels(page, cart.x + 4, cart.y, cart.w - 8, 1);
      const authEdge = await pixels(page, auth.x + 4, auth.y, auth.w - 8, 1);
      assert.ok(cartEdge.some(([c, n]) => n >= 5 && !near(c, cart.fill, 30)), `dashed candidate outline ${JSON.stringify(cartEdge.slice(0, 3))}`);
      assert.ok(authEdge.every(([c]) => near(c, auth.fill, 30)), `no outline on a plain node ${JSON.stringify(authEdge.slice(0, 3))}`);
      // the row outside any rect is the background
      const bg = await pixels(page, canvasW - 20, pay.y + 3, 10, 10); // right of payments (190..200 ms has no child)
      assert.ok(!near(bg[0]![0], pay.fill, 30));
      assert.deepEqual(o.csp, [], 'no CSP violations');
      assert.deepEqual(o.errors, [], 'no page errors');
      assert.deepEqual(o.requests, [], 'no network requests');
    } finally {
      await o.close();
    }
  });

  test('walkthrough 2026-12-07 pm: the search field has a visible border on the light and the dark report page (it read as a plain label on white)', async () => {
    for (const colorScheme of ['light', 'dark'] as const) {
      const o = await open(reportHtml(), { colorScheme });
      try {
        const { page } = o;
        await page.waitForFunction(() => !!document.querySelector('.fg-search')?.shadowRoot?.querySelector('.root'));
        const c = await page.evaluate(() => {
          const root = document.querySelector('.fg-search')!.shadowRoot!.querySelector('.root')!;
          const rs = getComputedStyle(root);
          return { border: rs.borderTopColor, field: rs.backgroundColor, page: getComputedStyle(document.body).backgroundColor };
        });
        const rgb = (s: string) => (s.match(/\d+(\.\d+)?/g) ?? []).slice(0, 3).map(Number);
        const dist = (a: number[], b: number[]) => Math.max(...a.map((x, k) => Math.abs(x - b[k]!)));
        // its outline stands out from the page around it
        assert.ok(dist(rgb(c.border), rgb(c.page)) >= 20, `${colorScheme}: ${JSON.stringify(c)}`);
      } finally {
        await o.close();
      }
    }
  });

  test('search highlights matches and dims the rest; the search box drives it', async () => {
    const o = await open(reportHtml());
    try {
      const { page } = o;
      await page.waitForFunction(() => ((window as unknown as { __flame?: { firstPaintMs: number } }).__flame?.firstPaintMs ?? -1) > 0);
      const before = await rects(page);
      const auth0 = byName(before, 'frontend', 'auth');
      assert.equal(await hook<number>(page, 'search', 'charge'), 1);
      await paint(page);
      const rs = await rects(page);
      const pay = byName(rs, 'payments', 'charge');
      const auth = byName(rs, 'frontend', 'auth');
      assert.ok(pay.matched && !auth.matched);
      const canvasW = await page.evaluate(() => document.querySelector('canvas')!.clientWidth);
      const bg = (await pixels(page, canvasW - 15, pay.y + 3, 10, 10))[0]![0]; // empty area right of payments
      const dist = (a: number[], b: number[]) => Math.hypot(a[0]! - b[0]!, a[1]! - b[1]!, a[2]! - b[2]!);
      assert.ok(dist(auth.fill, bg) < dist(auth0.fill, bg), `non-match dimmed towards the background ${bg} (${auth0.fill} → ${auth.fill})`);
      const authPx = await pixels(page, auth.x + 4, auth.y + 3, auth.w - 8, auth.h - 6);
      assert.ok(near(authPx[0]![0], auth.fill), 'dimmed colour is what is on the canvas');
      const payPx = await pixels(page, pay.x + 4, pay.y + 3, pay.w - 8, pay.h - 6);
      assert.ok(near(payPx[0]![0], pay.fill) && pay.fill[0] > pay.fill[2] + 80, 'match keeps its colour');
      // typing in the toolbar's search field
      const input = page.locator('vscode-textfield input');
      await input.fill('redis');
      await page.waitForFunction(() => (window as unknown as { __flame: { state(): { search: string } } }).__flame.state().search === 'redis');
      assert.equal(await page.locator('.fg-match-info').textContent(), '1 match');
      await paint(page);
      assert.deepEqual((await rects(page)).filter((r) => r.matched).map((r) => `${r.service}/${r.name}`), ['redis/GET']);
      await input.fill('');
      await page.waitForFunction(() => document.querySelector('.fg-match-info')?.textContent === '');
      assert.deepEqual(o.csp, []);
    } finally {
      await o.close();
    }
  });

  test('click zooms into a node, breadcrumb follows, keyboard navigates and resets', async () => {
    const o = await open(reportHtml());
    try {
      const { page } = o;
      await page.waitForFunction(() => ((window as unknown as { __flame?: { firstPaintMs: number } }).__flame?.firstPaintMs ?? -1) > 0);
      const box = (await page.locator('canvas.fg-canvas').boundingBox())!;
      const cart = byName(await rects(page), 'cart', 'GetCart');
      await page.mouse.click(box.x + cart.x + cart.w / 2, box.y + cart.y + cart.h / 2);
      await paint(page);
      const st = await hook<{ zoomNode: number; selected: number }>(page, 'state');
      assert.equal(st.zoomNode, cart.id);
      const rs = await rects(page);
      const cartZ = byName(rs, 'cart', 'GetCart');
      assert.ok(cartZ.x <= 0.5 && Math.abs(cartZ.w - box.width) < 3, `zoomed node spans the width (${cartZ.x}, ${cartZ.w})`);
      assert.ok(Math.abs(byName(rs, 'redis', 'GET').w / cartZ.w - 1 / 3) < 0.02);
      assert.equal(rs.filter((r) => r.name === 'charge').length, 0, 'siblings leave the view');
      const crumbs = await page.locator('.fg-crumb').allTextContents();
      assert.deepEqual(crumbs, ['frontend: GET /checkout', 'cart: GetCart']);
      // breadcrumb click back to the root
      await page.locator('.fg-crumb').first().click();
      await paint(page);
      assert.equal((await hook<{ zoomNode: number }>(page, 'state')).zoomNode, 0);
      // keyboard: select root (Up from the pre-selected root cause), Down → widest child (payments), Enter zooms, Escape resets
      await page.locator('canvas.fg-canvas').focus();
      await page.keyboard.press('ArrowUp');
      assert.equal((await hook<{ selected: number }>(page, 'state')).selected, 0);
      await page.keyboard.press('ArrowDown');
      const payId = await hook<number>(page, 'find', 'payments', 'charge');
      assert.equal((await hook<{ selected: number }>(page, 'state')).selected, payId);
      await page.keyboard.press('ArrowLeft');
      assert.equal((await hook<{ selected: number }>(page, 'state')).selected, await hook<number>(page, 'find', 'frontend', 'auth'));
      await page.keyboard.press('ArrowRight');
      await page.keyboard.press('Enter');
      assert.equal((await hook<{ zoomNode: number }>(page, 'state')).zoomNode, payId);
      await page.keyboard.press('Escape');
      assert.equal((await hook<{ zoomNode: number }>(page, 'state')).zoomNode, 0);
      // modes: baseline widths follow baseline time (payments 30 of 100 ms)
      await page.locator('vscode-radio[value="baseline"]').click();
      await paint(page);
      const b = await rects(page);
      assert.ok(Math.abs(byName(b, 'payments', 'charge').w / byName(b, 'frontend', 'GET /checkout').w - 0.3) < 0.01);
      assert.ok(b.some((r) => r.name === 'reserve'), 'baseline-only node drawn in baseline mode');
      assert.deepEqual(o.csp, []);
      assert.deepEqual(o.errors, []);
    } finally {
      await o.close();
    }
  });

  test('h22: an operation with no known source line says why its button is greyed and how to get the line', async () => {
    const o = await open(reportHtml());
    try {
      const { page } = o;
      await page.waitForFunction(() => ((window as unknown as { __flame?: { firstPaintMs: number } }).__flame?.firstPaintMs ?? -1) > 0);
      const box = (await page.locator('canvas.fg-canvas').boundingBox())!;
      // the root cause (payments · charge) has a line: no such note
      const withLine = await page.locator('vscode-button.fg-go-source').evaluate((b) => (b as HTMLButtonElement).disabled);
      assert.equal(withLine, false);
      assert.doesNotMatch(await page.locator('body').innerText(), /No source line known/);
      const cart = byName(await rects(page), 'cart', 'GetCart');
      await page.mouse.click(box.x + cart.x + cart.w / 2, box.y + cart.y + cart.h / 2);
      await paint(page);
      assert.equal(await page.locator('vscode-button.fg-go-source').evaluate((b) => (b as HTMLButtonElement).disabled), true);
      assert.match(await page.locator('body').innerText(), /No source line known: trace-doctor flame --workspace <your repository> finds the line that opens its spans\./);
    } finally {
      await o.close();
    }
  });

  test('tooltip shows both runs, delta and errors; HTML in span names renders as text', async () => {
    const o = await open(reportHtml());
    try {
      const { page } = o;
      await page.waitForFunction(() => ((window as unknown as { __flame?: { firstPaintMs: number } }).__flame?.firstPaintMs ?? -1) > 0);
      const box = (await page.locator('canvas.fg-canvas').boundingBox())!;
      const rs = await rects(page);
      const pay = byName(rs, 'payments', 'charge');
      await page.mouse.move(box.x + pay.x + 40, box.y + pay.y + 8);
      await page.waitForSelector('.fg-tooltip:not([hidden])');
      const tip = (await page.locator('.fg-tooltip').textContent())!;
      for (const s of ['payments', 'charge', 'root cause', 'p50', 'p95', '40 ms', '180 ms', '120 ms', 'Δ self +100 ms', 'errors', 'calls / trace', 'src/payments/charge.ts:42']) {
        assert.ok(tip.includes(s), `tooltip has '${s}': ${tip}`);
      }
      assert.match(tip, /errors\s*03/); // baseline 0, incident 3
      const evil = byName(rs, 'evil', EVIL_NAME);
      await page.mouse.move(box.x + evil.x + evil.w / 2, box.y + evil.y + 8);
      await page.waitForFunction((n) => document.querySelector('.fg-tooltip .fg-name')?.textContent === n, EVIL_NAME);
      assert.equal(await page.locator('img').count(), 0, 'no <img> element was created');
      // breadcrumb with the evil node as text too
      await hook(page, 'zoomTo', evil.id);
      assert.equal(await page.locator('.fg-crumb').last().textContent(), `evil: ${EVIL_NAME}`);
      assert.equal(await page.locator('img').count(), 0);
      assert.deepEqual(o.dialogs, [], 'no script ran from a span name');
      assert.deepEqual(o.csp, []);
    } finally {
      await o.close();
    }
  });

  test('dark colour scheme at devicePixelRatio 2: dark background, sharp backing store, root cause still red, hit test in CSS px', async () => {
    const o = await open(reportHtml(), { colorScheme: 'dark', dpr: 2 });
    try {
      const { page } = o;
      await page.waitForFunction(() => ((window as unknown as { __flame?: { firstPaintMs: number } }).__flame?.firstPaintMs ?? -1) > 0);
      const rs = await rects(page);
      const pay = byName(rs, 'payments', 'charge');
      assert.ok(pay.fill[0] > pay.fill[2] + 80);
      const canvasW = await page.evaluate(() => document.querySelector('canvas')!.clientWidth);
      const bg = (await pixels(page, canvasW - 15, pay.y + 3, 10, 10))[0]![0]; // right of payments: no box there
      assert.ok(bg[0] < 60 && bg[1] < 60 && bg[2] < 60, `dark background ${bg}`);
      const dims = await page.evaluate(() => { const c = document.querySelector<HTMLCanvasElement>('canvas.fg-canvas')!; return [c.width, c.clientWidth, c.height, c.clientHeight]; });
      assert.equal(dims[0], dims[1]! * 2);
      assert.equal(dims[2], dims[3]! * 2);
      const payPx = await pixels(page, pay.x + 4, pay.y + 3, pay.w - 8, pay.h - 6);
      assert.ok(near(payPx[0]![0], pay.fill), `device pixels carry the fill ${payPx[0]![0]} vs ${pay.fill}`);
      const box = (await page.locator('canvas.fg-canvas').boundingBox())!;
      await page.mouse.click(box.x + pay.x + pay.w / 2, box.y + pay.y + 8);
      assert.equal((await hook<{ zoomNode: number }>(page, 'state')).zoomNode, pay.id);
      assert.deepEqual(o.csp, []);
    } finally {
      await o.close();
    }
  });

  test('inside VS Code: ready → setData, state saved and restored after reload, openSource posted', async () => {
    const page = `<!DOCTYPE html><html><head><meta charset="UTF-8"><meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'nonce-abcdefghijklmnop1234'; style-src 'nonce-abcdefghijklmnop1234'">
<style nonce="abcdefghijklmnop1234">${css}</style></head><body><div id="app"></div><script nonce="abcdefghijklmnop1234">${js.replace(/<\/script/gi, '<\\/script')}</script></body></html>`;
    // a fake webview API: records posts, keeps state in sessionStorage so it survives reload like VS Code's
    // (a string: tsx's keepNames would put __name() calls into a serialized function)
    const init = `
      window.__posted = [];
      let acquired = false;
      window.acquireVsCodeApi = function () {
        if (acquired) throw new Error('acquireVsCodeApi called twice');
        acquired = true;
        return {
          postMessage: function (m) { window.__posted.push(m); },
          getState: function () { return JSON.parse(sessionStorage.getItem('vsstate') || 'null'); },
          setState: function (s) { sessionStorage.setItem('vsstate', JSON.stringify(s)); },
        };
      };`;
    const o = await open(page, { init });
    try {
      const p = o.page;
      const posted = () => p.evaluate(() => (window as unknown as { __posted: Array<{ type: string }> }).__posted);
      await p.waitForFunction(() => (window as unknown as { __posted: Array<{ type: string }> }).__posted.some((m) => m.type === 'ready'));
      const data = toFlameData(knownDiffTree(), knownDiagnosis());
      const send = (m: unknown) => p.evaluate((msg) => window.postMessage(msg, '*'), m);
      const request = { kind: 'diagnose', incident: ['/w/spike.json'], baseline: ['/w/normal.json'] };
      await send({ type: 'setData', tree: data, diagnosis: knownDiagnosis(), mode: 'diff', baselineLabel: 'normal.json', incidentLabel: 'spike.json', persist: { request } });
      await p.waitForFunction(() => ((window as unknown as { __flame?: { firstPaintMs: number } }).__flame?.firstPaintMs ?? -1) > 0);
      assert.ok((await p.locator('.fg-summary').textContent())!.includes('payments · charge'));
      // focusNode from the host selects and zooms
      await send({ type: 'focusNode', service: 'cart', name: 'GetCart' });
      await p.waitForFunction(() => (window as unknown as { __flame: { state(): { zoomNode: number } } }).__flame.state().zoomNode === 1);
      await hook(p, 'search', 'redis');
      await p.locator('vscode-radio[value="incident"]').click();
      await p.waitForFunction(() => (window as unknown as { __posted: Array<{ type: string; state?: { mode?: string; search?: string } }> }).__posted.some((m) => m.type === 'stateChanged' && m.state?.mode === 'incident' && m.state.search === 'redis'));
      // go to source: button in the detail pane and double-click both post openSource
      const payId = await hook<number>(p, 'find', 'payments', 'charge');
      await hook(p, 'reset');
      await hook(p, 'select', payId);
      await p.locator('.fg-go-source').click();
      const box = (await p.locator('canvas.fg-canvas').boundingBox())!;
      await paint(p);
      const pay = byName(await rects(p), 'payments', 'charge');
      await p.mouse.dblclick(box.x + pay.x + 30, box.y + pay.y + 8);
      const opens = (await posted()).filter((m) => m.type === 'openSource');
      assert.ok(opens.length >= 2, JSON.stringify(opens));
      assert.deepEqual(opens[0], { type: 'openSource', service: 'payments', name: 'charge', source: { file: 'src/payments/charge.ts', line: 42 } });
      // ask in chat
      await p.locator('vscode-button', { hasText: 'Ask in chat' }).click();
      assert.ok((await posted()).some((m) => JSON.stringify(m) === JSON.stringify({ type: 'askInChat', service: 'payments', name: 'charge' })));
      // reload: the state comes back (mode, search, zoom) once the host sends the data again
      await hook(p, 'zoomTo', 1);
      await p.waitForTimeout(300);
      await p.reload();
      await p.waitForFunction(() => (window as unknown as { __posted: Array<{ type: string }> }).__posted.some((m) => m.type === 'ready'));
      await send({ type: 'setData', tree: data, diagnosis: knownDiagnosis(), mode: 'diff' });
      await p.waitForFunction(() => ((window as unknown as { __flame?: { firstPaintMs: number } }).__flame?.firstPaintMs ?? -1) > 0);
      const st = await hook<{ mode: string; search: string; zoomNode: number }>(p, 'state');
      // the host's persisted request survives (the panel serializer reads state.request)
      await p.waitForTimeout(300);
      assert.deepEqual(await p.evaluate(() => JSON.parse(sessionStorage.getItem('vsstate') ?? 'null')?.request), request);
      assert.equal(st.mode, 'incident');
      assert.equal(st.search, 'redis');
      assert.equal(st.zoomNode, 1);
      assert.equal(await p.locator('.fg-match-info').textContent(), '1 match');
      // malformed messages are ignored without errors
      await send({ type: 'setData', tree: { version: 1, kind: 'diff', n: 2, parent: [5, 0], strings: [] } });
      await send({ type: 'nonsense' });
      await paint(p);
      assert.deepEqual(o.errors, []);
      assert.deepEqual(o.csp, []);
    } finally {
      await o.close();
    }
  });
});
