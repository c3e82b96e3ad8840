/**
 * Host side of the exemplar traces (src/protocol/exemplars.ts): answers the webview's `exemplarsRequest` and
 * `traceRequest` from the loaded span tables. No `vscode` import (unit-tested); the flame panel forwards messages.
 *
 * Only trace ids and a few numbers go out for a list; one trace is sent per request, cut to `maxSpans`.
 * Per-run trace indexes are built once per snapshot and reused across selections. An automatically split run is split
 * again here (deterministic: same seed as the engine) to know which traces are the normal and which the slow part.
 */
import type { SpanTable } from '../../core/model/span-table';
import { indexTraces, selectExemplars, type TraceIndex } from '../../core/exemplars/select';
import { extractWaterfall } from '../../core/exemplars/waterfall';
import { spanDetail } from '../../core/exemplars/span-detail';
import { splitTraces } from '../../core/rca/split';
import {
  isExemplarsRequest,
  isSpanRequest,
  isTraceRequest,
  type CallPathSegment,
  type ExemplarSide,
  type ExemplarToHostMessage,
  type ExemplarsMessage,
  type SpanMessage,
  type TraceMessage,
  type WaterfallTrace,
} from '../../protocol/exemplars';

/** A webview message the exemplar host answers. */
export const isExemplarRequest = (m: unknown): m is ExemplarToHostMessage => isExemplarsRequest(m) || isTraceRequest(m) || isSpanRequest(m);
export type ExemplarReply = ExemplarsMessage | TraceMessage | SpanMessage;

/** The parts of a TraceSnapshot (../state.ts) the exemplars need. */
export interface ExemplarSnapshot {
  mode: 'none' | 'single' | 'diff';
  /** the engine worker keeps this snapshot's models under this run id and answers exemplar requests there */
  workerRun?: number;
  autoSplit: boolean;
  /** the engine's split of an auto-split run; split again here when absent */
  splitMasks?: { baseline: Uint8Array; incident: Uint8Array };
  baseline?: { run: { model: SpanTable } };
  incident?: { run: { model: SpanTable } };
}

export interface ExemplarHostOptions {
  incidentCount?: number;
  baselineCount?: number;
  /** spans per trace sent to the webview (default 20,000) */
  maxSpans?: number;
}

interface Runs {
  incident: TraceIndex | null;
  baseline: TraceIndex | null;
  models: Record<ExemplarSide, SpanTable | null>;
  masks: Record<ExemplarSide, Uint8Array | null>;
}

export class ExemplarHost {
  private cached: { snap: ExemplarSnapshot; runs: Runs } | undefined;
  /** rows and span starts of the traces sent lately (side + trace id → …), for span details */
  private sent = new Map<string, { rows: number[]; start: number[] }>();

  constructor(
    private readonly snapshot: () => ExemplarSnapshot | undefined,
    private readonly opts: ExemplarHostOptions = {},
  ) {}

  /** Whether the next request builds the per-snapshot trace indexes (the expensive first step). */
  get needsIndex(): boolean {
    const s = this.snapshot();
    return !!s && s.mode !== 'none' && !!s.incident && this.cached?.snap !== s;
  }

  /** Builds the per-snapshot trace indexes now (the engine worker does it as a step of its own, see needsIndex). */
  prepare(): void {
    this.runs();
  }

  /** The reply to a webview message, or undefined when the message is not an exemplar request. */
  handle(m: unknown): ExemplarReply | undefined {
    if (isExemplarsRequest(m)) {
      try {
        const runs = this.runs();
        if (!runs?.incident) return { type: 'exemplars', path: m.path, list: null, error: 'No traces are loaded.' };
        const list = selectExemplars(runs.incident, runs.baseline, m.path, {
          incidentCount: this.opts.incidentCount ?? 5,
          baselineCount: this.opts.baselineCount ?? 3,
        });
        return { type: 'exemplars', path: m.path, list };
      } catch (e) {
        return { type: 'exemplars', path: m.path, list: null, error: (e as Error).message };
      }
    }
    if (isTraceRequest(m)) {
      try {
        const runs = this.runs();
        const model = runs?.models[m.side] ?? null;
        const mask = runs?.masks[m.side] ?? null;
        if (!model) return { type: 'trace', side: m.side, traceId: m.traceId, trace: null, error: `No ${m.side} run is loaded.` };
        const sid = model.strings.lookup(m.traceId);
        if (sid < 0 || (mask && !mask[sid])) return { type: 'trace', side: m.side, traceId: m.traceId, trace: null, error: `Trace ${m.traceId} is not in the ${m.side} run.` };
        const trace = this.extract(model, m.side, m.traceId, m.path);
        return { type: 'trace', side: m.side, traceId: m.traceId, trace, ...(trace ? {} : { error: `Trace ${m.traceId} has no spans.` }) };
      } catch (e) {
        return { type: 'trace', side: m.side, traceId: m.traceId, trace: null, error: (e as Error).message };
      }
    }
    if (isSpanRequest(m)) {
      const fail = (error: string): SpanMessage => ({ type: 'span', side: m.side, traceId: m.traceId, index: m.index, detail: null, error });
      try {
        const runs = this.runs();
        const model = runs?.models[m.side] ?? null;
        const mask = runs?.masks[m.side] ?? null;
        if (!model) return fail(`No ${m.side} run is loaded.`);
        const sid = model.strings.lookup(m.traceId);
        if (sid < 0 || (mask && !mask[sid])) return fail(`Trace ${m.traceId} is not in the ${m.side} run.`);
        let sent = this.sent.get(`${m.side}\u0000${m.traceId}`);
        if (!sent) {
          this.extract(model, m.side, m.traceId);
          sent = this.sent.get(`${m.side}\u0000${m.traceId}`);
        }
        const row = sent?.rows[m.index];
        if (!sent || row === undefined) return fail(`The trace has no span ${m.index}.`);
        return { type: 'span', side: m.side, traceId: m.traceId, index: m.index, detail: spanDetail(model, row, sent.start[m.index]!) };
      } catch (e) {
        return fail((e as Error).message);
      }
    }
    return undefined;
  }

  /** One trace for the webview; remembers its rows (the span request of a later click refers to them). */
  private extract(model: SpanTable, side: ExemplarSide, traceId: string, path?: CallPathSegment[]): WaterfallTrace | null {
    const rows: number[] = [];
    const trace = extractWaterfall(model, traceId, { side, maxSpans: this.opts.maxSpans ?? 20_000, rowsOut: rows, ...(path ? { path } : {}) });
    if (trace) {
      const key = `${side}\u0000${traceId}`;
      this.sent.delete(key);
      this.sent.set(key, { rows, start: trace.start });
      while (this.sent.size > 16) this.sent.delete(this.sent.keys().next().value!);
    }
    return trace;
  }

  private runs(): Runs | undefined {
    const s = this.snapshot();
    if (!s || s.mode === 'none' || !s.incident) return undefined;
    if (this.cached?.snap === s) return this.cached.runs;
    this.sent.clear();
    const inc = s.incident.run.model;
    let runs: Runs;
    if (s.mode === 'diff' && s.baseline) {
      const base = s.baseline.run.model;
      runs = { incident: indexTraces({ model: inc }), baseline: indexTraces({ model: base }), models: { incident: inc, baseline: base }, masks: { incident: null, baseline: null } };
    } else if (s.mode === 'diff' && s.autoSplit) {
      let masks = s.splitMasks;
      if (!masks) {
        const split = splitTraces(inc);
        masks = { baseline: split.baselineMask, incident: split.incidentMask };
      }
      runs = {
        incident: indexTraces({ model: inc, mask: masks.incident }),
        baseline: indexTraces({ model: inc, mask: masks.baseline }),
        models: { incident: inc, baseline: inc },
        masks: { incident: masks.incident, baseline: masks.baseline },
      };
    } else {
      runs = { incident: indexTraces({ model: inc }), baseline: null, models: { incident: inc, baseline: null }, masks: { incident: null, baseline: null } };
    }
    this.cached = { snap: s, runs };
    return runs;
  }
}

/**
 * Answers an exemplar request in the engine worker, for the run whose models it keeps (`ExemplarSnapshot.workerRun`);
 * undefined when it cannot (it holds another run, is busy with a newer load, or was stopped).
 */
export type ExemplarRemote = (run: number, request: ExemplarToHostMessage, signal: AbortSignal) => Promise<ExemplarReply> | undefined;

/**
 * A flame view's exemplar requests. Answered in the engine worker when it holds the shown snapshot's models (this
 * thread only forwards the request and the reply), else here with {@link ExemplarHost} — the receiver's live view, a
 * worker that was stopped or is loading a newer run, a worker that failed. A newer request of the same kind (the list,
 * the trace of one side, span details) cancels the older one; a reply for a snapshot no longer shown is dropped.
 */
export class ExemplarRequests {
  private readonly local: ExemplarHost;
  private readonly pending = new Map<string, AbortController>();

  constructor(
    private readonly snapshot: () => ExemplarSnapshot | undefined,
    private readonly remote?: ExemplarRemote,
    opts: ExemplarHostOptions = {},
    private readonly log?: (msg: string) => void,
  ) {
    this.local = new ExemplarHost(snapshot, opts);
  }

  /** undefined: not an exemplar request. Else its reply, or undefined when it was cancelled or went stale. */
  handle(m: unknown): Promise<ExemplarReply | undefined> | undefined {
    if (!isExemplarRequest(m)) return undefined;
    const snap = this.snapshot();
    const key = m.type === 'exemplarsRequest' ? 'list' : m.type === 'traceRequest' ? `trace:${m.side}` : 'span';
    this.pending.get(key)?.abort();
    const ac = new AbortController();
    this.pending.set(key, ac);
    const finish = (r: ExemplarReply | undefined): ExemplarReply | undefined => {
      if (this.pending.get(key) === ac) this.pending.delete(key);
      return ac.signal.aborted || this.snapshot() !== snap ? undefined : r;
    };
    let remote: Promise<ExemplarReply> | undefined;
    try {
      remote = snap?.workerRun !== undefined && this.remote ? this.remote(snap.workerRun, m, ac.signal) : undefined;
    } catch (e) {
      this.log?.(`exemplars: the engine worker cannot answer (${(e as Error).message}); answering on the extension host`);
    }
    if (!remote) return Promise.resolve(finish(this.local.handle(m)));
    return remote.then(finish, (e: unknown) => {
      if (ac.signal.aborted) return finish(undefined);
      this.log?.(`exemplars: the engine worker did not answer (${(e as Error).message}); answering on the extension host`);
      return finish(this.local.handle(m));
    });
  }

  /** Cancel every pending request (the view closed). */
  dispose(): void {
    for (const ac of this.pending.values()) ac.abort();
    this.pending.clear();
  }
}
