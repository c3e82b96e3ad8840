/**
 * Tooltip and detail-pane content. Everything from traces is set with textContent — never innerHTML.
 */
import { effectOutsideSelf, waitsOnText, formatConfidence, formatDeltaMs as formatDelta, formatMs, formatMsPair } from '../../src/core/format';
import type { Diagnosis } from '../../src/core/rca/diagnosis';
import { FlameFlag, type FlameData, type FlameMode } from '../../src/protocol/messages';
import type { MergedPercentiles, SidePercentiles } from '../../src/core/diff/flame-percentiles';
import { allPathsLine, effectVsPathLine, FIGURES_LEGEND, type PathSums } from '../../src/core/format/figures';
import { goneListItem, goneRootsUnder, goneText, partlyGoneListItem, partlyGoneText, partlyGoneUnder, waitsFor } from '../../src/core/diff/flame-gone';
import type { FlameTree } from '../../src/core/diff/flame-layout';

/** What renderStats needs beyond the node for gone work and waits (the tree), and for links (the detail pane only). */
export interface StatsContext {
  tree?: FlameTree | null;
  /** select and show another box (the detail pane's links); absent in the tooltip, which has no buttons */
  reveal?: (id: number) => void;
  /** the mode shown: gone work is drawn (hatched) in Diff mode only */
  mode?: FlameMode;
}

export function el<K extends keyof HTMLElementTagNameMap>(tag: K, cls?: string, text?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

const perTrace = (calls: number, traces: number) => (traces > 0 ? (calls / traces).toFixed(calls / traces < 10 ? 2 : 1) : '–');

export interface NodeInfo {
  service: string;
  name: string;
  kind: string;
  rootCause: boolean;
  candidate: boolean;
  source?: { file: string; line: number };
}

/** The synthetic root box ("all traces"): no span, no own time, no source line. */
export function isAllTraces(info: NodeInfo): boolean {
  return info.kind === 'root' && !info.service;
}

export function nodeInfo(data: FlameData, i: number): NodeInfo {
  const f = data.srcFile[i]!;
  return {
    service: data.strings[data.service[i]!] ?? '',
    name: data.strings[data.name[i]!] ?? '',
    kind: data.strings[data.spanKind[i]!] ?? '',
    rootCause: !!(data.flags[i]! & FlameFlag.RootCause),
    candidate: !!(data.flags[i]! & FlameFlag.Candidate),
    ...(f >= 0 && data.srcLine[i]! > 0 ? { source: { file: data.strings[f] ?? '', line: data.srcLine[i]! } } : {}),
  };
}

/**
 * Node `i`'s operation over all its call paths in the data (boxes with the same service and name): the detail pane
 * shows one call path, the diagnosis and the hover the operation — this says what the whole is.
 */
export function operationPathSums(data: FlameData, i: number): PathSums {
  const svc = data.service[i]!, nm = data.name[i]!;
  let paths = 0, bCalls = 0, iCalls = 0, bSelf = 0, iSelf = 0, hasB = false, hasI = false;
  for (let k = 0; k < data.n; k++) {
    if (data.service[k] !== svc || data.name[k] !== nm) continue;
    paths++;
    const f = data.flags[k]!;
    if (f & FlameFlag.Baseline) {
      hasB = true;
      bCalls += data.bCalls[k]!;
      bSelf += data.bSelf[k]! * data.baselineTraces;
    }
    if (f & FlameFlag.Incident) {
      hasI = true;
      iCalls += data.iCalls[k]!;
      iSelf += data.iSelf[k]! * data.incidentTraces;
    }
  }
  return {
    paths,
    baseline: hasB && data.kind === 'diff' ? { calls: bCalls, selfMs: bSelf, traces: data.baselineTraces } : null,
    incident: hasI ? { calls: iCalls, selfMs: iSelf, traces: data.incidentTraces } : null,
  };
}

/** Own time per call of a box in one run: self per trace × traces ÷ calls (NaN when it made no call). */
const perCall = (selfPerTrace: number, calls: number, traces: number) => (calls > 0 ? (selfPerTrace * traces) / calls : NaN);

/** A duration, or '–' when there is none (a box that made no call in that run). */
const msOrDash = (x: number) => (Number.isFinite(x) ? formatMs(x) : '–');

/** A merged box's percentile: ≈ value from summed histograms, a per-path range, or the exact value of one path. */
export function formatPercentile(p: SidePercentiles, which: 'p50' | 'p95'): string {
  if (p.how === 'exact') return formatMs(p[which]);
  if (p.how === 'merged') return `≈ ${formatMs(p[which])}`;
  if (p.how === 'range') {
    const [lo, hi] = (which === 'p50' ? p.p50Range : p.p95Range) ?? [NaN, NaN];
    return formatMs(lo) === formatMs(hi) ? `${formatMs(lo)} per path` : `${formatMs(lo)} – ${formatMs(hi)} per path`;
  }
  return '—';
}

/** One line saying where a merged box's p50/p95 come from (empty when they are one path's own). */
export function percentileNote(m: MergedPercentiles, diff: boolean): string {
  const sides = diff ? [m.baseline, m.incident] : [m.incident];
  const paths = Math.max(...sides.map((s) => s.paths));
  if (sides.some((s) => s.how === 'range')) {
    return `p50 / p95 per call path (${paths} paths): percentiles cannot be added up, and these paths carry no latency histograms to merge.`;
  }
  const merged = sides.filter((s) => s.how === 'merged');
  if (!merged.length) return '';
  const alpha = Math.max(...merged.map((s) => s.alpha ?? 0));
  return `p50 / p95 over all ${paths} call paths' spans, from their summed latency histograms (within ±${Math.round(alpha * 1000) / 10} %).`;
}

/**
 * Fills `box` with the node's title, stats table (both runs in diff data), delta line and source link. `merged`:
 * the box merges several call paths (sandwich); its p50/p95 replace the node's own.
 */
export function renderStats(box: HTMLElement, data: FlameData, i: number, labels: { baseline: string; incident: string }, diagnosis?: Diagnosis | null, merged?: MergedPercentiles, sc: StatsContext = {}): NodeInfo {
  box.replaceChildren();
  const info = nodeInfo(data, i);
  const title = el('div', 'fg-title');
  if (info.service) title.append(el('span', 'fg-service', info.service), el('span', 'fg-sep', ' · '));
  title.append(el('span', 'fg-name', info.name));
  if (info.rootCause) title.append(el('span', 'fg-badge fg-badge-root', 'root cause'));
  else if (info.candidate) title.append(el('span', 'fg-badge', 'candidate'));
  box.append(title);

  const diff = data.kind === 'diff';
  const hasB = !!(data.flags[i]! & FlameFlag.Baseline);
  const hasI = !!(data.flags[i]! & FlameFlag.Incident);
  const table = el('table', 'fg-stats');
  const head = el('tr');
  // the table is one call path's (a sandwich box: its call paths merged); the pane says so, the diagnosis is the whole
  const corner = el('th', 'fg-scope', merged ? 'merged paths' : isAllTraces(info) ? '' : 'this call path');
  corner.title = FIGURES_LEGEND;
  head.append(corner, ...(diff ? [el('th', undefined, labels.baseline), el('th', undefined, labels.incident)] : [el('th', undefined, 'value')]));
  table.append(head);
  const row = (label: string, b: string, inc: string) => {
    const tr = el('tr');
    tr.append(el('th', undefined, label), ...(diff ? [el('td', undefined, hasB ? b : '—'), el('td', undefined, hasI ? inc : '—')] : [el('td', undefined, inc)]));
    table.append(tr);
  };
  // durations of both runs at one precision when both are shown ("3.7 ms → 4.0 ms", not "3.7 ms → 4 ms")
  const msRow = (label: string, b: number, inc: number) => {
    const [fb, fi] = diff && hasB && hasI && Number.isFinite(b) && Number.isFinite(inc) ? formatMsPair(b, inc) : [msOrDash(b), msOrDash(inc)];
    row(label, fb, fi);
  };
  msRow('self / trace', data.bSelf[i]!, data.iSelf[i]!);
  // per call beside per trace: the engine's sentence is per call ("66 ms more of its own time per call")
  if (!isAllTraces(info)) msRow('self / call', perCall(data.bSelf[i]!, data.bCalls[i]!, data.baselineTraces), perCall(data.iSelf[i]!, data.iCalls[i]!, data.incidentTraces));
  row('calls / trace', perTrace(data.bCalls[i]!, data.baselineTraces), perTrace(data.iCalls[i]!, data.incidentTraces));
  row('calls', String(data.bCalls[i]), String(data.iCalls[i]));
  if (merged) {
    row('p50', formatPercentile(merged.baseline, 'p50'), formatPercentile(merged.incident, 'p50'));
    row('p95', formatPercentile(merged.baseline, 'p95'), formatPercentile(merged.incident, 'p95'));
  } else {
    msRow('p50', data.bP50[i]!, data.iP50[i]!);
    msRow('p95', data.bP95[i]!, data.iP95[i]!);
  }
  msRow('total / trace', data.bTotal[i]!, data.iTotal[i]!);
  row('errors', String(data.bErrors[i]), String(data.iErrors[i]));
  box.append(table);
  if (data.flags[i]! & FlameFlag.WaitsOnTwin) {
    box.append(
      el('div', 'fg-note fg-twin-note', 'Waits on the sibling of its service that does the work (async frameworks record the handler next to the call it awaits, not above it): that time is not counted as its own.'),
    );
  }
  const note = merged ? percentileNote(merged, diff) : '';
  if (note) box.append(el('div', 'fg-note fg-pct-note', note));

  if (diff && isAllTraces(info)) {
    // no own time to test (its self-time test read "confidence 0%" on a run the engine found slower): the end-to-end
    // change and the engine's verdict on it
    const r = diagnosis?.regression;
    const verdict = !r ? '' : r.slower || r.errorsUp ? ` · the engine: ${[r.slower ? 'slower' : '', r.errorsUp ? 'failing more' : ''].filter(Boolean).join(' and ')} beyond noise` : ' · the engine: not slower beyond noise';
    box.append(el('div', 'fg-delta', `Δ total ${formatDelta(data.deltaTotal[i]!)} per trace${verdict}`));
  } else if (diff) {
    const delta = el('div', 'fg-delta');
    const ds = data.deltaSelf[i]!;
    const dsSpan = el('span', ds > 0 ? 'fg-slower' : ds < 0 ? 'fg-faster' : '', `Δ self ${formatDelta(ds)} per trace`);
    // a candidate's own confidence (the number the diagnosis, hover and report show), else the node test's
    const cand = diagnosis && [...(diagnosis.rootCause ? [diagnosis.rootCause] : []), ...diagnosis.candidates].find((c) => c.service === info.service && c.name === info.name);
    const conf = cand && (info.rootCause || info.candidate) ? cand.confidence : data.significance[i]!;
    delta.append(dsSpan, el('span', undefined, ` · Δ total ${formatDelta(data.deltaTotal[i]!)} · ${formatConfidence(conf)}`));
    if (!hasB) delta.append(el('span', 'fg-note', ' · new in incident'));
    const tree = merged ? null : sc.tree;
    const gone = tree ? goneText(data, tree, i) : null;
    if (!hasI && !gone) delta.append(el('span', 'fg-note', ' · only in baseline'));
    box.append(delta);
    // work the incident no longer does: drawn hatched at its baseline width; say so in words (and to screen readers)
    if (gone) box.append(el('div', 'fg-note fg-gone', gone));
    // calls made fewer times: the baseline time of those no longer made, hatched after the box
    const partly = tree ? partlyGoneText(data, i, !sc.mode || sc.mode === 'diff') : null;
    if (partly) box.append(el('div', 'fg-note fg-partly', partly));
    // a caller's own time that is the wait for a callee (the engine's waitsOn): why this box is red, the gap before →
    // after, and the callee's box to go to; a box of that operation that does not call the callee gets the general line
    const wf = tree ? waitsFor(data, tree, diagnosis, i) : null;
    if (wf) {
      const line = el('div', 'fg-note fg-waits', wf.text);
      if (sc.reveal) {
        const c = nodeInfo(data, wf.child);
        const b = el('button', 'fg-op-link fg-waits-link', `Select ${c.service} · ${c.name}`);
        b.type = 'button';
        b.title = `Select the box of ${c.service} this call waits for`;
        b.addEventListener('click', () => sc.reveal!(wf.child));
        line.append(el('span', undefined, ' '), b);
      }
      box.append(line);
    }
    // the operation over all its call paths, and how the diagnosis' effect relates to this box (issue 11 walkthrough:
    // "+81 ms per trace" in the answer, "Δ self +73 ms" here, "66 ms per call" in the sentence — which is which)
    const sums = merged ? null : operationPathSums(data, i);
    const all = sums ? allPathsLine(info.name, sums) : null;
    if (all) box.append(el('div', 'fg-note fg-op-paths', all + '.'));
    const mine = cand && (info.rootCause || info.candidate);
    // (an effect outside its own time is said by the line below instead: "in the wait before its spans start")
    const rel = mine && sums && !effectOutsideSelf(cand, ds) ? effectVsPathLine(cand.impactMs, info.rootCause ? countFlag(data, info, FlameFlag.RootCause) : null, ds) : null;
    if (rel) {
      const r = el('div', 'fg-note fg-effect-rel', rel);
      r.title = FIGURES_LEGEND;
      box.append(r);
    }
    // the answer's "+406 ms per trace" is not in this box when callers wait before its spans start: say where it is
    const outside = cand && (info.rootCause || info.candidate) ? effectOutsideSelf(cand, ds) : null;
    if (outside) box.append(el('div', 'fg-note fg-effect', outside[0]!.toUpperCase() + outside.slice(1) + '.'));
    const waits = !wf && cand && info.candidate ? waitsOnText(cand) : null;
    if (waits) box.append(el('div', 'fg-note fg-effect', waits[0]!.toUpperCase() + waits.slice(1) + '.'));
    // calls below this box that are gone in the incident: a stopped-work finding's box names them (with links in the
    // detail pane); any other box only counts them (single gone call paths are often a handful of sampled calls)
    const below = tree && !gone && !isAllTraces(info) ? goneRootsUnder(data, tree, i) : [];
    if (below.length && cand?.kind === 'stopped_work' && (info.rootCause || info.candidate)) {
      box.append(linkedList(sc, below, 'fg-note fg-gone-below', 'fg-op-link fg-gone-link', `Gone in the incident below it (hatched${sc.mode && sc.mode !== 'diff' ? ' in Diff mode' : ''}):`, (g) => goneListItem(data, g)));
    } else if (below.length) {
      box.append(el('div', 'fg-note fg-gone-below', `${below.length} ${below.length === 1 ? 'call below it is' : 'calls below it are'} gone in the incident (hatched${sc.mode && sc.mode !== 'diff' ? ' in Diff mode' : ''}).`));
    }
    // and the calls below it made fewer times (their remainders): a stopped-work finding's box names them with links,
    // any other box counts them
    const fewer = tree && !gone && !isAllTraces(info) ? partlyGoneUnder(data, tree, i) : [];
    if (fewer.length && cand?.kind === 'stopped_work' && (info.rootCause || info.candidate)) {
      box.append(linkedList(sc, fewer, 'fg-note fg-gone-below fg-partly-below', 'fg-op-link fg-gone-link fg-partly-link', `Made fewer times below it (a hatched remainder after the box${sc.mode && sc.mode !== 'diff' ? ', in Diff mode' : ''}):`, (g) => partlyGoneListItem(data, g)));
    } else if (fewer.length) {
      box.append(
        el('div', 'fg-note fg-gone-below fg-partly-below', `${fewer.length} ${fewer.length === 1 ? 'call below it is' : 'calls below it are'} made fewer times in the incident (a hatched remainder after the box${sc.mode && sc.mode !== 'diff' ? ', in Diff mode' : ''}).`),
      );
    }
  }
  if (!diff && !merged && !isAllTraces(info)) {
    // one run: the operation over all its call paths too (the table is this path's)
    const all = allPathsLine(info.name, operationPathSums(data, i), true);
    if (all) box.append(el('div', 'fg-note fg-op-paths', all + '.'));
  }
  if (info.source) box.append(el('div', 'fg-source', `${info.source.file}:${info.source.line}`));
  return info;
}

/**
 * A list of up to `max` boxes, each a link that selects the box in the flame graph (a plain name where the host cannot
 * reveal one), and "and N more".
 */
export function boxLinks(items: number[], o: { max: number; cls: string; title: string; text: (g: number) => string; reveal?: (g: number) => void }): HTMLUListElement {
  const ul = el('ul', 'fg-gone-list');
  for (const g of items.slice(0, o.max)) {
    const li = el('li');
    if (o.reveal) {
      const reveal = o.reveal;
      const b = el('button', o.cls, o.text(g));
      b.type = 'button';
      b.title = o.title;
      b.addEventListener('click', () => reveal(g));
      li.append(b);
    } else li.append(el('span', undefined, o.text(g)));
    ul.append(li);
  }
  if (items.length > o.max) ul.append(el('li', undefined, `and ${items.length - o.max} more`));
  return ul;
}

/** A note with a heading and up to four boxes named below it (boxLinks). */
function linkedList(sc: StatsContext, items: number[], cls: string, linkCls: string, head: string, text: (g: number) => string): HTMLElement {
  const list = el('div', cls);
  list.append(el('span', undefined, head), boxLinks(items, { max: 4, cls: linkCls, title: 'Select it in the flame graph', text, ...(sc.reveal ? { reveal: sc.reveal } : {}) }));
  return list;
}

/** Boxes of node info's operation that carry `flag` (the call paths the root cause covers). */
function countFlag(data: FlameData, info: NodeInfo, flag: number): number {
  let n = 0;
  for (let k = 0; k < data.n; k++) if (data.flags[k]! & flag && data.strings[data.service[k]!] === info.service && data.strings[data.name[k]!] === info.name) n++;
  return n;
}
