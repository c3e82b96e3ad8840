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
// `--topology tt`: the second live topology (test/helpers/live-tt.ts), twelve services shaped like TrainTicket —
// a gateway, five kinds of request of different popularity, controller → repository → SELECT spans in every
// service, chains 2–5 services deep, callers that catch a callee's failure and go on or return early — and its own
// list of 22 fault cases (network delay, CPU, an exception thrown by one endpoint, an early return of one endpoint,
// on leaves, mid-chain services and a rarely used endpoint). Default there: 6 s per run at 18 req/s,
// a fresh baseline before each faulty run.
//
// Usage: node --import tsx bench/accuracy-live.mjs [--topology shop|tt] [--seconds 8] [--rate 25] [--fault F,F]
//        [--only SERVICE] [--delay-ms 100] [--cpu 3] [--share 0.5] [--verbose] [--save DIR] [--from DIR] [--baseline once|each]
//        [--contenders 1] [--nice 0] [--quota 0.3] [--core 1] [--work wall|fixed]
// --fault cpu_contention (not in the default set): real CPU contention — the faulty service's process is pinned to one
// core (taskset) beside `--contenders` busy `sh` loops pinned there too at `--nice`, all in a cpu cgroup whose CFS
// quota is `--quota` of that core per 100 ms (a pod's CPU limit; `--quota 0`: no cgroup, pinning alone), which the
// contenders use up (startContention in test/helpers/live-system.ts); with it the services' own work is a fixed amount
// of computation (--work fixed), which stretches when the process gets less CPU. Pinning alone barely moved anything
// on this machine's kernel (notes/engine.md, "Live CPU contention").
// --baseline each (the default of tt) takes a fresh fault-free run right before every faulty run and diagnoses against
// it: on a machine shared with other jobs, a burst of load during one baseline run otherwise spoils every case (seen:
// a baseline at 587 ms per trace against 50 ms in the faulty runs). `once` (the shop's default) uses one baseline.
// --save DIR keeps every run's export as captured (baseline.jsonl, control.jsonl, <fault>-<service>.jsonl) to diagnose
// again offline; --from DIR diagnoses such saved runs again without starting anything (seconds, deterministic: to see
// what an engine change does to exactly these captures).
import { ALL_LIVE_FAULTS, LIVE_FAULTS, SHOP_TOPOLOGY, diagnoseLive, liveTargets, median, ownTimes, startLiveSystem, tempDir } from '../test/helpers/live-system.ts';
import { TT_CASES, TT_TOPOLOGY } from '../test/helpers/live-tt.ts';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { arg } from './lib.mjs';

const topology = { shop: SHOP_TOPOLOGY, tt: TT_TOPOLOGY }[arg('topology', 'shop')];
if (!topology) throw new Error(`--topology takes shop or tt, not ${arg('topology', '')}`);
const tt = topology === TT_TOPOLOGY;
// tt: 46 runs of load (a fresh baseline before each of 22 faults): 6 s each keeps the whole run near 5 minutes
const seconds = Number(arg('seconds', tt ? '6' : '8'));
const rate = Number(arg('rate', tt ? '18' : '25'));
const faults = arg('fault', '') ? arg('fault', '').split(',') : LIVE_FAULTS;
for (const f of faults) if (!ALL_LIVE_FAULTS.includes(f)) throw new Error(`--fault takes ${ALL_LIVE_FAULTS.join(', ')}, not ${f}`);
// how a service's own CPU work is done: `fixed` (a fixed amount of computation: stretches when the process gets less
// CPU) by default when CPU contention is among the faults, else `wall` (spin for the wall-clock time asked)
const work = arg('work', faults.includes('cpu_contention') ? 'fixed' : 'wall');
if (!['wall', 'fixed'].includes(work)) throw new Error(`--work takes wall or fixed, not ${work}`);
const only = arg('only', '');
const verbose = process.argv.includes('--verbose');
const pct = (k, n) => (n ? `${((100 * k) / n).toFixed(0)}%` : '—');
const e2e = (r) => (r.diagnosis.latency ? `e2e ${r.diagnosis.latency.baselineMs.toFixed(1)} → ${r.diagnosis.latency.incidentMs.toFixed(1)} ms${from ? '' : `, load ${loadavg()[0].toFixed(1)}`}` : '');
const opt = (name) => (arg(name, '') ? Number(arg(name, '')) : undefined);
// the cases: every service a fault leaves a mark on (shop), or the topology's own list (tt)
const cases = (
  tt
    ? TT_CASES
    : faults.flatMap((kind) => liveTargets(kind).map((service) => ({ kind, service, note: '' })))
)
  .filter((c) => faults.includes(c.kind) && (!only || c.service.includes(only)))
  .map((c) => ({ ...c, delayMs: opt('delay-ms') ?? 100, factor: opt('cpu') ?? 3, share: opt('share') ?? c.share, contenders: opt('contenders') ?? c.contenders ?? 1, nice: opt('nice') ?? c.nice ?? 0, core: opt('core') ?? c.core, quota: opt('quota') ?? c.quota ?? 0.3 }));

const fresh = arg('baseline', tt ? 'each' : 'once');
if (!['once', 'each'].includes(fresh)) throw new Error(`--baseline takes once or each, not ${fresh}`);
const saveDir = arg('save', '');
if (saveDir) mkdirSync(saveDir, { recursive: true });
const from = arg('from', '');
// one run of load, saved under `name` with --save; with --from DIR the saved run is read instead (no processes)
const run = async (name, o, older) => {
  if (from) {
    // `older`: the name an earlier version of this bench saved the same run under
    const f = [name, older].map((n) => n && join(from, `${n}.jsonl`)).find((x) => x && existsSync(x)) ?? join(from, `${name}.jsonl`);
    if (!existsSync(f)) throw new Error(`--from ${from}: no ${name}.jsonl (saved with --save by a run of the same topology${fresh === 'each' ? '' : ' and --baseline once'})`);
    return { lines: readFileSync(f, 'utf8').split('\n').filter((l) => l.trim()), sent: NaN, failed: NaN };
  }
  const r = await sys.phase({ seconds, rate, ...o });
  if (saveDir) writeFileSync(join(saveDir, `${name}.jsonl`), r.lines.join('\n') + '\n');
  return r;
};

// what a CPU fault did to the spans (a plain reading of the export, no engine code): the faulty service's median own
// time per operation before → after, and the median of the same ratio over every other service's operations
const stretch = (before, after, service) => {
  const [b, a] = [ownTimes(before), ownTimes(after)];
  const ratios = (svc) => [...(b.get(svc) ?? new Map())].filter(([op]) => a.get(svc)?.has(op)).map(([op, xs]) => ({ op, was: median(xs), now: median(a.get(svc).get(op)) }));
  const mine = ratios(service).filter((r) => r.was >= 0.05 || r.now >= 0.05);
  const others = [...b.keys()].filter((s) => s !== service).flatMap((s) => ratios(s).filter((r) => r.was >= 0.05).map((r) => r.now / r.was));
  const q = (xs, p) => [...xs].sort((x, y) => x - y)[Math.min(xs.length - 1, Math.floor(p * xs.length))];
  return `    own time at ${service} (median ms per span, before → after): ${mine.map((r) => `${r.op} ${r.was.toFixed(2)} → ${r.now.toFixed(2)}`).join('; ')}\n    median of the ratios: ${service} ×${median(mine.map((r) => r.now / r.was)).toFixed(2)}, other services ×${median(others).toFixed(2)} (p10–p90 ×${q(others, 0.1)?.toFixed(2)}–×${q(others, 0.9)?.toFixed(2)}, ${others.length} operations)`;
};

const t0 = Date.now();
const sys = from ? null : await startLiveSystem({ topology, work });
const dir = tempDir();
const results = [];
try {
  // warm-up: JIT, connections. Twelve processes take longer: with 6 s, the first two runs after a start were still
  // 1.3–3× slower than the later ones (the control pair alarmed on that in 2 of 4 runs), so tt warms up for 15 s
  if (sys) await sys.phase({ seconds: tt ? 15 : 3, rate });
  // the fault-free control: a no-fault pair like the faulty ones (with --baseline each: a fresh baseline and a run right
  // after it, taken last, when the system is as warm as for the cases; with once: the baseline and a second run)
  const control = async () => {
    const [b, c] = fresh === 'each' ? [(await run('baseline-control', {}, 'baseline')).lines, (await run('control')).lines] : [base.lines, (await run('control')).lines];
    for (const r of await diagnoseLive(b, c, '(none)', 'network_delay', dir)) {
      console.log(`control (no fault, ${r.variant}): ${r.got ? `ALARM ${r.got} / ${r.diagnosis.rootCause?.name} (${r.kind})` : 'null'}  ${e2e(r)}`);
      if (verbose && r.got) console.log(`       ${r.diagnosis.rootCause?.summary.slice(0, 400)}\n       notes: ${r.diagnosis.notes.join(' / ').slice(0, 600)}`);
    }
  };
  const base = fresh === 'once' ? await run('baseline') : null;
  if (base) {
    console.log(from ? `baseline: ${base.lines.length} export requests read from ${from}` : `baseline: ${base.sent} requests, ${base.failed} failed, ${base.lines.length} export requests`);
    await control();
  }
  const w = tt ? 20 : 10;
  for (const c of cases) {
    const { note, ...fault } = c;
    const name = `${c.kind}-${c.service}${c.endpoint ? c.endpoint.replaceAll('/', '_') : ''}`;
    const before = fresh === 'each' ? (await run(`baseline-${name}`)).lines : base.lines;
    const inc = await run(name, { fault });
    if (tt) console.log(`${c.kind} at ${c.service}${c.endpoint ? ` ${c.endpoint}` : ''}${c.share != null && c.share < 1 ? ` (${c.share * 100} % of calls)` : ''}: ${note}`);
    if (c.kind === 'cpu' || c.kind === 'cpu_contention') console.log(stretch(before, inc.lines, c.service));
    for (const r of await diagnoseLive(before, inc.lines, c.service, c.kind, dir)) {
      results.push(r);
      const mark = r.top1 ? 'TOP1' : r.top3 ? 'top3' : 'miss';
      console.log(`  ${mark} ${c.kind.padEnd(13)} ${c.service.padEnd(w)} ${r.variant.padEnd(8)} ${from ? '' : `${inc.failed}/${inc.sent} failed  `}got ${String(r.got).padEnd(w)} ${String(r.kind ?? '').padEnd(13)} [${r.services.slice(0, 3).join(', ')}]${tt ? `  ${e2e(r)}` : ''}`);
      if (verbose && !r.top1) {
        if (!r.got) console.log(`       notes: ${r.diagnosis.notes.join(' / ').slice(0, 600)}`);
        for (const x of r.diagnosis.candidates.slice(0, 5)) console.log(`       - ${x.service} / ${x.name} ${x.kind} conf ${x.confidence?.toFixed?.(2)} impact ${x.impactMs.toFixed(2)}: ${x.summary.slice(0, 300)}`);
      }
    }
  }
  if (!base) await control();
} finally {
  await sys?.stop();
  rmSync(dir, { recursive: true, force: true });
}
const groups = new Map();
for (const r of results) for (const k of [`${r.variant} / ${r.fault}`, r.variant]) (groups.get(k) ?? groups.set(k, []).get(k)).push(r);
console.log('\nset                        n   top-1   top-3');
for (const [k, list] of [...groups.entries()].sort((a, b) => a[0].localeCompare(b[0])))
  console.log(`${k.padEnd(24)} ${String(list.length).padStart(3)}   ${pct(list.filter((r) => r.top1).length, list.length).padStart(5)}   ${pct(list.filter((r) => r.top3).length, list.length).padStart(5)}`);
console.log(`${results.length} diagnoses in ${((Date.now() - t0) / 1000).toFixed(0)} s (${topology.name} topology, ${from ? `runs read from ${from}` : `${seconds} s of load at ${rate} req/s per run`}, baseline ${fresh}; a live system: not held-out figures)`);
