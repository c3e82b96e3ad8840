// The founding case as the demo: examples/ml-pipeline (Python sources + simulated OTLP traces) and the eval cases.
// 1. the committed trace files are exactly what `npm run example:generate` produces (deterministic simulation);
// 2. the traces have the pipeline's shape: 5 services, nesting across services, a single FIFO pre-processor worker
//    whose queue grows in the spiked run;
// 3. every span name in the traces is opened in the Python source of its service (so source links can resolve);
// 4. every eval case's case.json is well-formed and consistent with its files and sources;
// 5. the offline diagnosis of normal vs spiked names pre-processor / preprocess-request and links to the line that
//    opens that span in examples/ml-pipeline/preprocessor/preprocessor.py.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { promisify } from 'node:util';
import { diagnose } from '../../../src/core/rca/analyze';
import { Diagnosis as DiagnosisSchema, type Diagnosis } from '../../../src/core/rca/diagnosis';
import { main as cliMain } from '../../../src/cli/main';
import { loadTraces } from '../../../src/sources/file';
import { scanWorkspace } from '../../../src/sources/workspace-scan';

const run = promisify(execFile);
const ROOT = resolve(__dirname, '..', '..', '..');
const EXAMPLE = join(ROOT, 'examples', 'ml-pipeline');
const CASES = join(ROOT, 'examples', 'eval-cases');
const SIMULATE = join(EXAMPLE, 'simulate.mjs');
const NORMAL = join(EXAMPLE, 'traces', 'normal.json');
const SPIKED = join(EXAMPLE, 'traces', 'spiked.json');

const SERVICES = ['load-generator', 'ingestion', 'pre-processor', 'inference', 'post-processor'];
const SOURCE_OF: Record<string, string> = {
  'load-generator': 'load_generator/load_generator.py',
  ingestion: 'ingestion/ingestion.py',
  'pre-processor': 'preprocessor/preprocessor.py',
  inference: 'inference/inference.py',
  'post-processor': 'postprocessor/postprocessor.py',
};

// ---------------------------------------------------------------------------------------------------------------
// A minimal OTLP JSON reader, independent of the product's parsers, so these checks do not depend on them.
// ---------------------------------------------------------------------------------------------------------------
interface Span {
  service: string;
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  kind: number;
  start: bigint;
  end: bigint;
  status: number;
  attrs: Record<string, unknown>;
}

function attrValue(v: Record<string, unknown>): unknown {
  if ('stringValue' in v) return v.stringValue;
  if ('intValue' in v) return Number(v.intValue);
  if ('doubleValue' in v) return v.doubleValue;
  if ('boolValue' in v) return v.boolValue;
  return JSON.stringify(v);
}

function readOtlp(file: string): Span[] {
  const text = readFileSync(file, 'utf8');
  const requests = file.endsWith('.jsonl')
    ? text
        .split('\n')
        .filter((l) => l.trim())
        .map((l) => JSON.parse(l))
    : [JSON.parse(text)];
  const out: Span[] = [];
  for (const req of requests) {
    for (const rs of req.resourceSpans) {
      const svc = rs.resource.attributes.find((a: { key: string }) => a.key === 'service.name')?.value.stringValue;
      for (const ss of rs.scopeSpans) {
        for (const s of ss.spans) {
          const attrs: Record<string, unknown> = {};
          for (const a of s.attributes) attrs[a.key] = attrValue(a.value);
          out.push({
            service: svc,
            traceId: s.traceId,
            spanId: s.spanId,
            parentSpanId: s.parentSpanId ?? '',
            name: s.name,
            kind: s.kind,
            start: BigInt(s.startTimeUnixNano),
            end: BigInt(s.endTimeUnixNano),
            status: s.status?.code ?? 0,
            attrs,
          });
        }
      }
    }
  }
  return out;
}

function byTrace(spans: Span[]): Map<string, Span[]> {
  const m = new Map<string, Span[]>();
  for (const s of spans) {
    const list = m.get(s.traceId) ?? [];
    list.push(s);
    m.set(s.traceId, list);
  }
  return m;
}

const ms = (ns: bigint) => Number(ns) / 1e6;
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

/** Per trace: time a request waited in preprocess-request before the worker picked it up (preprocess-image start). */
function preprocessWaits(spans: Span[]): { waitMs: number; arrival: bigint; workStart: bigint; workEnd: bigint }[] {
  const out = [];
  for (const list of byTrace(spans).values()) {
    const req = list.find((s) => s.service === 'pre-processor' && s.name === 'preprocess-request');
    const work = list.find((s) => s.service === 'pre-processor' && s.name === 'preprocess-image');
    assert.ok(req && work, `trace ${list[0]!.traceId} lacks preprocess-request or preprocess-image`);
    assert.equal(work.parentSpanId, req.spanId, 'preprocess-image must be a child of preprocess-request');
    out.push({ waitMs: ms(work.start - req.start), arrival: req.start, workStart: work.start, workEnd: work.end });
  }
  return out;
}

/** 1-based lines where a Python span-opening call names `name` (the call's own line, also when the name is on the next). */
function pythonSpanLines(source: string, name: string): number[] {
  const lines = source.split('\n');
  const quoted = new RegExp(`^\\s*["']${escapeRe(name)}["']`);
  const sameLine = new RegExp(`start_(?:as_current_)?span\\(\\s*["']${escapeRe(name)}["']`);
  const out: number[] = [];
  lines.forEach((l, i) => {
    if (sameLine.test(l)) out.push(i + 1);
    else if (/start_(?:as_current_)?span\(\s*$/.test(l) && quoted.test(lines[i + 1] ?? '')) out.push(i + 1);
  });
  return out;
}
const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

// ---------------------------------------------------------------------------------------------------------------
describe('examples/ml-pipeline: committed traces are reproducible', () => {
  let tmp = '';
  before(() => {
    tmp = mkdtempSync(join(tmpdir(), 'td-example-'));
  });
  after(() => rmSync(tmp, { recursive: true, force: true }));

  test('simulate.mjs regenerates every committed file byte for byte (modulo the SDK version)', async () => {
    const { stdout: list } = await run(process.execPath, [SIMULATE, '--list'], { cwd: ROOT, timeout: 30_000 });
    const files = list
      .trim()
      .split('\n')
      .map((l) => l.split('\t')[0]!);
    assert.ok(files.includes('examples/ml-pipeline/traces/normal.json'));
    assert.ok(files.includes('examples/ml-pipeline/traces/spiked.json'));
    await run(process.execPath, [SIMULATE, '--root', tmp], { cwd: ROOT, timeout: 120_000 });
    // telemetry.sdk.version is the installed @opentelemetry/sdk-trace version: a dependency bump alone must not fail.
    const norm = (s: string) => s.replace(/("key":"telemetry\.sdk\.version","value":\{"stringValue":")[^"]*"/g, '$1X"');
    for (const f of files) {
      const committed = join(ROOT, f);
      assert.ok(existsSync(committed), `${f} is listed by simulate.mjs --list but not committed`);
      const a = norm(readFileSync(committed, 'utf8'));
      const b = norm(readFileSync(join(tmp, f), 'utf8'));
      assert.ok(a === b, `${f} differs from a fresh \`npm run example:generate\`; regenerate and commit it`);
      assert.ok(statSync(committed).size < 2.5 * 1024 * 1024, `${f} is larger than 2.5 MB`);
    }
  });

  test('simulate.mjs rejects bad flags with exit code 2 and a clear message', async () => {
    await assert.rejects(
      run(process.execPath, [SIMULATE, '--out', join(tmp, 'x.json'), '--rate', 'fast'], { timeout: 30_000 }),
      (err: { code?: number; stderr?: string }) => err.code === 2 && /--rate: expected a number/.test(err.stderr ?? ''),
    );
    await assert.rejects(
      run(process.execPath, [SIMULATE, '--bogus'], { timeout: 30_000 }),
      (err: { code?: number; stderr?: string }) => err.code === 2 && /unknown argument: --bogus/.test(err.stderr ?? ''),
    );
  });

  test('an ad-hoc .jsonl run writes one ExportTraceServiceRequest per service', async () => {
    const out = join(tmp, 'adhoc.jsonl');
    await run(process.execPath, [SIMULATE, '--out', out, '--rate', '2', '--duration', '5', '--seed', '9'], {
      timeout: 60_000,
    });
    const lines = readFileSync(out, 'utf8').trim().split('\n');
    assert.equal(lines.length, SERVICES.length);
    const services = lines.map((l) => JSON.parse(l).resourceSpans[0].resource.attributes[0].value.stringValue);
    assert.deepEqual(services, SERVICES);
  });
});

describe('examples/ml-pipeline: the traces have the pipeline shape', () => {
  const normal = readOtlp(NORMAL);
  const spiked = readOtlp(SPIKED);

  for (const [label, spans] of [
    ['normal', normal],
    ['spiked', spiked],
  ] as const) {
    test(`${label}: 60–200 traces, 5 services, every trace a complete nested chain`, () => {
      const traces = byTrace(spans);
      assert.ok(traces.size >= 60 && traces.size <= 200, `${traces.size} traces`);
      assert.deepEqual([...new Set(spans.map((s) => s.service))].sort(), [...SERVICES].sort());
      for (const [id, list] of traces) {
        const ids = new Map(list.map((s) => [s.spanId, s]));
        const roots = list.filter((s) => !s.parentSpanId);
        assert.equal(roots.length, 1, `trace ${id}: one root`);
        assert.equal(roots[0]!.service, 'load-generator');
        assert.equal(roots[0]!.name, 'POST /ingest');
        assert.equal(roots[0]!.kind, 3, 'root is a CLIENT span');
        for (const s of list) {
          assert.ok(s.end >= s.start, `${s.name}: ends before it starts`);
          if (!s.parentSpanId) continue;
          const p = ids.get(s.parentSpanId);
          assert.ok(p, `trace ${id}: ${s.service}/${s.name} has no parent in the trace`);
          assert.ok(s.start >= p.start && s.end <= p.end, `${s.name} is not inside ${p.name}`);
          // Cross-service edges go CLIENT → SERVER, in pipeline order.
          if (p.service !== s.service) {
            assert.equal(p.kind, 3, `${p.service}/${p.name} calls another service: must be CLIENT`);
            assert.equal(s.kind, 2, `${s.service}/${s.name} is called by another service: must be SERVER`);
            assert.equal(SERVICES.indexOf(s.service), SERVICES.indexOf(p.service) + 1, `${p.service} → ${s.service}`);
          }
        }
        for (const svc of SERVICES) assert.ok(list.some((s) => s.service === svc), `trace ${id} lacks ${svc}`);
      }
    });

    test(`${label}: the pre-processor has ONE worker, fed first in, first out`, () => {
      const waits = preprocessWaits(spans).sort((a, b) => (a.workStart < b.workStart ? -1 : 1));
      for (let i = 1; i < waits.length; i++) {
        assert.ok(waits[i]!.workStart >= waits[i - 1]!.workEnd, 'two images processed at the same time');
        assert.ok(waits[i]!.arrival >= waits[i - 1]!.arrival, 'not first in, first out');
      }
    });
  }

  test('spiked: 3× the request rate of normal, and requests queue for the pre-processor worker', () => {
    const rate = (spans: Span[]) => {
      const roots = spans.filter((s) => !s.parentSpanId).map((s) => s.start);
      const span = roots.reduce((a, b) => (b > a ? b : a)) - roots.reduce((a, b) => (b < a ? b : a));
      return roots.length / (ms(span) / 1000);
    };
    const rn = rate(normal);
    const rs = rate(spiked);
    assert.ok(rn > 0.7 && rn < 1.4, `normal rate ${rn.toFixed(2)} req/s`);
    assert.ok(rs > 2.4 && rs < 3.6, `spiked rate ${rs.toFixed(2)} req/s`);

    const wn = mean(preprocessWaits(normal).map((w) => w.waitMs));
    const ws = mean(preprocessWaits(spiked).map((w) => w.waitMs));
    assert.ok(ws > 300, `spiked mean wait ${ws.toFixed(0)} ms`);
    assert.ok(ws > 5 * wn, `spiked wait ${ws.toFixed(0)} ms vs normal ${wn.toFixed(0)} ms`);

    // The pre-processor's own work per image is the same in both runs: the slowdown is waiting, not work.
    const work = (spans: Span[]) => mean(spans.filter((s) => s.name === 'preprocess-image').map((s) => ms(s.end - s.start)));
    const ratio = work(spiked) / work(normal);
    assert.ok(ratio > 0.85 && ratio < 1.15, `preprocess-image duration ratio ${ratio.toFixed(2)}`);
    // ...and so is inference: nothing else changed.
    const inf = (spans: Span[]) => mean(spans.filter((s) => s.name === 'inference').map((s) => ms(s.end - s.start)));
    const r2 = inf(spiked) / inf(normal);
    assert.ok(r2 > 0.85 && r2 < 1.15, `inference duration ratio ${r2.toFixed(2)}`);
  });

  test('span attributes the example promises are there', () => {
    const inf = spiked.find((s) => s.name === 'inference')!;
    assert.equal(inf.attrs['model.name'], 'yolov8n');
    assert.equal(inf.attrs['batch.size'], 1);
    assert.equal(inf.attrs['http.route'], '/infer');
    const root = spiked.find((s) => !s.parentSpanId)!;
    assert.equal(root.attrs['http.method'], 'POST');
    assert.match(String(root.attrs['request.id']), /^[0-9a-f]{32}$/);
    // request.id travels with the request through every service
    const trace = byTrace(spiked).get(root.traceId)!;
    const ids = new Set(trace.filter((s) => 'request.id' in s.attrs).map((s) => s.attrs['request.id']));
    assert.equal(ids.size, 1);
  });

  test('every span name in the traces is opened in the Python source of its service', () => {
    const missing: string[] = [];
    const pairs = new Set([...normal, ...spiked].map((s) => `${s.service}\u0000${s.name}`));
    for (const pair of pairs) {
      const [service, name] = pair.split('\u0000') as [string, string];
      const src = readFileSync(join(EXAMPLE, SOURCE_OF[service]!), 'utf8');
      if (pythonSpanLines(src, name).length !== 1) missing.push(`${service}: "${name}"`);
    }
    assert.deepEqual(missing, []);
  });

  test('preprocess-request is opened by a call formatted over several lines (name on the next line)', () => {
    const src = readFileSync(join(EXAMPLE, 'preprocessor', 'preprocessor.py'), 'utf8');
    const [line] = pythonSpanLines(src, 'preprocess-request');
    const lines = src.split('\n');
    assert.match(lines[line! - 1]!, /with tracer\.start_as_current_span\($/);
    assert.match(lines[line!]!, /^\s*"preprocess-request",$/);
    assert.ok(/@tracer\.start_as_current_span\("preprocess-image"\)/.test(src), 'decorator form');
  });

  test('the simulation never opens a span by a literal name (source search must land on the Python code)', () => {
    const sim = readFileSync(SIMULATE, 'utf8');
    assert.doesNotMatch(sim, /startSpan\(\s*['"`]/);
    assert.doesNotMatch(sim, /startActiveSpan\(\s*['"`]/);
  });
});

// ---------------------------------------------------------------------------------------------------------------
interface CaseJson {
  name?: string;
  baseline: string;
  incident: string;
  workspace?: string;
  expected: null | {
    service: string;
    operation: string;
    aliases?: string[];
    operations?: string[];
    kinds?: string[];
    attribute?: { key: string; value: string };
    source?: { file: string; line: number };
  };
}

function readCases(): { dir: string; c: CaseJson }[] {
  return readdirSync(CASES)
    .filter((d) => statSync(join(CASES, d)).isDirectory())
    .sort()
    .map((d) => ({ dir: join(CASES, d), c: JSON.parse(readFileSync(join(CASES, d, 'case.json'), 'utf8')) as CaseJson }));
}

describe('examples/eval-cases', () => {
  const cases = readCases();

  test('ships the example pipeline, the public sys4bigml pair and at least two more culprits', () => {
    const names = cases.map((k) => k.dir.split(/[\\/]/).pop());
    for (const n of ['ml-pipeline', 'sys4bigml', 'inference-model-v2', 'postprocess-n-plus-one', 'inference-errors', 'postprocess-serialized', 'no-regression'])
      assert.ok(names.includes(n), `missing case ${n}`);
    const sys = cases.find((k) => k.dir.endsWith('sys4bigml'))!;
    assert.ok(
      resolve(sys.dir, sys.c.baseline).startsWith(join(ROOT, 'test', 'fixtures', 'public', 'sys4bigml')),
      'sys4bigml points at the vendored public fixture (not a copy)',
    );
  });

  for (const { dir, c } of readCases()) {
    const name = relative(CASES, dir);
    test(`${name}: case.json is consistent with its files and sources`, () => {
      for (const f of [c.baseline, c.incident]) assert.ok(existsSync(resolve(dir, f)), `${name}: ${f} does not exist`);
      if (c.workspace) assert.ok(statSync(resolve(dir, c.workspace)).isDirectory(), `${name}: workspace`);
      if (c.expected === null) return;
      const e = c.expected;
      assert.ok(e.service && e.operation, `${name}: expected.service and expected.operation are required`);
      const incidentFile = resolve(dir, c.incident);
      if (!incidentFile.includes(`${join('public', 'sys4bigml')}`)) {
        const spans = readOtlp(incidentFile);
        assert.ok(
          spans.some((s) => s.service === e.service && s.name === e.operation),
          `${name}: no ${e.service}/${e.operation} span in the incident`,
        );
        if (e.attribute) {
          assert.ok(spans.some((s) => s.name === e.operation && s.attrs[e.attribute!.key] === e.attribute!.value));
        }
      }
      if (e.source) {
        assert.ok(c.workspace, `${name}: expected.source needs a workspace`);
        const src = readFileSync(resolve(dir, c.workspace!, e.source.file), 'utf8');
        assert.deepEqual(pythonSpanLines(src, e.operation), [e.source.line], `${name}: ${e.source.file}:${e.source.line}`);
      }
    });
  }

  test('the simulated cases show the fault they claim (checked on the raw spans)', () => {
    const load = (n: string, f: string) => readOtlp(join(CASES, n, f));
    // model v2: v2 inference got slow, v1 did not
    const dur = (spans: Span[], v: string) =>
      mean(spans.filter((s) => s.name === 'inference' && s.attrs['model.version'] === v).map((s) => ms(s.end - s.start)));
    const b = load('inference-model-v2', 'baseline.json');
    const i = load('inference-model-v2', 'incident.json');
    assert.ok(dur(i, 'v2') > 2.5 * dur(b, 'v2'), 'v2 slower in the incident');
    assert.ok(Math.abs(dur(i, 'v1') / dur(b, 'v1') - 1) < 0.3, 'v1 unchanged');
    // N+1: SELECT labels per postprocess grew from 1 to the number of detections
    const perCall = (spans: Span[]) =>
      spans.filter((s) => s.name === 'SELECT labels').length / spans.filter((s) => s.name === 'postprocess').length;
    assert.equal(perCall(load('postprocess-n-plus-one', 'baseline.json')), 1);
    assert.ok(perCall(load('postprocess-n-plus-one', 'incident.jsonl')) > 5);
    // errors: inference spans with error status only in the incident, and retries (POST /infer per trace > 1)
    const errs = (spans: Span[]) => spans.filter((s) => s.name === 'inference' && s.status === 2).length;
    assert.equal(errs(load('inference-errors', 'baseline.json')), 0);
    const inc = load('inference-errors', 'incident.json');
    assert.ok(errs(inc) > 10);
    assert.ok(inc.filter((s) => s.name === 'POST /infer').length > byTrace(inc).size);
    // lost parallelism: PUT /results and INSERT results overlap in every baseline trace, in no incident trace
    const overlapping = (spans: Span[]) => {
      let n = 0;
      for (const list of byTrace(spans).values()) {
        const put = list.find((s) => s.name === 'PUT /results')!;
        const ins = list.find((s) => s.name === 'INSERT results')!;
        assert.ok(put && ins && put.parentSpanId === ins.parentSpanId, 'both stores are children of postprocess');
        if (put.start < ins.end && ins.start < put.end) n++;
      }
      return n / byTrace(spans).size;
    };
    assert.equal(overlapping(load('postprocess-serialized', 'baseline.json')), 1);
    assert.equal(overlapping(load('postprocess-serialized', 'incident.json')), 0);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// The demo: offline diagnosis of normal vs spiked with engineer A's loader (src/sources/file.ts), engineer B's engine
// (src/core/rca/analyze.ts) and the workspace source index (src/sources/workspace-scan.ts → src/core/source).
// The same pipeline runs over every eval case: the engine must find each case's known answer.
// ---------------------------------------------------------------------------------------------------------------
async function diagnoseCase(dir: string, c: CaseJson): Promise<Diagnosis> {
  const [b, i] = await Promise.all([loadTraces(resolve(dir, c.baseline)), loadTraces(resolve(dir, c.incident))]);
  assert.equal(b.issues.filter((x) => x.severity === 'error').length, 0, `${c.baseline}: parse errors`);
  assert.equal(i.issues.filter((x) => x.severity === 'error').length, 0, `${c.incident}: parse errors`);
  const ws = c.workspace ? await scanWorkspace(resolve(dir, c.workspace)) : undefined;
  return diagnose(b.model, i.model, ws ? { sourceIndex: ws.index } : {});
}

function assertFinds(name: string, d: Diagnosis, e: NonNullable<CaseJson['expected']>): void {
  const rc = d.rootCause;
  const top = d.candidates
    .slice(0, 3)
    .map((k) => `${k.service}/${k.name} (${k.kind}, ${k.impactMs.toFixed(0)} ms)`)
    .join(', ');
  assert.ok(rc, `${name}: no root cause; candidates: ${top}`);
  assert.equal(`${rc.service}/${rc.name}`, `${e.service}/${e.operation}`, `${name}: top candidates ${top}`);
  if (e.kinds) assert.ok(e.kinds.includes(rc.kind), `${name}: kind ${rc.kind} not in ${e.kinds.join('|')}`);
  if (e.attribute) assert.deepEqual(rc.attribute, e.attribute, `${name}: attribute`);
  if (e.source) {
    assert.ok(rc.source, `${name}: no source link`);
    assert.equal(`${rc.source.file}:${rc.source.line}`, `${e.source.file}:${e.source.line}`, `${name}: source link`);
  }
}

describe('examples/ml-pipeline: the offline diagnosis (the README demo)', () => {
  test('normal vs spiked → pre-processor / preprocess-request at preprocessor/preprocessor.py, the line opening the span', async () => {
    const d = await diagnoseCase(EXAMPLE, {
      baseline: 'traces/normal.json',
      incident: 'traces/spiked.json',
      workspace: '.',
      expected: null,
    });
    const rc = d.rootCause;
    assert.ok(rc, 'a root cause is found');
    assert.equal(rc.service, 'pre-processor');
    assert.equal(rc.name, 'preprocess-request');
    // the wait for the single worker is the pre-processor's own time (or queueing for it)
    assert.ok(['self_time', 'queueing'].includes(rc.kind), rc.kind);
    assert.ok(rc.impactMs > 300, `impact ${rc.impactMs} ms`);
    assert.ok(d.latency && d.latency.pValue !== null && d.latency.pValue < 0.01, 'the slowdown is significant');
    // the source link is the line of the call that opens the span (its name is on the next line)
    const src = readFileSync(join(EXAMPLE, 'preprocessor', 'preprocessor.py'), 'utf8');
    const [opening] = pythonSpanLines(src, 'preprocess-request');
    assert.deepEqual({ file: rc.source?.file, line: rc.source?.line }, { file: 'preprocessor/preprocessor.py', line: opening });
    // the callers that merely wait are not blamed above the pre-processor
    assert.ok(!d.candidates.slice(0, 1).some((k) => k.service === 'ingestion' || k.service === 'load-generator'));
      // one kind of request: its median and tail are the run's, said as such — not "entry point X changed on its 162 of
    // 162 incident traces" under "per entry point" (a run with one entry point has no part that changed)
    assert.equal(d.regression?.entryPointsSeen, 1);
    const entryNote = d.notes.find((n) => n.includes('the only entry point'));
    assert.match(entryNote ?? '', /^the only entry point, load-generator \/ POST \/ingest → ingestion \/ POST \/ingest, changed \(all \d+ incident traces, \d+ in the baseline\): median /, d.notes.join('\n'));
    assert.ok(!d.notes.some((n) => n.startsWith('per entry point')), d.notes.join('\n'));
  });

  test('the README demo command: trace-doctor diagnose prints the root cause with preprocessor/preprocessor.py:<line>', async () => {
    const src = readFileSync(join(EXAMPLE, 'preprocessor', 'preprocessor.py'), 'utf8');
    const [opening] = pythonSpanLines(src, 'preprocess-request');
    const demo = ['diagnose', '--baseline', NORMAL, '--incident', SPIKED, '--workspace', EXAMPLE];
    const runCli = async (argv: string[]) => {
      let out = '';
      let err = '';
      const code = await cliMain(argv, { out: (s) => void (out += s), err: (s) => void (err += s) });
      return { code, out, err };
    };
    const human = await runCli(demo);
    assert.equal(human.code, 0, human.err);
    assert.match(human.out, /Root cause: pre-processor \/ preprocess-request/);
    assert.ok(human.out.includes(`preprocessor/preprocessor.py:${opening}`), human.out);
    const json = await runCli([...demo, '--json']);
    assert.equal(json.code, 0, json.err);
    const parsed = DiagnosisSchema.parse(JSON.parse(json.out));
    assert.equal(parsed.rootCause?.service, 'pre-processor');
    assert.deepEqual([parsed.rootCause?.source?.file, parsed.rootCause?.source?.line], ['preprocessor/preprocessor.py', opening]);
  });

  test('spiked vs spiked is not a regression', async () => {
    const d = await diagnoseCase(EXAMPLE, { baseline: 'traces/spiked.json', incident: 'traces/spiked.json', expected: null });
    assert.equal(d.rootCause, null);
  });

  for (const { dir, c } of readCases()) {
    const name = relative(CASES, dir);
    // inference-errors: the retry backoff is time of the CALLER's span (its self time grows), but the cause is the
    // failing callee; the engine must credit the backoff to the callee's retries.
    test(`eval case ${name}: the engine finds the known answer`, async () => {
      const d = await diagnoseCase(dir, c);
      if (c.expected === null) {
        assert.equal(d.rootCause, null, `${name}: expected no regression, got ${d.rootCause?.service}/${d.rootCause?.name}`);
        return;
      }
      assertFinds(name, d, c.expected);
    });
  }
});
