import { test } from 'node:test';
import assert from 'node:assert/strict';
import { aggregate } from '../../../../src/core/aggregate/tree';
import { diffTrees } from '../../../../src/core/diff/diff-tree';
import { diagnoseFromDiff } from '../../../../src/core/rca/analyze';
import { table, type S } from '../../../helpers/spans';

function run(n: number, slowMs: number, extra = false): S[] {
  const spans: S[] = [];
  for (let i = 0; i < n; i++) {
    const j = (i * 7919) % 13; // deterministic jitter
    spans.push({ trace: 't' + i, id: 'r' + i, name: 'GET /', service: 'web', start: i * 1000, dur: 20 + slowMs + j });
    spans.push({ trace: 't' + i, id: 'd' + i, parent: 'r' + i, name: 'db', service: 'db', start: i * 1000 + 5, dur: 5 + slowMs + j / 2 });
    if (extra) spans.push({ trace: 't' + i, id: 'x' + i, parent: 'r' + i, name: 'cache', service: 'cache', start: i * 1000 + 12 + slowMs, dur: 1 });
  }
  return spans;
}

test('diff matches paths, keeps one-sided nodes, computes deltas and significance', () => {
  const b = aggregate(table(run(30, 0)));
  const i = aggregate(table(run(30, 40, true)));
  const d = diffTrees(b, i);
  assert.equal(d.baselineTraces, 30);
  assert.equal(d.incidentTraces, 30);
  const db = d.nodes.find((n) => n.name === 'db')!;
  assert.ok(db.baseline && db.incident);
  assert.ok(Math.abs(db.deltaSelfMs - 40) < 1e-6);
  assert.ok(db.significance > 0.99);
  const cache = d.nodes.find((n) => n.name === 'cache')!;
  assert.equal(cache.baseline, null);
  assert.ok(cache.incident);
  const web = d.nodes.find((n) => n.name === 'GET /')!;
  assert.ok(Math.abs(web.deltaSelfMs) < 1.5, 'parent self unchanged: the child took the time');
  assert.ok(web.significance < 0.99);
  assert.ok(Math.abs(d.nodes[0]!.deltaTotalMs - 40) < 1e-6);
  // parent/child links consistent
  for (const n of d.nodes) for (const c of n.children) assert.equal(d.nodes[c]!.parent, n.id);
});

test('diagnoseFromDiff works from the tree alone and marks the root cause node', () => {
  const d = diffTrees(aggregate(table(run(30, 0))), aggregate(table(run(30, 40))));
  const r = diagnoseFromDiff(d);
  assert.equal(r.diagnosis.rootCause?.name, 'db');
  const marked = r.diff.nodes.filter((n) => n.rootCause);
  assert.deepEqual(marked.map((n) => n.name), ['db']);
});
