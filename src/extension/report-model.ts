/**
 * Text shown in the output channel and the diagnosis notification / markdown report. Pure: no `vscode` import.
 */
import type { Diagnosis } from '../core/rca/diagnosis';
import type { RunStats } from './engine-api';
import { escapeMarkdown as escapeMd, formatDeltaMs, formatEndToEnd, formatMs, formatPercent, plural, textTable } from './format-model';
import { FIGURES_LEGEND, formatEffect, thinShareText } from '../core/format/figures';
import { KIND_LABEL } from '../core/format';
import { unrelatedRunsNote } from '../core/stats/run-overlap';

/** The same numbers as `trace-doctor stats`, as an aligned table. */
export function statsText(label: string, s: RunStats): string {
  const rows: string[][] = [
    ['spans', s.spans.toLocaleString('en-US')],
    ['traces', s.traces.toLocaleString('en-US')],
    ['services', String(s.services)],
    ['operations', String(s.operations)],
    ['errors', s.errors.toLocaleString('en-US')],
    ['skipped', s.skipped.toLocaleString('en-US')],
  ];
  if (s.start || s.end) rows.push(['time range', `${s.start ?? '?'} → ${s.end ?? '?'}`]);
  const per = [['service', 'spans'], ...s.spansPerService.map((x) => [x.service || '(no service)', x.spans.toLocaleString('en-US')])];
  return `${label}\n${textTable(rows, [false, true])}\n\n${textTable(per, [false, true])}`;
}

/** One-line summary for the notification after "Open Trace File…". */
export function statsMessage(fileLabel: string, s: RunStats): string {
  const parts = [plural(s.spans, 'span'), plural(s.traces, 'trace'), plural(s.services, 'service'), plural(s.operations, 'operation')];
  if (s.errors) parts.push(plural(s.errors, 'error'));
  let msg = `Loaded ${fileLabel}: ${parts.join(', ')}.`;
  if (s.skipped) msg += ` ${plural(s.skipped, 'line')} skipped (see the Trace Doctor output).`;
  else if (s.problems) msg += ` ${plural(s.problems, 'problem')} reported (see the Trace Doctor output).`;
  return msg;
}

/**
 * What went wrong while reading the runs of a diagnosis, for its notification: a run read only in part (a gzip file cut
 * short keeps its complete lines, bad lines are skipped, a file of a folder is not loaded) must not pass as a normal
 * load — the answer is about the part that was read. Null when both runs were read cleanly.
 * e.g. "The incident (incident.jsonl.gz) was read with problems: 1 line skipped, 2 problems — first: … See the Trace
 * Doctor output."
 */
export function loadProblemsNote(sides: readonly { role: string; label: string; stats: RunStats; firstIssue?: string }[]): string | null {
  const parts: string[] = [];
  for (const s of sides) {
    const bits = [s.stats.skipped ? `${plural(s.stats.skipped, 'line')} skipped` : '', s.stats.problems ? plural(s.stats.problems, 'problem') : ''].filter(Boolean);
    if (!bits.length) continue;
    const first = s.firstIssue ? ` — first: ${oneLine(s.firstIssue, 200)}` : '';
    parts.push(`The ${s.role} (${s.label}) was read with problems: ${bits.join(', ')}${first}.`);
  }
  return parts.length ? `${parts.join(' ')} See the Trace Doctor output.` : null;
}

/**
 * The diagnosis notification: its text and whether it is a warning. Two systems compared (no service in common: another
 * example's `normal.json` as the baseline) come first; a run read only in part comes after the answer.
 */
export function diagnosisNotice(
  d: Diagnosis | null | undefined,
  sides: Parameters<typeof loadProblemsNote>[0],
  services?: { baseline: readonly string[]; incident: readonly string[] },
): { text: string; warning: boolean; unrelated: string | null } {
  const unrelated = services ? unrelatedRunsNote(services.baseline, services.incident) : null;
  const readProblems = loadProblemsNote(sides);
  const text = [unrelated ? `${unrelated.charAt(0).toUpperCase()}${unrelated.slice(1)}.` : null, diagnosisMessage(d), readProblems].filter(Boolean).join(' ');
  return { text, warning: !!(unrelated || readProblems), unrelated };
}

/** One line of at most `max` characters (issue messages quote file contents). */
function oneLine(s: string, max: number): string {
  // eslint-disable-next-line no-control-regex
  const t = s.replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ').trim();
  return t.length > max ? `${t.slice(0, max - 1)}…` : t;
}

/** One-line summary for the notification after "Diagnose Trace". */
export function diagnosisMessage(d: Diagnosis | null | undefined): string {
  if (!d) return 'Trace Doctor: no diagnosis.';
  const rc = d.rootCause;
  const lat = d.latency ? ` ${formatEndToEnd(d.latency, d.regression?.alpha, true)}.` : '';
  if (!rc) {
    // no test could run (one trace a side, a backend window that matched almost nothing): the engine's note says so —
    // "no clear root cause" alone reads as "nothing changed"
    const why = d.latency?.pValue === null && d.notes[0] ? ` ${oneLine(d.notes[0].charAt(0).toUpperCase() + d.notes[0].slice(1), 240).replace(/[.;:,]?$/, '.')}` : '';
    return `Trace Doctor: no clear root cause found.${lat}${why}`;
  }
  const figures = [formatEffect(rc.impactMs, undefined, d.explained), `confidence ${formatPercent(rc.confidence)}`].filter(Boolean).join(', ');
  // a summary that already starts with "service / operation" is not prefixed with the same names again
  const named = rc.summary.startsWith(`${rc.service} / ${rc.name}`);
  return `Root cause: ${named ? rc.summary : `${rc.name} in ${rc.service} — ${rc.summary}`} (${figures}).${lat}`;
}

/**
 * A markdown report of a diagnosis (the "Show Diagnosis Report" document). `plain` = the same text without markdown
 * escaping, for the output channel.
 */
export function diagnosisMarkdown(d: Diagnosis | null | undefined, runs: { baseline: string; incident: string }, plain = false): string {
  const escapeMarkdown = plain ? (s: string) => s : escapeMd;
  const out: string[] = ['# Trace Doctor diagnosis', ''];
  out.push(`- **Baseline:** ${escapeMarkdown(runs.baseline)}`, `- **Incident:** ${escapeMarkdown(runs.incident)}`);
  if (!d) return out.join('\n') + '\n\n_No diagnosis._\n';
  if (d.split) out.push(`- **Split:** ${escapeMarkdown(d.split.description)} (${d.split.baselineTraces} vs ${d.split.incidentTraces} traces)`);
  if (d.latency) {
    const pv = d.latency.pValue;
    const p = pv === null ? '' : `, p ${pv < 1e-15 ? '< 1e-15' : '= ' + pv.toPrecision(2)} (${escapeMarkdown(d.latency.test)})`;
    out.push(`- **End-to-end latency:** ${formatMs(d.latency.baselineMs)} → ${formatMs(d.latency.incidentMs)} (${formatDeltaMs(d.latency.incidentMs - d.latency.baselineMs)}${p})`);
  }
  out.push('');
  const rc = d.rootCause;
  if (rc) {
    out.push(`## Root cause: ${escapeMarkdown(rc.name)} in ${escapeMarkdown(rc.service)}`, '', escapeMarkdown(rc.summary), '');
    out.push(`- kind: ${KIND_LABEL[rc.kind] ?? rc.kind}`, `- effect: ${formatDeltaMs(rc.impactMs)} per trace, end to end${thinShareText(d)}`, `- confidence: ${formatPercent(rc.confidence)}`);
    if (rc.source) out.push(`- source: \`${rc.source.file.replace(/`/g, "'")}:${rc.source.line}\``);
    for (const e of rc.evidence) out.push(`- ${escapeMarkdown(e)}`);
    out.push('');
  } else {
    out.push('## No clear root cause', '');
  }
  if (d.candidates.length) {
    out.push('## Candidates', '', '| # | operation | service | kind | effect / trace | confidence |', '|--:|:--|:--|:--|--:|--:|');
    d.candidates.slice(0, 15).forEach((c, i) =>
      out.push(`| ${i + 1} | ${escapeMarkdown(c.name)} | ${escapeMarkdown(c.service)} | ${KIND_LABEL[c.kind] ?? c.kind} | ${formatDeltaMs(c.impactMs)} | ${formatPercent(c.confidence)} |`),
    );
    // what the column measures (the root cause's sentence is per call): core/format/figures
    out.push('', `_${escapeMarkdown(FIGURES_LEGEND)}_`, '');
  }
  if (d.notes.length) out.push('## Notes', '', ...d.notes.map((n) => `- ${escapeMarkdown(n)}`), '');
  return out.join('\n');
}
