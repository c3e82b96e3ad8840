/**
 * Differential flame graph webview: toolbar (mode, search, reset), breadcrumb, a canvas icicle with tooltip, and a
 * detail pane. Talks to the VS Code host through src/protocol/messages.ts, or runs standalone in the HTML report
 * with the data embedded as JSON.
 */
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import '@vscode-elements/elements/dist/vscode-radio-group/index.js';
import '@vscode-elements/elements/dist/vscode-radio/index.js';
import { select, type Selection } from 'd3-selection';
import { zoom as d3zoom, zoomIdentity, type D3ZoomEvent, type ZoomBehavior, type ZoomTransform } from 'd3-zoom';
import { aggToFlameData, toFlameData } from '../../src/core/diff/flame-data';
import {
  ancestry,
  buildFlameTree,
  diffScale,
  findOperation,
  findPath,
  formatDelta,
  formatMs,
  fullView,
  hitTest,
  navigate,
  nodePath,
  rootCauseNodes,
  searchMatches,
  zoomView,
  rgbCss,
  type FlameTree,
  type NavDirection,
  type RGB,
  type View,
} from '../../src/core/diff/flame-layout';
import type { AggTree } from '../../src/core/aggregate/types';
import { candidateNote, changedRequestLines, changedRequestsHeading, summaryNote } from './answer-text';
import { FIGURES_LEGEND } from '../../src/core/format/figures';
import type { DiffTree } from '../../src/core/diff/types';
import type { Diagnosis } from '../../src/core/rca/diagnosis';
import {
  FlameFlag,
  isFlameMode,
  isFocusNode,
  isSetData,
  isSetMode,
  isSetTheme,
  type FlameData,
  type FlameMode,
  type FlameToHostMessage,
  type FlameViewState,
  type SetDataMessage,
} from '../../src/protocol/messages';
import { boxLinks, el, formatPercentile, isAllTraces, nodeInfo, renderStats } from './details';
import { countGoneRoots, countPartlyGone, goneListItem, goneRootsUnder, isGone, partlyGoneListItem, partlyGoneMs, partlyGoneUnder } from '../../src/core/diff/flame-gone';
import { minimapKey, minimapValueText, navigateSandwich, normalizePos, sandwichRow, viewToShow, type MinimapState, type SandwichPos } from '../../src/core/diff/flame-keys';
import { connectHost, type FlameHost } from './host';
import { Minimap } from './minimap';
import { FlameRenderer, ROW_HEIGHT } from './renderer';
import { SandwichView, type SandwichHit } from './sandwich';
import { readTheme } from './theme';
import { embeddedResponder, ExemplarPanel } from './exemplars';
import type { ExemplarToHostMessage } from '../../src/protocol/exemplars';

type RadioLike = HTMLElement & { checked: boolean; value: string };
type TextFieldLike = HTMLElement & { value: string };
type ButtonLike = HTMLElement & { disabled: boolean };

const MAX_ZOOM = 1e9;
const CANVAS_LABEL = 'Flame graph. Arrow keys move between operations, Enter zooms, Escape resets, S opens the sandwich.';
const SANDWICH_LABEL =
  'Sandwich view: callers above, callees below the operation. Arrow keys move between boxes, Enter shows the sandwich of the focused operation, Shift+Enter goes to its source, Home shows the whole width, Escape returns to the flame graph.';

/** The canvas' accessible text: what the keys do, and in Diff mode with gone work, how that work is drawn. */
function canvasLabel(gone: number, partly = 0): string {
  let s = CANVAS_LABEL;
  if (gone > 0) s += ` ${gone} ${gone === 1 ? 'call that the incident no longer makes is' : 'calls that the incident no longer makes are'} drawn hatched after their callers' other calls, as wide as their baseline time; select one to read "gone in the incident".`;
  if (partly > 0) s += ` ${partly} ${partly === 1 ? 'call made fewer times in the incident has' : 'calls made fewer times in the incident have'} a hatched remainder after the box, as wide as the baseline time of the calls no longer made; select the box to read "made fewer times".`;
  return s;
}

/** Below this width (CSS px, whole graph) the root cause's box has no room for its badge and label. */
const NARROW_ROOT_PX = 96;
/** a search match narrower than this (px) is zoomed to by Enter in the search box, so its outline can be seen */
const MATCH_MIN_PX = 24;

class FlameApp {
  private data: FlameData | null = null;
  private tree: FlameTree | null = null;
  private renderer: FlameRenderer | null = null;
  private diagnosis: Diagnosis | null = null;
  private labels = { baseline: 'baseline', incident: 'incident' };
  private mode: FlameMode = 'diff';
  private view: View = fullView();
  private zoomNode = 0;
  private selected = -1;
  private hovered = -1;
  private query = '';
  private matches: Uint8Array | null = null;
  private matchCount = 0;
  private matchCursor = -1;
  private frameRequested = false;
  private syncingZoom = false;
  private saveTimer: ReturnType<typeof setTimeout> | undefined;
  private searchTimer: ReturnType<typeof setTimeout> | undefined;
  private width = 0;
  private height = 0;
  private dpr = 1;
  /** render time (ms) and rects drawn of each frame, for the benchmark */
  readonly frameTimes: number[] = [];
  readonly rectCounts: number[] = [];
  firstPaintMs = -1;
  /** performance.now() of the setData whose first frame is still to be reported to the host, or −1 */
  private paintReportFrom = -1;
  private paintWaiters: Array<() => void> = [];

  // DOM
  private readonly root: HTMLElement;
  private readonly summary = el('div', 'fg-summary');
  private readonly toolbar = el('div', 'fg-toolbar');
  private readonly modeGroup = document.createElement('vscode-radio-group');
  private readonly radios = new Map<FlameMode, RadioLike>();
  private readonly searchField = document.createElement('vscode-textfield') as TextFieldLike;
  private readonly matchInfo = el('span', 'fg-match-info');
  private readonly resetButton = document.createElement('vscode-button') as ButtonLike;
  private readonly legend = el('span', 'fg-legend');
  private readonly breadcrumb = el('nav', 'fg-breadcrumb');
  /** the graph box: its height follows the rows (sizeGraph), the rest of the panel goes to the answer below */
  private readonly graph = el('div', 'fg-main');
  /** everything below the graph: the selected operation, the diagnosis, and a slot for other sections */
  private readonly answer = el('div', 'fg-answer');
  private readonly diagBox = el('section', 'fg-diagnosis');
  /**
   * An empty region below the detail and diagnosis, spanning the answer area's width, for a section that follows the
   * selection (exemplar-trace waterfalls). Listen for the `fg-select` event on the app root for the selected node.
   */
  readonly extraSlot = el('section', 'fg-extra');
  readonly scroller = el('div', 'fg-scroll');
  private readonly canvas = el('canvas', 'fg-canvas');
  private readonly spacer = el('div', 'fg-spacer');
  private readonly tooltip = el('div', 'fg-tooltip');
  private readonly detail = el('section', 'fg-detail');
  private readonly detailStats = el('div', 'fg-detail-stats');
  private readonly sourceButton = document.createElement('vscode-button') as ButtonLike;
  private readonly chatButton = document.createElement('vscode-button') as ButtonLike;
  private readonly zoomButton = document.createElement('vscode-button') as ButtonLike;
  private readonly status = el('span', 'fg-status');
  private readonly empty = el('div', 'fg-empty', 'No traces loaded.');
  private readonly sandwichButton = document.createElement('vscode-button') as ButtonLike;
  /** the sandwich of the selected operation, when that view is on */
  private sandwich: SandwichView | null = null;
  private sandwichHover: SandwichHit | null = null;
  /** the sandwich box the keyboard is on (the middle row = callees 0) */
  sandwichFocus: SandwichPos | null = null;
  private readonly minimap = new Minimap((x, y) => this.minimapNavigate(x, y), (e) => this.onMinimapKey(e));
  private themeVersion = 0;
  private readonly ctx: CanvasRenderingContext2D;
  private zoomBehavior!: ZoomBehavior<HTMLCanvasElement, unknown>;
  private canvasSel!: Selection<HTMLCanvasElement, unknown, null, undefined>;

  constructor(private readonly host: FlameHost) {
    this.root = document.getElementById('app') ?? document.body;
    const ctx = this.canvas.getContext('2d', { alpha: false });
    if (!ctx) throw new Error('canvas 2D context unavailable');
    this.ctx = ctx;
    this.buildDom();
    this.bindEvents();
    // exemplar traces (waterfalls) under the graph: own module, fed the selection's call path; it lives in the answer
    // area's full-width slot below the selected operation and the diagnosis (scrolls with them)
    this.exemplars = new ExemplarPanel({ standalone: host.standalone, post: (m) => host.post(m), theme: () => readTheme() });
    this.extraSlot.append(this.exemplars.element);
    this.extraSlot.hidden = false;
  }
  readonly exemplars: ExemplarPanel;

  /** Tell the exemplar panel which call path is selected. */
  private syncExemplars(): void {
    if (!this.tree || !this.data) return this.exemplars.select([]);
    const path = this.selected > 0 ? nodePath(this.tree, this.data, this.selected) : [];
    this.exemplars.select(
      path.map((seg) => {
        const cut = seg.indexOf('\u0000');
        return { service: seg.slice(0, cut), name: seg.slice(cut + 1) };
      }),
      this.selected === 0,
    );
  }

  // ---------------------------------------------------------------------------------------------------------------
  // DOM

  private buildDom(): void {
    this.root.classList.add('fg-app');
    this.modeGroup.setAttribute('aria-label', 'Flame graph mode');
    for (const [mode, label] of [
      ['diff', 'Diff'],
      ['baseline', 'Baseline'],
      ['incident', 'Incident'],
    ] as const) {
      const r = document.createElement('vscode-radio') as RadioLike;
      r.setAttribute('name', 'fg-mode');
      r.setAttribute('value', mode);
      r.setAttribute('label', label);
      r.textContent = label;
      r.dataset.mode = mode;
      this.radios.set(mode, r);
      this.modeGroup.append(r);
    }
    this.searchField.setAttribute('placeholder', 'Search operations (/)');
    this.searchField.setAttribute('aria-label', 'Search operations');
    this.searchField.classList.add('fg-search');
    this.resetButton.textContent = 'Reset zoom';
    this.resetButton.setAttribute('secondary', '');
    this.resetButton.classList.add('fg-reset');
    this.sandwichButton.textContent = 'Sandwich';
    this.sandwichButton.setAttribute('secondary', '');
    this.sandwichButton.classList.add('fg-sandwich-toggle');
    this.sandwichButton.title = 'Callers above and callees below the selected operation, merged over all its call paths (S)';
    this.sandwichButton.setAttribute('aria-pressed', 'false');
    this.toolbar.append(this.modeGroup, this.searchField, this.matchInfo, this.resetButton, this.sandwichButton, this.legend);
    this.toolbar.setAttribute('role', 'toolbar');

    this.breadcrumb.setAttribute('aria-label', 'Zoom path');
    this.canvas.tabIndex = 0;
    this.canvas.setAttribute('role', 'img');
    this.canvas.setAttribute('aria-label', CANVAS_LABEL);
    this.scroller.append(this.canvas, this.spacer);
    this.tooltip.hidden = true;
    this.tooltip.setAttribute('role', 'tooltip');

    this.zoomButton.textContent = 'Zoom';
    this.zoomButton.setAttribute('secondary', '');
    this.sourceButton.textContent = this.host.standalone ? 'Copy source location' : 'Go to source';
    this.sourceButton.classList.add('fg-go-source');
    this.chatButton.textContent = 'Ask in chat';
    this.chatButton.setAttribute('secondary', '');
    this.chatButton.hidden = this.host.standalone;
    const actions = el('div', 'fg-actions');
    actions.append(this.zoomButton, this.sourceButton, this.chatButton, this.status);
    this.detail.append(this.detailStats, actions);
    this.detail.setAttribute('aria-live', 'polite');

    this.graph.append(this.scroller, this.tooltip);
    this.diagBox.setAttribute('aria-label', 'Diagnosis');
    this.extraSlot.dataset.slot = 'waterfall';
    this.extraSlot.hidden = true;
    this.answer.append(this.detail, this.diagBox, this.extraSlot);
    this.root.replaceChildren(this.summary, this.toolbar, this.breadcrumb, this.graph, this.minimap.box, this.empty, this.answer);
    this.showEmpty(true);
  }

  private bindEvents(): void {
    this.modeGroup.addEventListener('change', () => {
      for (const [mode, r] of this.radios) if (r.checked && mode !== this.mode) this.setMode(mode);
    });
    this.searchField.addEventListener('input', () => {
      clearTimeout(this.searchTimer);
      this.searchTimer = setTimeout(() => this.search(this.searchField.value), 80);
    });
    this.searchField.addEventListener('keydown', (e) => {
      if (e.key === 'Enter') {
        e.preventDefault();
        this.search(this.searchField.value);
        this.nextMatch(e.shiftKey ? -1 : 1);
      } else if (e.key === 'Escape') {
        e.preventDefault();
        clearTimeout(this.searchTimer);
        this.search('');
        // Move the focus only once the field has rendered the empty value: blurring it earlier fires `change`, and the
        // field reads its old text back from its inner <input> (issue 13 item 5: the text stayed).
        void Promise.resolve((this.searchField as TextFieldLike & { updateComplete?: Promise<unknown> }).updateComplete).then(() => this.canvas.focus());
      }
    });
    this.resetButton.addEventListener('click', () => (this.sandwich ? this.setView(fullView()) : this.zoomTo(0)));
    this.sandwichButton.addEventListener('click', () => (this.sandwich ? this.closeSandwich() : this.openSandwich(this.selected >= 0 ? this.selected : this.zoomNode)));
    this.zoomButton.addEventListener('click', () => {
      const f = this.focusedSandwichBox();
      if (f) this.sandwichClick(f);
      else if (this.selected >= 0) this.zoomTo(this.selected);
    });
    this.sourceButton.addEventListener('click', () => {
      const f = this.focusedSandwichBox();
      if (f) this.openSourceOf(f.data, f.id);
      else this.openSource(this.selected);
    });
    this.chatButton.addEventListener('click', () => {
      const f = this.focusedSandwichBox();
      const target = f ?? (this.data && this.selected >= 0 ? { data: this.data, id: this.selected } : null);
      if (!target) return;
      const info = nodeInfo(target.data, target.id);
      this.host.post({ type: 'askInChat', service: info.service, name: info.name });
    });

    this.canvas.addEventListener('mousemove', (e) => this.onHover(e));
    this.canvas.addEventListener('mouseleave', () => {
      this.tooltip.hidden = true;
      if (this.hovered !== -1) {
        this.hovered = -1;
        this.schedule();
      }
    });
    // A double-click acts on the box its first click selected: that click zoomed, so the box now under the pointer
    // may be another one (issue 13 item 4). The second click of the pair (detail 2) changes nothing.
    let firstClick: { hit: SandwichHit | null; at: number } = { hit: null, at: 0 };
    this.canvas.addEventListener('click', (e) => {
      if (e.detail > 1) return;
      const h = this.hitAny(e);
      firstClick = { hit: h, at: performance.now() };
      if (!h) return;
      if (this.sandwich) return this.sandwichClick(h);
      this.select(h.id);
      this.zoomTo(h.id);
    });
    this.canvas.addEventListener('dblclick', (e) => {
      const h = firstClick.hit && performance.now() - firstClick.at < 1500 ? firstClick.hit : this.hitAny(e);
      firstClick = { hit: null, at: 0 };
      if (h) this.openSourceOf(h.data, h.id);
    });
    this.canvas.addEventListener('keydown', (e) => this.onKey(e));
    // `/` from anywhere but a text field (the canvas included: issue 13 item 5); Ctrl/⌘+F from anywhere
    document.addEventListener('keydown', (e) => {
      if ((e.key === '/' && !e.ctrlKey && !e.metaKey && !e.altKey && !isTextEntry(e)) || ((e.ctrlKey || e.metaKey) && e.key === 'f')) {
        e.preventDefault();
        this.searchField.focus();
      }
    });
    this.scroller.addEventListener('scroll', () => this.schedule(), { passive: true });
    this.scroller.addEventListener('wheel', (e) => this.onWheelPan(e), { passive: false });

    // d3-zoom: drag to pan, ctrl/⌘+wheel (or plain wheel when everything fits vertically) to zoom; x axis only.
    this.zoomBehavior = d3zoom<HTMLCanvasElement, unknown>()
      .scaleExtent([1, MAX_ZOOM])
      .clickDistance(4)
      .filter((ev: Event) => {
        if (ev.type === 'dblclick') return false;
        if (ev.type === 'wheel') return this.wheelZooms(ev as WheelEvent);
        const me = ev as MouseEvent;
        return !me.ctrlKey && !me.button;
      })
      .constrain((t: ZoomTransform) => {
        const w = Math.max(1, this.width);
        const x = Math.min(0, Math.max(-(t.k - 1) * w, t.x));
        return x === t.x && t.y === 0 ? t : zoomIdentity.translate(x, 0).scale(t.k);
      })
      .on('zoom', (ev: D3ZoomEvent<HTMLCanvasElement, unknown>) => {
        if (this.syncingZoom) return;
        const t = ev.transform;
        const w = Math.max(1, this.width);
        const v0 = -t.x / (t.k * w);
        this.view = { v0, v1: v0 + 1 / t.k };
        this.tooltip.hidden = true;
        this.schedule();
        this.saveStateSoon();
      });
    this.canvasSel = select(this.canvas);
    this.canvasSel.call(this.zoomBehavior).on('dblclick.zoom', null);

    new ResizeObserver(() => this.resize()).observe(this.scroller);
    new MutationObserver(() => this.refreshTheme()).observe(document.body, { attributes: true, attributeFilter: ['class'] });
    if (typeof matchMedia === 'function') matchMedia('(prefers-color-scheme: dark)').addEventListener('change', () => this.refreshTheme());

    window.addEventListener('message', (e: MessageEvent) => this.onMessage(e.data));
    window.addEventListener('error', (e) => this.host.post({ type: 'error', message: String(e.message ?? e.error).slice(0, 2000) }));
  }

  private wheelZooms(e: WheelEvent): boolean {
    if (!this.data) return false;
    if (e.ctrlKey || e.metaKey) return true;
    if (e.shiftKey || Math.abs(e.deltaX) > Math.abs(e.deltaY)) return false;
    return this.scroller.scrollHeight <= this.scroller.clientHeight + 1;
  }

  private onWheelPan(e: WheelEvent): void {
    if (!this.data || e.ctrlKey || e.metaKey) return;
    const dx = e.shiftKey && e.deltaX === 0 ? e.deltaY : Math.abs(e.deltaX) > Math.abs(e.deltaY) ? e.deltaX : 0;
    if (!dx) return;
    e.preventDefault();
    const span = this.view.v1 - this.view.v0;
    const shift = (dx * (e.deltaMode === 1 ? 16 : 1) * span) / Math.max(1, this.width);
    const v0 = Math.min(1 - span, Math.max(0, this.view.v0 + shift));
    this.setView({ v0, v1: v0 + span });
  }

  // ---------------------------------------------------------------------------------------------------------------
  // data and messages

  onMessage(raw: unknown): void {
    if (this.exemplars.onMessage(raw)) return;
    if (isSetData(raw)) return this.setData(raw);
    if (isFocusNode(raw)) return this.focusOperation(raw.service, raw.name);
    if (isSetMode(raw)) return this.setMode(raw.mode);
    if (isSetTheme(raw)) return this.refreshTheme();
    const legacy = fromLegacy(raw);
    if (legacy) {
      if (legacy.type === 'setData') this.setData(legacy);
      else this.focusOperation(legacy.service, legacy.name);
    }
  }

  setData(m: SetDataMessage): void {
    const t0 = performance.now();
    // the host times "data ready → first paint" (issue 13 item 15): report the next frame drawn with this data
    this.paintReportFrom = m.tree && m.tree.n > 0 ? t0 : -1;
    const saved = this.host.getState();
    const key = typeof m.dataKey === 'string' ? m.dataKey : undefined;
    // Which view state the new data opens with (issue 13 item 3): the current one when the host refreshes the same
    // runs; the saved one on the first data after a window reload when it belongs to these runs; else the defaults
    // (the data's mode, no zoom, the root cause selected, no search).
    let restored: FlameViewState | undefined;
    if (this.data && key !== undefined && key === this.dataKey) restored = this.state();
    else if (!this.hadData && saved && saved.dataKey === key) restored = saved;
    const applyMeta = () => {
      if (m.persist && typeof m.persist === 'object') this.persisted = { ...m.persist };
      else if (saved?.request !== undefined && this.persisted.request === undefined) this.persisted = { request: saved.request };
      this.diagnosis = m.diagnosis ?? null;
      this.labels = { baseline: m.baselineLabel || 'baseline', incident: m.incidentLabel || 'incident' };
    };
    if (!m.tree || m.tree.n === 0) {
      applyMeta();
      this.data = this.tree = this.renderer = null;
      this.exemplars.setData(null);
      this.showEmpty(true, m.loading ? 'Loading traces…' : m.title ? `No spans in ${m.title}.` : 'No traces loaded.');
      this.renderSummary();
      return;
    }
    let tree: FlameTree;
    try {
      tree = buildFlameTree(m.tree);
    } catch (e) {
      // keep what is drawn; say why the new data was refused
      const msg = `Cannot draw this flame graph: ${(e as Error).message}`;
      if (this.data) this.status.textContent = msg;
      else this.showEmpty(true, msg);
      this.host.post({ type: 'error', message: msg });
      return;
    }
    applyMeta();
    this.sandwich = null;
    this.sandwichHover = null;
    this.sandwichFocus = null;
    this.sandwichButton.setAttribute('aria-pressed', 'false');
    this.sandwichButton.setAttribute('secondary', '');
    this.data = m.tree;
    this.tree = tree;
    this.hadData = true;
    this.dataKey = key;
    const allowed: FlameMode[] = m.tree.kind === 'diff' ? ['diff', 'baseline', 'incident'] : ['incident'];
    for (const [mode, r] of this.radios) r.hidden = !allowed.includes(mode);
    this.modeGroup.hidden = allowed.length < 2;
    const want = restored?.mode ?? m.mode;
    this.mode = want && allowed.includes(want) ? want : allowed[0]!;
    for (const [mode, r] of this.radios) r.checked = mode === this.mode;
    this.renderer = new FlameRenderer(m.tree, tree, this.mode, readTheme());
    this.partMs = partlyGoneMs(m.tree);
    this.stoppedGone = this.goneUnderRootCause();
    this.canvas.setAttribute('aria-label', this.graphLabel());
    this.showEmpty(false);
    this.renderSummary();
    this.updateLegend();

    this.query = restored?.search ?? '';
    this.searchField.value = this.query;
    this.applySearch();
    const rc = rootCauseNodes(m.tree);
    this.selected = restored?.selectedPath ? findPath(tree, m.tree, restored.selectedPath) : rc.length ? rc[0]! : 0;
    const z = restored?.zoomPath ? findPath(tree, m.tree, restored.zoomPath) : 0;
    this.sizeGraph();
    this.resize();
    this.zoomTo(z, false);
    if (restored?.sandwichPath) this.openSandwich(findPath(tree, m.tree, restored.sandwichPath), false);
    this.renderDetail();
    this.exemplars.setData(m.tree);
    this.syncExemplars();
    this.saveStateSoon();
    this.loadMs = performance.now() - t0;
  }
  loadMs = 0;

  private showEmpty(on: boolean, text?: string): void {
    this.empty.hidden = !on;
    if (text) this.empty.textContent = text;
    this.graph.hidden = on;
    this.toolbar.hidden = on;
    this.answer.hidden = on;
    this.breadcrumb.hidden = on;
  }

  private renderSummary(): void {
    this.summary.replaceChildren();
    this.diagBox.replaceChildren();
    const d = this.diagnosis;
    this.summary.hidden = this.host.standalone || !d;
    // the report has the diagnosis as its static header already
    this.diagBox.hidden = this.host.standalone || !d;
    if (!d) return;
    const rc = d.rootCause;
    // one line: badge, operation, the headline numbers; the sentence and the evidence are in the diagnosis section
    // the call paths the root cause covers (the nodes the engine marked): its effect is theirs together, not one box's
    const rootPaths = this.data ? this.data.flags.reduce((n, f) => n + (f & FlameFlag.RootCause ? 1 : 0), 0) : 0;
    const note = summaryNote(d, rootPaths);
    if (rc) {
      this.summary.append(el('span', 'fg-badge fg-badge-root', 'root cause'), el('strong', undefined, ` ${rc.service} · ${rc.name}`));
      if (note) this.summary.append(el('span', 'fg-note', ` — ${note}`));
      this.summary.title = `${rc.service} · ${rc.name}: ${rc.summary}\n\n${FIGURES_LEGEND}`;
    } else {
      this.summary.append(el('span', undefined, 'No root cause found.'), el('span', 'fg-note', note ? ` ${note}` : ''));
      this.summary.title = '';
    }

    const opButton = (service: string, name: string, cls = 'fg-op-link') => {
      const b = el('button', cls, `${service} · ${name}`);
      b.type = 'button';
      b.title = 'Select it in the flame graph';
      b.addEventListener('click', () => this.focusOperation(service, name));
      return b;
    };
    this.diagBox.append(el('h3', 'fg-h', 'Diagnosis'));
    if (rc) {
      const head = el('div', 'fg-diag-head');
      head.append(el('span', 'fg-badge fg-badge-root', 'root cause'), opButton(rc.service, rc.name), el('span', 'fg-note', ` ${candidateNote(rc, rootPaths, d.explained)}`));
      this.diagBox.append(head, el('p', 'fg-diag-summary', rc.summary));
      // per call (the sentence), per trace (the effect), one call path (the detail pane): which is which
      this.diagBox.append(el('p', 'fg-note fg-figures-legend', FIGURES_LEGEND));
      if (rc.evidence.length) {
        const ul = el('ul', 'fg-evidence');
        for (const e of rc.evidence.slice(0, 6)) ul.append(el('li', undefined, e));
        this.diagBox.append(ul);
      }
      // work that stopped: Diff mode draws the calls the incident no longer makes (hatched, at their baseline width);
      // name them with links that show them — or say honestly why no box is gone (requests that share call paths)
      if (rc.kind === 'stopped_work' && this.data?.kind === 'diff') this.diagBox.append(this.stoppedHint(changedRequestsHeading(d)));
    } else {
      this.diagBox.append(el('p', 'fg-diag-summary', 'No root cause found.'));
    }
    // the kinds of request that changed: why the run is a regression when the mean trace is not slower
    const changed = changedRequestLines(d);
    if (changed.length) {
      this.diagBox.append(el('div', 'fg-subhead', changedRequestsHeading(d)));
      const ul = el('ul', 'fg-evidence fg-changed');
      for (const line of changed.slice(0, 6)) ul.append(el('li', undefined, line));
      this.diagBox.append(ul);
    }
    const others = d.candidates.filter((c) => !rc || c.service !== rc.service || c.name !== rc.name).slice(0, 8);
    if (others.length) {
      this.diagBox.append(el('div', 'fg-subhead', 'Other candidates'));
      const ol = el('ol', 'fg-candidates');
      for (const c of others) {
        const li = el('li');
        li.append(opButton(c.service, c.name), el('span', 'fg-note', ` ${candidateNote({ kind: c.kind, impactMs: c.impactMs, ...(c.waitsOn ? { waitsOn: c.waitsOn } : {}) }, c.callPaths)}`));
        li.title = c.summary;
        ol.append(li);
      }
      this.diagBox.append(ol);
    }
    // the engine's notes (its verdict with the tests, what it could not tell, how much the answer accounts for): folded,
    // as the report and the CLI give them
    if (d.notes.length) {
      const notes = el('details', 'fg-notes');
      notes.append(el('summary', 'fg-subhead', `Notes (${d.notes.length})`));
      const ul = el('ul', 'fg-evidence');
      for (const n of d.notes.slice(0, 12)) ul.append(el('li', undefined, n));
      notes.append(ul);
      this.diagBox.append(notes);
    }
    // an automatic split: its sentence here, the short words ("before split" / "after split") in the table columns
    if (d.split) this.diagBox.append(el('p', 'fg-note fg-split', `${d.split.method === 'given' ? 'Split' : 'Split automatically'}: ${d.split.description}`));
  }

  /** the gone calls under the root-cause boxes (computed once per setData; outlined when the root cause is stopped work) */
  private stoppedGone: number[] = [];
  /** per node: baseline ms per trace of calls made fewer times (the hatched remainder after the box; flame-gone.ts) */
  private partMs: Float64Array = new Float64Array(0);

  /** Calls made fewer times below the root-cause boxes (a stopped_work root cause's calls that partly stopped), most remainder first. */
  private partlyGoneUnderRootCause(): number[] {
    if (!this.data || !this.tree || this.data.kind !== 'diff') return [];
    const out = new Set<number>();
    for (const r of rootCauseNodes(this.data)) for (const g of partlyGoneUnder(this.data, this.tree, r, this.partMs)) out.add(g);
    return [...out].sort((a, b) => this.partMs[b]! - this.partMs[a]!);
  }

  /** Tops of gone subtrees below the root-cause boxes (the calls a stopped_work root cause no longer makes), most baseline time first. */
  private goneUnderRootCause(): number[] {
    if (!this.data || !this.tree || this.data.kind !== 'diff') return [];
    const out = new Set<number>();
    for (const r of rootCauseNodes(this.data)) for (const g of goneRootsUnder(this.data, this.tree, r)) out.add(g);
    return [...out].sort((a, b) => this.data!.bTotal[b]! - this.data!.bTotal[a]!);
  }

  /** The diagnosis' line for a stopped_work root cause: where its calls that stopped are drawn, or why none is. */
  /** `heading`: the title the changed requests are listed under (changedRequestsHeading) */
  private stoppedHint(heading: string): HTMLElement {
    const gone = this.goneUnderRootCause();
    const partly = this.partlyGoneUnderRootCause();
    const p = el('div', 'fg-note fg-stopped-hint');
    if (!gone.length && partly.length && this.data) {
      p.append(this.partlyList(partly));
      return p;
    }
    if (!gone.length || !this.data) {
      p.append(
        el(
          'span',
          undefined,
          `No box of this graph is gone: the calls it no longer makes are still made, on the same call paths, by the requests that did not change (the graph merges all requests of a run). The requests that stop early are listed under "${heading}".`,
        ),
      );
      return p;
    }
    p.append(el('span', undefined, `The calls it no longer makes are drawn hatched${this.mode === 'diff' ? '' : ' in Diff mode'}, after their callers' other calls, as wide as their baseline time:`));
    const data = this.data;
    p.append(boxLinks(gone, { max: 3, cls: 'fg-op-link fg-gone-link', title: 'Select it in the flame graph (Diff mode)', text: (g) => goneListItem(data, g), reveal: (g) => this.revealNode(g) }));
    if (partly.length) p.append(this.partlyList(partly));
    return p;
  }

  /** "The calls it makes fewer times have a hatched remainder …": links to the boxes, the largest remainders first. */
  private partlyList(partly: number[]): HTMLElement {
    const box = el('div', 'fg-partly-hint');
    box.append(
      el('span', undefined, `The calls it makes fewer times have a hatched remainder after their box${this.mode === 'diff' ? '' : ' in Diff mode'}, as wide as the baseline time of the calls no longer made:`),
    );
    const data = this.data!;
    box.append(boxLinks(partly, { max: 3, cls: 'fg-op-link fg-gone-link fg-partly-link', title: 'Select it in the flame graph', text: (g) => partlyGoneListItem(data, g), reveal: (g) => this.revealNode(g) }));
    return box;
  }

  /**
   * Select node `id` and bring it into view: Diff mode for a gone box (the only mode that draws it), then a zoom to its
   * caller when the box is a fair part of it (so it is seen beside the calls that remain), else to the box itself.
   */
  revealNode(id: number): void {
    if (!this.data || !this.tree || !this.renderer || id < 0 || id >= this.data.n) return;
    if (isGone(this.data, id) && this.mode !== 'diff') this.setMode('diff');
    if (this.sandwich) this.closeSandwich(false);
    this.select(id);
    const l = this.renderer.layout;
    const p = this.tree.parent[id]!;
    const share = p >= 0 ? (l.x1[id]! - l.x0[id]!) / (l.x1[p]! - l.x0[p]! || 1) : 1;
    const px = ((l.x1[id]! - l.x0[id]!) * this.width) / (this.view.v1 - this.view.v0);
    if (px < NARROW_ROOT_PX) this.zoomTo(p > 0 && share >= 0.1 ? p : id);
    else this.ensureVisible(id);
    this.canvas.focus({ preventScroll: true });
  }

  /** The canvas' aria-label for the flame graph (not the sandwich). */
  private graphLabel(): string {
    return this.mode === 'diff' && this.data ? canvasLabel(countGoneRoots(this.data), countPartlyGone(this.partMs)) : canvasLabel(0);
  }

  /** Every mode has a legend: diff colours, or the services' colours (the biggest first) and what the width is. */
  private updateLegend(): void {
    this.legend.replaceChildren();
    const item = (cls: string, text: string, rgb?: RGB) => {
      const s = el('span', 'fg-legend-item');
      const sw = el('span', `fg-swatch ${cls}`);
      if (rgb) sw.style.background = rgbCss(rgb);
      s.append(sw, el('span', undefined, text));
      return s;
    };
    const runLabel = this.mode === 'baseline' ? this.labels.baseline : this.labels.incident;
    if (this.mode === 'diff') {
      this.legend.append(item('fg-swatch-slower', 'slower'), item('fg-swatch-faster', 'faster'), item('fg-swatch-neutral', 'unchanged'));
      // work the incident no longer does: only when the graph has some
      const gone = this.data && !this.sandwich ? countGoneRoots(this.data) : 0;
      const partly = this.data && !this.sandwich ? countPartlyGone(this.partMs) : 0;
      if (gone > 0 || partly > 0) {
        const g = item('fg-swatch-gone', 'gone');
        g.title = [
          gone > 0 ? `${gone} ${gone === 1 ? 'call' : 'calls'} the incident no longer makes: hatched, as wide as ${gone === 1 ? 'its' : 'their'} baseline time` : '',
          partly > 0 ? `${partly} ${partly === 1 ? 'call' : 'calls'} made fewer times: a hatched remainder after the box, the baseline time of the calls no longer made` : '',
        ]
          .filter(Boolean)
          .join('; ');
        this.legend.append(g);
      }
    } else if (this.renderer && this.data) {
      const ranked = [...this.renderer.serviceRank.entries()].filter(([s]) => this.data!.strings[s]).sort((a, b) => a[1] - b[1]);
      const shown = ranked.slice(0, 6);
      for (const [s] of shown) {
        const it = item('fg-swatch-service', this.data.strings[s] ?? '', this.renderer.serviceRgb(s));
        it.title = `service ${this.data.strings[s]}`;
        this.legend.append(it);
      }
      if (ranked.length > shown.length) {
        const more = el('span', 'fg-note', `+${ranked.length - shown.length} more`);
        more.title = ranked.slice(shown.length).map(([s]) => this.data!.strings[s]).join(', ');
        this.legend.append(more);
      }
    }
    const what = this.mode === 'diff' ? `width = incident time${this.data && !this.sandwich && (countGoneRoots(this.data) > 0 || countPartlyGone(this.partMs) > 0) ? ' (gone: baseline time)' : ''}, colour = change of own time` : `width = ${this.data?.kind === 'single' ? 'time' : `${this.mode} time`}, colour = service`;
    const note = el('span', 'fg-note fg-legend-note', what);
    note.title = this.mode === 'diff' ? `width: ${runLabel} time per trace; colour: own (self) time, ${this.labels.baseline} → ${this.labels.incident}` : `${runLabel}: time per trace`;
    this.legend.append(note);
  }

  private refreshTheme(): void {
    this.exemplars.setTheme(readTheme());
    if (!this.renderer) return;
    const theme = readTheme();
    this.renderer.setTheme(theme);
    this.sandwich?.setTheme(theme);
    this.themeVersion++;
    this.updateLegend();
    this.schedule();
  }

  // ---------------------------------------------------------------------------------------------------------------
  // view state

  setMode(mode: FlameMode): void {
    if (!this.renderer || !this.data) return;
    if (this.data.kind === 'single' && mode !== 'incident') return;
    this.mode = mode;
    for (const [m, r] of this.radios) r.checked = m === mode;
    this.renderer.setMode(mode);
    this.sandwich?.setMode(mode);
    this.updateLegend();
    if (this.diagnosis?.rootCause?.kind === 'stopped_work') this.renderSummary(); // the stopped-work hint names the mode
    if (!this.sandwich) this.canvas.setAttribute('aria-label', this.graphLabel());
    // keep the zoomed node if it still has a width in this mode (the sandwich stays open: it has its own view)
    if (this.sandwich) this.schedule();
    else this.zoomTo(this.zoomNode, false);
    this.renderDetail();
    this.saveStateSoon();
  }

  zoomTo(id: number, save = true): void {
    if (!this.renderer || !this.tree) return;
    if (this.sandwich) this.closeSandwich(false);
    const layout = this.renderer.layout;
    let z = id >= 0 && id < this.tree.n ? id : 0;
    while (z > 0 && !(layout.x1[z]! > layout.x0[z]!)) z = this.tree.parent[z]!;
    this.zoomNode = z;
    this.setView(z === 0 ? fullView() : zoomView(layout, z));
    this.renderBreadcrumb();
    // keep the zoomed row in sight
    const y = this.tree.depth[z]! * ROW_HEIGHT;
    if (y < this.scroller.scrollTop || y > this.scroller.scrollTop + this.scroller.clientHeight - ROW_HEIGHT) this.scroller.scrollTop = Math.max(0, y - ROW_HEIGHT);
    if (save) this.saveStateSoon();
  }

  private setView(v: View): void {
    this.view = v;
    const k = Math.min(MAX_ZOOM, 1 / Math.max(1 / MAX_ZOOM, v.v1 - v.v0));
    const w = Math.max(1, this.width);
    this.syncingZoom = true;
    try {
      this.canvasSel.call(this.zoomBehavior.transform, zoomIdentity.translate(-v.v0 * k * w, 0).scale(k));
    } finally {
      this.syncingZoom = false;
    }
    this.schedule();
  }

  select(id: number): void {
    if (!this.tree || id < 0 || id >= this.tree.n) return;
    this.selected = id;
    this.renderDetail();
    this.syncExemplars();
    this.schedule();
    this.saveStateSoon();
    if (this.data) {
      const info = nodeInfo(this.data, id);
      this.root.dispatchEvent(new CustomEvent('fg-select', { detail: { id, service: info.service, name: info.name, source: info.source } }));
    }
  }

  private ensureVisible(id: number): void {
    if (!this.renderer || !this.tree) return;
    const l = this.renderer.layout;
    const k = this.width / (this.view.v1 - this.view.v0);
    const a = (l.x0[id]! - this.view.v0) * k;
    const b = (l.x1[id]! - this.view.v0) * k;
    if (a < -0.5 || b > this.width + 0.5 || b - a < 2) {
      const p = this.tree.parent[id]!;
      this.zoomTo(p >= 0 && (l.x1[id]! - l.x0[id]!) / (l.x1[p]! - l.x0[p]! || 1) > 0.02 ? p : id);
    }
    const y = this.tree.depth[id]! * ROW_HEIGHT;
    if (y < this.scroller.scrollTop) this.scroller.scrollTop = y;
    else if (y + ROW_HEIGHT > this.scroller.scrollTop + this.scroller.clientHeight) this.scroller.scrollTop = y + ROW_HEIGHT - this.scroller.clientHeight;
  }

  search(q: string): number {
    this.query = q;
    if (this.searchField.value !== q) this.searchField.value = q;
    this.applySearch();
    this.sandwich?.setQuery(q);
    this.matchCursor = -1;
    this.schedule();
    this.saveStateSoon();
    return this.matchCount;
  }

  private applySearch(): void {
    if (!this.data || !this.query.trim()) {
      this.matches = null;
      this.matchCount = 0;
      this.matchInfo.textContent = '';
      return;
    }
    const r = searchMatches(this.data, this.query);
    this.matches = r.mask;
    this.matchCount = r.count;
    this.matchInfo.textContent = r.count === 1 ? '1 match' : `${r.count} matches`;
  }

  private nextMatch(dir: 1 | -1): void {
    if (!this.matches || !this.data || this.matchCount === 0) return;
    const n = this.data.n;
    let i = this.matchCursor;
    for (let step = 0; step < n; step++) {
      i = (i + dir + n) % n;
      if (this.matches[i] && this.renderer!.layout.x1[i]! > this.renderer!.layout.x0[i]!) {
        this.matchCursor = i;
        this.select(i);
        this.ensureVisible(i);
        // a match too narrow to see its outline (a network hop's sliver of the whole graph) is zoomed to: otherwise
        // Enter seems to do nothing but change the numbers below
        const l = this.renderer!.layout;
        if (((l.x1[i]! - l.x0[i]!) * this.width) / (this.view.v1 - this.view.v0) < MATCH_MIN_PX) this.zoomTo(i);
        // which match this is: "match 3 of 20"
        let k = 0;
        for (let j = 0; j <= i; j++) if (this.matches[j]) k++;
        this.matchInfo.textContent = `match ${k} of ${this.matchCount}`;
        return;
      }
    }
  }

  /** The first root-cause node when its box is narrower than the ROOT CAUSE badge needs at full width, else −1. */
  private narrowRootCause(): number {
    if (!this.data || !this.renderer) return -1;
    const id = rootCauseNodes(this.data)[0];
    if (id === undefined) return -1;
    const l = this.renderer.layout;
    const px = (l.x1[id]! - l.x0[id]!) * (this.canvas.clientWidth || 1000);
    return px < NARROW_ROOT_PX ? id : -1;
  }

  focusOperation(service: string, name: string): void {
    if (!this.data) return;
    const id = findOperation(this.data, service, name);
    if (id < 0) {
      this.status.textContent = `${service} · ${name} is not in this flame graph`;
      return;
    }
    this.select(id);
    this.zoomTo(id);
  }

  private openSource(id: number): void {
    if (this.data) this.openSourceOf(this.data, id);
  }

  /** Go to source (VS Code) or copy `file:line` (report) for node `id` of `data` (the graph's or a sandwich half's). */
  private openSourceOf(data: FlameData, id: number): void {
    if (id < 0 || id >= data.n) return;
    const info = nodeInfo(data, id);
    if (isAllTraces(info)) return; // a double-click on the root box: no span, no line
    if (!this.host.standalone) {
      this.host.post({ type: 'openSource', service: info.service, name: info.name, ...(info.source ? { source: info.source } : {}) });
      return;
    }
    if (!info.source) {
      this.status.textContent = 'No source location known for this operation.';
      return;
    }
    const loc = `${info.source.file}:${info.source.line}`;
    const done = () => (this.status.textContent = `Copied ${loc}`);
    const fail = () => (this.status.textContent = `Source: ${loc}`);
    try {
      if (navigator.clipboard) void navigator.clipboard.writeText(loc).then(done, fail);
      else fail();
    } catch {
      fail();
    }
  }

  /** host data kept in the persisted state (SetDataMessage.persist) */
  private persisted: { request?: unknown } = {};
  /** SetDataMessage.dataKey of the data shown */
  private dataKey: string | undefined;
  /** a tree has been shown in this webview's lifetime (the saved state is only for the first one) */
  private hadData = false;

  private state(): FlameViewState {
    const s: FlameViewState = { mode: this.mode, search: this.query, ...this.persisted, ...(this.dataKey !== undefined ? { dataKey: this.dataKey } : {}) };
    if (this.tree && this.data) {
      s.zoomPath = nodePath(this.tree, this.data, this.zoomNode);
      if (this.selected >= 0) s.selectedPath = nodePath(this.tree, this.data, this.selected);
      if (this.sandwich) s.sandwichPath = nodePath(this.tree, this.data, this.sandwich.target);
    }
    return s;
  }

  private saveStateSoon(): void {
    clearTimeout(this.saveTimer);
    this.saveTimer = setTimeout(() => {
      const s = this.state();
      this.host.setState(s);
      this.host.post({ type: 'stateChanged', state: s });
    }, 150);
  }

  // ---------------------------------------------------------------------------------------------------------------
  // breadcrumb, detail, tooltip

  /**
   * One line of fixed height (never wraps, so the graph below never moves when the zoom changes): the root, an
   * ellipsis for the middle of a deep path, and the last levels; long names are cut with an ellipsis by CSS.
   */
  private renderBreadcrumb(): void {
    this.breadcrumb.replaceChildren();
    if (!this.tree || !this.renderer) return;
    if (this.sandwich && this.data) {
      const back = el('button', 'fg-crumb fg-crumb-back', '‹ Flame graph');
      back.type = 'button';
      back.title = 'Back to the flame graph (Escape)';
      back.addEventListener('click', () => this.closeSandwich());
      const op = nodeInfo(this.data, this.sandwich.target);
      const n = this.sandwich.s.outermost;
      const text = el('span', 'fg-crumb-hint', `Sandwich of ${op.service} · ${op.name}: callers above, callees below, merged over ${n} call path${n === 1 ? '' : 's'}`);
      text.title = text.textContent ?? '';
      this.breadcrumb.append(back, el('span', 'fg-crumb-sep', '›'), text);
      return;
    }
    if (this.zoomNode === 0) {
      // the root box already says "all traces": no crumb repeating it, just what the mouse does
      // a root cause whose box is a sliver at full width (a network delay felt by callers: its own spans are short) is
      // not found by eye: offer the zoom that shows it, with its badge
      const rc = this.narrowRootCause();
      if (rc >= 0) {
        const b = el('button', 'fg-op-link fg-crumb-root', 'Zoom to the root cause');
        b.type = 'button';
        b.title = 'Its box is too narrow to see in the whole graph';
        b.addEventListener('click', () => {
          this.select(rc);
          this.zoomTo(rc);
        });
        this.breadcrumb.append(b, el('span', 'fg-crumb-sep', '·'));
      }
      // a stopped_work root cause: the calls it no longer makes (hatched) are often slivers of the whole graph
      const gone = this.mode === 'diff' && this.diagnosis?.rootCause?.kind === 'stopped_work' ? this.goneUnderRootCause() : [];
      const l = this.renderer.layout;
      if (gone.length && (l.x1[gone[0]!]! - l.x0[gone[0]!]!) * (this.canvas.clientWidth || 1000) < NARROW_ROOT_PX) {
        const b = el('button', 'fg-op-link fg-crumb-gone', 'Zoom to the calls that stopped');
        b.type = 'button';
        b.title = 'They are drawn hatched, as wide as their baseline time: too narrow to see in the whole graph';
        b.addEventListener('click', () => this.revealNode(gone[0]!));
        this.breadcrumb.append(b, el('span', 'fg-crumb-sep', '·'));
      }
      this.breadcrumb.append(el('span', 'fg-crumb-hint', this.host.standalone ? 'Click a box to zoom in · double-click copies its source location' : 'Click a box to zoom in · double-click opens its source'));
      return;
    }
    const chain = ancestry(this.tree, this.zoomNode);
    const KEEP_TAIL = 4;
    const shown = chain.length > KEEP_TAIL + 2 ? [chain[0]!, -1, ...chain.slice(-KEEP_TAIL)] : chain;
    shown.forEach((id, k) => {
      if (k > 0) this.breadcrumb.append(el('span', 'fg-crumb-sep', '›'));
      if (id < 0) {
        const hidden = chain.slice(1, -KEEP_TAIL);
        const b = el('button', 'fg-crumb fg-crumb-more', '…');
        b.type = 'button';
        b.title = hidden.map((h) => this.renderer!.labelOf(h)).join(' › ');
        b.dataset.node = String(hidden[hidden.length - 1]);
        b.addEventListener('click', () => this.zoomTo(hidden[hidden.length - 1]!));
        this.breadcrumb.append(b);
        return;
      }
      const label = this.renderer!.labelOf(id);
      const b = el('button', 'fg-crumb', label);
      b.type = 'button';
      b.title = label;
      b.dataset.node = String(id);
      if (id === this.zoomNode) b.setAttribute('aria-current', 'true');
      b.addEventListener('click', () => this.zoomTo(id));
      this.breadcrumb.append(b);
    });
  }

  private renderDetail(): void {
    if (!this.data || this.selected < 0) {
      this.detailStats.replaceChildren(el('span', 'fg-note', 'Click an operation to see its numbers.'));
      this.sourceButton.disabled = true;
      return;
    }
    this.zoomButton.textContent = 'Zoom';
    const f = this.focusedSandwichBox();
    if (f && this.sandwich) {
      // the keyboard is on a caller or callee box of the sandwich: its numbers (merged over its call paths)
      const fi = renderStats(this.detailStats, f.data, f.id, this.labels, this.diagnosis, this.sandwich.percentiles(f.half, f.id));
      this.detailStats.append(el('div', 'fg-note fg-sandwich-role', `${this.sandwichRole(f)} · Enter: its sandwich · Escape: back to the flame graph`));
      this.sourceButton.disabled = isAllTraces(fi) || (this.host.standalone && !fi.source);
      this.chatButton.disabled = isAllTraces(fi);
      this.zoomButton.textContent = 'Its sandwich';
      this.status.textContent = '';
      return;
    }
    const info = renderStats(this.detailStats, this.data, this.selected, this.labels, this.diagnosis, undefined, { tree: this.tree, reveal: (id) => this.revealNode(id), mode: this.mode });
    // "all traces" is no span: nothing to open or ask about
    this.sourceButton.disabled = isAllTraces(info) || (this.host.standalone && !info.source);
    this.chatButton.disabled = isAllTraces(info);
    // the report with no line for this operation (no code.* attributes, no --workspace): a greyed button says nothing
    // on its own — say why, and how to get the line
    this.status.textContent = this.host.standalone && !info.source && !isAllTraces(info) ? 'No source line known: trace-doctor flame --workspace <your repository> finds the line that opens its spans.' : '';
    // in the sandwich: the operation over all its call paths (the numbers above are this call path's)
    const sw = this.sandwich;
    if (sw && sw.target === this.selected) {
      const d = sw.s.callees;
      const n = sw.s.outermost;
      const total = d.kind === 'diff' ? `${formatMs(d.bTotal[0]!)} → ${formatMs(d.iTotal[0]!)} (${formatDelta(d.iTotal[0]! - d.bTotal[0]!)})` : formatMs(d.iTotal[0]!);
      const m = sw.percentiles('callees', 0);
      const side = d.kind === 'diff' ? [m.baseline, m.incident] : [m.incident];
      const pct = n > 1 && side.some((p) => p.how !== 'none') ? `; p50 ${side.map((p) => formatPercentile(p, 'p50')).join(' → ')}, p95 ${side.map((p) => formatPercentile(p, 'p95')).join(' → ')}${side.some((p) => p.how === 'merged') ? ` (summed latency histograms, ±${Math.round(Math.max(...side.map((p) => p.alpha ?? 0)) * 1000) / 10} %)` : ''}` : '';
      this.detailStats.append(el('div', 'fg-note fg-all-paths', `All ${n} call path${n === 1 ? '' : 's'} of ${info.name}: total / trace ${total}${pct}; the table is this call path's.`));
    }
  }

  private hit(e: MouseEvent): number {
    if (!this.renderer) return -1;
    const r = this.canvas.getBoundingClientRect();
    return hitTest(this.renderer.drawn, ROW_HEIGHT, e.clientX - r.left, e.clientY - r.top);
  }

  /** The box under the pointer: in the flame graph (half 'callees' of the main data) or in a sandwich half. */
  private hitAny(e: MouseEvent): SandwichHit | null {
    const r = this.canvas.getBoundingClientRect();
    if (this.sandwich) return this.sandwich.hit(e.clientX - r.left, e.clientY - r.top);
    const id = this.hit(e);
    return id >= 0 && this.data ? { half: 'callees', id, data: this.data } : null;
  }

  private onHover(e: MouseEvent): void {
    if (this.sandwich) return this.onSandwichHover(e);
    const id = this.hit(e);
    if (id !== this.hovered) {
      this.hovered = id;
      this.schedule();
      if (id >= 0 && this.data) {
        const hi = renderStats(this.tooltip, this.data, id, this.labels, this.diagnosis, undefined, { tree: this.tree, mode: this.mode });
        this.tooltip.append(el('div', 'fg-hint', isAllTraces(hi) ? 'click: the whole graph' : this.host.standalone ? 'click: zoom · double-click: copy source location' : 'click: zoom · double-click: go to source'));
      }
    }
    if (id < 0) {
      this.tooltip.hidden = true;
      return;
    }
    this.placeTooltip(e);
  }

  private placeTooltip(e: MouseEvent): void {
    this.tooltip.hidden = false;
    const main = this.tooltip.parentElement!.getBoundingClientRect();
    const tw = this.tooltip.offsetWidth;
    const th = this.tooltip.offsetHeight;
    let x = e.clientX - main.left + 14;
    let y = e.clientY - main.top + 14;
    if (x + tw > main.width) x = Math.max(0, e.clientX - main.left - tw - 10);
    if (y + th > main.height) y = Math.max(0, e.clientY - main.top - th - 10);
    this.tooltip.style.transform = `translate(${Math.round(x)}px, ${Math.round(y)}px)`;
  }

  private onKey(e: KeyboardEvent): void {
    if (!this.tree || !this.renderer) return;
    if ((e.key === 's' || e.key === 'S') && !e.ctrlKey && !e.metaKey && !e.altKey) {
      e.preventDefault();
      if (this.sandwich) this.closeSandwich();
      else this.openSandwich(this.selected >= 0 ? this.selected : this.zoomNode);
      return;
    }
    if (this.sandwich) return this.onSandwichKey(e);
    const dirs: Record<string, NavDirection> = { ArrowUp: 'up', ArrowDown: 'down', ArrowLeft: 'left', ArrowRight: 'right' };
    const dir = dirs[e.key];
    if (dir) {
      e.preventDefault();
      const from = this.selected >= 0 ? this.selected : this.zoomNode;
      const to = navigate(this.tree, this.renderer.layout, from, dir);
      this.select(to);
      this.ensureVisible(to);
      return;
    }
    switch (e.key) {
      case 'Enter':
        e.preventDefault();
        if (e.shiftKey || e.ctrlKey || e.metaKey) this.openSource(this.selected);
        else if (this.selected >= 0) this.zoomTo(this.selected);
        break;
      case 'Escape':
      case 'Home':
        e.preventDefault();
        if (e.key === 'Escape' && this.zoomNode === 0 && this.query) this.search('');
        else this.zoomTo(0);
        break;
      case 'Backspace':
        e.preventDefault();
        this.zoomTo(Math.max(0, this.tree.parent[this.zoomNode]!));
        break;
    }
  }

  // ---------------------------------------------------------------------------------------------------------------
  // drawing

  // ---------------------------------------------------------------------------------------------------------------
  // sandwich and minimap

  /** canvas rows of what is drawn: the flame graph's, or the sandwich's (callers + operation + callees) */
  private rows(): number {
    if (this.sandwich) return this.sandwich.rows;
    return this.tree ? this.tree.maxDepth + 1 : 0;
  }

  /** Shows the sandwich of node `id`'s operation: its callers above it, its callees below it, over all call paths. */
  openSandwich(id: number, save = true): void {
    if (!this.data || !this.tree || !this.renderer || id < 0 || id >= this.data.n) return;
    const view = new SandwichView(this.data, this.tree, id, this.mode, this.renderer.theme, this.renderer.serviceRank, diffScale(this.data));
    this.sandwich = view;
    view.setQuery(this.query);
    this.sandwichHover = null;
    this.sandwichFocus = { half: 'callees', id: 0 };
    this.canvas.setAttribute('aria-label', SANDWICH_LABEL);
    this.tooltip.hidden = true;
    if (this.selected !== id) this.select(id);
    this.sandwichButton.setAttribute('aria-pressed', 'true');
    this.sandwichButton.removeAttribute('secondary');
    this.sizeGraph();
    this.resize();
    this.setView(fullView());
    // the operation's row in sight (callers above it may be many)
    const y = view.middle * ROW_HEIGHT;
    this.scroller.scrollTop = Math.max(0, y - Math.max(ROW_HEIGHT, this.scroller.clientHeight / 2 - ROW_HEIGHT));
    this.renderBreadcrumb();
    this.updateLegend();
    this.renderDetail();
    this.schedule();
    if (save) this.saveStateSoon();
  }

  closeSandwich(restoreZoom = true): void {
    if (!this.sandwich) return;
    this.sandwich = null;
    this.sandwichHover = null;
    this.sandwichFocus = null;
    this.canvas.setAttribute('aria-label', this.graphLabel());
    this.tooltip.hidden = true;
    this.sandwichButton.setAttribute('aria-pressed', 'false');
    this.sandwichButton.setAttribute('secondary', '');
    this.sizeGraph();
    this.resize();
    this.updateLegend();
    this.renderDetail();
    if (restoreZoom) this.zoomTo(this.zoomNode);
    this.saveStateSoon();
  }

  /**
   * Keys in the sandwich, the flame graph's model (flame-keys.ts): arrows move between the boxes of both halves,
   * Enter makes the focused box's operation the middle row (a click does the same), Shift/Ctrl/⌘+Enter goes to its
   * source, Home shows the whole width, Escape/Backspace go back to the flame graph.
   */
  private onSandwichKey(e: KeyboardEvent): void {
    const sw = this.sandwich;
    if (!sw) return;
    const dirs: Record<string, NavDirection> = { ArrowUp: 'up', ArrowDown: 'down', ArrowLeft: 'left', ArrowRight: 'right' };
    const dir = dirs[e.key];
    const focus = normalizePos(this.sandwichFocus ?? { half: 'callees', id: 0 });
    if (dir) {
      e.preventDefault();
      this.focusSandwich(navigateSandwich(sw.nav, focus, dir));
      return;
    }
    switch (e.key) {
      case 'Enter': {
        e.preventDefault();
        const h = sw.at(focus);
        if (e.shiftKey || e.ctrlKey || e.metaKey) this.openSourceOf(h.data, h.id);
        else if (focus.id === 0) this.status.textContent = 'This operation is already the middle row.';
        else this.sandwichClick(h);
        break;
      }
      case 'Home':
        e.preventDefault();
        this.setView(fullView());
        this.saveStateSoon();
        break;
      case 'Escape':
      case 'Backspace':
        e.preventDefault();
        this.closeSandwich();
        break;
    }
  }

  /** Moves the sandwich's keyboard focus to `p`: outlined, in view, its numbers in the detail pane (announced). */
  private focusSandwich(p: SandwichPos): void {
    const sw = this.sandwich;
    if (!sw) return;
    this.sandwichFocus = normalizePos(p);
    const [x0, x1] = sw.extent(this.sandwichFocus);
    const v = viewToShow(this.view, x0, x1, Math.max(1, this.width));
    if (v !== this.view) this.setView(v);
    const y = sandwichRow(sw.nav, this.sandwichFocus) * ROW_HEIGHT;
    if (y < this.scroller.scrollTop) this.scroller.scrollTop = y;
    else if (y + ROW_HEIGHT > this.scroller.scrollTop + this.scroller.clientHeight) this.scroller.scrollTop = y + ROW_HEIGHT - this.scroller.clientHeight;
    this.renderDetail();
    this.schedule();
  }

  /** The sandwich box the keyboard is on, unless it is the middle row (whose numbers are the selected node's). */
  private focusedSandwichBox(): SandwichHit | null {
    if (!this.sandwich || !this.sandwichFocus) return null;
    const f = normalizePos(this.sandwichFocus);
    return f.id === 0 ? null : this.sandwich.at(f);
  }

  /** What a sandwich box is, in words (tooltip and detail pane). */
  private sandwichRole(h: SandwichHit): string {
    if (!this.data || !this.sandwich) return '';
    const op = nodeInfo(this.data, this.sandwich.target);
    const n = this.sandwich.s.outermost;
    if (h.id === 0) return `${op.service} · ${op.name} over all its ${n} call path${n === 1 ? '' : 's'}`;
    return h.half === 'callers' ? `caller: the times are those of ${op.name} called through this path` : `callee of ${op.name}, merged over its call paths`;
  }

  /** A click in the sandwich: that box's operation becomes the middle row (as in speedscope). */
  private sandwichClick(h: SandwichHit): void {
    if (!this.data || !this.sandwich) return;
    const info = nodeInfo(h.data, h.id);
    const target = nodeInfo(this.data, this.sandwich.target);
    if (info.service === target.service && info.name === target.name) return;
    const id = findOperation(this.data, info.service, info.name);
    if (id >= 0) this.openSandwich(id);
  }

  private onSandwichHover(e: MouseEvent): void {
    const h = this.hitAny(e);
    const same = h && this.sandwichHover && h.half === this.sandwichHover.half && h.id === this.sandwichHover.id;
    if (!same) {
      this.sandwichHover = h;
      this.schedule();
      if (h && this.data && this.sandwich) {
        renderStats(this.tooltip, h.data, h.id, this.labels, null, this.sandwich.percentiles(h.half, h.id));
        const what = this.sandwichRole(h);
        this.tooltip.append(el('div', 'fg-hint', `${what} · click: its sandwich · double-click: ${this.host.standalone ? 'copy source location' : 'go to source'}`));
      }
    }
    if (!h) {
      this.tooltip.hidden = true;
      return;
    }
    this.placeTooltip(e);
  }

  /** Click or drag in the minimap: centre the view there (x) and scroll to that row (y). */
  private minimapNavigate(x: number, y: number): void {
    if (!this.tree) return;
    const span = this.view.v1 - this.view.v0;
    const v0 = Math.min(1 - span, Math.max(0, x - span / 2));
    this.setView({ v0, v1: v0 + span });
    const contentH = this.rows() * ROW_HEIGHT;
    this.scroller.scrollTop = Math.max(0, y * contentH - this.scroller.clientHeight / 2);
    this.schedule();
    this.saveStateSoon();
  }

  private minimapState(): MinimapState {
    return { view: this.view, scrollTop: this.scroller.scrollTop, viewportH: this.scroller.clientHeight, contentH: this.rows() * ROW_HEIGHT, rowH: ROW_HEIGHT };
  }

  /** Keys on the focused minimap (flame-keys.ts `minimapKey`): pan, scroll, zoom around the view's centre. */
  private onMinimapKey(e: KeyboardEvent): void {
    if (!this.tree || e.ctrlKey || e.metaKey || e.altKey) return;
    const r = minimapKey(e.key, e.shiftKey, this.minimapState());
    if (!r) return;
    e.preventDefault();
    e.stopPropagation();
    this.setView(r.view);
    this.scroller.scrollTop = r.scrollTop;
    this.tooltip.hidden = true;
    this.schedule();
    this.saveStateSoon();
  }

  /** The graph is as tall as its rows (plus the border); flexbox shrinks it when the panel is short, then it scrolls. */
  private sizeGraph(): void {
    const rows = this.rows();
    this.graph.style.height = `${rows * ROW_HEIGHT + 2}px`;
  }

  private resize(): void {
    const w = this.scroller.clientWidth;
    const h = this.scroller.clientHeight;
    const dpr = window.devicePixelRatio || 1;
    const rows = this.rows();
    this.spacer.style.height = `${Math.max(0, rows * ROW_HEIGHT - h)}px`;
    if (w === this.width && h === this.height && dpr === this.dpr) return;
    this.width = w;
    this.height = h;
    this.dpr = dpr;
    this.canvas.width = Math.max(1, Math.round(w * dpr));
    this.canvas.height = Math.max(1, Math.round(h * dpr));
    this.canvas.style.width = `${w}px`;
    this.canvas.style.height = `${h}px`;
    if (this.renderer) this.setView(this.view);
    // resizing cleared the canvas: repaint now rather than show a blank frame until the next animation frame
    this.draw();
  }

  schedule(): void {
    if (this.frameRequested) return;
    this.frameRequested = true;
    requestAnimationFrame(() => this.draw());
  }

  private draw(): void {
    this.frameRequested = false;
    if (!this.renderer || this.width === 0 || this.height === 0) {
      for (const w of this.paintWaiters.splice(0)) w();
      return;
    }
    const t0 = performance.now();
    const ctx = this.ctx;
    ctx.setTransform(this.dpr, 0, 0, this.dpr, 0, 0);
    if (this.sandwich) {
      this.sandwich.render(ctx, { view: this.view, width: this.width, height: this.height, scrollTop: this.scroller.scrollTop, hover: this.sandwichHover, focus: this.sandwichFocus });
    } else {
      this.renderer.render(ctx, {
        view: this.view,
        width: this.width,
        height: this.height,
        scrollTop: this.scroller.scrollTop,
        selected: this.selected,
        hovered: this.hovered,
        matches: this.matches,
        emphasis: this.mode === 'diff' && this.diagnosis?.rootCause?.kind === 'stopped_work' ? this.stoppedGone : undefined,
      });
    }
    const t1 = performance.now();
    // the minimap while zoomed or scrolled (not in the sandwich, which is its own overview)
    const zoomed = this.view.v1 - this.view.v0 < 0.999 || this.scroller.scrollHeight > this.scroller.clientHeight + 1;
    const hadFocus = document.activeElement === this.minimap.canvas;
    this.minimap.update({
      valueText: minimapValueText(this.minimapState()),
      renderer: this.renderer,
      show: !this.sandwich && zoomed,
      view: this.view,
      width: this.width,
      dpr: this.dpr,
      rows: this.rows(),
      scrollTop: this.scroller.scrollTop,
      viewportH: this.height,
      themeKey: String(this.themeVersion),
    });
    // zoomed all the way out from the minimap's keys: it hides, so the keyboard goes on in the graph
    if (hadFocus && this.minimap.box.hidden) this.canvas.focus();
    this.frameTimes.push(t1 - t0);
    this.rectCounts.push(this.sandwich ? this.sandwich.callers.drawn.count + this.sandwich.callees.drawn.count : this.renderer.drawn.count);
    if (this.frameTimes.length > 5000) {
      this.frameTimes.splice(0, 1000);
      this.rectCounts.splice(0, 1000);
    }
    if (this.firstPaintMs < 0) this.firstPaintMs = t1;
    if (this.paintReportFrom >= 0 && !this.host.standalone) {
      this.host.post({ type: 'painted', afterSetDataMs: Math.round(t1 - this.paintReportFrom), sinceScriptStartMs: Math.round(t1) });
      this.paintReportFrom = -1;
    }
    for (const w of this.paintWaiters.splice(0)) w();
  }

  /** Resolves after the next frame has been drawn. */
  nextPaint(): Promise<void> {
    this.schedule();
    return new Promise((r) => this.paintWaiters.push(r));
  }

  // ---------------------------------------------------------------------------------------------------------------
  // test hook

  testHook() {
    const app = this;
    return {
      get frameTimes() {
        return app.frameTimes;
      },
      get rectCounts() {
        return app.rectCounts;
      },
      get firstPaintMs() {
        return app.firstPaintMs;
      },
      get loadMs() {
        return app.loadMs;
      },
      nodeCount: () => app.data?.n ?? 0,
      getDrawnRects: () => {
        const r = app.renderer;
        if (!r || !app.data) return [];
        const d = r.drawn;
        const out = [];
        for (let j = 0; j < d.count; j++) {
          const id = d.ids[j]!;
          const info = nodeInfo(app.data, id);
          out.push({ id, service: info.service, name: info.name, x: d.x[j]!, y: d.y[j]!, w: d.w[j]!, h: ROW_HEIGHT - 1, fill: r.fillRgb(id, !!(app.matches && !app.matches[id])), rootCause: info.rootCause, matched: !!app.matches?.[id], gone: r.isGone(id), rest: d.tw[j]!, restX: d.tx[j]!, emphasized: app.mode === 'diff' && app.diagnosis?.rootCause?.kind === 'stopped_work' && app.stoppedGone.includes(id) });
        }
        return out;
      },
      find: (service: string, name: string) => (app.data ? findOperation(app.data, service, name) : -1),
      rootCauses: () => (app.data ? rootCauseNodes(app.data) : []),
      search: (q: string) => app.search(q),
      zoomTo: (id: number) => app.zoomTo(id),
      reset: () => app.zoomTo(0),
      select: (id: number) => app.select(id),
      /** select node id and bring it into view (what the detail pane's links do) */
      reveal: (id: number) => app.revealNode(id),
      setMode: (m: FlameMode) => isFlameMode(m) && app.setMode(m),
      /** pan/zoom the view directly (unit interval) — for the benchmark */
      setView: (v0: number, v1: number) => app.setView({ v0, v1 }),
      state: () => ({
        ...app.state(),
        zoomNode: app.zoomNode,
        selected: app.selected,
        view: { ...app.view },
        sandwich: app.sandwich ? app.sandwich.target : -1,
        /** the sandwich box the keyboard is on: half, id in that half's data, and its label */
        sandwichFocus: app.sandwich && app.sandwichFocus ? (({ half, id }) => ({ half, id, label: `${nodeInfo(app.sandwich!.at({ half, id }).data, id).service}/${nodeInfo(app.sandwich!.at({ half, id }).data, id).name}` }))(app.sandwichFocus) : null,
        scrollTop: app.scroller.scrollTop,
      }),
      /** open the sandwich of node id's operation (−1 closes it) */
      sandwich: (id: number) => (id < 0 ? app.closeSandwich() : app.openSandwich(id)),
      sandwichInfo: () =>
        app.sandwich ? { target: app.sandwich.target, occurrences: app.sandwich.s.occurrences, outermost: app.sandwich.s.outermost, rows: app.sandwich.rows, middle: app.sandwich.middle, buildMs: app.sandwich.buildMs } : null,
      /** rects drawn in the sandwich: half, service, name, CSS-pixel box, fill, and the times of that merged node */
      sandwichRects: () => {
        const sw = app.sandwich;
        if (!sw) return [];
        return sw.drawn().map((r) => {
          const d = r.half === 'callers' ? sw.s.callers : sw.s.callees;
          const info = nodeInfo(d, r.id);
          const rend = r.half === 'callers' ? sw.callers : sw.callees;
          return { ...r, h: ROW_HEIGHT - 1, service: info.service, name: info.name, fill: rend.fillRgb(r.id), bTotal: d.bTotal[r.id], iTotal: d.iTotal[r.id], source: info.source ?? null };
        });
      },
      minimap: () => ({ shown: !app.minimap.box.hidden, baseMs: app.minimap.lastBaseMs }),
      nextPaint: () => app.nextPaint(),
      exemplars: app.exemplars.testHook(),
    };
  }
}

/** The key event comes from somewhere text is typed (the search box, a chat input, an editable element). */
function isTextEntry(e: KeyboardEvent): boolean {
  for (const t of e.composedPath()) {
    if (!(t instanceof HTMLElement)) continue;
    if (t instanceof HTMLInputElement || t instanceof HTMLTextAreaElement || t instanceof HTMLSelectElement || t.isContentEditable) return true;
    if (/^VSCODE-(TEXTFIELD|TEXTAREA)$/.test(t.tagName)) return true;
  }
  return false;
}

/** Messages in the shape the host sent before src/protocol/messages.ts (a raw DiffTree/AggTree, `focus`). */
function fromLegacy(raw: unknown): SetDataMessage | { type: 'focus'; service: string; name: string } | null {
  if (!raw || typeof raw !== 'object') return null;
  const m = raw as Record<string, unknown>;
  if (m.type === 'focus' && typeof m.service === 'string' && typeof m.name === 'string') return { type: 'focus', service: m.service, name: m.name };
  if (m.type !== 'setData' || !m.data || typeof m.data !== 'object') return null;
  const d = m.data as { title?: string; baselineLabel?: string; incidentLabel?: string; diff?: DiffTree; agg?: AggTree; diagnosis?: Diagnosis | null };
  const tree = d.diff && Array.isArray(d.diff.nodes) ? toFlameData(d.diff, d.diagnosis) : d.agg && Array.isArray(d.agg.nodes) ? aggToFlameData(d.agg, d.diagnosis) : null;
  return {
    type: 'setData',
    tree,
    diagnosis: d.diagnosis ?? null,
    ...(d.title ? { title: d.title } : {}),
    ...(d.baselineLabel ? { baselineLabel: d.baselineLabel } : {}),
    ...(d.incidentLabel ? { incidentLabel: d.incidentLabel } : {}),
  };
}

function start(): void {
  let app: FlameApp | undefined;
  let answer: ((m: ExemplarToHostMessage) => void) | undefined;
  const host: FlameHost = connectHost((m: FlameToHostMessage | ExemplarToHostMessage) => {
    // standalone: exemplar requests are answered from the embedded bundle; nothing else has a receiver
    if (m.type === 'exemplarsRequest' || m.type === 'traceRequest' || m.type === 'spanRequest') answer?.(m);
  });
  try {
    app = new FlameApp(host);
  } catch (e) {
    host.post({ type: 'error', message: (e as Error).message });
    throw e;
  }
  (window as unknown as { __flame: unknown }).__flame = app.testHook();
  if (host.standalone) {
    let bundle = null;
    try {
      bundle = host.embeddedExemplars();
    } catch {
      bundle = null; // a damaged bundle only costs the waterfalls
    }
    const target = app;
    answer = embeddedResponder(bundle, (r) => target.onMessage(r));
    try {
      const embedded = host.embedded();
      app.onMessage(embedded ?? { type: 'setData', tree: null });
    } catch (e) {
      app.onMessage({ type: 'setData', tree: null, title: `the embedded data (${(e as Error).message})` });
    }
  } else {
    host.post({ type: 'ready' });
  }
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start, { once: true });
else start();
