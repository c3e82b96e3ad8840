#!/usr/bin/env node
// Load benchmark for the OTLP/HTTP receiver: several child processes with the REAL OpenTelemetry JS SDK exporters
// (BatchSpanProcessor, OTLP/HTTP JSON and protobuf) send to `trace-doctor serve` on loopback for a bounded time.
// Then the receiver is stopped with SIGINT and every span in the written JSON Lines files is counted.
//
// Usage: node bench/receiver.mjs [--workers 3] [--seconds 12] [--protocol mixed|json|proto|grpc] [--target 50000]
//        [--floor yes|no] [--rx-node-args '--cpu-prof --cpu-prof-dir=/tmp/prof']   (node flags for the receiver process)
// With --floor yes (default) the same workers first send to a bare HTTP server for the same time: the floor.
// --protocol grpc: the workers use the OTLP/gRPC exporter against serve's --grpc-port (no floor: there is no bare gRPC server).
// Prints spans/s accepted (unique spans found in the files / sending time), spans lost (exported OK per the SDK but
// missing from the files), duplicates, SDK-side drops, and the receiver's CPU time per span.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir, cpus } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { createReadStream } from 'node:fs';
import { root, arg, buildServe } from './lib.mjs';

const WORKERS = Number(arg('workers', 3));
const SECONDS = Number(arg('seconds', 12));
const PROTOCOL = arg('protocol', 'mixed');
const TARGET = Number(arg('target', 50_000));
const FLOOR = arg('floor', 'yes') !== 'no' && PROTOCOL !== 'grpc';

// the receiver under test: `trace-doctor serve` bundled with esbuild exactly as dist/cli.js bundles it
const { build, cli } = await buildServe('td-bench-build-');

const out = mkdtempSync(join(tmpdir(), 'td-bench-rx-'));
const RX_NODE_ARGS = (arg('rx-node-args', '') || '').split(' ').filter(Boolean);
const rx = spawn(process.execPath, [...RX_NODE_ARGS, cli, '--port', '0', '--grpc-port', PROTOCOL === 'grpc' ? '0' : 'off', '--out', out, '--interval', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
let rxOut = '';
let grpcUrl = '';
rx.stdout.on('data', (c) => (rxOut += c));
const endpoint = await new Promise((resolve, reject) => {
  const t = setTimeout(() => reject(new Error('receiver did not start: ' + rxOut)), 15_000);
  rx.stdout.on('data', () => {
    const m = /listening on (http:\/\/\S+\/v1\/traces)/.exec(rxOut);
    const g = /OTLP\/gRPC receiver listening on (http:\/\/\S+)/.exec(rxOut);
    if (g) grpcUrl = g[1];
    if (m && (PROTOCOL !== 'grpc' || g)) {
      clearTimeout(t);
      resolve(m[1]);
    }
  });
  rx.on('exit', (c) => reject(new Error(`receiver exited with ${c}: ${rxOut}`)));
});

function cpuSeconds(pid) {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(f[11]) + Number(f[12])) / 100; // utime + stime in clock ticks (100 Hz)
  } catch {
    return NaN;
  }
}

function runWorkers(url, label) {
  return Array.from({ length: WORKERS }, (_, i) => {
    const protocol = PROTOCOL === 'mixed' ? (i % 2 === 0 ? 'json' : 'proto') : PROTOCOL;
    const w = spawn(process.execPath, [join(root, 'bench', 'receiver-worker.mjs'), url, protocol, String(SECONDS), `${label}${i}`], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let s = '';
    w.stdout.on('data', (c) => (s += c));
    return new Promise((resolve, reject) => {
      const kill = setTimeout(() => w.kill('SIGKILL'), (SECONDS + 120) * 1000);
      w.on('exit', (code) => {
        clearTimeout(kill);
        if (code !== 0) return reject(new Error(`worker ${label}${i} exited with ${code}`));
        resolve(JSON.parse(s.trim().split('\n').at(-1)));
      });
    });
  });
}

// Floor, measured in the same run: the same workers against a bare HTTP server (its own process) that reads each body
// and answers 200 {} — no decoding, no validation, no files. It shows what the SDK workers and loopback HTTP alone
// reach on this machine right now.
let floorRate = NaN;
if (FLOOR) {
  const nullSrc = `const http = require('node:http');
    const s = http.createServer((req, res) => { req.on('data', () => {}); req.on('end', () => { res.writeHead(200, { 'Content-Type': req.headers['content-type'] === 'application/x-protobuf' ? 'application/x-protobuf' : 'application/json' }); res.end(req.headers['content-type'] === 'application/x-protobuf' ? '' : '{}'); }); });
    s.listen(0, '127.0.0.1', () => console.log('http://127.0.0.1:' + s.address().port + '/v1/traces'));
    process.on('SIGINT', () => process.exit(0));`;
  const nul = spawn(process.execPath, ['-e', nullSrc], { stdio: ['ignore', 'pipe', 'inherit'] });
  const nullUrl = await new Promise((resolve) => nul.stdout.once('data', (c) => resolve(String(c).trim())));
  console.log(`floor: ${WORKERS} SDK worker process(es) → bare HTTP server ${nullUrl}, ${PROTOCOL}, ${SECONDS}s`);
  const tf = Date.now();
  let fr;
  try {
    fr = await Promise.all(runWorkers(nullUrl, 'floor-'));
  } finally {
    nul.kill('SIGINT');
  }
  floorRate = fr.reduce((a, r) => a + r.exportedOk, 0) / ((Date.now() - tf) / 1000);
  console.log(`floor: ${Math.round(floorRate)} spans/s exported to the bare server`);
}

console.log(`receiver ${PROTOCOL === 'grpc' ? grpcUrl : endpoint}; ${WORKERS} SDK worker process(es), ${PROTOCOL}, ${SECONDS}s, ${cpus().length} CPU(s)`);
const cpu0 = cpuSeconds(rx.pid);
const t0 = Date.now();
let results;
try {
  results = await Promise.all(runWorkers(PROTOCOL === 'grpc' ? grpcUrl : endpoint, ''));
} catch (e) {
  rx.kill('SIGINT');
  throw e;
}
const sendSeconds = (Date.now() - t0) / 1000;
const cpu1 = cpuSeconds(rx.pid);

rx.kill('SIGINT');
const rxCode = await new Promise((r) => rx.on('exit', (c) => r(c)));

// count spans in the files: every line must parse; unique (traceId, spanId) pairs
const files = readdirSync(out).filter((f) => f.endsWith('.jsonl')).map((f) => join(out, f));
const seen = new Set();
let spansInFiles = 0;
let lines = 0;
let bytes = 0;
for (const f of files) {
  bytes += statSync(f).size;
  const rl = createInterface({ input: createReadStream(f), crlfDelay: Infinity });
  for await (const line of rl) {
    if (!line) continue;
    lines++;
    const req = JSON.parse(line);
    for (const rs of req.resourceSpans ?? [])
      for (const ss of rs.scopeSpans ?? [])
        for (const s of ss.spans ?? []) {
          spansInFiles++;
          seen.add(s.traceId + s.spanId);
        }
  }
}
rmSync(out, { recursive: true, force: true });
rmSync(build, { recursive: true, force: true });

const sum = (k) => results.reduce((a, r) => a + r[k], 0);
const generated = sum('generated');
const exportedOk = sum('exportedOk');
const exportFailed = sum('exportFailed');
const dropped = sum('dropped');
const unique = seen.size;
const lost = Math.max(0, exportedOk - unique);
const duplicates = spansInFiles - unique;
const rate = unique / sendSeconds;
const rxCpu = cpu1 - cpu0;

console.log('');
for (const r of results) console.log(`  worker ${r.id} (${r.protocol}): generated ${r.generated}, exported ok ${r.exportedOk}, failed ${r.exportFailed}, dropped by SDK ${r.dropped}`);
console.log('');
console.log(`sending time            ${sendSeconds.toFixed(2)} s`);
console.log(`spans generated         ${generated}`);
console.log(`spans exported OK (SDK) ${exportedOk}   failed ${exportFailed}   dropped in SDK queue ${dropped}`);
console.log(`spans in files          ${spansInFiles} (${unique} unique, ${duplicates} duplicates) in ${lines} lines, ${files.length} file(s), ${(bytes / 1048576).toFixed(1)} MiB`);
console.log(`spans lost              ${lost}`);
console.log(`accepted                ${Math.round(rate)} spans/s   (target ≥ ${TARGET}: ${(rate / TARGET).toFixed(2)}× target)`);
if (FLOOR) console.log(`vs floor                ${(rate / floorRate).toFixed(2)}× the bare-HTTP floor of ${Math.round(floorRate)} spans/s measured in this run`);
console.log(`receiver CPU            ${rxCpu.toFixed(2)} s = ${((rxCpu * 1e6) / Math.max(1, unique)).toFixed(2)} µs/span (${((rxCpu / sendSeconds) * 100).toFixed(0)}% of one core)`);
console.log(`receiver exit code      ${rxCode}`);
const ok = lost === 0 && exportFailed === 0 && rxCode === 0 && rate >= TARGET;
console.log(ok ? 'PASS' : 'BELOW TARGET');
if (!ok && FLOOR && floorRate < TARGET) {
  console.log(`note: the floor itself (${Math.round(floorRate)} spans/s without any receiver work) is below the target: the machine is busy or too small for the load generators; judge the receiver by the floor ratio and its CPU µs/span`);
}
process.exitCode = lost === 0 && rxCode === 0 ? 0 : 1;
