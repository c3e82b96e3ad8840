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

  it('bad input: clear errors', async () => {
    await assert.rejects(runEvalCommand(['--provider', 'gpt'], capture().io), /--provider expects/);
    await assert.rejects(runEvalCommand(['--provider', 'ollama', '--cases', CASES], capture().io), /--model is required/);
    await assert.rejects(runEvalCommand(['--cases', join(dir, 'nope')], capture().io), /does not exist/);
    await assert.rejects(runEvalCommand(['--cases', CASES, '--trials', '0'], capture().io), /--trials expects/);
  });
});
