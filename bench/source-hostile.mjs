#!/usr/bin/env node
// How the source index's build time grows on hostile files (test/helpers/hostile-routes.ts: n unclosed chi Route
// closures with gin groups, n NestJS controllers, n ASP.NET MapGroup variables). Builds at n and 4n, alternating,
// median of --rounds each; prints the ratio: a linear scan gives about 4, one that looks back or forward from every
// match about 16. The same-run ratio does not depend on how busy the machine is (a timed unit test did: 2.4 s on a
// quiet run, 6.8 s in CI under load, against its 3 s bound).
// Usage: node --import tsx bench/source-hostile.mjs [--n 1250] [--rounds 3] [--max-ratio 8]   (exit 1 above --max-ratio)
import { performance } from 'node:perf_hooks';
import { arg } from './lib.mjs';
import { SourceIndex } from '../src/core/source/resolve.ts';
import { hostileRouteFiles } from '../test/helpers/hostile-routes.ts';

const n = Number(arg('n', '1250'));
const rounds = Number(arg('rounds', '3'));
const maxRatio = arg('max-ratio', undefined);
const small = hostileRouteFiles(n);
const big = hostileRouteFiles(4 * n);
const time = (files) => {
  const t = performance.now();
  SourceIndex.build(files).lookup('GET /p1/g/x');
  return performance.now() - t;
};
time(small); // warm-up
const a = [], b = [];
for (let r = 0; r < rounds; r++) { a.push(time(small)); b.push(time(big)); }
const median = (xs) => [...xs].sort((x, y) => x - y)[xs.length >> 1];
const ratio = median(b) / median(a);
console.log(`n = ${n}: ${median(a).toFixed(0)} ms; 4n = ${4 * n}: ${median(b).toFixed(0)} ms; ratio ${ratio.toFixed(2)} (linear ≈ 4, quadratic ≈ 16)`);
if (maxRatio !== undefined && ratio > Number(maxRatio)) {
  console.error(`ratio ${ratio.toFixed(2)} is above --max-ratio ${maxRatio}`);
  process.exit(1);
}
