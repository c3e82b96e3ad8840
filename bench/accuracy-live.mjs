#!/usr/bin/env node
// Service-level accuracy on a LIVE system: seven real Node HTTP services (test/helpers/live-system.ts), each in its
// own process, auto-instrumented by the real OpenTelemetry HTTP instrumentation and exported over OTLP/HTTP, under
// an open-loop Poisson load. One fault at a time is injected into one service — a network delay (a TCP proxy in
// front of it holds each request's bytes), CPU consumption (its own work × 3), an exception (half of its requests
// answer 500 with a recorded exception; callers abort and answer 502) or an early return (it skips its database and
// dependencies) — and each faulty run is diagnosed against a fault-free baseline run of the same processes, twice:
// as exported (span kind, status, attributes) and stripped of kind, status, attributes and events (as the Nezha
// exports are). A second fault-free run must answer null (the false-alarm control).
//
// Real processes, real sockets, real timing noise of a shared machine: the figures move a little from run to run.
//
// Usage: node --import tsx bench/accuracy-live.mjs [--seconds 8] [--rate 25] [--fault F,F] [--only SERVICE]
//        [--delay-ms 100] [--cpu 3] [--share 0.5] [--verbose]
import { LIVE_FAULTS, diagnoseLive, liveTargets, startLiveSystem, tempDir } from '../test/helpers/live-system.ts';
import { rmSync } from 'node:fs';
import { arg } from './lib.mjs';

const seconds = Number(arg('seconds', '8'));
const rate = Number(arg('rate', '25'));
const faults = arg('fault', '') ? arg('fault', '').split(',') : LIVE_FAULTS;
for (const f of faults) if (!LIVE_FAULTS.includes(f)) throw new Error(`--fault takes ${LIVE_FAULTS.join(', ')}, not ${f}`);
const only = arg('only', '');
const verbose = process.argv.includes('--verbose');
const pct = (k, n) => (n ? `${((100 * k) / n).toFixed(0)}%` : '—');

const t0 = Date.now();
const sys = await startLiveSystem();
const dir = tempDir();
const results = [];
try {
  await sys.phase({ seconds: 3, rate }); // warm-up: JIT, connections
  const base = await sys.phase({ seconds, rate });
  console.log(`baseline: ${base.sent} requests, ${base.failed} failed, ${base.lines.length} export requests`);
  const control = await sys.phase({ seconds, rate });
  for (const r of await diagnoseLive(base.lines, control.lines, '(none)', 'network_delay', dir))
    console.log(`control (no fault, ${r.variant}): ${r.got ? `ALARM ${r.got} / ${r.diagnosis.rootCause?.name} (${r.kind})` : 'null'}`);
  for (const fault of faults)
    for (const service of liveTargets(fault).filter((s) => !only || s.includes(only))) {
      const inc = await sys.phase({
        seconds,
        rate,
        fault: { service, kind: fault, delayMs: Number(arg('delay-ms', '100')), factor: Number(arg('cpu', '3')), share: arg('share', '') ? Number(arg('share', '')) : undefined },
      });
      for (const r of await diagnoseLive(base.lines, inc.lines, service, fault, dir)) {
        results.push(r);
        const mark = r.top1 ? 'TOP1' : r.top3 ? 'top3' : 'miss';
        console.log(`  ${mark} ${fault.padEnd(13)} ${service.padEnd(10)} ${r.variant.padEnd(8)} ${inc.failed}/${inc.sent} failed  got ${String(r.got).padEnd(10)} ${String(r.kind ?? '').padEnd(13)} [${r.services.slice(0, 3).join(', ')}]`);
        if (verbose && !r.top1) for (const c of r.diagnosis.candidates.slice(0, 4)) console.log(`       - ${c.service} / ${c.name} ${c.kind} impact ${c.impactMs.toFixed(2)}: ${c.summary.slice(0, 200)}`);
      }
    }
} finally {
  await sys.stop();
  rmSync(dir, { recursive: true, force: true });
}
const groups = new Map();
for (const r of results) for (const k of [`${r.variant} / ${r.fault}`, r.variant]) (groups.get(k) ?? groups.set(k, []).get(k)).push(r);
console.log('\nset                        n   top-1   top-3');
for (const [k, list] of [...groups.entries()].sort((a, b) => a[0].localeCompare(b[0])))
  console.log(`${k.padEnd(24)} ${String(list.length).padStart(3)}   ${pct(list.filter((r) => r.top1).length, list.length).padStart(5)}   ${pct(list.filter((r) => r.top3).length, list.length).padStart(5)}`);
console.log(`${results.length} diagnoses in ${((Date.now() - t0) / 1000).toFixed(0)} s (${seconds} s of load at ${rate} req/s per run; a live system: not held-out figures)`);
