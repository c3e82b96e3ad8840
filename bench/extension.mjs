// What the extension host spends on a diagnosis, stage by stage, on B's generated pairs (bench/.data, made by
// bench/diagnose.mjs): load (A, streamed, async), stats, analyze (B, synchronous: blocks the extension host),
// the surface models (per-operation summaries, line index, runs tree) and the flame setData message.
// Usage: node --import tsx bench/extension.mjs [spans per run, default 100000]
//   (first: node --max-old-space-size=6144 --import tsx bench/diagnose.mjs --spans <n> to create the files)
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadTraces } from '../src/sources/file.ts';
import { analyze } from '../src/core/rca/analyze.ts';
import { modelStats } from '../src/core/stats/run-stats.ts';
import { summarizeDiff, buildLineIndex } from '../src/extension/ops-model.ts';
import { buildSetData } from '../src/extension/panels/flame-protocol.ts';
import { buildRunsTree } from '../src/extension/tree-model.ts';

const n = process.argv[2] ?? '100000';
const data = join(dirname(fileURLToPath(import.meta.url)), '.data');
const file = (side) => join(data, `diag-self_time-3-${n}-${side}.jsonl`);
if (!existsSync(file('baseline'))) {
  console.error(`missing ${file('baseline')}: run  node --max-old-space-size=6144 --import tsx bench/diagnose.mjs --spans ${n}  first`);
  process.exit(2);
}
const now = () => performance.now();
const ms = (x) => Math.round(x);
let t0 = now();
const b = await loadTraces(file('baseline'));
const i = await loadTraces(file('incident'));
const loadMs = now() - t0;
t0 = now();
modelStats(b.model);
modelStats(i.model);
const statsMs = now() - t0;
t0 = now();
const a = analyze(b.model, i.model);
const analyzeMs = now() - t0;
t0 = now();
const ops = summarizeDiff(a.diff, a.diagnosis);
buildLineIndex(ops, () => undefined);
const side = (role) => ({ role, files: [file(role)], spans: 0, traces: 0, services: 0, skipped: 0 });
buildRunsTree([side('baseline'), side('incident')], ops, true);
const surfacesMs = now() - t0;
t0 = now();
const msg = JSON.stringify(buildSetData({ mode: 'diff', autoSplit: false, baseline: { paths: ['b'], agg: a.baseline.tree }, incident: { paths: ['i'], agg: a.incident.tree }, diff: a.diff, diagnosis: a.diagnosis }));
const setDataMs = now() - t0;
const rssMiB = process.memoryUsage().rss / 2 ** 20;
console.log(`spans ${b.model.size + i.model.size}, diff nodes ${a.diff.nodes.length}, operations ${ops.length}, root cause ${a.diagnosis.rootCause?.service}/${a.diagnosis.rootCause?.name}`);
console.log(`load ${ms(loadMs)} ms (async) · stats ${ms(statsMs)} ms · analyze ${ms(analyzeMs)} ms (blocks the host) · surface models ${ms(surfacesMs)} ms · setData ${ms(setDataMs)} ms, ${msg.length} bytes · rss ${ms(rssMiB)} MiB`);
