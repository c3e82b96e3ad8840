/**
 * Text of the hover hints and CodeLens titles on span-opening lines. Pure: no `vscode` import.
 * Everything that comes from a trace is escaped; the only links are the command URIs built here.
 */
import { escapeMarkdown, formatCallsPerTrace, formatDeltaMs, formatMs, formatPercent } from './format-model';
import type { OpStats, OpSummary } from './ops-model';
import { capacityBrief } from '../core/rca/capacity';

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
  if (op.candidateRank !== undefined) return `candidate #${op.candidateRank}`;
  return '';
}

/** Markdown of the hover for the operations opened on one line (most important first). */
export function hoverMarkdown(ops: readonly OpSummary[], mode: ViewMode): string {
  const parts: string[] = [];
  for (const op of ops.slice(0, 3)) parts.push(opHover(op, mode));
  if (ops.length > 3) parts.push(`_…and ${ops.length - 3} more operations on this line_`);
  return parts.join('\n\n---\n\n');
}

function opHover(op: OpSummary, mode: ViewMode): string {
  const lines: string[] = [];
  const b = badge(op);
  lines.push(
    `**Trace Doctor** · **${escapeMarkdown(op.name)}** in ${escapeMarkdown(op.service)}${b ? ' · ' + b : ''}`,
    '',
  );
  if (mode === 'diff') {
    lines.push(
      '| | baseline | incident | Δ |',
      '|:--|--:|--:|--:|',
      `| p50 | ${cell(op.baseline, (s) => formatMs(s.p50Ms))} | ${cell(op.incident, (s) => formatMs(s.p50Ms))} | ${deltaCell(op, (s) => s.p50Ms)} |`,
      `| p95 | ${cell(op.baseline, (s) => formatMs(s.p95Ms))} | ${cell(op.incident, (s) => formatMs(s.p95Ms))} | ${deltaCell(op, (s) => s.p95Ms)} |`,
      `| self time / trace | ${cell(op.baseline, (s) => formatMs(s.selfPerTraceMs))} | ${cell(op.incident, (s) => formatMs(s.selfPerTraceMs))} | ${formatDeltaMs(op.deltaSelfMs)} |`,
      `| calls / trace | ${cell(op.baseline, (s) => trimNum(s.callsPerTrace))} | ${cell(op.incident, (s) => trimNum(s.callsPerTrace))} | |`,
      `| error rate | ${cell(op.baseline, (s) => formatPercent(s.errorRate))} | ${cell(op.incident, (s) => formatPercent(s.errorRate))} | |`,
    );
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

function trimNum(n: number): string {
  return n >= 10 ? String(Math.round(n)) : String(Number(n.toFixed(2)));
}

/** One-line CodeLens title, e.g. "preprocess-request · p95 2.6 ms → 775 ms (+772 ms) · 1 call/trace · ROOT CAUSE". */
export function codeLensTitle(op: OpSummary, mode: ViewMode): string {
  const parts: string[] = [op.name];
  const { baseline: b, incident: i } = op;
  if (mode === 'diff') {
    if (b && i) parts.push(`p95 ${formatMs(b.p95Ms)} → ${formatMs(i.p95Ms)} (${formatDeltaMs(i.p95Ms - b.p95Ms)})`);
    else if (i) parts.push(`p95 ${formatMs(i.p95Ms)} (new in incident)`);
    else if (b) parts.push(`p95 ${formatMs(b.p95Ms)} (not in incident)`);
  } else if (i) {
    parts.push(`p50 ${formatMs(i.p50Ms)}`, `p95 ${formatMs(i.p95Ms)}`);
  }
  const cur = i ?? b;
  if (cur) parts.push(formatCallsPerTrace(cur.callsPerTrace));
  if (cur && cur.errors > 0) parts.push(`${formatPercent(cur.errorRate)} errors`);
  if (op.rootCause) parts.push('ROOT CAUSE');
  else if (op.candidateRank !== undefined) parts.push(`candidate #${op.candidateRank}`);
  return parts.join(' · ');
}
