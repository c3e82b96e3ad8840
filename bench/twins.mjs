#!/usr/bin/env node
// Wrapping-twin benchmark (src/core/aggregate/twins.ts): aggregation of ~1M spans with the twin rule against the floor
// of the same aggregation without it (`wrappingTwins: false`), same model, same process, runs alternated. Shapes: every
// trace nested normally (no twin: the cost of looking), every trace with the WebFlux gateway shape (a childless handler
// span next to the call it awaits: one twin per trace), and every trace with a burst of same-service siblings starting
// together (many candidate pairs to scan, none a twin but the handler's).
//
// Usage: node --import tsx bench/twins.mjs [--spans 1000000] [--runs 3]
// Target: each ratio ≤ 1.25× the floor.
import { SpanTableBuilder } from '../src/core/model/builder.ts';
import { aggregateDetailed } from '../src/core/aggregate/tree.ts';
import { arg } from './lib.mjs';

const SPANS = Number(arg('spans', 1_000_000));
const RUNS = Number(arg('runs', 3));
const PER_TRACE = 50;
const TRACES = Math.ceil(SPANS / PER_TRACE);
const hex = (n, len) => n.toString(16).padStart(len, '0');

/**
 * shape 'nested': /* → handler → HTTP POST → server → 46 work spans;
 * 'wrapped': /* → {handler (childless), HTTP POST → server → 46 work spans};
 * 'burst': /* → {handler, HTTP POST → …, and 15 childless spans + 15 calls with a child, all starting within 0.3 ms}
 */
function build(shape) {
  const b = new SpanTableBuilder();
  const scope = b.addScope('bench');
  const gw = b.addResource('gw', { 'service.name': 'gw' });
  const be = b.addResource('backend', { 'service.name': 'backend' });
  const BASE = 1_700_000_000;
  let sid = 0;
  const add = (t, id, parent, name, res, startMs, durMs) => {
    const ns = Math.round(startMs * 1e6);
    const sec = Math.floor(ns / 1e9);
    b.addSpan({
      traceId: hex(t + 1, 32), spanId: hex(id, 16), parentSpanId: parent ? hex(parent, 16) : '', name, kind: 1, statusCode: 0,
      start: [BASE + sec, ns - sec * 1e9], durationNs: Math.round(durMs * 1e6), resource: res, scope,
    });
  };
  for (let t = 0; t < TRACES; t++) {
    const t0 = t * 300;
    const root = ++sid;
    add(t, root, 0, '/*', gw, t0, 200);
    const h = ++sid;
    add(t, h, root, 'FilteringWebHandler.handle', gw, t0 + 0.7, 199);
    const post = ++sid;
    add(t, post, shape === 'nested' ? h : root, 'HTTP POST', gw, t0 + 1.5, 198.4);
    const srv = ++sid;
    add(t, srv, post, '/api/work', be, t0 + 2, 197);
    let left = PER_TRACE - 4;
    if (shape === 'burst') {
      for (let k = 0; k < 23 && left >= 2; k++, left -= 2) {
        add(t, ++sid, root, 'cache.get', gw, t0 + 0.7 + k * 0.01, 120);
        const c = ++sid;
        add(t, c, root, 'HTTP GET', gw, t0 + 0.7 + k * 0.02, 100);
        add(t, ++sid, c, '/api/get', be, t0 + 1 + k * 0.02, 99);
        left--;
      }
    }
    for (let k = 0; k < left; k++) add(t, ++sid, srv, 'SELECT ' + (k % 8), be, t0 + 3 + k * 4, 3.5);
  }
  return b.build();
}

/** Best of RUNS, the rule on and off on the same model, in alternating order (so both see the same load and GC). */
const time = (model) => {
  const best = { on: Infinity, off: Infinity };
  let twins = 0;
  for (let r = 0; r < RUNS; r++) {
    for (const mode of r % 2 ? ['on', 'off'] : ['off', 'on']) {
      const t0 = performance.now();
      const d = aggregateDetailed(model, { wrappingTwins: mode === 'on' });
      best[mode] = Math.min(best[mode], performance.now() - t0);
      if (mode === 'on') twins = d.tree.nodes.filter((n) => (n.stats.wrappedPerTraceMs ?? 0) > 0).length;
    }
  }
  return { ...best, twins };
};

let ok = true;
for (const s of ['nested', 'wrapped', 'burst']) {
  const m = build(s);
  const r = time(m);
  const ratio = r.on / r.off;
  if (ratio > 1.25) ok = false;
  console.log(
    `${s.padEnd(8)} ${m.size} spans: aggregate ${(r.on / 1000).toFixed(2)} s with the twin rule, floor ${(r.off / 1000).toFixed(2)} s without (best of ${RUNS}), ` +
      `ratio ${ratio.toFixed(3)} (target ≤ 1.25); call-path nodes waiting on twins: ${r.twins}`,
  );
}
console.log(`command: node --import tsx bench/twins.mjs --spans ${SPANS} --runs ${RUNS}`);
process.exitCode = ok ? 0 : 1;
