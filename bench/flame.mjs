#!/usr/bin/env node
// Flame graph benchmark: a diff tree of N distinct nodes (default 100k) rendered by the real webview bundle in
// headless chromium (the standalone HTML report, as `trace-doctor flame` writes it).
// Prints time to first paint and frame times during a scripted zoom/pan (median, p95), next to a floor measured in
// the same run (the same report with an 8-node tree), and checks the targets: first paint ≤ 1 s, median frame ≤ 16 ms.
// Also (issue 13 item 13) on a 100k-node tree whose operations repeat over many call paths: the time to open the
// sandwich view of the most frequent operation (merge + first frame), frame times while panning/zooming in it, and
// the minimap (whole-graph picture, per-frame overlay); target: sandwich opened ≤ 250 ms, median frame ≤ 16 ms.
//
// Usage: node bench/flame.mjs [--nodes 100000] [--steps 120] [--width 1400] [--height 900] [--keep report.html]
// Needs /usr/bin/chromium (apt-get install -y chromium). Exit code 1 when a target is missed.
import { mkdtempSync, rmSync, writeFileSync, readFileSync, copyFileSync } from 'node:fs';
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
    nodes: { type: 'string', default: '100000' },
    steps: { type: 'string', default: '120' },
    width: { type: 'string', default: '1400' },
    height: { type: 'string', default: '900' },
    keep: { type: 'string' },
  },
});
const N = Number(values.nodes);
const STEPS = Number(values.steps);
const W = Number(values.width);
const H = Number(values.height);
const CHROMIUM = '/usr/bin/chromium';

const tmp = mkdtempSync(join(tmpdir(), 'flame-bench-'));
const log = (s) => process.stderr.write(s + '\n');

// 1. the shipped bundle (minified, as in the .vsix) and a node-side helper for data + HTML, both built by esbuild
const [web, helper] = await Promise.all([
  esbuild.build({ entryPoints: [join(root, 'webview/flame/main.ts')], bundle: true, write: false, minify: true, platform: 'browser', format: 'iife', target: 'es2022', logLevel: 'silent' }),
  esbuild.build({
    stdin: {
      contents: `
        export { syntheticDiffTree, balancedDiffTree, knownDiffTree, knownDiagnosis } from './test/fixtures/flame/known-tree';
        export { toFlameData } from './src/core/diff/flame-data';
        export { renderFlameReport } from './src/core/report/html';
        import { syntheticDiffTree as syn } from './test/fixtures/flame/known-tree';
        /** the random tree with 60 operations in 12 services: each operation sits on ~1,700 call paths */
        /** the random tree with every subtree under a node whose id is divisible by 3 (below depth 1) gone in the incident:
         *  Diff mode draws them hatched at their baseline width (the heaviest case of notes/flame.md "Gone work") */
        export function goneDiffTree(n, seed = 1) {
          const t = syn(n, seed);
          const gone = new Uint8Array(t.nodes.length);
          for (const x of t.nodes) {
            if (x.parent < 0) continue;
            gone[x.id] = gone[x.parent] || (x.id % 3 === 0 && t.nodes[x.parent].parent >= 0) ? 1 : 0;
            if (gone[x.id]) { x.incident = null; x.deltaSelfMs = -(x.baseline?.selfPerTraceMs ?? 0); x.deltaTotalMs = -(x.baseline?.totalPerTraceMs ?? 0); }
          }
          return t;
        }
        /** the random tree with every node whose id is divisible by 3 (below depth 1) made 0.3× as often in the incident
         *  (50 → 15 calls): Diff mode draws a hatched remainder after each (notes/flame.md "Calls made fewer times") */
        export function fewerDiffTree(n, seed = 1) {
          const t = syn(n, seed);
          for (const x of t.nodes) {
            if (x.parent < 0 || t.nodes[x.parent].parent < 0 || x.id % 3 !== 0 || !x.incident || !x.baseline) continue;
            const calls = Math.max(1, Math.round(x.incident.calls * 0.3));
            x.incident = { ...x.incident, calls, callsPerTrace: calls / t.incidentTraces };
          }
          return t;
        }
        export function repeatedDiffTree(n, seed = 3) {
          const t = syn(n, seed);
          for (const x of t.nodes) if (x.id > 0) { x.name = 'op-' + (x.id % 60); x.service = 'svc-' + (x.id % 12); }
          return t;
        }`,
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
void helper;
const js = web.outputFiles[0].text;
const css = readFileSync(join(root, 'media/flame.css'), 'utf8');
const h = await import(pathToFileURL(join(tmp, 'helper.mjs')).href);

function report(data, diagnosis, file) {
  const html = h.renderFlameReport({ js, css, nonce: randomBytes(18).toString('base64'), data, diagnosis, title: `bench ${data.n} nodes` });
  writeFileSync(file, html);
  return html.length;
}

let t = performance.now();
const big = h.toFlameData(h.syntheticDiffTree(N));
const genMs = performance.now() - t;
const bigFile = join(tmp, 'big.html');
const bigBytes = report(big, null, bigFile);
const wide = h.toFlameData(h.balancedDiffTree(N, 10));
const wideFile = join(tmp, 'wide.html');
const wideBytes = report(wide, null, wideFile);
const rep = h.toFlameData(h.repeatedDiffTree(N));
const repFile = join(tmp, 'repeated.html');
report(rep, null, repFile);
const gone = h.toFlameData(h.goneDiffTree(N));
const goneFile = join(tmp, 'gone.html');
report(gone, null, goneFile);
const goneShare = gone.flags.filter((f) => (f & 3) === 1).length / gone.n;
const fewer = h.toFlameData(h.fewerDiffTree(N));
const fewerFile = join(tmp, 'fewer.html');
report(fewer, null, fewerFile);
const smallFile = join(tmp, 'small.html');
report(h.toFlameData(h.knownDiffTree(), h.knownDiagnosis()), h.knownDiagnosis(), smallFile);
if (values.keep) copyFileSync(bigFile, values.keep);
log(`trees: random ${big.n.toLocaleString('en-US')} nodes (generated + converted in ${genMs.toFixed(0)} ms, report ${(bigBytes / 1048576).toFixed(1)} MB); balanced ${wide.n.toLocaleString('en-US')} nodes, branching 10 (report ${(wideBytes / 1048576).toFixed(1)} MB)`);

const quantile = (xs, q) => {
  const s = [...xs].sort((a, b) => a - b);
  if (!s.length) return NaN;
  const i = (s.length - 1) * q;
  const lo = Math.floor(i);
  return s[lo] + (s[Math.ceil(i)] - s[lo]) * (i - lo);
};

const browser = await chromium.launch({
  executablePath: CHROMIUM,
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});

async function measure(file, label) {
  const ctx = await browser.newContext({ viewport: { width: W, height: H }, deviceScaleFactor: 1 });
  const page = await ctx.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(pathToFileURL(file).href);
  await page.waitForFunction(() => window.__flame && window.__flame.firstPaintMs > 0, null, { timeout: 60_000 });
  const firstPaint = await page.evaluate(() => window.__flame.firstPaintMs);
  const loadMs = await page.evaluate(() => window.__flame.loadMs);
  const n = await page.evaluate(() => window.__flame.nodeCount());

  // scripted zoom/pan: programmatic views (zoom into the widest deep node and back, pan across), then real input
  // events through d3-zoom (ctrl+wheel zoom, drag pan)
  await page.evaluate(() => {
    window.__flame.frameTimes.length = 0;
    window.__flame.rectCounts.length = 0;
  });
  const wall = await page.evaluate(async (steps) => {
    const f = window.__flame;
    const walls = [];
    const rects = f.getDrawnRects();
    // target: the deepest drawn node wider than 2 px
    const target = rects.filter((r) => r.w > 2).sort((a, b) => b.y - a.y)[0] ?? rects[0];
    const st = f.state();
    f.zoomTo(target.id);
    await f.nextPaint();
    const tv = f.state().view;
    f.reset();
    await f.nextPaint();
    const half = Math.floor(steps / 2);
    for (let i = 0; i < steps; i++) {
      let v0;
      let v1;
      if (i < half) {
        // zoom in geometrically towards the target
        const a = (i + 1) / half;
        const span = Math.pow(tv.v1 - tv.v0, a);
        const c = (tv.v0 + tv.v1) / 2;
        v0 = Math.max(0, c - span / 2);
        v1 = Math.min(1, v0 + span);
      } else {
        // pan across the whole graph at 2 % zoom
        const a = (i - half) / Math.max(1, steps - half - 1);
        v0 = a * 0.98;
        v1 = v0 + 0.02;
      }
      const t0 = performance.now();
      f.setView(v0, v1);
      await f.nextPaint();
      walls.push(performance.now() - t0);
    }
    void st;
    return walls;
  }, STEPS);
  // real input: ctrl+wheel zooms and drags pan through d3-zoom
  const box = await page.locator('canvas.fg-canvas').boundingBox();
  await page.evaluate(() => window.__flame.reset());
  await page.mouse.move(box.x + box.width * 0.6, box.y + 40);
  await page.keyboard.down('Control');
  for (let i = 0; i < 20; i++) {
    await page.mouse.wheel(0, -120);
    await page.evaluate(() => window.__flame.nextPaint());
  }
  await page.keyboard.up('Control');
  for (let i = 0; i < 20; i++) {
    await page.mouse.move(box.x + box.width * 0.6, box.y + 40);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.6 - 25, box.y + 40, { steps: 2 });
    await page.mouse.up();
    await page.evaluate(() => window.__flame.nextPaint());
  }
  const frames = await page.evaluate(() => [...window.__flame.frameTimes]);
  const rectsMax = await page.evaluate(() => Math.max(0, ...window.__flame.rectCounts));
  const drawn = await page.evaluate(() => window.__flame.getDrawnRects().length);
  await ctx.close();
  const r = {
    label,
    nodes: n,
    firstPaint,
    loadMs,
    frames: frames.length,
    median: quantile(frames, 0.5),
    p95: quantile(frames, 0.95),
    max: Math.max(...frames),
    rectsMax,
    wallMedian: quantile(wall, 0.5),
    wallP95: quantile(wall, 0.95),
    drawnAtEnd: drawn,
    errors,
  };
  log(
    `${label.padEnd(6)} nodes ${String(n).padStart(7)}  first paint ${r.firstPaint.toFixed(0).padStart(5)} ms (setData ${r.loadMs.toFixed(0)} ms)  ` +
      `frame render median ${r.median.toFixed(2)} ms p95 ${r.p95.toFixed(2)} ms max ${r.max.toFixed(1)} ms over ${r.frames} frames  ` +
      `step wall (incl. rAF) median ${r.wallMedian.toFixed(1)} ms p95 ${r.wallP95.toFixed(1)} ms, ≤ ${rectsMax} rects/frame`,
  );
  if (errors.length) log(`  page errors: ${errors.join('; ')}`);
  return r;
}

/** Sandwich of the most frequent operation and the minimap, on the repeated-operations tree. */
async function measureSandwich(file) {
  const ctx = await browser.newContext({ viewport: { width: W, height: H }, deviceScaleFactor: 1 });
  const page = await ctx.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(pathToFileURL(file).href);
  await page.waitForFunction(() => window.__flame && window.__flame.firstPaintMs > 0, null, { timeout: 60_000 });
  const r = await page.evaluate(async (steps) => {
    const f = window.__flame;
    // the operation with the most call paths: its node with the most time
    const rects = f.getDrawnRects();
    const counts = new Map();
    for (const x of rects) counts.set(x.name, (counts.get(x.name) ?? 0) + 1);
    const name = [...counts.entries()].sort((a, b) => b[1] - a[1])[0][0];
    const svc = rects.find((x) => x.name === name).service;
    const id = f.find(svc, name);
    const opens = [];
    let info;
    for (let k = 0; k < 5; k++) {
      f.sandwich(-1);
      await f.nextPaint();
      const t0 = performance.now();
      f.sandwich(id);
      await f.nextPaint();
      opens.push(performance.now() - t0);
      info = f.sandwichInfo();
    }
    f.frameTimes.length = 0;
    const walls = [];
    for (let i = 0; i < steps; i++) {
      const span = Math.pow(0.02, (i % 30) / 29);
      const v0 = ((i * 0.37) % 1) * (1 - span);
      const t0 = performance.now();
      f.setView(v0, v0 + span);
      await f.nextPaint();
      walls.push(performance.now() - t0);
    }
    const sandwichFrames = [...f.frameTimes];
    const drawn = f.sandwichRects().length;
    // minimap: leave the sandwich, zoom, and pan with the minimap visible
    f.sandwich(-1);
    f.zoomTo(id);
    await f.nextPaint();
    const mm = f.minimap();
    f.frameTimes.length = 0;
    for (let i = 0; i < 40; i++) {
      const v0 = (i / 40) * 0.9;
      f.setView(v0, v0 + 0.1);
      await f.nextPaint();
    }
    return { name, occurrences: info.occurrences, outermost: info.outermost, rows: info.rows, buildMs: info.buildMs, opens, walls, sandwichFrames, drawn, minimap: mm, minimapFrames: [...f.frameTimes] };
  }, 60);
  await ctx.close();
  const out = {
    operation: r.name,
    callPaths: r.occurrences,
    sandwichRows: r.rows,
    mergeMs: r.buildMs,
    openMedianMs: quantile(r.opens, 0.5),
    frameMedianMs: quantile(r.sandwichFrames, 0.5),
    frameP95Ms: quantile(r.sandwichFrames, 0.95),
    wallMedianMs: quantile(r.walls, 0.5),
    rectsDrawn: r.drawn,
    minimapShown: r.minimap.shown,
    minimapPictureMs: r.minimap.baseMs,
    minimapFrameMedianMs: quantile(r.minimapFrames, 0.5),
    errors,
  };
  log(
    `sandwich of ${out.operation} (${out.callPaths} call paths, ${out.sandwichRows} rows): merge ${out.mergeMs.toFixed(1)} ms, opened (merge + first frame) median ${out.openMedianMs.toFixed(1)} ms; ` +
      `frames median ${out.frameMedianMs.toFixed(2)} ms p95 ${out.frameP95Ms.toFixed(2)} ms; minimap picture ${out.minimapPictureMs.toFixed(1)} ms, frames median ${out.minimapFrameMedianMs.toFixed(2)} ms`,
  );
  if (errors.length) log(`  page errors: ${errors.join('; ')}`);
  return out;
}

let floor;
let res;
let resWide;
let resGone;
let resFewer;
let sw;
try {
  floor = await measure(smallFile, 'floor');
  res = await measure(bigFile, 'random');
  resWide = await measure(wideFile, 'wide');
  resGone = await measure(goneFile, 'gone');
  resFewer = await measure(fewerFile, 'fewer calls');
  sw = await measureSandwich(repFile);
} finally {
  await browser.close();
  rmSync(tmp, { recursive: true, force: true });
}

const okPaint = res.firstPaint <= 1000 && resWide.firstPaint <= 1000;
const okFrame = res.median <= 16 && resWide.median <= 16 && resGone.median <= 16 && resFewer.median <= 16;
const okSandwich = sw.openMedianMs <= 250 && sw.frameMedianMs <= 16 && sw.minimapFrameMedianMs <= 16;
console.log(
  JSON.stringify(
    {
      nodes: res.nodes,
      reportMB: +(bigBytes / 1048576).toFixed(2),
      firstPaintMs: +res.firstPaint.toFixed(1),
      firstPaintFloorMs: +floor.firstPaint.toFixed(1),
      firstPaintRatio: +(res.firstPaint / floor.firstPaint).toFixed(2),
      frameMedianMs: +res.median.toFixed(3),
      frameP95Ms: +res.p95.toFixed(3),
      frameFloorMedianMs: +floor.median.toFixed(3),
      frameRatio: +(res.median / Math.max(0.001, floor.median)).toFixed(2),
      stepWallMedianMs: +res.wallMedian.toFixed(1),
      stepWallP95Ms: +res.wallP95.toFixed(1),
      frames: res.frames,
      balanced: {
        firstPaintMs: +resWide.firstPaint.toFixed(1),
        frameMedianMs: +resWide.median.toFixed(3),
        frameP95Ms: +resWide.p95.toFixed(3),
        frameRatio: +(resWide.median / Math.max(0.001, floor.median)).toFixed(2),
        stepWallMedianMs: +resWide.wallMedian.toFixed(1),
        stepWallP95Ms: +resWide.wallP95.toFixed(1),
        rectsDrawnMax: resWide.rectsMax,
      },
      gone: {
        goneShare: +goneShare.toFixed(3),
        firstPaintMs: +resGone.firstPaint.toFixed(1),
        frameMedianMs: +resGone.median.toFixed(3),
        frameP95Ms: +resGone.p95.toFixed(3),
        frameRatio: +(resGone.median / Math.max(0.001, floor.median)).toFixed(2),
        rectsDrawnMax: resGone.rectsMax,
      },
      fewerCalls: {
        firstPaintMs: +resFewer.firstPaint.toFixed(1),
        frameMedianMs: +resFewer.median.toFixed(3),
        frameP95Ms: +resFewer.p95.toFixed(3),
        frameRatio: +(resFewer.median / Math.max(0.001, floor.median)).toFixed(2),
        rectsDrawnMax: resFewer.rectsMax,
      },
      sandwich: {
        operation: sw.operation,
        callPaths: sw.callPaths,
        rows: sw.sandwichRows,
        mergeMs: +sw.mergeMs.toFixed(1),
        openMedianMs: +sw.openMedianMs.toFixed(1),
        frameMedianMs: +sw.frameMedianMs.toFixed(3),
        frameP95Ms: +sw.frameP95Ms.toFixed(3),
        frameRatio: +(sw.frameMedianMs / Math.max(0.001, floor.median)).toFixed(2),
        minimapPictureMs: +sw.minimapPictureMs.toFixed(1),
        minimapFrameMedianMs: +sw.minimapFrameMedianMs.toFixed(3),
      },
      targets: { firstPaintLe1000ms: okPaint, medianFrameLe16ms: okFrame, sandwichOpenLe250msAndFramesLe16ms: okSandwich },
    },
    null,
    2,
  ),
);
if (res.errors.length || floor.errors.length || resWide.errors.length || sw.errors.length) process.exitCode = 1;
if (!okPaint || !okFrame || !okSandwich) process.exitCode = 1;
