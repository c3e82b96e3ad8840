/**
 * Property-based tests of the LLM tools (src/llm/tools, notes/llm-properties.md): hostile random trace pairs (the
 * engine's generators, test/helpers/trace-props.ts, plus names with control, bidi and zero-width characters, runs of
 * whitespace, quotes and long names) and random or hostile tool arguments (names from the traces as stored and as the
 * tools show them, random strings, wrong types, prototype keys, huge numbers, unknown tools, raw text that is not
 * JSON). For every call, through `runTool` as the agent calls it:
 *  - it answers (never throws) with valid JSON within the size budget (maxChars, random between 200 and 6,000);
 *  - no string in it holds a control / bidi / zero-width character or a lone surrogate;
 *  - every service / operation it names can be passed back as an argument (a small model copies what it sees);
 *  - arguments the schema rejects get `Invalid arguments for <tool>: <field>: …` plus the tool's usage line; an
 *    unknown tool gets the list of tools; a name not in the traces gets the known names.
 *
 * Seeded (TD_PROP_SEED overrides, TD_PROP_RUNS multiplies the runs); a failure prints the seed and the counterexample.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { analyze } from '../../../src/core/rca/analyze';
import type { LlmRuns } from '../../../src/llm/runs';
import { capJson } from '../../../src/llm/sanitize';
import { runTool, TOOLS, toolUsage } from '../../../src/llm/tools/index';
import { NASTY_NAMES, buildRun, runSpec, templateRun, templateSpec, toTable, type PSpan } from '../../helpers/trace-props';

const SEED = Number(process.env.TD_PROP_SEED ?? 20261207);
const RUNS = Number(process.env.TD_PROP_RUNS ?? 1);
const params = (numRuns: number) => ({ seed: SEED, numRuns: Math.max(1, Math.round(numRuns * RUNS)), endOnFailure: false, includeErrorInReport: true });

/** Names a sanitiser changes: controls, bidi, zero-width, whitespace runs, fences, quotes, a cut emoji, long. */
const HOSTILE = [
  'a\u0000b', 'tab\there', 'line\nbreak', '  padded  ', 'two  spaces', 'bidi\u202eevil', 'zero\u200bwidth', 'bom\ufeff',
  '```fence```', 'say "hi"', 'back\\slash', '🙂'.repeat(90), 'é'.repeat(170), 'q'.repeat(159) + '🙂', '\u0085nel', '~~~',
];
const SVC = ['front', 'api', 'db', '__proto__', 'constructor', '', 'ünï 🙂', 'x'.repeat(200), 'bidi\u202esvc', 'svc\nnewline', 'svc  two', 's'.repeat(158) + '🙂🙂'];
const services = fc.shuffledSubarray(SVC, { minLength: 1, maxLength: 6 });
const OPS = [...NASTY_NAMES, ...HOSTILE];

const spec = (o?: Parameters<typeof runSpec>[1]) => runSpec(services, o).chain((r) => fc.shuffledSubarray(OPS, { minLength: 1, maxLength: 12 }).map((ops) => ({ ...r, ops })));

// C0, DEL, C1, bidi, zero-width, line/paragraph separators, BOM (the set core/format/inert blanks)
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028\u2029\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]/;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

function runsOf(b: PSpan[] | null, i: PSpan[]): LlmRuns {
  const bt = b ? toTable(b) : undefined;
  const it = toTable(i);
  const a = analyze(bt ?? null, it);
  return { ...(bt ? { baseline: bt } : {}), incident: it, diagnosis: a.diagnosis, diff: a.diff };
}

/** Every string of the parsed result, with its path. */
function strings(v: unknown, path = '$', out: [string, string][] = []): [string, string][] {
  if (typeof v === 'string') out.push([path, v]);
  else if (Array.isArray(v)) v.forEach((x, k) => strings(x, `${path}[${k}]`, out));
  else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) (out.push([`${path}.<key>`, k]), strings(x, `${path}.${k}`, out));
  return out;
}

/** (service, operation) pairs and bare services a result names, as the model reads them. */
function named(v: unknown, pairs: [string, string][] = [], svcs: string[] = []): { pairs: [string, string][]; svcs: string[] } {
  if (Array.isArray(v)) v.forEach((x) => named(x, pairs, svcs));
  else if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    if (typeof o.service === 'string') {
      if (typeof o.operation === 'string') pairs.push([o.service, o.operation]);
      else svcs.push(o.service);
      if (Array.isArray(o.operations)) for (const op of o.operations) if (op && typeof (op as { name?: unknown }).name === 'string') pairs.push([o.service, (op as { name: string }).name]);
    }
    if (typeof o.rootService === 'string' && typeof o.rootOperation === 'string') pairs.push([o.rootService, o.rootOperation]);
    for (const x of Object.values(o)) named(x, pairs, svcs);
  }
  return { pairs, svcs };
}

interface Check {
  name: string;
  args: unknown;
  maxChars?: number;
  invalid?: string;
}

/** Run one call and check the invariants; returns the parsed result. */
function call(runs: LlmRuns, c: Check): { ok: boolean; v: any } {
  let out: ReturnType<typeof runTool>;
  try {
    out = runTool(c.name, c.args, runs, c.maxChars ?? 4000, undefined, c.invalid);
  } catch (e) {
    throw new Error(`${c.name} threw: ${(e as Error).stack}`);
  }
  const where = `${c.name}(${JSON.stringify(c.args)?.slice(0, 300)}) maxChars ${c.maxChars ?? 4000}`;
  assert.ok(out.text.length <= (c.maxChars ?? 4000), `${where}: ${out.text.length} chars > budget`);
  let v: any;
  try {
    v = JSON.parse(out.text);
  } catch {
    assert.fail(`${where}: not JSON: ${out.text.slice(0, 300)}`);
  }
  for (const [p, s] of strings(v)) {
    assert.ok(!UNSAFE.test(s), `${where}: ${p} has an unsafe character: ${JSON.stringify(s).slice(0, 200)}`);
    assert.ok(!LONE_SURROGATE.test(s), `${where}: ${p} has a lone surrogate: ${JSON.stringify(s).slice(0, 200)}`);
  }
  assert.equal(out.ok, !('error' in v), `${where}: ok=${out.ok} but ${out.text.slice(0, 300)}`);
  if (!out.ok) assert.ok(typeof v.error === 'string' && v.error.length > 10, `${where}: error without a message: ${out.text.slice(0, 300)}`);
  return { ok: out.ok, v };
}

/** Every name a successful result shows can be passed back: operation_stats / errors accept it. */
function roundTrip(runs: LlmRuns, c: Check, v: unknown): void {
  const { pairs, svcs } = named(v);
  for (const [service, operation] of pairs.slice(0, 40)) {
    const r = call(runs, { name: 'operation_stats', args: { service, operation } });
    assert.ok(r.ok, `${c.name} showed ${JSON.stringify([service, operation])} but operation_stats rejects it: ${r.v.error}`);
  }
  for (const service of svcs.slice(0, 20)) {
    const r = call(runs, { name: 'errors', args: { service } });
    assert.ok(r.ok && !/Unknown service/.test(JSON.stringify(r.v)), `${c.name} showed service ${JSON.stringify(service)} but errors rejects it: ${JSON.stringify(r.v).slice(0, 300)}`);
  }
}

const hostileString = fc.oneof(
  fc.constantFrom(...OPS, ...SVC),
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom('I1', 'B1', 'I0', 'i2', 'B999999', 'I1e3', ' I1 ', '0', 'a', 'ff', ' ', 'I-1', '__proto__'),
);
const wrongType = fc.oneof(fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.array(fc.string({ maxLength: 5 }), { maxLength: 3 }), fc.object({ maxDepth: 1 }), fc.constant(1e308), fc.constant(-0));
const argValue = fc.oneof({ weight: 5, arbitrary: hostileString }, { weight: 2, arbitrary: wrongType }, { weight: 1, arbitrary: fc.constant(undefined) });
const KEYS = ['service', 'operation', 'run', 'limit', 'trace', 'key', 'tracee', '__proto__', 'constructor', 'Service', 'op'];
const randomArgs = fc.oneof(
  { weight: 6, arbitrary: fc.dictionary(fc.constantFrom(...KEYS), argValue, { maxKeys: 4 }) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }) },
  { weight: 1, arbitrary: fc.record({ limit: fc.oneof(fc.integer({ min: -5, max: 50 }), fc.double(), fc.constant(2 ** 53)), run: fc.constantFrom('baseline', 'incident', 'Incident', 'both', '') }) },
);
const toolName = fc.oneof({ weight: 8, arbitrary: fc.constantFrom(...TOOLS.map((t) => t.name)) }, { weight: 1, arbitrary: fc.constantFrom('drop_tables', '', 'top_regressions ', 'TopRegressions', '__proto__', 'list_services', 'x'.repeat(500), 'a\nb\u202e') });

/** Arguments built from the runs' own names (as stored), with random run/limit/key/trace. */
function argsFromRuns(runs: LlmRuns, pick: number[]) {
  const names: [string, string][] = [];
  for (const m of [runs.baseline, runs.incident]) if (m) for (let i = 0; i < m.size; i++) names.push([m.service(i), m.name(i)]);
  if (!names.length) return {};
  const [s, o] = names[pick[0]! % names.length]!;
  return { service: s, operation: o, run: pick[1]! % 3 === 0 ? 'baseline' : 'incident', limit: (pick[2]! % 12) + 1, key: ['http.route', 'model.version', 'service.name', ''][pick[3]! % 4], trace: ['I1', 'B1', `I${pick[4]}`, 'ff'][pick[4]! % 4] };
}

describe('LLM tools on hostile traces and arguments (properties)', () => {
  test('every tool with random or hostile arguments: answers, JSON within budget, no unsafe characters, clear errors', () => {
    fc.assert(
      fc.property(spec(), spec(), fc.boolean(), fc.array(fc.record({ name: toolName, args: randomArgs, maxChars: fc.integer({ min: 200, max: 6000 }) }), { minLength: 1, maxLength: 8 }), (rb, ri, single, calls) => {
        const b = buildRun(rb, 'b');
        const i = buildRun(ri, 'a');
        const runs = single ? runsOf(null, [...b, ...i]) : runsOf(b, i);
        for (const c of calls) {
          const { ok, v } = call(runs, c);
          const tool = TOOLS.find((t) => t.name === c.name);
          if (!tool) {
            assert.ok(!ok && /Unknown tool/.test(v.error) && Array.isArray(v.tools), `unknown tool ${c.name}: ${JSON.stringify(v).slice(0, 200)}`);
            continue;
          }
          const parsed = tool.schema.safeParse(c.args ?? {});
          if (!parsed.success) {
            assert.ok(!ok, `${c.name} accepted ${JSON.stringify(c.args)}`);
            // the model gets which field is wrong and the usage line to correct the call (unless cut by a tiny budget)
            if (c.maxChars >= 1000) {
              assert.match(v.error, new RegExp(`^Invalid arguments for ${c.name}: `));
              assert.equal(v.usage, toolUsage([tool])[0]);
            }
          }
        }
      }),
      params(120),
    );
  });

  test('arguments naming what is in the traces (stored spelling): every tool answers and every name it shows can be passed back', () => {
    fc.assert(
      fc.property(spec({ minTraces: 1 }), spec({ minTraces: 1 }), fc.array(fc.nat(1000), { minLength: 5, maxLength: 5 }), (rb, ri, pick) => {
        const runs = runsOf(buildRun(rb, 'b'), buildRun(ri, 'a'));
        const args = argsFromRuns(runs, pick);
        for (const t of TOOLS) {
          const c = { name: t.name, args };
          const { ok, v } = call(runs, c);
          if (ok) roundTrip(runs, c, v);
        }
      }),
      params(80),
    );
  });

  test('templated runs (a real regression, hostile names): top_regressions, list and slowest_traces name only things that can be passed back', () => {
    fc.assert(
      fc.property(templateSpec(services).map((t) => ({ ...t, ops: [...t.ops, ...HOSTILE.slice(0, 4)] })), (t) => {
        const runs = runsOf(templateRun(t, 'baseline'), templateRun(t, 'incident'));
        for (const name of ['top_regressions', 'list_services_operations', 'slowest_traces', 'errors']) {
          const c = { name, args: name === 'top_regressions' ? { limit: 10 } : {} };
          const { ok, v } = call(runs, c);
          assert.ok(ok, `${name}: ${JSON.stringify(v).slice(0, 300)}`);
          roundTrip(runs, c, v);
        }
      }),
      params(60),
    );
  });

  test('arguments that are not a JSON object (truncated or malformed text): a clear error with the usage line', () => {
    fc.assert(
      fc.property(fc.constantFrom(...TOOLS.map((t) => t.name)), fc.oneof(fc.string({ maxLength: 200 }), fc.jsonValue().map((v) => JSON.stringify(v).slice(0, -1))), (name, raw) => {
        const runs = runsOf(null, buildRun({ traces: [[{ parent: -1, svc: 0, op: 0, kind: 2, status: 0, offMs: 0, durMs: 5, noStart: false, dupId: false }]], spacingMs: 0, services: ['api'], ops: ['GET /'] }, 'a'));
        const { ok, v } = call(runs, { name, args: {}, invalid: raw });
        assert.ok(!ok);
        assert.match(v.error, /not a JSON object/);
        assert.equal(v.usage, toolUsage(TOOLS.filter((t) => t.name === name))[0]);
      }),
      params(60),
    );
  });
});

describe('capJson: any JSON value within any budget (properties)', () => {
  // strings full of what JSON escapes (quotes, backslashes, controls) make the escaped text longer than its slice
  const nasty = fc.oneof(fc.string({ maxLength: 300 }), fc.constantFrom('"'.repeat(500), '\\'.repeat(400), '\u0001'.repeat(300), '🙂'.repeat(200), 'x'.repeat(3000)));
  const value = fc.letrec((tie) => ({
    v: fc.oneof({ depthSize: 'small' }, nasty, fc.double(), fc.constant(null), fc.array(tie('v'), { maxLength: 30 }), fc.dictionary(fc.string({ maxLength: 10 }), tie('v'), { maxKeys: 6 })),
  })).v;

  test('the text is valid JSON of at most maxChars characters, unchanged when it fits, and says when it was cut', () => {
    fc.assert(
      fc.property(value, fc.integer({ min: 120, max: 5000 }), (v, max) => {
        const c = capJson(v, max);
        assert.ok(c.text.length <= max, `${c.text.length} > ${max}`);
        const back = JSON.parse(c.text);
        if (!c.truncated) assert.deepEqual(back, JSON.parse(JSON.stringify(v)));
        else assert.ok('truncated' in back, c.text.slice(0, 200));
        for (const [p, s] of strings(back)) assert.ok(!LONE_SURROGATE.test(s), `${p}: lone surrogate`);
      }),
      params(300),
    );
  });

  test('an error message longer than the budget stays an error (its start kept), not a quoted fragment', () => {
    const c = capJson({ error: `Unknown service "x". Known services: ${Array.from({ length: 400 }, (_, k) => `service-${k}`).join(', ')}.` }, 1000);
    const v = JSON.parse(c.text);
    assert.ok(c.truncated && c.text.length <= 1000);
    assert.match(v.error, /^Unknown service "x"\. Known services: service-0, service-1, .*…$/);
  });
});
