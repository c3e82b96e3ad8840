/** `trace-doctor serve` with its OTLP/gRPC port: the real gRPC exporter's spans land in the same files; a taken port is named. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import net from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { emitGrpc } from './grpc-emit';
import { emitTraces } from './sdk-emit';
import { flattenRequests, readJsonl } from './helpers';
import { loadInput } from '../../../src/sources/resolve-input';

const MAIN = join(__dirname, '..', '..', '..', 'src', 'cli', 'main.ts');

function serve(args: string[]) {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, 'serve', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const io = { stdout: '', stderr: '' };
  child.stdout.on('data', (c) => (io.stdout += c));
  child.stderr.on('data', (c) => (io.stderr += c));
  // 'close', not 'exit': the last stdout lines ("received 35 spans …") can arrive after the process has exited
  const exited = new Promise<number | null>((r) => child.on('close', (c) => r(c)));
  const killer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  const waitFor = async (re: RegExp) => {
    for (let i = 0; i < 300 && !re.test(io.stdout) && child.exitCode === null; i++) await new Promise((r) => setTimeout(r, 100));
    const m = re.exec(io.stdout);
    assert.ok(m, `expected ${re} in output:\n${io.stdout}\n${io.stderr}`);
    return m;
  };
  const done = () => {
    clearTimeout(killer);
    if (child.exitCode === null) child.kill('SIGKILL');
  };
  return { child, io, exited, waitFor, done };
}

describe('trace-doctor serve --grpc-port', () => {
  it('serves OTLP/gRPC beside OTLP/HTTP into the same files; SIGINT closes both and exits 0', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'td-serve-grpc-'));
    const out = join(dir, 'received');
    const s = serve(['--port', '0', '--grpc-port', '0', '--out', out, '--interval', '0']);
    try {
      const grpcUrl = (await s.waitFor(/OTLP\/gRPC receiver listening on (http:\/\/127\.0\.0\.1:\d+)/))[1]!;
      const endpoint = (await s.waitFor(/OTLP\/HTTP receiver listening on (http:\/\/127\.0\.0\.1:\d+\/v1\/traces)/))[1]!;
      // the hint line may come after the listening lines: wait for it rather than read stdout as it is (flaked under load)
      await s.waitFor(new RegExp(`OTEL_EXPORTER_OTLP_PROTOCOL=grpc OTEL_EXPORTER_OTLP_ENDPOINT=${grpcUrl.replace(/[.]/g, '\\.')}`));
      const g = await emitGrpc(grpcUrl, 'cli-grpc', 10, true);
      assert.equal(g.ok, 20);
      const h = await emitTraces(endpoint, 'proto', 5, { service: 'cli-http' });
      assert.equal(h.exportedOk, 15);
      s.child.kill('SIGINT');
      assert.equal(await s.exited, 0, s.io.stderr);
      assert.match(s.io.stdout, /received 35 spans in \d+ requests?/);
      const run = await loadInput(out);
      assert.equal(run.model.size, 35);
      const stored = flattenRequests(readJsonl(run.files));
      assert.equal(stored.filter((x) => x.service === 'cli-grpc').length, 20);
    } finally {
      s.done();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('an explicit --grpc-port that is taken: exit 2 naming the port and the option; --grpc-port off serves HTTP only', async () => {
    const blocker = net.createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const port = (blocker.address() as net.AddressInfo).port;
    const dir = mkdtempSync(join(tmpdir(), 'td-serve-grpc-'));
    try {
      const taken = serve(['--port', '0', '--grpc-port', String(port), '--out', join(dir, 'a')]);
      const code = await taken.exited;
      taken.done();
      assert.equal(code, 2, taken.io.stdout + taken.io.stderr);
      assert.match(taken.io.stderr, new RegExp(`OTLP/gRPC receiver: port ${port} on 127\\.0\\.0\\.1 is already in use.*--grpc-port N \\(0 = any free port\\) or --grpc-port off`));
      assert.doesNotMatch(taken.io.stderr, /No address added|at .*\.ts:/); // no grpc-js log line, no stack
      const off = serve(['--port', '0', '--grpc-port', 'off', '--out', join(dir, 'b'), '--interval', '0']);
      try {
        const url = (await off.waitFor(/OTLP\/HTTP receiver listening on (http:\/\/127\.0\.0\.1:\d+\/v1\/traces)/))[1]!;
        assert.doesNotMatch(off.io.stdout, /gRPC/);
        // one request holding one span: the totals in the singular (walkthrough 2026-12-07 pm: "1 spans in 1 requests")
        const span = { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', name: 'one', startTimeUnixNano: '1700000000000000000', endTimeUnixNano: '1700000000001000000' };
        const body = JSON.stringify({ resourceSpans: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 'solo' } }] }, scopeSpans: [{ spans: [span] }] }] });
        assert.equal((await fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body })).status, 200);
        off.child.kill('SIGINT');
        assert.equal(await off.exited, 0, off.io.stderr);
        assert.match(off.io.stdout, /received 1 span in 1 request; files:\n {2}\S+\.jsonl\n/);
      } finally {
        off.done();
      }
    } finally {
      await new Promise<void>((r) => blocker.close(() => r()));
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
