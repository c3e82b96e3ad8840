/**
 * Headless-chromium harness for the flame webview (webview/flame): builds the bundle in memory, opens the standalone
 * report or a page with a fake `acquireVsCodeApi` (records posts, keeps state in sessionStorage so it survives a
 * reload like VS Code's), and reaches the `window.__flame` test hook. Tests skip when /usr/bin/chromium is missing.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as esbuild from 'esbuild';
import type { Browser, Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
export const ROOT = join(__dirname, '..', '..');
export const chromiumSkip: string | false = existsSync(CHROMIUM) ? false : `${CHROMIUM} not found (apt-get install -y chromium) — flame browser tests skipped`;

export interface Rect {
  id: number;
  service: string;
  name: string;
  x: number;
  y: number;
  w: number;
  h: number;
  fill: [number, number, number];
  rootCause: boolean;
  matched: boolean;
  /** work gone in the incident, drawn hatched at its baseline width (diff mode) */
  gone?: boolean;
}

/** webview/flame/main.ts bundled the way esbuild.mjs does. */
export async function bundleFlame(): Promise<string> {
  const r = await esbuild.build({
    entryPoints: [join(ROOT, 'webview', 'flame', 'main.ts')],
    bundle: true,
    write: false,
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
    loader: { '.css': 'text' },
    logLevel: 'silent',
  });
  return r.outputFiles[0]!.text;
}

export const flameCss = () => readFileSync(join(ROOT, 'media', 'flame.css'), 'utf8');

export interface Opened {
  page: Page;
  csp: string[];
  errors: string[];
  close(): Promise<void>;
}

export class FlameBrowser {
  private browser!: Browser;
  private dir = '';
  js = '';
  readonly css = flameCss();

  async start(): Promise<void> {
    this.js = await bundleFlame();
    this.dir = mkdtempSync(join(tmpdir(), 'flame-browser-'));
    const { chromium } = await import('playwright-core');
    this.browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  }

  async stop(): Promise<void> {
    await this.browser?.close();
    if (this.dir) rmSync(this.dir, { recursive: true, force: true });
  }

  async open(html: string, opts: { colorScheme?: 'light' | 'dark'; init?: string; width?: number; height?: number } = {}): Promise<Opened> {
    const file = join(this.dir, `p-${randomBytes(4).toString('hex')}.html`);
    writeFileSync(file, html);
    const ctx = await this.browser.newContext({ viewport: { width: opts.width ?? 1000, height: opts.height ?? 700 }, colorScheme: opts.colorScheme ?? 'light' });
    const page = await ctx.newPage();
    const o: Opened = { page, csp: [], errors: [], close: () => ctx.close() };
    await page.exposeFunction('__cspViolation', (s: string) => o.csp.push(s));
    await page.addInitScript(() => {
      document.addEventListener('securitypolicyviolation', (e) => (window as unknown as { __cspViolation(s: string): void }).__cspViolation(`${e.violatedDirective} ${e.blockedURI}`));
    });
    if (opts.init) await page.addInitScript(opts.init);
    page.on('pageerror', (e) => o.errors.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error') o.errors.push(m.text());
    });
    await page.goto(pathToFileURL(file).href);
    return o;
  }

  /** A page like VS Code's webview: strict CSP with a nonce, the bundle, and a fake acquireVsCodeApi. */
  openVsCode(opts: { width?: number; height?: number; bodyClass?: string } = {}): Promise<Opened> {
    const nonce = 'abcdefghijklmnop1234';
    const html = `<!DOCTYPE html><html><head><meta charset="UTF-8"><meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'nonce-${nonce}'; style-src 'nonce-${nonce}'">
<style nonce="${nonce}">${this.css}</style></head><body class="${opts.bodyClass ?? ''}"><div id="app"></div><script nonce="${nonce}">${this.js.replace(/<\/script/gi, '<\\/script')}</script></body></html>`;
    // a string: tsx's keepNames would put __name() calls into a serialized function
    const init = `
      window.__posted = [];
      let acquired = false;
      window.acquireVsCodeApi = function () {
        if (acquired) throw new Error('acquireVsCodeApi called twice');
        acquired = true;
        return {
          postMessage: function (m) { window.__posted.push(m); },
          getState: function () { return JSON.parse(sessionStorage.getItem('vsstate') || 'null'); },
          setState: function (s) { sessionStorage.setItem('vsstate', JSON.stringify(s)); },
        };
      };`;
    return this.open(html, { init, ...(opts.width ? { width: opts.width } : {}), ...(opts.height ? { height: opts.height } : {}) });
  }
}

export const rects = (page: Page) => page.evaluate(() => (window as unknown as { __flame: { getDrawnRects(): Rect[] } }).__flame.getDrawnRects());

export const hook = <T>(page: Page, fn: string, ...args: unknown[]) =>
  page.evaluate(
    ([f, a]) => {
      const h = (window as unknown as { __flame: Record<string, (...x: unknown[]) => unknown> }).__flame;
      return h[f as string]!(...(a as unknown[]));
    },
    [fn, args] as const,
  ) as Promise<T>;

export const paint = (page: Page) => page.evaluate(() => (window as unknown as { __flame: { nextPaint(): Promise<void> } }).__flame.nextPaint());

export const firstPaint = (page: Page) =>
  page.waitForFunction(() => ((window as unknown as { __flame?: { firstPaintMs: number } }).__flame?.firstPaintMs ?? -1) > 0, null, { timeout: 10_000 });

export const posted = (page: Page) => page.evaluate(() => (window as unknown as { __posted: Array<Record<string, unknown>> }).__posted);

export const send = (page: Page, m: unknown) => page.evaluate((msg) => window.postMessage(msg, '*'), m);

export interface HookState {
  mode: string;
  search: string;
  zoomNode: number;
  selected: number;
  view: { v0: number; v1: number };
  dataKey?: string;
}
export const state = (page: Page) => hook<HookState>(page, 'state');

export function byName(rs: Rect[], service: string, name: string): Rect {
  const r = rs.find((x) => x.service === service && x.name === name);
  if (!r) throw new Error(`${service}/${name} not drawn (drawn: ${rs.map((x) => x.name).join(', ')})`);
  return r;
}
