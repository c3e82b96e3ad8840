/**
 * Sandwich view (issue 13 item 13): the selected operation in the middle row, its callers merged above it (drawn
 * upside down: the direct callers right above, the root at the top) and its callees merged below it, over every call
 * path it appears on (the merge is src/core/diff/flame-sandwich.ts). Both halves are ordinary FlameData drawn by the
 * flame renderer on the graph's canvas, sharing its horizontal zoom, the mode and the diff colour scale.
 */
import { buildSandwich, sourcesOf, type Sandwich } from '../../src/core/diff/flame-sandwich';
import { mergedPercentiles, type MergedPercentiles } from '../../src/core/diff/flame-percentiles';
import type { SandwichNavModel, SandwichPos } from '../../src/core/diff/flame-keys';
import { buildFlameTree, hitTest, searchMatches, type FlameTree, type View } from '../../src/core/diff/flame-layout';
import type { FlameData, FlameMode } from '../../src/protocol/messages';
import { FlameRenderer, ROW_HEIGHT } from './renderer';
import type { Theme } from './theme';

export type SandwichHalf = 'callers' | 'callees';

export interface SandwichHit {
  half: SandwichHalf;
  /** node in that half's data */
  id: number;
  data: FlameData;
}

export class SandwichView {
  readonly s: Sandwich;
  readonly callersTree: FlameTree;
  readonly calleesTree: FlameTree;
  readonly callers: FlameRenderer;
  readonly callees: FlameRenderer;
  /** canvas row of the operation (the callers above it) */
  readonly middle: number;
  readonly buildMs: number;
  /** search matches per half (the toolbar's search applies here too) */
  private matches: { callers: Uint8Array | null; callees: Uint8Array | null } = { callers: null, callees: null };
  private readonly pctCache = new Map<string, MergedPercentiles>();

  constructor(
    private readonly data: FlameData,
    tree: FlameTree,
    /** node of the main tree whose operation is shown */
    readonly target: number,
    mode: FlameMode,
    theme: Theme,
    serviceRank: Map<number, number>,
    diffScaleMs: number,
  ) {
    const t0 = performance.now();
    this.s = buildSandwich(data, tree, target);
    this.callersTree = buildFlameTree(this.s.callers);
    this.calleesTree = buildFlameTree(this.s.callees);
    const opts = { serviceRank, diffScaleMs };
    this.callers = new FlameRenderer(this.s.callers, this.callersTree, mode, theme, opts);
    this.callees = new FlameRenderer(this.s.callees, this.calleesTree, mode, theme, opts);
    this.middle = this.callersTree.maxDepth;
    this.buildMs = performance.now() - t0;
  }

  /** canvas rows: the callers, the operation, the callees */
  get rows(): number {
    return this.middle + 1 + this.calleesTree.maxDepth;
  }

  /** the halves' trees and layouts, for the keyboard (flame-keys.ts) */
  get nav(): SandwichNavModel {
    return { callersTree: this.callersTree, callersLayout: this.callers.layout, calleesTree: this.calleesTree, calleesLayout: this.callees.layout };
  }

  /** The box at a keyboard position, as a hit. */
  at(p: SandwichPos): SandwichHit {
    return p.half === 'callers' ? { half: 'callers', id: p.id, data: this.s.callers } : { half: 'callees', id: p.id, data: this.s.callees };
  }

  /** x extent of a box in the unit interval (the halves share the horizontal zoom). */
  extent(p: SandwichPos): [number, number] {
    const l = (p.half === 'callers' ? this.callers : this.callees).layout;
    return [l.x0[p.id]!, l.x1[p.id]!];
  }

  /**
   * p50/p95 of a box over the call paths merged into it: from the paths' summed latency histograms when the data has
   * them, else the per-path range (flame-percentiles.ts). Cached per box.
   */
  percentiles(half: SandwichHalf, id: number): MergedPercentiles {
    const k = `${half}:${id}`;
    let p = this.pctCache.get(k);
    if (!p) {
      p = mergedPercentiles(this.data, sourcesOf(half === 'callers' ? this.s.callerSources : this.s.calleeSources, id));
      this.pctCache.set(k, p);
    }
    return p;
  }

  setQuery(q: string): void {
    this.matches = q.trim() ? { callers: searchMatches(this.s.callers, q).mask, callees: searchMatches(this.s.callees, q).mask } : { callers: null, callees: null };
  }

  setMode(mode: FlameMode): void {
    this.callers.setMode(mode);
    this.callees.setMode(mode);
  }

  setTheme(theme: Theme): void {
    this.callers.setTheme(theme);
    this.callees.setTheme(theme);
  }

  /** `focus`: the keyboard's box (outlined like the flame graph's selection); the middle row when null */
  render(ctx: CanvasRenderingContext2D, p: { view: View; width: number; height: number; scrollTop: number; hover: SandwichHit | null; focus?: SandwichPos | null }): void {
    const common = { view: p.view, width: p.width, height: p.height, scrollTop: p.scrollTop };
    const f = p.focus && !(p.focus.half === 'callers' && p.focus.id === 0) ? p.focus : { half: 'callees', id: 0 };
    this.callers.render(ctx, { ...common, matches: this.matches.callers, selected: f.half === 'callers' ? f.id : -1, hovered: p.hover?.half === 'callers' ? p.hover.id : -1, invert: true, rowOffset: 0 });
    // the callees' root is the same operation on the same row: drawn over the callers' one
    this.callees.render(ctx, { ...common, matches: this.matches.callees, selected: f.half === 'callees' ? f.id : -1, hovered: p.hover?.half === 'callees' ? p.hover.id : -1, rowOffset: this.middle, clear: false });
    // a line between the callers and the operation row, so the halves read as two graphs
    const y = this.middle * ROW_HEIGHT - p.scrollTop - 0.5;
    if (y > 0 && y < p.height) {
      ctx.strokeStyle = this.callers.theme.contrastBorder;
      ctx.globalAlpha = 0.5;
      ctx.beginPath();
      ctx.moveTo(0, y);
      ctx.lineTo(p.width, y);
      ctx.stroke();
      ctx.globalAlpha = 1;
    }
  }

  hit(x: number, y: number): SandwichHit | null {
    const e = hitTest(this.callees.drawn, ROW_HEIGHT, x, y);
    if (e >= 0) return { half: 'callees', id: e, data: this.s.callees };
    const c = hitTest(this.callers.drawn, ROW_HEIGHT, x, y);
    if (c >= 0) return { half: 'callers', id: c, data: this.s.callers };
    return null;
  }

  /** rects of the last frame (test hook) */
  drawn(): Array<{ half: SandwichHalf; id: number; x: number; y: number; w: number }> {
    const out: Array<{ half: SandwichHalf; id: number; x: number; y: number; w: number }> = [];
    for (const [half, r] of [['callers', this.callers], ['callees', this.callees]] as const) {
      const d = r.drawn;
      for (let j = 0; j < d.count; j++) out.push({ half, id: d.ids[j]!, x: d.x[j]!, y: d.y[j]!, w: d.w[j]! });
    }
    return out;
  }
}
