/**
 * Theme colours for the canvas, read from CSS custom properties. media/flame.css maps every `--fg-*` variable to a
 * `--vscode-*` one with a fallback for the standalone report (light and dark via prefers-color-scheme), so the
 * computed values here are always concrete colours.
 */
import { luminance, mix, parseColor, type RGB } from '../../src/core/diff/flame-layout';

export interface Theme {
  dark: boolean;
  background: RGB;
  foreground: RGB;
  neutral: RGB;
  slower: RGB;
  faster: RGB;
  /** selection / keyboard focus outline */
  focus: string;
  /** search-match outline */
  match: string;
  /** root-cause outline and badge */
  rootOutline: string;
  badgeBg: string;
  badgeFg: string;
  font: string;
  fontFamily: string;
  /** a high-contrast theme: boxes get a border in contrastBorder */
  highContrast: boolean;
  contrastBorder: string;
}

function read(style: CSSStyleDeclaration, name: string, fallback: RGB): RGB {
  return parseColor(style.getPropertyValue(name)) ?? fallback;
}

export function readTheme(el: Element = document.documentElement): Theme {
  const cs = getComputedStyle(el);
  const prefersDark = typeof matchMedia === 'function' && matchMedia('(prefers-color-scheme: dark)').matches;
  const background = read(cs, '--fg-bg', prefersDark ? [30, 30, 30] : [255, 255, 255]);
  const dark = document.body?.classList.contains('vscode-dark') || document.body?.classList.contains('vscode-high-contrast')
    ? !document.body.classList.contains('vscode-high-contrast-light')
    : luminance(background) < 0.4;
  const foreground = read(cs, '--fg-fg', dark ? [204, 204, 204] : [51, 51, 51]);
  const css = (c: RGB) => `rgb(${c[0]},${c[1]},${c[2]})`;
  const fontFamily = cs.getPropertyValue('--fg-font-family').trim() || 'system-ui, sans-serif';
  return {
    dark,
    background,
    foreground,
    neutral: mix(background, foreground, dark ? 0.3 : 0.25),
    slower: read(cs, '--fg-slower', dark ? [241, 76, 76] : [229, 20, 0]),
    faster: read(cs, '--fg-faster', dark ? [55, 148, 255] : [0, 90, 200]),
    focus: css(read(cs, '--fg-focus', [0, 127, 212])),
    match: css(read(cs, '--fg-match', dark ? [255, 204, 0] : [180, 120, 0])),
    rootOutline: css(foreground),
    badgeBg: css(read(cs, '--fg-badge-bg', [77, 77, 77])),
    badgeFg: css(read(cs, '--fg-badge-fg', [255, 255, 255])),
    font: `12px ${fontFamily}`,
    fontFamily,
    highContrast: !!document.body?.classList.contains('vscode-high-contrast') || !!document.body?.classList.contains('vscode-high-contrast-light'),
    contrastBorder: css(read(cs, '--fg-contrast-border', foreground)),
  };
}
