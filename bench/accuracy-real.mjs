#!/usr/bin/env node
// Service-level accuracy of the offline diagnosis on REAL fault injections: the development set in
// test/fixtures/real-faults (22 labelled cases from the Nezha dataset, Yu et al., FSE 2023, MIT licence).
// Top-1 = rootCause.service is the faulty service; top-3 = it is among the first three distinct services of
// rootCause + candidates. Beside it, in the same run, the naive reference "service of the operation whose exclusive
// time rose most". These are the cases the engine was developed on — not a held-out measurement.
//
// Usage: node --import tsx bench/accuracy-real.mjs [--verbose] [--only SUBSTRING] [--json]
//        [--other-baseline]   (each incident against the other baseline window(s) of its system: another day)
//        [--halves alternate|time]   (each half of every incident against the whole baseline: a stability check)
//        [--without remote_gap,service_slowdown,vanished_work,implicit_client,operation_gate,entry_points]   (ablation)
import { evaluateRealFaults, tally } from '../test/helpers/real-faults.ts';
import { arg } from './lib.mjs';

const verbose = process.argv.includes('--verbose');
const only = arg('only', '');
const without = arg('without', '');
const halves = arg('halves', '');
if (halves && halves !== 'alternate' && halves !== 'time') throw new Error(`--halves takes alternate or time, not ${halves}`);
const pctOf = (k, n) => (n ? `${((100 * k) / n).toFixed(0)}%` : '—');
const rs = await evaluateRealFaults({
  filter: (c) => !only || c.id.includes(only),
  ...(without ? { disable: without.split(',') } : {}),
  ...(halves ? { halves } : {}),
  ...(process.argv.includes('--other-baseline') ? { otherBaseline: true } : {}),
  onCase: (r) => {
    const mark = r.top1 ? 'TOP1' : r.top3 ? 'top3' : 'miss';
    console.log(`${mark} ${r.case.id.padEnd(52)} want ${r.case.rootCauseService.padEnd(28)} got ${String(r.rootCause).padEnd(28)} [${r.services.slice(0, 3).join(', ')}]  naive [${r.naive.slice(0, 3).join(', ')}]  ${r.ms.toFixed(0)} ms`);
    if (verbose) {
      const d = r.diagnosis;
      console.log(`     latency ${d.latency?.baselineMs.toFixed(1)} → ${d.latency?.incidentMs.toFixed(1)} ms; notes: ${d.notes.join(' / ')}`);
      for (const c of d.candidates.slice(0, 5)) console.log(`     - ${c.service} / ${c.name} ${c.kind} impact ${c.impactMs.toFixed(2)} conf ${c.confidence}: ${c.summary}`);
    }
  },
});
const groups = new Map();
for (const r of rs) {
  for (const k of [`${r.case.system} / ${r.case.fault}`, r.case.system, 'all']) {
    if (!groups.has(k)) groups.set(k, []);
    groups.get(k).push(r);
  }
}
const rows = [...groups.entries()].sort((a, b) => (a[0] === 'all') - (b[0] === 'all') || a[0].localeCompare(b[0]));
console.log('\nset                                   n   top-1   top-3   naive top-1   naive top-3');
for (const [k, list] of rows) {
  const t = tally(list);
  console.log(`${k.padEnd(36)} ${String(t.n).padStart(3)}   ${pctOf(t.top1, t.n).padStart(5)}   ${pctOf(t.top3, t.n).padStart(5)}   ${pctOf(t.naiveTop1, t.n).padStart(11)}   ${pctOf(t.naiveTop3, t.n).padStart(11)}`);
}
const nd = rs.filter((r) => r.case.fault === 'network_delay');
console.log(`network delay top-1: ${nd.filter((r) => r.top1).length}/${nd.length}`);
console.log(`diagnose time per case: median ${rs.map((r) => r.ms).sort((a, b) => a - b)[rs.length >> 1]?.toFixed(0)} ms, total ${rs.reduce((s, r) => s + r.ms, 0).toFixed(0)} ms`);
if (without) console.log(`detectors switched off: ${without}`);
if (process.argv.includes('--other-baseline')) console.log(`each incident against the other baseline window(s) of its system (another day): ${rs.length} diagnoses`);
if (halves) console.log(`each incident split in two (${halves === 'time' ? 'first and second half of its traces by start time' : 'alternate traces'}): ${rs.length} diagnoses of half an incident each`);
console.log('(development set: the 22 cases the engine was tuned on, not held-out figures)');
if (process.argv.includes('--json')) console.log(JSON.stringify(rs.map((r) => ({ id: r.case.id, want: r.case.rootCauseService, got: r.rootCause, services: r.services.slice(0, 5), naive: r.naive.slice(0, 3) }))));
