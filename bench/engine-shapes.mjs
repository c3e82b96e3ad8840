#!/usr/bin/env node
// Diagnosis time on hostile trace shapes, as a ratio to an ordinary run of the same size measured in this same process
// (notes/engine-properties.md): a shape far above 1× is pathologically slow. No assertion: the figures are for reading.
//
// Usage: node --import tsx bench/engine-shapes.mjs [--spans 40000] [--runs 3] [--only chain,fan]
// Shapes (each a baseline and an incident of about --spans spans, the incident 2× slower somewhere):
//   ordinary     generated self-time scenario (src/core/testing/scenarios.ts) — the floor
//   chain        one trace, a chain of --spans spans (deeper than the 1,000-level cut)
//   chains       traces of 1,500-span chains
//   fan          one trace, one root with --spans children
//   flat         --spans traces of one span
//   many-ops     traces of 20 spans, every span its own service and operation
//   dup-ids      traces of 20 spans all with the same span id
//   orphans      traces of 20 spans whose parents are all missing
//   same-instant traces of 20 spans (a root and children) all starting at one instant, every trace at the same instant
import { analyze } from '../src/core/rca/analyze.ts';
import { makeScenario } from '../src/core/testing/scenarios.ts';
import { chain, fan, fromGen, toTable } from '../test/helpers/trace-props.ts';
import { arg } from './lib.mjs';

const N = Number(arg('spans', 40_000));
const RUNS = Number(arg('runs', 3));
const ONLY = arg('only', '').split(',').filter(Boolean);
const hex = (tag, k, len) => (tag + k.toString(16)).padStart(len, '0');

function traces20(tag, slow, f) {
  const out = [];
  for (let t = 0; t < Math.ceil(N / 20); t++) for (let k = 0; k < 20; k++) out.push(f(t, k, hex(tag, t, 32), slow));
  return out;
}

const shapes = {
  ordinary: (slow) => {
    const per = makeScenario('self_time', 3, { traces: 20 }).baseline.length / 20;
    const sc = makeScenario('self_time', 3, { traces: Math.max(2, Math.round(N / per)) });
    return fromGen(slow > 1 ? sc.incident : sc.baseline);
  },
  chain: (slow) => [...chain(N, hex('c', slow, 32), (k) => `s${k % 3}`, 0.01 * slow), ...chain(20, hex('d', slow, 32), () => 'a', 0.01 * slow, 1e11)],
  chains: (slow) => Array.from({ length: Math.ceil(N / 1500) }, (_, t) => chain(1500, hex('c' + slow, t, 32), (k) => `s${k % 5}`, 0.01 * slow, t * 1e9)).flat(),
  fan: (slow) => [...fan(N, hex('f', slow, 32), 0.1 * slow), ...fan(20, hex('g', slow, 32), 0.1 * slow, 1e12)],
  flat: (slow) => Array.from({ length: N }, (_, t) => ({ trace: hex('t' + slow, t, 32), id: hex('', 1, 16), parent: '', service: 'api', name: 'GET /', kind: 2, status: 0, start: t * 1e6, dur: (1 + (t % 7) * 0.1) * slow * 1e6 })),
  'many-ops': (slow) =>
    traces20('m' + slow, slow, (t, k, trace) => ({ trace, id: hex('', k + 1, 16), parent: k ? hex('', 1, 16) : '', service: `svc-${t * 20 + k}`, name: `op-${t * 20 + k}`, kind: k ? 3 : 2, status: 0, start: t * 1e8 + k * 1e5, dur: (k ? 1 : 30) * slow * 1e6 })),
  'dup-ids': (slow) =>
    traces20('u' + slow, slow, (t, k, trace) => ({ trace, id: hex('', 7, 16), parent: k ? hex('', 7, 16) : '', service: `s${k % 4}`, name: `op${k % 6}`, kind: 1, status: 0, start: t * 1e8 + k * 1e5, dur: (1 + k) * slow * 1e6 })),
  orphans: (slow) =>
    traces20('o' + slow, slow, (t, k, trace) => ({ trace, id: hex('', k + 1, 16), parent: hex('ee', k, 16), service: `s${k % 4}`, name: `op${k % 6}`, kind: 1, status: 0, start: t * 1e8 + k * 1e5, dur: (1 + k) * slow * 1e6 })),
  'same-instant': (slow) =>
    traces20('i' + slow, slow, (t, k, trace) => ({ trace, id: hex('', k + 1, 16), parent: k ? hex('', 1, 16) : '', service: `s${k % 4}`, name: `op${k % 6}`, kind: k ? 3 : 2, status: 0, start: 0, dur: (k ? 1 : 25) * slow * 1e6 })),
};

const results = [];
let floor = null;
for (const [name, make] of Object.entries(shapes)) {
  if (ONLY.length && name !== 'ordinary' && !ONLY.includes(name)) continue;
  const b = toTable(make(1));
  const i = toTable(make(2));
  let best = Infinity;
  let rc = null;
  for (let r = 0; r < RUNS; r++) {
    globalThis.gc?.();
    const t0 = performance.now();
    const d = analyze(b, i).diagnosis;
    best = Math.min(best, performance.now() - t0);
    rc = d.rootCause ? `${d.rootCause.service} / ${d.rootCause.name} (${d.rootCause.kind})` : 'none';
  }
  if (name === 'ordinary') floor = best / (b.size + i.size);
  const perSpan = best / (b.size + i.size);
  results.push({ shape: name, spans: b.size + i.size, ms: Math.round(best), ratio: perSpan / floor, rc });
  console.log(`${name.padEnd(13)} ${String(b.size + i.size).padStart(8)} spans  ${best.toFixed(0).padStart(6)} ms  ${(perSpan / floor).toFixed(2).padStart(6)}× the ordinary run per span   root cause: ${rc}`);
}
