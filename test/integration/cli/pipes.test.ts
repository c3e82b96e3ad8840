// Pipes as input (h27): `trace-doctor stats <(zcat x.json.gz)`, `diagnose --baseline <(…) --incident <(…)`, a named
// pipe (mkfifo) whose writer starts late or never closes, /proc files that report size 0. The CLI bundled as
// dist/cli.js is, run as a child process; the writers are child processes too (a FIFO's open blocks the writer until
// the reader opens it, so the test's own event loop must stay free).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as esbuild from 'esbuild';
import { cliBundle } from '../../../scripts/cli-build-options.mjs';

const root = join(__dirname, '..', '..', '..');
const NORMAL = join(root, 'examples', 'ml-pipeline', 'traces', 'normal.json');
const SPIKED = join(root, 'examples', 'ml-pipeline', 'traces', 'spiked.json');
let dir = '';
let cli = '';
let n = 0;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'td-pipes-'));
  cli = join(dir, 'cli.js');
  await esbuild.build({ ...cliBundle, entryPoints: [join(root, 'src', 'cli', 'main.ts')], outfile: cli, logLevel: 'error' });
});
after(() => rmSync(dir, { recursive: true, force: true }));

function fifo(): string {
  const p = join(dir, `pipe-${++n}`);
  assert.equal(spawnSync('mkfifo', [p]).status, 0);
  return p;
}

/** A writer process: after `delayMs`, opens `path`, writes `file`'s bytes (or `text`), then closes it — or, with `hold`, keeps it open. */
function writer(path: string, src: { file?: string; text?: string }, o: { delayMs?: number; hold?: boolean } = {}): ChildProcess {
  const data = src.file ? `require('fs').readFileSync(${JSON.stringify(src.file)})` : JSON.stringify(src.text ?? '');
  const code =
    `setTimeout(() => { const fs = require('fs'); const fd = fs.openSync(${JSON.stringify(path)}, 'w'); fs.writeSync(fd, ${data}); ` +
    (o.hold ? `setTimeout(() => {}, 60000); }, ${o.delayMs ?? 0});` : `fs.closeSync(fd); }, ${o.delayMs ?? 0});`);
  return spawn(process.execPath, ['-e', code], { stdio: 'ignore' });
}

function runCli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const c = spawn(process.execPath, [cli, ...args], { env: { ...process.env, CI: 'true', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    c.stdout.on('data', (b) => (out += b));
    c.stderr.on('data', (b) => (err += b));
    const t = setTimeout(() => c.kill('SIGKILL'), 60_000);
    c.on('close', (code) => {
      clearTimeout(t);
      resolve({ code, out, err });
    });
  });
}

function statsJson(args: string[]): { spans: number; traces: number; formats: string[] } {
  const r = spawnSync(process.execPath, [cli, 'stats', '--json', ...args], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout);
}

test('stats reads a named pipe whose writer starts late, as it reads the file', async () => {
  const p = fifo();
  const w = writer(p, { file: NORMAL }, { delayMs: 700 });
  const r = await runCli(['stats', '--json', p]);
  w.kill();
  assert.equal(r.code, 0, r.err);
  const got = JSON.parse(r.out);
  const want = statsJson([NORMAL]);
  assert.equal(got.spans, want.spans);
  assert.equal(got.traces, want.traces);
  assert.deepEqual(got.files, [p]);
  assert.doesNotMatch(r.err, /waiting for/, 'not a terminal: nothing said about the wait');
});

test('a gzip file and a single JSON document through pipes; diagnose --baseline <pipe> --incident <pipe> = the files', async () => {
  const gz = join(dir, 'spiked.json.gz');
  writeFileSync(gz, gzipSync(readFileSync(SPIKED)));
  const p1 = fifo();
  const w1 = writer(p1, { file: gz });
  const r = await runCli(['stats', '--json', p1]);
  w1.kill();
  assert.equal(r.code, 0, r.err);
  assert.equal(JSON.parse(r.out).spans, statsJson([SPIKED]).spans);
  // one JSON document (not JSON Lines), pretty-printed
  const doc = join(dir, 'doc.json');
  writeFileSync(doc, JSON.stringify(JSON.parse(readFileSync(NORMAL, 'utf8').split('\n')[0]!), null, 2));
  const p2 = fifo();
  const w2 = writer(p2, { file: doc });
  const d = await runCli(['stats', '--json', p2]);
  w2.kill();
  assert.equal(d.code, 0, d.err);
  assert.equal(JSON.parse(d.out).spans, statsJson([doc]).spans);
  // both sides of diagnose
  const [b, i] = [fifo(), fifo()];
  const wb = writer(b, { file: NORMAL }, { delayMs: 200 });
  const wi = writer(i, { file: gz }, { delayMs: 400 });
  const viaPipes = await runCli(['diagnose', '--json', '--baseline', b, '--incident', i]);
  wb.kill();
  wi.kill();
  assert.equal(viaPipes.code, 0, viaPipes.err);
  const viaFiles = await runCli(['diagnose', '--json', '--baseline', NORMAL, '--incident', SPIKED]);
  const [a, f] = [JSON.parse(viaPipes.out), JSON.parse(viaFiles.out)];
  assert.equal(a.rootCause.name, f.rootCause.name);
  assert.equal(a.rootCause.service, 'pre-processor');
  assert.equal(a.latency.baselineMs, f.latency.baselineMs);
  assert.equal(a.latency.incidentMs, f.latency.incidentMs);
});

test('bash process substitution: stats <(zcat x.json.gz), diagnose --baseline <(cat …) --incident <(zcat …)', async (t) => {
  if (spawnSync('bash', ['-c', 'true']).status !== 0) return t.skip('no bash');
  const gz = join(dir, 'spiked-ps.json.gz');
  writeFileSync(gz, gzipSync(readFileSync(SPIKED)));
  const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  const node = q(process.execPath);
  const r = spawnSync('bash', ['-c', `${node} ${q(cli)} stats --json <(zcat ${q(gz)})`], { encoding: 'utf8', env: { ...process.env, CI: 'true' } });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(JSON.parse(r.stdout).spans, statsJson([SPIKED]).spans);
  const d = spawnSync('bash', ['-c', `${node} ${q(cli)} diagnose --json --baseline <(cat ${q(NORMAL)}) --incident <(zcat ${q(gz)})`], {
    encoding: 'utf8',
    env: { ...process.env, CI: 'true' },
  });
  assert.equal(d.status, 0, d.stderr);
  assert.equal(JSON.parse(d.stdout).rootCause.service, 'pre-processor');
});

test('a pipe cut short: exit 2, the position, and that the pipe ended after N bytes', async () => {
  const p = fifo();
  const w = writer(p, { text: '{"resourceSpans":[{"resource":{}' });
  const r = await runCli(['stats', p]);
  w.kill();
  assert.equal(r.code, 2, r.err);
  assert.match(r.err, /pipe-\d+:1:33: expected ',' or '\}' after property value .*\(a pipe; 32 bytes read before it ended\)/);
  // nothing at all before the writer closed it
  const p2 = fifo();
  const w2 = writer(p2, { text: '' });
  const e = await runCli(['stats', p2]);
  w2.kill();
  assert.equal(e.code, 2);
  assert.match(e.err, /empty file: no trace data \(nothing came through this pipe before it ended\)/);
});

for (const [sig, code] of [['SIGTERM', 143], ['SIGINT', 130]] as const) {
  test(`a writer that never closes the pipe: ${sig} ends the wait (exit ${code}), no notice off a terminal`, async () => {
    const p = fifo();
    const w = writer(p, { text: '{"resourceSpans":[' }, { hold: true });
    const c = spawn(process.execPath, [cli, 'diagnose', '--baseline', NORMAL, '--incident', p], { env: { ...process.env, CI: 'true' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    c.stderr!.on('data', (b) => (err += b));
    const exited = new Promise<number | null>((resolve) => c.on('exit', (x) => resolve(x)));
    await new Promise((r) => setTimeout(r, 2500)); // past the 1 s after which a terminal is told what is awaited
    const t0 = Date.now();
    c.kill(sig);
    const x = await exited;
    w.kill();
    assert.equal(x, code, err);
    assert.ok(Date.now() - t0 < 5000, 'ends at once');
    assert.match(err, new RegExp(`interrupted \\(${sig}\\)`));
    assert.doesNotMatch(err, /waiting for/);
  });
}

test('a pipe nobody writes to: SIGTERM ends the wait (no thread is blocked in open())', async () => {
  const p = fifo();
  const c = spawn(process.execPath, [cli, 'stats', p], { env: { ...process.env, CI: 'true' }, stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<number | null>((resolve) => c.on('exit', (x) => resolve(x)));
  await new Promise((r) => setTimeout(r, 1500));
  c.kill('SIGTERM');
  assert.equal(await exited, 143);
});

test('a character device and a /proc file: /dev/null is empty, /dev/zero binary, /proc/self/status is read (not "empty file")', async () => {
  const nul = await runCli(['stats', '/dev/null']);
  assert.equal(nul.code, 2);
  assert.match(nul.err, /\/dev\/null: empty file: no trace data \(nothing came through this device before it ended\)/);
  const zero = await runCli(['stats', '/dev/zero']);
  assert.equal(zero.code, 2);
  assert.match(zero.err, /\/dev\/zero: binary data \(NUL byte at offset 0\)/);
  const proc = await runCli(['stats', '/proc/self/status']);
  assert.equal(proc.code, 2);
  assert.match(proc.err, /\/proc\/self\/status:1:1: not JSON: expected '\{' or '\[' but found "N"/);
  assert.doesNotMatch(proc.err, /empty file/);
});

// --max-stream SIZE (h28): the 4 GiB cap of an input whose size is unknown until it ends, as --max-download is for URLs
test('--max-stream SIZE bounds a pipe and stdin: exit 2 naming the limit and the flag; a larger SIZE reads it; a bad SIZE is a usage error', async () => {
  const size = readFileSync(NORMAL).length; // 969,829 bytes
  // a pipe
  const p = fifo();
  const w = writer(p, { file: NORMAL });
  const r = await runCli(['stats', p, '--max-stream', '512KiB']);
  w.kill();
  assert.equal(r.code, 2, r.err);
  assert.match(r.err, /pipe-\d+: more than 524,288 bytes \(512 KiB\) came through this pipe, the limit for an input whose size is not known before it ends; save the traces to a file and give the file, or raise the limit with --max-stream SIZE/);
  const p2 = fifo();
  const w2 = writer(p2, { file: NORMAL });
  const ok = await runCli(['stats', p2, '--max-stream', '1MiB', '--json']);
  w2.kill();
  assert.equal(ok.code, 0, ok.err);
  assert.equal(JSON.parse(ok.out).spans, JSON.parse(spawnSync(process.execPath, [cli, 'stats', NORMAL, '--json'], { encoding: 'utf8' }).stdout).spans);
  // stdin, through diagnose and flame (the role is named)
  const viaStdin = (args: string[]) => spawnSync(process.execPath, [cli, ...args], { input: readFileSync(NORMAL), encoding: 'utf8', env: { ...process.env, CI: 'true' } });
  const d = viaStdin(['diagnose', '--baseline', NORMAL, '--incident', '-', '--max-stream', '100000']);
  assert.equal(d.status, 2, d.stderr);
  assert.match(d.stderr, /incident: -: more than 100,000 bytes \(97\.7 KiB\) came through stdin, .*raise the limit with --max-stream SIZE/);
  const b = viaStdin(['diagnose', '--baseline', '-', '--incident', SPIKED, '--max-stream', '64KiB']);
  assert.equal(b.status, 2, b.stderr);
  assert.match(b.stderr, /baseline: -: more than 65,536 bytes \(64 KiB\) came through stdin/);
  assert.ok(size > 900_000);
  // flame takes it too (its bundle is not built here: only the option is checked)
  assert.match(spawnSync(process.execPath, [cli, 'flame', '--help'], { encoding: 'utf8' }).stdout, /--max-stream SIZE/);
  // usage
  const bad = spawnSync(process.execPath, [cli, 'stats', NORMAL, '--max-stream', '1000'], { encoding: 'utf8' });
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /--max-stream expects a size such as 512MiB, 2GiB or 1000000 \(bytes\), at least 1,024 bytes, got '1000'/);
  // the default says how to raise it too (the message of a 4 GiB stream, without sending 4 GiB: the help names it)
  assert.match(spawnSync(process.execPath, [cli, 'diagnose', '--help'], { encoding: 'utf8' }).stdout, /--max-stream SIZE .* at most SIZE read from each \(default 4GiB/s);
});
