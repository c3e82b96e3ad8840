import { parseArgs } from 'node:util';
import { type CliIO, UsageError, usageError } from '../command';
import { register } from '../registry';
import { numOption } from '../options';
import { inputLimits, loadForCli, MAX_DOWNLOAD_HELP, MAX_STREAM_HELP } from '../load';
import { modelStats } from '../../core/stats/run-stats';
import { formatIssue } from '../../core/parse/index';
import { anomalyCounts } from '../../core/parse/anomalies';
import { oneLine } from '../terminal';

const HELP = `trace-doctor stats — load traces and print what is in them

Usage: trace-doctor stats <file|dir> [more files/dirs…] [--json] [--max-files N] [--max-download SIZE]
                         [--max-stream SIZE]

Reads OTLP/JSON, OTLP JSON Lines (collector file exporter), Jaeger (query API, api_v3, UI export, span arrays),
Tempo and Zipkin v2 JSON, gzip or not; the format is detected from the content. A directory means every trace file
under it; a quoted glob pattern ('traces/*.jsonl.gz', ** for any depth) the files it matches; - the traces piped into
stdin; a named pipe or process substitution (<(zcat x.json.gz)) is read to its end (at most 4 GiB: --max-stream).
Several inputs are merged into one model. An input may instead be one tracing-backend URL (Jaeger, Tempo, Zipkin).

Prints spans, traces, services, operations, time range, error spans, spans per service, skipped JSON Lines and
the problems found.

Options:
  --json          one JSON object: {spans, traces, services, operations, errors, skipped, orphans, malformed,
                  timeRange, perService, formats, files, issues}
  --max-files N   read at most N files from directories (default 10000)
  ${MAX_DOWNLOAD_HELP}
  ${MAX_STREAM_HELP}
  -h, --help      this text

Exit codes: 0 loaded; 2 unreadable input or bad usage (message on stderr); 3 internal error (a bug in trace-doctor).
`;

/** 0.123 ms, 12.345 ms, 1.234 s, 2 m 03.4 s, 5 h 02 m, 3 d 04 h */
export function humanMs(ms: number): string {
  if (ms < 1000) return `${ms.toFixed(3)} ms`;
  const sec = ms / 1000;
  if (sec < 60) return `${sec.toFixed(3)} s`;
  if (sec < 3600) return `${Math.floor(sec / 60)} m ${(sec % 60).toFixed(1).padStart(4, '0')} s`;
  if (sec < 86400) return `${Math.floor(sec / 3600)} h ${String(Math.floor((sec % 3600) / 60)).padStart(2, '0')} m`;
  return `${Math.floor(sec / 86400)} d ${String(Math.floor((sec % 86400) / 3600)).padStart(2, '0')} h`;
}

function table(raw: string[][], rightAlign: boolean[]): string {
  const rows = raw.map((r) => r.map(oneLine));
  const w = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  return rows
    .map((r) => r.map((cell, c) => (rightAlign[c] ? cell.padStart(w[c]!) : cell.padEnd(w[c]!))).join('  ').trimEnd())
    .join('\n');
}

/**
 * A service name starts a line of the per-service table: one that begins with "::" would be a workflow command in a
 * GitHub Actions log (`::add-mask::…`, `::error::…`), so its first colon is written as \u003a, like other characters
 * the terminal must not act on.
 */
export const noCommand = (s: string) => (s.startsWith('::') ? '\\u003a' + s.slice(1) : s);

export async function runStats(argv: string[], io: CliIO): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: { json: { type: 'boolean' }, 'max-files': { type: 'string' }, 'max-download': { type: 'string' }, 'max-stream': { type: 'string' } },
      strict: true,
      allowPositionals: true,
    });
  } catch (e) {
    throw usageError(e, HELP, 'stats');
  }
  const { values, positionals } = parsed;
  if (positionals.length === 0) throw new UsageError('missing <file|dir>');
  const maxFiles = numOption(values['max-files'], 'max-files', undefined, { min: 1, int: true });
  const run = await loadForCli(positionals, undefined, { ...(maxFiles !== undefined ? { maxFiles } : {}), ...inputLimits(values) });
  const s = modelStats(run.model);
  if (values.json) {
    const out = {
      spans: s.spans,
      traces: s.traces,
      services: s.services,
      operations: s.operations,
      errors: s.errors,
      skipped: run.skipped,
      orphans: s.orphans,
      malformed: anomalyCounts(run.model),
      timeRange: s.timeRange,
      perService: s.perService,
      formats: run.formats,
      files: run.files,
      issues: run.issues,
    };
    // data for another program: exact on a pipe or in a file, escaped on a terminal (main.ts)
    (io.data ?? io.out)(JSON.stringify(out, null, 2) + '\n');
    return 0;
  }
  const summary: string[][] = [
    ['files', String(run.files.length)],
    ['formats', run.formats.join(', ') || '-'],
    ['spans', String(s.spans)],
    ['traces', String(s.traces)],
    ['services', String(s.services)],
    ['operations', String(s.operations)],
    ['error spans', String(s.errors)],
    ['orphan spans', String(s.orphans)],
    ['skipped lines', String(run.skipped)],
  ];
  const bad = Object.values(run.model.anomalies).reduce((n, a) => n + (a?.count ?? 0), 0);
  if (bad > 0) summary.push(['malformed spans', `${bad} (see the issues below)`]);
  if (s.timeRange) {
    summary.push(['start', s.timeRange.start], ['end', s.timeRange.end], ['duration', humanMs(s.timeRange.durationMs)]);
  } else summary.push(['time range', '(no timestamps)']);
  let text = table(summary, [false, false]) + '\n';
  if (s.perService.length > 0) {
    const rows = [['service', 'spans', 'operations', 'errors'], ...s.perService.map((p) => [noCommand(p.service), String(p.spans), String(p.operations), String(p.errors)])];
    text += '\n' + table(rows, [false, true, true, true]) + '\n';
  }
  if (run.issues.length > 0) {
    const SHOW = 20;
    text += `\n${run.issues.length} issue(s):\n` + run.issues.slice(0, SHOW).map((i) => `  ${i.severity}: ${oneLine(formatIssue(i))}`).join('\n') + '\n';
    if (run.issues.length > SHOW) text += `  … ${run.issues.length - SHOW} more (all of them with --json)\n`;
  }
  io.out(text);
  return 0;
}

register({ name: 'stats', summary: 'load trace files and print spans, traces, services, operations, time range', help: HELP, run: runStats });
