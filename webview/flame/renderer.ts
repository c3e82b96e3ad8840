/**
 * Canvas 2D icicle renderer. Per frame: cull to the nodes that are on screen and ≥ 1 px wide (subtrees skipped
 * whole), bucket them by fill colour (one path + one fill() per colour), draw labels only where they fit (glyph-width
 * cache, middle ellipsis), then outlines for search matches, the selection and the root cause. The rects drawn are
 * kept for hit testing and for the test hook.
 */
import {
  cullVisible,
  DEFAULT_DIFF_PALETTE,
  diffIntensity,
  diffScale,
  labelColor,
  layoutFlame,
  mix,
  rgbCss,
  fitOperationLabel,
  type FlameLayout,
  type FlameTree,
  type RGB,
  type View,
} from '../../src/core/diff/flame-layout';
import { partlyGone } from '../../src/core/diff/flame-gone';
import { serviceOrder, themedServicePalette } from '../../src/core/diff/flame-palette';
import { FlameFlag, type FlameData, type FlameMode } from '../../src/protocol/messages';
import type { Theme } from './theme';

export const ROW_HEIGHT = 18;
const LEVELS = 16;
const MIN_RECT_PX = 1;
const MIN_LABEL_PX = 28;
const DIM = 0.72;
const BADGE = 'ROOT CAUSE';

export interface DrawnRects {
  ids: Int32Array;
  x: Float32Array;
  y: Float32Array;
  w: Float32Array;
  /** palette entry used */
  fill: Uint16Array;
  /** the hatched remainder after the box (calls made fewer times in the incident): its x and width, 0 for none */
  tx?: Float32Array;
  tw?: Float32Array;
  count: number;
}

export interface FrameParams {
  view: View;
  width: number;
  height: number;
  scrollTop: number;
  selected: number;
  hovered: number;
  /** 0/1 per node when a search is active */
  matches: Uint8Array | null;
  /** ids of boxes that are part of the answer besides the root cause (the calls a stopped-work root cause no longer makes): a 2 px outline */
  emphasis?: readonly number[];
  /** draw row r of the tree at canvas row rowOffset + r (rowOffset + maxDepth − r when inverted); default 0 */
  rowOffset?: number;
  /** upside down: the root at the bottom row (the callers half of the sandwich) */
  invert?: boolean;
  /** fill the background first (default true; false to draw a second tree on the same canvas) */
  clear?: boolean;
}

export interface RendererOptions {
  /** colour rank per service string index (shared by the sandwich halves so a service keeps its colour) */
  serviceRank?: Map<number, number>;
  /** |Δself| that gets the strongest diff colour (the main graph's, for the sandwich halves) */
  diffScaleMs?: number;
}

export class FlameRenderer {
  layout!: FlameLayout;
  /** palette entry per node for the current mode */
  private fillOf!: Uint16Array;
  /** palette: [normal..., dimmed...] */
  private paletteCss: string[] = [];
  private paletteRgb: RGB[] = [];
  private labelCss: string[] = [];
  private charWidths = new Map<number, number>();
  private fontKey = '';
  private visible: Int32Array = new Int32Array(4096);
  private bucketCount = new Int32Array(0);
  private order: Int32Array = new Int32Array(4096);
  readonly drawn: DrawnRects & { tx: Float32Array; tw: Float32Array } = {
    ids: new Int32Array(4096),
    x: new Float32Array(4096),
    y: new Float32Array(4096),
    w: new Float32Array(4096),
    fill: new Uint16Array(4096),
    tx: new Float32Array(4096),
    tw: new Float32Array(4096),
    count: 0,
  };
  private labels: string[] = [];
  /** palette entry of gone boxes (diff mode), −1 in the other modes */
  private goneFill = -1;
  /** the diagonal hatch of gone boxes, made once per theme and context */
  private hatch: CanvasPattern | null = null;
  private hatchFor: CanvasRenderingContext2D | null = null;

  readonly serviceRank: Map<number, number>;

  constructor(
    readonly data: FlameData,
    readonly tree: FlameTree,
    public mode: FlameMode,
    public theme: Theme,
    private readonly options: RendererOptions = {},
  ) {
    this.labels = new Array<string>(data.n);
    this.serviceRank = options.serviceRank ?? new Map(serviceOrder(data).map((s, k) => [s, k]));
    this.setMode(mode);
  }

  /** The colour of a service in the Baseline/Incident modes (for the legend). */
  serviceRgb(service: number): RGB {
    const pal = themedServicePalette(this.theme.background);
    if (!(this.data.strings[service] ?? '')) return this.theme.neutral;
    const rank = this.serviceRank.get(service) ?? this.serviceRank.size;
    const cycle = Math.floor(rank / pal.length);
    // past the palette: the same hues again, paler (the legend and the labels tell them apart)
    return cycle === 0 ? pal[rank]! : mix(pal[rank % pal.length]!, this.theme.background, Math.min(0.6, 0.3 * cycle));
  }

  setMode(mode: FlameMode): void {
    this.mode = mode;
    this.layout = layoutFlame(this.tree, this.data, mode);
    this.buildPalette();
  }

  setTheme(theme: Theme): void {
    this.theme = theme;
    this.charWidths.clear();
    this.hatch = null;
    this.buildPalette();
  }

  private restLabels = new Map<number, string>();
  /** The label of node `id`'s remainder: the calls per trace no longer made ("−2.73 calls per trace"). */
  private restLabel(id: number): string {
    let s = this.restLabels.get(id);
    if (s === undefined) {
      const f = partlyGone(this.data, id);
      const v = f ? f.expectedCalls - f.incidentCalls : 0;
      s = `−${v >= 10 ? v.toFixed(1) : v.toFixed(2)} calls per trace`;
      this.restLabels.set(id, s);
    }
    return s;
  }

  /** Node `id` is drawn as work gone in the incident (diff mode: hatched, at its baseline width). */
  isGone(id: number): boolean {
    return this.layout.gone[id] === 1;
  }

  /** Diagonal stripes in the foreground colour on a transparent tile (CSS px; scaled by the context's transform). */
  private hatchPattern(ctx: CanvasRenderingContext2D): CanvasPattern | null {
    if (this.hatch && this.hatchFor === ctx) return this.hatch;
    const tile = document.createElement('canvas');
    const dpr = Math.max(1, Math.round(ctx.getTransform().a));
    tile.width = tile.height = 6 * dpr;
    const t = tile.getContext('2d');
    if (!t) return null;
    const fg = this.theme.foreground;
    t.scale(dpr, dpr);
    t.strokeStyle = `rgba(${fg[0]},${fg[1]},${fg[2]},${this.theme.dark ? 0.45 : 0.4})`;
    t.lineWidth = 1.2;
    t.beginPath();
    // one stripe per tile and its wrap-around, so the tiles join into continuous diagonals
    for (const o of [-6, 0, 6]) {
      t.moveTo(o, 6);
      t.lineTo(o + 6, 0);
    }
    t.stroke();
    this.hatch = ctx.createPattern(tile, 'repeat');
    this.hatch?.setTransform?.(new DOMMatrix().scale(1 / dpr, 1 / dpr));
    this.hatchFor = ctx;
    return this.hatch;
  }

  /** The colour (CSS) the node is filled with when not dimmed. */
  fillCss(id: number): string {
    return this.paletteCss[this.fillOf[id]!]!;
  }

  fillRgb(id: number, dimmed = false): RGB {
    return this.paletteRgb[this.fillOf[id]! + (dimmed ? this.paletteRgb.length / 2 : 0)]!;
  }

  private buildPalette(): void {
    const { data, theme } = this;
    const n = data.n;
    const fillOf = new Uint16Array(n);
    const base: RGB[] = [];
    if (this.mode === 'diff') {
      const pal = { ...DEFAULT_DIFF_PALETTE, neutral: theme.neutral, slower: theme.slower, faster: theme.faster };
      base.push(pal.neutral);
      for (let l = 1; l <= LEVELS; l++) base.push(mix(pal.neutral, pal.slower, 0.25 + (0.75 * l) / LEVELS));
      for (let l = 1; l <= LEVELS; l++) base.push(mix(pal.neutral, pal.faster, 0.25 + (0.75 * l) / LEVELS));
      const scale = this.options.diffScaleMs ?? diffScale(data);
      // gone work: a pale fill between the background and the neutral grey, hatched and outlined when drawn
      this.goneFill = base.length;
      base.push(mix(theme.background, theme.neutral, 0.45));
      for (let i = 0; i < n; i++) {
        if (this.layout.gone[i]) {
          fillOf[i] = this.goneFill;
          continue;
        }
        const d = data.deltaSelf[i]!;
        const t = diffIntensity(d, data.significance[i]!, scale);
        const level = t <= 0.02 ? 0 : Math.max(1, Math.round(t * LEVELS));
        fillOf[i] = level === 0 ? 0 : d > 0 ? level : LEVELS + level;
      }
    } else {
      this.goneFill = -1;
      // categorical, colour-blind-safe service colours without red (src/core/diff/flame-palette.ts)
      const idx = new Map<number, number>();
      for (let i = 0; i < n; i++) {
        const s = data.service[i]!;
        let e = idx.get(s);
        if (e === undefined) {
          e = base.length;
          idx.set(s, e);
          base.push(this.serviceRgb(s));
        }
        fillOf[i] = e;
      }
    }
    const dimmed = base.map((c) => mix(c, theme.background, DIM));
    this.paletteRgb = [...base, ...dimmed];
    this.paletteCss = this.paletteRgb.map(rgbCss);
    this.labelCss = this.paletteRgb.map((c) => labelColor(c));
    this.fillOf = fillOf;
    this.bucketCount = new Int32Array(this.paletteRgb.length + 1);
  }

  labelOf(id: number): string {
    let s = this.labels[id];
    if (s === undefined) {
      const { data, tree } = this;
      const name = data.strings[data.name[id]!] ?? '';
      const p = tree.parent[id]!;
      const svc = data.service[id]!;
      const svcName = data.strings[svc] ?? '';
      s = svcName && (p < 0 || data.service[p] !== svc) ? `${svcName}: ${name}` : name;
      this.labels[id] = s;
    }
    return s;
  }

  private measure = (s: string): number => {
    let w = 0;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      let cw = this.charWidths.get(c);
      if (cw === undefined) {
        cw = this.ctx!.measureText(s[i]!).width;
        this.charWidths.set(c, cw);
      }
      w += cw;
    }
    return w;
  };
  private ctx: CanvasRenderingContext2D | undefined;

  private ensure(size: number): void {
    const d = this.drawn;
    if (d.ids.length >= size) return;
    const cap = Math.max(size, d.ids.length * 2);
    d.ids = new Int32Array(cap);
    d.x = new Float32Array(cap);
    d.y = new Float32Array(cap);
    d.w = new Float32Array(cap);
    d.fill = new Uint16Array(cap);
    d.tx = new Float32Array(cap);
    d.tw = new Float32Array(cap);
    this.order = new Int32Array(cap);
  }

  render(ctx: CanvasRenderingContext2D, p: FrameParams): void {
    this.ctx = ctx;
    const { theme, layout, tree, data } = this;
    if (this.fontKey !== theme.font) {
      this.fontKey = theme.font;
      this.charWidths.clear();
    }
    ctx.font = theme.font;
    if (p.clear !== false) {
      ctx.fillStyle = rgbCss(theme.background);
      ctx.fillRect(0, 0, p.width, p.height);
    }
    const off = p.rowOffset ?? 0;
    const maxD = tree.maxDepth;
    // canvas rows on screen → tree depths (reversed when inverted)
    const g0 = Math.max(0, Math.floor(p.scrollTop / ROW_HEIGHT)) - off;
    const g1 = Math.floor((p.scrollTop + p.height) / ROW_HEIGHT) - off;
    const first = p.invert ? maxD - g1 : g0;
    const last = p.invert ? maxD - g0 : g1;
    const r = cullVisible(tree, layout, p.view, p.width, MIN_RECT_PX, { first: Math.max(0, first), last }, this.visible);
    this.visible = r.ids;
    const count = r.count;
    this.ensure(count);
    const d = this.drawn;
    const k = p.width / (p.view.v1 - p.view.v0);
    const half = this.paletteRgb.length / 2;
    const buckets = this.bucketCount;
    buckets.fill(0);
    let tails = 0;
    for (let j = 0; j < count; j++) {
      const i = r.ids[j]!;
      const a = Math.max(0, (layout.x0[i]! - p.view.v0) * k);
      const b = Math.min(p.width, (layout.x1[i]! - p.view.v0) * k);
      d.ids[j] = i;
      d.x[j] = a;
      d.w[j] = Math.max(0, b - a);
      // calls made fewer times: the baseline time of those no longer made, hatched right after the box
      const rest = layout.rest[i]!;
      if (rest > 0) {
        const ta = Math.max(0, (layout.x1[i]! - p.view.v0) * k);
        const tb = Math.min(p.width, (layout.x1[i]! + rest - p.view.v0) * k);
        d.tx[j] = ta;
        d.tw[j] = Math.max(0, tb - ta);
        if (tb - ta >= MIN_RECT_PX) tails++;
      } else d.tw[j] = 0;
      d.y[j] = (off + (p.invert ? maxD - tree.depth[i]! : tree.depth[i]!)) * ROW_HEIGHT - p.scrollTop;
      const f = this.fillOf[i]! + (p.matches && !p.matches[i] ? half : 0);
      d.fill[j] = f;
      buckets[f + 1]!++;
    }
    d.count = count;
    // counting sort by fill → one path per colour
    for (let b = 1; b < buckets.length; b++) buckets[b] += buckets[b - 1]!;
    const order = this.order;
    for (let j = 0; j < count; j++) order[buckets[d.fill[j]!]!++] = j;
    let cur = -1;
    for (let q = 0; q < count; q++) {
      const j = order[q]!;
      const f = d.fill[j]!;
      if (f !== cur) {
        if (cur >= 0) ctx.fill();
        cur = f;
        ctx.fillStyle = this.paletteCss[f]!;
        ctx.beginPath();
      }
      const w = d.w[j]!;
      ctx.rect(d.x[j]!, d.y[j]!, w > 3 ? w - 1 : w, ROW_HEIGHT - 1);
    }
    if (cur >= 0) ctx.fill();
    // the remainders of calls made fewer times: the gone fill first (the boxes' own fills are done above)
    if (this.goneFill >= 0 && tails > 0) {
      for (const dim of [false, true]) {
        ctx.fillStyle = this.paletteCss[this.goneFill + (dim ? half : 0)]!;
        ctx.beginPath();
        for (let j = 0; j < count; j++) {
          const tw = d.tw[j]!;
          if (tw < MIN_RECT_PX || !!(p.matches && !p.matches[d.ids[j]!]) !== dim) continue;
          ctx.rect(d.tx[j]!, d.y[j]!, tw > 3 ? tw - 1 : tw, ROW_HEIGHT - 1);
        }
        ctx.fill();
      }
    }
    // gone work (diff mode): hatched over its pale fill, with a dashed outline — shape and texture, not colour alone;
    // the same for the remainders after boxes of calls made fewer times
    if (this.goneFill >= 0) {
      const pat = this.hatchPattern(ctx);
      let any = false;
      ctx.beginPath();
      for (let j = 0; j < count; j++) {
        const tw = d.tw[j]!;
        if (tw >= MIN_RECT_PX) {
          any = true;
          ctx.rect(d.tx[j]!, d.y[j]!, tw > 3 ? tw - 1 : tw, ROW_HEIGHT - 1);
        }
        if (!this.layout.gone[d.ids[j]!]) continue;
        any = true;
        ctx.rect(d.x[j]!, d.y[j]!, d.w[j]! > 3 ? d.w[j]! - 1 : d.w[j]!, ROW_HEIGHT - 1);
      }
      if (any) {
        if (pat) {
          ctx.fillStyle = pat;
          ctx.fill();
        }
        const fg = theme.foreground;
        ctx.strokeStyle = `rgba(${fg[0]},${fg[1]},${fg[2]},0.75)`;
        ctx.lineWidth = 1;
        ctx.setLineDash([4, 2]);
        ctx.beginPath();
        for (let j = 0; j < count; j++) {
          if (this.layout.gone[d.ids[j]!] && d.w[j]! >= 4) ctx.rect(d.x[j]! + 0.5, d.y[j]! + 0.5, d.w[j]! - 2, ROW_HEIGHT - 2);
          if (d.tw[j]! >= 4) ctx.rect(d.tx[j]! + 0.5, d.y[j]! + 0.5, d.tw[j]! - 2, ROW_HEIGHT - 2);
        }
        ctx.stroke();
        ctx.setLineDash([]);
      }
    }
    // high-contrast themes: every box gets the theme's contrast border
    if (theme.highContrast && count > 0) {
      ctx.strokeStyle = theme.contrastBorder;
      ctx.lineWidth = 1;
      ctx.beginPath();
      for (let j = 0; j < count; j++) if (d.w[j]! >= 3) ctx.rect(d.x[j]! + 0.5, d.y[j]! + 0.5, d.w[j]! - 2, ROW_HEIGHT - 2);
      ctx.stroke();
    }

    // labels, grouped by ink colour (root-cause labels leave room for the badge)
    ctx.font = `bold 9px ${theme.fontFamily}`;
    const badgeW = ctx.measureText(BADGE).width + 8;
    ctx.font = theme.font;
    ctx.textBaseline = 'middle';
    /** where each root-cause label ends: its badge goes right after it, not at the far end of a wide box */
    const labelEnd = new Map<number, number>();
    for (const ink of ['black', 'white'] as const) {
      ctx.fillStyle = ink === 'black' ? '#000' : '#fff';
      for (let j = 0; j < count; j++) {
        const w = d.w[j]!;
        if (w < MIN_LABEL_PX || this.labelCss[d.fill[j]!] !== ink) continue;
        const avail = data.flags[d.ids[j]!]! & FlameFlag.RootCause && w >= badgeW + 40 ? w - badgeW - 14 : w - 8;
        // "service: operation" when it fits, else the operation alone, its leading qualifiers dropped first
        const full = this.labelOf(d.ids[j]!);
        const text = this.measure(full) <= avail ? full : fitOperationLabel(data.strings[data.name[d.ids[j]!]!] ?? '', avail, this.measure);
        if (text) ctx.fillText(text, d.x[j]! + 4, d.y[j]! + ROW_HEIGHT / 2);
        if (data.flags[d.ids[j]!]! & FlameFlag.RootCause) labelEnd.set(j, d.x[j]! + 4 + (text ? this.measure(text) : 0));
      }
      // a remainder wide enough says what it is: "−2.73 calls per trace" (the calls no longer made)
      if (this.goneFill >= 0 && tails > 0) {
        for (let j = 0; j < count; j++) {
          const tw = d.tw[j]!;
          if (tw < MIN_LABEL_PX + 8) continue;
          const dim = !!(p.matches && !p.matches[d.ids[j]!]);
          if (this.labelCss[this.goneFill + (dim ? half : 0)] !== ink) continue;
          const full = this.restLabel(d.ids[j]!);
          const short = full.split(' ')[0]!;
          const text = this.measure(full) <= tw - 8 ? full : this.measure(short) <= tw - 8 ? short : '';
          if (text) ctx.fillText(text, d.tx[j]! + 4, d.y[j]! + ROW_HEIGHT / 2);
        }
      }
    }

    // outlines: search matches, root cause (+ badge), hover, selection
    if (p.matches) {
      ctx.strokeStyle = theme.match;
      ctx.lineWidth = 1;
      ctx.beginPath();
      for (let j = 0; j < count; j++) if (p.matches[d.ids[j]!]) ctx.rect(d.x[j]! + 0.5, d.y[j]! + 0.5, Math.max(0, d.w[j]! - 2), ROW_HEIGHT - 2);
      ctx.stroke();
    }
    // the calls a stopped-work root cause no longer makes: outlined like the root cause, so the answer is found by eye
    if (p.emphasis?.length) {
      const want = new Set(p.emphasis);
      ctx.strokeStyle = theme.rootOutline;
      ctx.lineWidth = 2;
      ctx.setLineDash([]);
      for (let j = 0; j < count; j++) if (want.has(d.ids[j]!) && d.w[j]! >= 3) ctx.strokeRect(d.x[j]! + 1, d.y[j]! + 1, Math.max(0, d.w[j]! - 3), ROW_HEIGHT - 3);
    }
    // other diagnosis candidates: dashed outline
    ctx.strokeStyle = theme.rootOutline;
    ctx.lineWidth = 1;
    ctx.setLineDash([3, 2]);
    ctx.beginPath();
    for (let j = 0; j < count; j++) {
      if (data.flags[d.ids[j]!]! & FlameFlag.Candidate && d.w[j]! >= 4) ctx.rect(d.x[j]! + 0.5, d.y[j]! + 0.5, d.w[j]! - 2, ROW_HEIGHT - 2);
    }
    ctx.stroke();
    ctx.setLineDash([]);
    for (let j = 0; j < count; j++) {
      const i = d.ids[j]!;
      if (!(data.flags[i]! & FlameFlag.RootCause)) continue;
      this.drawRootCause(ctx, d.x[j]!, d.y[j]!, d.w[j]!, labelEnd.get(j));
    }
    const outline = (id: number, width: number) => {
      for (let j = 0; j < count; j++) {
        if (d.ids[j] !== id) continue;
        ctx.strokeStyle = theme.focus;
        ctx.lineWidth = width;
        ctx.strokeRect(d.x[j]! + width / 2, d.y[j]! + width / 2, Math.max(0, d.w[j]! - 1 - width), ROW_HEIGHT - 1 - width);
        return;
      }
    };
    if (p.hovered >= 0 && p.hovered !== p.selected) outline(p.hovered, 1);
    if (p.selected >= 0) outline(p.selected, 2);
  }

  /** The whole graph squeezed into width × height (the minimap): boxes ≥ ½ px wide, grouped by colour; root cause outlined. */
  renderMinimap(ctx: CanvasRenderingContext2D, width: number, height: number): void {
    const { tree, layout, theme, data } = this;
    ctx.fillStyle = rgbCss(theme.background);
    ctx.fillRect(0, 0, width, height);
    const r = cullVisible(tree, layout, { v0: 0, v1: 1 }, width, 0.5);
    const rowH = height / (tree.maxDepth + 1);
    const gap = rowH >= 3 ? 0.5 : 0;
    const ids = Array.from(r.ids.subarray(0, r.count)).sort((a, b) => this.fillOf[a]! - this.fillOf[b]!);
    let cur = -1;
    for (const i of ids) {
      const f = this.fillOf[i]!;
      if (f !== cur) {
        if (cur >= 0) ctx.fill();
        cur = f;
        ctx.fillStyle = this.paletteCss[f]!;
        ctx.beginPath();
      }
      ctx.rect(layout.x0[i]! * width, tree.depth[i]! * rowH, Math.max(0.5, (layout.x1[i]! - layout.x0[i]!) * width), Math.max(0.5, rowH - gap));
    }
    if (cur >= 0) ctx.fill();
    ctx.strokeStyle = theme.rootOutline;
    ctx.lineWidth = 1;
    for (const i of ids) {
      if (data.flags[i]! & FlameFlag.RootCause) ctx.strokeRect(layout.x0[i]! * width + 0.5, tree.depth[i]! * rowH + 0.5, Math.max(1, (layout.x1[i]! - layout.x0[i]!) * width - 1), Math.max(1, rowH - 1));
    }
  }

  private drawRootCause(ctx: CanvasRenderingContext2D, x: number, y: number, w: number, labelEnd?: number): void {
    const { theme } = this;
    ctx.strokeStyle = theme.rootOutline;
    ctx.lineWidth = 2;
    ctx.setLineDash([]);
    ctx.strokeRect(x + 1, y + 1, Math.max(0, w - 3), ROW_HEIGHT - 3);
    const label = BADGE;
    ctx.font = `bold 9px ${theme.fontFamily}`;
    const tw = ctx.measureText(label).width + 8;
    if (w >= tw + 40) {
      const bx = Math.min(labelEnd !== undefined ? labelEnd + 8 : x + 4, x + w - tw - 4);
      ctx.fillStyle = theme.badgeBg;
      ctx.fillRect(bx, y + 3, tw, ROW_HEIGHT - 7);
      ctx.fillStyle = theme.badgeFg;
      ctx.fillText(label, bx + 4, y + ROW_HEIGHT / 2 - 0.5);
    } else if (w >= 10) {
      // small marker triangle in the corner
      ctx.fillStyle = theme.rootOutline;
      ctx.beginPath();
      ctx.moveTo(x + w - 8, y + 1);
      ctx.lineTo(x + w - 1, y + 1);
      ctx.lineTo(x + w - 1, y + 8);
      ctx.closePath();
      ctx.fill();
    }
    ctx.font = theme.font;
  }
}
