/**
 * The "Exemplar traces" section under the flame graph: for the selected box (the root cause by default), the slowest
 * incident traces through its call path and typical baseline traces of the same entry point; a chosen pair is drawn
 * as waterfalls (./waterfall.ts). Lists come from the host on request (`exemplarsRequest` → `exemplars`), traces one at
 * a time (`traceRequest` → `trace`); in the standalone report the same requests are answered from the embedded
 * bundle ({@link embeddedResponder}).
 */
import { formatMs } from '../../src/core/diff/flame-layout';
import {
  isExemplars,
  isSpanMessage,
  isTraceMessage,
  pathKey,
  type CallPathSegment,
  type ExemplarBundle,
  type ExemplarList,
  type ExemplarRef,
  type ExemplarSide,
  type ExemplarToHostMessage,
  type HostToExemplarMessage,
  type SpanDetail,
  type WaterfallTrace,
} from '../../src/protocol/exemplars';
import type { FlameData, FlameToHostMessage } from '../../src/protocol/messages';
import { el } from './details';
import type { Theme } from './theme';
import { Waterfall, type SpanPick } from './waterfall';

export interface ExemplarPanelOptions {
  standalone: boolean;
  post(m: ExemplarToHostMessage | FlameToHostMessage): void;
  theme(): Theme;
}

const CACHE = 8;

export class ExemplarPanel {
  readonly element = el('section', 'fg-exemplars');
  private readonly head = el('div', 'fg-ex-head');
  private readonly lists = el('div', 'fg-ex-lists');
  private readonly incList = el('div', 'fg-ex-list');
  private readonly baseList = el('div', 'fg-ex-list');
  private readonly note = el('div', 'fg-ex-note');
  private readonly detail = el('div', 'fg-ex-detail');
  private readonly spanBox = el('div', 'fg-ex-span');
  readonly waterfall: Waterfall;
  private data: FlameData | null = null;
  private path: CallPathSegment[] = [];
  /** the synthetic root is selected (see select) */
  private wholeRun = false;
  private list: ExemplarList | null = null;
  private chosen: Record<ExemplarSide, string | null> = { incident: null, baseline: null };
  private traces = new Map<string, WaterfallTrace>();
  private pendingTimer: ReturnType<typeof setTimeout> | undefined;
  private sources = new Map<string, { file: string; line: number }>();
  /** messages sent, newest last (test hook) */
  readonly requests: string[] = [];
  lastPick: (SpanPick & { source?: { file: string; line: number } }) | null = null;

  constructor(private readonly opts: ExemplarPanelOptions) {
    this.waterfall = new Waterfall({ onPick: (p) => this.onPick(p), theme: opts.theme });
    this.element.setAttribute('aria-label', 'Exemplar traces');
    this.incList.dataset.side = 'incident';
    this.baseList.dataset.side = 'baseline';
    this.lists.append(this.incList, this.baseList);
    this.detail.setAttribute('aria-live', 'polite');
    this.element.append(this.head, this.note, this.lists, this.waterfall.element, this.detail, this.spanBox);
    this.element.hidden = true;
  }

  /** New flame data: forget everything (a new load). */
  setData(data: FlameData | null): void {
    this.data = data;
    this.path = [];
    this.wholeRun = false;
    this.list = null;
    this.chosen = { incident: null, baseline: null };
    this.traces.clear();
    this.sources.clear();
    if (data) {
      for (let i = 0; i < data.n; i++) {
        const f = data.srcFile[i]!;
        if (f < 0 || !(data.srcLine[i]! > 0)) continue;
        const key = `${data.strings[data.service[i]!]}\u0000${data.strings[data.name[i]!]}`;
        if (!this.sources.has(key)) this.sources.set(key, { file: data.strings[f] ?? '', line: data.srcLine[i]! });
      }
    }
    this.element.hidden = !data;
    this.waterfall.setTrace('incident', null);
    this.waterfall.setTrace('baseline', null);
    this.renderLists();
  }

  /**
   * The flame graph's selection changed (node path from the root, without the synthetic root). `wholeRun`: the
   * synthetic root ("all traces") is selected — an empty path too, but its empty state says why there is no list.
   */
  select(path: CallPathSegment[], wholeRun = false): void {
    if (!this.data) return;
    if (pathKey(path) === pathKey(this.path) && (path.length > 0 || wholeRun === this.wholeRun)) return;
    this.wholeRun = path.length === 0 && wholeRun;
    this.path = path;
    this.waterfall.setPath(path);
    clearTimeout(this.pendingTimer);
    if (path.length === 0) {
      this.list = null;
      this.chosen = { incident: null, baseline: null };
      this.waterfall.setTrace('incident', null);
      this.waterfall.setTrace('baseline', null);
      this.renderLists(this.wholeRun ? '"all traces" is every trace, not an operation: select a box below it to see the traces through that operation.' : 'Select an operation in the flame graph to see traces through it.');
      return;
    }
    this.renderLists('Looking for traces…');
    // debounced: arrow-key navigation through the graph should not fire one request per box
    this.pendingTimer = setTimeout(() => this.send({ type: 'exemplarsRequest', path }), 120);
  }

  /** Handles exemplar messages; returns false for anything else. */
  onMessage(m: unknown): boolean {
    if (isExemplars(m)) {
      if (pathKey(m.path) !== pathKey(this.path)) return true; // an answer to an older selection
      this.list = m.list;
      if (!m.list) {
        this.renderLists(m.error ?? 'No exemplar traces.');
        this.waterfall.setTrace('incident', null);
        this.waterfall.setTrace('baseline', null);
        return true;
      }
      this.chosen = { incident: m.list.incident[0]?.traceId ?? null, baseline: m.list.baseline[0]?.traceId ?? null };
      this.renderLists();
      this.load('incident');
      this.load('baseline');
      return true;
    }
    if (isSpanMessage(m)) {
      const p = this.lastPick;
      if (p && p.side === m.side && p.index === m.index && this.chosen[m.side] === m.traceId) this.renderSpan(m.detail, m.error);
      return true;
    }
    if (isTraceMessage(m)) {
      if (m.trace) this.remember(m.trace);
      if (this.chosen[m.side] === m.traceId) this.waterfall.setTrace(m.side, m.trace, m.error ?? '');
      return true;
    }
    return false;
  }

  private send(m: ExemplarToHostMessage): void {
    this.requests.push(
      m.type === 'traceRequest' ? `trace:${m.side}:${m.traceId}` : m.type === 'spanRequest' ? `span:${m.side}:${m.traceId}:${m.index}` : `exemplars:${pathKey(m.path)}`,
    );
    if (this.requests.length > 50) this.requests.shift();
    this.opts.post(m);
  }

  private remember(t: WaterfallTrace): void {
    const key = `${t.side}\u0000${t.traceId}`;
    this.traces.delete(key);
    this.traces.set(key, t);
    while (this.traces.size > CACHE) this.traces.delete(this.traces.keys().next().value!);
  }

  private load(side: ExemplarSide): void {
    const id = this.chosen[side];
    if (!id) {
      const msg =
        side === 'baseline'
          ? this.list && !this.list.hasBaseline
            ? ''
            : 'no baseline trace of this entry point'
          : 'no incident trace goes through this operation';
      this.waterfall.setTrace(side, null, msg);
      return;
    }
    const cached = this.traces.get(`${side}\u0000${id}`);
    if (cached) {
      this.waterfall.setTrace(side, cached);
      return;
    }
    this.waterfall.setTrace(side, null, 'loading…');
    this.send({ type: 'traceRequest', side, traceId: id, path: this.path });
  }

  choose(side: ExemplarSide, traceId: string): void {
    if (this.chosen[side] === traceId) return;
    this.chosen[side] = traceId;
    this.renderLists();
    this.load(side);
  }

  // -------------------------------------------------------------------------------------------------------------
  // DOM

  private renderLists(message?: string): void {
    const last = this.path[this.path.length - 1];
    this.head.replaceChildren(el('strong', undefined, 'Exemplar traces'));
    if (last) this.head.append(el('span', 'fg-sep', ' · '), el('span', 'fg-service', last.service), el('span', 'fg-sep', ' · '), el('span', 'fg-name', last.name));
    this.head.append(el('span', 'fg-hint', 'click a trace to show it · click a span for its source line · Ctrl+wheel on the bars zooms time'));
    const l = this.list;
    this.note.textContent = message ?? l?.note ?? '';
    this.note.hidden = !this.note.textContent;
    if (!l || message) {
      this.incList.replaceChildren();
      this.baseList.replaceChildren();
      this.lists.hidden = true;
      return;
    }
    this.lists.hidden = false;
    const entry = l.path[0]!;
    this.fillList(this.incList, 'incident', `Slowest incident traces through it (${l.incident.length} of ${l.incidentMatches})`, l.incident);
    this.baseList.hidden = !l.hasBaseline;
    if (l.hasBaseline)
      this.fillList(this.baseList, 'baseline', `Typical baseline traces of ${entry.service} · ${entry.name} (median of ${l.baselineEntryTraces})`, l.baseline);
  }

  private fillList(box: HTMLElement, side: ExemplarSide, title: string, refs: ExemplarRef[]): void {
    box.replaceChildren(el('div', 'fg-ex-title', title));
    if (refs.length === 0) {
      box.append(el('div', 'fg-note', 'none'));
      return;
    }
    const table = el('table', 'fg-ex-table');
    const head = el('tr');
    for (const h of ['', 'trace', 'end to end', 'in this op', 'spans', '']) head.append(el('th', undefined, h));
    table.append(head);
    for (const r of refs) {
      const tr = el('tr', 'fg-ex-row');
      tr.tabIndex = 0;
      tr.dataset.side = side;
      tr.dataset.trace = r.traceId;
      if (this.chosen[side] === r.traceId) tr.setAttribute('aria-selected', 'true');
      const id = el('td', 'fg-ex-id');
      id.append(el('code', undefined, r.traceId.length > 16 ? `${r.traceId.slice(0, 16)}…` : r.traceId));
      id.title = r.traceId;
      tr.append(
        el('td', 'fg-ex-label', r.label),
        id,
        el('td', 'fg-num', formatMs(r.latencyMs)),
        el('td', 'fg-num', r.calls ? `${formatMs(r.nodeMs)}${r.calls > 1 ? ` (${r.calls}×)` : ''}` : '—'),
        el('td', 'fg-num', r.spans.toLocaleString('en-US')),
        el('td', undefined, r.error ? 'error' : ''),
      );
      tr.addEventListener('click', () => this.choose(side, r.traceId));
      tr.addEventListener('keydown', (e) => {
        if (e.key === 'Enter' || e.key === ' ') {
          e.preventDefault();
          this.choose(side, r.traceId);
        }
      });
      table.append(tr);
    }
    box.append(table);
  }

  private onPick(p: SpanPick): void {
    const source = this.sources.get(`${p.service}\u0000${p.name}`);
    this.lastPick = { ...p, ...(source ? { source } : {}) };
    this.detail.replaceChildren();
    const title = el('span', 'fg-title');
    title.append(el('span', 'fg-service', p.service), el('span', 'fg-sep', ' · '), el('span', 'fg-name', p.name));
    this.detail.append(title, el('span', 'fg-ex-facts', this.waterfall.describe(p.side, p.index).join(' · ')));
    if (source) this.detail.append(el('code', 'fg-ex-source', `${source.file}:${source.line}`));
    else this.detail.append(el('span', 'fg-note', 'no source line known for this operation'));
    // the span's attributes and events, on request
    const traceId = this.chosen[p.side];
    this.spanBox.replaceChildren();
    if (traceId) this.send({ type: 'spanRequest', side: p.side, traceId, index: p.index });
    // VS Code: go to the line (the host resolves the operation itself when no link is known)
    if (!this.opts.standalone) this.opts.post({ type: 'openSource', service: p.service, name: p.name, ...(source ? { source } : {}) });
  }

  private renderSpan(d: SpanDetail | null, error?: string): void {
    this.spanBox.replaceChildren();
    if (!d) {
      if (error) this.spanBox.append(el('span', 'fg-note', error));
      return;
    }
    const table = el('table', 'fg-ex-attrs');
    const row = (k: string, v: string, cls?: string) => {
      const tr = el('tr', cls);
      tr.append(el('th', undefined, k), el('td', undefined, v));
      table.append(tr);
    };
    row('span id', d.spanId);
    if (d.parentSpanId) row('parent', d.parentSpanId);
    row('status', d.statusMessage ? `${d.status}: ${d.statusMessage}` : d.status, d.status === 'error' ? 'fg-slower' : undefined);
    for (const [k, v] of d.attributes) row(k, v);
    for (const [k, v] of d.resource) row(k, v, 'fg-ex-resource');
    for (const e of d.events) row(`event ${e.timeMs >= 0 ? `@ ${formatMs(e.timeMs)}` : ''}`, [e.name, ...e.attributes.map(([k, v]) => `${k}=${v}`)].join(' · '));
    if (d.omitted) row('…', `${d.omitted} more left out`);
    this.spanBox.append(table);
  }

  setTheme(t: Theme): void {
    this.waterfall.setTheme(t);
  }

  testHook() {
    const wf = this.waterfall.testHook();
    return {
      ...wf,
      path: () => this.path.map((s) => ({ ...s })),
      list: () => this.list,
      chosen: () => ({ ...this.chosen }),
      choose: (side: ExemplarSide, id: string) => this.choose(side, id),
      requests: () => [...this.requests],
      lastPick: () => this.lastPick,
      detailText: () => this.detail.textContent ?? '',
      spanText: () => this.spanBox.textContent ?? '',
    };
  }
}

/**
 * Standalone report: answers the panel's requests from the embedded bundle (asynchronously, like a host would).
 * Lists exist only for the call paths the report embedded (the root cause and the top candidates).
 */
export function embeddedResponder(bundle: ExemplarBundle | null, deliver: (m: HostToExemplarMessage) => void): (m: ExemplarToHostMessage) => void {
  const lists = new Map<string, ExemplarList>();
  const traces = new Map<string, WaterfallTrace>();
  for (const l of bundle?.lists ?? []) lists.set(pathKey(l.path), l);
  for (const t of bundle?.traces ?? []) traces.set(`${t.side}\u0000${t.traceId}`, t);
  const details = new Map<string, SpanDetail>();
  for (const d of bundle?.details ?? []) details.set(`${d.side}\u0000${d.traceId}\u0000${d.index}`, d.detail);
  return (m) => {
    queueMicrotask(() => {
      if (m.type === 'exemplarsRequest') {
        const list = lists.get(pathKey(m.path)) ?? null;
        deliver({
          type: 'exemplars',
          path: m.path,
          list,
          ...(list ? {} : { error: bundle?.note ?? 'This report embeds exemplar traces for the root cause and the top candidates only; select one of them (or open the traces in VS Code).' }),
        });
      } else if (m.type === 'spanRequest') {
        const d = details.get(`${m.side}\u0000${m.traceId}\u0000${m.index}`) ?? null;
        deliver({ type: 'span', side: m.side, traceId: m.traceId, index: m.index, detail: d, ...(d ? {} : { error: 'Span attributes are embedded only for the spans of the selected operation; open the traces in VS Code for every span.' }) });
      } else {
        const t = traces.get(`${m.side}\u0000${m.traceId}`) ?? null;
        deliver({ type: 'trace', side: m.side, traceId: m.traceId, trace: t, ...(t ? {} : { error: 'this trace is not embedded in the report' }) });
      }
    });
  };
}
