/**
 * Capacity estimate on the founding case (issue 15): examples/ml-pipeline/simulate.mjs sets the truth — one
 * pre-processor worker, work per request PREPROCESS_WORK over IMAGE_KIB, Poisson arrivals at the OUTPUTS rates —
 * and the estimate from the committed traces alone must match what the simulation implies.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { analyze } from '../../../src/core/rca/analyze';
import { Diagnosis } from '../../../src/core/rca/diagnosis';
import { loadTraces } from '../../../src/sources/file';

const ROOT = resolve(__dirname, '..', '..', '..');
const EXAMPLE = join(ROOT, 'examples', 'ml-pipeline');

interface Sim {
  simulate(flags: Record<string, unknown>): Promise<{ stats: { requests: number; preprocessWaitMs: number[] } }>;
  OUTPUTS: { file: string; flags: Record<string, number | string | boolean> }[];
  DEFAULTS: Record<string, number | string | boolean>;
  PREPROCESS_WORK: { fixedMs: number; msPerKiB: number; noiseSdMs: number; minMs: number };
  IMAGE_KIB: { min: number; max: number };
}

test('ml-pipeline: the capacity estimate matches what the simulation implies', async () => {
  const sim = (await import(pathToFileURL(join(EXAMPLE, 'simulate.mjs')).href)) as Sim;
  const flagsOf = (f: string) => ({ ...sim.DEFAULTS, ...sim.OUTPUTS.find((o) => o.file.endsWith(f))!.flags });
  const normal = flagsOf('traces/normal.json');
  const spiked = flagsOf('traces/spiked.json');
  // what the simulation implies: mean work = fixed + per-KiB · mean size (the noise has mean 0 and the floor of
  // minMs is never reached for sizes ≥ 120 KiB); utilisation at the nominal rate; workers for 70 %
  const W = sim.PREPROCESS_WORK;
  const workTrue = W.fixedMs + W.msPerKiB * ((sim.IMAGE_KIB.min + sim.IMAGE_KIB.max) / 2);
  assert.equal(workTrue, 315);
  const rateB = normal.rate as number;
  const rateI = spiked.rate as number;
  const workers = spiked.workers as number;
  assert.equal(workers, 1);
  const rhoTrue = (rateI * workTrue) / 1000 / workers;
  const neededTrue = Math.ceil((rateI * workTrue) / 1000 / 0.7);

  const b = await loadTraces(join(EXAMPLE, 'traces', 'normal.json'));
  const i = await loadTraces(join(EXAMPLE, 'traces', 'spiked.json'));
  const d = Diagnosis.parse(JSON.parse(JSON.stringify(analyze(b.model, i.model).diagnosis)));
  const rc = d.rootCause!;
  assert.equal(`${rc.service} / ${rc.name}`, 'pre-processor / preprocess-request');
  assert.equal(rc.kind, 'queueing');
  const cap = rc.capacity!;
  assert.ok(cap, 'the root cause carries a capacity estimate');

  // the work is the worker's span, the worker count is seen in the traces
  assert.equal(cap.workSource, 'children');
  assert.deepEqual(cap.workOperations, ['preprocess-image']);
  assert.equal(cap.workers, workers);
  // work time: within 5 % of the truth, and the 95 % interval covers it
  assert.ok(Math.abs(cap.workMs - workTrue) <= 0.05 * workTrue, `work ${cap.workMs} vs ${workTrue}`);
  assert.ok(cap.workMsRange[0] <= workTrue && workTrue <= cap.workMsRange[1], `work interval ${cap.workMsRange} covers ${workTrue}`);
  // rates: the intervals cover the nominal rates; the point estimates match the realised arrivals
  assert.ok(cap.incident.arrivalsPerSRange[0] <= rateI && rateI <= cap.incident.arrivalsPerSRange[1], `incident rate ${cap.incident.arrivalsPerSRange}`);
  assert.ok(cap.baseline!.arrivalsPerSRange[0] <= rateB && rateB <= cap.baseline!.arrivalsPerSRange[1], `baseline rate ${cap.baseline!.arrivalsPerSRange}`);
  const realised = await sim.simulate(spiked);
  assert.equal(cap.incident.requests, realised.stats.requests);
  const realisedRate = realised.stats.requests / (spiked.duration as number);
  assert.ok(Math.abs(cap.incident.arrivalsPerS - realisedRate) <= 0.05 * realisedRate, `rate ${cap.incident.arrivalsPerS} vs realised ${realisedRate}`);
  // the wait before the work is the simulation's queue wait
  const simWait = realised.stats.preprocessWaitMs.reduce((s, x) => s + x, 0) / realised.stats.preprocessWaitMs.length;
  assert.ok(Math.abs(cap.incident.waitMs! - simWait) <= 0.01 * simWait, `wait ${cap.incident.waitMs} vs simulated ${simWait}`);
  // utilisation now: realised rate × work on one worker; below the nominal ρ only by the rate's sampling error
  assert.ok(Math.abs(cap.incident.utilisation! - (realisedRate * workTrue) / 1000) <= 0.06 * rhoTrue, `ρ ${cap.incident.utilisation}`);
  assert.ok(cap.incident.utilisation! > 0.7 && cap.baseline!.utilisation! < 0.4, 'saturated in the incident, not in the baseline');
  // the capacity that keeps it under 70 %: what the simulation implies, also at the upper bounds
  assert.equal(neededTrue, 2);
  assert.equal(cap.workersNeeded, neededTrue);
  assert.equal(cap.workersNeededHigh, neededTrue);
  // and the simulation with that many workers waits about what was predicted
  const fixed = await sim.simulate({ ...spiked, workers: cap.workersNeeded });
  const fixedWait = fixed.stats.preprocessWaitMs.reduce((s, x) => s + x, 0) / fixed.stats.preprocessWaitMs.length;
  assert.ok(cap.predictedWaitMs !== null && Math.abs(cap.predictedWaitMs - fixedWait) <= 0.35 * fixedWait, `predicted ${cap.predictedWaitMs} vs simulated ${fixedWait}`);
  assert.ok(fixedWait < 0.1 * simWait);
  // shown in the evidence
  assert.ok(rc.evidence.some((e) => e.startsWith('capacity: ') && e.includes('2 workers keep it under 70 %')), rc.evidence.join('\n'));
});
