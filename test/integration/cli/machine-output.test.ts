// The machine formats of the CLI (`diagnose --format json|sarif|markdown`, `--json`, `stats --json`) on stdout, for a
// trace whose service and span names hold ESC sequences, C1 controls (U+009B CSI, U+0085 NEL), bidi overrides and
// isolates (U+202E, U+2066) and line/paragraph separators (U+2028, U+2029):
//  - stdout on a pipe or a file (a machine reads it): exactly what JSON.stringify gives — byte for byte, the same
//    bytes as --sarif-output / --markdown-output write; the markdown carries no control or bidi character at all
//    (its renderer blanks them);
//  - stdout on a terminal (a person reads it): no raw control character; the JSON is still valid and equal in value;
//  - human output: escaped on a pipe too.
// The bundled CLI (as dist/cli.js) runs as a child process with stdout on a pipe; the terminal case runs main() in
// process with stdoutIsTerminal.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as esbuild from 'esbuild';
import { cliBundle } from '../../../scripts/cli-build-options.mjs';
import { main } from '../../../src/cli/main';
import type { CliIO } from '../../../src/cli/command';

const root = join(__dirname, '..', '..', '..');
// C0 except TAB/LF, DEL, C1, bidi controls, line/paragraph separators: none of these may reach a terminal raw
const RAW_CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;
const SERVICE = 'pay\u001b[31mRED\u001b[0m\u202egnp.exe';
const OP = 'charge\u009b2J\u0085 card\u2028next\u2029para\u2066iso\u2069 \u001b]52;c;AAAA\u0007';

let dir = '';
let cli = '';
let baseline = '';
let incident = '';

/** 40 traces: GET /checkout (frontend) → OP (SERVICE, at src/pay.py:12), the child `childMs` ± 10 % long. */
function run(seed: number, childMs: number): string {
  let s = seed;
  const rnd = () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const lines: string[] = [];
  const ns = (ms: number) => BigInt(Math.round(ms * 1e6));
  for (let t = 0; t < 40; t++) {
    const start = 1_700_000_000_000n * 1_000_000n + BigInt(t) * 1_000_000_000n;
    const child = childMs * (0.9 + 0.2 * rnd());
    const traceId = (seed * 1000 + t + 1).toString(16).padStart(32, '0');
    const span = (svc: string, spanId: string, parent: string | undefined, name: string, a: number, b: number, attrs: unknown[] = []) => ({
      resource: { attributes: [{ key: 'service.name', value: { stringValue: svc } }] },
      scopeSpans: [{ spans: [{ traceId, spanId, ...(parent ? { parentSpanId: parent } : {}), name, kind: parent ? 2 : 2, startTimeUnixNano: String(start + ns(a)), endTimeUnixNano: String(start + ns(b)), attributes: attrs }] }],
    });
    lines.push(
      JSON.stringify({
        resourceSpans: [
          span('frontend', `${(t + 1).toString(16).padStart(8, '0')}00000001`, undefined, 'GET /checkout', 0, child + 5),
          span(SERVICE, `${(t + 1).toString(16).padStart(8, '0')}00000002`, `${(t + 1).toString(16).padStart(8, '0')}00000001`, OP, 2, 2 + child, [
            { key: 'code.filepath', value: { stringValue: 'src/pay.py' } },
            { key: 'code.lineno', value: { intValue: '12' } },
          ]),
        ],
      }),
    );
  }
  return lines.join('\n') + '\n';
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'td-machine-out-'));
  cli = join(dir, 'cli.js');
  baseline = join(dir, 'baseline.jsonl');
  incident = join(dir, 'incident.jsonl');
  writeFileSync(baseline, run(1, 10));
  writeFileSync(incident, run(2, 60));
  await esbuild.build({ ...cliBundle, entryPoints: [join(root, 'src', 'cli', 'main.ts')], outfile: cli, logLevel: 'error' });
});
after(() => rmSync(dir, { recursive: true, force: true }));

function cliRun(args: string[]) {
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 60_000, maxBuffer: 64 << 20, cwd: dir });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

const pair = () => ['diagnose', '--baseline', baseline, '--incident', incident];

test('the fixture: its names hold ESC, C1, bidi and U+2028/9, and the diagnosis names them as the root cause', () => {
  for (const c of ['\u001b', '\u009b', '\u0085', '\u202e', '\u2066', '\u2028', '\u2029']) assert.ok((SERVICE + OP).includes(c));
  const r = cliRun([...pair(), '--json']);
  assert.equal(r.code, 0, r.err);
  const d = JSON.parse(r.out);
  assert.equal(d.rootCause.service, SERVICE);
  assert.equal(d.rootCause.name, OP);
});

test('json on a pipe: byte for byte JSON.stringify of its value (C1, bidi, U+2028 as JSON.stringify leaves them), for --json, --format json and a gate', () => {
  for (const args of [[...pair(), '--json'], [...pair(), '--format', 'json'], [...pair(), '--format', 'json', '--fail-on', 'regression'], ['stats', incident, '--json']]) {
    const r = cliRun(args);
    assert.ok(r.code === 0 || r.code === 1, `${args.join(' ')}: ${r.err}`);
    const value = JSON.parse(r.out);
    assert.equal(r.out, JSON.stringify(value, null, 2) + '\n', args.join(' '));
    // the characters JSON.stringify does not escape are there as themselves, not as \uXXXX text
    if (args[0] === 'diagnose') assert.ok(r.out.includes('\u009b2J\u0085 card\u2028next\u2029para\u2066iso\u2069'), args.join(' '));
    assert.ok(r.out.includes('\u202egnp.exe'), args.join(' '));
    assert.ok(r.out.includes('\\u001b[31mRED'), 'ESC is escaped by JSON.stringify itself');
    assert.doesNotMatch(r.err, RAW_CONTROL);
  }
});

test('sarif on a pipe: the same bytes as --sarif-output writes, valid JSON holding the names exactly', () => {
  const file = join(dir, 'out.sarif');
  const r = cliRun([...pair(), '--format', 'sarif', '--sarif-output', file]);
  assert.equal(r.code, 0, r.err);
  assert.equal(r.out, readFileSync(file, 'utf8'));
  const sarif = JSON.parse(r.out);
  assert.equal(r.out, JSON.stringify(sarif, null, 2) + '\n');
  assert.ok(sarif.runs[0].results.some((x: { message: { text: string } }) => x.message.text.includes(OP)), 'the span name is in a result message as it is');
});

test('markdown on a pipe: the same bytes as --markdown-output writes, and no control or bidi character from the trace', () => {
  const file = join(dir, 'out.md');
  const r = cliRun([...pair(), '--format', 'markdown', '--markdown-output', file]);
  assert.equal(r.code, 0, r.err);
  assert.equal(readFileSync(file, 'utf8'), r.out + '\n');
  assert.doesNotMatch(r.out, RAW_CONTROL);
  assert.doesNotMatch(r.out, /\\u00(1b|9b|85)|\\u202e/, 'blanked by the markdown renderer, not escaped as terminal text');
  assert.match(r.out, /charge\s+2J\s+card\s+next\s+para\s+iso/);
});

test('junit (--junit-output, a gate) is well-formed XML 1.0: no character XML cannot hold, the names escaped', () => {
  const file = join(dir, 'out.xml');
  const r = cliRun([...pair(), '--fail-on', 'regression', '--junit-output', file]);
  assert.equal(r.code, 1, r.err);
  const xml = readFileSync(file, 'utf8');
  assert.doesNotMatch(xml, /[\u0000-\u0008\u000b\u000c\u000e-\u001f]/, 'no C0 control but TAB/LF/CR');
  assert.ok(xml.includes('\\u001b') && xml.includes('\u009b2J'), 'ESC written as \\u001b; C1, a valid XML character, kept');
});

test('human output on a pipe stays escaped', () => {
  const r = cliRun(pair());
  assert.equal(r.code, 0, r.err);
  assert.doesNotMatch(r.out, RAW_CONTROL);
  assert.doesNotMatch(r.err, RAW_CONTROL);
  assert.match(r.out, /charge\\u009b2J\\u0085 card\\u2028next\\u2029para\\u2066iso\\u2069/);
});

test('on a terminal: json, sarif and markdown carry no raw control character; the JSON is still valid and equal in value', async () => {
  const inProcess = async (args: string[]) => {
    let out = '';
    let err = '';
    const io: CliIO = { out: (s) => (out += s), err: (s) => (err += s), stdoutIsTerminal: true };
    const code = await main(args, io);
    return { code, out, err };
  };
  const onPipe = JSON.parse(cliRun([...pair(), '--json']).out);
  for (const fmt of ['json', 'sarif', 'markdown']) {
    const r = await inProcess([...pair(), '--format', fmt]);
    assert.equal(r.code, 0, r.err);
    assert.doesNotMatch(r.out, RAW_CONTROL, fmt);
    assert.doesNotMatch(r.err, RAW_CONTROL, fmt);
    if (fmt === 'json') {
      const d = JSON.parse(r.out);
      assert.equal(d.rootCause.name, OP);
      assert.deepEqual(d.rootCause, onPipe.rootCause);
      assert.match(r.out, /charge\\u009b2J\\u0085 card\\u2028next\\u2029para\\u2066iso\\u2069/);
    }
    if (fmt === 'sarif') assert.ok(JSON.parse(r.out).runs[0].results.some((x: { message: { text: string } }) => x.message.text.includes(OP)));
  }
});
