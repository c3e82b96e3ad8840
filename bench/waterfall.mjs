#!/usr/bin/env node
// Waterfall benchmark (exemplar traces under the flame graph): two traces of N spans each (default 10,000) — the
// incident one above the baseline one — drawn by the real webview bundle in headless chromium from the standalone
// report, next to a floor measured in the same run (the same report with 21-span traces).
// Prints: host-side cost (exemplar selection and one-trace extraction on a run of --traces traces, JSON size of a
// trace), the time from selecting the operation to both waterfalls painted, and frame render times while scrolling
// through all rows of both traces and zooming the time axis. Target: median frame ≤ 16 ms with 10k-span traces.
//
// Usage: node bench/waterfall.mjs [--spans 10000] [--traces 20] [--steps 120] [--width 1400] [--height 1000]
// Needs /usr/bin/chromium. Exit code 1 when the target is missed.
import { mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { randomBytes } from 'node:crypto';
import * as esbuild from 'esbuild';
import { chromium } from 'playwright-core';
import { root } from './lib.mjs';

const { values } = parseArgs({
  options: {
    spans: { type: 'string', default: '10000' },
    traces: { type: 'string', default: '20' },
    steps: { type: 'string', default: '120' },
    width: { type: 'string', default: '1400' },
    height: { type: 'string', default: '1000' },
  },
});
const SPANS = Number(values.spans);
const TRACES = Number(values.traces);
const STEPS = Number(values.steps);
const W = Number(values.width);
const H = Number(values.height);
const tmp = mkdtempSync(join(tmpdir(), 'waterfall-bench-'));
const log = (s) => process.stderr.write(s + '\n');

const [web] = await Promise.all([
  esbuild.build({ entryPoints: [join(root, 'webview/flame/main.ts')], bundle: true, write: false, minify: true, platform: 'browser', format: 'iife', target: 'es2022', logLevel: 'silent' }),
  esbuild.build({
    stdin: {
      contents: `
        export { table } from './test/helpers/spans';
        export { analyze } from './src/core/rca/analyze';
        export { toFlameData } from './src/core/diff/flame-data';
        export { renderFlameReport } from './src/core/report/html';
        export { buildExemplarBundle } from './src/core/exemplars/bundle';
        export { indexTraces, selectExemplars } from './src/core/exemplars/select';
        export { extractWaterfall } from './src/core/exemplars/waterfall';`,
      resolveDir: root,
      loader: 'ts',
    },
    bundle: true,
    outfile: join(tmp, 'helper.mjs'),
    platform: 'node',
    format: 'esm',
    logLevel: 'silent',
  }),
]);
const js = web.outputFiles[0].text;
const css = readFileSync(join(root, 'media/flame.css'), 'utf8');
const h = await import(pathToFileURL(join(tmp, 'helper.mjs')).href);
const quantile = (xs, q) => {
  const s = [...xs].sort((a, b) => a - b);
  if (!s.length) return NaN;
  const i = (s.length - 1) * q;
  const lo = Math.floor(i);
  return s[lo] + (s[Math.ceil(i)] - s[lo]) * (i - lo);
};

/** One trace of `spans` spans: GET / → query → fetch (→ decode every third time), `slow` ms per query. */
function traceSpans(tr, spans, slow, t0) {
  const out = [{ trace: tr, id: `${tr}r`, name: 'GET /', service: 'web', start: t0, dur: 0 }];
  let t = t0 + 0.05;
  for (let q = 0; out.length < spans; q++) {
    const d = 0.02 + slow + (q % 7) * 0.001;
    out.push({ trace: tr, id: `${tr}q${q}`, parent: `${tr}r`, name: 'query', service: 'db', start: t, dur: d });
    if (out.length < spans) out.push({ trace: tr, id: `${tr}f${q}`, parent: `${tr}q${q}`, name: 'fetch', service: 'cache', start: t + 0.002, dur: d / 2 });
    if (q % 3 === 0 && out.length < spans) out.push({ trace: tr, id: `${tr}d${q}`, parent: `${tr}f${q}`, name: 'decode', service: 'cache', start: t + 0.003, dur: d / 4 });
    t += d + 0.003;
  }
  out[0].dur = t - t0 + 0.05;
  return out;
}
function run(prefix, n, spans, slow) {
  const all = [];
  for (let i = 0; i < n; i++) all.push(...traceSpans(`${prefix}${i}`, spans, slow * (1 + (i % 5) / 10), i * 1e6));
  return h.table(all);
}

const path = [{ service: 'web', name: 'GET /' }, { service: 'db', name: 'query' }];
function build(spans, traces, file) {
  const base = run('b', traces, spans, 0.01);
  const inc = run('i', traces, spans, 0.05);
  const a = h.analyze(base, inc);
  const data = h.toFlameData(a.diff, a.diagnosis);
  const bundle = h.buildExemplarBundle({ model: inc }, { model: base }, [path], { incidentPerPath: 1, baselinePerPath: 1, maxSpansPerTrace: spans + 10, maxSpansTotal: 2 * spans + 20 });
  const html = h.renderFlameReport({ js, css, nonce: randomBytes(18).toString('base64'), data, diagnosis: a.diagnosis, title: `waterfall bench ${spans} spans`, exemplars: bundle });
  writeFileSync(file, html);
  return { base, inc, bytes: html.length, bundle };
}

// host side: selection and extraction on a run of TRACES traces × SPANS spans
let t = performance.now();
const big = build(SPANS, Math.min(TRACES, 3), join(tmp, 'big.html'));
const buildMs = performance.now() - t;
const hostRun = run('h', TRACES, SPANS, 0.05);
t = performance.now();
const ix = h.indexTraces({ model: hostRun });
const indexMs = performance.now() - t;
t = performance.now();
const list = h.selectExemplars(ix, null, path);
const selectMs = performance.now() - t;
t = performance.now();
const one = h.extractWaterfall(hostRun, list.incident[0].traceId, { path });
const extractMs = performance.now() - t;
const traceBytes = JSON.stringify(one).length;
log(`host: run of ${hostRun.size.toLocaleString('en-US')} spans (${TRACES} traces × ${SPANS}): index ${indexMs.toFixed(0)} ms, select ${selectMs.toFixed(0)} ms, extract one ${one.n.toLocaleString('en-US')}-span trace ${extractMs.toFixed(0)} ms, ${(traceBytes / 1024).toFixed(0)} KB of JSON`);
log(`report with two ${SPANS}-span exemplar traces: ${(big.bytes / 1048576).toFixed(1)} MB (built in ${buildMs.toFixed(0)} ms)`);
build(21, 3, join(tmp, 'small.html'));

const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'] });
async function measure(file, label) {
  const ctx = await browser.newContext({ viewport: { width: W, height: H }, deviceScaleFactor: 1 });
  const page = await ctx.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(pathToFileURL(file).href);
  await page.waitForFunction(() => window.__flame && window.__flame.firstPaintMs > 0, null, { timeout: 60_000 });
  await page.locator('.fg-exemplars').scrollIntoViewIfNeeded();
  // select the operation → both waterfalls painted (includes the 120 ms selection debounce)
  const showMs = await page.evaluate(async () => {
    const f = window.__flame;
    const x = f.exemplars;
    f.select(0);
    await x.nextPaint();
    const t0 = performance.now();
    f.select(f.find('db', 'query'));
    while (!(x.spanCount('incident') > 0 && x.spanCount('baseline') > 0)) {
      if (performance.now() - t0 > 30_000) throw new Error(`no waterfalls after 30 s: ${JSON.stringify(x.path())} ${document.querySelector('.fg-ex-note')?.textContent}`);
      await new Promise((r) => setTimeout(r, 2));
    }
    await x.nextPaint();
    return performance.now() - t0;
  });
  const n = await page.evaluate(() => [window.__flame.exemplars.spanCount('incident'), window.__flame.exemplars.spanCount('baseline')]);
  const wall = await page.evaluate(async (steps) => {
    const x = window.__flame.exemplars;
    x.frameTimes.length = 0;
    const walls = [];
    const v = x.view();
    const rowsTotal = Math.max(x.spanCount('incident'), x.spanCount('baseline')) * 18;
    for (let i = 0; i < steps; i++) {
      const t0 = performance.now();
      if (i < steps / 2) {
        const top = (i / (steps / 2 - 1)) * rowsTotal;
        x.scrollTo('incident', top);
        await x.scrollTo('baseline', top);
      } else {
        const a = (i - steps / 2) / (steps / 2);
        const span = v.max * Math.pow(0.001, a);
        const c = v.max * 0.5;
        await x.zoom(c - span / 2, c + span / 2);
      }
      walls.push(performance.now() - t0);
    }
    return walls;
  }, STEPS);
  // real input: wheel scrolling over the incident lane and ctrl+wheel zooms
  const box = await page.locator('.fg-wf-incident canvas').boundingBox();
  await page.mouse.move(box.x + box.width * 0.7, box.y + Math.min(40, box.height / 2));
  for (let i = 0; i < 20; i++) {
    await page.mouse.wheel(0, 400);
    await page.evaluate(() => window.__flame.exemplars.nextPaint());
  }
  await page.keyboard.down('Control');
  for (let i = 0; i < 20; i++) {
    await page.mouse.wheel(0, i < 10 ? -120 : 120);
    await page.evaluate(() => window.__flame.exemplars.nextPaint());
  }
  await page.keyboard.up('Control');
  const frames = await page.evaluate(() => [...window.__flame.exemplars.frameTimes]);
  await ctx.close();
  const r = { label, spans: n, showMs, frames: frames.length, median: quantile(frames, 0.5), p95: quantile(frames, 0.95), max: Math.max(...frames), wallMedian: quantile(wall, 0.5), wallP95: quantile(wall, 0.95), errors };
  log(
    `${label.padEnd(6)} spans ${n.join(' + ')}  select → painted ${showMs.toFixed(0)} ms  frame render median ${r.median.toFixed(2)} ms p95 ${r.p95.toFixed(2)} ms max ${r.max.toFixed(1)} ms over ${r.frames} frames  step wall median ${r.wallMedian.toFixed(1)} ms p95 ${r.wallP95.toFixed(1)} ms`,
  );
  if (errors.length) log(`  page errors: ${errors.join('; ')}`);
  return r;
}
let floor;
let res;
try {
  floor = await measure(join(tmp, 'small.html'), 'floor');
  res = await measure(join(tmp, 'big.html'), `${SPANS / 1000}k`);
} finally {
  await browser.close();
  rmSync(tmp, { recursive: true, force: true });
}
const ok = res.median <= 16 && res.errors.length === 0;
log(`ratios vs floor: select → painted ${(res.showMs / floor.showMs).toFixed(1)}×, median frame ${(res.median / floor.median).toFixed(1)}×, p95 frame ${(res.p95 / floor.p95).toFixed(1)}×`);
log(`target median frame ≤ 16 ms with ${SPANS}-span traces: ${ok ? 'met' : 'MISSED'}`);
console.log(JSON.stringify({ floor, result: res, host: { indexMs, selectMs, extractMs, traceBytes, spans: hostRun.size } }));
process.exit(ok ? 0 : 1);
