/**
 * Minimap (issue 13 item 13): the whole graph in a strip below it, shown while the graph is zoomed or scrolled, with
 * the part on screen outlined and the rest dimmed. The whole-graph picture is drawn once per data, mode, theme and
 * size into an offscreen canvas; each frame only copies it and draws the viewport. Click or drag to move the view; or
 * Tab to it and use the keys of flame-keys.ts `minimapKey` (arrows pan/scroll, PageUp/PageDown, Home/End, +/−, 0).
 */
import { rgbCss, type View } from '../../src/core/diff/flame-layout';
import { el } from './details';
import { ROW_HEIGHT, type FlameRenderer } from './renderer';

export const MINIMAP_HEIGHT = 40;

export class Minimap {
  readonly box = el('div', 'fg-minimap-row');
  readonly canvas = el('canvas', 'fg-minimap');
  private readonly base = document.createElement('canvas');
  private key = '';
  private renderer: FlameRenderer | null = null;
  /** ms spent drawing the whole-graph picture the last time (bench) */
  lastBaseMs = 0;

  constructor(
    private readonly navigate: (x: number, y: number) => void,
    onKey?: (e: KeyboardEvent) => void,
  ) {
    // a 2D pan control; exposed as a slider over the horizontal position (the rows are in its value text)
    this.canvas.tabIndex = 0;
    this.canvas.setAttribute('role', 'slider');
    this.canvas.setAttribute('aria-orientation', 'horizontal');
    this.canvas.setAttribute('aria-valuemin', '0');
    this.canvas.setAttribute('aria-valuemax', '100');
    this.canvas.setAttribute('aria-valuenow', '0');
    this.canvas.setAttribute(
      'aria-label',
      'Minimap of the whole graph; the outlined part is on screen. Left and right arrows pan, up and down scroll the rows, Page Up and Page Down move a whole view, Home and End go to the edges, plus and minus zoom, 0 shows the whole width.',
    );
    this.canvas.title = 'Click or drag to move the view there; or focus it (Tab) and use the arrow keys, PageUp/PageDown, Home/End, + and −';
    if (onKey) this.canvas.addEventListener('keydown', onKey);
    this.box.append(this.canvas);
    this.box.hidden = true;
    const go = (e: PointerEvent) => {
      const r = this.canvas.getBoundingClientRect();
      this.navigate(Math.min(1, Math.max(0, (e.clientX - r.left) / Math.max(1, r.width))), Math.min(1, Math.max(0, (e.clientY - r.top) / Math.max(1, r.height))));
    };
    this.canvas.addEventListener('pointerdown', (e) => {
      this.canvas.setPointerCapture(e.pointerId);
      go(e);
    });
    this.canvas.addEventListener('pointermove', (e) => {
      if (e.buttons & 1) go(e);
    });
  }

  /** Draws the minimap, or hides it (returns whether it is shown). `valueText`: its position in words (aria). */
  update(p: { renderer: FlameRenderer | null; show: boolean; view: View; width: number; dpr: number; rows: number; scrollTop: number; viewportH: number; themeKey: string; valueText?: string }): boolean {
    if (!p.renderer || !p.show || p.width <= 0) {
      this.box.hidden = true;
      return false;
    }
    this.box.hidden = false;
    const now = String(Math.round(((p.view.v0 + p.view.v1) / 2) * 100));
    if (this.canvas.getAttribute('aria-valuenow') !== now) this.canvas.setAttribute('aria-valuenow', now);
    if (p.valueText && this.canvas.getAttribute('aria-valuetext') !== p.valueText) this.canvas.setAttribute('aria-valuetext', p.valueText);
    const w = p.width;
    const h = MINIMAP_HEIGHT;
    const key = `${p.themeKey}|${p.renderer.mode}|${w}|${p.dpr}`;
    if (key !== this.key || p.renderer !== this.renderer) {
      const t0 = performance.now();
      this.key = key;
      this.renderer = p.renderer;
      for (const c of [this.base, this.canvas]) {
        c.width = Math.max(1, Math.round(w * p.dpr));
        c.height = Math.round(h * p.dpr);
      }
      this.canvas.style.width = `${w}px`;
      this.canvas.style.height = `${h}px`;
      const b = this.base.getContext('2d');
      if (b) {
        b.setTransform(p.dpr, 0, 0, p.dpr, 0, 0);
        p.renderer.renderMinimap(b, w, h);
      }
      this.lastBaseMs = performance.now() - t0;
    }
    const ctx = this.canvas.getContext('2d');
    if (!ctx) return true;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.drawImage(this.base, 0, 0);
    ctx.setTransform(p.dpr, 0, 0, p.dpr, 0, 0);
    // the viewport: the visible x range and rows; everything else dimmed
    const x0 = p.view.v0 * w;
    const x1 = Math.max(x0 + 2, p.view.v1 * w);
    const rowH = h / Math.max(1, p.rows);
    const y0 = (p.scrollTop / ROW_HEIGHT) * rowH;
    const y1 = Math.min(h, Math.max(y0 + 2, ((p.scrollTop + p.viewportH) / ROW_HEIGHT) * rowH));
    const theme = p.renderer.theme;
    ctx.fillStyle = rgbCss(theme.background);
    ctx.globalAlpha = 0.6;
    ctx.fillRect(0, 0, x0, h);
    ctx.fillRect(x1, 0, w - x1, h);
    ctx.fillRect(x0, 0, x1 - x0, y0);
    ctx.fillRect(x0, y1, x1 - x0, h - y1);
    ctx.globalAlpha = 1;
    ctx.strokeStyle = theme.focus;
    ctx.lineWidth = 1.5;
    ctx.strokeRect(x0 + 0.75, y0 + 0.75, Math.max(1, x1 - x0 - 1.5), Math.max(1, y1 - y0 - 1.5));
    return true;
  }
}
