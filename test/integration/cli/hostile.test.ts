// Hostile and careless input for the CLI (issue 14, items 7–14): the CLI bundled exactly as esbuild.mjs bundles
// dist/cli.js, run as a child process.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as esbuild from 'esbuild';
import { cliBundle } from '../../../scripts/cli-build-options.mjs';

const root = join(__dirname, '..', '..', '..');
const HOSTILE = join(root, 'test', 'fixtures', 'hostile');
const PUB = join(root, 'test', 'fixtures', 'public');
let dir = '';
let cli = '';

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'td-hostile-'));
  cli = join(dir, 'cli.js');
  await esbuild.build({ ...cliBundle, entryPoints: [join(root, 'src', 'cli', 'main.ts')], outfile: cli, logLevel: 'error' });
});
after(() => rmSync(dir, { recursive: true, force: true }));

function run(args: string[], opts: { timeout?: number } = {}) {
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: opts.timeout ?? 60_000, maxBuffer: 64 << 20 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

// C0 except TAB/LF, DEL, C1, bidi controls: none of these may reach the terminal raw
const RAW_CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

test('item 7: overflowing, NaN, negative timestamps, end < start, cycles, self-parents, duplicate ids: stats loads and reports each kind', () => {
  const f = join(HOSTILE, 'malformed-spans.json');
  const r = run(['stats', f]);
  assert.equal(r.code, 0, r.err);
  assert.doesNotMatch(r.err + r.out, /RangeError|at .*\(.*:\d+:\d+\)/);
  assert.match(r.out, /^spans\s+13$/m);
  assert.match(r.out, /^malformed spans\s+10 \(see the issues below\)$/m);
  assert.match(r.out, /^duration\s+2\.000 s$/m);
  assert.match(r.out, /warning: .*malformed-spans\.json: 2 spans with a start time beyond 64-bit Unix nanoseconds/);
  assert.match(r.out, /1 span with an end time before the start time/);
  assert.match(r.out, /1 span with itself as parent/);
  assert.match(r.out, /1 span with a parent link that closes a cycle/);
  assert.match(r.out, /1 span with the trace and span id of an earlier span/);
  const j = JSON.parse(run(['stats', f, '--json']).out);
  assert.deepEqual(j.malformed, {
    startNaN: 1, startNegative: 1, startOverflow: 2, endNaN: 1, endOverflow: 1, endBeforeStart: 1, selfParent: 1, parentCycle: 1, duplicateSpanId: 1,
  });
  assert.equal(j.timeRange.durationMs, 2000);
});

test('item 7: one span with a 1e300 timestamp does not break a whole directory', () => {
  const d = join(dir, 'mixed');
  mkdirSync(d);
  copyFileSync(join(PUB, 'sys4bigml', 'spiked-traces-minified-1.json'), join(d, 'good.json'));
  writeFileSync(
    join(d, 'bad.json'),
    JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans: [{ traceId: 'ab', spanId: '01', name: 'x', startTimeUnixNano: 1e300, endTimeUnixNano: '99999999999999999999999' }] }] }] }),
  );
  const r = run(['stats', d, '--json']);
  assert.equal(r.code, 0, r.err);
  const j = JSON.parse(r.out);
  assert.equal(j.spans, 4);
  assert.deepEqual(j.malformed, { startOverflow: 1 });
  assert.ok(j.issues.some((i: { file: string; message: string }) => i.file.endsWith('bad.json') && /start time beyond 64-bit/.test(i.message)));
});

test('item 7: diagnose never prints absurd durations and notes the malformed spans', () => {
  const r = run(['diagnose', join(HOSTILE, 'malformed-spans.json')]);
  assert.equal(r.code, 0, r.err);
  assert.doesNotMatch(r.out, /\d{7,}(\.\d+)? s\b/);
  assert.match(r.out, /^Note: incident: 2 spans with a start time beyond 64-bit Unix nanoseconds/m);
  assert.match(r.out, /^Note: incident: 1 span with a parent link that closes a cycle/m);
  const j = JSON.parse(run(['diagnose', join(HOSTILE, 'malformed-spans.json'), '--json']).out);
  assert.ok(j.notes.some((n: string) => /end time before the start time/.test(n)));
});

test('item 8: terminal escapes in trace data (ESC, BEL, CR, OSC 52, OSC 8, C1, bidi) are printed escaped, JSON stays exact', () => {
  const f = join(HOSTILE, 'terminal-escapes.json');
  for (const args of [['stats', f], ['diagnose', f], ['diagnose', '--baseline', f, '--incident', f], ['stats', f, '--json'], ['diagnose', f, '--json']]) {
    const r = run(args);
    assert.equal(r.code, 0, r.err);
    // --json on a pipe is data for another program: exactly JSON.stringify's bytes (h28; machine-output.test.ts), which
    // escape every C0 control; C1 and bidi characters stay themselves there. On a terminal they are escaped.
    if (args.includes('--json')) assert.equal(r.out, JSON.stringify(JSON.parse(r.out), null, 2) + '\n', args.join(' '));
    else assert.doesNotMatch(r.out, RAW_CONTROL, args.join(' '));
    assert.doesNotMatch(r.err, RAW_CONTROL, args.join(' '));
  }
  const human = run(['stats', f]).out;
  assert.match(human, /pay\\u001b\[31mRED\\u001b\[0m\\u0007\\u202egnp\.exe\s+12/);
  const diag = run(['diagnose', f]).out;
  // the span name's newline does not start a line of its own
  assert.doesNotMatch(diag, /^fake line/m);
  assert.match(diag, /GET \/x\\u000d\\u001b\]52;c;/);
  // JSON output: still valid JSON, holding exactly the original strings
  const doc = JSON.parse(readFileSync(f, 'utf8'));
  const svc = doc.resourceSpans[0].resource.attributes[0].value.stringValue as string;
  const j = JSON.parse(run(['stats', f, '--json']).out);
  assert.equal(j.perService[0].service, svc);
  const d = JSON.parse(run(['diagnose', f, '--json']).out);
  assert.equal(d.rootCause.name, doc.resourceSpans[0].scopeSpans[0].spans[0].name);
});

test('item 8: a file name with control characters is escaped in error messages', () => {
  const name = join(dir, 'evil\u001b]52;c;AAAA\u0007.json');
  writeFileSync(name, '');
  const r = run(['stats', name]);
  assert.equal(r.code, 2);
  assert.doesNotMatch(r.err, RAW_CONTROL);
  assert.match(r.err, /evil\\u001b\]52;c;AAAA\\u0007\.json: empty file/);
});

test('item 9: a 100k-deep arrayValue attribute: stats keeps the span and warns, no stack overflow', () => {
  const D = 100_000;
  const deep = '{"arrayValue":{"values":['.repeat(D) + '{"stringValue":"x"}' + ']}}'.repeat(D);
  const f = join(dir, 'deep.json');
  writeFileSync(
    f,
    `{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"0af7651916cd43dd8448eb211c80319c","spanId":"a000000000000001","name":"op","startTimeUnixNano":"1700000000000000000","endTimeUnixNano":"1700000001000000000","attributes":[{"key":"deep","value":${deep}}]}]}]}]}`,
  );
  const r = run(['stats', f]);
  assert.equal(r.code, 0, r.err);
  assert.doesNotMatch(r.out + r.err, /Maximum call stack/);
  assert.match(r.out, /^spans\s+1$/m);
  assert.match(r.out, /attribute 'deep': arrayValue\/kvlistValue nested deeper than 64 levels; cut there \(the span is kept\)/);
});

test('item 14: /dev/zero and /dev/null say what they are (binary; nothing came through) instead of "empty file", without blocking (pipes are read: pipes.test.ts)', () => {
  const cases: [string, RegExp][] = [
    ['/dev/zero', /\/dev\/zero: binary data \(NUL byte at offset 0\), not a JSON trace file/],
    ['/dev/null', /\/dev\/null: empty file: no trace data \(nothing came through this device before it ended\)/],
  ];
  for (const [p, re] of cases) {
    const r = run(['stats', p], { timeout: 20_000 });
    assert.equal(r.code, 2, `${p}: ${r.err}`);
    assert.match(r.err, re);
    const d = run(['diagnose', '--incident', p], { timeout: 20_000 });
    assert.equal(d.code, 2);
    assert.match(d.err, re);
  }
});

test('item 13: diagnose --workspace notes a scan that stopped at --max-source-files', () => {
  const ws = join(dir, 'ws');
  mkdirSync(ws);
  for (let i = 0; i < 5; i++) writeFileSync(join(ws, `m${i}.py`), `tracer.start_as_current_span("op-${i}")\n`);
  const f = join(PUB, 'sys4bigml', 'spiked-traces-minified-1.json');
  const r = run(['diagnose', '--incident', f, '--workspace', ws, '--max-source-files', '2']);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /^Note: workspace scan of .*ws stopped at 2 source files; spans opened in the files not read have no source link \(raise the limit with --max-source-files\)$/m);
  const ok = run(['diagnose', '--incident', f, '--workspace', ws]);
  assert.doesNotMatch(ok.out, /workspace scan of/);
  const bad = run(['diagnose', '--incident', f, '--workspace', ws, '--max-source-files', '0']);
  assert.equal(bad.code, 2);
  assert.match(bad.err, /--max-source-files expects a positive integer, got '0'/);
});

test('item 11: diagnose on a 3,000-deep chain notes the cut below 1,000 levels', () => {
  const lines: string[] = [];
  const spans: string[] = [];
  for (let i = 0; i < 3000; i++) {
    const id = (i + 1).toString(16).padStart(16, '0');
    const parent = i === 0 ? '' : i.toString(16).padStart(16, '0');
    spans.push(`{"traceId":"0af7651916cd43dd8448eb211c80319c","spanId":"${id}","parentSpanId":"${parent}","name":"level","startTimeUnixNano":"${1700000000000000000n + BigInt(i) * 1000n}","endTimeUnixNano":"${1700000000000000000n + BigInt(6000 - i) * 1000n}"}`);
  }
  lines.push(`{"resourceSpans":[{"scopeSpans":[{"spans":[${spans.join(',')}]}]}]}`);
  const f = join(dir, 'chain.jsonl');
  writeFileSync(f, lines.join('\n') + '\n');
  const r = run(['diagnose', f]);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /^Note: incident: 2,000 span\(s\) lie deeper than 1,000 levels \(the deepest at level 3,000\); they are cut/m);
});
