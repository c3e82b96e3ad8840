/**
 * The bounded exemplar bundle embedded in the standalone report: lists for a few call paths (the root cause and the
 * top candidates of the flame data) and the traces those lists name, each trace cut to `maxSpansPerTrace` and all of
 * them to `maxSpansTotal`. A list only names traces that are embedded, so every row of it can be shown.
 */
import { FlameFlag, type FlameData } from '../../protocol/messages';
import type { CallPathSegment, ExemplarBundle, ExemplarList, ExemplarRef, WaterfallTrace } from '../../protocol/exemplars';
import { indexTraces, selectExemplars, type ExemplarRun } from './select';
import type { SpanDetail, ExemplarSide } from '../../protocol/exemplars';
import { extractWaterfall } from './waterfall';
import { matchPath } from './select';
import { spanDetail } from './span-detail';

export interface BundleOptions {
  /** call paths to embed (default 4) */
  maxPaths?: number;
  /** incident / baseline traces per list (default 3 / 2) */
  incidentPerPath?: number;
  baselinePerPath?: number;
  maxSpansPerTrace?: number;
  maxSpansTotal?: number;
}

/** Call paths of the flame data's root-cause nodes first, then its candidates (pre-order), at most `max`. */
export function flaggedPaths(data: FlameData, max: number): CallPathSegment[][] {
  const pathOf = (i: number) => {
    const out: CallPathSegment[] = [];
    for (let x = i; x > 0 && out.length < 10_000; x = data.parent[x]!) out.push({ service: data.strings[data.service[x]!] ?? '', name: data.strings[data.name[x]!] ?? '' });
    return out.reverse();
  };
  const out: CallPathSegment[][] = [];
  for (const bit of [FlameFlag.RootCause, FlameFlag.Candidate]) {
    for (let i = 1; i < data.n && out.length < max; i++) if (data.flags[i]! & bit && !(bit === FlameFlag.Candidate && data.flags[i]! & FlameFlag.RootCause)) out.push(pathOf(i));
  }
  return out;
}

export function buildExemplarBundle(incident: ExemplarRun, baseline: ExemplarRun | null, paths: readonly CallPathSegment[][], opts: BundleOptions = {}): ExemplarBundle {
  const perTrace = opts.maxSpansPerTrace ?? 5_000;
  let budget = opts.maxSpansTotal ?? 60_000;
  const incIx = indexTraces(incident);
  const baseIx = baseline ? indexTraces(baseline) : null;
  const traces = new Map<string, WaterfallTrace>();
  const lists: ExemplarList[] = [];
  const details: { side: ExemplarSide; traceId: string; index: number; detail: SpanDetail }[] = [];
  const detailKeys = new Set<string>();
  const embed = (r: ExemplarRef, path: readonly CallPathSegment[]): boolean => {
    const key = `${r.side}\u0000${r.traceId}`;
    if (traces.has(key)) return true;
    if (budget <= 0) return false;
    const run = r.side === 'incident' ? incident : baseline;
    if (!run) return false;
    const rows: number[] = [];
    const t = extractWaterfall(run.model, r.traceId, { side: r.side, path, maxSpans: Math.min(perTrace, budget), rowsOut: rows });
    if (!t) return false;
    // details of the spans on the call path (what a click in the report is most likely about), a few per trace
    const level = matchPath(run.model, path);
    let n = 0;
    for (let q = 0; q < rows.length && n < 10; q++) {
      if (level[rows[q]!] !== path.length) continue;
      const dk = `${r.side}\u0000${r.traceId}\u0000${q}`;
      if (detailKeys.has(dk)) continue;
      detailKeys.add(dk);
      details.push({ side: r.side, traceId: r.traceId, index: q, detail: spanDetail(run.model, rows[q]!, t.start[q]!) });
      n++;
    }
    budget -= t.n;
    traces.set(key, t);
    return true;
  };
  for (const path of paths.slice(0, opts.maxPaths ?? 4)) {
    if (path.length === 0) continue;
    const list = selectExemplars(incIx, baseIx, path, { incidentCount: opts.incidentPerPath ?? 3, baselineCount: opts.baselinePerPath ?? 2 });
    list.incident = list.incident.filter((r) => embed(r, path));
    list.baseline = list.baseline.filter((r) => embed(r, path));
    lists.push(list);
  }
  return {
    version: 1,
    lists,
    traces: [...traces.values()],
    details,
    note: 'This report embeds exemplar traces for the root cause and the top candidates only: select one of them, or open the traces in VS Code for every operation.',
  };
}
