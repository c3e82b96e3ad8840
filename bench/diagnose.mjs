#!/usr/bin/env node
// Diagnosis benchmark: ingest (loadTraces of a baseline and an incident file) vs diagnose (aggregate both runs,
// diff, tests, candidates) of the same data, measured in this same process. Target: diagnose ≤ 2× ingest.
//
// Usage: node --max-old-space-size=6144 --import tsx bench/diagnose.mjs [--spans 1000000] [--fault self_time] [--runs 1]
// The two OTLP JSON Lines files (our own generated scenario, src/core/testing/scenarios.ts, one fault injected in the
// incident) are written once into bench/.data/ (gitignored) and reused.
import { createWriteStream, existsSync, mkdirSync, renameSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { streamScenario, encode } from '../src/core/testing/scenarios.ts';
import { loadTraces } from '../src/sources/file.ts';
import { analyze } from '../src/core/rca/analyze.ts';
import { root, arg } from './lib.mjs';

const SPANS = Number(arg('spans', 1_000_000));
const FAULT = arg('fault', 'self_time');
const RUNS = Number(arg('runs', 1));
const SEED = Number(arg('seed', 3));
const dataDir = join(root, 'bench', '.data');
mkdirSync(dataDir, { recursive: true });
const files = { baseline: join(dataDir, `diag-${FAULT}-${SEED}-${SPANS}-baseline.jsonl`), incident: join(dataDir, `diag-${FAULT}-${SEED}-${SPANS}-incident.jsonl`) };
const metaOf = () => {
  let spans = { baseline: 0, incident: 0 };
  const streams = {};
  const info = streamScenario(FAULT, SEED, SPANS, (run, batch) => {
    spans[run] += batch.length;
    if (streams[run] === undefined) streams[run] = createWriteStream(files[run] + '.tmp');
    streams[run].write(encode(batch, 'otlp-jsonl'));
  }, { spacingMs: 5 });
  return { info, spans, streams };
};

async function ensureData() {
  if (existsSync(files.baseline) && existsSync(files.incident)) return null;
  const t0 = performance.now();
  process.stderr.write(`generating ~${SPANS} spans per run (${FAULT}, seed ${SEED}) …\n`);
  const { info, spans, streams } = metaOf();
  await Promise.all(Object.values(streams).map((s) => new Promise((r) => s.end(r))));
  renameSync(files.baseline + '.tmp', files.baseline);
  renameSync(files.incident + '.tmp', files.incident);
  process.stderr.write(`generated ${spans.baseline} + ${spans.incident} spans in ${((performance.now() - t0) / 1000).toFixed(1)} s: ${info.description}\n`);
  return info;
}

await ensureData();
const mb = (f) => (statSync(f).size / 1048576).toFixed(0);
console.log(`input: ${files.baseline} (${mb(files.baseline)} MiB), ${files.incident} (${mb(files.incident)} MiB)`);
let best = null;
for (let r = 0; r < RUNS; r++) {
  globalThis.gc?.();
  const t0 = performance.now();
  const b = await loadTraces(files.baseline);
  const i = await loadTraces(files.incident);
  const t1 = performance.now();
  const a = analyze(b.model, i.model);
  const t2 = performance.now();
  const ingest = t1 - t0;
  const diag = t2 - t1;
  const rc = a.diagnosis.rootCause;
  console.log(
    `run ${r + 1}: spans ${b.model.size} + ${i.model.size}, traces ${a.baseline.tree.traceCount} + ${a.incident.tree.traceCount}, ` +
      `call-path nodes ${a.diff.nodes.length}; ingest ${(ingest / 1000).toFixed(2)} s, diagnose ${(diag / 1000).toFixed(2)} s, ` +
      `ratio diagnose/ingest ${(diag / ingest).toFixed(3)} (target ≤ 2); peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB`,
  );
  console.log(`  root cause: ${rc ? `${rc.service} / ${rc.name} (${rc.kind}, +${rc.impactMs.toFixed(2)} ms/trace, confidence ${rc.confidence})` : 'null'}`);
  // single input: the incident file alone (split by change point / slowest decile, then the same diagnosis)
  const t3 = performance.now();
  const s = analyze(null, i.model, { seed: 1 });
  const t4 = performance.now();
  console.log(
    `  incident only: ${((t4 - t3) / 1000).toFixed(2)} s (ratio to ingesting both ${((t4 - t3) / ingest).toFixed(3)}), split ${s.diagnosis.split?.method} ` +
      `${s.diagnosis.split?.baselineTraces}/${s.diagnosis.split?.incidentTraces}, root cause ${s.diagnosis.rootCause ? `${s.diagnosis.rootCause.service} / ${s.diagnosis.rootCause.name}` : 'null'}`,
  );
  if (!best || diag / ingest < best.ratio) best = { ratio: diag / ingest, ingest, diag };
}
console.log(`best ratio diagnose/ingest: ${best.ratio.toFixed(3)} (${best.ratio <= 2 ? 'OK' : 'ABOVE TARGET'})`);
process.exitCode = best.ratio <= 2 ? 0 : 1;
