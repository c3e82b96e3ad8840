/**
 * The side-bar "Runs" tree and the status bar text, as plain data. Pure: no `vscode` import;
 * views/runs-tree.ts maps these nodes to TreeItems.
 */
import { effectOutsideSelf, effectOutsideSelfShort, waitsOnShort, waitsOnText, formatConfidence, formatDeltaMs, formatMs, isNotableChange, plural, rankLabel, runLabel } from './format-model';
import type { OpSummary } from './ops-model';
import { baseName } from './paths-model';
import { formatEffect } from '../core/format/figures';

export interface RunDescriptor {
  role: 'baseline' | 'incident' | 'run';
  files: string[];
  spans: number;
  traces: number;
  services: number;
  skipped: number;
}

export interface TreeNode {
  id: string;
  label: string;
  description?: string;
  tooltip?: string;
  icon?: string;
  /** theme colour id for the icon */
  color?: string;
  contextValue: string;
  children?: TreeNode[];
  /** for operations */
  op?: { service: string; name: string; hasSource: boolean };
  /** for runs: the files (open on click) */
  files?: string[];
  /** a change not worth attention (not significant, or tiny next to the largest): shown dimmed */
  muted?: boolean;
  /** a notable slow-down: the label is highlighted */
  emphasis?: boolean;
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MB`;
  return `${(n / 1024 ** 3).toFixed(2)} GB`;
}

function opDescription(op: OpSummary, diff: boolean, notable: boolean): string {
  if (diff) {
    // the headline Δ (self time per trace) and the rank words every surface uses
    const parts = [formatDeltaMs(op.deltaSelfMs)];
    const rank = rankLabel(op.rootCause, op.candidateRank);
    // a root cause whose effect is not in its own time (callers wait before its spans start) says where it is, first:
    // "−0.057 ms · root cause" beside a "+406 ms per trace" answer reads as a contradiction
    const outside = rank && op.candidate ? effectOutsideSelfShort(op.candidate, op.deltaSelfMs) : null;
    if (outside) return `${outside} · ${rank} · own ${formatDeltaMs(op.deltaSelfMs)}`;
    if (rank) parts.push(rank);
    const waits = rank && op.candidate ? waitsOnShort(op.candidate) : null;
    if (waits) parts.push(waits);
    else if (!notable) parts.push('noise');
    return parts.join(' · ');
  }
  return op.incident ? `${formatMs(op.incident.selfPerTraceMs)} self/trace` : '';
}

function opTooltip(op: OpSummary, diff: boolean): string {
  const lines = [`${op.service} › ${op.name}`];
  if (diff) {
    // the row sums the operation's call paths (the flame graph's boxes are one each): say how many
    const scope = op.nodeIds.length > 1 ? ` (all ${op.nodeIds.length} call paths)` : '';
    lines.push(`Δ self time per trace${scope}: ${formatDeltaMs(op.deltaSelfMs)}`, `Δ total time per trace${scope}: ${formatDeltaMs(op.deltaTotalMs)}`, formatConfidence(op.candidate && (op.rootCause || op.candidateRank !== undefined) ? op.candidate.confidence : op.significance));
    const ranked = op.candidate && (op.rootCause || op.candidateRank !== undefined);
    const outside = ranked ? effectOutsideSelf(op.candidate!, op.deltaSelfMs) : null;
    if (outside) lines.push(outside[0]!.toUpperCase() + outside.slice(1));
    // the diagnosis' figure beside the row's own time (core/format/figures): what each measures
    const effect = ranked && !outside ? formatEffect(op.candidate!.impactMs) : null;
    if (effect) lines.push(`${effect[0]!.toUpperCase() + effect.slice(1)} — the diagnosis' figure, end to end (added time per call × calls per trace)`);
    const waits = op.candidate && op.candidateRank !== undefined ? waitsOnText(op.candidate) : null;
    if (waits) lines.push(waits[0]!.toUpperCase() + waits.slice(1));
    if (op.baseline) lines.push(`baseline p50 ${formatMs(op.baseline.p50Ms)}, p95 ${formatMs(op.baseline.p95Ms)}`);
    if (op.incident) lines.push(`incident p50 ${formatMs(op.incident.p50Ms)}, p95 ${formatMs(op.incident.p95Ms)}`);
  } else if (op.incident) {
    lines.push(`p50 ${formatMs(op.incident.p50Ms)}, p95 ${formatMs(op.incident.p95Ms)}, ${op.incident.calls} calls`);
  }
  if (op.source) lines.push(`source: ${op.source.file}:${op.source.line}`);
  return lines.join('\n');
}

/**
 * A service row's Δ (its operations' self time per trace). When its root cause's effect is not in its own time, the
 * row says so first: a long route as the operation's label leaves no room for that row's description in the side
 * bar, and "+0.85 ms" on the root cause's service reads as "barely changed".
 */
function serviceDescription(list: readonly OpSummary[], total: number): string {
  const rc = list.find((o) => o.rootCause && o.candidate);
  const outside = rc ? effectOutsideSelfShort(rc.candidate!, rc.deltaSelfMs) : null;
  return outside ? `${outside} · root cause · own ${formatDeltaMs(total)}` : formatDeltaMs(total);
}

/**
 * Runs → services → operations. In diff mode services and operations are sorted by their change
 * (largest slow-down first); a single run is sorted by self time.
 */
export function buildRunsTree(runs: readonly RunDescriptor[], ops: readonly OpSummary[], diff: boolean): TreeNode[] {
  const byService = new Map<string, OpSummary[]>();
  for (const op of ops) {
    let l = byService.get(op.service);
    if (!l) byService.set(op.service, (l = []));
    l.push(op);
  }
  const weight = (op: OpSummary) => (diff ? op.deltaSelfMs : (op.incident?.selfPerTraceMs ?? 0));
  const largest = ops.reduce((m, o) => Math.max(m, Math.abs(o.deltaSelfMs)), 0);
  const notable = (op: OpSummary) => !diff || op.rootCause || op.candidateRank !== undefined || isNotableChange(op.deltaSelfMs, op.significance, largest);
  const services = [...byService.entries()].map(([service, list]) => {
    list.sort((a, b) => Number(b.rootCause) - Number(a.rootCause) || weight(b) - weight(a) || a.name.localeCompare(b.name));
    const total = list.reduce((s, o) => s + weight(o), 0);
    return { service, list, total, root: list.some((o) => o.rootCause) };
  });
  services.sort((a, b) => Number(b.root) - Number(a.root) || b.total - a.total || a.service.localeCompare(b.service));
  const serviceNodes: TreeNode[] = services.map((s) => ({
    id: `svc:${s.service}`,
    label: s.service,
    description: diff ? serviceDescription(s.list, s.total) : `${formatMs(s.total)} self/trace`,
    tooltip: `${s.service}: ${plural(s.list.length, 'operation')}`,
    icon: 'server-process',
    color: s.root ? 'errorForeground' : undefined,
    contextValue: 'traceDoctor.service',
    children: s.list.map((op) => {
      const n = notable(op);
      return {
        id: `op:${op.key}`,
        label: op.name,
        description: opDescription(op, diff, n),
        tooltip: opTooltip(op, diff),
        icon: op.rootCause ? 'flame' : !diff ? 'symbol-event' : !n ? 'circle-small' : op.deltaSelfMs > 0 ? 'arrow-up' : op.deltaSelfMs < 0 ? 'arrow-down' : 'symbol-event',
        color: op.rootCause ? 'errorForeground' : diff && !n ? 'disabledForeground' : undefined,
        contextValue: op.source ? 'traceDoctor.operation.withSource' : 'traceDoctor.operation',
        op: { service: op.service, name: op.name, hasSource: !!op.source },
        ...(diff && !n ? { muted: true } : {}),
        ...(diff && n && op.deltaSelfMs > 0 ? { emphasis: true } : {}),
      };
    }),
  }));
  // Services hang under the run they describe: the incident (diff mode: sorted by change) or the single run.
  const owner = runs.find((r) => r.role === 'incident') ?? runs.find((r) => r.role === 'run') ?? runs[0];
  return runs.map((r) => {
    const label = runLabel(r.files);
    const fileNodes: TreeNode[] = r.files.map((f) => ({
      id: `file:${r.role}:${f}`,
      label: baseName(f),
      description: f,
      tooltip: f,
      icon: 'file',
      contextValue: 'traceDoctor.file',
      files: [f],
    }));
    return {
      id: `run:${r.role}`,
      label: r.role === 'run' ? label : `${r.role === 'baseline' ? 'Baseline' : 'Incident'}: ${label}`,
      description: `${plural(r.spans, 'span')} · ${plural(r.traces, 'trace')}${r.skipped ? ` · ${r.skipped} skipped` : ''}`,
      tooltip: r.files.join('\n'),
      icon: r.role === 'baseline' ? 'history' : r.role === 'incident' ? 'flame' : 'file',
      contextValue: 'traceDoctor.run',
      files: r.files,
      children: r === owner ? [...(r.files.length > 1 ? fileNodes : []), ...serviceNodes] : fileNodes,
    };
  });
}

/**
 * The message above the Runs tree: the root cause, its service first ("Root cause: ts-security-service ·
 * /api/v1/securityservice/securityConfigs/{accountId}"). The message is not wrapped inside a long route, so the part
 * that is cut off on a narrow side bar is the end of the operation, never the service.
 */
export function runsViewMessage(rootCause: { service: string; name: string } | null | undefined): string | undefined {
  return rootCause ? `Root cause: ${rootCause.service} · ${rootCause.name}` : undefined;
}

/** Status bar text, e.g. "$(pulse) Trace Doctor: 2 runs · root cause pre-processor". */
export function statusBarText(runCount: number, rootCause: { service: string; name: string } | null | undefined, loading: boolean): string {
  if (loading) return '$(sync~spin) Trace Doctor: loading…';
  if (runCount === 0) return '$(pulse) Trace Doctor';
  const parts = [`$(pulse) Trace Doctor: ${plural(runCount, 'run')}`];
  if (rootCause) parts.push(`root cause ${rootCause.service}`);
  return parts.join(' · ');
}

/**
 * The status bar item's accessible label: its text without $(icon) syntax, then the tooltip's markdown as plain words
 * (MarkdownString.appendText escapes characters as `\\-` and spaces as `&nbsp;`, which screen readers would read out).
 */
export function statusBarAccessibleLabel(text: string, tooltipMarkdown: string): string {
  const plain = (s: string) =>
    s
      .replace(/\$\([a-z0-9-]+(~spin)?\)\s*/gi, '')
      .replace(/&nbsp;/g, ' ')
      .replace(/&amp;/g, '&')
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/\\([\\`*_{}[\]()#+\-.!|<>~&"'$:])/g, '$1')
      .replace(/\s+/g, ' ')
      .trim();
  const t = plain(text);
  const tip = plain(tooltipMarkdown);
  return tip && !t.endsWith(tip) ? `${t}. ${tip}` : t;
}
