/**
 * A live test system: seven real Node HTTP services (or the TrainTicket-like topology of live-tt.ts) in their own processes (test/helpers/live-service.cjs),
 * auto-instrumented by the real OpenTelemetry HTTP instrumentation and exported by the real OTLP/HTTP exporter, under
 * a bounded open-loop load; faults are injected into one service at a time and each faulty run is diagnosed against a
 * fault-free baseline run of the same processes.
 *
 * Why: the real-fault set (Nezha) has no span kind and no status; the generator and the injection helper are models.
 * Here the spans, their kinds, statuses, attributes, context propagation and timing noise (event loops, GC, sockets,
 * a shared 2-core machine) are those of real instrumented servers; the faults are real too: a TCP proxy in front of
 * the service delays every request's bytes (network delay, outside the callee's span), the service burns more CPU
 * per request, throws (HTTP 500, recorded exception) or returns early, or its process competes for one core with
 * busy processes (CPU contention: startContention). Each faulty run is also diagnosed with kind,
 * status and attributes stripped from the export (what the Nezha exports look like).
 *
 * Everything binds to 127.0.0.1; load and time are bounded; every child process is stopped at the end.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyze } from '../../src/core/rca/analyze';
import type { Diagnosis } from '../../src/core/rca/diagnosis';
import { mulberry32 } from '../../src/core/stats/index';
import { loadTraces } from '../../src/sources/file';
import { rankedServices } from './real-faults';

export interface Endpoint {
  cpuMs?: number;
  ioMs?: number;
  db?: string;
  calls?: { service: string; path: string }[];
  /** a Spring-like endpoint (live-service.cjs): the server span's name (route template), its controller span, its steps */
  name?: string;
  controller?: string;
  steps?: Step[];
}
/** a repository span around a `SELECT …` span, or a call to another service and what the caller does when it fails */
export type Step =
  | { repo: string; sql: string; ioMs: number }
  | { service: string; path: string; method?: 'GET' | 'POST'; onError?: 'abort' | 'fallback' | 'stop' | 'pass'; onEmpty?: 'continue' | 'stop' };

/** A live topology: its services' endpoints, the entry service, the request mix at the entry and options. */
export interface Topology {
  name: string;
  services: Record<string, Record<string, Endpoint>>;
  front: string;
  mix: [string, number][];
  /** the span an exception escaping a controller leaves under the server span (Spring Boot's error dispatch) */
  errorSpan?: string;
}

/** The shop: frontend → catalog, currency, recommend (→ catalog), checkout (→ cart, catalog, currency, payment). */
export const SHOP: Record<string, Record<string, Endpoint>> = {
  frontend: {
    '/home': { cpuMs: 1, calls: [{ service: 'catalog', path: '/list' }, { service: 'currency', path: '/convert' }] },
    '/product': { cpuMs: 1, calls: [{ service: 'catalog', path: '/get' }, { service: 'currency', path: '/convert' }, { service: 'recommend', path: '/list' }] },
    '/checkout': { cpuMs: 1.5, calls: [{ service: 'checkout', path: '/place' }] },
  },
  catalog: { '/list': { cpuMs: 0.5, ioMs: 2, db: 'SELECT products' }, '/get': { cpuMs: 0.3, ioMs: 1, db: 'SELECT product' } },
  currency: { '/convert': { cpuMs: 0.6 } },
  recommend: { '/list': { cpuMs: 1, calls: [{ service: 'catalog', path: '/list' }] } },
  checkout: {
    '/place': {
      cpuMs: 1,
      calls: [
        { service: 'cart', path: '/get' },
        { service: 'catalog', path: '/get' },
        { service: 'currency', path: '/convert' },
        { service: 'payment', path: '/charge' },
        { service: 'cart', path: '/empty' },
      ],
    },
  },
  cart: { '/get': { cpuMs: 0.2, ioMs: 1, db: 'GET cart' }, '/empty': { cpuMs: 0.2, ioMs: 1, db: 'DEL cart' } },
  payment: { '/charge': { cpuMs: 1, ioMs: 3, db: 'INSERT charge' } },
};
const MIX: [string, number][] = [
  ['/home', 0.5],
  ['/product', 0.35],
  ['/checkout', 0.15],
];
export const SHOP_TOPOLOGY: Topology = { name: 'shop', services: SHOP, front: 'frontend', mix: MIX };

export type LiveFault = 'network_delay' | 'cpu' | 'exception' | 'return' | 'cpu_contention';
/** the faults a bench runs by default */
export const LIVE_FAULTS: LiveFault[] = ['network_delay', 'cpu', 'exception', 'return'];
/** every fault the harness can inject: the defaults and CPU contention (selected by name: its runs take longer to set up) */
export const ALL_LIVE_FAULTS: LiveFault[] = [...LIVE_FAULTS, 'cpu_contention'];

/** the services where a fault leaves a mark: network delay needs a caller, an early return something to skip */
export function liveTargets(fault: LiveFault): string[] {
  return Object.keys(SHOP).filter((s) => {
    if (fault === 'network_delay') return s !== 'frontend';
    if (fault === 'return') return Object.values(SHOP[s]!).some((e) => e.ioMs || e.calls?.length);
    return true;
  });
}


interface Proxy {
  port: number;
  delayMs: number;
  server: net.Server;
  sockets: Set<net.Socket>;
}

/** A TCP proxy that holds every client→server chunk for `delayMs` (± 20 %), in order: latency on the way in. */
function startProxy(target: number, rnd: () => number): Promise<Proxy> {
  const p: Proxy = { port: 0, delayMs: 0, server: net.createServer(), sockets: new Set() };
  p.server.on('connection', (client) => {
    const upstream = net.connect(target, '127.0.0.1');
    p.sockets.add(client).add(upstream);
    let last = 0;
    client.on('data', (chunk) => {
      if (!p.delayMs) return void upstream.write(chunk);
      const at = Math.max(Date.now() + p.delayMs * (0.8 + 0.4 * rnd()), last);
      last = at;
      setTimeout(() => upstream.write(chunk), at - Date.now());
    });
    upstream.pipe(client);
    const end = () => {
      client.destroy();
      upstream.destroy();
      p.sockets.delete(client);
      p.sockets.delete(upstream);
    };
    client.on('close', end).on('error', end);
    upstream.on('close', end).on('error', end);
  });
  return new Promise((resolve) => p.server.listen(0, '127.0.0.1', () => resolve(Object.assign(p, { port: (p.server.address() as net.AddressInfo).port }))));
}

function post(port: number, path: string, body: unknown): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path, method: 'POST', headers: { 'content-type': 'application/json' } }, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`${path} on :${port} answered ${res.statusCode}`))));
    });
    req.on('error', reject);
    req.setTimeout(30_000, () => req.destroy(new Error(`${path} on :${port}: no answer in 30 s`)));
    req.end(JSON.stringify(body));
  });
}

const CPU_CGROUP = '/sys/fs/cgroup/cpu';

/** A process's CPU affinity mask (`taskset -p`), as a hex string. */
export function affinityOf(pid: number): string {
  const out = execFileSync('taskset', ['-p', String(pid)], { encoding: 'utf8' });
  const m = /affinity mask: ([0-9a-f]+)/i.exec(out);
  if (!m) throw new Error(`taskset -p ${pid}: no affinity mask in ${JSON.stringify(out)}`);
  return m[1]!;
}

/** Running CPU contention against one process: the contenders' ids, and `stop` (kills them, restores the affinity). */
export interface Contention {
  core: number;
  contenders: number[];
  /** the cpu cgroup (v1) holding the process and its contenders under a CFS quota, when `quota` was asked */
  cgroup?: string;
  stop(): Promise<void>;
}

/**
 * CPU contention against process `pid`, as a stress process in the same container makes it: every thread of the
 * process is pinned to `core` (`taskset -a -p -c`), and `contenders` busy processes (`sh` loops, `nice -n nice`) are
 * started pinned to the same core, so the process gets only its share of that core: every CPU-bound part of it (its
 * handler, the instrumentation's work, serialisation, its internal spans) stretches, its waits on other processes do
 * not. The share is set by `nice`: the service stays at nice 0 (weight 1024), a contender at nice −10 weighs 9548, at
 * −19 71755 (negative values need root). The contenders stay in the starter's session: with the kernel's autogroup
 * scheduling a new session (a detached child) is a group of its own that gets an equal share whatever its nice value,
 * which left the service half of the core — more than it ever used — so nothing stretched. A contender is one `sh`
 * process with no children (taskset and nice exec into it), killed by its id, and it also ends by itself within
 * ~0.1 s once the process that started it is gone (it checks its parent between loops): none outlives a crashed bench.
 */
export async function startContention(pid: number, o: { core?: number; contenders?: number; nice?: number; quota?: number } = {}): Promise<Contention> {
  const core = o.core ?? 1;
  const mask = affinityOf(pid);
  const kids: ChildProcess[] = [];
  // the pod's CPU limit: a cpu cgroup (v1) with a CFS quota of `quota` × one core per 100 ms period, holding the
  // process and its contenders, which use up the quota: then the whole group waits for the next period
  let group = '';
  let home = '';
  if (o.quota) {
    if (!existsSync(CPU_CGROUP)) throw new Error(`CPU contention with a quota needs the cgroup v1 cpu controller at ${CPU_CGROUP}`);
    for (const d of readdirSync(CPU_CGROUP)) if (d.startsWith('td-contention-')) try { rmdirSync(join(CPU_CGROUP, d)); } catch { /* still in use */ }
    home = join(CPU_CGROUP, /^\d+:cpu(?:,[^:]*)?:(.*)$/m.exec(readFileSync(`/proc/${pid}/cgroup`, 'utf8'))?.[1] ?? '/');
  }
  const stop = async () => {
    for (const k of kids) {
      try {
        if (k.exitCode === null && k.signalCode === null) process.kill(k.pid!, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }
    await Promise.all(kids.map((k) => (k.exitCode !== null || k.signalCode !== null ? null : new Promise((r) => k.once('exit', r)))));
    try {
      execFileSync('taskset', ['-a', '-p', mask, String(pid)], { stdio: 'ignore' });
    } catch {
      /* the process has ended */
    }
    if (group) {
      try {
        writeFileSync(join(home, 'cgroup.procs'), String(pid));
      } catch {
        /* the process has ended */
      }
      for (let k = 0; k < 50; k++) {
        try {
          rmdirSync(group);
          break;
        } catch {
          await new Promise((r) => setTimeout(r, 20)); // the killed contenders leave the group a moment later
        }
      }
    }
  };
  try {
    execFileSync('taskset', ['-a', '-p', '-c', String(core), String(pid)], { stdio: 'ignore' });
    if (o.quota) {
      group = join(CPU_CGROUP, `td-contention-${pid}`);
      mkdirSync(group);
      writeFileSync(join(group, 'cpu.cfs_period_us'), '100000');
      writeFileSync(join(group, 'cpu.cfs_quota_us'), String(Math.max(1000, Math.round(o.quota * 100000))));
      writeFileSync(join(group, 'cgroup.procs'), String(pid));
    }
    const loop = `while kill -0 ${process.pid} 2>/dev/null; do i=0; while [ $i -lt 20000 ]; do i=$((i+1)); done; done`;
    for (let k = 0; k < (o.contenders ?? 2); k++) {
      const child = spawn('taskset', ['-c', String(core), 'nice', '-n', String(o.nice ?? 0), 'sh', '-c', loop], { stdio: 'ignore' });
      kids.push(child);
      await new Promise<void>((resolve, reject) => {
        child.once('spawn', () => resolve());
        child.once('error', reject);
      });
    }
    // a contender is in place once taskset has exec'ed into the loop (its own mask is then the core's alone)
    const want = (1 << core).toString(16);
    const t0 = Date.now();
    while (kids.some((k) => affinityOf(k.pid!) !== want || !/\bsh\b/.test(execFileSync('ps', ['-o', 'comm=', '-p', String(k.pid)], { encoding: 'utf8' })))) {
      if (Date.now() - t0 > 5000) throw new Error(`CPU contenders not pinned to core ${core} within 5 s`);
      await new Promise((r) => setTimeout(r, 20));
    }
    if (group) for (const k of kids) writeFileSync(join(group, 'cgroup.procs'), String(k.pid));
  } catch (e) {
    await stop();
    throw e;
  }
  return { core, contenders: kids.map((k) => k.pid!), ...(group ? { cgroup: group } : {}), stop };
}

/**
 * One fault: network delay (the proxy), CPU × factor, an exception or an early return in `share` of the requests,
 * or CPU contention (startContention: pinned to `core` beside `contenders` busy processes at `nice`).
 * Spring-like endpoints only: `endpoint` limits an exception or a return to one route (a method-level injection, as
 * the real benchmark's JVM faults are), `at` says where the exception is thrown ('start', 'end' or after k steps),
 * `quiet` that a handler advice answers 500 without the framework's error span.
 */
export interface LiveFaultSpec {
  service: string;
  kind: LiveFault;
  delayMs?: number;
  factor?: number;
  share?: number;
  endpoint?: string;
  at?: 'start' | 'end' | number;
  quiet?: boolean;
  core?: number;
  contenders?: number;
  nice?: number;
  quota?: number;
}

export interface LiveSystem {
  /** run one phase of load and return its OTLP JSON Lines (as exported) */
  phase(o: { seconds: number; rate: number; fault?: LiveFaultSpec }): Promise<{ lines: string[]; sent: number; failed: number }>;
  stop(): Promise<void>;
}

/** Start the collector, the topology's services (the shop's seven by default) and their proxies. */
export async function startLiveSystem(o: { seed?: number; topology?: Topology; work?: 'wall' | 'fixed' } = {}): Promise<LiveSystem> {
  const rnd = mulberry32(o.seed ?? 1);
  const topo = o.topology ?? SHOP_TOPOLOGY;
  let bodies: string[] = [];
  const collector = http.createServer((req, res) => {
    let s = '';
    req.setEncoding('utf8');
    req.on('data', (d: string) => (s += d));
    req.on('end', () => {
      bodies.push(s);
      res.setHeader('content-type', 'application/json');
      res.end('{}');
    });
  });
  await new Promise<void>((r) => collector.listen(0, '127.0.0.1', () => r()));
  const collectorUrl = `http://127.0.0.1:${(collector.address() as net.AddressInfo).port}/v1/traces`;
  const procs = new Map<string, { child: ChildProcess; port: number }>();
  const proxies = new Map<string, Proxy>();
  const service = join(process.cwd(), 'test', 'helpers', 'live-service.cjs');
  let contention: Contention | null = null;
  const stop = async () => {
    await contention?.stop();
    contention = null;
    for (const { child } of procs.values()) child.kill('SIGTERM');
    await Promise.all([...procs.values()].map(({ child }) => (child.exitCode !== null ? null : new Promise((r) => child.once('exit', r)))));
    for (const p of proxies.values()) {
      for (const s of p.sockets) s.destroy();
      p.server.close();
    }
    collector.close();
  };
  try {
    for (const [svc, spec] of Object.entries(topo.services)) {
      const env = { ...process.env, SVC: svc, PORT: '0', COLLECTOR: collectorUrl, SPEC: JSON.stringify(spec), ERROR_SPAN: topo.errorSpan ?? '', WORK: o.work ?? 'wall' };
      const child = spawn(process.execPath, [service], { env, stdio: ['ignore', 'pipe', 'inherit'] });
      const port = await new Promise<number>((resolve, reject) => {
        let out = '';
        const t = setTimeout(() => reject(new Error(`${svc} did not start in 30 s`)), 30_000);
        child.stdout!.on('data', (d: Buffer) => {
          out += d.toString();
          const m = /READY (\d+)/.exec(out);
          if (m) {
            clearTimeout(t);
            resolve(Number(m[1]));
          }
        });
        child.once('exit', (code) => reject(new Error(`${svc} exited (${code}) before it was ready`)));
      });
      procs.set(svc, { child, port });
      proxies.set(svc, await startProxy(port, rnd));
    }
    const peers = Object.fromEntries([...proxies].map(([s, p]) => [s, `http://127.0.0.1:${p.port}`]));
    for (const { port } of procs.values()) await post(port, '/__peers', peers);
  } catch (e) {
    await stop();
    throw e;
  }
  const agent = new http.Agent({ keepAlive: true, maxSockets: 128 });
  const front = procs.get(topo.front)!.port;
  const request = (path: string) =>
    new Promise<boolean>((resolve) => {
      const req = http.get({ host: '127.0.0.1', port: front, path, agent }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode === 200));
      });
      req.on('error', () => resolve(false));
      req.setTimeout(30_000, () => req.destroy());
    });
  return {
    async phase({ seconds, rate, fault }) {
      if (fault?.kind === 'network_delay') proxies.get(fault.service)!.delayMs = fault.delayMs ?? 100;
      else if (fault?.kind === 'cpu_contention') contention = await startContention(procs.get(fault.service)!.child.pid!, fault);
      else if (fault) {
        const { kind, factor, share, endpoint, at, quiet } = fault;
        await post(procs.get(fault.service)!.port, '/__fault', { kind, factor, share, endpoint, at, quiet });
      }
      bodies = [];
      let ok: boolean[];
      try {
        // open-loop Poisson arrivals, bounded in count and in time
        const inflight: Promise<boolean>[] = [];
        const t0 = Date.now();
        let next = t0;
        while (next - t0 < seconds * 1000 && inflight.length < seconds * rate * 3) {
          const wait = next - Date.now();
          if (wait > 0) await new Promise((r) => setTimeout(r, wait));
          let u = rnd();
          const path = topo.mix.find(([, w]) => (u -= w) < 0)?.[0] ?? topo.mix[0]![0];
          inflight.push(request(path));
          next += (-Math.log(1 - rnd()) / rate) * 1000;
        }
        ok = await Promise.all(inflight);
      } finally {
        // the contention ends with the load (the flush below is no part of the run)
        await contention?.stop();
        contention = null;
      }
      for (const { port } of procs.values()) await post(port, '/__flush', {});
      // clear the fault for the next phase
      if (fault?.kind === 'network_delay') proxies.get(fault.service)!.delayMs = 0;
      else if (fault && fault.kind !== 'cpu_contention') await post(procs.get(fault.service)!.port, '/__fault', {});
      const lines = bodies.filter((b) => b.trim()).map((b) => JSON.stringify(JSON.parse(b)));
      return { lines, sent: ok.length, failed: ok.filter((x) => !x).length };
    },
    stop: async () => {
      agent.destroy();
      await stop();
    },
  };
}

/** The export as the Nezha conversion has it: no span kind, no status, no attributes, no events (names and ids kept). */
export function stripped(lines: string[]): string[] {
  return lines.map((l) => {
    const req = JSON.parse(l) as { resourceSpans?: { scopeSpans?: { spans?: Record<string, unknown>[] }[] }[] };
    for (const rs of req.resourceSpans ?? [])
      for (const ss of rs.scopeSpans ?? [])
        for (const s of ss.spans ?? []) {
          delete s.kind;
          delete s.status;
          delete s.attributes;
          delete s.events;
        }
    return JSON.stringify(req);
  });
}

export interface LiveResult {
  service: string;
  fault: LiveFault;
  variant: 'full' | 'stripped';
  got: string | null;
  services: string[];
  top1: boolean;
  top3: boolean;
  kind: string | null;
  diagnosis: Diagnosis;
}

/** Diagnose one faulty run (OTLP JSON Lines) against the baseline, in both variants. */
export async function diagnoseLive(baseline: string[], incident: string[], want: string, fault: LiveFault, dir: string): Promise<LiveResult[]> {
  const out: LiveResult[] = [];
  for (const variant of ['full', 'stripped'] as const) {
    const files = [baseline, incident].map((lines, k) => {
      const f = join(dir, `${variant}-${k ? 'incident' : 'baseline'}-${want}-${fault}.jsonl`);
      writeFileSync(f, (variant === 'full' ? lines : stripped(lines)).join('\n') + '\n');
      return f;
    });
    const [b, i] = await Promise.all(files.map((f) => loadTraces(f)));
    const d = analyze(b!.model, i!.model, { seed: 1 }).diagnosis;
    const services = rankedServices(d);
    out.push({ service: want, fault, variant, got: d.rootCause?.service ?? null, services, top1: d.rootCause?.service === want, top3: services.slice(0, 3).includes(want), kind: d.rootCause?.kind ?? null, diagnosis: d });
    for (const f of files) rmSync(f, { force: true });
  }
  return out;
}

export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'td-live-'));
}

/**
 * Own time per operation in an export (OTLP JSON Lines): for each service and span name, each span's duration less
 * the union of its children's intervals (clipped to the span), in ms. For the bench's account of what a fault did to
 * the faulty service's spans and to everyone else's (no engine code: a plain reading of the export).
 */
export function ownTimes(lines: string[]): Map<string, Map<string, number[]>> {
  interface S { svc: string; name: string; id: string; parent: string; start: number; end: number }
  // a client span is told from a server span of the same name (the HTTP instrumentation names both `GET`)
  const spans: S[] = [];
  for (const l of lines) {
    const req = JSON.parse(l) as { resourceSpans?: { resource?: { attributes?: { key: string; value: { stringValue?: string } }[] }; scopeSpans?: { spans?: Record<string, unknown>[] }[] }[] };
    for (const rs of req.resourceSpans ?? []) {
      const svc = rs.resource?.attributes?.find((a) => a.key === 'service.name')?.value.stringValue ?? '?';
      for (const ss of rs.scopeSpans ?? [])
        for (const x of ss.spans ?? [])
          spans.push({ svc, name: `${String(x.name)}${x.kind === 3 ? ' (client)' : ''}`, id: String(x.spanId), parent: String(x.parentSpanId ?? ''), start: Number(BigInt(String(x.startTimeUnixNano)) / 1000n) / 1000, end: Number(BigInt(String(x.endTimeUnixNano)) / 1000n) / 1000 });
    }
  }
  const kids = new Map<string, S[]>();
  for (const x of spans) if (x.parent) (kids.get(x.parent) ?? kids.set(x.parent, []).get(x.parent)!).push(x);
  const out = new Map<string, Map<string, number[]>>();
  for (const x of spans) {
    const iv = (kids.get(x.id) ?? []).map((c) => [Math.max(c.start, x.start), Math.min(c.end, x.end)] as const).filter(([a, b]) => b > a).sort((a, b) => a[0] - b[0]);
    let covered = 0;
    let at = -Infinity;
    for (const [a, b] of iv) {
      if (b <= at) continue;
      covered += b - Math.max(a, at);
      at = b;
    }
    const ops = out.get(x.svc) ?? out.set(x.svc, new Map()).get(x.svc)!;
    (ops.get(x.name) ?? ops.set(x.name, []).get(x.name)!).push(Math.max(0, x.end - x.start - covered));
  }
  return out;
}

export const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? (s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2) : NaN;
};
