// Issue 14 item 11: a trace deeper than the flame graph can draw (65,535 rows). Spans more than MAX_TREE_DEPTH
// levels down are cut from the call tree (their time stays in their ancestor), the report says so, and the page's
// layout accepts the data. No recursion on the depth anywhere on the way.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as esbuild from 'esbuild';
import { buildFlameReport } from '../../src/cli/commands/flame';
import { buildFlameTree } from '../../src/core/diff/flame-layout';
import { aggregate, deepSpans, MAX_TREE_DEPTH } from '../../src/core/aggregate/tree';
import { parseTraceText } from '../../src/core/parse/index';

const root = join(__dirname, '..', '..');
const DEPTH = 70_000; // deeper than the 65,535 rows the page can draw
let dir = '';
let assets = '';
let chainFile = '';

/** One trace, one chain of DEPTH spans (each the parent of the next), 1 ms less per level, as OTLP JSON Lines. */
function chain(depth: number): string {
  const t0 = 1700000000000000000n;
  const lines: string[] = [];
  const per = 1000;
  for (let a = 0; a < depth; a += per) {
    const spans: string[] = [];
    for (let i = a; i < Math.min(depth, a + per); i++) {
      const id = (i + 1).toString(16).padStart(16, '0');
      const parent = i === 0 ? '' : i.toString(16).padStart(16, '0');
      const start = t0 + BigInt(i) * 1000n;
      const end = t0 + BigInt(2 * depth - i) * 1000n;
      spans.push(`{"traceId":"0af7651916cd43dd8448eb211c80319c","spanId":"${id}","parentSpanId":"${parent}","name":"level","startTimeUnixNano":"${start}","endTimeUnixNano":"${end}"}`);
    }
    lines.push(`{"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"deep"}}]},"scopeSpans":[{"spans":[${spans.join(',')}]}]}]}`);
  }
  return lines.join('\n') + '\n';
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'td-deep-'));
  assets = join(dir, 'dist');
  mkdirSync(join(assets, 'webview'), { recursive: true });
  await esbuild.build({ entryPoints: [join(root, 'webview', 'flame', 'main.ts')], bundle: true, outfile: join(assets, 'webview', 'flame.js'), platform: 'browser', format: 'iife', target: 'es2022', logLevel: 'silent' });
  copyFileSync(join(root, 'media', 'flame.css'), join(assets, 'webview', 'flame.css'));
  chainFile = join(dir, 'chain.jsonl');
  writeFileSync(chainFile, chain(DEPTH));
});
after(() => rmSync(dir, { recursive: true, force: true }));

test('aggregation cuts spans below MAX_TREE_DEPTH levels; their time stays in the ancestor at that level', () => {
  const { model } = parseTraceText(chain(3000), 'c.jsonl');
  assert.deepEqual(deepSpans(model), { spans: 3000 - MAX_TREE_DEPTH, deepest: 3000 });
  const t = aggregate(model);
  assert.deepEqual(t.cut, { spans: 3000 - MAX_TREE_DEPTH, maxDepth: MAX_TREE_DEPTH });
  assert.equal(t.nodes.length, MAX_TREE_DEPTH + 1); // the synthetic root + one node per kept level
  const deepest = t.nodes.reduce((a, n) => (n.depth > a.depth ? n : a));
  assert.equal(deepest.depth, MAX_TREE_DEPTH);
  // the last kept level has no children left: its whole duration is its self time
  assert.equal(deepest.stats.selfMs, deepest.stats.totalMs);
  const shallow = aggregate(parseTraceText(chain(50), 'c.jsonl').model);
  assert.equal(shallow.cut, undefined);
});

test(`flame on a ${DEPTH.toLocaleString('en-US')}-deep chain: warns, cuts to ${MAX_TREE_DEPTH} levels, the page layout accepts it`, async () => {
  const err: string[] = [];
  const t0 = Date.now();
  const r = await buildFlameReport({ baseline: [], incident: [chainFile], assetsDir: assets }, { out: () => {}, err: (s) => err.push(s) });
  const ms = Date.now() - t0;
  const warn = err.join('');
  assert.match(warn, /warning: incident: 69,000 span\(s\) lie deeper than 1,000 levels \(the deepest at level 70,000\); they are cut/);
  assert.ok(r.diagnosis?.notes.some((n) => /69,000 span\(s\) lie deeper than 1,000 levels/.test(n)));
  assert.ok(r.data.n <= MAX_TREE_DEPTH + 2, `${r.data.n} nodes`);
  const tree = buildFlameTree(r.data); // throws beyond 65,535 levels
  assert.ok(tree.maxDepth <= MAX_TREE_DEPTH + 1);
  assert.ok(r.html.length < 20 * 1048576, `${r.html.length} bytes of HTML`);
  assert.ok(ms < 120_000, `${ms} ms`);
});
