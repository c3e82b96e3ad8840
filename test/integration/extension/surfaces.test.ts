/**
 * The extension's pure surface models (ops, line index, hover, CodeLens, tree, setData) over the REAL engine output:
 * A's loader, B's analyze + workspace source index, on the ml-pipeline example and the public sys4bigml pair.
 * (The same path the extension runs, minus `vscode`.)
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { aggregate } from '../../../src/core/aggregate/tree';
import { analyze } from '../../../src/core/rca/analyze';
import { loadTraces } from '../../../src/sources/file';
import { scanWorkspace } from '../../../src/sources/workspace-scan';
import { codeLensTitle, hoverMarkdown } from '../../../src/extension/hover-model';
import { attachSourceLinks, buildLineIndex, summarizeAgg, summarizeDiff } from '../../../src/extension/ops-model';
import { resolveSourcePath } from '../../../src/extension/paths-model';
import { buildSetData } from '../../../src/extension/panels/flame-protocol';
import { buildRunsTree } from '../../../src/extension/tree-model';

const ROOT = resolve(__dirname, '..', '..', '..');

async function diagnoseWorkspace(ws: string, baselineFile: string | null, incidentFile: string) {
  const idx = (await scanWorkspace(ws)).index;
  const lookup = (service: string, name: string) => idx.best(name, service);
  const b = baselineFile ? await loadTraces(join(ws, baselineFile)) : null;
  const i = await loadTraces(join(ws, incidentFile));
  const a = analyze(b?.model ?? null, i.model, { sourceIndex: lookup });
  const ops = summarizeDiff(a.diff, a.diagnosis);
  attachSourceLinks(ops, lookup);
  const lineIndex = buildLineIndex(ops, (f) => resolveSourcePath(f, { folders: [ws], exists: existsSync }));
  return { a, ops, lineIndex, b, i };
}

test('ml-pipeline example: root cause op is linked to preprocessor.py, hover + CodeLens say so', async () => {
  const ws = join(ROOT, 'examples', 'ml-pipeline');
  const { a, ops, lineIndex } = await diagnoseWorkspace(ws, 'traces/normal.json', 'traces/spiked.json');
  assert.equal(a.diagnosis.rootCause?.service, 'pre-processor');
  assert.equal(a.diagnosis.rootCause?.name, 'preprocess-request');
  const root = ops.find((o) => o.rootCause)!;
  assert.equal(root.name, 'preprocess-request');
  assert.ok(root.baseline && root.incident, 'both runs have the op');
  const file = join(ws, 'preprocessor', 'preprocessor.py');
  const lines = lineIndex.get(file);
  assert.ok(lines, `no line index for ${file}: ${[...lineIndex.keys()].join(', ')}`);
  const entry = [...lines.entries()].find(([, list]) => list.some((o) => o.rootCause));
  assert.ok(entry, 'root cause is on a line of preprocessor.py');
  const title = codeLensTitle(entry[1][0]!, 'diff');
  assert.match(title, /^preprocess-request · self\/trace .+ → .+ \(\+.+\) · .+ · ROOT CAUSE$/);
  const md = hoverMarkdown(entry[1], 'diff');
  assert.match(md, /\| p50 \|/);
  assert.match(md, /ROOT CAUSE/);
  // the flame message carries the tree and the diagnosis
  const msg = buildSetData({ mode: 'diff', autoSplit: false, baseline: { paths: ['n.json'], agg: a.baseline.tree }, incident: { paths: ['s.json'], agg: a.incident.tree }, diff: a.diff, diagnosis: a.diagnosis });
  assert.equal(msg.tree?.n, a.diff.nodes.length);
  // runs tree: the root-cause service first under the incident run
  const tree = buildRunsTree(
    [
      { role: 'baseline', files: ['n.json'], spans: 1, traces: 1, services: 1, skipped: 0 },
      { role: 'incident', files: ['s.json'], spans: 1, traces: 1, services: 1, skipped: 0 },
    ],
    ops,
    true,
  );
  assert.equal(tree[1]!.children![0]!.label, 'pre-processor');
  assert.equal(tree[1]!.children![0]!.children![0]!.label, 'preprocess-request');
});

test('sys4bigml pair (public fixtures): pre-processor, linked to preprocessor.py line 58', async () => {
  const ws = join(ROOT, 'test', 'fixtures', 'public', 'sys4bigml');
  const { a, lineIndex } = await diagnoseWorkspace(ws, 'normal-traces-minified-1.json', 'spiked-traces-minified-1.json');
  assert.equal(a.diagnosis.rootCause?.service, 'pre-processor');
  const lines = lineIndex.get(join(ws, 'src', 'pre-processor', 'preprocessor.py'));
  assert.ok(lines?.get(57)?.some((o) => o.name === 'preprocess-request' && o.rootCause), 'line 58 (0-based 57) carries the root cause');
});

test('single run (Open Trace File): per-operation stats without a baseline', async () => {
  const run = await loadTraces(join(ROOT, 'examples', 'ml-pipeline', 'traces', 'spiked.json'));
  const ops = summarizeAgg(aggregate(run.model));
  assert.ok(ops.length > 3);
  assert.ok(ops.every((o) => o.baseline === null && o.incident));
  const self = ops.map((o) => o.incident!.selfPerTraceMs);
  assert.deepEqual(self, [...self].sort((x, y) => y - x), 'sorted by self time');
  assert.match(codeLensTitle(ops[0]!, 'single'), /self\/trace .+ · p95 .+ · .+ calls?\/trace/);
});
