/**
 * Number/text formatting shared by hovers, CodeLens, the runs tree, the status bar and the output channel.
 * Pure: no `vscode` import (unit-tested in test/unit/extension).
 */

/** Milliseconds for humans: 0.42 ms, 2.6 ms, 775 ms, 1.23 s, 2.5 min. */
export function formatMs(ms: number): string {
  if (!Number.isFinite(ms)) return '–';
  const a = Math.abs(ms);
  const sign = ms < 0 ? '-' : '';
  if (a === 0) return '0 ms';
  if (a < 1) return `${sign}${trim(a.toPrecision(2))} ms`;
  if (a < 10) return `${sign}${trim(a.toFixed(1))} ms`;
  if (a < 1000) return `${sign}${Math.round(a)} ms`;
  if (a < 60_000) return `${sign}${trim((a / 1000).toFixed(a < 10_000 ? 2 : 1))} s`;
  return `${sign}${trim((a / 60_000).toFixed(1))} min`;
}

/** A signed delta: "+772 ms", "-3.1 ms", "±0 ms". */
export function formatDeltaMs(ms: number): string {
  if (!Number.isFinite(ms)) return '–';
  if (Math.abs(ms) < 1e-9) return '±0 ms';
  return (ms > 0 ? '+' : '') + formatMs(ms);
}

/** "1 call/trace", "2.5 calls/trace". */
export function formatCallsPerTrace(n: number): string {
  if (!Number.isFinite(n)) return '– calls/trace';
  const v = n >= 10 ? String(Math.round(n)) : trim(n.toFixed(n < 1 ? 2 : 1));
  return `${v} ${v === '1' ? 'call' : 'calls'}/trace`;
}

/** 0.034 → "3.4%", 0 → "0%". */
export function formatPercent(ratio: number): string {
  if (!Number.isFinite(ratio)) return '–';
  const p = ratio * 100;
  if (p === 0) return '0%';
  if (p < 0.1) return '<0.1%';
  return `${trim(p.toFixed(p < 10 ? 1 : 0))}%`;
}

export function plural(n: number, one: string, many = one + 's'): string {
  return `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;
}

function trim(s: string): string {
  return s.includes('.') ? s.replace(/\.?0+$/, '') : s;
}

/** Escape text for Markdown (hover content comes from traces: never let it inject links or HTML). */
export function escapeMarkdown(s: string): string {
  return s.replace(/[\\`*_{}[\]()#+\-.!|<>~&"'$:]/g, (c) => (c === '<' ? '&lt;' : c === '>' ? '&gt;' : c === '&' ? '&amp;' : '\\' + c));
}

/** A simple aligned text table (for the output channel). */
export function textTable(rows: string[][], alignRight: boolean[] = []): string {
  const widths: number[] = [];
  for (const r of rows) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, c.length)));
  return rows
    .map((r) => r.map((c, i) => (alignRight[i] ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ').trimEnd())
    .join('\n');
}

/**
 * Short label of a run's inputs: file base names, or for URLs the host plus the service/query it asks for
 * ("jaeger:16686 checkout").
 */
export function runLabel(paths: readonly string[]): string {
  return paths
    .map((p) => {
      const m = /^(?:(jaeger|tempo|zipkin)\+)?(https?):\/\/([^/?#]+)([^?#]*)(\?[^#]*)?/i.exec(p);
      if (!m) return p.replace(/^.*[/\\]/, '');
      const q = new URLSearchParams(m[5] ?? '');
      const what = q.get('service') ?? q.get('serviceName') ?? q.get('query.service_name') ?? q.get('q') ?? m[4]!.replace(/^.*\//, '');
      return what ? `${m[3]} ${what}` : m[3]!;
    })
    .join(', ');
}
