#!/usr/bin/env node
// Gone work and waits in the differential flame graph, on the 22 REAL fault cases of test/fixtures/real-faults
// (Nezha dataset, MIT): how many call paths are gone in each incident, how many of their boxes are visible in Diff mode,
// and what drawing them costs the present boxes (scaled together with them: narrower than their incident time) —
// beside the alternative "gone work only in its caller's free space" (present boxes exact, gone boxes shrunk), so the
// layout decision of notes/flame.md ("Gone work and waits") can be re-checked. Also: red boxes that say what they wait
// for, and layoutFlame's time. Not a timing benchmark of the drawing (bench/flame.mjs does that).
//
// Usage: node --import tsx bench/flame-gone.mjs [--width 1400] [--only SUBSTRING]
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadTraces } from '../src/sources/file.ts';
import { analyze } from '../src/core/rca/analyze.ts';
import { toFlameData } from '../src/core/diff/flame-data.ts';
import { buildFlameTree, childrenOf, layoutFlame } from '../src/core/diff/flame-layout.ts';
import { countGoneRoots, isGoneRoot, partlyGoneMs, waitsFor } from '../src/core/diff/flame-gone.ts';
import { arg } from './lib.mjs';

const DIR = join(process.cwd(), 'test', 'fixtures', 'real-faults');
const width = Number(arg('width', '1400'));
const only = arg('only', '');
const cases = JSON.parse(readFileSync(join(DIR, 'index.json'), 'utf8')).filter((c) => c.id.includes(only));
const baselines = new Map();
const tot = { cases: 0, withGone: 0, goneRoots: 0, goneVisible: 0, freeVisible: 0, present: 0, narrower: 0, worst: 1, red: 0, explained: 0, withPartly: 0, partly: 0, partlyVisible: 0, partlyMs: 0, narrowerNoPartly: 0 };
const rows = [];
for (const c of cases) {
  if (!baselines.has(c.baseline)) baselines.set(c.baseline, (await loadTraces(join(DIR, c.baseline))).model);
  const a = analyze(baselines.get(c.baseline), (await loadTraces(join(DIR, c.incident))).model);
  const d = toFlameData(a.diff, a.diagnosis);
  const t = buildFlameTree(d);
  const t0 = performance.now();
  const diff = layoutFlame(t, d, 'diff');
  const layoutMs = performance.now() - t0;
  const inc = layoutFlame(t, d, 'incident');
  // calls made fewer times (partly gone): their remainders, and the same layout without them (the code before)
  const part = partlyGoneMs(d);
  const noPart = layoutFlame(t, { ...d, bCalls: undefined }, 'diff');
  let partly = 0, partlyVisible = 0, partlyMs = 0, narrowerNoPartly = 0;
  for (let i = 0; i < d.n; i++) {
    if (!(part[i] > 0)) continue;
    partly++;
    partlyMs += part[i];
    if (diff.rest[i] * width >= 1) partlyVisible++;
  }
  let present = 0, narrower = 0, worst = 1, goneVisible = 0, red = 0, explained = 0;
  for (let i = 0; i < d.n; i++) {
    const wd = diff.x1[i] - diff.x0[i];
    if (diff.gone[i]) {
      if (isGoneRoot(d, i) && wd * width >= 1) goneVisible++;
      continue;
    }
    const wi = inc.x1[i] - inc.x0[i];
    if (!(wi > 0)) continue;
    present++;
    if (wd < wi * 0.99) {
      narrower++;
      worst = Math.min(worst, wd / wi);
    }
    if (noPart.x1[i] - noPart.x0[i] < wi * 0.99) narrowerNoPartly++;
    if (i > 0 && d.deltaSelf[i] > 1 && d.significance[i] >= 0.95) {
      red++;
      if (waitsFor(d, t, a.diagnosis, i)) explained++;
    }
  }
  // the alternative: gone children share only the caller's incident time not covered by its present children
  let freeVisible = 0;
  const parents = new Set();
  for (let i = 1; i < d.n; i++) if (isGoneRoot(d, i)) parents.add(t.parent[i]);
  for (const p of parents) {
    const kids = childrenOf(t, p);
    const presentMs = kids.filter((k) => !isGoneRoot(d, k)).reduce((s, k) => s + Math.max(0, d.iTotal[k]), 0);
    const gone = kids.filter((k) => isGoneRoot(d, k));
    const need = gone.reduce((s, k) => s + d.bTotal[k], 0);
    const keep = need > 0 ? Math.min(1, Math.max(0, d.iTotal[p] - presentMs) / need) : 1;
    const unitPerMs = (inc.x1[p] - inc.x0[p]) / Math.max(d.iTotal[p], presentMs) || 0;
    for (const g of gone) if (d.bTotal[g] * keep * unitPerMs * width >= 1) freeVisible++;
  }
  const goneRoots = countGoneRoots(d);
  tot.cases++;
  if (goneRoots) tot.withGone++;
  tot.goneRoots += goneRoots;
  tot.goneVisible += goneVisible;
  tot.freeVisible += freeVisible;
  tot.present += present;
  tot.narrower += narrower;
  tot.worst = Math.min(tot.worst, worst);
  tot.red += red;
  tot.explained += explained;
  if (partly) tot.withPartly++;
  tot.partly += partly;
  tot.partlyVisible += partlyVisible;
  tot.partlyMs += partlyMs;
  tot.narrowerNoPartly += narrowerNoPartly;
  rows.push(
    `${c.id.padEnd(50)} nodes ${String(d.n).padStart(3)}  gone ${String(goneRoots).padStart(2)} (visible ${goneVisible}, free-space rule ${freeVisible})  ` +
      `fewer calls ${partly} (visible ${partlyVisible}, ${partlyMs.toFixed(1)} ms/trace of ${d.bTotal[0].toFixed(1)})  ` +
      `present narrower ${narrower}/${present} (${narrowerNoPartly} without remainders) worst ×${worst.toFixed(2)}  red ${red} saying what they wait for ${explained}  layout ${layoutMs.toFixed(2)} ms`,
  );
}
for (const r of rows) console.log(r);
console.log(
  `\n${tot.cases} cases, ${tot.withGone} with gone call paths: ${tot.goneRoots} gone subtrees, ${tot.goneVisible} visible (≥ 1 px at ${width} px) as drawn, ${tot.freeVisible} with the free-space rule; ` +
    `present boxes drawn narrower than their incident time: ${tot.narrower} of ${tot.present} (${((100 * tot.narrower) / Math.max(1, tot.present)).toFixed(1)} %), worst ×${tot.worst.toFixed(2)}; ` +
    `red boxes (Δself > 1 ms/trace, significance ≥ 0.95) that say what they wait for: ${tot.explained} of ${tot.red}; ` +
    `calls made fewer times (a hatched remainder): ${tot.partly} in ${tot.withPartly} cases, ${tot.partlyVisible} visible; present boxes narrower without the remainders: ${tot.narrowerNoPartly}`,
);
