/**
 * Exemplar traces in the standalone report (`trace-doctor flame`): the embedded bundle (bounded, escaped, names the
 * root cause's traces) and the waterfalls drawn from it in headless chromium — incident above baseline on one time
 * scale, the root-cause span marked, click → file:line shown, trace text never parsed as HTML, no CSP violation.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as esbuild from 'esbuild';
import type { Browser, Page } from 'playwright-core';
import { buildFlameReport } from '../../src/cli/commands/flame';
import type { CliIO } from '../../src/cli/command';
import { isExemplarBundle, pathKey, type ExemplarBundle } from '../../src/protocol/exemplars';

const CHROMIUM = '/usr/bin/chromium';
const root = join(__dirname, '..', '..');
const fx = join(root, 'test', 'fixtures', 'public', 'sys4bigml');
const normal = join(fx, 'normal-traces-minified-1.json');
const spiked = join(fx, 'spiked-traces-minified-1.json');
const EVIL = '</script><img src=x onerror=alert(1)>';
let dir = '';
let assets = '';

const io = (): CliIO => ({ out: () => {}, err: () => {} });
const embeddedBundle = (html: string): unknown => {
  const m = /<script type="application\/json" id="flame-exemplars">([\s\S]*?)<\/script>/.exec(html);
  return m ? JSON.parse(m[1]!) : null;
};

/** A small OTLP pair whose slow operation has an HTML-looking name. */
function otlp(traces: { id: string; slowMs: number }[]): string {
  const spans = traces.flatMap(({ id, slowMs }, k) => {
    const t0 = BigInt(1_700_000_000_000 + k * 10_000) * 1_000_000n;
    const ms = (x: number) => String(t0 + BigInt(Math.round(x * 1e6)));
    return [
      { traceId: id.padStart(32, '0'), spanId: `${k}1`.padStart(16, '0'), name: 'GET /', kind: 2, startTimeUnixNano: ms(0), endTimeUnixNano: ms(20 + slowMs) },
      { traceId: id.padStart(32, '0'), spanId: `${k}2`.padStart(16, '0'), parentSpanId: `${k}1`.padStart(16, '0'), name: EVIL, kind: 1, startTimeUnixNano: ms(5), endTimeUnixNano: ms(10 + slowMs) },
    ];
  });
  return JSON.stringify({ resourceSpans: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 'web' } }] }, scopeSpans: [{ scope: { name: 't' }, spans }] }] });
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'flame-waterfall-'));
  assets = join(dir, 'dist');
  mkdirSync(join(assets, 'webview'), { recursive: true });
  await esbuild.build({ entryPoints: [join(root, 'webview', 'flame', 'main.ts')], bundle: true, outfile: join(assets, 'webview', 'flame.js'), platform: 'browser', format: 'iife', target: 'es2022', logLevel: 'silent' });
  copyFileSync(join(root, 'media', 'flame.css'), join(assets, 'webview', 'flame.css'));
  const b: { id: string; slowMs: number }[] = [];
  const i: { id: string; slowMs: number }[] = [];
  for (let k = 0; k < 12; k++) b.push({ id: `b${k}`, slowMs: k % 3 });
  for (let k = 0; k < 12; k++) i.push({ id: `a${k}`, slowMs: 200 + k });
  writeFileSync(join(dir, 'evil-normal.json'), otlp(b));
  writeFileSync(join(dir, 'evil-slow.json'), otlp(i));
});
after(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('the report embeds a bounded exemplar bundle for the root cause, as escaped JSON', async () => {
  const r = await buildFlameReport({ baseline: [normal], incident: [spiked], workspace: fx, assetsDir: assets }, io());
  const b = embeddedBundle(r.html);
  assert.ok(isExemplarBundle(b), 'the report has <script type="application/json" id="flame-exemplars">');
  assert.deepEqual(b, JSON.parse(JSON.stringify(r.exemplars)));
  const rc = b.lists.find((l) => l.path[l.path.length - 1]!.name === 'preprocess-request');
  assert.ok(rc, `a list for the root cause among ${b.lists.map((l) => pathKey(l.path)).join(' | ')}`);
  assert.equal(rc.incident.length, 1);
  assert.equal(rc.baseline.length, 1);
  assert.equal(rc.baseline[0]!.label, 'median');
  // every listed trace is embedded, with its spans
  for (const ref of [...rc.incident, ...rc.baseline]) assert.ok(b.traces.some((t) => t.side === ref.side && t.traceId === ref.traceId && t.n === ref.spans));
  // the incident trace is the slow one (1.2 s vs 342 ms, see the fixture's README)
  assert.ok(rc.incident[0]!.latencyMs > 1000 && rc.baseline[0]!.latencyMs < 400);
});

test('span names that look like HTML stay inert in the embedded bundle', async () => {
  const r = await buildFlameReport({ baseline: [join(dir, 'evil-normal.json')], incident: [join(dir, 'evil-slow.json')], assetsDir: assets }, io());
  assert.ok(!r.html.includes(EVIL), 'the name is never written unescaped');
  const b = embeddedBundle(r.html) as ExemplarBundle;
  assert.ok(b.traces.some((t) => t.strings.includes(EVIL)), 'but it round-trips through the escaped JSON');
  assert.equal(b.traces.reduce((s, t) => s + t.n, 0) <= 60_000, true);
});

const skip = existsSync(CHROMIUM) ? false : `${CHROMIUM} not found — waterfall browser tests skipped`;

describe('waterfalls in the report (chromium)', { skip }, () => {
  let browser: Browser;
  before(async () => {
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'] });
  });
  after(async () => {
    await browser?.close();
  });

  async function open(html: string, name: string): Promise<{ page: Page; problems: string[] }> {
    const file = join(dir, name);
    writeFileSync(file, html);
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push(`pageerror ${e.message}`));
    page.on('dialog', (d) => {
      problems.push(`dialog ${d.message()}`);
      void d.dismiss();
    });
    page.on('request', (q) => {
      if (!q.url().startsWith('file:')) problems.push(`request ${q.url()}`);
    });
    await page.addInitScript(() => document.addEventListener('securitypolicyviolation', (e) => console.error(`CSP ${e.violatedDirective}`)));
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(m.text());
    });
    await page.goto(pathToFileURL(file).href);
    return { page, problems };
  }

  interface Row { index: number; name: string; service: string; onPath: boolean; critical: boolean; x: number; y: number; w: number; h: number }

  test('root cause selected → incident above baseline on one scale, span marked, click shows file:line', async () => {
    const r = await buildFlameReport({ baseline: [normal], incident: [spiked], workspace: fx, assetsDir: assets }, io());
    const { page, problems } = await open(r.html, 'sys4bigml.html');
    await page.waitForFunction(() => {
      const x = (window as any).__flame?.exemplars;
      return x && x.rows('incident').length > 0 && x.rows('baseline').length > 0;
    });
    await page.locator('.fg-wf-incident canvas').scrollIntoViewIfNeeded();
    const st = await page.evaluate(() => {
      const x = (window as any).__flame.exemplars;
      return { path: x.path(), inc: x.rows('incident') as Row[], base: x.rows('baseline') as Row[], view: x.view() };
    });
    assert.equal(st.path[st.path.length - 1].name, 'preprocess-request');
    const target = st.inc.find((q) => q.onPath);
    assert.ok(target && target.name === 'preprocess-request', JSON.stringify(st.inc));
    assert.ok(st.base.some((q) => q.onPath && q.name === 'preprocess-request'));
    assert.ok(st.inc.some((q) => q.critical));
    assert.ok(st.inc[0]!.y < st.base[0]!.y, 'incident lane above baseline lane');
    // one time scale: bar widths are proportional to durations (1207 ms vs 342 ms entry spans)
    const ratio = st.inc[0]!.w / st.base[0]!.w;
    assert.ok(Math.abs(ratio - 1207.4 / 342.0) < 0.1, `width ratio ${ratio}`);
    // the bar is painted in the canvas: a pixel in its upper part (above the critical-path band) is not background
    const px = await page.evaluate((t) => {
      const c = document.querySelector('.fg-wf-incident canvas') as HTMLCanvasElement;
      const b = c.getBoundingClientRect();
      const dpr = c.width / c.clientWidth;
      const ctx = c.getContext('2d')!;
      const y = Math.round((t.y + 5 - b.top) * dpr);
      return {
        bar: [...ctx.getImageData(Math.round((t.x + t.w / 2 - b.left) * dpr), y, 1, 1).data],
        empty: [...ctx.getImageData(Math.round((b.width - 2) * dpr), y, 1, 1).data],
      };
    }, target);
    assert.notDeepEqual(px.bar, px.empty, `bar pixel ${px.bar} vs background ${px.empty}`);
    await page.mouse.click(target.x + Math.min(30, target.w / 2), target.y + target.h / 2);
    const detail = await page.evaluate(() => (window as any).__flame.exemplars.detailText() as string);
    assert.match(detail, /src\/pre-processor\/preprocessor\.py:58/);
    assert.match(detail, /on the critical path/);
    // its attributes (embedded for the spans of the root cause)
    await page.waitForFunction(() => /span id/.test((window as any).__flame.exemplars.spanText()));
    assert.match(await page.evaluate(() => (window as any).__flame.exemplars.spanText() as string), /service\.name/);
    // keyboard: ↑ moves the selection in the focused waterfall
    const sel0 = await page.evaluate(() => (window as any).__flame.exemplars.selected('incident'));
    await page.keyboard.press('ArrowUp');
    assert.equal(await page.evaluate(() => (window as any).__flame.exemplars.selected('incident')), sel0 - 1);
    // selecting a node without an embedded list says so
    await page.evaluate(() => (window as any).__flame.select(0));
    assert.deepEqual(await page.evaluate(() => [(window as any).__flame.exemplars.spanCount('incident'), (window as any).__flame.exemplars.spanCount('baseline')]), [0, 0], 'the root selected: no stale waterfalls');
    await page.evaluate(() => {
      const f = (window as any).__flame;
      f.select(f.find('web-server', 'inference-span'));
    });
    await page.waitForFunction(() => /embeds exemplar traces for the root cause/.test(document.querySelector('.fg-ex-note')?.textContent ?? ''));
    await page.screenshot({ path: join(dir, 'waterfall.png') });
    assert.deepEqual(problems, []);
    await page.close();
  });

  test('HTML-looking span names are drawn as text, no dialog, no injected element', async () => {
    const r = await buildFlameReport({ baseline: [join(dir, 'evil-normal.json')], incident: [join(dir, 'evil-slow.json')], assetsDir: assets }, io());
    const { page, problems } = await open(r.html, 'evil.html');
    await page.waitForFunction(() => (window as any).__flame?.exemplars?.rows('incident').length > 0);
    await page.locator('.fg-wf-incident canvas').scrollIntoViewIfNeeded();
    const rows = (await page.evaluate(() => (window as any).__flame.exemplars.rows('incident'))) as Row[];
    const evil = rows.find((q) => q.name.includes('onerror'));
    assert.ok(evil);
    await page.mouse.click(evil.x + 2, evil.y + evil.h / 2);
    const text = await page.evaluate(() => (window as any).__flame.exemplars.detailText() as string);
    assert.ok(text.includes('<img src=x onerror=alert(1)>'), text);
    assert.equal(await page.evaluate(() => document.querySelectorAll('img').length), 0);
    assert.deepEqual(problems, []);
    await page.close();
  });
});
