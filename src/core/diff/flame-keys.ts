/**
 * Keyboard models of the flame graph's sandwich view and minimap (pure; the webview maps keys to these).
 *
 * Sandwich: the same model as the flame graph (flame-layout.ts `navigate`): ↑/↓ move between rows, ←/→ to the
 * nearest box on the row. The callers half is drawn upside down above the middle row, so on screen ↑ goes to a
 * caller's caller (its child in the callers tree) and ↓ back towards the operation; below the middle row ↑/↓ are the
 * callees' parent/widest child. The middle row is node 0 of both halves and is addressed as the callees' node 0.
 *
 * Minimap: a 2D pan control over the view (the unit interval across, the rows down).
 */
import { navigate, type FlameLayout, type FlameTree, type NavDirection, type View } from './flame-layout';

export type SandwichHalfName = 'callers' | 'callees';

export interface SandwichPos {
  half: SandwichHalfName;
  id: number;
}

export interface SandwichNavModel {
  callersTree: FlameTree;
  callersLayout: FlameLayout;
  calleesTree: FlameTree;
  calleesLayout: FlameLayout;
}

/** The middle row is one box: the callees' node 0. */
export const normalizePos = (p: SandwichPos): SandwichPos => (p.half === 'callers' && p.id === 0 ? { half: 'callees', id: 0 } : p);

/** The box reached from `from` by an arrow key in the sandwich (itself when there is none that way). */
export function navigateSandwich(m: SandwichNavModel, from: SandwichPos, dir: NavDirection): SandwichPos {
  const p = normalizePos(from);
  const tree = p.half === 'callers' ? m.callersTree : m.calleesTree;
  if (p.id < 0 || p.id >= tree.n) return { half: 'callees', id: 0 };
  if (dir === 'left' || dir === 'right') {
    return normalizePos({ half: p.half, id: navigate(tree, p.half === 'callers' ? m.callersLayout : m.calleesLayout, p.id, dir) });
  }
  if (p.half === 'callees') {
    if (dir === 'down') return { half: 'callees', id: navigate(m.calleesTree, m.calleesLayout, p.id, 'down') };
    if (p.id > 0) return { half: 'callees', id: m.calleesTree.parent[p.id]! };
    // up from the middle row: the widest direct caller
    const c = navigate(m.callersTree, m.callersLayout, 0, 'down');
    return c > 0 ? { half: 'callers', id: c } : p;
  }
  // callers half (drawn inverted): up = the caller's widest caller, down = towards the middle row
  if (dir === 'up') return { half: 'callers', id: navigate(m.callersTree, m.callersLayout, p.id, 'down') };
  return normalizePos({ half: 'callers', id: m.callersTree.parent[p.id]! });
}

/** Canvas row of a sandwich box: callers above the middle row (depth d → middle − d), callees below. */
export function sandwichRow(m: Pick<SandwichNavModel, 'callersTree' | 'calleesTree'>, p: SandwichPos): number {
  const middle = m.callersTree.maxDepth;
  return p.half === 'callers' ? middle - m.callersTree.depth[p.id]! : middle + m.calleesTree.depth[p.id]!;
}

/**
 * The view that shows [x0, x1] of the unit interval: unchanged when the box is in it and at least `minPx` of
 * `width` px wide; else the box with a margin (a tenth of its width) on each side, or centred at the current zoom
 * when that is enough.
 */
export function viewToShow(view: View, x0: number, x1: number, width: number, minPx = 2): View {
  const span = view.v1 - view.v0;
  const w = Math.max(0, x1 - x0);
  const fits = x0 >= view.v0 - 1e-12 && x1 <= view.v1 + 1e-12;
  if (fits && (w / span) * width >= minPx) return view;
  if ((w / span) * width >= minPx && w <= span) {
    // wide enough at this zoom: only pan, so the box sits in the middle
    const v0 = Math.min(1 - span, Math.max(0, (x0 + x1) / 2 - span / 2));
    return { v0, v1: v0 + span };
  }
  const pad = w / 10;
  const v0 = Math.max(0, x0 - pad);
  const v1 = Math.min(1, x1 + pad);
  return v1 > v0 ? { v0, v1 } : view;
}

export interface MinimapState {
  view: View;
  scrollTop: number;
  /** px of rows in view, px of all rows, px per row */
  viewportH: number;
  contentH: number;
  rowH: number;
}

/** smallest view width the keys zoom in to (the flame graph's own limit is far smaller; this keeps + useful) */
const MIN_SPAN = 1e-6;

/**
 * What a key does on the focused minimap, or null when it is not one of its keys:
 * ←/→ pan a tenth of the view (Shift: half), ↑/↓ scroll a row (Shift: a screen), PageUp/PageDown pan a whole view,
 * Home/End go to the left/right edge, +/− zoom in/out 2× around the view's centre, 0 shows the whole width.
 */
export function minimapKey(key: string, shift: boolean, s: MinimapState): { view: View; scrollTop: number } | null {
  const span = s.view.v1 - s.view.v0;
  const maxScroll = Math.max(0, s.contentH - s.viewportH);
  const pan = (dx: number) => {
    const v0 = Math.min(1 - span, Math.max(0, s.view.v0 + dx));
    return { view: { v0, v1: v0 + span }, scrollTop: s.scrollTop };
  };
  const scroll = (dy: number) => ({ view: s.view, scrollTop: Math.min(maxScroll, Math.max(0, s.scrollTop + dy)) });
  const zoom = (f: number) => {
    const c = (s.view.v0 + s.view.v1) / 2;
    const ns = Math.min(1, Math.max(MIN_SPAN, span * f));
    const v0 = Math.min(1 - ns, Math.max(0, c - ns / 2));
    return { view: { v0, v1: v0 + ns }, scrollTop: s.scrollTop };
  };
  switch (key) {
    case 'ArrowLeft':
      return pan(-span * (shift ? 0.5 : 0.1));
    case 'ArrowRight':
      return pan(span * (shift ? 0.5 : 0.1));
    case 'PageUp':
      return pan(-span);
    case 'PageDown':
      return pan(span);
    case 'ArrowUp':
      return scroll(-(shift ? Math.max(s.rowH, s.viewportH - s.rowH) : s.rowH));
    case 'ArrowDown':
      return scroll(shift ? Math.max(s.rowH, s.viewportH - s.rowH) : s.rowH);
    case 'Home':
      return pan(-1);
    case 'End':
      return pan(1);
    case '+':
    case '=':
      return zoom(0.5);
    case '-':
    case '_':
      return zoom(2);
    case '0':
      return { view: { v0: 0, v1: 1 }, scrollTop: s.scrollTop };
    default:
      return null;
  }
}

/** What a screen reader says of the minimap's position. */
export function minimapValueText(s: MinimapState): string {
  const pct = (v: number) => Math.round(v * 100);
  const rows = Math.max(1, Math.round(s.contentH / s.rowH));
  const first = Math.min(rows, Math.floor(s.scrollTop / s.rowH) + 1);
  const last = Math.min(rows, Math.max(first, Math.floor((s.scrollTop + s.viewportH) / s.rowH)));
  const across = s.view.v1 - s.view.v0 >= 0.999 ? 'the whole width' : `${pct(s.view.v0)} % to ${pct(s.view.v1)} % of the width`;
  return `${across}, rows ${first} to ${last} of ${rows}`;
}
