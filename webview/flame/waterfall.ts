/**
 * Trace waterfalls (Jaeger-style): one row per span, bars on a shared time axis, the incident trace above the
 * baseline trace on the same scale. Canvas 2D, virtualised: each trace has its own scrolling viewport and only the
 * rows in view are drawn, so a 10k-span trace costs what its ~30 visible rows cost.
 *
 * Marked: the critical path (a band in the foreground colour over the part of each span's own time that is on it),
 * caller→callee gaps (a dotted line from the reference point to the span's start, labelled when wide enough), the
 * spans on the flame graph's selected call path (outline + tinted row), errors (a red tick), the selected span.
 * Text from traces is drawn on the canvas or set with textContent — never parsed as HTML.
 */
import { formatMs, labelColor, mix, rgbCss, serviceColor, trimTextMid, type RGB } from '../../src/core/diff/flame-layout';
import { clampTime, decodeTrace, markPath, niceTicks, panTime, zoomTime, type DecodedTrace, type TimeView } from '../../src/core/exemplars/waterfall-view';
import { SpanFlag, type CallPathSegment, type ExemplarSide, type WaterfallTrace } from '../../src/protocol/exemplars';
import { el } from './details';
import type { Theme } from './theme';

export const WF_ROW = 18;
const AXIS_H = 20;
const INDENT = 10;
const MAX_INDENT_LEVELS = 24;

export interface SpanPick {
  side: ExemplarSide;
  index: number;
  service: string;
  name: string;
}

interface Lane {
  side: ExemplarSide;
  box: HTMLElement;
  title: HTMLElement;
  view: HTMLElement;
  canvas: HTMLCanvasElement;
  spacer: HTMLElement;
  ctx: CanvasRenderingContext2D;
  trace: DecodedTrace | null;
  message: string;
  width: number;
  height: number;
  selected: number;
  hovered: number;
  /** rows drawn in the last frame (first, last) — test hook */
  drawnFrom: number;
  drawnTo: number;
}

export interface WaterfallOptions {
  onPick(p: SpanPick): void;
  theme(): Theme;
}

export class Waterfall {
  readonly element = el('div', 'fg-wf');
  private readonly axis = el('canvas', 'fg-wf-axis');
  private readonly axisCtx: CanvasRenderingContext2D;
  private readonly tooltip = el('div', 'fg-wf-tooltip');
  private readonly lanes: Record<ExemplarSide, Lane>;
  private path: CallPathSegment[] = [];
  private view: TimeView = { t0: 0, t1: 1 };
  private maxMs = 1;
  private dpr = 1;
  private frame = false;
  private theme: Theme;
  private colors = new Map<string, { fill: string; ink: string; rgb: RGB }>();
  private charWidths = new Map<number, number>();
  readonly frameTimes: number[] = [];
  private paintWaiters: Array<() => void> = [];
  private drag: { x: number; view: TimeView } | null = null;

  constructor(private readonly opts: WaterfallOptions) {
    this.theme = opts.theme();
    const actx = this.axis.getContext('2d');
    if (!actx) throw new Error('canvas 2D context unavailable');
    this.axisCtx = actx;
    this.axis.setAttribute('aria-hidden', 'true');
    this.tooltip.hidden = true;
    this.tooltip.setAttribute('role', 'tooltip');
    this.lanes = { incident: this.lane('incident'), baseline: this.lane('baseline') };
    this.element.append(this.axis, this.lanes.incident.box, this.lanes.baseline.box, this.tooltip);
    new ResizeObserver(() => this.resize()).observe(this.element);
    this.axis.addEventListener('wheel', (e) => this.onWheel(e, this.axis), { passive: false });
    this.axis.addEventListener('dblclick', () => this.resetZoom());
  }

  private lane(side: ExemplarSide): Lane {
    const box = el('div', `fg-wf-lane fg-wf-${side}`);
    const title = el('div', 'fg-wf-title');
    const view = el('div', 'fg-wf-view');
    const canvas = el('canvas', 'fg-wf-canvas');
    const spacer = el('div', 'fg-wf-spacer');
    view.append(canvas, spacer);
    view.tabIndex = 0;
    view.setAttribute('role', 'listbox');
    view.setAttribute('aria-label', `${side} trace waterfall. Up and down arrows move between spans, Enter goes to the source.`);
    box.append(title, view);
    box.dataset.side = side;
    const ctx = canvas.getContext('2d', { alpha: false });
    if (!ctx) throw new Error('canvas 2D context unavailable');
    const lane: Lane = { side, box, title, view, canvas, spacer, ctx, trace: null, message: '', width: 0, height: 0, selected: -1, hovered: -1, drawnFrom: 0, drawnTo: -1 };
    view.addEventListener('scroll', () => this.schedule(), { passive: true });
    view.addEventListener('wheel', (e) => this.onWheel(e, canvas), { passive: false });
    canvas.addEventListener('mousemove', (e) => this.onHover(lane, e));
    canvas.addEventListener('mouseleave', () => {
      this.tooltip.hidden = true;
      if (lane.hovered !== -1) {
        lane.hovered = -1;
        this.schedule();
      }
    });
    canvas.addEventListener('mousedown', (e) => {
      if (e.button === 0) this.drag = { x: e.clientX, view: { ...this.view } };
    });
    window.addEventListener('mousemove', (e) => {
      if (!this.drag || !(e.buttons & 1)) return;
      const dx = e.clientX - this.drag.x;
      if (Math.abs(dx) < 4) return;
      const bw = this.barWidth(lane.width);
      this.view = panTime(this.drag.view, (-dx / bw) * (this.drag.view.t1 - this.drag.view.t0), this.maxMs);
      this.schedule();
    });
    canvas.addEventListener('click', (e) => {
      const moved = this.drag && Math.abs(e.clientX - this.drag.x) >= 4;
      this.drag = null;
      if (moved) return;
      const i = this.rowAt(lane, e);
      if (i >= 0) this.pick(lane, i);
    });
    view.addEventListener('keydown', (e) => this.onKey(lane, e));
    return lane;
  }

  // -------------------------------------------------------------------------------------------------------------
  // data

  /** Show a trace (or a message instead) in one lane. */
  setTrace(side: ExemplarSide, w: WaterfallTrace | null, message = ''): void {
    const lane = this.lanes[side];
    lane.trace = w ? decodeTrace(w, this.path) : null;
    lane.message = message;
    lane.selected = -1;
    lane.hovered = -1;
    this.renderTitle(lane);
    this.updateScale();
    this.resize();
    if (lane.trace && lane.trace.firstOnPath >= 0) this.scrollToRow(lane, lane.trace.firstOnPath, true);
    else lane.view.scrollTop = 0;
    this.schedule();
  }

  setPath(path: CallPathSegment[]): void {
    this.path = path;
    for (const lane of Object.values(this.lanes)) {
      if (lane.trace) markPath(lane.trace, path);
      this.renderTitle(lane);
    }
    this.schedule();
  }

  setTheme(t: Theme): void {
    this.theme = t;
    this.colors.clear();
    this.charWidths.clear();
    this.schedule();
  }

  resetZoom(): void {
    this.view = { t0: 0, t1: this.maxMs };
    this.schedule();
  }

  private updateScale(): void {
    const a = this.lanes.incident.trace?.w.durationMs ?? 0;
    const b = this.lanes.baseline.trace?.w.durationMs ?? 0;
    this.maxMs = Math.max(a, b, 1e-3);
    this.view = { t0: 0, t1: this.maxMs };
  }

  private renderTitle(lane: Lane): void {
    lane.title.replaceChildren();
    const label = lane.side === 'incident' ? 'Incident trace' : 'Baseline trace';
    lane.title.append(el('span', 'fg-wf-side', label));
    const t = lane.trace;
    if (!t) {
      lane.title.append(el('span', 'fg-wf-meta', lane.message || '—'));
      return;
    }
    const w = t.w;
    lane.title.append(
      el('code', 'fg-wf-id', w.traceId),
      el('span', 'fg-wf-meta', `${formatMs(w.latencyMs)} end to end · ${w.totalSpans.toLocaleString('en-US')} spans${w.n < w.totalSpans ? ` (${w.n.toLocaleString('en-US')} shown)` : ''}`),
    );
    if (this.path.length) lane.title.append(el('span', 'fg-wf-meta fg-wf-onpath', t.pathCount ? `${t.pathCount} on the selected call path` : 'not through the selected call path'));
    if (w.startMs > 0) lane.title.append(el('span', 'fg-wf-meta', new Date(w.startMs).toISOString()));
  }

  // -------------------------------------------------------------------------------------------------------------
  // geometry

  private labelWidth(width: number): number {
    return Math.round(Math.max(140, Math.min(340, width * (width < 800 ? 0.34 : 0.28))));
  }
  private barX0(width: number): number {
    return this.labelWidth(width) + 8;
  }
  private barWidth(width: number): number {
    return Math.max(10, width - this.barX0(width) - 56);
  }
  private xOf(width: number, t: number): number {
    return this.barX0(width) + ((t - this.view.t0) / Math.max(1e-9, this.view.t1 - this.view.t0)) * this.barWidth(width);
  }

  private rowAt(lane: Lane, e: MouseEvent): number {
    if (!lane.trace) return -1;
    const r = lane.canvas.getBoundingClientRect();
    const y = e.clientY - r.top + lane.view.scrollTop;
    const i = Math.floor(y / WF_ROW);
    return i >= 0 && i < lane.trace.n ? i : -1;
  }

  private resize(): void {
    const dpr = window.devicePixelRatio || 1;
    this.dpr = dpr;
    const width = this.element.clientWidth;
    this.axis.width = Math.max(1, Math.round(width * dpr));
    this.axis.height = Math.round(AXIS_H * dpr);
    this.axis.style.width = `${width}px`;
    this.axis.style.height = `${AXIS_H}px`;
    for (const lane of Object.values(this.lanes)) {
      const rows = lane.trace?.n ?? 0;
      lane.box.hidden = !lane.trace && !lane.message;
      lane.view.style.height = `${Math.max(WF_ROW, rows * WF_ROW) + 2}px`;
      const w = lane.view.clientWidth;
      const h = Math.min(lane.view.clientHeight, Math.max(WF_ROW, rows * WF_ROW));
      lane.spacer.style.height = `${Math.max(0, rows * WF_ROW - h)}px`;
      if (w !== lane.width || h !== lane.height || lane.canvas.width !== Math.round(w * dpr)) {
        lane.width = w;
        lane.height = h;
        lane.canvas.width = Math.max(1, Math.round(w * dpr));
        lane.canvas.height = Math.max(1, Math.round(h * dpr));
        lane.canvas.style.width = `${w}px`;
        lane.canvas.style.height = `${h}px`;
      }
    }
    this.draw();
  }

  // -------------------------------------------------------------------------------------------------------------
  // interaction

  private onWheel(e: WheelEvent, target: HTMLElement): void {
    const lane = this.lanes.incident.trace ? this.lanes.incident : this.lanes.baseline;
    const width = lane.width || this.element.clientWidth;
    const zoomKey = e.ctrlKey || e.metaKey || target === this.axis;
    const horizontal = e.shiftKey || Math.abs(e.deltaX) > Math.abs(e.deltaY);
    if (!zoomKey && !horizontal) return; // plain wheel scrolls the rows
    e.preventDefault();
    const unit = e.deltaMode === 1 ? 16 : 1;
    if (zoomKey && !horizontal) {
      const r = target.getBoundingClientRect();
      const x = e.clientX - r.left;
      const at = this.view.t0 + ((x - this.barX0(width)) / this.barWidth(width)) * (this.view.t1 - this.view.t0);
      this.view = zoomTime(this.view, Math.max(0, Math.min(this.maxMs, at)), Math.exp(e.deltaY * unit * 0.002), this.maxMs, this.maxMs * 1e-6);
    } else {
      const d = (e.deltaX || e.deltaY) * unit;
      this.view = panTime(this.view, (d / this.barWidth(width)) * (this.view.t1 - this.view.t0), this.maxMs);
    }
    this.tooltip.hidden = true;
    this.schedule();
  }

  private onKey(lane: Lane, e: KeyboardEvent): void {
    const t = lane.trace;
    if (!t) return;
    const page = Math.max(1, Math.floor(lane.height / WF_ROW) - 1);
    const moves: Record<string, number> = { ArrowDown: 1, ArrowUp: -1, PageDown: page, PageUp: -page };
    if (e.key in moves) {
      e.preventDefault();
      const from = lane.selected >= 0 ? lane.selected : lane.view.scrollTop / WF_ROW;
      this.select(lane.side, Math.max(0, Math.min(t.n - 1, Math.round(from + moves[e.key]!))));
    } else if (e.key === 'Home' || e.key === 'End') {
      e.preventDefault();
      this.select(lane.side, e.key === 'Home' ? 0 : t.n - 1);
    } else if (e.key === 'Enter' && lane.selected >= 0) {
      e.preventDefault();
      this.pick(lane, lane.selected);
    } else if (e.key === 'Escape') {
      this.resetZoom();
    }
  }

  /** Select a span (no navigation) and keep it in view. */
  select(side: ExemplarSide, i: number): void {
    const lane = this.lanes[side];
    if (!lane.trace || i < 0 || i >= lane.trace.n) return;
    lane.selected = i;
    this.scrollToRow(lane, i, false);
    this.schedule();
  }

  private pick(lane: Lane, i: number): void {
    const t = lane.trace;
    if (!t) return;
    lane.selected = i;
    for (const other of Object.values(this.lanes)) if (other !== lane) other.selected = -1;
    this.schedule();
    this.opts.onPick({ side: lane.side, index: i, service: t.w.strings[t.w.service[i]!] ?? '', name: t.w.strings[t.w.name[i]!] ?? '' });
  }

  private scrollToRow(lane: Lane, i: number, center: boolean): void {
    const y = i * WF_ROW;
    const h = lane.view.clientHeight;
    if (center) lane.view.scrollTop = Math.max(0, y - h / 3);
    else if (y < lane.view.scrollTop) lane.view.scrollTop = y;
    else if (y + WF_ROW > lane.view.scrollTop + h) lane.view.scrollTop = y + WF_ROW - h;
  }

  private onHover(lane: Lane, e: MouseEvent): void {
    const i = this.rowAt(lane, e);
    if (i !== lane.hovered) {
      lane.hovered = i;
      this.schedule();
      if (i >= 0) this.fillTooltip(lane, i);
    }
    if (i < 0) {
      this.tooltip.hidden = true;
      return;
    }
    this.tooltip.hidden = false;
    const box = this.element.getBoundingClientRect();
    const tw = this.tooltip.offsetWidth;
    const th = this.tooltip.offsetHeight;
    let x = e.clientX - box.left + 14;
    let y = e.clientY - box.top + 14;
    if (x + tw > box.width) x = Math.max(0, e.clientX - box.left - tw - 10);
    if (y + th > box.height) y = Math.max(0, e.clientY - box.top - th - 10);
    this.tooltip.style.transform = `translate(${Math.round(x)}px, ${Math.round(y)}px)`;
  }

  /** Span details as DOM text (tooltip and the exemplar panel's detail line). */
  describe(side: ExemplarSide, i: number): string[] {
    const t = this.lanes[side].trace;
    if (!t || i < 0 || i >= t.n) return [];
    const w = t.w;
    const f = t.flags[i]!;
    let crit = 0;
    for (let q = t.critOff[i]!; q < t.critOff[i + 1]!; q++) crit += t.critHi[q]! - t.critLo[q]!;
    const lines = [
      `starts at ${formatMs(t.start[i]!)} · lasts ${formatMs(t.dur[i]!)}`,
      `${w.strings[w.kind[i]!] ?? ''} span, depth ${t.depth[i]}`,
    ];
    if (t.parent[i]! >= 0) lines.push(`gap after the caller: ${formatMs(t.gap[i]!)}`);
    if (crit > 0) lines.push(`on the critical path: ${formatMs(crit)}`);
    if (f & SpanFlag.Error) lines.push('error status');
    if (f & SpanFlag.SkewAdjusted) lines.push('start adjusted for clock skew');
    if (f & SpanFlag.OutlivesParent) lines.push('ends after its caller (async)');
    if (f & SpanFlag.Orphan) lines.push('its parent span is missing');
    if (t.onPath[i]) lines.push('on the selected call path');
    return lines;
  }

  private fillTooltip(lane: Lane, i: number): void {
    const t = lane.trace!;
    const w = t.w;
    this.tooltip.replaceChildren();
    const title = el('div', 'fg-title');
    title.append(el('span', 'fg-service', w.strings[w.service[i]!] ?? ''), el('span', 'fg-sep', ' · '), el('span', 'fg-name', w.strings[w.name[i]!] ?? ''));
    this.tooltip.append(title);
    for (const line of this.describe(lane.side, i)) this.tooltip.append(el('div', undefined, line));
  }

  // -------------------------------------------------------------------------------------------------------------
  // drawing

  schedule(): void {
    if (this.frame) return;
    this.frame = true;
    requestAnimationFrame(() => this.draw());
  }

  nextPaint(): Promise<void> {
    this.schedule();
    return new Promise((r) => this.paintWaiters.push(r));
  }

  private color(service: string) {
    let c = this.colors.get(service);
    if (!c) {
      const rgb = serviceColor(service, this.theme.dark);
      c = { fill: rgbCss(rgb), ink: labelColor(rgb), rgb };
      this.colors.set(service, c);
    }
    return c;
  }

  private measure(ctx: CanvasRenderingContext2D, s: string): number {
    let w = 0;
    for (let k = 0; k < s.length; k++) {
      const code = s.charCodeAt(k);
      let cw = this.charWidths.get(code);
      if (cw === undefined) {
        cw = ctx.measureText(s[k]!).width;
        this.charWidths.set(code, cw);
      }
      w += cw;
    }
    return w;
  }

  private draw(): void {
    this.frame = false;
    const t0 = performance.now();
    this.drawAxis();
    for (const lane of Object.values(this.lanes)) this.drawLane(lane);
    this.frameTimes.push(performance.now() - t0);
    if (this.frameTimes.length > 5000) this.frameTimes.splice(0, 1000);
    for (const w of this.paintWaiters.splice(0)) w();
  }

  private drawAxis(): void {
    const ctx = this.axisCtx;
    const width = this.element.clientWidth;
    const th = this.theme;
    ctx.setTransform(this.dpr, 0, 0, this.dpr, 0, 0);
    ctx.fillStyle = rgbCss(th.background);
    ctx.fillRect(0, 0, width, AXIS_H);
    const hasTrace = !!(this.lanes.incident.trace || this.lanes.baseline.trace);
    if (!hasTrace || width <= 0) return;
    ctx.font = th.font;
    ctx.textBaseline = 'middle';
    const fg = rgbCss(th.foreground);
    const muted = rgbCss(mix(th.background, th.foreground, 0.55));
    ctx.fillStyle = muted;
    ctx.fillText(this.view.t0 > 0 || this.view.t1 < this.maxMs ? 'time (zoomed: double-click to reset)' : 'time', 4, AXIS_H / 2);
    const bw = this.barWidth(width);
    ctx.fillStyle = fg;
    ctx.strokeStyle = muted;
    ctx.beginPath();
    for (const t of niceTicks(this.view.t0, this.view.t1, Math.max(2, Math.floor(bw / 90)))) {
      const x = Math.round(this.xOf(width, t)) + 0.5;
      ctx.moveTo(x, AXIS_H - 5);
      ctx.lineTo(x, AXIS_H);
      const label = formatMs(t);
      const lw = this.measure(ctx, label);
      ctx.fillText(label, Math.min(width - lw - 2, Math.max(this.barX0(width), x - lw / 2)), AXIS_H / 2 - 2);
    }
    ctx.stroke();
  }

  private drawLane(lane: Lane): void {
    const ctx = lane.ctx;
    const { width, height } = lane;
    const th = this.theme;
    ctx.setTransform(this.dpr, 0, 0, this.dpr, 0, 0);
    ctx.fillStyle = rgbCss(th.background);
    ctx.fillRect(0, 0, width, height);
    const t = lane.trace;
    lane.drawnFrom = 0;
    lane.drawnTo = -1;
    if (!t || width <= 0 || height <= 0) return;
    const w = t.w;
    const scrollTop = lane.view.scrollTop;
    const first = Math.max(0, Math.floor(scrollTop / WF_ROW));
    const last = Math.min(t.n - 1, Math.floor((scrollTop + height) / WF_ROW));
    lane.drawnFrom = first;
    lane.drawnTo = last;
    const labelW = this.labelWidth(width);
    const x0 = this.barX0(width);
    const fgRgb = th.foreground;
    const fg = rgbCss(fgRgb);
    const muted = rgbCss(mix(th.background, fgRgb, 0.5));
    const grid = rgbCss(mix(th.background, fgRgb, 0.1));
    const pathTint = `rgba(${th.match.replace(/^rgb\(|\)$/g, '')}, 0.16)`;
    const slower = rgbCss(th.slower);
    ctx.font = th.font;
    ctx.textBaseline = 'middle';

    // grid lines at the axis ticks
    ctx.strokeStyle = grid;
    ctx.beginPath();
    for (const tk of niceTicks(this.view.t0, this.view.t1, Math.max(2, Math.floor(this.barWidth(width) / 90)))) {
      const x = Math.round(this.xOf(width, tk)) + 0.5;
      ctx.moveTo(x, 0);
      ctx.lineTo(x, height);
    }
    ctx.moveTo(labelW + 0.5, 0);
    ctx.lineTo(labelW + 0.5, height);
    ctx.stroke();

    for (let i = first; i <= last; i++) {
      const y = i * WF_ROW - scrollTop;
      const mid = y + WF_ROW / 2;
      if (t.onPath[i]) {
        ctx.fillStyle = pathTint;
        ctx.fillRect(0, y, width, WF_ROW);
      }
      if (i === lane.hovered) {
        ctx.fillStyle = rgbCss(mix(th.background, fgRgb, 0.08));
        ctx.fillRect(0, y, width, WF_ROW);
      }
      const service = w.strings[w.service[i]!] ?? '';
      const name = w.strings[w.name[i]!] ?? '';
      const c = this.color(service);
      // label column: indent, service swatch, name
      const d = t.depth[i]!;
      const indent = 4 + Math.min(d, MAX_INDENT_LEVELS) * INDENT;
      ctx.fillStyle = c.fill;
      ctx.fillRect(indent, y + 3, 4, WF_ROW - 6);
      // the operation first (it gets the room), then its service in the muted colour when it fits
      const text = `${d > MAX_INDENT_LEVELS ? `${d}› ` : ''}${name}`;
      const room = labelW - indent - 12;
      if (room > 12) {
        const shown = trimTextMid(text, room, (s) => this.measure(ctx, s));
        ctx.fillStyle = t.flags[i]! & SpanFlag.Error ? slower : fg;
        ctx.fillText(shown, indent + 8, mid);
        const used = this.measure(ctx, shown) + 8;
        if (shown === text && used + 24 < room) {
          ctx.fillStyle = muted;
          ctx.fillText(trimTextMid(service, room - used, (s) => this.measure(ctx, s)), indent + 8 + used, mid);
        }
      }

      // gap from the caller's reference point to the span's start
      const s = t.start[i]!;
      const e = s + t.dur[i]!;
      const gap = t.gap[i]!;
      const xs = this.xOf(width, s);
      const xe = Math.max(xs + 1, this.xOf(width, e));
      if (gap > 0 && t.parent[i]! >= 0) {
        const xg = this.xOf(width, s - gap);
        if (xs - xg >= 3 && xs > x0 && xg < width) {
          ctx.strokeStyle = muted;
          ctx.setLineDash([2, 3]);
          ctx.beginPath();
          ctx.moveTo(Math.max(x0, xg), mid + 0.5);
          ctx.lineTo(Math.min(width, xs), mid + 0.5);
          ctx.stroke();
          ctx.setLineDash([]);
          ctx.fillStyle = muted;
          ctx.fillRect(Math.max(x0, xg) - 0.5, mid - 3, 1, 6);
          const gl = `+${formatMs(gap)}`;
          const gw = this.measure(ctx, gl);
          if (xs - Math.max(x0, xg) > gw + 8) ctx.fillText(gl, (Math.max(x0, xg) + Math.min(width, xs)) / 2 - gw / 2, y + 5);
        }
      }
      // the bar (clipped to the bar area)
      if (xe >= x0 && xs <= width) {
        const bx = Math.max(x0, xs);
        const bw = Math.min(width, xe) - bx;
        ctx.fillStyle = c.fill;
        ctx.fillRect(bx, y + 3, Math.max(1, bw), WF_ROW - 6);
        // critical path segments
        ctx.fillStyle = fg;
        for (let q = t.critOff[i]!; q < t.critOff[i + 1]!; q++) {
          const cx0 = Math.max(x0, this.xOf(width, t.critLo[q]!));
          const cx1 = Math.min(width, this.xOf(width, t.critHi[q]!));
          if (cx1 > cx0 - 1) ctx.fillRect(cx0, mid - 1.5, Math.max(1, cx1 - cx0), 3);
        }
        if (t.flags[i]! & SpanFlag.Error) {
          ctx.fillStyle = slower;
          ctx.fillRect(bx, y + 2, 3, WF_ROW - 4);
        }
        if (t.onPath[i]) {
          ctx.strokeStyle = th.match;
          ctx.lineWidth = 2;
          ctx.strokeRect(bx - 1, y + 2, Math.max(1, bw) + 2, WF_ROW - 4);
          ctx.lineWidth = 1;
        }
        // duration after the bar (or inside it when there is no room after)
        const dl = formatMs(t.dur[i]!);
        const dw = this.measure(ctx, dl);
        if (xe + 4 + dw <= width) {
          ctx.fillStyle = muted;
          ctx.fillText(dl, xe + 4, mid);
        } else if (bw > dw + 8) {
          ctx.fillStyle = c.ink;
          ctx.fillText(dl, Math.min(width, xe) - dw - 4, mid);
        }
      }
      if (i === lane.selected) {
        ctx.strokeStyle = th.focus;
        ctx.lineWidth = 2;
        ctx.strokeRect(1, y + 1, width - 2, WF_ROW - 2);
        ctx.lineWidth = 1;
      }
    }
  }

  // -------------------------------------------------------------------------------------------------------------
  // test hook

  testHook() {
    return {
      frameTimes: this.frameTimes,
      nextPaint: () => this.nextPaint(),
      view: () => ({ ...this.view, max: this.maxMs }),
      /** the drawn rows of a lane with their bar rectangles in client coordinates */
      rows: (side: ExemplarSide) => {
        const lane = this.lanes[side];
        const t = lane.trace;
        if (!t) return [];
        const r = lane.canvas.getBoundingClientRect();
        const out = [];
        for (let i = lane.drawnFrom; i <= lane.drawnTo; i++) {
          const xs = Math.max(this.barX0(lane.width), this.xOf(lane.width, t.start[i]!));
          const xe = Math.max(xs + 1, Math.min(lane.width, this.xOf(lane.width, t.start[i]! + t.dur[i]!)));
          out.push({
            index: i,
            service: t.w.strings[t.w.service[i]!] ?? '',
            name: t.w.strings[t.w.name[i]!] ?? '',
            onPath: !!t.onPath[i],
            critical: !!(t.flags[i]! & SpanFlag.Critical),
            x: r.left + xs,
            y: r.top + i * WF_ROW - lane.view.scrollTop,
            /** relative to the lane's canvas (for clicks through the canvas element) */
            cx: xs,
            cy: i * WF_ROW - lane.view.scrollTop,
            w: xe - xs,
            h: WF_ROW,
          });
        }
        return out;
      },
      scrollTo: (side: ExemplarSide, top: number) => {
        this.lanes[side].view.scrollTop = top;
        return this.nextPaint();
      },
      zoom: (t0: number, t1: number) => {
        this.view = clampTime({ t0, t1 }, this.maxMs);
        return this.nextPaint();
      },
      selected: (side: ExemplarSide) => this.lanes[side].selected,
      traceId: (side: ExemplarSide) => this.lanes[side].trace?.w.traceId ?? null,
      spanCount: (side: ExemplarSide) => this.lanes[side].trace?.n ?? 0,
    };
  }
}
