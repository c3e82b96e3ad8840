import { parseArgs } from 'node:util';
import { sourceCaveat } from '../../core/source/link';
import { VERSION } from '../version';
import { appendFile, stat } from 'node:fs/promises';
import { statSync } from 'node:fs';
import { writeFailure, writeFileAtomic } from '../output';
import { toJunit } from '../junit';
import { githubAnnotations } from '../github';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { CliError, type CliIO, UsageError, usageError } from '../command';
import { register } from '../registry';
import { numOption } from '../options';
import { deepTreeNotes, inputLimits, loadRunForCli, MAX_DOWNLOAD_HELP, MAX_STREAM_HELP, overlapNote, readProblems, status } from '../load';
import { EFFECT_LEGEND, thinShareText } from '../../core/format/figures';
import { KIND_LABEL, regressionWords } from '../../core/format';
import { DEFAULT_MAX_SOURCE_FILES, scanWorkspace, truncationNote } from '../../sources/workspace-scan';
import { sourceResolver } from '../../sources/source-resolver';
import { analyze } from '../../core/rca/analyze';
import { serviceNames, unrelatedRunsNote } from '../../core/stats/run-overlap';
import { Diagnosis, type Candidate } from '../../core/rca/diagnosis';
import { formatP } from '../../core/stats/index';
import { anomalyIssues } from '../../core/parse/anomalies';
import { humanMs } from './stats';
import { oneLine } from '../terminal';
import { evaluateGate, GateInputError, parsePercent, PERCENTILES, type GateResult, type Percentile } from '../../core/gate/gate';
import { renderMarkdown } from '../../core/report/markdown';
import { toSarif } from '../../core/report/sarif';
import { DEFAULT_CAPACITY_TARGET } from '../../core/rca/capacity';


const HELP = `trace-doctor diagnose — offline root-cause diagnosis (no LLM), and a CI performance gate

Usage:
  trace-doctor diagnose --baseline <path> --incident <path> [--workspace DIR] [--format F] [--top N]
  trace-doctor diagnose --incident <path> [...]          one run: split automatically (level shift in time, else
                                                         the slowest decile vs the rest)
  trace-doctor diagnose --baseline B --incident I --fail-on regression [--max-slowdown 5%] [--percentile p95]
                        [--max-error-rate-increase 0.5%] [--format markdown|sarif] [--sarif-output F] [--markdown-output F]

<path> is a trace file (gzip or not), a directory of them, a quoted glob pattern ('traces/*.jsonl.gz'), - for the
traces piped into stdin (one side only), a named pipe or process substitution (--incident <(zcat i.json.gz), read
to its end, at most 4 GiB: --max-stream), or a tracing-backend URL (OTLP JSON / JSON Lines, Jaeger, Zipkin);
several --baseline or --incident options add up.

Options:
  --baseline PATH   the normal run
  --incident PATH   the slow run (also accepted as the only positional argument; two positional paths are read as
                    baseline then incident)
  --workspace DIR   source folder searched for the lines that open the spans (honours .gitignore; listed with
                    ripgrep when installed)
  --max-source-files N  source files read per workspace folder (default 20000; a note says when more were left out)
  ${MAX_DOWNLOAD_HELP}
  ${MAX_STREAM_HELP}
  --format F        human (default) | json {rootCause, candidates, split?, latency, regression, notes, gate?}
                    | markdown (compact report for a PR comment or $GITHUB_STEP_SUMMARY)
                    | sarif (SARIF 2.1.0: one result per significant candidate at the line that opens its span)
  --json            same as --format json
  --top N           candidates to show (default 10)
  --alpha A         significance level of the tests (default 0.01)
  --seed N          seed of the permutation test of the automatic split (default 42)
  --capacity-target P   utilisation target of the capacity estimate on queueing candidates (default 70%)
  --strict          exit 2 when an input was read with problems (a truncated file, skipped lines) instead of
                    diagnosing what could be read (without it, a note in every output format says so)

Gate (needs --baseline; any of these turns it on):
  --fail-on regression          exit 1 when the incident is slower or failing more beyond noise, by the engine's
                                own tests (Mann-Whitney U / Welch t on per-trace latency, two-proportion on errors),
                                or an entry point's calls per trace changed or its throughput fell (check
                                "structure": requests that stop early are no slowdown, --max-slowdown does not pass them)
  --max-slowdown P              tolerance: fail on latency only when, in addition, the end-to-end --percentile grew
                                by more than P (e.g. 5%)
  --percentile p50|p95|p99      the end-to-end percentile of --max-slowdown (default p95)
  --max-error-rate-increase P   fail on errors when the share of traces with an error grew by more than P percentage
                                points (e.g. 0.5%) and a two-proportion test at --alpha says it is not noise

Outputs:
  --sarif-output FILE      also write the SARIF log to FILE (for github/codeql-action/upload-sarif)
  --markdown-output FILE   also APPEND the markdown report to FILE (e.g. "$GITHUB_STEP_SUMMARY")
  --github-annotations     on a failed gate, print GitHub Actions ::error commands on stderr (annotations on the
                           job and at the root cause's line in the PR diff, no SARIF upload needed)
  --junit-output FILE      also write the gate's checks as JUnit XML (one test case per check; a failed check names
                           the root cause) for GitLab artifacts:reports:junit, Jenkins, Azure Pipelines; needs a gate
                           option
  --srcroot DIR            %SRCROOT% of the SARIF locations and the root of --link-base links (default: the current
                           directory; run from the repository root so paths are repository-relative); a path
                           recorded elsewhere (C:\\build\\app\\…, /app/…) is placed by its longest tail found here
  --link-base URL          markdown source links: URL + path relative to --srcroot + #L<line>
                           (e.g. https://github.com/OWNER/REPO/blob/SHA/)

Exit codes: 0 diagnosis printed / gate passed (also when rootCause is null), 1 regression (gate on and failed),
2 bad input or usage (unreadable traces, bad options, too few traces for the gate's tests), 3 internal error (a bug
in trace-doctor), 130 interrupted (Ctrl-C), 143 cancelled (SIGTERM); no partial report file is left.
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
    (KIND_LABEL[c.kind] ?? c.kind) + (c.attribute ? ` ${c.attribute.key}=${c.attribute.value}` : '') + (c.waitsOn ? ` (wait for ${c.waitsOn})` : ''),
    `${c.service} / ${c.name}`,
    `+${ms(c.impactMs)}`,
    c.confidence.toFixed(2),
    c.source ? `${c.source.file}:${c.source.line}` : '',
  ]).map(oneLine));
  const head = ['#', 'kind', 'service / operation', 'effect/trace', 'conf.', 'source'];
  const w = head.map((h, k) => Math.max(h.length, ...rows.map((r) => r[k]!.length)));
  const right = new Set([0, 3, 4]);
  const line = (r: string[]) => r.map((c, k) => (right.has(k) ? c.padStart(w[k]!) : c.padEnd(w[k]!))).join('  ').trimEnd();
  // what the column measures, so "+81 ms" is not read as the per-call figure of the sentence below (core/format/figures)
  return [line(head), line(w.map((n) => '-'.repeat(n))), ...rows.map(line), EFFECT_LEGEND].join('\n');
}

export function renderHuman(d: Diagnosis): string {
  const out: string[] = [];
  // the method's id (time_window, slowest_decile) is for --json; the sentence says the same in words
  if (d.split) out.push(`${d.split.method === 'given' ? 'Split' : 'Split automatically'}: ${oneLine(d.split.description)} (${d.split.baselineTraces} normal / ${d.split.incidentTraces} slow traces)`);
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
    const caveat = sourceCaveat(rc.source);
    // a link from code.function is the function's declaration, not the line opening the span (the caveat names it)
    const declared = rc.source?.how === 'function';
    const inFn = [rc.source?.function && !declared ? `in ${f(rc.source.function)}` : '', caveat ? f(caveat) : ''].filter(Boolean).join('; ');
    const where = rc.source ? ` ${declared ? "The span's function is declared at" : 'The span is opened at'} ${f(rc.source.file)}:${rc.source.line}${inFn ? ` (${inFn})` : ''}.` : '';
    out.push(
      `Root cause: ${f(rc.service)} / ${f(rc.name)} (${KIND_LABEL[rc.kind] ?? rc.kind}${rc.attribute ? `, ${f(rc.attribute.key)}=${f(String(rc.attribute.value))}` : ''}), ` +
        `effect about +${ms(rc.impactMs)} per trace end to end${thinShareText(d)}, confidence ${rc.confidence.toFixed(2)}. ${f(rc.summary)}.${where}`,
    );
    for (const e of rc.evidence) out.push(`  - ${f(e)}`);
  } else {
    // no root cause is not always "not slower": the engine can find a regression no single component explains (a
    // change of the request mix, requests that never arrived); its notes below say why
    const worse = regressionWords(d.regression);
    out.push(worse ? `Root cause: none — the incident is ${worse} beyond noise, but no single component explains it (see the notes).` : 'Root cause: none — the incident is not slower (or more failing) beyond noise.');
  }
  for (const n of d.notes) out.push(`Note: ${oneLine(n)}`);
  return out.join('\n') + '\n';
}

/**
 * A path recorded on a machine of the other kind — a Windows build agent's `C:\\build\\app\\x.py` or `\\\\server\\share\\…`
 * read on Linux, a relative `src\\x.py` — as its segments; null for a path of this platform. On Windows itself every
 * form is native.
 */
export function foreignPath(file: string, platform: NodeJS.Platform = process.platform): string[] | null {
  if (platform === 'win32') return null;
  if (/^[A-Za-z]:[\\/]/.test(file) || file.startsWith('\\\\') || (file.includes('\\') && !file.includes('/'))) {
    return file.replace(/^[A-Za-z]:/, '').split(/[\\/]+/).filter(Boolean);
  }
  return null;
}

/**
 * A source path from another machine (a Windows agent's drive path, a container's /app/…, a CI runner's checkout)
 * mapped into this checkout: the longest tail of its segments that names a file under `root`, as a '/'-separated
 * path relative to it, at least a folder and a file; null when none does (the location is then unknown rather than
 * wrong).
 */
export function suffixUnder(root: string, segments: string[]): string | null {
  // at least a folder and the file: a bare file name would match any file of that name
  for (let k = 0; k <= segments.length - 2; k++) {
    const rel = segments.slice(k).join('/');
    if (!rel || rel.split('/').includes('..')) continue;
    try {
      if (statSync(resolve(root, rel)).isFile()) return rel;
    } catch {
      /* not here: a shorter tail */
    }
  }
  return null;
}

/** The gate options as parsed from the command line (pure; throws GateInputError on bad values). */
export function gateOptionsFrom(values: { 'fail-on'?: string; 'max-slowdown'?: string; percentile?: string; 'max-error-rate-increase'?: string }) {
  const failOn = values['fail-on'];
  if (failOn !== undefined && failOn !== 'regression' && failOn !== 'never') throw new GateInputError(`--fail-on ${JSON.stringify(failOn)}: expected "regression" (or "never")`);
  const percentile = values.percentile ?? 'p95';
  if (!(PERCENTILES as readonly string[]).includes(percentile)) throw new GateInputError(`--percentile ${JSON.stringify(percentile)}: expected one of ${PERCENTILES.join(', ')}`);
  return {
    failOnRegression: failOn === 'regression',
    percentile: percentile as Percentile,
    ...(values['max-slowdown'] !== undefined ? { maxSlowdown: parsePercent(values['max-slowdown'], 'max-slowdown') } : {}),
    ...(values['max-error-rate-increase'] !== undefined ? { maxErrorRateIncrease: parsePercent(values['max-error-rate-increase'], 'max-error-rate-increase', 100) } : {}),
  };
}

function renderGateHuman(g: GateResult): string {
  const lines = [`Gate: ${g.verdict === 'regression' ? 'FAIL — regression' : 'pass'}`];
  // a check's detail can name entry points (trace text): one line, like every field from the traces
  for (const c of g.checks) lines.push(`  ${c.status === 'fail' ? 'FAIL' : 'pass'}  ${c.name}: ${oneLine(c.detail)}`);
  return lines.join('\n') + '\n';
}

const FORMATS = ['human', 'json', 'markdown', 'sarif'] as const;

export async function runDiagnose(argv: string[], io: CliIO): Promise<number> {
  const started = Date.now();
  let values;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: argv,
      options: {
        baseline: { type: 'string', multiple: true },
        incident: { type: 'string', multiple: true },
        workspace: { type: 'string', multiple: true },
        'max-source-files': { type: 'string' },
        'max-download': { type: 'string' },
        'max-stream': { type: 'string' },
        json: { type: 'boolean' },
        format: { type: 'string' },
        top: { type: 'string' },
        alpha: { type: 'string' },
        seed: { type: 'string' },
        'fail-on': { type: 'string' },
        'max-slowdown': { type: 'string' },
        percentile: { type: 'string' },
        'max-error-rate-increase': { type: 'string' },
        'capacity-target': { type: 'string' },
        'sarif-output': { type: 'string' },
        'markdown-output': { type: 'string' },
        'junit-output': { type: 'string' },
        strict: { type: 'boolean' },
        'github-annotations': { type: 'boolean' },
        srcroot: { type: 'string' },
        'link-base': { type: 'string' },
      },
      strict: true,
      allowPositionals: true,
    }));
  } catch (e) {
    throw usageError(e, HELP, 'diagnose');
  }
  // `diagnose A B` (two paths, no flags) reads like `diff old new`: A is the baseline, B the incident — said in a note.
  // More positional paths are ambiguous (several runs adding up, or a baseline among them?): ask for the flags.
  let pairNote = '';
  if (positionals.length === 2 && !values.baseline?.length && !values.incident?.length) {
    values.baseline = [positionals[0]!];
    pairNote = `two paths given: ${JSON.stringify(positionals[0])} read as the baseline, ${JSON.stringify(positionals[1])} as the incident (use --baseline/--incident to say otherwise)`;
    positionals = [positionals[1]!];
  } else if (positionals.length > 1 || (positionals.length === 1 && values.incident?.length)) {
    throw new UsageError(`${positionals.length + (values.incident?.length ?? 0)} incident paths given without --baseline/--incident for all of them: write --baseline <path> --incident <path> (several --incident options add up into one run)`);
  }
  const incidentPaths = [...(values.incident ?? []), ...positionals];
  if (incidentPaths.length === 0) throw new UsageError('--incident <path> is required');
  const top = numOption(values.top, 'top', 10, { min: 1, max: 1000 });
  const alpha = numOption(values.alpha, 'alpha', 0.01, { min: 1e-9, max: 0.5 });
  const seed = numOption(values.seed, 'seed', 42);
  const format = values.format ?? (values.json ? 'json' : 'human');
  if (!(FORMATS as readonly string[]).includes(format)) throw new CliError(`--format ${JSON.stringify(format)}: expected one of ${FORMATS.join(', ')}`);
  if (values.json && values.format && values.format !== 'json') throw new CliError(`--json contradicts --format ${values.format}`);
  let gateOpts;
  let capacityTarget = DEFAULT_CAPACITY_TARGET;
  try {
    gateOpts = gateOptionsFrom(values);
    if (values['capacity-target'] !== undefined) {
      capacityTarget = parsePercent(values['capacity-target'], 'capacity-target', 100);
      if (capacityTarget <= 0) throw new GateInputError(`--capacity-target ${JSON.stringify(values['capacity-target'])}: expected a percentage in (0%, 100%]`);
    }
  } catch (e) {
    if (e instanceof GateInputError) throw new CliError(e.message);
    throw e;
  }
  const gateOn = gateOpts.failOnRegression || gateOpts.maxSlowdown !== undefined || gateOpts.maxErrorRateIncrease !== undefined;
  if (gateOn && !values.baseline?.length) throw new CliError('the gate (--fail-on / --max-slowdown / --max-error-rate-increase) compares two runs: give --baseline');
  if (values['junit-output'] !== undefined && !gateOn) throw new CliError('--junit-output reports the gate\'s checks: add --fail-on regression (or --max-slowdown / --max-error-rate-increase)');
  let linkBase: URL | undefined;
  if (values['link-base'] !== undefined) {
    try {
      linkBase = new URL(values['link-base']);
    } catch {
      linkBase = undefined;
    }
    if (!linkBase || (linkBase.protocol !== 'https:' && linkBase.protocol !== 'http:')) throw new CliError(`--link-base ${JSON.stringify(values['link-base'])}: expected an http(s) URL`);
  }
  const srcRoot = resolve(values.srcroot ?? '.');
  {
    const s = await stat(srcRoot).catch(() => null);
    if (!s?.isDirectory()) throw new CliError(`--srcroot ${values.srcroot}: not a directory`);
  }
  for (const w of values.workspace ?? []) {
    const s = await stat(w).catch(() => null);
    if (!s?.isDirectory()) throw new CliError(`--workspace ${w}: not a directory`);
  }
  const download = inputLimits(values);
  const baseline = values.baseline?.length ? await loadRunForCli(values.baseline, 'baseline', io, download) : null;
  const incident = await loadRunForCli(incidentPaths, 'incident', io, download);
  let sourceIndex;
  const workspaces = values.workspace ?? [];
  const maxSourceFiles = numOption(values['max-source-files'], 'max-source-files', DEFAULT_MAX_SOURCE_FILES, { min: 1, int: true });
  const scanNotes: string[] = [];
  if (workspaces.length) {
    const first = await scanWorkspace(workspaces[0]!, { maxFiles: maxSourceFiles });
    sourceIndex = first.index;
    scanNotes.push(truncationNote(first, workspaces[0]!, '--max-source-files'));
    for (const w of workspaces.slice(1)) scanNotes.push(truncationNote(await scanWorkspace(w, { index: sourceIndex, prefix: w, maxFiles: maxSourceFiles }), w, '--max-source-files'));
  }
  const spans = (baseline?.model.size ?? 0) + incident.model.size;
  const done = spans >= 100_000 ? status(`diagnosing ${spans.toLocaleString('en-US')} spans…`) : () => {};
  let analysis;
  try {
    // code.* attributes, code.function (the function's declaration) and the search, as the extension resolves them;
    // the index's paths are relative to the first workspace, the others' carry their own path as a prefix
    const models = [...(baseline ? [baseline.model] : []), incident.model];
    const source = sourceIndex ? sourceResolver(models, [{ index: sourceIndex, roots: [workspaces[0]!, '.'] }]) : undefined;
    analysis = analyze(baseline?.model ?? null, incident.model, { top, alpha, seed, capacityTarget, ...(source ? { sourceIndex: source } : {}) });
  } finally {
    done();
  }
  const { diagnosis } = analysis;
  if (pairNote) diagnosis.notes.push(pairNote);
  const overlap = overlapNote(baseline, incident);
  if (overlap) diagnosis.notes.push(overlap);
  // two systems compared (another example's baseline): a note in every format, and a warning before the answer
  const unrelated = baseline ? unrelatedRunsNote(serviceNames(baseline.model), serviceNames(incident.model)) : null;
  if (unrelated) {
    diagnosis.notes.push(unrelated);
    io.err(`warning: ${oneLine(unrelated)}\n`);
  }
  diagnosis.notes.push(...scanNotes.filter(Boolean));
  diagnosis.notes.push(...deepTreeNotes([{ role: 'baseline', model: baseline?.model }, { role: 'incident', model: incident.model }]));
  // malformed spans (broken timestamps, parent cycles, duplicate ids) were repaired while loading: say so in the notes
  for (const [role, run] of [['baseline', baseline], ['incident', incident]] as const) {
    if (run) for (const i of anomalyIssues(run.model, () => '')) diagnosis.notes.push(`${role}: ${i.message}`);
  }
  // an input read in part (a truncated or partly unreadable file): said where the verdict is read — the JSON, the PR
  // comment, the SARIF and JUnit reports — not only in a stderr warning a CI log buries; --strict refuses to judge it
  const problems = ([['baseline', baseline], ['incident', incident]] as const).flatMap(([role, run]) => (run ? [readProblems(role, run)].filter((x): x is string => !!x) : []));
  if (problems.length && values.strict) throw new CliError(`${problems.join('; ')} (--strict: not judged)`);
  diagnosis.notes.push(...problems);
  let gate: GateResult | null = null;
  if (baseline) {
    try {
      gate = evaluateGate(
        diagnosis,
        { latencyMs: analysis.baseline.traceLatencyMs, traceError: analysis.baseline.traceError },
        { latencyMs: analysis.incident.traceLatencyMs, traceError: analysis.incident.traceError },
        gateOpts,
      );
    } catch (e) {
      if (e instanceof GateInputError) throw new CliError(`gate: ${e.message}`);
      throw e;
    }
  }
  // a source file (workspace-relative, or prefixed by a later --workspace, or a code.* attribute path) → absolute
  const absOf = (file: string): string => {
    if (isAbsolute(file)) return file;
    for (const w of workspaces.slice(1)) if (file.startsWith(w.replace(/\/+$/, '') + '/')) return resolve(file);
    return workspaces.length ? resolve(workspaces[0]!, file) : resolve(srcRoot, file);
  };
  const relativePath = (file: string): string | null => {
    const foreign = foreignPath(file);
    if (foreign) return suffixUnder(srcRoot, foreign);
    const rel = relative(srcRoot, absOf(file));
    if (!rel || rel.startsWith('..') || isAbsolute(rel)) return isAbsolute(file) ? suffixUnder(srcRoot, file.split(sep).filter(Boolean)) : null;
    return rel.split(sep).join('/');
  };
  const sourceHref = linkBase
    ? (file: string, line: number) => {
        const rel = relativePath(file);
        if (rel === null) return null;
        const base = linkBase!.href.endsWith('/') ? linkBase!.href : linkBase!.href + '/';
        return `${base}${rel.split('/').map(encodeURIComponent).join('/')}#L${line}`;
      }
    : undefined;
  const sarif = () => JSON.stringify(toSarif(diagnosis, gate, { toolVersion: VERSION, srcRoot, relativePath }), null, 2) + '\n';
  const markdown = () => renderMarkdown(diagnosis, gate, { top: Math.min(top, 5), ...(sourceHref ? { sourceHref } : {}) });
  // the machine formats are data for another program: on a pipe or in a file, stdout gets exactly the bytes
  // JSON.stringify / the markdown renderer produce (and --sarif-output / --markdown-output write); on a terminal they
  // are escaped like human output (JSON stays valid and equal in value: `\uXXXX` is the JSON escape of the same
  // character). The markdown renderer blanks control and bidi characters from traces itself (escapeMd).
  const data = io.data ?? io.out;
  if (format === 'json') {
    const json: Record<string, unknown> = { ...Diagnosis.parse(diagnosis) };
    if (gate?.active) json.gate = gate;
    data(JSON.stringify(json, null, 2) + '\n');
  } else if (format === 'markdown') {
    data(markdown());
  } else if (format === 'sarif') {
    data(sarif());
  } else {
    io.out(renderHuman(diagnosis) + (gate?.active ? renderGateHuman(gate) : ''));
  }
  const write = async (option: string, path: string, fn: () => unknown) => {
    try {
      await fn();
    } catch (e) {
      throw new CliError(`${option} ${path}: cannot write the report: ${writeFailure(e)}`);
    }
  };
  // whole files or nothing: a reader (upload-sarif, the JUnit collector) never sees half a report
  const sarifOut = values['sarif-output'];
  if (sarifOut) await write('--sarif-output', sarifOut, () => writeFileAtomic(sarifOut, sarif()));
  const junitOut = values['junit-output'];
  if (junitOut && gate?.active) {
    const g = gate;
    const junit = () =>
      toJunit(diagnosis, g, {
        seconds: (Date.now() - started) / 1000,
        timestamp: new Date(started).toISOString().slice(0, 19),
        baseline: values.baseline ?? [],
        incident: incidentPaths,
      });
    await write('--junit-output', junitOut, () => writeFileAtomic(junitOut, junit()));
  }
  const mdOut = values['markdown-output'];
  if (mdOut) await write('--markdown-output', mdOut, () => appendFile(mdOut, markdown() + '\n'));
  if (values['github-annotations']) for (const a of githubAnnotations(diagnosis, gate, relativePath)) io.err(a + '\n');
  return gate?.active ? gate.exitCode : 0;
}

register({
  name: 'diagnose',
  summary: 'rank root causes of a slowdown (baseline vs incident, or one run split automatically)',
  help: HELP,
  run: runDiagnose,
});
