// `trace-doctor fetch URL` to stdout (h27): the traces are data for another program — redirected to a pipe or a file,
// stdout gets exactly the bytes `-o FILE` writes (a lone CR in the backend's JSON whitespace stays a CR; C1 and bidi
// characters inside strings stay themselves); on a terminal, control characters are escaped as in every human output.
// Served on 127.0.0.1; the bundled CLI (as dist/cli.js) runs as a child process with stdout on a pipe.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { spawn } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as esbuild from 'esbuild';
import { cliBundle } from '../../../scripts/cli-build-options.mjs';
import { main } from '../../../src/cli/main';
import type { CliIO } from '../../../src/cli/command';

const root = join(__dirname, '..', '..', '..');
// one OTLP request of the example, with a lone CR as JSON whitespace, and a span name holding U+202E (reads
// backwards) and U+0085 (a C1 control) as raw characters — valid JSON that a byte-exact copy must keep as they are
const line = readFileSync(join(root, 'examples', 'ml-pipeline', 'traces', 'normal.json'), 'utf8').split('\n')[0]!;
const BODY = line.replace('{', '{\r').replace('"name":"', '"name":"pay\u202egnp.exe\u0085 ') + '\n';
let server: http.Server;
let base = '';
let dir = '';
let cli = '';

before(async () => {
  assert.ok(BODY.includes('\u202e') && BODY.includes('\r'));
  dir = mkdtempSync(join(tmpdir(), 'td-fetch-out-'));
  cli = join(dir, 'cli.js');
  await esbuild.build({ ...cliBundle, entryPoints: [join(root, 'src', 'cli', 'main.ts')], outfile: cli, logLevel: 'error' });
  server = http.createServer((_req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(BODY);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(async () => {
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
  rmSync(dir, { recursive: true, force: true });
});

async function fetchInProcess(stdoutIsTerminal: boolean): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: CliIO = { out: (s) => (out += s), err: (s) => (err += s), stdoutIsTerminal };
  const code = await main(['fetch', `${base}/traces.json`], io);
  return { code, out, err };
}

test('stdout not a terminal (a pipe or a file): the bytes -o writes, a lone CR and raw U+202E / U+0085 kept', async () => {
  const r = await fetchInProcess(false);
  assert.equal(r.code, 0, r.err);
  assert.equal(r.out, BODY);
  const o = await main(['fetch', `${base}/traces.json`, '-o', join(dir, 'o.json')], { out: () => {}, err: () => {}, stdoutIsTerminal: false });
  assert.equal(o, 0);
  assert.equal(readFileSync(join(dir, 'o.json'), 'utf8'), r.out);
});

test('stdout a terminal: control and bidi characters escaped (\\u000d, \\u202e, \\u0085), the JSON value unchanged', async () => {
  const r = await fetchInProcess(true);
  assert.equal(r.code, 0, r.err);
  assert.doesNotMatch(r.out, /[\r\u0085\u202e]/);
  assert.match(r.out, /\{\\u000d/);
  assert.match(r.out, /pay\\u202egnp\.exe\\u0085 /);
  // the stderr summary is escaped either way
  assert.match(r.err, /trace-doctor fetch: 1500 spans in 125 trace\(s\) from url/);
});

test('the real entry point: stdout on a pipe gets the served bytes exactly', async () => {
  const child = spawn(process.execPath, [cli, 'fetch', `${base}/traces.json`], { stdio: ['ignore', 'pipe', 'pipe'] });
  const chunks: Buffer[] = [];
  let err = '';
  child.stdout.on('data', (b: Buffer) => chunks.push(b));
  child.stderr.on('data', (b) => (err += b));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  assert.equal(code, 0, err);
  assert.ok(Buffer.concat(chunks).equals(Buffer.from(BODY)), 'byte for byte');
});
