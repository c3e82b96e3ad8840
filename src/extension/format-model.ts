/**
 * Number/text formatting shared by hovers, CodeLens, the runs tree, the status bar and the output channel.
 * Pure: no `vscode` import (unit-tested in test/unit/extension).
 */

import type { RefusedEvent } from '../sources/receiver/server';

// The numbers themselves come from the one formatter every surface shares (src/core/format).
export { formatMs, formatDeltaMs, formatCallsPerTrace, formatPercent, formatConfidence, formatHeadline, rankLabel, isNotableChange, runColumnLabels, formatImpactPerTrace, formatEndToEnd, effectOutsideSelf, effectOutsideSelfShort, waitsOnText, waitsOnShort, MINUS } from '../core/format';

export function plural(n: number, one: string, many = one + 's'): string {
  return `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;
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

/**
 * A request the receiver refused, for the person whose exporter sent it: one line with the status, what the sender was
 * told, and what identifies the sender. Control and bidi characters (from headers) are blanked; at most 400 characters.
 */
const GRPC_CODE_NAMES: Record<number, string> = { 3: 'INVALID_ARGUMENT', 8: 'RESOURCE_EXHAUSTED', 12: 'UNIMPLEMENTED', 13: 'INTERNAL', 14: 'UNAVAILABLE' };

export function refusedText(e: Pick<RefusedEvent, 'status' | 'message' | 'method' | 'path' | 'contentType' | 'userAgent' | 'grpcCode'>): string {
  const what = [e.method && e.path ? `${e.method} ${e.path}` : '', e.contentType ? `Content-Type ${e.contentType}` : '', e.userAgent ? `from ${e.userAgent}` : ''].filter(Boolean).join(', ');
  // eslint-disable-next-line no-control-regex
  const clean = (t: string) => t.replace(/[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069]+/g, ' ').trim();
  // a call to the OTLP/gRPC receiver is told by its gRPC status (INVALID_ARGUMENT…), not the HTTP one it is counted as
  const code = e.grpcCode !== undefined ? `gRPC ${GRPC_CODE_NAMES[e.grpcCode] ?? e.grpcCode}` : `HTTP ${e.status}`;
  const line = clean(`${code}: ${e.message}${what ? ` (${what})` : ''}`);
  return line.length > 400 ? `${line.slice(0, 399)}…` : line;
}
