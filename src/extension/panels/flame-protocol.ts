/**
 * Host side of the flame webview protocol: builds the data message from a session snapshot and validates what the
 * webview sends. No `vscode` import (unit-tested).
 */
import type { AggTree } from '../../core/aggregate/types';
import type { DiffTree } from '../../core/diff/types';
import type { Diagnosis } from '../../core/rca/diagnosis';
import type { TraceSnapshotLike } from './snapshot-like';

export interface FlameData {
  mode: 'none' | 'single' | 'diff';
  title: string;
  baselineLabel?: string;
  incidentLabel?: string;
  diff?: DiffTree;
  agg?: AggTree;
  diagnosis?: Diagnosis | null;
}

export type HostToFlame = { type: 'setData'; data: FlameData } | { type: 'focus'; service: string; name: string };

export type FlameToHost =
  | { type: 'ready' }
  | { type: 'openSource'; service: string; name: string; source?: { file?: string; line?: number } }
  | { type: 'askInChat'; service: string; name: string }
  | { type: 'error'; message: string };

export function toFlameData(s: TraceSnapshotLike): FlameData {
  const label = (paths?: string[]) => (paths ?? []).map((p) => p.replace(/^.*[/\\]/, '')).join(', ');
  if (s.mode === 'diff' && s.diff) {
    return {
      mode: 'diff',
      title: s.autoSplit ? `${label(s.incident?.paths)} (split automatically)` : `${label(s.baseline?.paths)} → ${label(s.incident?.paths)}`,
      baselineLabel: s.autoSplit ? (s.diagnosis?.split?.description ?? 'baseline part') : label(s.baseline?.paths),
      incidentLabel: label(s.incident?.paths),
      diff: s.diff,
      diagnosis: s.diagnosis ?? null,
    };
  }
  if (s.mode === 'single' && s.incident) {
    return { mode: 'single', title: label(s.incident.paths), incidentLabel: label(s.incident.paths), agg: s.incident.agg, diagnosis: s.diagnosis ?? null };
  }
  return { mode: 'none', title: 'No traces loaded' };
}

const str = (v: unknown): v is string => typeof v === 'string' && v.length <= 10_000;

export function parseWebviewMessage(raw: unknown): FlameToHost | null {
  if (!raw || typeof raw !== 'object') return null;
  const m = raw as Record<string, unknown>;
  switch (m.type) {
    case 'ready':
      return { type: 'ready' };
    case 'openSource':
    case 'askInChat': {
      if (!str(m.service) || !str(m.name)) return null;
      if (m.type === 'askInChat') return { type: 'askInChat', service: m.service, name: m.name };
      const src = m.source && typeof m.source === 'object' ? (m.source as Record<string, unknown>) : undefined;
      const source = src && str(src.file) && typeof src.line === 'number' && src.line >= 1 ? { file: src.file, line: Math.floor(src.line) } : undefined;
      return { type: 'openSource', service: m.service, name: m.name, ...(source ? { source } : {}) };
    }
    case 'error':
      return str(m.message) ? { type: 'error', message: m.message } : null;
    default:
      return null;
  }
}
