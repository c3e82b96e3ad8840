import { parseArgs } from 'node:util';
import { stat } from 'node:fs/promises';
import { CliError, type CliIO } from '../command';
import { register } from '../registry';
import { numOption } from '../options';
import { loadRunForCli } from '../load';
import { scanWorkspace } from '../../sources/workspace-scan';
import { analyze } from '../../core/rca/analyze';
import { Diagnosis, type Candidate } from '../../core/rca/diagnosis';
import { formatP } from '../../core/stats/index';
import { anomalyIssues } from '../../core/parse/anomalies';
import { humanMs } from './stats';
import { oneLine } from '../terminal';

const HELP = `trace-doctor diagnose — offline root-cause diagnosis (no LLM)

Usage:
  trace-doctor diagnose --baseline <path> --incident <path> [--workspace DIR] [--json] [--top N]
  trace-doctor diagnose --incident <path> [...]          one run: split automatically (level shift in time, else
                                                         the slowest decile vs the rest)

<path> is a trace file, a directory of them, or a tracing-backend URL (OTLP JSON / JSON Lines, Jaeger, Zipkin; several --baseline or
--incident options add up).

Options:
  --baseline PATH   the normal run
  --incident PATH   the slow run (also accepted as the only positional argument)
  --workspace DIR   source folder searched for the lines that open the spans (honours .gitignore)
  --json            print one JSON object {rootCause, candidates, split?, latency, notes}
  --top N           candidates to show (default 10)
  --alpha A         significance level of the tests (default 0.01)
  --seed N          seed of the permutation test of the automatic split (default 42)

Exit codes: 0 diagnosis printed (also when rootCause is null), 2 bad input or usage.
`;

/** 3.4 ms, 120 ms, 2.35 s; from a minute on: 3 m 05.2 s, 2 h 04 m, 3 d 04 h (never a 15-digit number of seconds) */
const ms = (v: number) => {
  const a = Math.abs(v);
  if (!Number.isFinite(v)) return '?';
  if (a >= 60_000) return (v < 0 ? '-' : '') + humanMs(a);
  return a >= 1000 ? `${(v / 1000).toFixed(2)} s` : a >= 10 ? `${v.toFixed(0)} ms` : `${v.toFixed(1)} ms`;
};

function table(cands: Candidate[]): string {
  const rows = cands.map((c, i) => ([
    String(i + 1),
    c.kind + (c.attribute ? ` ${c.attribute.key}=${c.attribute.value}` : ''),
    `${c.service} / ${c.name}`,
    `+${ms(c.impactMs)}`,
    c.confidence.toFixed(2),
    c.source ? `${c.source.file}:${c.source.line}` : '',
  ]).map(oneLine));
  const head = ['#', 'kind', 'service / operation', 'impact/trace', 'conf.', 'source'];
  const w = head.map((h, k) => Math.max(h.length, ...rows.map((r) => r[k]!.length)));
  const right = new Set([0, 3, 4]);
  const line = (r: string[]) => r.map((c, k) => (right.has(k) ? c.padStart(w[k]!) : c.padEnd(w[k]!))).join('  ').trimEnd();
  return [line(head), line(w.map((n) => '-'.repeat(n))), ...rows.map(line)].join('\n');
}

export function renderHuman(d: Diagnosis): string {
  const out: string[] = [];
  if (d.split) out.push(`Split: ${d.split.method} — ${oneLine(d.split.description)} (${d.split.baselineTraces} normal / ${d.split.incidentTraces} slow traces)`);
  if (d.latency) {
    out.push(
      `End-to-end latency per trace: ${ms(d.latency.baselineMs)} → ${ms(d.latency.incidentMs)}` +
        (d.latency.pValue !== null ? ` (p ${d.latency.pValue < 1e-16 ? '< 1e-16' : '= ' + formatP(d.latency.pValue)})` : '') + `  [${d.latency.test}]`,
    );
  }
  out.push('');
  if (d.candidates.length) out.push(table(d.candidates), '');
  else out.push('No candidate changes found.', '');
  const rc = d.rootCause;
  if (rc) {
    // every field from the traces on one line: a newline in a span name must not fake a line of the report
    const f = oneLine;
    const where = rc.source ? ` The span is opened at ${f(rc.source.file)}:${rc.source.line}${rc.source.function ? ` (in ${f(rc.source.function)})` : ''}.` : '';
    out.push(
      `Root cause: ${f(rc.service)} / ${f(rc.name)} (${rc.kind}${rc.attribute ? `, ${f(rc.attribute.key)}=${f(String(rc.attribute.value))}` : ''}), ` +
        `about +${ms(rc.impactMs)} per trace, confidence ${rc.confidence.toFixed(2)}. ${f(rc.summary)}.${where}`,
    );
    for (const e of rc.evidence) out.push(`  - ${f(e)}`);
  } else {
    out.push('Root cause: none — the incident is not slower (or more failing) beyond noise.');
  }
  for (const n of d.notes) out.push(`Note: ${oneLine(n)}`);
  return out.join('\n') + '\n';
}

export async function runDiagnose(argv: string[], io: CliIO): Promise<number> {
  let values;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: argv,
      options: {
        baseline: { type: 'string', multiple: true },
        incident: { type: 'string', multiple: true },
        workspace: { type: 'string', multiple: true },
        json: { type: 'boolean' },
        top: { type: 'string' },
        alpha: { type: 'string' },
        seed: { type: 'string' },
      },
      strict: true,
      allowPositionals: true,
    }));
  } catch (e) {
    throw new CliError(`${(e as Error).message}\n\n${HELP}`);
  }
  const incidentPaths = [...(values.incident ?? []), ...positionals];
  if (incidentPaths.length === 0) throw new CliError(`--incident <path> is required\n\n${HELP}`);
  const top = numOption(values.top, 'top', 10, { min: 1, max: 1000 });
  const alpha = numOption(values.alpha, 'alpha', 0.01, { min: 1e-9, max: 0.5 });
  const seed = numOption(values.seed, 'seed', 42);
  for (const w of values.workspace ?? []) {
    const s = await stat(w).catch(() => null);
    if (!s?.isDirectory()) throw new CliError(`--workspace ${w}: not a directory`);
  }
  const baseline = values.baseline?.length ? await loadRunForCli(values.baseline, 'baseline', io) : null;
  const incident = await loadRunForCli(incidentPaths, 'incident', io);
  let sourceIndex;
  const workspaces = values.workspace ?? [];
  if (workspaces.length) {
    const first = await scanWorkspace(workspaces[0]!);
    sourceIndex = first.index;
    for (const w of workspaces.slice(1)) await scanWorkspace(w, { index: sourceIndex, prefix: w });
  }
  const { diagnosis } = analyze(baseline?.model ?? null, incident.model, { top, alpha, seed, ...(sourceIndex ? { sourceIndex } : {}) });
  // malformed spans (broken timestamps, parent cycles, duplicate ids) were repaired while loading: say so in the notes
  for (const [role, run] of [['baseline', baseline], ['incident', incident]] as const) {
    if (run) for (const i of anomalyIssues(run.model, () => '')) diagnosis.notes.push(`${role}: ${i.message}`);
  }
  if (values.json) {
    io.out(JSON.stringify(Diagnosis.parse(diagnosis), null, 2) + '\n');
  } else {
    io.out(renderHuman(diagnosis));
  }
  return 0;
}

register({
  name: 'diagnose',
  summary: 'rank root causes of a slowdown (baseline vs incident, or one run split automatically)',
  help: HELP,
  run: runDiagnose,
});
