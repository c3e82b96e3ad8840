/**
 * Generated microservice runs shaped like real fault-injection exports (our own synthetic data, for unit tests and
 * benches): NO span kinds (everything INTERNAL, as exports converted from CSV or from some agents are), a gateway
 * entry, three endpoints with different traffic (orders 45 %, catalog 45 %, checkout 10 %), remote calls as a
 * span in the caller (its own service) whose only child is the callee's entry span.
 *
 * Faults (the phenomena of real incidents):
 *  - network_delay: `prices` answers late — the gap between each caller's remote-call span and prices' span grows on
 *    every caller (prices' own spans unchanged);
 *  - cpu: `users` is CPU-starved — every one of its own spans is ×3–5 at the median, its callers' gaps grow a little;
 *  - gateway_cpu: the `gateway` (the one caller of orders, catalog and checkout) is CPU-starved — its own time ×3–5 and
 *    every call it makes waits longer on its side (the gap grows on ALL its out-edges, each callee looks delayed);
 *  - gateway_delay: network delay at the `gateway` — every call it makes waits ~40 ms longer (its own time unchanged):
 *    the gap grows on all its out-edges to three different callees, none of which has another caller that waits;
 *  - endpoint: the rare checkout endpoint only — `payment`'s save is 150 ms slower (10 % of the traces);
 *  - abort: `orders` fails fast without an error status — in 70 % of its calls it returns right away without calling
 *    users and prices (the average trace gets FASTER);
 *  - stop: `checkout` stops right after its call to users in 80 % of its calls (an exception in checkout once users
 *    answered, no error status): the call to payment that used to follow never happens;
 *  - failfast: `users` fails fast in 80 % of its calls (answers at once, without its repository work, no error
 *    status) and its callers give up right after the call (orders skips prices, checkout skips payment);
 *  - handler: `payment` fails in 40 % of its calls with no status and no attributes — only the framework's error
 *    handler span (`BasicErrorController.error`, as Spring Boot records it) below /pay says so;
 *  - none: nothing changes (a different seed of the same load).
 * Per-entry-point faults (not in MICRO_FAULTS; core/rca/entry-points.ts), with `rareEndpoint` a fourth endpoint
 * `/reports` (reports service, 3 % of the traffic, taken from checkout's share):
 *  - rare_slow: the rare `/reports` endpoint only — its report query makes its traces ≈ 5× slower (15 of 500 traces);
 *  - throughput: two thirds of the catalog requests never arrive (its traces per minute drop to a third; the other
 *    traces are unchanged, so nothing in the spans explains it).
 * Without `rareEndpoint` and for the faults above the random stream is the one of earlier versions: existing scenarios
 * give the same spans.
 */
import { mulberry32 } from '../stats/index';
import type { GenSpan } from './scenarios';

export type MicroFault = 'network_delay' | 'cpu' | 'gateway_cpu' | 'gateway_delay' | 'endpoint' | 'abort' | 'stop' | 'failfast' | 'handler' | 'none' | 'rare_slow' | 'throughput';
export const MICRO_FAULTS: MicroFault[] = ['network_delay', 'cpu', 'gateway_cpu', 'gateway_delay', 'endpoint', 'abort', 'stop', 'failfast', 'handler'];
/** per-entry-point faults (tests of core/rca/entry-points.ts) */
export const ENTRY_FAULTS: MicroFault[] = ['rare_slow', 'throughput'];

export interface MicroOptions {
  /** a fourth endpoint, /reports (3 % of the traffic); implied by rare_slow */
  rareEndpoint?: boolean;
  /**
   * background drift in the INCIDENT run, not the fault: every own time of a service × factor (another team's
   * deploy, a noisier or a quieter host) — real changes that explain nothing of a fault elsewhere
   */
  drift?: { service: string; factor: number }[];
}

export interface MicroScenario {
  fault: MicroFault;
  baseline: GenSpan[];
  incident: GenSpan[];
  /** the service to blame (null: no regression) */
  service: string | null;
}

interface Call {
  service: string;
  name: string;
  /** own time before / after the children, ms */
  ownMs: number;
  children: Call[];
  /** wait before the callee's span starts when this is a remote call (set on the callee's entry) */
  gapMs?: number;
}

function run(traces: number, seed: number, fault: MicroFault | null, opts: MicroOptions = {}): GenSpan[] {
  const rnd = mulberry32(seed);
  const jit = (ms: number) => ms * (0.7 + 0.6 * rnd());
  const out: GenSpan[] = [];
  let sid = 0;
  const hex = (n: number, len: number) => n.toString(16).padStart(len, '0');
  const cpu = (svc: string, ms: number) => ((fault === 'cpu' && svc === 'users') || (fault === 'gateway_cpu' && svc === 'gateway') ? ms * (3 + 2 * rnd()) : ms);
  const remote = (caller: string, callee: Call): Call => ({
    service: caller, name: callee.name.startsWith('/') ? 'HTTP GET' : 'HTTP POST', ownMs: 0,
    children: [{ ...callee, gapMs: jit(1.5) + (fault === 'network_delay' && callee.service === 'prices' ? jit(40) : 0) + (fault === 'cpu' && callee.service === 'users' ? jit(3) : 0) + (fault === 'gateway_cpu' && caller === 'gateway' ? jit(4) : 0) + (fault === 'gateway_delay' && caller === 'gateway' ? jit(40) : 0) }],
  });
  const users = (failFast = false): Call => failFast ? { service: 'users', name: '/users/{id}', ownMs: jit(0.2), children: [] } : ({ service: 'users', name: '/users/{id}', ownMs: cpu('users', jit(0.6)), children: [{ service: 'users', name: 'UserRepository.find', ownMs: cpu('users', jit(1.2)), children: [] }, { service: 'users', name: 'UserMapper.toDto', ownMs: cpu('users', jit(0.5)), children: [] }] });
  const prices = (): Call => ({ service: 'prices', name: '/prices', ownMs: jit(0.5), children: [{ service: 'prices', name: 'PriceRepository.find', ownMs: jit(1.5), children: [] }] });
  const payment = (): Call => ({
    service: 'payment', name: '/pay', ownMs: jit(0.5),
    children: [
      { service: 'payment', name: 'PaymentRepository.save', ownMs: jit(3) + (fault === 'endpoint' ? jit(150) : 0), children: [] },
      ...(fault === 'handler' && rnd() < 0.4 ? [{ service: 'payment', name: 'BasicErrorController.error', ownMs: jit(0.5), children: [] }] : []),
    ],
  });
  for (let t = 0; t < traces; t++) {
    const traceId = hex(seed, 8) + hex(t + 1, 24);
    const u = rnd();
    let entry: Call;
    if (u < 0.45) {
      const abort = fault === 'abort' && rnd() < 0.7;
      const ff = fault === 'failfast' && rnd() < 0.8;
      entry = { service: 'orders', name: '/orders', ownMs: jit(0.5), children: [{ service: 'orders', name: 'OrderController.list', ownMs: jit(2), children: abort ? [] : [{ service: 'orders', name: 'SELECT orders', ownMs: jit(1), children: [] }, remote('orders', users(ff)), ...(ff ? [] : [remote('orders', prices())])] }] };
    } else if (u < 0.9) {
      entry = { service: 'catalog', name: '/catalog', ownMs: jit(0.5), children: [{ service: 'catalog', name: 'CatalogController.list', ownMs: jit(2), children: [{ service: 'catalog', name: 'SELECT items', ownMs: jit(2), children: [] }, remote('catalog', prices())] }] };
    } else if (opts.rareEndpoint && u >= 0.97) {
      entry = { service: 'reports', name: '/reports', ownMs: jit(0.5), children: [{ service: 'reports', name: 'ReportController.build', ownMs: jit(3), children: [{ service: 'reports', name: 'SELECT report', ownMs: jit(4) + (fault === 'rare_slow' ? jit(70) : 0), children: [] }, remote('reports', users())] }] };
    } else {
      entry = { service: 'checkout', name: '/checkout', ownMs: jit(0.5), children: [{ service: 'checkout', name: 'CheckoutController.place', ownMs: jit(4), children: fault === 'stop' && rnd() < 0.8 ? [remote('checkout', users())] : fault === 'failfast' && rnd() < 0.8 ? [remote('checkout', users(true))] : [remote('checkout', users()), remote('checkout', payment())] }] };
    }
    // throughput: two thirds of the catalog requests never arrive (drawn only for this fault: other streams unchanged)
    if (fault === 'throughput' && entry.service === 'catalog' && rnd() < 2 / 3) continue;
    const root: Call = { service: 'gateway', name: '/*', ownMs: cpu('gateway', jit(1)), children: [remote('gateway', entry)] };
    // lay the tree out: own time split before/after the children, children one after another
    const emit = (c: Call, parentId: string, startMs: number): number => {
      const id = hex(++sid, 16);
      const own = c.ownMs * (opts.drift?.find((x) => x.service === c.service)?.factor ?? 1);
      let cur = startMs + (c.gapMs ?? 0) / 2 + own / 2;
      const begin = startMs + (c.gapMs ?? 0) / 2;
      for (const ch of c.children) cur = emit(ch, id, cur);
      const end = cur + own / 2;
      out.push({ traceId, spanId: id, parentId, service: c.service, name: c.name, kind: 'internal', start: Math.round((t * 200 + begin) * 1e6), duration: Math.round((end - begin) * 1e6), error: false, attrs: {} });
      return end + (c.gapMs ?? 0) / 2;
    };
    emit(root, '', 0);
  }
  return out;
}

/** throughput: no service to blame (the requests that never arrived left no spans), but a regression all the same */
const BLAME: Record<MicroFault, string | null> = { network_delay: 'prices', cpu: 'users', endpoint: 'payment', gateway_cpu: 'gateway', gateway_delay: 'gateway', abort: 'orders', stop: 'checkout', failfast: 'users', handler: 'payment', none: null, rare_slow: 'reports', throughput: null };

export function makeMicroScenario(fault: MicroFault, seed: number, traces = 300, opts: MicroOptions = {}): MicroScenario {
  const o = { ...opts, rareEndpoint: opts.rareEndpoint || fault === 'rare_slow' };
  const { drift, ...same } = o;
  return { fault, baseline: run(traces, seed * 2 + 1, null, same), incident: run(traces, seed * 2 + 2, fault === 'none' ? null : fault, { ...same, ...(drift ? { drift } : {}) }), service: BLAME[fault] };
}
