/**
 * A generated baseline/incident pair whose answer accounts for little of the slowdown ("thin", Diagnosis.explained):
 * every remote call of the incident waits 0.6 ms longer (a busier network or host — under the 1 ms per call a single
 * call's wait must grow by to be a finding, so no call alone is one; 9 remote calls a trace add up to ≈ 5 ms end to
 * end), and one operation, orders / POST /orders/op24, does 0.25 ms more own work per trace (small, but a clear
 * finding: the root cause, ≈ 5 % of the added time). Our own synthetic data (src/core/testing/scenarios.ts, seeded:
 * the same spans every time), no third-party licence.
 *
 * Used by test/integration/thin-pair.test.ts and the code-server UI scenario "thin" (test/e2e/thin-ui.mjs), which
 * writes the pair into its workspace with:
 *   node --import tsx test/helpers/thin-pair.ts <dir>     → <dir>/thin-baseline.jsonl, <dir>/thin-incident.jsonl
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encode, makeScenario, type Scenario } from '../../src/core/testing/scenarios';

export const THIN_PAIR = {
  fault: 'self_time',
  seed: 1,
  traces: 200,
  /** the root cause's own slowdown, × the baseline's mean trace latency */
  strength: 0.004,
  /** added wait per remote call, ms (ScenarioOptions.callWaitMs) */
  callWaitMs: 0.6,
  /** the injected fault, which the diagnosis names as the root cause */
  rootService: 'orders',
  rootOp: 'POST /orders/op24',
  files: { baseline: 'thin-baseline.jsonl', incident: 'thin-incident.jsonl' },
} as const;

export function thinPair(): Scenario {
  const p = THIN_PAIR;
  return makeScenario(p.fault, p.seed, { traces: p.traces, strength: p.strength, callWaitMs: p.callWaitMs });
}

/** Write the pair as OTLP JSON Lines into `dir`; returns the two paths. */
export function writeThinPair(dir: string): { baseline: string; incident: string } {
  const s = thinPair();
  mkdirSync(dir, { recursive: true });
  const baseline = join(dir, THIN_PAIR.files.baseline);
  const incident = join(dir, THIN_PAIR.files.incident);
  writeFileSync(baseline, encode(s.baseline, 'otlp-jsonl'));
  writeFileSync(incident, encode(s.incident, 'otlp-jsonl'));
  return { baseline, incident };
}

if (process.argv[1] && /thin-pair\.ts$/.test(process.argv[1])) {
  const dir = process.argv[2];
  if (!dir) {
    process.stderr.write('usage: node --import tsx test/helpers/thin-pair.ts <dir>\n');
    process.exit(2);
  }
  const out = writeThinPair(dir);
  process.stdout.write(`${out.baseline}\n${out.incident}\n`);
}
