#!/usr/bin/env node
// How the source index's work grows on hostile files (test/helpers/hostile-sources.ts: minified lines of thousands of
// calls, routes, constants or mounts; unclosed route closures; calls under a comment that never ends). Each case runs
// at n and 4n, alternating, median of --rounds; prints the ratio: a linear scan gives about 4, one that looks back or
// forward from every match about 16. The same-run ratio does not depend on how busy the machine is; the timed unit
// tests it replaces (a 1.5–3 s bound each) failed fresh-clone CI under load (1.6 s, 6.8 s).
// Usage: node --import tsx bench/source-hostile.mjs [--rounds 3] [--scale 1] [--max-ratio 8]   (exit 1 above --max-ratio)
import { performance } from 'node:perf_hooks';
import { arg } from './lib.mjs';
import { HOSTILE_CASES } from '../test/helpers/hostile-sources.ts';

const rounds = Number(arg('rounds', '3'));
const scale = Number(arg('scale', '1'));
const maxRatio = arg('max-ratio', undefined);
const median = (xs) => [...xs].sort((x, y) => x - y)[xs.length >> 1];
const time = (c, n) => {
  const t = performance.now();
  c.run(n);
  return performance.now() - t;
};
let worst = 0;
console.log('case                                            n        time(n)   time(4n)   ratio (linear ≈ 4, quadratic ≈ 16)');
for (const c of HOSTILE_CASES) {
  const n = Math.max(1, Math.round(c.n * scale));
  time(c, n); // warm-up
  const a = [], b = [];
  for (let r = 0; r < rounds; r++) { a.push(time(c, n)); b.push(time(c, 4 * n)); }
  const ratio = median(b) / median(a);
  worst = Math.max(worst, ratio);
  console.log(`${c.name.padEnd(46)} ${String(n).padStart(7)}   ${median(a).toFixed(0).padStart(6)} ms  ${median(b).toFixed(0).padStart(6)} ms   ${ratio.toFixed(2)}`);
}
if (maxRatio !== undefined && worst > Number(maxRatio)) {
  console.error(`worst ratio ${worst.toFixed(2)} is above --max-ratio ${maxRatio}`);
  process.exit(1);
}
