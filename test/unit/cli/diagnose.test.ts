import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../../src/cli/main';
import { Diagnosis } from '../../../src/core/rca/diagnosis';
import { encode, makeScenario } from '../../../src/core/testing/scenarios';

const DIR = join(__dirname, '../../fixtures/public/sys4bigml');

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(args, { out: (s) => (out += s), err: (s) => (err += s) });
  return { code, out, err };
}

test('diagnose --json on the public pair: one object valid against the schema, source link to line 58', async () => {
  const r = await cli(['diagnose', '--baseline', join(DIR, 'normal-traces-minified-1.json'), '--incident', join(DIR, 'spiked-traces-minified-1.json'), '--workspace', join(DIR, 'src'), '--json']);
  assert.equal(r.code, 0, r.err);
  const d = Diagnosis.parse(JSON.parse(r.out));
  assert.equal(d.rootCause?.service, 'pre-processor');
  assert.equal(d.rootCause?.name, 'preprocess-request');
  assert.equal(d.rootCause?.source?.file, 'pre-processor/preprocessor.py');
  assert.equal(d.rootCause?.source?.line, 58);
});

test('diagnose human output: aligned table and a root-cause paragraph with file:line', async () => {
  const r = await cli(['diagnose', '--baseline', join(DIR, 'normal-traces-minified-1.json'), '--incident', join(DIR, 'spiked-traces-minified-1.json'), '--workspace', join(DIR, 'src')]);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /#\s+kind\s+service \/ operation\s+effect\/trace\s+conf\.\s+source/);
  assert.match(r.out, /^1\s+own time\s+pre-processor \/ preprocess-request\s+\+773 ms\s+0\.\d\d\s+pre-processor\/preprocessor\.py:58$/m);
  assert.match(r.out, /Root cause: pre-processor \/ preprocess-request .* pre-processor\/preprocessor\.py:58/);
  assert.match(r.out, /too few for a statistical test/);
});

test('diagnose --incident only (split) and --top; bad input exits 2 with a clear message', async () => {
  const tmp = mkdtempSync(join(tmpdir(), 'td-cli-'));
  try {
    const sc = makeScenario('self_time', 4, { traces: 60 });
    // one file holding the normal run followed by the slow run one minute later → a level shift in time
    const shifted = sc.incident.map((s) => ({ ...s, start: s.start + 60e9 }));
    const f = join(tmp, 'run.jsonl');
    writeFileSync(f, encode([...sc.baseline, ...shifted], 'otlp-jsonl'));
    const r = await cli(['diagnose', f, '--json', '--top', '2']);
    assert.equal(r.code, 0, r.err);
    const d = Diagnosis.parse(JSON.parse(r.out));
    assert.equal(d.split?.method, 'time_window');
    assert.ok(d.candidates.length <= 2);
    assert.equal(d.rootCause?.name, sc.expected.name);
    // in words, not the method's JSON id
    const human = await cli(['diagnose', f, '--top', '2']);
    assert.match(human.out, /^Split automatically: .* \(\d+ normal \/ \d+ slow traces\)$/m);
    assert.doesNotMatch(human.out, /time_window|slowest_decile/);

    const bad = join(tmp, 'bad.json');
    writeFileSync(bad, '{"resourceSpans": [ {');
    const e1 = await cli(['diagnose', '--incident', bad]);
    assert.equal(e1.code, 2);
    assert.match(e1.err, /bad\.json/);
    const e2 = await cli(['diagnose', '--incident', join(tmp, 'missing.json')]);
    assert.equal(e2.code, 2);
    assert.match(e2.err, /missing\.json/);
    const e3 = await cli(['diagnose']);
    assert.equal(e3.code, 2);
    assert.match(e3.err, /--incident/);
    const e4 = await cli(['diagnose', '--incident', f, '--top', 'x']);
    assert.equal(e4.code, 2);
    const e5 = await cli(['diagnose', '--incident', f, '--workspace', join(tmp, 'nope')]);
    assert.equal(e5.code, 2);
    assert.match(e5.err, /not a directory/);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});

test('diagnose A B (two positional paths) reads A as the baseline and B as the incident, and says so; three are refused', async () => {
  const normal = join(DIR, 'normal-traces-minified-1.json');
  const spiked = join(DIR, 'spiked-traces-minified-1.json');
  const r = await cli(['diagnose', normal, spiked, '--json']);
  assert.equal(r.code, 0, r.err);
  const d = Diagnosis.parse(JSON.parse(r.out));
  assert.equal(d.rootCause?.service, 'pre-processor');
  assert.equal(d.split, undefined, 'two runs compared, not one run split');
  assert.ok(d.notes.some((n) => n.includes('read as the baseline') && n.includes('normal-traces-minified-1.json')), d.notes.join(' | '));
  const three = await cli(['diagnose', normal, spiked, spiked]);
  assert.equal(three.code, 2);
  assert.match(three.err, /3 incident paths given without --baseline\/--incident .*--baseline <path> --incident <path>/);
  const mixed = await cli(['diagnose', '--incident', spiked, normal]);
  assert.equal(mixed.code, 2);
});

test('h21: no root cause on a run the engine found slower is not printed as "not slower beyond noise"', async () => {
  const { renderHuman } = await import('../../../src/cli/commands/diagnose');
  const base: Diagnosis = {
    rootCause: null,
    candidates: [],
    latency: { baselineMs: 212, incidentMs: 1140, pValue: 0.0039, test: 'Welch' },
    regression: { slower: true, errorsUp: false, alpha: 0.01 },
    notes: ['end-to-end latency is higher overall only because the mix of requests changed'],
  };
  const out = renderHuman(base);
  assert.match(out, /^Root cause: none — the incident is slower beyond noise, but no single component explains it \(see the notes\)\.$/m);
  assert.doesNotMatch(out, /not slower/);
  assert.match(renderHuman({ ...base, regression: { slower: false, errorsUp: false, alpha: 0.01 } }), /^Root cause: none — the incident is not slower \(or more failing\) beyond noise\.$/m);
});

test('h21: a baseline folder that holds the incident file is said (its traces would count on both sides)', async () => {
  const tmp = mkdtempSync(join(tmpdir(), 'td-cli-overlap-'));
  try {
    const sc = makeScenario('self_time', 5, { traces: 40 });
    writeFileSync(join(tmp, 'normal.jsonl'), encode(sc.baseline, 'otlp-jsonl'));
    writeFileSync(join(tmp, 'spiked.jsonl'), encode(sc.incident, 'otlp-jsonl'));
    const r = await cli(['diagnose', '--baseline', tmp, '--incident', join(tmp, 'spiked.jsonl'), '--json']);
    assert.equal(r.code, 0, r.err);
    const d = Diagnosis.parse(JSON.parse(r.out));
    assert.ok(d.notes.some((n) => n.startsWith(`a file is read as both the baseline and the incident (${join(tmp, 'spiked.jsonl')}): its traces count on both sides`)), JSON.stringify(d.notes));
    // apart: no such note
    const ok = await cli(['diagnose', '--baseline', join(tmp, 'normal.jsonl'), '--incident', join(tmp, 'spiked.jsonl'), '--json']);
    assert.ok(!Diagnosis.parse(JSON.parse(ok.out)).notes.some((n) => /read as both/.test(n)));
    // the flame report warns on stderr
    const f = await cli(['flame', '--baseline', tmp, '--incident', join(tmp, 'spiked.jsonl'), '--out', join(tmp, 'r.html')]);
    assert.equal(f.code, 0, f.err);
    assert.match(f.err, /^warning: a file is read as both the baseline and the incident/m);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});

test('h21: a mistyped option names the closest one instead of Node\'s advice about positional arguments', async () => {
  const r = await cli(['diagnose', '--basline', 'x', '--incident', 'y']);
  assert.equal(r.code, 2);
  assert.match(r.err, /unknown option --basline \(did you mean --baseline\?\); see trace-doctor diagnose --help/);
  assert.doesNotMatch(r.err, /positional argument/);
  assert.match((await cli(['stats', '--jsn', 'x'])).err, /unknown option --jsn \(did you mean --json\?\)/);
  assert.match((await cli(['serve', '--prot', '1'])).err, /unknown option --prot \(did you mean --port\?\)/);
  // nothing close: no guess
  const far = await cli(['flame', '--zzzzzzzz']);
  assert.match(far.err, /unknown option --zzzzzzzz; see trace-doctor flame --help/);
});

test('walkthrough 2026-12-07 pm: a baseline of another system (no service in common) is said — a warning on stderr and a note in the JSON; flame warns', async () => {
  const other = join(__dirname, '../../fixtures/real-faults/cases/ob-cpu-contention-cartservice-0823-1245/incident.jsonl.gz');
  const r = await cli(['diagnose', '--baseline', join(DIR, 'normal-traces-minified-1.json'), '--incident', other, '--json']);
  assert.equal(r.code, 0, r.err);
  const want = /^the baseline and the incident share no service \(baseline: inference-server, pre-processor, web-server; incident: adservice, cartservice, checkoutservice and \d+ more\): they look like traces of two different systems/;
  assert.match(r.err, /^warning: the baseline and the incident share no service/m);
  assert.ok(Diagnosis.parse(JSON.parse(r.out)).notes.some((n) => want.test(n)), r.out.slice(0, 2000));
  // the same system: no such note
  const same = await cli(['diagnose', '--baseline', join(DIR, 'normal-traces-minified-1.json'), '--incident', join(DIR, 'spiked-traces-minified-1.json'), '--json']);
  assert.doesNotMatch(same.err + same.out, /share no service/);
  const tmp = mkdtempSync(join(tmpdir(), 'td-cli-'));
  try {
    const f = await cli(['flame', '--baseline', join(DIR, 'normal-traces-minified-1.json'), '--incident', other, '--out', join(tmp, 'r.html')]);
    assert.equal(f.code, 0, f.err);
    assert.match(f.err, /^warning: the baseline and the incident share no service/m);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});
