/**
 * Flame graph (icicle) layout, culling, colours, search and navigation over {@link FlameData} — pure and allocation-
 * light (typed arrays, O(n) passes), so 100k nodes lay out in a few milliseconds. Shared by the webview and tests.
 *
 * Coordinates: the root spans the unit interval [0, 1]; a node's row is its depth. A view is a sub-interval
 * [v0, v1] of the unit interval mapped onto the canvas width; zooming to a node is the view [x0[id], x1[id]]
 * (its ancestors then span the whole width, like d3's zoomable icicle).
 */
import type { FlameData, FlameMode } from '../../protocol/messages';
import { FlameFlag } from '../../protocol/messages';
import { partlyGoneMs } from './flame-gone';

export interface FlameTree {
  n: number;
  parent: Int32Array;
  depth: Uint16Array;
  /** exclusive end of the node's subtree in pre-order (children of i: c = i + 1; c < end[i]; c = end[c]) */
  end: Int32Array;
  maxDepth: number;
}

/** Decodes the tree structure (parents must precede children, as toFlameData emits). Throws on a malformed tree. */
export function buildFlameTree(data: Pick<FlameData, 'n' | 'parent'>): FlameTree {
  const n = data.n;
  if (data.parent.length !== n) throw new Error(`flame data: ${data.parent.length} parents for ${n} nodes`);
  const parent = Int32Array.from(data.parent);
  const depth = new Uint16Array(n);
  const end = new Int32Array(n);
  let maxDepth = 0;
  if (n > 0 && parent[0] !== -1) throw new Error(`flame data: node 0 must be the root (parent -1), got parent ${parent[0]}`);
  // pre-order check with the current root path as a stack: a node's parent must be on it
  const stack = new Int32Array(Math.max(1, n));
  let top = 0;
  if (n > 0) stack[top++] = 0;
  for (let i = 1; i < n; i++) {
    const p = parent[i]!;
    while (top > 0 && stack[top - 1] !== p) {
      end[stack[top - 1]!] = i;
      top--;
    }
    if (top === 0) throw new Error(`flame data: node ${i} (parent ${p}) is not in pre-order with the root first`);
    const d = top; // stack holds root..p, so depth of i = stack length
    if (d > 65535) throw new Error(`flame data: tree deeper than 65535 levels`);
    depth[i] = d;
    if (d > maxDepth) maxDepth = d;
    stack[top++] = i;
  }
  while (top > 0) end[stack[--top]!] = n;
  return { n, parent, depth, end, maxDepth };
}

/** Iterate the children of node `id`. */
export function childrenOf(tree: FlameTree, id: number): number[] {
  const out: number[] = [];
  for (let c = id + 1; c < tree.end[id]!; c = tree.end[c]!) out.push(c);
  return out;
}

export interface FlameLayout {
  mode: FlameMode;
  /** unit-interval extents of each node (x1 − x0 = 0 for nodes absent from the shown run) */
  x0: Float64Array;
  x1: Float64Array;
  /** the weight used: total time per trace of the shown run (ms), or the children's sum for zero-weight nodes */
  weight: Float64Array;
  /** 1 for work gone in the incident, drawn in diff mode at its baseline width (see layoutFlame); all 0 otherwise */
  gone: Uint8Array;
  /**
   * unit-interval width of the hatched remainder drawn right after the box, [x1, x1 + rest]: the baseline time of
   * calls the incident makes fewer times (diff mode, flame-gone.ts `partlyGoneMs`); all 0 otherwise
   */
  rest: Float64Array;
}

/** Width source of a mode: baseline time in baseline mode, incident time in incident and diff mode. */
export function modeWeights(data: Pick<FlameData, 'bTotal' | 'iTotal'>, mode: FlameMode): readonly number[] {
  return mode === 'baseline' ? data.bTotal : data.iTotal;
}

/** Presence bits of a node (flags column); a node counts as present when the data has no flags. */
const BOTH = FlameFlag.Baseline | FlameFlag.Incident;

/**
 * Icicle layout. A node's width is its total time per trace; children are packed left to right inside it and scaled
 * down together when their sum exceeds the parent (overlapping async children, clock skew). A node with no own time
 * (a synthetic root) takes its children's sum.
 *
 * Diff mode (two-run data with `flags`): work that is **gone** in the incident (a call path the baseline has and the
 * incident does not: an early return, a fail-fast) would have no width, since the width is incident time. Such a
 * subtree is laid out after its caller's present children, as wide as its **baseline** time (its descendants too),
 * so the graph shows where the work vanished (`gone[i]` = 1; drawn hatched). When the caller's present children and
 * its gone ones together exceed its width, all of them are scaled down together — the rule above — so a gone call is
 * never squeezed to nothing because its caller got shorter (notes/flame.md, "Gone work").
 *
 * Work **partly** gone (a call made fewer times per trace, beyond chance and beyond its caller's own drop) gets a
 * remainder right after its box, as wide as the baseline time of the calls no longer made (`rest[i]`; drawn hatched),
 * counted with its siblings in the same way; its children stay inside the box (they are the calls still made).
 */
export function layoutFlame(
  tree: FlameTree,
  data: Pick<FlameData, 'bTotal' | 'iTotal'> & Partial<Pick<FlameData, 'flags' | 'kind' | 'bCalls' | 'iCalls' | 'baselineTraces' | 'incidentTraces'>>,
  mode: FlameMode,
): FlameLayout {
  const n = tree.n;
  const w = modeWeights(data, mode);
  const parent = tree.parent;
  const gone = new Uint8Array(n);
  const flags = data.flags;
  const withGone = mode === 'diff' && data.kind !== 'single' && !!flags && flags.length >= n;
  if (withGone) {
    // pre-order: a node is gone when it has the baseline bit and not the incident's, or its caller is gone
    for (let i = 0; i < n; i++) {
      const f = flags[i]! & BOTH;
      const p = parent[i]!;
      gone[i] = (p >= 0 && gone[p]) || f === FlameFlag.Baseline ? 1 : 0;
    }
  }
  // calls made fewer times: the baseline ms per trace of the calls no longer made, after the box (diff mode only)
  const restMs =
    withGone && data.bCalls && data.iCalls && data.baselineTraces !== undefined && data.incidentTraces !== undefined
      ? partlyGoneMs({ kind: 'diff', parent, bCalls: data.bCalls, iCalls: data.iCalls, bTotal: data.bTotal, baselineTraces: data.baselineTraces, incidentTraces: data.incidentTraces })
      : null;
  // weights in ms; non-finite or negative ones count as 0 (hostile data never gives NaN boxes)
  const restOf = (i: number) => {
    const r = restMs ? restMs[i]! : 0;
    return r > 0 && r < Infinity ? r : 0;
  };
  const weight = new Float64Array(n);
  const childSum = new Float64Array(n);
  for (let i = n - 1; i >= 0; i--) {
    const raw = gone[i] ? data.bTotal[i]! : w[i]!;
    const eff = raw > 0 && raw < Infinity ? raw : childSum[i]!;
    weight[i] = eff;
    const p = parent[i]!;
    if (p >= 0) {
      const sum = childSum[p]! + eff + (restMs ? restOf(i) : 0);
      childSum[p] = sum < Infinity ? sum : Number.MAX_VALUE;
    }
  }
  const x0 = new Float64Array(n);
  const x1 = new Float64Array(n);
  const rest = new Float64Array(n);
  const cursor = new Float64Array(n);
  // width of a child = its weight × its parent's scale (the parent's width over max(its weight, its children's sum));
  // a scale that overflows (a subnormal denominator) is Infinity, and then the width is taken as a ratio ≤ 1 instead
  const scale = new Float64Array(n);
  const widthOf = (v: number, p: number) => {
    const k = scale[p]!;
    return k < Infinity ? v * k : (v / Math.max(weight[p]!, childSum[p]!)) * (x1[p]! - x0[p]!);
  };
  if (n > 0 && weight[0]! > 0) {
    x1[0] = 1;
    scale[0] = 1 / Math.max(weight[0]!, childSum[0]!);
  }
  const place = (i: number) => {
    const p = parent[i]!;
    const a = cursor[p]! + x0[p]!;
    const width = widthOf(weight[i]!, p);
    x0[i] = a;
    x1[i] = a + width;
    cursor[p] += width;
    if (restMs) {
      const r = restOf(i);
      if (r > 0) {
        rest[i] = widthOf(r, p);
        cursor[p] += rest[i]!;
      }
    }
    const denom = Math.max(weight[i]!, childSum[i]!);
    scale[i] = denom > 0 ? width / denom : 0;
  };
  // present nodes first; the top of each gone subtree waits until its caller's present children are placed
  let deferred: number[] | null = null;
  for (let i = 1; i < n; ) {
    if (gone[i] && !gone[parent[i]!]) {
      (deferred ??= []).push(i);
      i = tree.end[i]!;
      continue;
    }
    place(i);
    i++;
  }
  // then the gone subtrees, each after its caller's present children (in their order); their descendants follow them
  if (deferred) for (const g of deferred) for (let i = g; i < tree.end[g]!; i++) place(i);
  return { mode, x0, x1, weight, gone, rest };
}

export interface View {
  /** visible unit-interval range */
  v0: number;
  v1: number;
}

export const fullView = (): View => ({ v0: 0, v1: 1 });

/** The view that zooms onto a node (the whole graph for the root or a zero-width node). */
export function zoomView(layout: FlameLayout, id: number): View {
  const a = layout.x0[id];
  const b = layout.x1[id];
  if (a === undefined || b === undefined || !(b > a)) return fullView();
  return { v0: a, v1: b };
}

/** Pixel x of a unit coordinate in a view of `widthPx` CSS pixels. */
export function toPx(x: number, view: View, widthPx: number): number {
  return ((x - view.v0) / (view.v1 - view.v0)) * widthPx;
}

/**
 * Nodes worth drawing: inside the view horizontally, rows first..last (inclusive), and at least `minPx` wide.
 * A node that fails the width or view test is skipped with its whole subtree (children are never wider), so
 * the cost is proportional to what is drawn, not to the tree. Writes ids into `out` (grown as needed).
 */
export function cullVisible(
  tree: FlameTree,
  layout: FlameLayout,
  view: View,
  widthPx: number,
  minPx: number,
  rows: { first: number; last: number } = { first: 0, last: Number.MAX_SAFE_INTEGER },
  out: Int32Array = new Int32Array(1024),
): { ids: Int32Array; count: number } {
  const { x0, x1, rest } = layout;
  const { end, depth } = tree;
  const k = widthPx / (view.v1 - view.v0);
  const minUnit = minPx / k;
  let count = 0;
  let i = 0;
  const n = tree.n;
  while (i < n) {
    const a = x0[i]!;
    // a box and its hatched remainder (calls made fewer times) are drawn together: a narrow box with a wide remainder counts
    const b = x1[i]! + (rest ? rest[i]! : 0);
    if (b - a < minUnit || b <= view.v0 || a >= view.v1) {
      i = end[i]!;
      continue;
    }
    const d = depth[i]!;
    if (d > rows.last) {
      i = end[i]!;
      continue;
    }
    if (d >= rows.first) {
      if (count === out.length) {
        const g = new Int32Array(out.length * 2);
        g.set(out);
        out = g;
      }
      out[count++] = i;
    }
    i++;
  }
  return { ids: out, count };
}

// ---------------------------------------------------------------------------------------------------------------------
// colours

export type RGB = [number, number, number];

/** Parses #rgb, #rgba, #rrggbb, #rrggbbaa and rgb()/rgba() (alpha dropped); undefined when not a colour. */
export function parseColor(s: string | undefined | null): RGB | undefined {
  if (!s) return undefined;
  const t = s.trim();
  let m = /^#([0-9a-f]{3,4})$/i.exec(t);
  if (m) {
    const h = m[1]!;
    return [parseInt(h[0]! + h[0]!, 16), parseInt(h[1]! + h[1]!, 16), parseInt(h[2]! + h[2]!, 16)];
  }
  m = /^#([0-9a-f]{6})([0-9a-f]{2})?$/i.exec(t);
  if (m) {
    const h = m[1]!;
    return [parseInt(h.slice(0, 2), 16), parseInt(h.slice(2, 4), 16), parseInt(h.slice(4, 6), 16)];
  }
  m = /^rgba?\(\s*([\d.]+)[\s,]+([\d.]+)[\s,]+([\d.]+)/i.exec(t);
  if (m) return [clamp255(+m[1]!), clamp255(+m[2]!), clamp255(+m[3]!)];
  return undefined;
}

const clamp255 = (v: number) => Math.max(0, Math.min(255, Math.round(v)));

export function mix(a: RGB, b: RGB, t: number): RGB {
  const u = Math.max(0, Math.min(1, t));
  return [clamp255(a[0] + (b[0] - a[0]) * u), clamp255(a[1] + (b[1] - a[1]) * u), clamp255(a[2] + (b[2] - a[2]) * u)];
}

/** WCAG relative luminance, 0 (black) .. 1 (white). */
export function luminance(c: RGB): number {
  const ch = (v: number) => {
    const s = v / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * ch(c[0]) + 0.7152 * ch(c[1]) + 0.0722 * ch(c[2]);
}

export function contrastRatio(a: RGB, b: RGB): number {
  const la = luminance(a);
  const lb = luminance(b);
  return (Math.max(la, lb) + 0.05) / (Math.min(la, lb) + 0.05);
}

/** Black or white, whichever reads better on `bg`. */
export function labelColor(bg: RGB): 'black' | 'white' {
  return contrastRatio(bg, [0, 0, 0]) >= contrastRatio(bg, [255, 255, 255]) ? 'black' : 'white';
}

export const rgbCss = (c: RGB) => `rgb(${c[0]},${c[1]},${c[2]})`;

export interface DiffPalette {
  neutral: RGB;
  slower: RGB;
  faster: RGB;
}

export const DEFAULT_DIFF_PALETTE: DiffPalette = { neutral: [150, 150, 150], slower: [220, 38, 38], faster: [37, 99, 235] };

/**
 * How much a node's significance (1 − p of its test) counts in its colour: 0 up to p = 0.2 (a change the data does not
 * support is grey, not half-red: OnlineBoutique's CurrencyService/Convert, p = 0.5, was painted a loud blue on a run
 * that is not slower), 1 from p = 0.01, linear between (p = 0.05 → 0.79).
 */
export function significanceWeight(significance: number): number {
  const sig = Math.max(0, Math.min(1, significance || 0));
  return sig >= 0.99 ? 1 : Math.max(0, (sig - 0.8) / 0.19);
}

/**
 * Intensity 0..1 of a self-time change: significanceWeight × √(|delta| / scale). Below `minDeltaMs` (or with no
 * significance) a node is unchanged.
 */
export function diffIntensity(deltaMs: number, significance: number, scaleMs: number, minDeltaMs = 0.001): number {
  if (!Number.isFinite(deltaMs) || Math.abs(deltaMs) < minDeltaMs || !(scaleMs > 0)) return 0;
  return significanceWeight(significance) * Math.sqrt(Math.min(1, Math.abs(deltaMs) / scaleMs));
}

/** Diff colour: red when slower, blue when faster, mixed from neutral by intensity; neutral when unchanged. */
export function diffColor(deltaMs: number, significance: number, scaleMs: number, pal: DiffPalette = DEFAULT_DIFF_PALETTE): RGB {
  const t = diffIntensity(deltaMs, significance, scaleMs);
  if (t <= 0.02) return pal.neutral;
  return mix(pal.neutral, deltaMs > 0 ? pal.slower : pal.faster, 0.25 + 0.75 * t);
}

/**
 * Scale for diff intensities: the largest |Δself| among nodes present in either run (≥ 1 µs), and at least
 * `floorShare` (a tenth) of a normal request — the root's baseline time per trace (the incident's when there is no
 * baseline). Without that floor, a pair where nothing changed much (an OnlineBoutique exception: 219 → 226 ms, not
 * slower) painted its largest few-ms wobble in full red or blue, as loud as a real slowdown.
 */
export function diffScale(data: Pick<FlameData, 'n' | 'deltaSelf'> & Partial<Pick<FlameData, 'bTotal' | 'iTotal'>>, floorShare = 0.1): number {
  let m = 0;
  for (let i = 0; i < data.n; i++) {
    const v = Math.abs(data.deltaSelf[i]!);
    if (v > m && Number.isFinite(v)) m = v;
  }
  const b = data.n > 0 ? (data.bTotal?.[0] ?? 0) : 0;
  const normal = b > 0 ? b : data.n > 0 ? (data.iTotal?.[0] ?? 0) : 0;
  return Math.max(m, Number.isFinite(normal) ? floorShare * normal : 0, 0.001);
}

/** FNV-1a string hash (stable service colours). */
export function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

export function hslToRgb(h: number, s: number, l: number): RGB {
  const k = (n: number) => (n + h / 30) % 12;
  const a = s * Math.min(l, 1 - l);
  const f = (n: number) => l - a * Math.max(-1, Math.min(k(n) - 3, Math.min(9 - k(n), 1)));
  return [clamp255(f(0) * 255), clamp255(f(8) * 255), clamp255(f(4) * 255)];
}

/** Warm flame-graph colour per service (hue 0..60° by hash), slightly darker on dark themes. */
export function serviceColor(service: string, dark: boolean): RGB {
  const h = hashString(service);
  const hue = (h % 600) / 10; // 0..60: red → yellow
  const sat = 0.55 + ((h >>> 10) % 25) / 100;
  const light = dark ? 0.42 + ((h >>> 16) % 10) / 100 : 0.6 + ((h >>> 16) % 12) / 100;
  return hslToRgb(hue, sat, light);
}

// ---------------------------------------------------------------------------------------------------------------------
// search

/**
 * Nodes whose operation or service contains `query` (case-insensitive; `service name` and `service/name` also match).
 * Each interned string is tested once. Returns a 0/1 mask and the count; an empty query matches nothing.
 */
export function searchMatches(data: Pick<FlameData, 'n' | 'strings' | 'service' | 'name'>, query: string): { mask: Uint8Array; count: number } {
  const mask = new Uint8Array(data.n);
  const q = query.trim().toLowerCase();
  if (!q) return { mask, count: 0 };
  const hit = new Int8Array(data.strings.length); // 0 unknown, 1 match, -1 no match
  const test = (si: number) => {
    let h = hit[si]!;
    if (h === 0) {
      h = (data.strings[si] ?? '').toLowerCase().includes(q) ? 1 : -1;
      hit[si] = h;
    }
    return h === 1;
  };
  const combined = q.includes(' ') || q.includes('/');
  let count = 0;
  for (let i = 0; i < data.n; i++) {
    let m = test(data.name[i]!) || test(data.service[i]!);
    if (!m && combined) {
      const s = `${data.strings[data.service[i]!]}/${data.strings[data.name[i]!]}`.toLowerCase();
      m = s.includes(q) || s.replace('/', ' ').includes(q);
    }
    if (m) {
      mask[i] = 1;
      count++;
    }
  }
  return { mask, count };
}

// ---------------------------------------------------------------------------------------------------------------------
// navigation and lookup

export type NavDirection = 'up' | 'down' | 'left' | 'right';

const visibleW = (layout: FlameLayout, i: number) => layout.x1[i]! - layout.x0[i]!;

/**
 * Keyboard navigation: up = parent, down = widest child, left/right = previous/next sibling with a width, else the
 * nearest node on the same row (a cousin). Returns `id` when there is nowhere to go.
 */
export function navigate(tree: FlameTree, layout: FlameLayout, id: number, dir: NavDirection): number {
  if (id < 0 || id >= tree.n) return 0;
  if (dir === 'up') return tree.parent[id]! >= 0 ? tree.parent[id]! : id;
  if (dir === 'down') {
    let best = -1;
    for (let c = id + 1; c < tree.end[id]!; c = tree.end[c]!) if (visibleW(layout, c) > 0 && (best < 0 || visibleW(layout, c) > visibleW(layout, best))) best = c;
    return best >= 0 ? best : id;
  }
  // nearest node at the same depth to the left/right (siblings are a special case of this)
  const d = tree.depth[id]!;
  const ax = layout.x0[id]!;
  const bx = layout.x1[id]!;
  let best = -1;
  let bestDist = Infinity;
  for (let i = 0; i < tree.n; i++) {
    if (i === id || tree.depth[i] !== d || !(visibleW(layout, i) > 0)) continue;
    const dist = dir === 'left' ? ax - layout.x1[i]! : layout.x0[i]! - bx;
    if (dist >= -1e-12 && dist < bestDist) {
      bestDist = dist;
      best = i;
    }
  }
  return best >= 0 ? best : id;
}

/** Ancestors from the root down to `id` (inclusive). */
export function ancestry(tree: FlameTree, id: number): number[] {
  const out: number[] = [];
  for (let a = id; a >= 0; a = tree.parent[a]!) out.push(a);
  return out.reverse();
}

/** The node's call path as `service\u0000name` keys (root excluded): a stable address across reloads of similar data. */
export function nodePath(tree: FlameTree, data: Pick<FlameData, 'strings' | 'service' | 'name'>, id: number): string[] {
  return ancestry(tree, id)
    .slice(1)
    .map((i) => `${data.strings[data.service[i]!]}\u0000${data.strings[data.name[i]!]}`);
}

/** Inverse of {@link nodePath}: the deepest node reachable along `path` (the root for an empty or unknown path). */
export function findPath(tree: FlameTree, data: Pick<FlameData, 'strings' | 'service' | 'name'>, path: readonly string[]): number {
  let cur = 0;
  if (tree.n === 0) return -1;
  for (const seg of path) {
    let next = -1;
    for (let c = cur + 1; c < tree.end[cur]!; c = tree.end[c]!) {
      if (`${data.strings[data.service[c]!]}\u0000${data.strings[data.name[c]!]}` === seg) {
        next = c;
        break;
      }
    }
    if (next < 0) break;
    cur = next;
  }
  return cur;
}

/** The node of an operation with the most incident (else baseline) time; −1 when absent. */
export function findOperation(data: Pick<FlameData, 'n' | 'strings' | 'service' | 'name' | 'iTotal' | 'bTotal'>, service: string, name: string): number {
  let best = -1;
  let bestW = -1;
  for (let i = 0; i < data.n; i++) {
    if (data.strings[data.name[i]!] !== name || data.strings[data.service[i]!] !== service) continue;
    const w = data.iTotal[i]! > 0 ? data.iTotal[i]! : data.bTotal[i]!;
    if (w > bestW) {
      bestW = w;
      best = i;
    }
  }
  return best;
}

/** Nodes flagged as root cause, widest first. */
export function rootCauseNodes(data: Pick<FlameData, 'n' | 'flags' | 'iTotal'>): number[] {
  const out: number[] = [];
  for (let i = 0; i < data.n; i++) if (data.flags[i]! & FlameFlag.RootCause) out.push(i);
  return out.sort((a, b) => data.iTotal[b]! - data.iTotal[a]!);
}

/** Hit test over the rects of the last frame: the node drawn at CSS pixel (x, y), or −1. */
export function hitTest(
  rects: { ids: Int32Array; x: Float32Array; y: Float32Array; w: Float32Array; tx?: Float32Array; tw?: Float32Array; count: number },
  rowHeight: number,
  px: number,
  py: number,
): number {
  for (let k = rects.count - 1; k >= 0; k--) {
    const x = rects.x[k]!;
    const y = rects.y[k]!;
    if (px >= x && px < x + rects.w[k]! && py >= y && py < y + rowHeight) return rects.ids[k]!;
  }
  // the hatched remainder after a box (calls made fewer times) belongs to that box
  if (rects.tx && rects.tw) {
    for (let k = rects.count - 1; k >= 0; k--) {
      const tw = rects.tw[k]!;
      if (!(tw > 0)) continue;
      const x = rects.tx[k]!;
      const y = rects.y[k]!;
      if (px >= x && px < x + tw && py >= y && py < y + rowHeight) return rects.ids[k]!;
    }
  }
  return -1;
}

/** Shortens `text` to fit `maxPx` with a middle ellipsis, given a width function (binary search on the cut). */
export function trimTextMid(text: string, maxPx: number, measure: (s: string) => number): string {
  if (measure(text) <= maxPx) return text;
  if (measure('…') > maxPx) return '';
  let lo = 0;
  let hi = text.length;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    const left = Math.ceil(mid / 2);
    const s = text.slice(0, left) + '…' + text.slice(text.length - (mid - left));
    if (measure(s) <= maxPx) lo = mid;
    else hi = mid - 1;
  }
  const left = Math.ceil(lo / 2);
  return text.slice(0, left) + '…' + text.slice(text.length - (lo - left));
}

/**
 * An operation name for a box `maxPx` wide. Long qualified names (`hipstershop.CurrencyService/GetSupportedCurrencies`,
 * `/api/v1/securityservice/securityConfigs/{accountId}`, `com.acme.OrderController.create`) lose their leading
 * qualifiers first — `…CurrencyService/GetSupportedCurrencies`, `…GetSupportedCurrencies` — because the end of such a
 * name is what tells two boxes apart; a middle ellipsis of the whole name (`hip…ds`) keeps the package and loses it.
 * Template-only last segments (`{accountId}`, `{checkDate}/{accountId}`, `:id`, digits) are never shown alone. Only when even the last meaningful
 * part does not fit is that part shortened in the middle. '' when nothing fits.
 */
export function fitOperationLabel(name: string, maxPx: number, measure: (s: string) => number): string {
  if (measure(name) <= maxPx) return name;
  let shortest = name;
  // cut points: right after a '.' or '/' that has something meaningful after it
  for (let i = 1; i < name.length - 1; i++) {
    const c = name[i - 1];
    if (c !== '.' && c !== '/') continue;
    const rest = name.slice(i);
    if (!/[A-Za-z]/.test(rest) || /^((\{[^/]*\}|:[^/]*|\d+)(\/|$))+$/.test(rest)) break;
    shortest = '…' + rest;
    if (measure(shortest) <= maxPx) return shortest;
  }
  return trimTextMid(shortest === name ? name : shortest.slice(1), maxPx, measure);
}

/** ms with a sensible unit: 850 µs, 12.3 ms, 4.56 s. */
// one formatter for every surface (src/core/format): the flame graph shows the same numbers as the hover and lens
export { formatMs } from '../format';
export { formatDeltaMs as formatDelta } from '../format';
