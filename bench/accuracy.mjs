#!/usr/bin/env node
// Top-1 accuracy of the offline diagnosis on our own generated scenarios (src/core/testing/scenarios.ts).
// Usage: node --import tsx bench/accuracy.mjs [seedsPerKind=30] [--verbose] [--traces=N] [--strength=S] [--drift=D]
//        [--skew=MS] [--drop=RATE]
// Our own synthetic data — not a measurement on real incidents.
import { makeScenario, toSpanTable, FAULT_KINDS } from '../src/core/testing/scenarios.ts';
import { diagnose } from '../src/core/rca/analyze.ts';

const args = process.argv.slice(2);
const verbose = args.includes('--verbose');
const seeds = Number(args.find((a) => /^\d+$/.test(a)) ?? 30);
const opt = (name) => { const a = args.find((x) => x.startsWith(`--${name}=`)); return a ? Number(a.split('=')[1]) : undefined; };
const genOpts = { traces: opt('traces'), strength: opt('strength'), drift: opt('drift'), skewMs: opt('skew'), dropRate: opt('drop') };
const rows = [];
let total = 0, okOp = 0, okKind = 0;
for (const fault of genOpts.drift ? FAULT_KINDS : [...FAULT_KINDS, 'none']) {
  let n = 0, op = 0, kind = 0;
  for (let seed = 1; seed <= seeds; seed++) {
    const sc = makeScenario(fault, seed, genOpts);
    const d = diagnose(toSpanTable(sc.baseline), toSpanTable(sc.incident), { seed });
    const rc = d.rootCause;
    n++;
    let good, goodKind;
    if (sc.expected.service === null) {
      good = goodKind = rc === null;
    } else {
      good = !!rc && rc.service === sc.expected.service && rc.name === sc.expected.name;
      goodKind = good && sc.expected.kinds.includes(rc.kind) &&
        (!sc.expected.attribute || (rc.attribute?.key === sc.expected.attribute.key && rc.attribute?.value === sc.expected.attribute.value));
    }
    if (good) op++;
    if (goodKind) kind++;
    if (verbose && !goodKind) {
      console.log(`MISS ${fault} seed=${seed}: ${sc.description}; got ${rc ? `${rc.service}/${rc.name} ${rc.kind}${rc.attribute ? ` ${rc.attribute.key}=${rc.attribute.value}` : ''} impact=${rc.impactMs.toFixed(1)}` : 'null'}; next: ${d.candidates.slice(0, 3).map((c) => `${c.service}/${c.name} ${c.kind} ${c.impactMs.toFixed(1)}`).join(' | ')}; notes: ${d.notes.join(' / ')}`);
    }
  }
  rows.push({ fault, n, op, kind });
  total += n; okOp += op; okKind += kind;
}
console.log(`scenarios: ${seeds} seeds per kind, traces per run ${genOpts.traces ?? '30..120 (random)'}, fault strength ${genOpts.strength ?? '0.4..1.2 (random)'} × baseline mean latency, drift ${genOpts.drift ?? 0}, clock skew ±${genOpts.skewMs ?? 0} ms per service, dropped spans ${genOpts.dropRate ?? 0}`);
console.log('fault            n   top-1 (operation)   top-1 (operation+kind)');
for (const r of rows) console.log(`${r.fault.padEnd(15)} ${String(r.n).padStart(3)}   ${(100 * r.op / r.n).toFixed(1).padStart(6)}%            ${(100 * r.kind / r.n).toFixed(1).padStart(6)}%`);
console.log(`${'all'.padEnd(15)} ${String(total).padStart(3)}   ${(100 * okOp / total).toFixed(1).padStart(6)}%            ${(100 * okKind / total).toFixed(1).padStart(6)}%`);
console.log('(our own generated data; "none" = no-regression pairs, correct when rootCause is null)');
