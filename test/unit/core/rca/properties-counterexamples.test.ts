/**
 * Counterexamples the engine's property tests found (properties-robustness/-metamorphic.test.ts), shrunk and written
 * out as plain examples — regression tests of the fixes (engine: 75deae5, 7626a26; aggregation: the server span ending
 * after its client call). A new counterexample goes here marked `{ todo: 'why' }` until the engine is fixed.
 * notes/engine-properties.md says why each is a bug and not an over-strong property.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { analyze, diagnose } from '../../../../src/core/rca/analyze';
import { SpanKind } from '../../../../src/core/model/span-table';
import { makeMicroScenario } from '../../../../src/core/testing/microservices';
import { makeScenario } from '../../../../src/core/testing/scenarios';
import { table, type S } from '../../../helpers/spans';
import { firstDifference, fromGen, permute, shift, templateRun, toTable, type TemplateSpec } from '../../../helpers/trace-props';

/** gateway GET /item calls stock and price at the same instant (parallel calls; a coarse clock makes the tie common). */
function sameInstant(priceListedFirst: boolean, n = 30): S[] {
  const out: S[] = [];
  for (let k = 0; k < n; k++) {
    const tr = 't' + k;
    const t0 = k * 1000;
    const j = (k * 7) % 5;
    const stock: S = { trace: tr, id: 'x' + k, parent: 'r' + k, service: 'stock', name: 'GET /stock', kind: SpanKind.Server, start: t0 + 1, dur: 5 + j };
    const price: S = { trace: tr, id: 'y' + k, parent: 'r' + k, service: 'price', name: 'GET /price', kind: SpanKind.Server, start: t0 + 1, dur: 6 + j };
    out.push({ trace: tr, id: 'r' + k, service: 'gateway', name: 'GET /item', kind: SpanKind.Server, start: t0, dur: 12 + j }, ...(priceListedFirst ? [price, stock] : [stock, price]));
  }
  return out;
}

/** frontend GET /home calls api and auth in parallel; api's request waits `apiWaitMs` in its queue before its span starts. */
function parallelCalls(apiWaitMs: number, n = 40): S[] {
  const out: S[] = [];
  for (let k = 0; k < n; k++) {
    const tr = 't' + k;
    const t0 = k * 1000;
    const j = ((k * 7) % 5) * 0.2;
    const apiEnd = 1.5 + apiWaitMs + 5 + j;
    const authEnd = 2 + 5 + j;
    out.push(
      { trace: tr, id: 'r' + k, service: 'frontend', name: 'GET /home', kind: SpanKind.Server, start: t0, dur: Math.max(apiEnd, authEnd) + 1 },
      { trace: tr, id: 'ca' + k, parent: 'r' + k, service: 'frontend', name: 'call api', kind: SpanKind.Client, start: t0 + 1, dur: apiEnd - 1 },
      { trace: tr, id: 'a' + k, parent: 'ca' + k, service: 'api', name: 'POST /api', kind: SpanKind.Server, start: t0 + 1.5 + apiWaitMs, dur: 5 + j },
      { trace: tr, id: 'cu' + k, parent: 'r' + k, service: 'frontend', name: 'call auth', kind: SpanKind.Client, start: t0 + 1, dur: authEnd - 1 },
      { trace: tr, id: 'u' + k, parent: 'cu' + k, service: 'auth', name: 'POST /auth', kind: SpanKind.Server, start: t0 + 2, dur: 5 + j },
    );
  }
  return out;
}


/**
 * frontend GET / → call auth → auth POST /auth → call orders → orders POST /orders; orders' requests wait `waitMs` in
 * its queue; frontend's clock is `skewMs` off the other hosts' (the same offset in both runs).
 */
function skewedChain(waitMs: number, skewMs: number, n = 30): S[] {
  const out: S[] = [];
  for (let k = 0; k < n; k++) {
    const tr = 't' + k;
    const t0 = k * 1000;
    const j = ((k * 7) % 5) * 0.3;
    const o = { start: t0 + 1.5 + waitMs, dur: 3 + j };
    const ac = { start: t0 + 1.2, dur: o.start + o.dur + 0.2 - (t0 + 1.2) };
    const a = { start: t0 + 1, dur: ac.start + ac.dur + 0.3 - (t0 + 1) };
    const fc = { start: t0 + 0.7, dur: a.start + a.dur + 0.3 - (t0 + 0.7) };
    out.push(
      { trace: tr, id: 'r' + k, service: 'frontend', name: 'GET /', kind: SpanKind.Server, start: t0 + skewMs, dur: fc.start + fc.dur + 0.5 - t0 },
      { trace: tr, id: 'fc' + k, parent: 'r' + k, service: 'frontend', name: 'call auth', kind: SpanKind.Client, start: fc.start + skewMs, dur: fc.dur },
      { trace: tr, id: 'a' + k, parent: 'fc' + k, service: 'auth', name: 'POST /auth', kind: SpanKind.Server, start: a.start, dur: a.dur },
      { trace: tr, id: 'ac' + k, parent: 'a' + k, service: 'auth', name: 'call orders', kind: SpanKind.Client, start: ac.start, dur: ac.dur },
      { trace: tr, id: 'o' + k, parent: 'ac' + k, service: 'orders', name: 'POST /orders', kind: SpanKind.Server, start: o.start, dur: o.dur },
    );
  }
  return out;
}

/**
 * frontend GET / runs two things in parallel: a call to billing (10 ms) and its own step `prepare`, which works
 * `prepMs` and then calls accounts (3 ms).
 */
function prepareThenCall(prepMs: number, n = 40): S[] {
  const out: S[] = [];
  for (let k = 0; k < n; k++) {
    const tr = 't' + k;
    const t0 = k * 1000;
    const j = ((k * 7) % 5) * 0.2;
    const aStart = t0 + 1 + prepMs + j;
    const end = Math.max(t0 + 11.5 + j, aStart + 3.5) + 1;
    out.push(
      { trace: tr, id: 'r' + k, service: 'frontend', name: 'GET /', kind: SpanKind.Server, start: t0, dur: end - t0 },
      { trace: tr, id: 'cb' + k, parent: 'r' + k, service: 'frontend', name: 'call billing', kind: SpanKind.Client, start: t0 + 1, dur: 10.5 + j },
      { trace: tr, id: 'b' + k, parent: 'cb' + k, service: 'billing', name: 'POST /bill', kind: SpanKind.Server, start: t0 + 1.2, dur: 10 + j },
      { trace: tr, id: 'p' + k, parent: 'r' + k, service: 'frontend', name: 'prepare', kind: SpanKind.Internal, start: t0 + 1, dur: aStart + 3.5 - (t0 + 1) },
      { trace: tr, id: 'ca' + k, parent: 'p' + k, service: 'frontend', name: 'call accounts', kind: SpanKind.Client, start: aStart, dur: 3.5 },
      { trace: tr, id: 'a' + k, parent: 'ca' + k, service: 'accounts', name: 'GET /account', kind: SpanKind.Server, start: aStart + 0.2, dur: 3 },
    );
  }
  return out;
}

/**
 * `n` traces of front GET / → api handle → api query; api / handle's own time is 0 in the first `zeros` traces (its query
 * covers it) and 0.3–1.0 ms in the others — the same distribution in both runs up to a couple of traces.
 */
function oftenZero(n: number, zeros: number, tag: string): S[] {
  const out: S[] = [];
  for (let k = 0; k < n; k++) {
    const tr = tag + k;
    const t0 = k * 1000;
    const own = k < zeros ? 0 : 0.3 + ((k * 7) % 8) * 0.1;
    const j = ((k * 3) % 5) * 0.1;
    out.push(
      { trace: tr, id: 'r' + k, service: 'front', name: 'GET /', kind: SpanKind.Server, start: t0, dur: 10 + j },
      { trace: tr, id: 'h' + k, parent: 'r' + k, service: 'api', name: 'handle', kind: SpanKind.Internal, start: t0 + 1, dur: 5 },
      { trace: tr, id: 'q' + k, parent: 'h' + k, service: 'api', name: 'query', kind: SpanKind.Internal, start: t0 + 1 + own / 2, dur: 5 - own },
      { trace: tr, id: 'c' + k, parent: 'r' + k, service: 'front', name: 'render', kind: SpanKind.Internal, start: t0 + 7, dur: 2 + j },
    );
  }
  return out;
}

describe('diagnosis engine: counterexamples found by the property tests', () => {
  test(
    'the same traces with two same-instant calls listed in the other order are not a regression',
    () => {
      const d = diagnose(table(sameInstant(false)), table(sameInstant(true)));
      assert.equal(d.regression?.slower, false, JSON.stringify(d.regression?.entryPoints));
      assert.deepEqual(d.regression?.entryPoints ?? [], []);
    },
  );

  test(
    'an incident twice as fast (a callee no longer waits in its queue) is not a regression',
    () => {
      const d = diagnose(table(parallelCalls(10)), table(parallelCalls(0)));
      assert.ok(d.latency!.incidentMs < d.latency!.baselineMs / 2);
      assert.equal(d.regression?.slower, false, d.notes.join(' | '));
    },
  );

  test(
    'a queue wait in front of one of two parallel callees does not read as a change of the request mix',
    () => {
      const d = diagnose(table(parallelCalls(0)), table(parallelCalls(10)));
      assert.equal(d.rootCause?.service, 'api');
      for (const e of d.regression?.entryPoints ?? []) for (const c of e.changes) assert.notEqual(c.test, 'rate', c.text);
    },
  );

  test(
    'the callers listed in a remote-gap finding do not depend on the order of the spans in the file',
    () => {
      const sc = makeMicroScenario('network_delay', 1, 150);
      const b = fromGen(sc.baseline);
      const i = fromGen(sc.incident);
      const d0 = analyze(toTable(b), toTable(i)).diagnosis;
      const d1 = analyze(toTable(permute(b, 0, 'spans')), toTable(permute(i, 1, 'spans'))).diagnosis;
      assert.equal(firstDifference(d0.rootCause?.evidence, d1.rootCause?.evidence), null);
    },
  );

  test(
    'errors up significantly with no root cause: a note says why no component is named',
    () => {
      const sc = makeMicroScenario('handler', 1, 150);
      const d = diagnose(toTable(fromGen(sc.baseline)), toTable(fromGen(sc.incident)));
      assert.equal(d.regression?.errorsUp, true);
      assert.equal(d.rootCause, null);
      assert.ok(d.notes.some((n) => /no (component|root cause|operation)/i.test(n)), d.notes.join(' | '));
    },
  );

  test(
    'a significant slowdown of the only operation (8 single-span traces, 0.010 → 0.050 ms, PRODUCER) names it or says why not',
    () => {
      const spec: TemplateSpec = {
        nodes: [{ parent: 0, svc: 0, op: 0, kind: 4, ownMs: 0.01, gapMs: 0, parallel: false, errRate: 0 }],
        services: ['queue'], ops: ['publish'], tracesB: 8, tracesI: 8, spacingMs: 0, jitter: 0.3, loose: false,
        change: { type: 'slow', node: 0, factor: 5 }, seed: 0,
      };
      const d = diagnose(toTable(templateRun(spec, 'baseline')), toTable(templateRun(spec, 'incident')));
      assert.equal(d.regression?.slower, true);
      assert.ok(d.rootCause?.service === 'queue' || d.notes.some((n) => /no (component|root cause|operation)/i.test(n)), JSON.stringify({ candidates: d.candidates, notes: d.notes }));
    },
  );

  test('a faster run whose requests moved to another first call has lost no traffic (the swapped self-time fault, seed 3671)', () => {
    // the slow run's own-time fault in frontend.step16 delays the call it makes, so in 13 of its 50 requests another
    // parallel call (api / op22) starts first; in the fast run op18's always does. The op22 group "drops to 0/min"
    // while op18's rises by as much: the same requests relabelled, not a traffic cut — the faster run is no regression
    const sc = makeScenario('self_time', 3671, { traces: 50, strength: 1 });
    const d = analyze(toTable(fromGen(sc.incident)), toTable(fromGen(sc.baseline)), { seed: 1 }).diagnosis;
    assert.ok(d.latency!.incidentMs < d.latency!.baselineMs);
    assert.equal(d.regression?.slower, false, d.notes.join(' | '));
    for (const e of d.regression?.entryPoints ?? []) for (const c of e.changes) assert.notEqual(c.test, 'rate', `${e.entry}: ${c.text}`);
  });

  test("a caller's clock 20 ms behind (the same in both runs) does not make a phantom queue at the service it calls", () => {
    for (const skew of [-20, -50]) {
      const d = diagnose(table(skewedChain(0, skew)), table(skewedChain(40, skew)));
      assert.equal(d.rootCause?.service, 'orders', `skew ${skew}`);
      assert.ok(Math.abs(d.rootCause!.impactMs - 40) < 2, `skew ${skew}: orders' effect ${d.rootCause!.impactMs} ms, 40 ms added`);
      assert.deepEqual(d.candidates.filter((c) => c.service === 'auth').map((c) => `${c.kind} ${c.impactMs}`), [], `skew ${skew}`);
    }
  });

  test(
    'an incident 10 ms faster (a step of the frontend no longer works 15 ms before its call) is not a regression',
    // the frontend's own work before its call to accounts moved that call in or out of the first step (after 75deae5):
    // the same requests were '→ accounts' in one run and '→ billing' in the other, a phantom traffic drop (7626a26)
    () => {
      const d = diagnose(table(prepareThenCall(17)), table(prepareThenCall(2)));
      assert.ok(d.latency!.incidentMs < d.latency!.baselineMs - 9);
      assert.equal(d.regression?.slower, false, d.notes.join(' | '));
    },
  );

  test(
    "a slower step of the frontend does not read as a change of the request mix",
    () => {
      const d = diagnose(table(prepareThenCall(2)), table(prepareThenCall(17)));
      assert.equal(d.rootCause?.name, 'prepare');
      for (const e of d.regression?.entryPoints ?? []) for (const c of e.changes) assert.notEqual(c.test, 'rate', c.text);
    },
  );

  test(
    "a rank test's p-value does not depend on the order of the spans (per-trace means of equal spans tie exactly)",
    () => {
      // shrunk by fast-check (permutation property): 8 identical traces per run, one operation 3 times per trace
      const spec: TemplateSpec = {
        nodes: [
          { parent: 0, svc: 2, op: 0, kind: 0, ownMs: 0.01, gapMs: 0, parallel: false, errRate: 0 },
          { parent: 0, svc: 2, op: 0, kind: 0, ownMs: 0.01, gapMs: 0, parallel: false, errRate: 0 },
          { parent: 0, svc: 2, op: 0, kind: 0, ownMs: 1.9908205, gapMs: 0, parallel: false, errRate: 0 },
          { parent: 1, svc: 0, op: 0, kind: 0, ownMs: 0, gapMs: 0, parallel: false, errRate: 0 },
        ],
        services: ['front', 'db', 'cache'], ops: [''], tracesB: 8, tracesI: 8, spacingMs: 0, jitter: 0, loose: false,
        change: { type: 'slow', node: 1, factor: 5 }, seed: 0,
      };
      const b = templateRun(spec, 'baseline');
      const i = templateRun(spec, 'incident');
      const d0 = diagnose(toTable(b), toTable(i));
      const d1 = diagnose(toTable(permute(b, 0, 'spans')), toTable(permute(i, 1, 'spans')));
      assert.ok(d0.rootCause);
      assert.equal(firstDifference(d0, d1), null);
    },
  );

  test(
    'entry points with equal findings are listed in an order that does not depend on the order of the spans',
    () => {
      // shrunk by fast-check (permutation property, TD_PROP_SEED=11): a loose request shape, a fan-out ×3 in the incident
      const spec = {"nodes": [{"parent": 0, "svc": 1, "op": 0, "kind": 0, "ownMs": 0.01, "gapMs": 0, "parallel": false, "errRate": 0}, {"parent": 0, "svc": 0, "op": 0, "kind": 0, "ownMs": 0.01, "gapMs": 0, "parallel": false, "errRate": 0}, {"parent": 0, "svc": 0, "op": 0, "kind": 0, "ownMs": 0.01, "gapMs": 0, "parallel": false, "errRate": 0}, {"parent": 0, "svc": 0, "op": 1, "kind": 0, "ownMs": 0.01, "gapMs": 0, "parallel": false, "errRate": 0}, {"parent": 0, "svc": 0, "op": 2, "kind": 0, "ownMs": 0.01, "gapMs": 0, "parallel": false, "errRate": 0}, {"parent": 0, "svc": 0, "op": 0, "kind": 0, "ownMs": 0, "gapMs": 0, "parallel": false, "errRate": 0}, {"parent": 8, "svc": 0, "op": 0, "kind": 0, "ownMs": 0.01, "gapMs": 0, "parallel": false, "errRate": 0}], "services": ["db", "queue"], "ops": ["HTTP GET", "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", "__proto__"], "tracesB": 39, "tracesI": 42, "spacingMs": 0, "jitter": 0, "loose": true, "change": {"type": "fanout", "node": 13, "count": 3}, "seed": 411410412} as TemplateSpec;
      const b = templateRun(spec, 'baseline');
      const i = templateRun(spec, 'incident');
      const d0 = diagnose(toTable(b), toTable(i));
      const d1 = diagnose(toTable(permute(b, 0, 'spans')), toTable(permute(i, 1, 'spans')));
      assert.ok((d0.regression?.entryPoints?.length ?? 0) >= 2);
      assert.equal(firstDifference(d0.regression?.entryPoints, d1.regression?.entryPoints), null);
    },
  );

  test(
    "the one-run split's slowest traces among equal latencies do not depend on the order of the spans",
    () => {
      // shrunk by fast-check (split-path permutation property, TD_PROP_SEED=11)
      const spec = {"nodes": [{"parent": 0, "svc": 0, "op": 0, "kind": 0, "ownMs": 0.01, "gapMs": 0, "parallel": false, "errRate": 0}, {"parent": 0, "svc": 0, "op": 0, "kind": 0, "ownMs": 0.01, "gapMs": 0, "parallel": false, "errRate": 0}], "services": ["front", "api"], "ops": ["a / b \u2192 c"], "tracesB": 8, "tracesI": 8, "spacingMs": 0, "jitter": 0, "loose": false, "change": {"type": "errors", "node": 0, "rate": 0.21642901655286553}, "seed": 0} as TemplateSpec;
      const run = [...templateRun(spec, 'baseline'), ...shift(templateRun(spec, 'incident'), 3600e9)];
      const d0 = analyze(null, toTable(run), { seed: 1 }).diagnosis;
      const d1 = analyze(null, toTable(permute(run, 0, 'spans')), { seed: 1 }).diagnosis;
      assert.equal(d0.split?.method, 'slowest_decile');
      assert.equal(firstDifference(d0, d1), null);
    },
  );

  test(
    'an operation whose own time is often 0 is not "slower" when 14 instead of 16 of 30 traces have it at 0 (no regression)',
    () => {
      const d = diagnose(table(oftenZero(30, 16, 'b')), table(oftenZero(30, 14, 'i')));
      assert.equal(d.regression?.slower, false, d.notes.join(' | '));
      assert.equal(d.rootCause, null);
    },
  );
});
