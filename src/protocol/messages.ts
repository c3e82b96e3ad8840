/**
 * The typed message protocol between the flame-graph webview (webview/flame) and its hosts: the VS Code panel
 * (src/extension/panels/flame-panel.ts) and the standalone HTML report (src/core/report/html.ts, data embedded).
 *
 * GitLens-style: every message is declared once here, keyed on `type`, with a tiny `is` guard. Types and guards only —
 * importable from the extension host, the webview bundle and tests (no `vscode`, no `node:*`).
 */
import type { Diagnosis } from '../core/rca/diagnosis';

// ---------------------------------------------------------------------------------------------------------------------
// Wire format of the tree

/** Per-node flag bits of {@link FlameData.flags}. */
export const FlameFlag = {
  /** the node exists in the baseline run */
  Baseline: 1,
  /** the node exists in the incident run */
  Incident: 2,
  /** the node is (one of the call paths of) the diagnosis' root cause */
  RootCause: 4,
  /** the node is one of the diagnosis' other candidates */
  Candidate: 8,
  /**
   * most of the node's time (in either run) waits on a wrapping twin — a same-service sibling that carries the work,
   * which async frameworks make a sibling of the handler span awaiting it (core/aggregate/twins.ts) — and its self
   * time leaves that out
   */
  WaitsOnTwin: 16,
} as const;

/**
 * Compact columnar tree for the flame graph (100k nodes stay a few MB of JSON and decode into typed arrays).
 *
 * Node i's columns are `parent[i]`, `name[i]`, … . Nodes are in depth-first pre-order (a node's subtree is the range
 * `i .. i + size - 1`, children in display order), node 0 is the root. Times are milliseconds **per trace** of the
 * run (mean over all traces), so a 10-trace baseline and a 200-trace incident compare directly; absent sides are 0
 * with the presence bit cleared in `flags`.
 */
export interface FlameData {
  version: 1;
  /** 'diff': baseline vs incident; 'single': one run (only the incident columns are meaningful) */
  kind: 'diff' | 'single';
  /** number of nodes */
  n: number;
  baselineTraces: number;
  incidentTraces: number;
  /** interned strings (services, names, kinds, files) */
  strings: string[];
  parent: number[];
  /** string indexes */
  service: number[];
  name: number[];
  /** OTLP span kind name (server, client, …) */
  spanKind: number[];
  /** {@link FlameFlag} bits */
  flags: number[];
  /** baseline: total and self time per trace (ms), span p50/p95 (ms), calls and errors (sums over the run) */
  bTotal: number[];
  bSelf: number[];
  bP50: number[];
  bP95: number[];
  bCalls: number[];
  bErrors: number[];
  /** incident: same columns */
  iTotal: number[];
  iSelf: number[];
  iP50: number[];
  iP95: number[];
  iCalls: number[];
  iErrors: number[];
  /** incident − baseline self time per trace (ms) */
  deltaSelf: number[];
  /** incident − baseline total time per trace (ms) */
  deltaTotal: number[];
  /** 0..1 confidence that the change is real */
  significance: number[];
  /** source link: string index of the workspace-relative file or −1; 1-based line or 0 */
  srcFile: number[];
  srcLine: number[];
  /**
   * optional: each node's span durations as a mergeable histogram (src/core/stats/latency-sketch.ts wire form, `[]`
   * when unknown), so the sandwich can show p50/p95 of merged call paths; coarsened to fit a size budget, or left out
   */
  bSketch?: number[][];
  iSketch?: number[][];
}

/** What the flame graph shows. */
export type FlameMode = 'baseline' | 'incident' | 'diff';

/** Persisted webview state (acquireVsCodeApi().setState), also reported to the host with `stateChanged`. */
export interface FlameViewState {
  mode?: FlameMode;
  /** zoomed node as its call path of `service\u0000name` segments (stable across reloads of the same data) */
  zoomPath?: string[];
  /** selected node, same encoding */
  selectedPath?: string[];
  search?: string;
  /** opaque value from the host (SetDataMessage.persist.request), kept for the WebviewPanelSerializer */
  request?: unknown;
  /** SetDataMessage.dataKey of the data this state belongs to */
  dataKey?: string;
  /** the sandwich view is open on this node's operation (same encoding as zoomPath) */
  sandwichPath?: string[];
}

// ---------------------------------------------------------------------------------------------------------------------
// host → webview

export interface SetDataMessage {
  type: 'setData';
  /** null clears the view ("no traces loaded") */
  tree: FlameData | null;
  diagnosis?: Diagnosis | null;
  /** initial mode (default 'diff' for diff data, 'incident' for a single run); a restored state wins */
  mode?: FlameMode;
  title?: string;
  baselineLabel?: string;
  incidentLabel?: string;
  /** host data the webview keeps in its persisted state (e.g. the load request, read back by the panel serializer) */
  persist?: { request?: unknown };
  /**
   * What is loaded (e.g. the mode and the files of the runs). A setData with the key the webview already shows is a
   * refresh of the same runs (files changed on disk, new live spans): the mode, zoom, selection and search stay. A
   * different key is a new load: they reset to their defaults (the root cause selected, no zoom, no search). A saved
   * state is restored after a window reload only when its key matches. Without a key, only the first setData of a
   * webview restores the saved state.
   */
  dataKey?: string;
  /** with tree null: runs are being loaded (the panel was opened early so it is ready when they are) */
  loading?: boolean;
}
/** Select and zoom to the (hottest) node of an operation. */
export interface FocusNodeMessage {
  type: 'focusNode';
  service: string;
  name: string;
}
export interface SetModeMessage {
  type: 'setMode';
  mode: FlameMode;
}
/** The colour theme changed; the webview re-reads its `--vscode-*` variables. */
export interface SetThemeMessage {
  type: 'setTheme';
  kind?: 'light' | 'dark' | 'high-contrast' | 'high-contrast-light';
}
export type HostToFlameMessage = SetDataMessage | FocusNodeMessage | SetModeMessage | SetThemeMessage;

// ---------------------------------------------------------------------------------------------------------------------
// webview → host

export interface ReadyMessage {
  type: 'ready';
}
export interface OpenSourceMessage {
  type: 'openSource';
  service: string;
  name: string;
  /** the node's source link when the data has one; the host may resolve the operation itself otherwise */
  source?: { file: string; line: number };
}
export interface AskInChatMessage {
  type: 'askInChat';
  service: string;
  name: string;
}
export interface StateChangedMessage {
  type: 'stateChanged';
  state: FlameViewState;
}
export interface ErrorMessage {
  type: 'error';
  message: string;
}
/** The first frame after a setData was drawn (for the host's timing of "data ready → first paint"). */
export interface PaintedMessage {
  type: 'painted';
  /** ms from receiving setData to the end of that frame, in the webview */
  afterSetDataMs: number;
  /** ms from the webview's script start to that frame */
  sinceScriptStartMs: number;
}
export type FlameToHostMessage = ReadyMessage | OpenSourceMessage | AskInChatMessage | StateChangedMessage | ErrorMessage | PaintedMessage;

// ---------------------------------------------------------------------------------------------------------------------
// guards (shape checks only; the host validates field contents before acting)

const obj = (m: unknown): m is Record<string, unknown> => typeof m === 'object' && m !== null;
const str = (v: unknown): v is string => typeof v === 'string' && v.length <= 10_000;
const modes: readonly string[] = ['baseline', 'incident', 'diff'];

export const isFlameMode = (v: unknown): v is FlameMode => typeof v === 'string' && modes.includes(v);

export const isFlameData = (v: unknown): v is FlameData =>
  obj(v) && v.version === 1 && (v.kind === 'diff' || v.kind === 'single') && typeof v.n === 'number' && Array.isArray(v.parent) && Array.isArray(v.strings) && v.parent.length === v.n;

export const isSetData = (m: unknown): m is SetDataMessage => obj(m) && m.type === 'setData' && (m.tree === null || isFlameData(m.tree));
export const isFocusNode = (m: unknown): m is FocusNodeMessage => obj(m) && m.type === 'focusNode' && str(m.service) && str(m.name);
export const isSetMode = (m: unknown): m is SetModeMessage => obj(m) && m.type === 'setMode' && isFlameMode(m.mode);
export const isSetTheme = (m: unknown): m is SetThemeMessage => obj(m) && m.type === 'setTheme';

export const isReady = (m: unknown): m is ReadyMessage => obj(m) && m.type === 'ready';
export const isOpenSource = (m: unknown): m is OpenSourceMessage =>
  obj(m) &&
  m.type === 'openSource' &&
  str(m.service) &&
  str(m.name) &&
  (m.source === undefined || (obj(m.source) && str(m.source.file) && typeof m.source.line === 'number' && m.source.line >= 1));
export const isAskInChat = (m: unknown): m is AskInChatMessage => obj(m) && m.type === 'askInChat' && str(m.service) && str(m.name);
export const isStateChanged = (m: unknown): m is StateChangedMessage => obj(m) && m.type === 'stateChanged' && obj(m.state);
export const isError = (m: unknown): m is ErrorMessage => obj(m) && m.type === 'error' && str(m.message);
export const isPainted = (m: unknown): m is PaintedMessage => obj(m) && m.type === 'painted' && typeof m.afterSetDataMs === 'number' && typeof m.sinceScriptStartMs === 'number';

export const isHostToFlameMessage = (m: unknown): m is HostToFlameMessage => isSetData(m) || isFocusNode(m) || isSetMode(m) || isSetTheme(m);
export const isFlameToHostMessage = (m: unknown): m is FlameToHostMessage =>
  isReady(m) || isOpenSource(m) || isAskInChat(m) || isStateChanged(m) || isError(m) || isPainted(m);
