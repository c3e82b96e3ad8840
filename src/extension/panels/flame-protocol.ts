/**
 * Host side of the flame webview protocol (src/protocol/messages.ts): builds the setData message from a session
 * snapshot and validates what the webview sends. No `vscode` import (unit-tested).
 */
import { aggToFlameData, toFlameData } from '../../core/diff/flame-data';
import { isFlameToHostMessage, type FlameToHostMessage, type HostToFlameMessage, type SetDataMessage } from '../../protocol/messages';
import type { TraceSnapshotLike } from './snapshot-like';
import { runColumnLabels, runLabel } from '../format-model';
import { originalStrings, visibleUnsafeDeep } from '../../core/format/inert';

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

/**
 * What the page is sent: names from the traces with bidi overrides, zero-width and control characters shown as
 * `\uXXXX` (a span named `pay\u202egnp.exe` must not read `payexe.png`); `shown` learns shown → original. One walk and
 * no copy when nothing needs it.
 */
export function toPage<M>(m: M, shown: Map<string, string>): M {
  if (shown.size > 100_000) shown.clear();
  return visibleUnsafeDeep(m, shown);
}

/** What the page sent, with the names it was shown turned back into the originals (go to source, ask in chat). */
export function fromPage(raw: unknown, shown: ReadonlyMap<string, string>): unknown {
  return originalStrings(raw, shown);
}
