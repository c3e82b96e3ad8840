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
  type ExemplarsMessage,
  type SpanMessage,
  type TraceMessage,
  type WaterfallTrace,
} from '../../protocol/exemplars';

/** The parts of a TraceSnapshot (../state.ts) the exemplars need. */
export interface ExemplarSnapshot {
  mode: 'none' | 'single' | 'diff';
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

  /** The reply to a webview message, or undefined when the message is not an exemplar request. */
  handle(m: unknown): ExemplarsMessage | TraceMessage | SpanMessage | undefined {
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
