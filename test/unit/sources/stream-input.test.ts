// loadTraces on inputs whose size is unknown until they end (h27): a named pipe (mkfifo) written by a child process —
// bounded by maxStreamBytes, a single document by the document limit, an AbortSignal ends the wait, onWait says what
// is awaited; the CLI tells a person at a terminal (and nobody else) what it waits for.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { Readable } from 'node:stream';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadTraces, TraceLoadError, type WaitInfo } from '../../../src/sources/file';

const NORMAL = join(__dirname, '..', '..', '..', 'examples', 'ml-pipeline', 'traces', 'normal.json');
let dir = '';
let n = 0;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'td-stream-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

function fifo(): string {
  const p = join(dir, `p${++n}`);
  assert.equal(spawnSync('mkfifo', [p]).status, 0);
  return p;
}

/** A child that opens `path` after `delayMs`, writes `code`'s result (a JS expression giving a string/Buffer) `times` times, then closes or holds it. */
function writer(path: string, code: string, o: { delayMs?: number; times?: number; hold?: boolean } = {}): ChildProcess {
  const js =
    `setTimeout(() => { const fs = require('fs'); const fd = fs.openSync(${JSON.stringify(path)}, 'w'); const d = ${code}; ` +
    `try { for (let i = 0; i < ${o.times ?? 1}; i++) fs.writeSync(fd, d); } catch {} ` +
    (o.hold ? `setTimeout(() => {}, 60000); }, ${o.delayMs ?? 0});` : `fs.closeSync(fd); }, ${o.delayMs ?? 0});`);
  return spawn(process.execPath, ['-e', js], { stdio: 'ignore' });
}

async function loadError(p: Promise<unknown>): Promise<TraceLoadError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof TraceLoadError, `expected TraceLoadError, got ${String(e)}`);
    return e;
  }
  assert.fail('expected the load to fail');
}

test('a pipe loads like the file it carries', async () => {
  const p = fifo();
  const w = writer(p, `fs.readFileSync(${JSON.stringify(NORMAL)})`, { delayMs: 100 });
  const [viaPipe, viaFile] = [await loadTraces(p), await loadTraces(NORMAL)];
  w.kill();
  assert.equal(viaPipe.model.size, viaFile.model.size);
  assert.deepEqual(viaPipe.formats, viaFile.formats);
  assert.deepEqual(viaPipe.issues, []);
});

test('a pipe that sends more than maxStreamBytes is refused, naming the limit', async () => {
  const p = fifo();
  const line = readFileSync(NORMAL, 'utf8').split('\n')[0]! + '\n';
  const w = writer(p, `fs.readFileSync(${JSON.stringify(NORMAL)}, 'utf8').split('\\n')[0] + '\\n'`, { times: Math.ceil((3 << 20) / line.length) });
  const e = await loadError(loadTraces(p, { maxStreamBytes: 1 << 20 }));
  w.kill();
  assert.match(e.message, /^.*p\d+: more than 1,048,576 bytes \(1 MiB\) came through this pipe, the limit for an input whose size is not known before it ends; save the traces to a file/);
});

test('a document that never ends (a writer holding the pipe open) is bounded too: maxStreamBytes counts every byte', async () => {
  // a document that never ends: "[" and then spaces, more than the 64 KiB head, held open — bounded by maxStreamBytes
  const p = fifo();
  const w = writer(p, `'[' + ' '.repeat(1 << 20)`, { times: 3, hold: true });
  const e = await loadError(loadTraces(p, { maxStreamBytes: 2 << 20 }));
  w.kill();
  assert.match(e.message, /more than 2,097,152 bytes \(2 MiB\) came through this pipe/);
});

test('an AbortSignal ends the wait for a writer that never comes; onWait says what is awaited', async () => {
  const p = fifo();
  const waits: WaitInfo[] = [];
  const ac = new AbortController();
  const t0 = Date.now();
  setTimeout(() => ac.abort(new Error('stopped by the test')), 1500);
  await assert.rejects(loadTraces(p, { signal: ac.signal, onWait: (w) => waits.push(w) }), /stopped by the test/);
  // without the signal the wait never ends; the bound is loose for a loaded machine (the abort comes at 1.5 s)
  assert.ok(Date.now() - t0 < 10000, `${Date.now() - t0} ms`);
  assert.deepEqual(waits[0], { file: p, kind: 'pipe', bytesRead: 0 });
  // a writer that sent a little and holds the pipe open: aborted once the wait notice says the 18 bytes came (a
  // fixed delay failed under load, when the writer's process took longer than it to start; h35)
  const p2 = fifo();
  const w = writer(p2, `'{"resourceSpans":['`, { hold: true });
  const ac2 = new AbortController();
  const waits2: WaitInfo[] = [];
  const t1 = Date.now();
  const poll = setInterval(() => {
    if (waits2.some((x) => x.bytesRead === 18) || Date.now() - t1 > 30000) {
      clearInterval(poll);
      ac2.abort(new Error('stopped again'));
    }
  }, 100);
  await assert.rejects(loadTraces(p2, { signal: ac2.signal, onWait: (x) => waits2.push(x) }), /stopped again/);
  clearInterval(poll);
  w.kill();
  assert.ok(waits2.some((x) => x.bytesRead === 18), JSON.stringify(waits2));
});

test('the CLI tells a person at a terminal what the pipe waits for — and nobody under CI=true', async () => {
  const { loadForCli } = await import('../../../src/cli/load');
  const stderr = process.stderr as unknown as { isTTY?: boolean; write: (...a: unknown[]) => boolean };
  const saved = { isTTY: stderr.isTTY, write: stderr.write, ci: process.env.CI };
  let written = '';
  try {
    stderr.isTTY = true;
    stderr.write = (s: unknown) => ((written += String(s)), true);
    delete process.env.CI;
    const p = fifo();
    const w = writer(p, `fs.readFileSync(${JSON.stringify(NORMAL)})`, { delayMs: 1600 });
    const run = await loadForCli([p], 'incident');
    w.kill();
    assert.equal(run.model.size, 1500);
    assert.match(written, /incident: waiting for .*p\d+ \(a pipe\): nothing written to it yet — is its writer running\? \(Ctrl-C stops\)/);
    written = '';
    process.env.CI = 'true';
    const p2 = fifo();
    const w2 = writer(p2, `fs.readFileSync(${JSON.stringify(NORMAL)})`, { delayMs: 1600 });
    await loadForCli([p2], 'incident');
    w2.kill();
    assert.equal(written, '', 'nothing under CI=true');
  } finally {
    stderr.isTTY = saved.isTTY;
    stderr.write = saved.write;
    if (saved.ci === undefined) delete process.env.CI;
    else process.env.CI = saved.ci;
  }
});

test("'-' with a stdin stream: read like a pipe, bounded by maxStreamBytes (an endless `yes` no longer fills TMPDIR)", async () => {
  const text = readFileSync(NORMAL);
  const run = await loadTraces('-', { stdin: Readable.from([text.subarray(0, 100_000), text.subarray(100_000)]) });
  assert.equal(run.model.size, 1500);
  assert.deepEqual(run.files, ['-']);
  // `yes '{"resourceSpans":[]}' | trace-doctor stats -`: every line is valid and empty, and it never ends
  const line = Buffer.from('{"resourceSpans":[]}\n'.repeat(4096));
  const endless = Readable.from((function* () {
    for (;;) yield line;
  })());
  const e = await loadError(loadTraces('-', { stdin: endless, maxStreamBytes: 8 << 20 }));
  assert.match(e.message, /^-: more than 8,388,608 bytes \(8 MiB\) came through stdin, the limit for an input whose size is not known before it ends/);
  assert.ok(endless.destroyed, 'stdin is let go');
  const empty = await loadError(loadTraces('-', { stdin: Readable.from([]) }));
  assert.match(empty.message, /^-: empty file: no trace data \(nothing came through stdin before it ended\)/);
});
