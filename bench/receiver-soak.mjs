#!/usr/bin/env node
// Soak test of the OTLP/HTTP receiver under hostile input (issue 14): for a bounded time, on loopback only, it runs
// `trace-doctor serve` (bundled with esbuild as dist/cli.js bundles it) and mixes normal exports with attacks:
//   - bomb-proto   the 61 KB gzip of 30 M empty attributes (60 MiB inflated)       → 413
//   - bomb-json    the gzip of 20 M empty JSON objects (60 MB inflated)              → 413
//   - spans-proto  200,000 empty two-byte spans                                      → 413
//   - deep-proto   an attribute 2,000 arrayValues deep                               → 400
//   - deep-json    base64 ids and an attribute 5,000 levels deep                     → 400
//   - latin1       a JSON string with a raw Latin-1 byte                              → 200 + warning, stored as U+FFFD
//   - rebind       Host: rebind.example (a DNS-rebinding page)                       → 403
//   - origin       Origin: http://rebind.example                                     → 403
//   - normal-json / normal-proto   ordinary exports, 100 spans each                   → 200
// It checks that every request is answered (no timeout, no reset), samples the receiver's RSS and open descriptors,
// stops it with SIGINT (exit 0 expected), then reads every written file: each line must be valid UTF-8 JSON (no torn
// line) and every acknowledged normal span must be there. With --full-disk (root, Linux) the output goes to a 2 MiB
// tmpfs, so the disk fills during the run: 503s are then expected for normal exports, and the checks above still hold
// (at most one file, no torn line, every acknowledged span readable). With many clients, 503 "receiver busy" (the bound
// on request bodies held in memory at once) is an accepted answer to any request.
//
// Usage: node bench/receiver-soak.mjs [--seconds 20] [--concurrency 4] [--full-disk yes|no]
// Exit code 0 when every check passed, 1 otherwise.
import { spawn, spawnSync } from 'node:child_process';
import { isUtf8 } from 'node:buffer';
import { mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { root, arg, buildServe } from './lib.mjs';
import {
  gzip,
  jsonDeepAttribute,
  jsonEmptyObjects,
  jsonLatin1,
  jsonRequest,
  jsonSpan,
  ld,
  protoAttributeBomb,
  protoDeepAttribute,
  protoEmptySpans,
  requestOfSpans,
} from './hostile-payloads.mjs';

const SECONDS = Number(arg('seconds', 20));
const CONCURRENCY = Number(arg('concurrency', 4));
const FULL_DISK = arg('full-disk', 'no') === 'yes';
const TIMEOUT_MS = 30_000;
const MiB = 1024 * 1024;

// ---- the receiver under test -------------------------------------------------------------------------------------
const { build, cli } = await buildServe('td-soak-build-');

const work = mkdtempSync(join(tmpdir(), 'td-soak-'));
let out = join(work, 'out');
let mounted = false;
if (FULL_DISK) {
  if (process.platform !== 'linux' || process.getuid?.() !== 0) {
    console.error('--full-disk needs root on Linux (it mounts a 2 MiB tmpfs)');
    process.exit(2);
  }
  const m = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', work]);
  if (m.status !== 0) {
    console.error(`mount failed: ${m.stderr}`);
    process.exit(2);
  }
  mounted = true;
  out = join(work, 'out');
}

const rx = spawn(process.execPath, [cli, '--host', '127.0.0.1', '--port', '0', '--out', out, '--interval', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
let rxOut = '';
let rxErr = '';
rx.stdout.on('data', (c) => (rxOut += c));
rx.stderr.on('data', (c) => (rxErr += c));
const rxExit = new Promise((r) => rx.on('exit', (code, signal) => r({ code, signal })));
const endpoint = await new Promise((resolve, reject) => {
  const t = setTimeout(() => reject(new Error('receiver did not start: ' + rxOut + rxErr)), 15_000);
  rx.stdout.on('data', () => {
    const m = /listening on (http:\/\/127\.0\.0\.1:\d+\/v1\/traces)/.exec(rxOut);
    if (m) {
      clearTimeout(t);
      resolve(m[1]);
    }
  });
  rx.on('exit', (c) => reject(new Error(`receiver exited with ${c}: ${rxErr}`)));
});

// ---- requests ------------------------------------------------------------------------------------------------------
function post(headers, body) {
  return new Promise((resolve) => {
    const t0 = Date.now();
    let settled = false;
    const done = (r) => {
      if (settled) return;
      settled = true;
      resolve({ ...r, ms: Date.now() - t0 });
    };
    const req = http.request(endpoint, { method: 'POST', headers, agent: false }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => done({ status: res.statusCode, body: Buffer.concat(chunks) }));
      res.on('error', (e) => done({ status: 0, error: e.code ?? e.message }));
    });
    req.setTimeout(TIMEOUT_MS, () => req.destroy(Object.assign(new Error('no answer'), { code: 'TIMEOUT' })));
    req.on('error', (e) => setTimeout(() => done({ status: 0, error: e.code ?? e.message }), 200));
    req.end(body);
  });
}

const JSON_CT = { 'Content-Type': 'application/json' };
const PROTO_CT = { 'Content-Type': 'application/x-protobuf' };
const hostOf = new URL(endpoint).host;

// built once (the bombs take a second each)
const bombProto = gzip(protoAttributeBomb(30_000_000));
const bombJson = gzip(jsonEmptyObjects(20_000_000));
const spansProto = protoEmptySpans(200_000);
const deepProto = protoDeepAttribute(2000);
const deepJson = jsonDeepAttribute(5000);

const acked = new Set(); // span ids of acknowledged normal exports
function normalJson() {
  const spans = Array.from({ length: 100 }, (_, i) => jsonSpan(`op-${i % 7}`, [{ key: 'i', value: { intValue: String(i) } }, { key: 'pad', value: { stringValue: 'z'.repeat(100) } }]));
  return { body: Buffer.from(JSON.stringify(jsonRequest(spans, 'soak-json'))), ids: spans.map((s) => s.spanId) };
}
function normalProto() {
  const ids = [];
  const bodies = [];
  const traceId = randomBytes(16);
  for (let i = 0; i < 100; i++) {
    const sid = randomBytes(8);
    ids.push(sid.toString('hex'));
    bodies.push(Buffer.concat([ld(1, traceId), ld(2, sid), ld(5, Buffer.from(`op-${i % 7}`)), ld(9, Buffer.concat([ld(1, Buffer.from('pad')), ld(2, ld(1, Buffer.from('z'.repeat(100))))]))]));
  }
  return { body: requestOfSpans(bodies, 'soak-proto'), ids };
}

const ATTACKS = {
  'normal-json': { expect: FULL_DISK ? [200, 503] : [200], make: () => ({ headers: JSON_CT, ...normalJson() }) },
  'normal-proto': { expect: FULL_DISK ? [200, 503] : [200], make: () => ({ headers: PROTO_CT, ...normalProto() }) },
  'bomb-proto': { expect: [413], make: () => ({ headers: { ...PROTO_CT, 'Content-Encoding': 'gzip' }, body: bombProto }) },
  'bomb-json': { expect: [413], make: () => ({ headers: { ...JSON_CT, 'Content-Encoding': 'gzip' }, body: bombJson }) },
  'spans-proto': { expect: [413], make: () => ({ headers: PROTO_CT, body: spansProto }) },
  'deep-proto': { expect: [400], make: () => ({ headers: PROTO_CT, body: deepProto }) },
  'deep-json': { expect: [400], make: () => ({ headers: JSON_CT, body: deepJson }) },
  latin1: { expect: FULL_DISK ? [200, 503] : [200], make: () => ({ headers: JSON_CT, body: jsonLatin1('soak-latin1') }) },
  rebind: { expect: [403], make: () => ({ headers: { ...JSON_CT, Host: `rebind.example:${hostOf.split(':')[1]}` }, body: normalJson().body }) },
  origin: { expect: [403], make: () => ({ headers: { ...JSON_CT, Origin: 'http://rebind.example' }, body: normalJson().body }) },
};
const names = Object.keys(ATTACKS);
// normal traffic half of the time, the attacks in turn the other half
const schedule = [];
for (const n of names.slice(2)) schedule.push('normal-json', n, 'normal-proto');

const results = Object.fromEntries(names.map((n) => [n, { sent: 0, byStatus: {}, unexpected: 0, unanswered: 0, maxMs: 0 }]));
let peakRss = 0;
let peakFds = 0;
const procStatus = () => {
  try {
    const s = readFileSync(`/proc/${rx.pid}/status`, 'utf8');
    return { rss: Number(/VmRSS:\s+(\d+)/.exec(s)?.[1] ?? 0) * 1024, hwm: Number(/VmHWM:\s+(\d+)/.exec(s)?.[1] ?? 0) * 1024 };
  } catch {
    return { rss: 0, hwm: 0 };
  }
};
const fdCount = () => {
  try {
    return readdirSync(`/proc/${rx.pid}/fd`).filter((f) => {
      try {
        return readlinkSync(`/proc/${rx.pid}/fd/${f}`).startsWith('socket:');
      } catch {
        return false;
      }
    }).length;
  } catch {
    return 0;
  }
};
const rss0 = procStatus().rss;
const sampler = setInterval(() => {
  peakRss = Math.max(peakRss, procStatus().rss);
  peakFds = Math.max(peakFds, fdCount());
}, 250);

const t0 = Date.now();
const deadline = t0 + SECONDS * 1000;
let next = 0;
async function lane() {
  while (Date.now() < deadline && rx.exitCode === null) {
    const name = schedule[next++ % schedule.length];
    const a = ATTACKS[name];
    const { headers, body, ids } = a.make();
    const r = await post(headers, body);
    const s = results[name];
    s.sent++;
    s.maxMs = Math.max(s.maxMs, r.ms);
    const key = r.status || r.error;
    s.byStatus[key] = (s.byStatus[key] ?? 0) + 1;
    // 503 "receiver busy" (too many request bodies in memory at once, maxBufferedBytes) is a correct answer to anything
    const busy = r.status === 503 && /receiver busy/.test(r.body?.toString() ?? '');
    if (r.status === 0) s.unanswered++;
    else if (!a.expect.includes(r.status) && !busy) s.unexpected++;
    if (r.status === 200 && ids) ids.forEach((id) => acked.add(id));
  }
}
await Promise.all(Array.from({ length: CONCURRENCY }, lane));
const sendSeconds = (Date.now() - t0) / 1000;
clearInterval(sampler);
await new Promise((r) => setTimeout(r, 500));
const socketsAfter = fdCount();
const hwm = procStatus().hwm;
const alive = rx.exitCode === null;
rx.kill('SIGINT');
const exit = await Promise.race([rxExit, new Promise((r) => setTimeout(() => r({ code: 'timeout' }), 30_000))]);
if (exit.code === 'timeout') rx.kill('SIGKILL');

// ---- the written files -------------------------------------------------------------------------------------------
let files = [];
let lines = 0;
let badLines = 0;
let badUtf8Files = 0;
const stored = new Set();
try {
  files = readdirSync(out).filter((f) => f.endsWith('.jsonl'));
} catch {
  /* no output directory */
}
for (const f of files) {
  const buf = readFileSync(join(out, f));
  if (!isUtf8(buf)) badUtf8Files++;
  const text = buf.toString('utf8');
  if (text.length > 0 && !text.endsWith('\n')) badLines++;
  for (const line of text.split('\n')) {
    if (!line) continue;
    lines++;
    try {
      for (const rs of JSON.parse(line).resourceSpans ?? []) for (const ss of rs.scopeSpans ?? []) for (const sp of ss.spans ?? []) stored.add(sp.spanId);
    } catch {
      badLines++;
    }
  }
}
let missing = 0;
for (const id of acked) if (!stored.has(id)) missing++;
if (mounted) spawnSync('umount', [work]);
rmSync(work, { recursive: true, force: true });
rmSync(build, { recursive: true, force: true });

// ---- report ------------------------------------------------------------------------------------------------------
const pad = (s, n) => String(s).padEnd(n);
console.log(`\nreceiver soak: ${sendSeconds.toFixed(1)} s, ${CONCURRENCY} concurrent clients, loopback ${endpoint}${FULL_DISK ? ', output on a 2 MiB tmpfs' : ''}\n`);
console.log(`${pad('request', 14)}${pad('sent', 7)}${pad('answers', 34)}${pad('unexpected', 12)}${pad('unanswered', 12)}slowest`);
for (const n of names) {
  const s = results[n];
  const answers = Object.entries(s.byStatus).map(([k, v]) => `${k}×${v}`).join(' ');
  console.log(`${pad(n, 14)}${pad(s.sent, 7)}${pad(answers, 34)}${pad(s.unexpected, 12)}${pad(s.unanswered, 12)}${s.maxMs} ms`);
}
console.log('');
console.log(`receiver RSS          start ${(rss0 / MiB).toFixed(0)} MiB, peak sampled ${(peakRss / MiB).toFixed(0)} MiB, peak (VmHWM) ${(hwm / MiB).toFixed(0)} MiB`);
console.log(`receiver sockets      peak ${peakFds}, ${socketsAfter} open 0.5 s after the last answer`);
console.log(`receiver alive        ${alive ? 'yes' : 'NO'}; SIGINT → exit ${exit.code}${exit.signal ? ` (${exit.signal})` : ''}`);
console.log(`files                 ${files.length} file(s), ${lines} lines, ${badLines} torn/invalid, ${badUtf8Files} not valid UTF-8`);
console.log(`acknowledged spans    ${acked.size}, missing from the files ${missing}`);
if (rxErr.trim()) console.log(`receiver stderr       ${rxErr.trim().split('\n').slice(-3).join(' | ')}`);

const failures = [];
for (const n of names) {
  if (results[n].unanswered) failures.push(`${n}: ${results[n].unanswered} request(s) never answered`);
  if (results[n].unexpected) failures.push(`${n}: ${results[n].unexpected} unexpected status(es)`);
  if (results[n].sent === 0) failures.push(`${n}: never sent (run longer)`);
}
if (!alive || exit.code !== 0) failures.push(`receiver did not survive / exit cleanly (exit ${exit.code})`);
if (badLines || badUtf8Files) failures.push('unreadable output');
if (missing) failures.push(`${missing} acknowledged spans missing`);
if (FULL_DISK && files.length > 1) failures.push(`${files.length} files on the full disk (expected one)`);
if (socketsAfter > CONCURRENCY + 2) failures.push(`${socketsAfter} sockets still open after the run`);
if (hwm > 1024 * MiB) failures.push(`peak RSS ${(hwm / MiB).toFixed(0)} MiB over 1 GiB`);
console.log(failures.length ? `\nFAIL\n  ${failures.join('\n  ')}` : '\nPASS');
process.exit(failures.length ? 1 : 0);
