/**
 * Text of the hover hints and CodeLens titles on span-opening lines. Pure: no `vscode` import.
 * Everything that comes from a trace is escaped; the only links are the command URIs built here.
 */
import { effectOutsideSelf, effectOutsideSelfShort, waitsOnText, escapeMarkdown, formatCallsPerTrace, formatConfidence, formatDeltaMs, formatHeadline, formatMs, formatPercent, rankLabel } from './format-model';
import type { OpStats, OpSummary } from './ops-model';
import { capacityBrief } from '../core/rca/capacity';
import { FIGURES_LEGEND, formatEffect } from '../core/format/figures';
import { sourceCaveat } from '../core/source/link';

export const SHOW_IN_FLAME_COMMAND = 'traceDoctor.showInFlameGraph';
export const ASK_IN_CHAT_COMMAND = 'traceDoctor.askInChat';
/** The commands hover markdown may run (MarkdownString.isTrusted = { enabledCommands }). */
export const HOVER_COMMANDS = [SHOW_IN_FLAME_COMMAND, ASK_IN_CHAT_COMMAND] as const;

/** `command:` URI with JSON-encoded arguments, as VS Code expects in trusted markdown. */
export function commandUri(command: string, args: unknown[]): string {
  // encodeURIComponent leaves ( ) ' ! * alone; a ')' would end the markdown link early.
  const q = encodeURIComponent(JSON.stringify(args)).replace(/[()'!*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
  return `command:${command}?${q}`;
}

/** Parse what commandUri encoded (tests, and the hover link round-trip). */
export function parseCommandUri(uri: string): { command: string; args: unknown[] } | null {
  const m = /^command:([^?]+)(?:\?(.*))?$/.exec(uri);
  if (!m) return null;
  return { command: m[1]!, args: m[2] ? (JSON.parse(decodeURIComponent(m[2])) as unknown[]) : [] };
}

export type ViewMode = 'diff' | 'single';

function cell(s: OpStats | null, f: (s: OpStats) => string): string {
  return s ? f(s) : '—';
}

function deltaCell(op: OpSummary, f: (s: OpStats) => number, isDelta = true): string {
  if (!op.baseline || !op.incident) return op.baseline ? 'gone' : 'new';
  const d = f(op.incident) - f(op.baseline);
  return isDelta ? formatDeltaMs(d) : '';
}

export function badge(op: OpSummary): string {
  if (op.rootCause) return '$(flame) **ROOT CAUSE**';
  return rankLabel(false, op.candidateRank);
}

/** How sure the engine is about this operation's change: the candidate's own confidence, else the node test's. */
export function opConfidence(op: OpSummary): number {
  return op.candidate && (op.rootCause || op.candidateRank !== undefined) ? op.candidate.confidence : op.significance;
}

/** Column labels of the two runs (see runColumnLabels in src/core/format): the same words as the flame graph. */
export interface RunColumns {
  baseline: string;
  incident: string;
}
const DEFAULT_COLUMNS: RunColumns = { baseline: 'baseline', incident: 'incident' };

/** Markdown of the hover for the operations opened on one line (most important first). */
export function hoverMarkdown(ops: readonly OpSummary[], mode: ViewMode, columns: RunColumns = DEFAULT_COLUMNS): string {
  const parts: string[] = [];
  for (const op of ops.slice(0, 3)) parts.push(opHover(op, mode, columns));
  if (ops.length > 3) parts.push(`_…and ${ops.length - 3} more operations on this line_`);
  return parts.join('\n\n---\n\n');
}

function opHover(op: OpSummary, mode: ViewMode, columns: RunColumns): string {
  const lines: string[] = [];
  const b = badge(op);
  lines.push(
    `**Trace Doctor** · **${escapeMarkdown(op.name)}** in ${escapeMarkdown(op.service)}${b ? ' · ' + b : ''}`,
    '',
  );
  // a link that is not certain says so (walkthrough 2026-12-07, source links): a run-time name, equally likely lines
  const caveat = sourceCaveat(op.source);
  if (caveat) lines.push(`_Source: ${escapeMarkdown(caveat)}._`, '');
  if (mode === 'diff') {
    lines.push(
      // the hover is the operation over all its call paths (the flame graph's detail pane is one path): the corner says so
      `| ${pathsLabel(op)} | ${escapeMarkdown(columns.baseline)} | ${escapeMarkdown(columns.incident)} | Δ |`,
      '|:--|--:|--:|--:|',
      `| **self time / trace** | ${cell(op.baseline, (s) => formatMs(s.selfPerTraceMs))} | ${cell(op.incident, (s) => formatMs(s.selfPerTraceMs))} | **${formatDeltaMs(op.deltaSelfMs)}** |`,
      `| self time / call | ${cell(op.baseline, selfPerCall)} | ${cell(op.incident, selfPerCall)} | ${op.baseline && op.incident ? formatDeltaMs(perCallMs(op.incident) - perCallMs(op.baseline)) : ''} |`,
      `| p50 | ${cell(op.baseline, (s) => formatMs(s.p50Ms))} | ${cell(op.incident, (s) => formatMs(s.p50Ms))} | ${deltaCell(op, (s) => s.p50Ms)} |`,
      `| p95 | ${cell(op.baseline, (s) => formatMs(s.p95Ms))} | ${cell(op.incident, (s) => formatMs(s.p95Ms))} | ${deltaCell(op, (s) => s.p95Ms)} |`,
      `| calls / trace | ${cell(op.baseline, (s) => trimNum(s.callsPerTrace))} | ${cell(op.incident, (s) => trimNum(s.callsPerTrace))} | |`,
      `| error rate | ${cell(op.baseline, (s) => formatPercent(s.errorRate))} | ${cell(op.incident, (s) => formatPercent(s.errorRate))} | |`,
      '',
      `_${formatConfidence(opConfidence(op))} that the change is real_`,
    );
    const outside = op.candidate && (op.rootCause || op.candidateRank !== undefined) ? effectOutsideSelf(op.candidate, op.deltaSelfMs) : null;
    if (outside) lines.push('', `**${escapeMarkdown(outside[0]!.toUpperCase() + outside.slice(1))}**`);
    // the diagnosis' effect (per trace, end to end) beside the table's own time, and what each figure measures
    const effect = !outside && op.candidate && (op.rootCause || op.candidateRank !== undefined) ? formatEffect(op.candidate.impactMs) : null;
    if (effect) lines.push('', `**${escapeMarkdown(effect[0]!.toUpperCase() + effect.slice(1))}** — the diagnosis' figure, end to end`);
    if (op.candidate && (op.rootCause || op.candidateRank !== undefined)) lines.push('', `_${escapeMarkdown(FIGURES_LEGEND)}_`);
    const waits = op.candidate && op.candidateRank !== undefined ? waitsOnText(op.candidate) : null;
    if (waits) lines.push('', `**${escapeMarkdown(waits[0]!.toUpperCase() + waits.slice(1))}**`);
  } else {
    const s = op.incident;
    if (s) {
      lines.push(
        `p50 ${formatMs(s.p50Ms)} · p95 ${formatMs(s.p95Ms)} · self ${formatMs(s.selfPerTraceMs)}/trace · ` +
          `${formatCallsPerTrace(s.callsPerTrace)} · errors ${formatPercent(s.errorRate)}`,
      );
    }
  }
  if (op.candidate && (op.rootCause || op.candidateRank !== undefined)) {
    lines.push('', `_${escapeMarkdown(op.candidate.summary)}_`);
    if (op.candidate.capacity) lines.push('', `**Capacity:** ${escapeMarkdown(capacityBrief(op.candidate.capacity))}`);
  }
  const args = [op.service, op.name];
  lines.push(
    '',
    `[$(flame) Show in flame graph](${commandUri(SHOW_IN_FLAME_COMMAND, args)} "Show in flame graph") · ` +
      `[$(comment-discussion) Ask in chat](${commandUri(ASK_IN_CHAT_COMMAND, args)} "Ask in chat")`,
  );
  return lines.join('\n');
}

/** Own time per call of one run: self per trace ÷ calls per trace (both over the run's traces). */
function perCallMs(s: OpStats): number {
  return s.callsPerTrace > 0 ? s.selfPerTraceMs / s.callsPerTrace : 0;
}
const selfPerCall = (s: OpStats) => (s.callsPerTrace > 0 ? formatMs(perCallMs(s)) : '–');

/** The table's scope: "all 2 call paths" (the hover sums the operation's paths), "1 call path". */
function pathsLabel(op: OpSummary): string {
  const n = op.nodeIds.length;
  return n > 1 ? `_all ${n} call paths_` : n === 1 ? '_1 call path_' : '';
}

function trimNum(n: number): string {
  return n >= 10 ? String(Math.round(n)) : String(Number(n.toFixed(2)));
}

/**
 * One-line CodeLens title with the headline metric (self time per trace, as the runs tree and the flame graph), e.g.
 * "preprocess-request · self/trace 2.6 ms → 775 ms (+773 ms) · 1 call/trace · ROOT CAUSE".
 */
export function codeLensTitle(op: OpSummary, mode: ViewMode): string {
  const parts: string[] = [op.name];
  const { baseline: b, incident: i } = op;
  if (mode === 'diff') {
    parts.push(formatHeadline(b ? b.selfPerTraceMs : null, i ? i.selfPerTraceMs : null));
  } else if (i) {
    parts.push(`self/trace ${formatMs(i.selfPerTraceMs)}`, `p95 ${formatMs(i.p95Ms)}`);
  }
  // the figure sums the operation's call paths (the flame graph's boxes are one each): say how many
  if (op.nodeIds.length > 1) parts.push(`${op.nodeIds.length} call paths`);
  if (op.source?.also?.length) parts.push(`opened at ${op.source.also.length + 1} places`);
  const cur = i ?? b;
  if (cur) parts.push(formatCallsPerTrace(cur.callsPerTrace));
  if (cur && cur.errors > 0) parts.push(`${formatPercent(cur.errorRate)} errors`);
  if (op.rootCause) parts.push('ROOT CAUSE');
  else if (op.candidateRank !== undefined) parts.push(rankLabel(false, op.candidateRank));
  const outside = mode === 'diff' && op.candidate && (op.rootCause || op.candidateRank !== undefined) ? effectOutsideSelfShort(op.candidate, op.deltaSelfMs) : null;
  if (outside) parts.push(outside);
  return parts.join(' · ');
}
