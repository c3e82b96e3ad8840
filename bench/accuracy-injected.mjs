#!/usr/bin/env node
// Service-level accuracy on SEMI-SYNTHETIC faults: real traces (the four Nezha baseline windows in
// test/fixtures/real-faults, FSE 2023, MIT) split by start time; a fault is injected into one service of the later
// half (test/helpers/inject-faults.ts: network delay before its spans, CPU contention on its own time, an exception
// that aborts the request at it, an early return that skips its dependencies), and the earlier half is the baseline.
// Every service with traffic, every fault: the rules are checked on services the 22 labelled cases never name.
// A model of the faults on real topologies and real noise — a complement to bench/accuracy-real.mjs, not a
// replacement. Each window is also diagnosed without a fault (its two halves): that must answer null.
//
// Usage: node --import tsx bench/accuracy-injected.mjs [--verbose] [--only SERVICE_SUBSTRING] [--fault F,F]
//        [--delay-ms 100] [--cpu 3] [--share 0.5] [--min-traces 5] [--json]
//        [--other-day]   (the whole window, injected, against the other window of its system: a day apart)
import { evaluateInjected, INJECTED_FAULTS } from '../test/helpers/inject-faults.ts';
import { arg } from './lib.mjs';

const verbose = process.argv.includes('--verbose');
const faults = arg('fault', '') ? arg('fault', '').split(',') : INJECTED_FAULTS;
for (const f of faults) if (!INJECTED_FAULTS.includes(f)) throw new Error(`--fault takes ${INJECTED_FAULTS.join(', ')}, not ${f}`);
const opts = { delayNs: Number(arg('delay-ms', '100')) * 1e6, cpuFactor: Number(arg('cpu', '3')), ...(arg('share', '') ? { share: Number(arg('share', '')) } : {}) };
const pct = (k, n) => (n ? `${((100 * k) / n).toFixed(0)}%` : '—');
const { results, controls } = await evaluateInjected({
  faults,
  only: arg('only', ''),
  minTraces: Number(arg('min-traces', '5')),
  inject: opts,
  otherDay: process.argv.includes('--other-day'),
  onControl: (c) => console.log(`${c.system} ${c.file}: ${c.before} + ${c.after} traces; no fault → ${c.alarm ?? 'null'}`),
  onCase: (r) => {
    const mark = r.top1 ? 'TOP1' : r.top3 ? 'top3' : 'miss';
    if (verbose || !r.top1) console.log(`  ${mark} ${r.fault.padEnd(13)} ${r.service.padEnd(30)} hits ${String(r.hits).padStart(4)}  got ${String(r.got).padEnd(28)} ${String(r.kind ?? '').padEnd(15)} [${r.services.slice(0, 3).join(', ')}]`);
    if (verbose && !r.top1) for (const c of r.diagnosis.candidates.slice(0, 4)) console.log(`       - ${c.service} / ${c.name} ${c.kind} impact ${c.impactMs.toFixed(2)}: ${c.summary.slice(0, 220)}`);
  },
});
const groups = new Map();
const win = (f) => `window ${f.replace(/^baselines\//, '').replace(/\.jsonl\.gz$/, '')}`;
for (const r of results) for (const k of [`${r.system} / ${r.fault}`, r.system, win(r.file), `all / ${r.fault}`, 'all']) (groups.get(k) ?? groups.set(k, []).get(k)).push(r);
console.log('\nset                                  n   top-1   top-3   no answer');
for (const [k, list] of [...groups.entries()].sort((a, b) => (a[0] === 'all') - (b[0] === 'all') || a[0].startsWith('window') - b[0].startsWith('window') || a[0].localeCompare(b[0])))
  console.log(`${k.padEnd(34)} ${String(list.length).padStart(4)}   ${pct(list.filter((r) => r.top1).length, list.length).padStart(5)}   ${pct(list.filter((r) => r.top3).length, list.length).padStart(5)}   ${pct(list.filter((r) => !r.got).length, list.length).padStart(9)}`);
console.log(`no-fault halves raising an alarm: ${controls.filter((c) => c.alarm).length}/${controls.length}${controls.filter((c) => c.alarm).map((c) => `  (${c.file}: ${c.alarm})`).join('')}`);
console.log(`diagnose time per case: median ${results.map((r) => r.ms).sort((a, b) => a - b)[results.length >> 1]?.toFixed(0)} ms`);
console.log(`(injected faults on real traces — delay ${opts.delayNs / 1e6} ms, CPU ×${opts.cpuFactor}, exception share ${opts.share ?? 0.5}, return share ${opts.share ?? 1}: a model, not held-out figures)`);
if (process.argv.includes('--json')) console.log(JSON.stringify(results.map(({ ms, diagnosis, ...r }) => r)));
