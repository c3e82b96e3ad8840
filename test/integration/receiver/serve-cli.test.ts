/** `trace-doctor serve` as a user runs it: prints the endpoint and progress, SIGINT flushes and exits 0. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { emitTraces } from './sdk-emit';
import { flattenRequests, readJsonl, request } from './helpers';
import { loadInput } from '../../../src/sources/resolve-input';

const MAIN = join(__dirname, '..', '..', '..', 'src', 'cli', 'main.ts');

describe('trace-doctor serve', () => {
  it('receives, reports progress, and on SIGINT flushes the files and exits 0', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'td-serve-'));
    const out = join(dir, 'received');
    const child = spawn(process.execPath, ['--import', 'tsx', MAIN, 'serve', '--port', '0', '--out', out, '--interval', '0.2'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    const exited = new Promise<number | null>((r) => child.on('close', (c) => r(c)));
    const killer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    try {
      const waitFor = async (re: RegExp) => {
        for (let i = 0; i < 300 && !re.test(stdout); i++) await new Promise((r) => setTimeout(r, 100));
        const m = re.exec(stdout);
        assert.ok(m, `expected ${re} in output:\n${stdout}\n${stderr}`);
        return m;
      };
      const endpoint = (await waitFor(/listening on (http:\/\/127\.0\.0\.1:\d+\/v1\/traces)/))[1]!;
      const r = await emitTraces(endpoint, 'json', 10, { service: 'cli' });
      assert.equal(r.exportedOk, 30);
      // a refused request shows in the totals
      const refused = await request(endpoint, { headers: { 'Content-Type': 'application/json', Origin: 'http://rebind.example' }, body: '{}' });
      assert.equal(refused.status, 403);
      await waitFor(/spans 30 \(\+\d+\/s\)/);
      child.kill('SIGINT');
      assert.equal(await exited, 0, stderr);
      assert.match(stdout, /received 30 spans in \d+ requests?; refused requests by status: 403×1/);
      // the files are complete and readable by every other command through loadInput
      const run = await loadInput(out);
      assert.equal(run.model.size, 30);
      assert.equal(flattenRequests(readJsonl(run.files)).length, 30);
    } finally {
      clearTimeout(killer);
      if (child.exitCode === null) child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('rejects bad options with exit code 2', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', MAIN, 'serve', '--port', 'abc'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (c) => (stderr += c));
    const code = await new Promise<number | null>((r) => child.on('close', (c) => r(c)));
    assert.equal(code, 2);
    assert.match(stderr, /--port expects/);
  });

  const run = async (args: string[]) => {
    const child = spawn(process.execPath, ['--import', 'tsx', MAIN, 'serve', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (c) => (stderr += c));
    const killer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    const code = await new Promise<number | null>((r) => child.on('close', (c) => r(c)));
    clearTimeout(killer);
    return { code, stderr };
  };

  it('--out pointing at a regular file: a clear message and exit 2, no stack (issue 14)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'td-serve-file-'));
    try {
      const file = join(dir, 'spans.jsonl');
      writeFileSync(file, '');
      const r = await run(['--port', '0', '--out', file]);
      assert.equal(r.code, 2);
      assert.match(r.stderr, /--out: '.*spans\.jsonl' is a file, not a directory/);
      assert.doesNotMatch(r.stderr, /EEXIST|\n\s+at /);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('validates the limit and origin options', async () => {
    assert.match((await run(['--max-depth', '0'])).stderr, /--max-depth expects/);
    assert.match((await run(['--max-spans', '1.5'])).stderr, /--max-spans expects a positive integer/);
    const o = await run(['--allow-origin', 'localhost:3000']);
    assert.equal(o.code, 2);
    assert.match(o.stderr, /--allow-origin expects an origin like http:\/\/localhost:3000/);
  });
});
