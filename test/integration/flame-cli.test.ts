/**
 * `trace-doctor flame`: real trace files (the public sys4bigml normal/spiked pair) → one self-contained HTML file.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as esbuild from 'esbuild';
import { buildFlameReport, runFlame } from '../../src/cli/commands/flame';
import { CliError, type CliIO } from '../../src/cli/command';
import { FlameFlag, type FlameData } from '../../src/protocol/messages';

const root = join(__dirname, '..', '..');
const fx = join(root, 'test', 'fixtures', 'public', 'sys4bigml');
const normal = join(fx, 'normal-traces-minified-1.json');
const spiked = join(fx, 'spiked-traces-minified-1.json');
let dir = '';
let assets = '';

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'flame-cli-'));
  // an assets folder laid out like dist/: webview/flame.js (+ the stylesheet next to it)
  assets = join(dir, 'dist');
  mkdirSync(join(assets, 'webview'), { recursive: true });
  await esbuild.build({ entryPoints: [join(root, 'webview', 'flame', 'main.ts')], bundle: true, outfile: join(assets, 'webview', 'flame.js'), platform: 'browser', format: 'iife', target: 'es2022', logLevel: 'silent' });
  copyFileSync(join(root, 'media', 'flame.css'), join(assets, 'webview', 'flame.css'));
});
after(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const io = (): CliIO & { outText: string; errText: string } => {
  const o = { outText: '', errText: '', out: (s: string) => void (o.outText += s), err: (s: string) => void (o.errText += s) };
  return o;
};
const embedded = (html: string): { tree: FlameData } => JSON.parse(/<script type="application\/json" id="flame-data">([\s\S]*?)<\/script>/.exec(html)![1]!);

test('builds the report of a real normal/spiked pair: diff data, root cause flagged, source link, summary', async () => {
  const r = await buildFlameReport({ baseline: [normal], incident: [spiked], workspace: fx, assetsDir: assets }, io());
  assert.equal(r.data.kind, 'diff');
  const { tree } = embedded(r.html);
  assert.equal(tree.n, r.data.n);
  const names = tree.name.map((i) => tree.strings[i]);
  const pre = names.indexOf('preprocess-request');
  assert.ok(pre > 0, `preprocess-request in ${names.join(', ')}`);
  assert.ok(tree.flags[pre]! & FlameFlag.Baseline && tree.flags[pre]! & FlameFlag.Incident);
  // self time 2.6 ms → 775 ms per trace (README of the fixture)
  assert.ok(tree.deltaSelf[pre]! > 700, `Δself ${tree.deltaSelf[pre]}`);
  assert.ok(tree.deltaSelf[pre]! === Math.max(...tree.deltaSelf), 'the largest self-time growth');
  // the known answer: root cause pre-processor / preprocess-request, opened at line 58 of preprocessor.py
  assert.equal(r.diagnosis?.rootCause?.service, 'pre-processor');
  assert.equal(r.diagnosis?.rootCause?.name, 'preprocess-request');
  const flagged = tree.flags.flatMap((f, i) => (f & FlameFlag.RootCause ? [i] : []));
  assert.deepEqual(flagged, [pre]);
  assert.equal(tree.strings[tree.srcFile[pre]!], 'src/pre-processor/preprocessor.py');
  assert.equal(tree.srcLine[pre], 58);
  assert.match(r.html, /<title>Trace Doctor — normal-traces-minified-1\.json → spiked-traces-minified-1\.json<\/title>/);
  assert.match(r.html, /root cause<\/span> <strong>pre-processor · preprocess-request<\/strong>/);
});

test('one run without a baseline is split automatically and still diffed', async () => {
  const r = await buildFlameReport({ baseline: [], incident: [join(root, 'test', 'fixtures', 'public', 'zipkin', 'yelp.json')], assetsDir: assets }, io());
  assert.equal(r.data.kind, 'diff');
  assert.ok(r.data.n > 1 && r.diagnosis !== null);
  assert.ok(r.data.iTotal[0]! > 0);
});

test('usage and input errors are clear CliErrors; a bad file names itself', async () => {
  await assert.rejects(runFlame(['--incident', spiked], io()), (e: unknown) => e instanceof CliError && /missing --out/.test(e.message));
  await assert.rejects(runFlame(['--out', join(dir, 'x.html')], io()), (e: unknown) => e instanceof CliError && /missing --incident/.test(e.message));
  await assert.rejects(runFlame(['--incident', spiked, '--out', join(dir, 'x.html'), '--mode', 'fast'], io()), /--mode expects/);
  await assert.rejects(runFlame(['--incident', spiked, '--out', dir], io()), /is a directory/);
  const bad = join(dir, 'bad.json');
  writeFileSync(bad, '{"resourceSpans": [ {');
  await assert.rejects(
    buildFlameReport({ baseline: [], incident: [bad], assetsDir: assets }, io()),
    (e: unknown) => e instanceof CliError && e.message.includes('bad.json'),
  );
  await assert.rejects(buildFlameReport({ baseline: [], incident: [spiked], assetsDir: join(dir, 'nowhere') }, io()), /bundle is missing/);
});

test('runFlame writes the file when the built bundle is present', { skip: (() => { try { readFileSync(join(root, 'dist', 'webview', 'flame.js')); return false; } catch { return 'dist/webview/flame.js not built (npm run build)'; } })() }, async () => {
  const out = join(dir, 'report.html');
  const o = io();
  assert.equal(await runFlame(['--baseline', normal, '--incident', spiked, '--out', out, '--workspace', fx], o), 0);
  assert.match(o.outText, /wrote .*report\.html \(\d+ KB\): \d+ call paths, 1 baseline \/ 1 incident traces/);
  assert.match(o.outText, /root cause: pre-processor · preprocess-request/);
  const html = readFileSync(out, 'utf8');
  assert.ok(html.includes('id="flame-data"') && html.includes('preprocess-request'));
});
