import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runEvalCommand } from '../../../src/cli/commands/eval';
import { readCases, scoreAnswer, type EvalReport } from '../../../src/llm/eval';
import { startScriptedLlmServer, type ScriptedServer } from '../../helpers/scripted-llm-server';

const CASES = 'examples/eval-cases';

function capture() {
  let out = '';
  let err = '';
  return { io: { out: (s: string) => void (out += s), err: (s: string) => void (err += s) }, out: () => out, err: () => err };
}

describe('trace-doctor eval', () => {
  let srv: ScriptedServer;
  let dir: string;
  before(async () => {
    srv = await startScriptedLlmServer();
    dir = mkdtempSync(join(tmpdir(), 'td-eval-'));
  });
  after(async () => {
    await srv.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('reads the shipped cases', async () => {
    const cases = await readCases(CASES);
    assert.ok(cases.length >= 2);
    const names = cases.map((c) => c.name);
    for (const n of ['ml-pipeline', 'sys4bigml']) assert.ok(names.includes(n), n);
  });

  it('scores names with aliases and normalisation', () => {
    const e = { service: 'pre-processor', operation: 'preprocess-request', aliases: ['preprocessor'] };
    const a = (service: string, operation: string) => ({ rootCause: { service, operation }, category: 'queueing' as const, confidence: 1, evidence: [], mitigation: [], sources: [], summary: '' });
    assert.ok(scoreAnswer(a('Pre-Processor', 'preprocess-request'), e).correct);
    assert.ok(scoreAnswer(a('preprocessor', 'Preprocess Request'), e).correct);
    assert.ok(!scoreAnswer(a('pre-processor', 'inference'), e).correct);
    assert.ok(!scoreAnswer(a('web-server', 'preprocess-request'), e).correct);
    assert.ok(scoreAnswer({ ...a('x', 'y'), rootCause: null }, null).correct);
  });

  it('offline provider: runs with no model', async () => {
    const c = capture();
    assert.equal(await runEvalCommand(['--provider', 'offline', '--cases', CASES, '--quiet'], c.io), 0);
    assert.match(c.out(), /\| case \| expected \| offline \|/);
    assert.match(c.out(), /\| \*\*total\*\* \| \| \*\*\d+\/\d+\*\*/);
  });

  it('end to end over the OpenAI protocol against the scripted server: table + JSON, both modes', async () => {
    const n0 = srv.chatRequests().length;
    const json = join(dir, 'report.json');
    const c = capture();
    const code = await runEvalCommand(['--provider', 'openai', '--base-url', srv.openaiBaseURL, '--model', 'scripted-model', '--trials', '2', '--mode', 'both', '--cases', CASES, '--json', json], c.io);
    assert.equal(code, 0, c.err());
    process.stdout.write(c.out());
    const report = JSON.parse(readFileSync(json, 'utf8')) as EvalReport;
    const cases = await readCases(CASES);
    assert.equal(report.cases.length, cases.length);
    assert.deepEqual(report.columns, ['zero-shot', 'tools']);
    // every case × mode × trial ran through the server: zero-shot = 1 request; tools = a tool call, a prose reply,
    // then the structured final answer
    assert.equal(srv.chatRequests().length - n0, cases.length * 2 * (1 + 3));
    for (const col of report.columns) {
      const s = report.summary[col]!;
      assert.equal(s.trials, cases.length * 2);
      assert.equal(s.correct, report.cases.reduce((n, x) => n + x.results[col]!.answers.filter((a) => a.correct).length, 0));
    }
    // the scripted model echoes the engine's top candidate: on the founding case it must be right
    const ml = report.cases.find((x) => x.name === 'ml-pipeline')!;
    assert.equal(ml.results.tools!.correct, 2);
    assert.ok(ml.results.tools!.answers.every((a) => (a.tokens ?? 0) > 0 && a.toolCalls === 1));
    const table = c.out();
    for (const x of cases) assert.match(table, new RegExp(`\\| ${x.name} \\|`));
    assert.match(table, /\| \*\*total\*\* \|/);
  });

  it('over Ollama: a model that keeps naming a component that did not regress scores 0 (fallbacks shown)', async () => {
    const wrong = { rootCause: { service: 'web-server', operation: 'nonexistent-op' }, category: 'self_time', confidence: 0.9, evidence: [], mitigation: [], sources: [], summary: 'x' };
    srv.push({ json: wrong }, { json: wrong });
    const c = capture();
    await runEvalCommand(['--provider', 'ollama', '--base-url', srv.ollamaHost, '--model', 'scripted-model', '--trials', '1', '--mode', 'zero-shot', '--cases', join(CASES, 'sys4bigml'), '--json', '-'], c.io);
    const report = JSON.parse(c.out()) as EvalReport;
    assert.equal(report.cases.length, 1);
    const r = report.cases[0]!.results['zero-shot']!;
    assert.equal(r.correct, 0);
    assert.equal(r.fallbacks, 1);
  });

  it('--log writes every request/response as JSON Lines; a hung server ends within the deadline, cases named', async () => {
    const log = join(dir, 'eval-log.jsonl');
    srv.push({ hang: true }, { json: { rootCause: { service: 'pre-processor', operation: 'preprocess-request' }, category: 'queueing', confidence: 0.9, evidence: [], mitigation: [], sources: [], summary: 's' } });
    const c = capture();
    const t0 = Date.now();
    // per-call timeout 60 s, but the whole trial has a 1.5 s deadline
    await runEvalCommand(['--provider', 'openai', '--base-url', srv.openaiBaseURL, '--model', 'scripted-model', '--trials', '2', '--mode', 'zero-shot', '--cases', join(CASES, 'sys4bigml'), '--timeout-ms', '60000', '--deadline-ms', '1500', '--log', log, '--json', '-', '--quiet'], c.io);
    const ms = Date.now() - t0;
    assert.ok(ms < 15_000, `bounded: ${ms} ms`);
    const report = JSON.parse(c.out()) as EvalReport;
    assert.deepEqual(report.timedOut.map((x) => [x.case, x.mode, x.trial]), [['sys4bigml', 'zero-shot', 1]]);
    assert.match(report.timedOut[0]!.error, /did not finish within the 2 s deadline/);
    const answers = report.cases[0]!.results['zero-shot']!.answers;
    assert.equal(answers[0]!.timedOut, true);
    assert.match(answers[0]!.label, /offline engine \(the diagnosis ran past its deadline\)/);
    assert.equal(answers[1]!.timedOut, undefined);
    // the log: an eval marker, then the same entries as the extension's log, joined by id
    const entries = readFileSync(log, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    const marks = entries.filter((e) => e.type === 'eval');
    assert.deepEqual(marks.map((e) => [e.case, e.mode, e.trial]), [['sys4bigml', 'zero-shot', 1], ['sys4bigml', 'zero-shot', 2]]);
    for (const m of marks) {
      const mine = entries.filter((e) => e.id === m.id).map((e) => e.type);
      assert.ok(mine.includes('request') && mine.includes('result'), mine.join(','));
    }
    const req = entries.find((e) => e.type === 'request');
    assert.equal(req.messages[0].role, 'system', 'the exact (redacted) messages are logged');
    assert.ok(entries.some((e) => e.type === 'response' && /pre-processor/.test(e.content)));
    // the markdown report names the timed-out trial too
    const md = capture();
    srv.push({ hang: true });
    await runEvalCommand(['--provider', 'ollama', '--base-url', srv.ollamaHost, '--model', 'scripted-model', '--trials', '1', '--mode', 'zero-shot', '--cases', join(CASES, 'sys4bigml'), '--deadline-ms', '1000', '--quiet'], md.io);
    assert.match(md.out(), /⏱ timed out \(1\):\n- sys4bigml \[zero-shot\] trial 1: The model did not finish within the 1 s deadline/);
  });

  it('eval --json - keeps stdout to the report even when the ollama client logs (HTML error body from a proxy)', async () => {
    const html = { status: 502, body: '<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>', contentType: 'text/html' };
    srv.push(html, html, html); // retried: 5xx
    const c = capture();
    const logs: string[] = [];
    const orig = console.log;
    console.log = (...a: unknown[]) => void logs.push(a.join(' '));
    try {
      await runEvalCommand(['--provider', 'ollama', '--base-url', srv.ollamaHost, '--model', 'scripted-model', '--trials', '1', '--mode', 'zero-shot', '--cases', join(CASES, 'sys4bigml'), '--json', '-', '--quiet'], c.io);
    } finally {
      console.log = orig;
    }
    assert.deepEqual(logs, []);
    const report = JSON.parse(c.out()) as EvalReport;
    const a = report.cases[0]!.results['zero-shot']!.answers[0]!;
    assert.ok(a.fellBack);
    assert.match(a.error ?? '', /HTTP 502\): \(an HTML page, probably from a proxy\) 502 Bad Gateway — nginx/);
  });

  it('bad input: clear errors', async () => {
    await assert.rejects(runEvalCommand(['--provider', 'gpt'], capture().io), /--provider expects/);
    await assert.rejects(runEvalCommand(['--provider', 'ollama', '--cases', CASES], capture().io), /--model is required/);
    await assert.rejects(runEvalCommand(['--cases', join(dir, 'nope')], capture().io), /does not exist/);
    await assert.rejects(runEvalCommand(['--cases', CASES, '--trials', '0'], capture().io), /--trials expects/);
  });
});
