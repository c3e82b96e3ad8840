// `trace-doctor stats` end to end: the CLI bundled exactly as esbuild.mjs bundles dist/cli.js, run as a child process.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as esbuild from 'esbuild';
import { cliBundle } from '../../../scripts/cli-build-options.mjs';

const root = join(__dirname, '..', '..', '..');
const PUB = join(root, 'test', 'fixtures', 'public');
const EDGE = join(root, 'test', 'fixtures', 'edge');
let dir = '';
let cli = '';

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'td-cli-'));
  cli = join(dir, 'cli.js');
  // the dist/cli.js build options of esbuild.mjs (built here so the test never runs a stale dist/)
  await esbuild.build({ ...cliBundle, entryPoints: [join(root, 'src', 'cli', 'main.ts')], outfile: cli, logLevel: 'error' });
});
after(() => rmSync(dir, { recursive: true, force: true }));

function run(...args: string[]) {
  const r = spawnSync(process.execPath, [cli, 'stats', ...args], { encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

test('stats on the sys4bigml directory: table with counts, exit 0', () => {
  const r = run(join(PUB, 'sys4bigml'));
  assert.equal(r.code, 0, r.err);
  assert.equal(r.err, '');
  assert.match(r.out, /^files\s+2$/m);
  assert.match(r.out, /^spans\s+6$/m);
  assert.match(r.out, /^traces\s+2$/m);
  assert.match(r.out, /^services\s+3$/m);
  assert.match(r.out, /^operations\s+3$/m);
  assert.match(r.out, /^skipped lines\s+0$/m);
  assert.match(r.out, /^start\s+2024-12-01T14:15:49\.\d{3}Z$/m);
  assert.match(r.out, /^service\s+spans\s+operations\s+errors$/m);
  assert.match(r.out, /^pre-processor\s+2\s+1\s+0$/m);
  // columns line up: every per-service row has the header's width
  const lines = r.out.split('\n');
  const h = lines.findIndex((l) => l.startsWith('service '));
  const width = lines[h]!.length;
  for (const l of lines.slice(h + 1, h + 4)) assert.equal(l.length, width, l);
});

test('stats --json: one object with spans, traces, services, operations, skipped, perService, timeRange, issues, formats', () => {
  const r = run(join(PUB, 'sys4bigml', 'spiked-traces-minified-1.json'), '--json');
  assert.equal(r.code, 0, r.err);
  const j = JSON.parse(r.out);
  assert.equal(j.spans, 3);
  assert.equal(j.traces, 1);
  assert.equal(j.services, 3);
  assert.equal(j.operations, 3);
  assert.equal(j.skipped, 0);
  assert.equal(j.errors, 0);
  assert.deepEqual(j.formats, ['jaeger-query']);
  assert.deepEqual(j.issues, []);
  assert.equal(j.perService.length, 3);
  assert.deepEqual(j.perService.map((p: { spans: number }) => p.spans), [1, 1, 1]);
  assert.ok(j.timeRange.start < j.timeRange.end);
  assert.ok(Math.abs(j.timeRange.durationMs - 1207.384) < 1e-6, String(j.timeRange.durationMs));
});

test('stats on JSON Lines with bad lines: loads the good ones, reports skipped lines and why, exit 0', () => {
  const r = run(join(EDGE, 'bad-lines.jsonl'), '--json');
  assert.equal(r.code, 0, r.err);
  const j = JSON.parse(r.out);
  assert.equal(j.spans, 3);
  assert.equal(j.skipped, 3);
  assert.deepEqual(j.issues.map((i: { line: number }) => i.line), [2, 5, 6]);
  const t = run(join(EDGE, 'bad-lines.jsonl'));
  assert.match(t.out, /^skipped lines\s+3$/m);
  assert.match(t.out, /warning: .*bad-lines\.jsonl:5: line skipped: JSON is not a trace/);
});

test('unreadable input: exit 2 with the specific error on stderr and nothing on stdout', () => {
  const cases: [string, RegExp][] = [
    [join(EDGE, 'syntax-error.json'), /syntax-error\.json:3:21: expected ',' or '\}' after property value/],
    [join(EDGE, 'empty.json'), /empty\.json: empty file/],
    [join(EDGE, 'binary.json'), /binary\.json: binary data/],
    [join(EDGE, 'not-a-trace.json'), /not-a-trace\.json: JSON is not a trace/],
    [join(EDGE, 'does-not-exist.json'), /does-not-exist\.json: no such file or directory/],
  ];
  for (const [file, re] of cases) {
    const r = run(file);
    assert.equal(r.code, 2, file);
    assert.match(r.err, /^trace-doctor stats: /);
    assert.match(r.err, re);
    assert.equal(r.out, '');
  }
});

test('usage: --help exits 0; no input or an unknown option exits 2', () => {
  const h = run('--help');
  assert.equal(h.code, 0);
  assert.match(h.out, /Usage: trace-doctor stats <file\|dir>/);
  assert.match(h.out, /--json/);
  const none = run();
  assert.equal(none.code, 2);
  assert.match(none.err, /missing <file\|dir>/);
  const bad = run('--bogus', join(PUB, 'zipkin', 'skew.json'));
  assert.equal(bad.code, 2);
  assert.match(bad.err, /bogus/);
});

test('human output lists at most 20 issues and points to --json for the rest', () => {
  const file = join(dir, 'many-bad.jsonl');
  const good = readFileSync(join(PUB, 'otel-go-instrumentation', 'nethttp', 'traces-orig.json'), 'utf8').trim();
  writeFileSync(file, [good, ...Array.from({ length: 30 }, (_, i) => `{"bad": ${i}`)].join('\n') + '\n');
  const r = run(file);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /^skipped lines\s+30$/m);
  assert.match(r.out, /^30 issue\(s\):$/m);
  assert.equal((r.out.match(/^ {2}warning: /gm) ?? []).length, 20);
  assert.match(r.out, /… 10 more \(all of them with --json\)/);
  assert.equal(JSON.parse(run(file, '--json').out).issues.length, 30);
});

test('stats on a URL: fetched like a file (same counts), a 404 exits 2 naming the URL', async () => {
  const body = readFileSync(join(PUB, 'sys4bigml', 'spiked-traces-minified-1.json'));
  const server = createServer((req, res) => {
    if (req.url === '/traces.json') res.writeHead(200, { 'content-type': 'application/json' }).end(body);
    else res.writeHead(404).end('not here');
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  // async spawn: spawnSync would block this process and the server could never answer
  const runAsync = (...args: string[]) =>
    new Promise<{ code: number | null; out: string; err: string }>((ok) => {
      const c = spawn(process.execPath, [cli, 'stats', ...args]);
      let out = '';
      let err = '';
      c.stdout.on('data', (d) => (out += d));
      c.stderr.on('data', (d) => (err += d));
      const t = setTimeout(() => c.kill(), 60_000);
      c.on('close', (code) => {
        clearTimeout(t);
        ok({ code, out, err });
      });
    });
  try {
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const r = await runAsync(`${base}/traces.json`, '--json');
    assert.equal(r.code, 0, r.err);
    const j = JSON.parse(r.out);
    assert.equal(j.spans, 3);
    assert.equal(j.traces, 1);
    assert.equal(j.services, 3);
    const missing = await runAsync(`${base}/nothing.json`);
    assert.equal(missing.code, 2);
    assert.match(missing.err, /^trace-doctor stats: /);
    assert.match(missing.err, /nothing\.json/);
    assert.equal(missing.out, '');
  } finally {
    await new Promise((ok) => server.close(ok));
  }
});
