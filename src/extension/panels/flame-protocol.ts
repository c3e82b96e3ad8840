/**
 * Host side of the flame webview protocol (src/protocol/messages.ts): builds the setData message from a session
 * snapshot and validates what the webview sends. No `vscode` import (unit-tested).
 */
import { aggToFlameData, toFlameData } from '../../core/diff/flame-data';
import { isFlameToHostMessage, type FlameToHostMessage, type HostToFlameMessage, type SetDataMessage } from '../../protocol/messages';
import type { TraceSnapshotLike } from './snapshot-like';
import { runColumnLabels, runLabel } from '../format-model';

export type HostToFlame = HostToFlameMessage;
export type FlameToHost = FlameToHostMessage;

const label = (paths?: readonly string[]) => runLabel(paths ?? []);

/**
 * Identity of what a snapshot shows: its mode and the runs' inputs. The same key again (a reload of changed files,
 * the receiver's live window growing) keeps the webview's zoom and selection; a new key resets them.
 */
export function flameDataKey(s: TraceSnapshotLike): string {
  return JSON.stringify([s.mode, s.autoSplit, s.baseline?.paths ?? [], s.incident?.paths ?? []]);
}

/** The setData message for a snapshot ("no traces loaded" clears the view). */
export function buildSetData(s: TraceSnapshotLike): SetDataMessage {
  const m = buildSetDataBody(s);
  return s.mode === 'none' ? m : { ...m, dataKey: flameDataKey(s) };
}

function buildSetDataBody(s: TraceSnapshotLike): SetDataMessage {
  if (s.mode === 'diff' && s.diff) {
    const inc = label(s.incident?.paths);
    // short column words (src/core/format); the split's sentence is in the diagnosis the webview shows above
    const cols = runColumnLabels(s.autoSplit ? s.diagnosis?.split : null);
    return {
      type: 'setData',
      tree: toFlameData(s.diff, s.diagnosis ?? null),
      diagnosis: s.diagnosis ?? null,
      mode: 'diff',
      title: s.autoSplit ? `${inc} (split automatically)` : `${label(s.baseline?.paths)} → ${inc}`,
      baselineLabel: cols.baseline,
      incidentLabel: cols.incident,
    };
  }
  if (s.mode === 'single' && s.incident) {
    return {
      type: 'setData',
      tree: aggToFlameData(s.incident.agg, s.diagnosis ?? null),
      diagnosis: s.diagnosis ?? null,
      mode: 'incident',
      title: label(s.incident.paths),
      incidentLabel: label(s.incident.paths),
    };
  }
  return { type: 'setData', tree: null, diagnosis: null, title: 'No traces loaded' };
}

export function parseWebviewMessage(raw: unknown): FlameToHost | null {
  return isFlameToHostMessage(raw) ? raw : null;
}
