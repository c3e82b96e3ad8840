#!/usr/bin/env node
// Ingest benchmark: `trace-doctor stats FILE --json` against the floor of a bare readline + JSON.parse of the same
// file, both run as child processes in this same run (wall time and peak RSS of each).
//
// Usage: node bench/ingest.mjs [--spans 1000000] [--spans-per-trace 50] [--runs 1] [--cpu-prof]
// The input (OTLP JSON Lines, one ExportTraceServiceRequest per trace, as the collector file exporter writes) is
// generated once, streaming, into bench/.data/ (gitignored) and reused. The CLI is bundled from src/ with esbuild.
// Targets: stats ≤ 1.5× the floor, peak RSS ≤ 1 GiB.
import { spawn } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { once } from 'node:events';
import { root, arg } from './lib.mjs';
import { cliBundle } from '../scripts/cli-build-options.mjs';

const SPANS = Number(arg('spans', 1_000_000));
const PER_TRACE = Number(arg('spans-per-trace', 50));
const RUNS = Number(arg('runs', 1));
const CPU_PROF = process.argv.includes('--cpu-prof');
const TRACES = Math.ceil(SPANS / PER_TRACE);
const dataDir = join(root, 'bench', '.data');
mkdirSync(dataDir, { recursive: true });
const file = join(dataDir, `ingest-${TRACES}x${PER_TRACE}.jsonl`);

// ---- deterministic data generation -------------------------------------------------------------------------
let seed = 0x2545f491;
const rnd = () => {
  seed ^= seed << 13;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  return (seed >>> 0) / 4294967296;
};
const pick = (a) => a[Math.floor(rnd() * a.length)];
const hex = (n) => {
  let s = '';
  for (let i = 0; i < n; i++) s += '0123456789abcdef'[Math.floor(rnd() * 16)];
  return s;
};
const SERVICES = {
  frontend: { ops: ['GET /', 'GET /product/{id}', 'POST /cart', 'GET /cart', 'POST /checkout'], kind: 2, lang: 'nodejs' },
  cart: { ops: ['CartService/GetCart', 'CartService/AddItem', 'redis GET', 'redis SET'], kind: 2, lang: 'dotnet' },
  checkout: { ops: ['CheckoutService/PlaceOrder', 'prepareOrderItemsAndShippingQuoteFromCart', 'sendOrderConfirmation'], kind: 2, lang: 'go' },
  payment: { ops: ['PaymentService/Charge', 'charge.validate', 'charge.authorize'], kind: 2, lang: 'nodejs' },
  inventory: { ops: ['InventoryService/Reserve', 'SELECT inventory', 'UPDATE inventory'], kind: 2, lang: 'java' },
  recommendation: { ops: ['RecommendationService/List', 'get_product_list', 'model.predict'], kind: 2, lang: 'python' },
  email: { ops: ['EmailService/Send', 'render_template', 'smtp.send'], kind: 2, lang: 'ruby' },
};
const NAMES = Object.keys(SERVICES);
const ROUTES = ['/api/products', '/api/cart', '/api/checkout', '/api/recommendations', '/api/data'];
const sv = (s) => ({ stringValue: s });
const iv = (n) => ({ intValue: String(n) });

function resourceOf(svc, pod) {
  return {
    attributes: [
      { key: 'service.name', value: sv(svc) },
      { key: 'service.version', value: sv('1.4.2') },
      { key: 'telemetry.sdk.language', value: sv(SERVICES[svc].lang) },
      { key: 'host.name', value: sv(`${svc}-${pod}`) },
      { key: 'k8s.pod.name', value: sv(`${svc}-7d9f8b-${pod}`) },
    ],
  };
}

function spanAttrs(svc, op, i) {
  const a = [];
  if (op.startsWith('GET') || op.startsWith('POST')) {
    a.push({ key: 'http.request.method', value: sv(op.split(' ')[0]) });
    a.push({ key: 'http.route', value: sv(op.split(' ')[1]) });
    a.push({ key: 'http.response.status_code', value: iv(rnd() < 0.02 ? 500 : 200) });
    if (i % 3 === 0) a.push({ key: 'url.path', value: sv(pick(ROUTES) + '/' + Math.floor(rnd() * 500)) });
  } else if (/SELECT|UPDATE|redis/.test(op)) {
    a.push({ key: 'db.system', value: sv(op.startsWith('redis') ? 'redis' : 'postgresql') });
    a.push({ key: 'db.statement', value: sv(op.startsWith('redis') ? `${op.split(' ')[1]} cart:${Math.floor(rnd() * 1000)}` : `${op} WHERE id = $1`) });
  } else {
    a.push({ key: 'rpc.system', value: sv('grpc') });
    a.push({ key: 'rpc.method', value: sv(op.split('/')[1] ?? op) });
  }
  if (i % 5 === 0) a.push({ key: 'app.user.id', value: sv('u' + Math.floor(rnd() * 5000)) });
  if (i % 7 === 0) a.push({ key: 'app.items', value: iv(Math.floor(rnd() * 12)) });
  return a;
}

function traceLine(t) {
  const traceId = hex(32);
  const base = 1_700_000_000_000_000_000n + BigInt(t) * 50_000_000n;
  // build a random tree of PER_TRACE spans spread over the services
  const spans = [];
  for (let i = 0; i < PER_TRACE; i++) {
    const parent = i === 0 ? null : spans[Math.floor(rnd() * i)];
    const svc = i === 0 ? 'frontend' : rnd() < 0.5 && parent ? parent.svc : pick(NAMES);
    const op = pick(SERVICES[svc].ops);
    const start = parent ? parent.start + BigInt(Math.floor(rnd() * 1_000_000)) : base;
    const dur = BigInt(Math.floor(200_000 + rnd() * 20_000_000));
    spans.push({ svc, op, start, dur, id: hex(16), parent: parent ? parent.id : '', kind: i === 0 || svc !== parent?.svc ? 2 : rnd() < 0.5 ? 3 : 1, i });
  }
  const bySvc = new Map();
  for (const s of spans) {
    if (!bySvc.has(s.svc)) bySvc.set(s.svc, []);
    bySvc.get(s.svc).push(s);
  }
  const pod = Math.floor(rnd() * 4);
  return JSON.stringify({
    resourceSpans: [...bySvc].map(([svc, list]) => ({
      resource: resourceOf(svc, pod),
      scopeSpans: [
        {
          scope: { name: `@opentelemetry/instrumentation-${svc}`, version: '0.52.0' },
          spans: list.map((s) => {
            const span = {
              traceId,
              spanId: s.id,
              parentSpanId: s.parent,
              name: s.op,
              kind: s.kind,
              startTimeUnixNano: String(s.start),
              endTimeUnixNano: String(s.start + s.dur),
              attributes: spanAttrs(s.svc, s.op, s.i),
              status: rnd() < 0.01 ? { code: 2, message: 'deadline exceeded' } : {},
            };
            if (s.i % 25 === 3) span.events = [{ timeUnixNano: String(s.start + 1000n), name: 'cache.miss', attributes: [] }];
            return span;
          }),
        },
      ],
    })),
  });
}

async function generate() {
  const tmp = file + '.tmp';
  const out = createWriteStream(tmp);
  const t0 = performance.now();
  for (let t = 0; t < TRACES; t++) {
    if (!out.write(traceLine(t) + '\n')) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  renameSync(tmp, file);
  console.log(`generated ${file} (${(statSync(file).size / 1048576).toFixed(0)} MiB) in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}

if (!existsSync(file)) await generate();
const size = statSync(file).size;

// ---- the CLI under test, bundled from source -----------------------------------------------------------------
const cli = join(dataDir, 'cli.js');
const esbuild = await import('esbuild');
await esbuild.build({ ...cliBundle, entryPoints: [join(root, 'src', 'cli', 'main.ts')], outfile: cli, logLevel: 'error' });

// prints the child's peak RSS and CPU time on exit (loaded with --require)
const probe = join(dataDir, 'rss-probe.cjs');
writeFileSync(
  probe,
  `process.on('exit', () => { const u = process.resourceUsage(); process.stderr.write('\\n@@probe ' + JSON.stringify({ maxRSSKiB: u.maxRSS, userMs: u.userCPUTime / 1000, sysMs: u.systemCPUTime / 1000 }) + '\\n'); });\n`,
);
const floorScript = join(dataDir, 'floor.mjs');
writeFileSync(
  floorScript,
  `import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
let lines = 0, spans = 0;
const rl = createInterface({ input: createReadStream(process.argv[2]), crlfDelay: Infinity });
for await (const line of rl) {
  if (!line) continue;
  const doc = JSON.parse(line);
  lines++;
  for (const rs of doc.resourceSpans) for (const ss of rs.scopeSpans) spans += ss.spans.length;
}
process.stdout.write(JSON.stringify({ lines, spans }) + '\\n');
`,
);

function runChild(args) {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, ['--require', probe, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (c) => (out += c));
    child.stderr.on('data', (c) => (err += c));
    child.on('error', reject);
    child.on('close', (code) => {
      const ms = performance.now() - t0;
      const m = /@@probe (\{.*\})/.exec(err);
      if (code !== 0) return reject(new Error(`${args.join(' ')} exited ${code}: ${err.slice(0, 2000)}`));
      resolve({ ms, out, probe: m ? JSON.parse(m[1]) : null });
    });
  });
}

const mib = (kib) => (kib / 1024).toFixed(0);
const cpu = (r) => (r.probe.userMs + r.probe.sysMs) / 1000;
const results = { floor: [], stats: [] };
for (let r = 0; r < RUNS; r++) {
  const floor = await runChild([floorScript, file]);
  results.floor.push(floor);
  const statsArgs = CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${dataDir}`, cli, 'stats', file, '--json'] : [cli, 'stats', file, '--json'];
  const stats = await runChild(statsArgs);
  results.stats.push(stats);
  const s = JSON.parse(stats.out);
  const f = JSON.parse(floor.out);
  if (s.spans !== f.spans) throw new Error(`stats found ${s.spans} spans, the floor counted ${f.spans}`);
  console.log(
    `run ${r + 1}: floor ${(floor.ms / 1000).toFixed(2)} s wall, ${cpu(floor).toFixed(2)} s CPU, peak RSS ${mib(floor.probe.maxRSSKiB)} MiB | ` +
      `stats ${(stats.ms / 1000).toFixed(2)} s wall, ${cpu(stats).toFixed(2)} s CPU, peak RSS ${mib(stats.probe.maxRSSKiB)} MiB | ratio ${(stats.ms / floor.ms).toFixed(2)}× | ` +
      `${s.spans} spans, ${s.traces} traces, ${s.services} services`,
  );
}
const min = (list, f) => Math.min(...list.map(f));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const bf = min(results.floor, (r) => r.ms);
const bs = min(results.stats, (r) => r.ms);
const ratio = bs / bf;
const pairRatio = median(results.stats.map((s, i) => s.ms / results.floor[i].ms));
const cpuRatio = min(results.stats, cpu) / min(results.floor, cpu);
const peak = Math.max(...results.stats.map((s) => s.probe.maxRSSKiB));
console.log('');
console.log(`command         node bench/ingest.mjs ${process.argv.slice(2).join(' ')}`.trimEnd());
console.log(`file            ${file} (${(size / 1048576).toFixed(0)} MiB, ${SPANS} spans)`);
console.log(`floor           ${(bf / 1000).toFixed(2)} s  readline + JSON.parse per line (${(size / 1048576 / (bf / 1000)).toFixed(0)} MiB/s), best of ${RUNS}`);
console.log(`stats --json    ${(bs / 1000).toFixed(2)} s  (${(size / 1048576 / (bs / 1000)).toFixed(0)} MiB/s), best of ${RUNS}, includes CLI start-up`);
console.log(`ratio (wall)    ${ratio.toFixed(2)}× floor best/best, ${pairRatio.toFixed(2)}× median of runs   (target ≤ 1.5×) ${ratio <= 1.5 ? 'OK' : 'OVER'}`);
console.log(`ratio (CPU)     ${cpuRatio.toFixed(2)}× floor (user+sys, less sensitive to a busy machine)`);
console.log(`peak RSS        ${mib(peak)} MiB   (target ≤ 1024 MiB) ${peak <= 1024 * 1024 ? 'OK' : 'OVER'}`);
