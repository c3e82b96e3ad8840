import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { CliError, type CliIO, UsageError, usageError } from '../command';
import { register } from '../registry';
import { numOption } from '../options';
import type { AgentMode } from '../../llm/agent';
import { type EvalDeps, readCases, reportMarkdown, runEval } from '../../llm/eval';
import { LlmLog } from '../../llm/log';
import { prepareRuns } from '../../llm/prepare';
import type { LlmProvider } from '../../llm/provider';
import { DEFAULT_OLLAMA_HOST, OllamaProvider } from '../../llm/providers/ollama';
import { OpenAiProvider } from '../../llm/providers/openai';

const HELP = `trace-doctor eval — score LLM diagnoses on evaluation cases (the founding study's table)

Usage: trace-doctor eval --provider ollama|openai|offline [--model M] [--base-url U] [--trials 5]
                         [--mode zero-shot|tools|both] --cases DIR [--json out.json]

A case is a folder with case.json (baseline, incident, expected answer; see examples/eval-cases/README.md), or
baseline.* + incident.* + expected.json. DIR may hold many cases or be one case.

For every case, mode and trial the model diagnoses the pair (tools: read-only tool calls over the traces, then a
structured answer; zero-shot: the compact pre-computed summary only). An answer is correct when its root-cause
service (and operation, when the case names one) matches the expected one, aliases allowed. A trial where the model
failed and the offline engine answered instead counts as wrong (and is shown as a fallback).

Options:
  --provider P      ollama (default host ${DEFAULT_OLLAMA_HOST}), openai (any OpenAI-compatible server), or offline
                    (the engine alone: no model needed; one trial per case)
  --model M         model name (required unless offline)
  --base-url U      openai: the server's base URL (default https://api.openai.com/v1); ollama: the host
  --api-key-env V   environment variable holding the API key (default OPENAI_API_KEY)
  --trials N        trials per case and mode (default 5)
  --mode M          zero-shot, tools or both (default both)
  --temperature T   default 0.2 (as the study used)
  --seed S          base seed (trial i uses S+i), when the server supports seeds
  --max-tool-rounds N   default 6
  --timeout-ms N    per model call (default 120000)
  --deadline-ms N   per trial, all calls and tool rounds included (default 180000); trials that run out are
                    answered by the offline engine, counted wrong and named under "timed out"
  --log FILE        append every request, response, tool call and result as JSON Lines (the extension's log
                    format: exactly what was sent, redacted, and what came back)
  --no-redact       send attribute values unredacted (default: redacted like the extension)
  --json FILE       also write the full report (every answer) as JSON; "-" prints JSON instead of markdown
  --quiet           no per-trial progress on stderr

Exit codes: 0 when it ran (whatever the score), 2 bad input or usage, 3 internal error (a bug in trace-doctor).
`;

export async function runEvalCommand(argv: string[], io: CliIO, signal?: AbortSignal): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        provider: { type: 'string' },
        model: { type: 'string' },
        'base-url': { type: 'string' },
        'api-key-env': { type: 'string' },
        trials: { type: 'string' },
        mode: { type: 'string' },
        temperature: { type: 'string' },
        seed: { type: 'string' },
        'max-tool-rounds': { type: 'string' },
        'timeout-ms': { type: 'string' },
        'deadline-ms': { type: 'string' },
        log: { type: 'string' },
        'no-redact': { type: 'boolean' },
        cases: { type: 'string' },
        json: { type: 'string' },
        quiet: { type: 'boolean' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (e) {
    throw usageError(e, HELP, 'eval');
  }
  const providerName = values.provider ?? 'offline';
  if (!['ollama', 'openai', 'offline'].includes(providerName)) throw new CliError(`--provider expects ollama, openai or offline, got '${providerName}'`);
  if (!values.cases) throw new UsageError('--cases DIR is required (e.g. examples/eval-cases)');
  if (providerName !== 'offline' && !values.model) throw new CliError(`--model is required with --provider ${providerName}`);
  const mode = values.mode ?? 'both';
  if (!['zero-shot', 'tools', 'both'].includes(mode)) throw new CliError(`--mode expects zero-shot, tools or both, got '${mode}'`);
  const modes: AgentMode[] = mode === 'both' ? ['zero-shot', 'tools'] : [mode as AgentMode];
  const trials = numOption(values.trials, 'trials', 5, { min: 1, int: true });
  let baseURL = values['base-url'];
  if (baseURL) {
    try {
      new URL(baseURL);
    } catch {
      throw new CliError(`--base-url: '${baseURL}' is not a URL`);
    }
  }
  let provider: LlmProvider | undefined;
  if (providerName === 'openai') {
    baseURL ??= 'https://api.openai.com/v1';
    const keyEnv = values['api-key-env'] ?? 'OPENAI_API_KEY';
    provider = new OpenAiProvider({ baseURL, apiKey: process.env[keyEnv] });
  } else if (providerName === 'ollama') {
    baseURL ??= DEFAULT_OLLAMA_HOST;
    provider = new OllamaProvider({ host: baseURL });
  }
  let cases;
  try {
    cases = await readCases(values.cases);
  } catch (e) {
    throw new CliError((e as Error).message);
  }
  const log = values.log ? new LlmLog(values.log, Number.MAX_SAFE_INTEGER, (e) => io.err(`--log ${values.log}: ${e.message}\n`)) : undefined;
  const deps: EvalDeps = {
    prepare: (c) => prepareRuns({ baseline: c.baseline, incident: c.incident, workspace: c.workspace, signal }),
    provider,
    onProgress: values.quiet ? undefined : (line) => io.err(line + '\n'),
    ...(log ? { log } : {}),
  };
  const deadlineMs = numOption(values['deadline-ms'], 'deadline-ms', 180_000, { min: 1 });
  // stdout carries only the report: anything a client library prints goes to stderr meanwhile
  const saved = { log: console.log, info: console.info, warn: console.warn, debug: console.debug };
  for (const k of Object.keys(saved) as (keyof typeof saved)[]) console[k] = (...a: unknown[]) => io.err(a.map(String).join(' ') + '\n');
  let report;
  try {
    report = await runEval(
    cases,
    {
      provider: providerName,
      model: values.model ?? 'engine',
      ...(provider ? { baseURL } : {}),
      trials,
      modes,
      temperature: numOption(values.temperature, 'temperature', 0.2),
      ...(values.seed !== undefined ? { seed: numOption(values.seed, 'seed', 0, { int: true }) } : {}),
      maxToolRounds: numOption(values['max-tool-rounds'], 'max-tool-rounds', 6, { int: true }),
      timeoutMs: numOption(values['timeout-ms'], 'timeout-ms', 120_000, { min: 1 }),
      deadlineMs,
      redaction: !values['no-redact'],
      signal,
    },
    deps,
  );
  } finally {
    Object.assign(console, saved);
    await log?.flush();
  }
  if (log) io.err(`wrote the request/response log to ${values.log}\n`);
  if (values.json === '-') (io.data ?? io.out)(JSON.stringify(report, null, 2) + '\n');
  else {
    io.out(reportMarkdown(report));
    if (values.json) {
      await writeFile(values.json, JSON.stringify(report, null, 2) + '\n', 'utf8');
      io.err(`wrote ${values.json}\n`);
    }
  }
  return 0;
}

register({
  name: 'eval',
  summary: 'score LLM (or offline) diagnoses on evaluation cases: per case correct/trials per mode',
  help: HELP,
  run: (argv, io) => runEvalCommand(argv, io),
});
