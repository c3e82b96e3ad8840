/**
 * Property-based robustness of the diagnosis engine (notes/engine-properties.md): random and hostile trace pairs —
 * random trees, children outside their parent, orphans, duplicate span ids, zero durations, identical timestamps,
 * spans without timestamps, prototype-key names, empty runs, one trace, no common service, deep chains, wide fan-out —
 * through `analyze` (the CLI's entry) must give a Diagnosis that passes the zod contract with finite numbers,
 * confidences and p-values in [0, 1], a root cause among the candidates, of a service of the runs, only with a
 * regression, and no control character in any string.
 *
 * Seeded (TD_PROP_SEED overrides, TD_PROP_RUNS multiplies the runs for a longer search); a failure prints the seed and
 * the shrunk counterexample.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { analyze } from '../../../../src/core/rca/analyze';
import { evaluateGate, GateInputError, type GateResult } from '../../../../src/core/gate/gate';
import { renderMarkdown } from '../../../../src/core/report/markdown';
import { toSarif } from '../../../../src/core/report/sarif';
import { buildRun, chain, checkDiagnosis, fan, runSpec, servicesOf, templateRun, templateSpec, toTable, answer, type PSpan } from '../../../helpers/trace-props';

const SEED = Number(process.env.TD_PROP_SEED ?? 20261207);
const RUNS = Number(process.env.TD_PROP_RUNS ?? 1);
const params = (numRuns: number) => ({ seed: SEED, numRuns: Math.max(1, Math.round(numRuns * RUNS)), endOnFailure: false });

const SVC = ['front', 'api', 'db', 'cache', '__proto__', 'constructor', '', 'ünï 🙂', 'x'.repeat(200)];
const services = fc.shuffledSubarray(SVC, { minLength: 1, maxLength: 6 });

/** analyze → invariants, with the input's services; both the two-run and the one-run (split) path. */
function check(b: PSpan[] | null, i: PSpan[], o: { alpha?: number; top?: number } = {}) {
  const a = analyze(b ? toTable(b) : null, toTable(i), o);
  checkDiagnosis(a.diagnosis, { services: servicesOf(b ?? [], i), ...o });
  return a.diagnosis;
}

describe('diagnosis engine: robustness on hostile input (properties)', () => {
  test('random trace pairs: the diagnosis passes the contract and its invariants', () => {
    fc.assert(
      fc.property(runSpec(services), runSpec(services), (rb, ri) => {
        check(buildRun(rb, 'b'), buildRun(ri, 'a'));
      }),
      params(150),
    );
  });

  test('random trace pairs with many traces (the statistical tests run): the same invariants', () => {
    fc.assert(
      fc.property(runSpec(services, { minTraces: 10, maxTraces: 40, maxSpans: 8 }), runSpec(services, { minTraces: 10, maxTraces: 40, maxSpans: 8 }), fc.constantFrom(0.01, 0.05, 0.2), (rb, ri, alpha) => {
        check(buildRun(rb, 'b'), buildRun(ri, 'a'), { alpha, top: 5 });
      }),
      params(60),
    );
  });

  test('templated runs (one request shape repeated with jitter, one change in the incident): the same invariants', () => {
    fc.assert(
      fc.property(templateSpec(services), fc.constantFrom(0.01, 0.05), (t, alpha) => {
        check(templateRun(t, 'baseline'), templateRun(t, 'incident'), { alpha });
      }),
      params(120),
    );
  });

  test('templated runs, one run split automatically: the same invariants', () => {
    fc.assert(
      fc.property(templateSpec(services), (t) => {
        const b = templateRun(t, 'baseline');
        const i = templateRun(t, 'incident');
        check(null, [...b, ...i.map((s) => ({ ...s, start: s.start === null ? null : s.start + 3600e9 }))]);
      }),
      params(50),
    );
  });

  test('one run split automatically (no baseline): the same invariants', () => {
    fc.assert(
      fc.property(runSpec(services, { maxTraces: 40, maxSpans: 10 }), (r) => {
        check(null, buildRun(r, 'a'));
      }),
      params(60),
    );
  });

  test('runs with no service in common: the invariants hold and no root cause is named', () => {
    fc.assert(
      fc.property(runSpec(fc.constant(['left-a', 'left-b']), { minTraces: 1 }), runSpec(fc.constant(['right-a', 'right-b']), { minTraces: 1 }), (rb, ri) => {
        const d = check(buildRun(rb, 'b'), buildRun(ri, 'a'));
        assert.equal(d.rootCause, null, `root cause ${d.rootCause?.service} between two systems`);
      }),
      params(60),
    );
  });

  test('the same input twice gives the same diagnosis (no hidden state between calls)', () => {
    fc.assert(
      fc.property(runSpec(services), runSpec(services), (rb, ri) => {
        const b = buildRun(rb, 'b');
        const i = buildRun(ri, 'a');
        assert.deepEqual(analyze(toTable(b), toTable(i)).diagnosis, analyze(toTable(b), toTable(i)).diagnosis);
      }),
      params(30),
    );
  });

  test('empty runs: empty baseline, empty incident, both empty, one trace each', () => {
    const one = buildRun({ traces: [[{ parent: -1, svc: 0, op: 0, kind: 2, status: 0, offMs: 0, durMs: 5, noStart: false, dupId: false }]], spacingMs: 0, services: ['api'], ops: ['GET /'] }, 'a');
    for (const [b, i] of [[[], one], [one, []], [[], []], [one, one], [null, []], [null, one]] as const) check(b as PSpan[] | null, i as PSpan[]);
  });

  test('identical timestamps and zero durations everywhere: no NaN, no root cause', () => {
    fc.assert(
      fc.property(runSpec(services, { minTraces: 1 }), (r) => {
        const zero = { ...r, spacingMs: 0, traces: r.traces.map((t) => t.map((s) => ({ ...s, offMs: 0, durMs: 0, noStart: false }))) };
        const d = check(buildRun(zero, 'b'), buildRun(zero, 'a'));
        assert.equal(d.rootCause, null);
      }),
      params(40),
    );
  });

  test('a chain of 10,000 spans (deeper than the 1,000-level cut) in each run: no stack overflow, invariants hold', () => {
    const svc = (k: number) => ['a', 'b', 'c'][k % 3]!;
    const b = [...chain(10_000, '1'.padStart(32, '0'), svc, 0.01), ...chain(50, '2'.padStart(32, '0'), svc, 0.01, 1e10)];
    const i = [...chain(10_000, '3'.padStart(32, '0'), svc, 0.02), ...chain(50, '4'.padStart(32, '0'), svc, 0.02, 1e10)];
    check(b, i);
    check(null, [...b, ...i]);
  });

  test('20 deep chains of 1,500 spans per run (many traces deeper than the cut): invariants hold', () => {
    const runOf = (tag: string, per: number) => Array.from({ length: 20 }, (_, t) => chain(1500, (tag + t.toString(16)).padStart(32, '0'), (k) => `s${k % 5}`, per, t * 1e9)).flat();
    check(runOf('b', 0.01), runOf('a', 0.03));
  });

  test('wide fan-out: one root calling 5,000 children per trace, a few traces: invariants hold', () => {
    const runOf = (tag: string, ms: number) => Array.from({ length: 4 }, (_, t) => fan(5000, (tag + t.toString(16)).padStart(32, '0'), ms, t * 1e11)).flat();
    check(runOf('b', 0.1), runOf('a', 0.3));
  });

  test('many services and operations (400 of each) over 60 traces: invariants hold', () => {
    const runOf = (tag: string, slow: number): PSpan[] =>
      Array.from({ length: 60 }, (_, t) => {
        const trace = (tag + t.toString(16)).padStart(32, '0');
        const root: PSpan = { trace, id: '1'.padStart(16, '0'), parent: '', service: 'gw', name: '/*', kind: 2, status: 0, start: t * 1e9, dur: 60e6 };
        const kids = Array.from({ length: 20 }, (_, k): PSpan => {
          const j = (t * 20 + k) % 400;
          return { trace, id: (k + 2).toString(16).padStart(16, '0'), parent: root.id, service: `svc-${j}`, name: `op-${(j * 7) % 400}`, kind: 3, status: 0, start: t * 1e9 + k * 2e6, dur: (j === 17 ? slow : 1) * 1e6 };
        });
        return [root, ...kids];
      }).flat();
    check(runOf('b', 1), runOf('a', 30));
  });

  test('names with control characters: the invariants other than control-freeness hold', () => {
    fc.assert(
      fc.property(runSpec(fc.constant(['a\u0000b', 'tab\there', 'line\nbreak', 'esc\u001b[31mred']), { minTraces: 1 }), runSpec(fc.constant(['a\u0000b', 'line\nbreak']), { minTraces: 1 }), (rb, ri) => {
        const b = buildRun({ ...rb, ops: rb.ops.map((o) => o + '\u0007') }, 'b');
        const i = buildRun({ ...ri, ops: ri.ops.map((o) => o + '\u0007') }, 'a');
        const d = analyze(toTable(b), toTable(i)).diagnosis;
        checkDiagnosis(d, { services: servicesOf(b, i), controlFree: false });
      }),
      params(30),
    );
  });

  test('the answer does not depend on the Object prototype: a service named __proto__ is diagnosed like any other', () => {
    // the same clear slowdown under two names: the answer must be the same under the renaming
    const mk = (svc: string, tag: string, slow: number): PSpan[] =>
      Array.from({ length: 30 }, (_, t) => {
        const trace = (tag + t.toString(16)).padStart(32, '0');
        const w = 5 + ((t * 7) % 5) * 0.3 + slow;
        return [
          { trace, id: '1'.padStart(16, '0'), parent: '', service: 'front', name: 'GET /', kind: 2, status: 0, start: t * 1e9, dur: (w + 2) * 1e6 },
          { trace, id: '2'.padStart(16, '0'), parent: '1'.padStart(16, '0'), service: svc, name: 'work', kind: 1, status: 0, start: t * 1e9 + 1e6, dur: w * 1e6 },
        ];
      }).flat();
    for (const svc of ['__proto__', 'constructor', 'hasOwnProperty', 'toString']) {
      const d = check(mk(svc, 'b', 0), mk(svc, 'a', 20));
      const ref = check(mk('plain', 'b', 0), mk('plain', 'a', 20));
      assert.deepEqual(answer(d, (s) => (s === svc ? 'plain' : s)), answer(ref), svc);
    }
  });

  test("the CLI's reports of any diagnosis: the gate, Markdown and SARIF never throw, keep trace text inert, and a tighter tolerance fails at least as often", () => {
    const gateOpts = fc.record({
      failOnRegression: fc.boolean(),
      maxSlowdown: fc.option(fc.constantFrom<number>(0, 0.05, 0.5), { nil: undefined }),
      percentile: fc.constantFrom('p50' as const, 'p95' as const, 'p99' as const),
      maxErrorRateIncrease: fc.option(fc.constantFrom<number>(0, 0.005, 0.1), { nil: undefined }),
    });
    const pairs = fc.oneof(
      templateSpec(services).map((t) => [templateRun(t, 'baseline'), templateRun(t, 'incident')] as const),
      fc.tuple(runSpec(services), runSpec(services)).map(([rb, ri]) => [buildRun(rb, 'b'), buildRun(ri, 'a')] as const),
    );
    fc.assert(
      fc.property(pairs, gateOpts, ([b, i], opts) => {
        const a = analyze(toTable(b), toTable(i));
        const d = a.diagnosis;
        const figures = (x: typeof a.baseline) => ({ latencyMs: x.traceLatencyMs, traceError: x.traceError });
        const gateOf = (o: typeof opts): GateResult | null => {
          try {
            return evaluateGate(d, figures(a.baseline), figures(a.incident), o);
          } catch (e) {
            if (e instanceof GateInputError) return null; // a refusal with its reason (exit 2), not a crash
            throw e;
          }
        };
        const gate = gateOf(opts);
        if (gate) {
          assert.equal(gate.exitCode, gate.active && gate.verdict === 'regression' ? 1 : 0);
          for (const c of gate.checks) assert.ok(c.detail.length > 0 && !/[\u0000-\u0008\u000b-\u001f\u007f]/.test(c.detail), c.detail);
          // a tighter tolerance fails at least as often
          if (opts.maxSlowdown !== undefined && gate.verdict === 'regression') {
            const tighter = gateOf({ ...opts, maxSlowdown: opts.maxSlowdown / 2 });
            assert.equal(tighter?.verdict, 'regression', `max-slowdown ${opts.maxSlowdown} fails, ${opts.maxSlowdown / 2} passes`);
          }
        }
        const md = renderMarkdown(d, gate, {});
        assert.ok(!md.includes('<img') && !md.includes('[x](y)'), 'markup from a span name reached the Markdown');
        assert.ok(!/[\u0000-\u0008\u000b-\u001f\u007f]/.test(md), 'a control character in the Markdown');
        JSON.stringify(toSarif(d, gate, { toolVersion: '0.0.0', srcRoot: '/src', relativePath: (f) => f }));
      }),
      params(80),
    );
  });
});
