// The CLI as a CI pipeline uses it (h25's walkthrough): distinct, stable exit codes (0 / 1 / 2 / 3), usage errors
// that fit on a screen, the gate as JUnit XML, report files written whole or not at all.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../../src/cli/main';
import { CliError, EXIT } from '../../../src/cli/command';
import { register } from '../../../src/cli/registry';
import { writeFileAtomic } from '../../../src/cli/output';
import { toJunit, xmlText } from '../../../src/cli/junit';
import type { Diagnosis } from '../../../src/core/rca/diagnosis';
import type { GateResult } from '../../../src/core/gate/gate';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const sax = require('sax') as { parser(strict: boolean): { onerror: (e: Error) => void; write(s: string): { close(): void } } };

const root = join(__dirname, '..', '..', '..');
const NORMAL = join(root, 'examples', 'ml-pipeline', 'traces', 'normal.json');
const SPIKED = join(root, 'examples', 'ml-pipeline', 'traces', 'spiked.json');

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(args, { out: (s) => (out += s), err: (s) => (err += s) });
  return { code, out, err };
}

/**
 * Throws when `xml` is not well-formed XML 1.0: sax in strict mode for the markup, and the Char production (sax
 * lets control characters through, an XML parser such as GitLab's does not).
 */
function assertWellFormed(xml: string): void {
  const bad = /[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\u{10000}-\u{10ffff}]/u.exec(xml);
  if (bad) throw new Error(`character U+${bad[0].charCodeAt(0).toString(16).padStart(4, '0')} is not allowed in XML 1.0 (offset ${bad.index})`);
  const p = sax.parser(true);
  p.onerror = (e) => {
    throw e;
  };
  p.write(xml).close();
}

// commands that fail the way a bug or the machine would (registered for this test process only)
register({ name: 'h25-bug', summary: 'test', help: 'Usage: trace-doctor h25-bug\n', run: async () => { throw new TypeError("Cannot read properties of undefined (reading 'spans')"); } });
register({
  name: 'h25-enospc',
  summary: 'test',
  help: 'Usage: trace-doctor h25-enospc\n',
  run: async () => {
    throw Object.assign(new Error("ENOSPC: no space left on device, write"), { code: 'ENOSPC', syscall: 'write', errno: -28 });
  },
});

test('h25: a bug is exit 3 with one line that says so (no stack unless TRACE_DOCTOR_DEBUG=1); bad input stays 2', async () => {
  assert.deepEqual([EXIT.ok, EXIT.finding, EXIT.badInput, EXIT.internal], [0, 1, 2, 3]);
  const prev = process.env.TRACE_DOCTOR_DEBUG;
  delete process.env.TRACE_DOCTOR_DEBUG;
  try {
    const r = await cli(['h25-bug']);
    assert.equal(r.code, 3);
    assert.match(r.err, /^trace-doctor h25-bug: internal error \(a bug in trace-doctor, not a problem of your input\): TypeError: Cannot read properties of undefined \(reading 'spans'\)$/m);
    assert.doesNotMatch(r.err, /\n\s+at /, 'no stack frames');
    assert.match(r.err, /TRACE_DOCTOR_DEBUG=1/);
    process.env.TRACE_DOCTOR_DEBUG = '1';
    assert.match((await cli(['h25-bug'])).err, /\n\s+at /, 'the stack when asked for');
  } finally {
    if (prev === undefined) delete process.env.TRACE_DOCTOR_DEBUG;
    else process.env.TRACE_DOCTOR_DEBUG = prev;
  }
  // the machine's failure (disk full) is not a bug: 2 and its message
  const full = await cli(['h25-enospc']);
  assert.equal(full.code, 2);
  assert.equal(full.err, 'trace-doctor h25-enospc: ENOSPC: no space left on device, write\n');
  // unreadable input: 2
  assert.equal((await cli(['stats', join(root, 'no-such-file.json')])).code, 2);
  assert.equal(new CliError('x').exitCode, 2);
});

test('h25: no command is a usage error on stderr (exit 2); --help is on stdout (exit 0)', async () => {
  const none = await cli([]);
  assert.equal(none.code, 2);
  assert.equal(none.out, '');
  assert.match(none.err, /^Usage: trace-doctor <command>/m);
  const help = await cli(['--help']);
  assert.equal(help.code, 0);
  assert.equal(help.err, '');
  assert.match(help.out, /^Usage: trace-doctor <command>/m);
});

test('h25: a usage error prints the message, the Usage lines and a pointer to --help — not the whole --help', async () => {
  const cases: [string[], RegExp][] = [
    [['diagnose', '--baseline'], /^trace-doctor diagnose: --baseline expects a value$/m],
    [['diagnose', '--incident', 'x', '--top', '-1'], /^trace-doctor diagnose: --top is followed by an option, not a value; a value starting with '-' is written --top=-…$/m],
    [['stats', '--json=yes', 'x'], /^trace-doctor stats: --json takes no value$/m],
    [['diagnose', '--baseline', NORMAL], /^trace-doctor diagnose: --incident <path> is required$/m],
    [['flame', '--incident', SPIKED], /^trace-doctor flame: missing --out report\.html$/m],
    [['stats'], /^trace-doctor stats: missing <file\|dir>$/m],
    [['fetch'], /^trace-doctor fetch: missing <url>$/m],
    [['serve', 'extra'], /^trace-doctor serve: unexpected argument "extra": trace-doctor serve takes options only$/m],
  ];
  for (const [args, message] of cases) {
    const r = await cli(args);
    assert.equal(r.code, 2, args.join(' '));
    assert.equal(r.out, '', args.join(' '));
    assert.match(r.err, message, args.join(' '));
    assert.match(r.err, /^Usage: |^Usage:$/m, `${args.join(' ')}: the usage lines`);
    assert.doesNotMatch(r.err, /^Options:/m, `${args.join(' ')}: not the whole --help`);
    assert.doesNotMatch(r.err, /Did you forget|To specify/, `${args.join(' ')}: not Node's parseArgs advice`);
    assert.match(r.err, new RegExp(`trace-doctor ${args[0]} --help`), args.join(' '));
    assert.ok(r.err.split('\n').length <= 14, `${args.join(' ')}: fits on a screen (${r.err.split('\n').length} lines)`);
  }
});

test('h25: every --help states the exit codes, including 3 for an internal error', async () => {
  for (const c of ['stats', 'diagnose', 'flame', 'serve', 'fetch', 'eval']) {
    const r = await cli([c, '--help']);
    assert.equal(r.code, 0);
    assert.match(r.out, /Exit codes?:[^]*\b0 [^]*\b2 [^]*\b3 internal/, c);
  }
});

// ---- JUnit ----------------------------------------------------------------------------------------------------

const HOSTILE = 'op <x> & "q" \'s ]]> \u0001\u001b[31m \ud800 \uffff';

function fakeDiagnosis(): Diagnosis {
  const c = {
    service: `svc ${HOSTILE}`,
    name: `GET ${HOSTILE}`,
    kind: 'self_time',
    impactMs: 42.4,
    confidence: 0.9,
    summary: `summary ${HOSTILE}`,
    evidence: [`evidence ${HOSTILE}`],
  };
  return { rootCause: c, candidates: [c], notes: [`note ${HOSTILE}`] } as unknown as Diagnosis;
}
const gateOf = (fail: boolean): GateResult =>
  ({
    active: true,
    verdict: fail ? 'regression' : 'pass',
    checks: [
      { name: 'latency', status: fail ? 'fail' : 'pass', detail: `p95 end-to-end 10 ms → 20 ms (+100 %) ${HOSTILE}` },
      { name: 'errors', status: 'pass', detail: 'traces with errors 0/10 (0.0 %) → 0/10 (0.0 %)' },
    ],
    endToEnd: { percentile: 'p95' },
    exitCode: fail ? 1 : 0,
  }) as unknown as GateResult;

test('h25: JUnit XML of the gate is well-formed whatever the span names hold (escaped, XML-invalid characters as \\uXXXX)', () => {
  assert.equal(xmlText('a<b>&"\''), 'a&lt;b&gt;&amp;&quot;&apos;');
  assert.equal(xmlText('\u0001\u001b \ud800 \uffff ok \ud83d\ude00'), '\\u0001\\u001b \\ud800 \\uffff ok \ud83d\ude00');
  const opts = { seconds: 1.5, timestamp: '2026-12-07T04:00:00', baseline: [`b ${HOSTILE}.json`], incident: ['i.json'] };
  const failed = toJunit(fakeDiagnosis(), gateOf(true), opts);
  assertWellFormed(failed);
  assert.match(failed, /<testsuites name="trace-doctor" tests="2" failures="1" errors="0" time="1\.500">/);
  assert.match(failed, /<testcase classname="trace-doctor\.gate" name="latency" time="0">\n\s+<failure type="regression" message="p95 end-to-end 10 ms → 20 ms \(\+100 %\) op &lt;x&gt; &amp; &quot;q&quot;/);
  assert.match(failed, /Root cause: svc op &lt;x&gt;[^\n]* \(own time\), effect \+42 ms per trace, confidence 0\.90\./);
  assert.doesNotMatch(failed, /[\u0001\u001b\ud800\uffff]/);
  const passed = toJunit(fakeDiagnosis(), gateOf(false), opts);
  assertWellFormed(passed);
  assert.match(passed, /failures="0"/);
  assert.doesNotMatch(passed, /<failure/);
  // the checker itself rejects what it should (so the passes above mean something)
  assert.throws(() => assertWellFormed('<a><b></a>'));
  assert.throws(() => assertWellFormed('<a>\u0001</a>'));
});

test('h25: diagnose --junit-output writes the gate as JUnit (failure on the regression, none on the same run) and needs a gate option', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'h25-junit-'));
  try {
    const j = join(dir, 'gate.xml');
    const r = await cli(['diagnose', '--baseline', NORMAL, '--incident', SPIKED, '--fail-on', 'regression', '--junit-output', j]);
    assert.equal(r.code, 1, r.err);
    const xml = readFileSync(j, 'utf8');
    assertWellFormed(xml);
    assert.match(xml, /<testsuite name="trace-doctor performance gate" tests="3" failures="1"/);
    assert.match(xml, /<failure type="regression" message="p95 end-to-end [^"]+slower beyond noise/);
    assert.match(xml, /Root cause: pre-processor \/ preprocess-request/);
    const same = await cli(['diagnose', '--baseline', SPIKED, '--incident', SPIKED, '--fail-on', 'regression', '--junit-output', j]);
    assert.equal(same.code, 0, same.err);
    assert.match(readFileSync(j, 'utf8'), /failures="0"/);
    const noGate = await cli(['diagnose', '--baseline', NORMAL, '--incident', SPIKED, '--junit-output', join(dir, 'x.xml')]);
    assert.equal(noGate.code, 2);
    assert.match(noGate.err, /--junit-output reports the gate's checks: add --fail-on regression/);
    assert.ok(!existsSync(join(dir, 'x.xml')));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('h25: a report that cannot be written names the option and the file, leaves no temporary file and keeps the old one', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'h25-atomic-'));
  try {
    const target = join(dir, 'r.sarif');
    writeFileSync(target, 'old');
    writeFileAtomic(target, 'new');
    assert.equal(readFileSync(target, 'utf8'), 'new');
    assert.deepEqual(readdirSync(dir), ['r.sarif'], 'no temporary file left');
    // a directory in the way: the write fails, nothing else is left behind
    const blocked = join(dir, 'blocked.sarif');
    (await import('node:fs')).mkdirSync(blocked);
    assert.throws(() => writeFileAtomic(blocked, 'x'));
    assert.deepEqual(readdirSync(dir).sort(), ['blocked.sarif', 'r.sarif']);
    const r = await cli(['diagnose', '--baseline', NORMAL, '--incident', SPIKED, '--fail-on', 'regression', '--sarif-output', join(dir, 'missing', 'x.sarif')]);
    assert.equal(r.code, 2);
    assert.match(r.err, /^trace-doctor diagnose: --sarif-output \S+missing\/x\.sarif: cannot write the report: ENOENT: no such file or directory$/m);
    assert.doesNotMatch(r.err, /\.tmp/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

// ---- progress -------------------------------------------------------------------------------------------------

test('h25: progress only for a person at a terminal — not under CI=true (a pseudo-terminal runner), TERM=dumb or TRACE_DOCTOR_NO_PROGRESS', async () => {
  const { progressWanted, loadForCli } = await import('../../../src/cli/load');
  assert.equal(progressWanted({}, true), true);
  assert.equal(progressWanted({}, false), false);
  assert.equal(progressWanted({ CI: 'true' }, true), false);
  assert.equal(progressWanted({ CI: '1' }, true), false);
  assert.equal(progressWanted({ CI: 'false' }, true), true);
  assert.equal(progressWanted({ CI: '' }, true), true);
  assert.equal(progressWanted({ TERM: 'dumb' }, true), false);
  assert.equal(progressWanted({ TRACE_DOCTOR_NO_PROGRESS: '1' }, true), false);
  // the real load on a (pretended) terminal: progress lines with CI unset, none with CI=true
  const stderr = process.stderr as unknown as { isTTY?: boolean; write: (...a: unknown[]) => boolean };
  const saved = { isTTY: stderr.isTTY, write: stderr.write, ci: process.env.CI };
  let written = '';
  try {
    stderr.isTTY = true;
    stderr.write = (s: unknown) => ((written += String(s)), true);
    delete process.env.CI;
    await loadForCli([SPIKED], 'incident');
    assert.match(written, /\r/, 'progress on a terminal');
    written = '';
    process.env.CI = 'true';
    await loadForCli([SPIKED], 'incident');
    assert.equal(written, '', 'nothing under CI=true');
  } finally {
    stderr.isTTY = saved.isTTY;
    stderr.write = saved.write;
    if (saved.ci === undefined) delete process.env.CI;
    else process.env.CI = saved.ci;
  }
});

// ---- stdin and glob patterns ----------------------------------------------------------------------------------

test("h25: '-' reads the traces piped into stdin (gzip too), errors name '-', stdin is read once and never from a terminal", async () => {
  const { loadForCli, resetStdinForTests } = await import('../../../src/cli/load');
  const { Readable } = await import('node:stream');
  const { gzipSync } = await import('node:zlib');
  const text = readFileSync(SPIKED);
  resetStdinForTests();
  const run = await loadForCli(['-'], 'incident', {}, Readable.from([gzipSync(text)]));
  assert.equal(run.model.size, (await loadForCli([SPIKED], 'incident')).model.size);
  assert.deepEqual(run.files, ['-']);
  await assert.rejects(loadForCli(['-'], 'baseline', {}, Readable.from([text])), /baseline: '-' \(stdin\) can be read once/);
  resetStdinForTests();
  await assert.rejects(loadForCli(['-'], 'incident', {}, Readable.from([text.subarray(0, 5000)])), (e: Error) => {
    assert.match(e.message, /^incident: -:1:5001: unterminated string/);
    assert.doesNotMatch(e.message, /trace-doctor-stdin/, 'not the temporary file');
    return true;
  });
  resetStdinForTests();
  const tty = Object.assign(Readable.from([text]), { isTTY: true });
  await assert.rejects(loadForCli(['-'], undefined, {}, tty), /stdin is a terminal: pipe them in/);
  resetStdinForTests();
  // no temporary file is left behind
  assert.deepEqual(readdirSync(tmpdir()).filter((f) => f.startsWith('trace-doctor-stdin-') && existsSync(join(tmpdir(), f, 'stdin'))), []);
});

test('h25: a glob pattern (quoted in CI YAML, or from a Windows shell that does not expand it) reads the files it matches', async () => {
  const { loadForCli } = await import('../../../src/cli/load');
  const dir = mkdtempSync(join(tmpdir(), 'h25-glob-'));
  try {
    const { mkdirSync, copyFileSync } = await import('node:fs');
    mkdirSync(join(dir, 'sub'));
    copyFileSync(NORMAL, join(dir, 'a.json'));
    copyFileSync(SPIKED, join(dir, 'b.json'));
    copyFileSync(SPIKED, join(dir, 'sub', 'c.json'));
    writeFileSync(join(dir, 'notes.txt'), 'not traces');
    const flat = await loadForCli([join(dir, '*.json')], 'incident');
    assert.deepEqual(flat.files.map((f) => f.slice(dir.length + 1)).sort(), ['a.json', 'b.json']);
    const deep = await loadForCli([join(dir, '**', '*.json')], 'incident');
    assert.equal(deep.files.length, 3);
    await assert.rejects(loadForCli([join(dir, '*.jsonl.gz')], 'baseline'), /^Error: baseline: no file matches \S+\*\.jsonl\.gz \(a glob pattern/);
    await assert.rejects(loadForCli([join(dir, '*.json')], 'incident', { maxFiles: 1 }), /matches 2 files, more than 1: narrow the pattern/);
    // a file whose name holds glob characters is that file
    copyFileSync(NORMAL, join(dir, 'run[1].json'));
    assert.deepEqual((await loadForCli([join(dir, 'run[1].json')], 'incident')).files, [join(dir, 'run[1].json')]);
    // through the command: stats and diagnose take patterns where they take paths
    const r = await cli(['stats', '--json', join(dir, '*.json')]);
    assert.equal(r.code, 0, r.err);
    assert.equal(JSON.parse(r.out).files.length, 3, "a.json, b.json, run[1].json");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('h25: an input read in part (truncated) is said in the machine-readable reports, not only on stderr; --strict refuses to judge it', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'h25-trunc-'));
  try {
    // a real incident (TrainTicket network delay) cut in the middle of its last line (a collector still writing, an
    // artifact upload cut short)
    const RF = join(root, 'test', 'fixtures', 'real-faults');
    const { gunzipSync } = await import('node:zlib');
    const text = gunzipSync(readFileSync(join(RF, 'cases', 'tt-network-delay-ts-security-service-0130-1400', 'incident.jsonl.gz'))).toString('utf8');
    const cut = join(dir, 'spiked-cut.jsonl');
    writeFileSync(cut, text.slice(0, text.lastIndexOf('\n', text.length - 2) + 200));
    const BASE = join(RF, 'baselines', 'trainticket-2023-01-30-1139.jsonl.gz');
    const j = join(dir, 'gate.xml');
    const r = await cli(['diagnose', '--baseline', BASE, '--incident', cut, '--fail-on', 'regression', '--format', 'json', '--junit-output', j]);
    assert.equal(r.code, 1, r.err);
    assert.match(r.err, /^warning \(incident\): /m);
    const notes: string[] = JSON.parse(r.out).notes;
    const note = notes.find((n) => n.startsWith('incident: read with problems'));
    assert.ok(note, notes.join('\n'));
    assert.match(note!, /^incident: read with problems — 1 JSON line\(s\) skipped, 1 problem\(s\); first: \S+spiked-cut\.jsonl:\d+: line skipped: .*truncated file\?\); the diagnosis uses what could be read$/);
    assert.ok(!notes.some((n) => n.startsWith('baseline: read with problems')), 'the clean side is not named');
    assert.match(readFileSync(j, 'utf8'), /Note: incident: read with problems/);
    const md = await cli(['diagnose', '--baseline', BASE, '--incident', cut, '--format', 'markdown']);
    assert.match(md.out, /incident\\: read with problems/);
    const strict = await cli(['diagnose', '--baseline', BASE, '--incident', cut, '--fail-on', 'regression', '--strict']);
    assert.equal(strict.code, 2);
    assert.match(strict.err, /^trace-doctor diagnose: incident: read with problems — .* \(--strict: not judged\)$/m);
    assert.equal(strict.out, '');
    // clean inputs: no such note, and --strict changes nothing
    const clean = await cli(['diagnose', '--baseline', NORMAL, '--incident', SPIKED, '--fail-on', 'regression', '--strict', '--format', 'json']);
    assert.equal(clean.code, 1, clean.err);
    assert.ok(!JSON.parse(clean.out).notes.some((n: string) => /read with problems/.test(n)));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('h25: a source path recorded on a Windows agent (C:\\…) or in a container (/app/…) is placed in the checkout by its longest existing tail, never as a bogus SARIF uri', async () => {
  const { foreignPath, suffixUnder } = await import('../../../src/cli/commands/diagnose');
  assert.deepEqual(foreignPath('C:\\build\\ml\\preprocessor\\preprocessor.py', 'linux'), ['build', 'ml', 'preprocessor', 'preprocessor.py']);
  assert.deepEqual(foreignPath('\\\\server\\share\\a.py', 'linux'), ['server', 'share', 'a.py']);
  assert.deepEqual(foreignPath('src\\a.py', 'linux'), ['src', 'a.py']);
  assert.equal(foreignPath('src/a.py', 'linux'), null);
  assert.equal(foreignPath('C:\\x\\a.py', 'win32'), null);
  const ml = join(root, 'examples', 'ml-pipeline');
  assert.equal(suffixUnder(ml, ['build', 'ml', 'preprocessor', 'preprocessor.py']), 'preprocessor/preprocessor.py');
  assert.equal(suffixUnder(ml, ['app', 'x', 'preprocessor.py']), null, 'a bare file name is not enough');
  // never outside the root: '../preprocessor/preprocessor.py' from ml-pipeline/preprocessor exists, but is not taken
  assert.equal(suffixUnder(join(ml, 'preprocessor'), ['..', 'preprocessor', 'preprocessor.py']), null);

  // through diagnose: the example with the Windows path of its root-cause span as code.* attributes
  const dir = mkdtempSync(join(tmpdir(), 'h25-win-'));
  try {
    const withPath = (src: string, out: string, file: string) => {
      const d = JSON.parse(readFileSync(src, 'utf8'));
      for (const rs of d.resourceSpans) for (const ss of rs.scopeSpans) for (const sp of ss.spans) {
        if (sp.name === 'preprocess-request') (sp.attributes ??= []).push({ key: 'code.filepath', value: { stringValue: file } }, { key: 'code.lineno', value: { intValue: '87' } });
      }
      writeFileSync(out, JSON.stringify(d));
    };
    for (const [file, expected] of [
      ['C:\\build\\ml\\preprocessor\\preprocessor.py', 'preprocessor/preprocessor.py'],
      ['/app/preprocessor/preprocessor.py', 'preprocessor/preprocessor.py'],
    ] as const) {
      withPath(NORMAL, join(dir, 'n.json'), file);
      withPath(SPIKED, join(dir, 's.json'), file);
      const r = await cli(['diagnose', '--baseline', join(dir, 'n.json'), '--incident', join(dir, 's.json'), '--fail-on', 'regression', '--format', 'sarif', '--srcroot', ml]);
      assert.equal(r.code, 1, r.err);
      const result = JSON.parse(r.out).runs[0].results[0];
      assert.deepEqual(result?.locations?.[0]?.physicalLocation?.artifactLocation, { uri: expected, uriBaseId: 'SRCROOT' }, file);
    }
    // a checkout without that file: no location (a notification), not 'C%3A%5Cbuild…'
    const r = await cli(['diagnose', '--baseline', join(dir, 'n.json'), '--incident', join(dir, 's.json'), '--fail-on', 'regression', '--format', 'sarif', '--srcroot', dir]);
    assert.doesNotMatch(r.out, /%5C|C%3A/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("h25: 'trace-doctor help diagnose' is diagnose --help; a mistyped command names the closest one", async () => {
  const h = await cli(['help', 'diagnose']);
  assert.equal(h.code, 0);
  assert.equal(h.out, (await cli(['diagnose', '--help'])).out);
  const typo = await cli(['diagnos', '--baseline', 'x']);
  assert.equal(typo.code, 2);
  assert.match(typo.err, /^trace-doctor: unknown command 'diagnos' \(did you mean 'diagnose'\?\)$/m);
  assert.match((await cli(['flam'])).err, /did you mean 'flame'\?/);
  assert.match((await cli(['zzzzzz'])).err, /^trace-doctor: unknown command 'zzzzzz'$/m);
  // the command list reads as one list: every summary starts in lower case
  for (const line of (await cli(['--help'])).out.split('\n').filter((l) => /^ {2}\S/.test(l))) assert.match(line, /^ {2}\S+\s+[a-z]/, line);
});

test('h25: the HTML report shows bidi overrides from trace data as \\u202e (applied, a name and everything after it read backwards)', async () => {
  const { loadTraces } = await import('../../../src/sources/file');
  const { analyze } = await import('../../../src/core/rca/analyze');
  const { toFlameData } = await import('../../../src/core/diff/flame-data');
  const { renderFlameReport } = await import('../../../src/core/report/html');
  const dir = mkdtempSync(join(tmpdir(), 'h25-bidi-'));
  try {
    const evil = 'pay\u202egnp.exe'; // reads "payexe.png" when the override is applied
    for (const f of [NORMAL, SPIKED]) writeFileSync(join(dir, f.split('/').pop()!), readFileSync(f, 'utf8').split('"pre-processor"').join(JSON.stringify(evil)));
    const b = await loadTraces(join(dir, 'normal.json'));
    const i = await loadTraces(join(dir, 'spiked.json'));
    const a = analyze(b.model, i.model);
    assert.equal(a.diagnosis.rootCause?.service, evil);
    const html = renderFlameReport({ js: '', css: '', nonce: 'abcdefghijklmnopqrstuv', data: toFlameData(a.diff, a.diagnosis), diagnosis: a.diagnosis });
    assert.ok(!/[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/.test(html), 'no raw bidi control anywhere in the report');
    assert.match(html, /<strong>pay\\u202egnp\.exe · preprocess-request<\/strong>/, 'the headline');
    const data = JSON.parse(/<script type="application\/json" id="flame-data">(.*?)<\/script>/s.exec(html)![1]!);
    assert.ok(JSON.stringify(data).includes('pay\\\\u202egnp.exe'), 'the flame graph data the boxes are drawn from');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('h25: flame — a run read in part is said in the report\'s notes, not only on stderr', async () => {
  const { buildFlameReport } = await import('../../../src/cli/commands/flame');
  const { gunzipSync } = await import('node:zlib');
  const { mkdirSync } = await import('node:fs');
  const dir = mkdtempSync(join(tmpdir(), 'h25-flame-trunc-'));
  try {
    mkdirSync(join(dir, 'webview'));
    writeFileSync(join(dir, 'webview', 'flame.js'), '');
    writeFileSync(join(dir, 'webview', 'flame.css'), '');
    const RF = join(root, 'test', 'fixtures', 'real-faults');
    const text = gunzipSync(readFileSync(join(RF, 'cases', 'tt-network-delay-ts-security-service-0130-1400', 'incident.jsonl.gz'))).toString('utf8');
    const cut = join(dir, 'cut.jsonl');
    writeFileSync(cut, text.slice(0, text.lastIndexOf('\n', text.length - 2) + 200));
    let err = '';
    const r = await buildFlameReport({ baseline: [join(RF, 'baselines', 'trainticket-2023-01-30-1139.jsonl.gz')], incident: [cut], assetsDir: dir }, { out: () => {}, err: (s) => (err += s) });
    assert.match(err, /^warning \(incident\): /m);
    assert.ok(r.diagnosis?.notes.some((n) => /^incident: read with problems — 1 JSON line\(s\) skipped/.test(n)), r.diagnosis?.notes.join('\n'));
    assert.match(r.html, /incident: read with problems — 1 JSON line\(s\) skipped/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('h25: fetch -o writes the file whole (a temporary file renamed); an unwritable -o is one line naming it, exit 2', async () => {
  const { createServer } = await import('node:http');
  const body = readFileSync(SPIKED);
  const srv = createServer((_q, r) => r.writeHead(200, { 'content-type': 'application/json' }).end(body));
  await new Promise<void>((ok) => srv.listen(0, '127.0.0.1', ok));
  const url = `http://127.0.0.1:${(srv.address() as { port: number }).port}/traces.json`;
  const dir = mkdtempSync(join(tmpdir(), 'h25-fetch-'));
  try {
    const out = join(dir, 'incident.json');
    const r = await cli(['fetch', url, '-o', out]);
    assert.equal(r.code, 0, r.err);
    assert.deepEqual(readFileSync(out), body);
    assert.deepEqual(readdirSync(dir), ['incident.json'], 'no temporary file left');
    const bad = await cli(['fetch', url, '-o', join(dir, 'missing', 'x.json')]);
    assert.equal(bad.code, 2);
    assert.match(bad.err, /^trace-doctor fetch: -o \S+missing\/x\.json: cannot write: ENOENT: no such file or directory$/m);
    assert.doesNotMatch(bad.err, /\.tmp|internal error/);
  } finally {
    srv.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('h25: --github-annotations prints one ::error per failed check on stderr, at the root cause\'s line; trace text cannot end or add a command', async () => {
  const { githubAnnotations, escapeData } = await import('../../../src/cli/github');
  const ml = join(root, 'examples', 'ml-pipeline');
  const r = await cli(['diagnose', '--baseline', NORMAL, '--incident', SPIKED, '--workspace', ml, '--fail-on', 'regression', '--github-annotations', '--format', 'json']);
  assert.equal(r.code, 1);
  JSON.parse(r.out); // stdout is still the JSON alone
  const lines = r.err.split('\n').filter((l) => l.startsWith('::'));
  assert.equal(lines.length, 1, r.err);
  assert.match(lines[0]!, /^::error file=examples\/ml-pipeline\/preprocessor\/preprocessor\.py,line=87,title=Trace Doctor%3A latency regression::p95 end-to-end 812 ms → 3\.04 s \(\+274 %25\); slower beyond noise .*%0ARoot cause: pre-processor \/ preprocess-request \(queueing\), effect \+823 ms per trace\./);
  // a pass prints none
  const pass = await cli(['diagnose', '--baseline', SPIKED, '--incident', SPIKED, '--fail-on', 'regression', '--github-annotations']);
  assert.equal(pass.code, 0);
  assert.doesNotMatch(pass.err, /^::/m);
  // hostile names: one line, the runner's escapes
  const evil = 'x\n::add-mask::secret\r% , :';
  const d = { rootCause: { service: evil, name: 'op', kind: 'self_time', impactMs: 5, confidence: 0.9, summary: evil, evidence: [], source: { file: `a${evil}.py`, line: 3 } }, candidates: [], notes: [] } as unknown as Diagnosis;
  const out = githubAnnotations(d, gateOf(true), (f) => f);
  assert.equal(out.length, 1);
  assert.ok(!/[\r\n]/.test(out[0]!), 'a single line');
  assert.match(out[0]!, /^::error file=ax%0A%3A%3Aadd-mask%3A%3Asecret%0D%25 %2C %3A\.py,line=3,title=/);
  assert.equal(escapeData('50% \n'), '50%25 %0A');
});

test('h25: no line of stats or diagnose output starts with trace text that a GitHub Actions runner reads as a command', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'h25-cmd-'));
  try {
    const evil = '::add-mask::pre';
    for (const f of [NORMAL, SPIKED]) writeFileSync(join(dir, f.split('/').pop()!), readFileSync(f, 'utf8').split('"pre-processor"').join(JSON.stringify(evil)));
    const st = await cli(['stats', join(dir, 'spiked.json')]);
    assert.equal(st.code, 0, st.err);
    assert.match(st.out, /^\\u003a:add-mask::pre /m, 'the service row, its first colon escaped');
    const dg = await cli(['diagnose', '--baseline', join(dir, 'normal.json'), '--incident', join(dir, 'spiked.json'), '--fail-on', 'regression']);
    for (const r of [st, dg]) for (const line of (r.out + r.err).split('\n')) assert.ok(!line.startsWith('::'), line);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('h25: the gate lines of the markdown report escape the entry point names they now carry (no link, mention or HTML from a span name)', async () => {
  const { renderMarkdown } = await import('../../../src/core/report/markdown');
  const evil = 'op [click](https://evil.example) @team <img src=x> | **b**';
  const gate = {
    active: true,
    verdict: 'regression',
    checks: [{ name: 'structure', status: 'fail', detail: `entry point ${evil}: spans per trace median 48 → 7.0` }],
    endToEnd: { percentile: 'p95', baselineMs: 1, incidentMs: 1, change: 0, meanBaselineMs: 1, meanIncidentMs: 1, traces: { baseline: 1, incident: 1 }, errors: { baseline: 0, incident: 0 }, errorRate: { baseline: 0, incident: 0, pValue: 1 } },
    exitCode: 1,
  } as unknown as GateResult;
  const md = renderMarkdown(fakeDiagnosis(), gate);
  const line = md.split('\n').find((l) => l.includes('**structure**'))!;
  assert.ok(line, md);
  assert.doesNotMatch(line, /\[click\]\(|https:\/\/evil|@team|<img|\| \*\*b/);
  assert.match(line, /spans per trace median 48 → 7\\\.0/);
});

test('h25: a gate line naming an entry point with a newline in its name stays one line in the terminal', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'h25-gate-nl-'));
  try {
    const RF = join(root, 'test', 'fixtures', 'real-faults');
    const { gunzipSync } = await import('node:zlib');
    // the real OnlineBoutique "return" fault (its structure check names the frontend entry point) with a newline in it
    const name = (t: string) => t.split('"frontend"').join(JSON.stringify('front\nFAIL  fake: line'));
    writeFileSync(join(dir, 'b.jsonl'), name(gunzipSync(readFileSync(join(RF, 'baselines', 'onlineboutique-2022-08-22-0353.jsonl.gz'))).toString('utf8')));
    writeFileSync(join(dir, 'i.jsonl'), name(gunzipSync(readFileSync(join(RF, 'cases', 'ob-return-frontend-0822-0402', 'incident.jsonl.gz'))).toString('utf8')));
    const r = await cli(['diagnose', '--baseline', join(dir, 'b.jsonl'), '--incident', join(dir, 'i.jsonl'), '--fail-on', 'regression']);
    assert.equal(r.code, 1, r.err);
    assert.match(r.out, /^ {2}FAIL {2}structure: entry point front\\u000aFAIL  fake: line/m);
    assert.doesNotMatch(r.out, /^FAIL {2}fake: line/m, 'no line of its own');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('--version and the SARIF tool version are the package\'s (one source, not a literal in two files)', async () => {
  const { VERSION } = await import('../../../src/cli/version');
  const pkg = JSON.parse(readFileSync(join(__dirname, '..', '..', '..', 'package.json'), 'utf8')) as { version: string };
  assert.equal(VERSION, pkg.version);
  let out = '';
  assert.equal(await main(['--version'], { out: (s) => (out += s), err: () => {} }), 0);
  assert.equal(out, `${pkg.version}\n`);
});
