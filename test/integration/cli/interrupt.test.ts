// A cancelled CI job (SIGTERM) and Ctrl-C (SIGINT) end `trace-doctor` with one line on stderr and exit 143 / 130,
// leaving nothing behind: here while it reads traces piped into stdin (read as a stream since h27, before that spooled
// to a temporary folder: nothing may be left in TMPDIR either way). The CLI is bundled as dist/cli.js is, and run as a child process with a TMPDIR of its own.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as esbuild from 'esbuild';
import { cliBundle } from '../../../scripts/cli-build-options.mjs';

const root = join(__dirname, '..', '..', '..');
let dir = '';
let cli = '';

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'td-int-'));
  cli = join(dir, 'cli.js');
  await esbuild.build({ ...cliBundle, entryPoints: [join(root, 'src', 'cli', 'main.ts')], outfile: cli, logLevel: 'error' });
});
after(() => rmSync(dir, { recursive: true, force: true }));

for (const [sig, code] of [['SIGTERM', 143], ['SIGINT', 130]] as const) {
  test(`${sig} while stdin is read: exit ${code}, one line saying so, nothing left in TMPDIR`, async () => {
    const tmp = mkdtempSync(join(dir, 'tmp-'));
    const child = spawn(process.execPath, [cli, 'diagnose', '--baseline', join(root, 'examples', 'ml-pipeline', 'traces', 'normal.json'), '--incident', '-'], {
      env: { ...process.env, TMPDIR: tmp, CI: 'true' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let err = '';
    child.stderr.on('data', (b) => (err += b));
    // a pipe that stays open: the command waits for the rest. The unfinished document is padded with 1 MiB of
    // whitespace, far more than a pipe holds (64 KiB), so the write completes only once the command has read most of
    // it: it is then running and reading (its signal handlers are installed before any command starts). A fixed wait
    // of 1.5 s was not enough on a loaded machine: the bundle was still loading, the signal's default action ended it
    // (exit null) — a fresh clone's `npm test` failed that way (walkthrough 2026-12-07 pm).
    await new Promise<void>((r, j) => child.stdin.write('{"resourceSpans":[' + ' '.repeat(1 << 20), (e) => (e ? j(e) : r())));
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(child.exitCode, null, `still waiting for the rest of stdin: ${err}`);
    assert.deepEqual(readdirSync(tmp), [], 'stdin is read as a stream: nothing is written to TMPDIR while it arrives');
    const done = new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
    child.kill(sig);
    const exit = await done;
    assert.equal(exit, code, err);
    assert.match(err, new RegExp(`interrupted \\(${sig}\\); no partial output was written`));
    assert.deepEqual(readdirSync(tmp), [], 'nothing left in the temporary folder');
  });
}
