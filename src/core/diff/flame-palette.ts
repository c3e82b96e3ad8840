/**
 * Service colours of the Baseline and Incident modes: a categorical palette that people with colour-vision
 * deficiencies can tell apart and that has no red (red means "slower" in Diff mode). Pure; unit-tested with a
 * colour-blindness simulation (test/unit/core/flame-palette.test.ts).
 *
 * Base: the Okabe–Ito palette without its vermillion and reddish purple (Okabe & Ito 2008, "Color Universal Design"),
 * plus three colours picked to keep the smallest pairwise CIE76 ΔE under simulated protanopia, deuteranopia and
 * tritanopia (Machado et al. 2009, severity 1) at its Okabe–Ito value. The order puts the most distinct first.
 * Each colour is then nudged for the theme: lightened on dark backgrounds, darkened on light ones, until it stands
 * out from the background by at least {@link MIN_BOX_CONTRAST}.
 */
import type { FlameData } from '../../protocol/messages';
import { contrastRatio, mix, type RGB } from './flame-layout';

export const SERVICE_PALETTE: readonly RGB[] = [
  [0x56, 0xb4, 0xe9], // sky blue
  [0xe6, 0x9f, 0x00], // orange (amber)
  [0x00, 0x9e, 0x73], // bluish green
  [0xf0, 0xe4, 0x42], // yellow
  [0x00, 0x72, 0xb2], // blue
  [0xab, 0xdd, 0xa4], // light green
  [0xb0, 0x88, 0x50], // tan
  [0x33, 0x22, 0x88], // indigo
];

/** Smallest contrast between a box and the background (WCAG ratio). Boxes are large, labelled and separated by a 1 px gap of background, so this only keeps the palest colour (yellow) from vanishing on white. */
export const MIN_BOX_CONTRAST = 1.25;

/** The palette adjusted for a background: each colour moved towards white (dark bg) or black (light bg) until it has
 * {@link MIN_BOX_CONTRAST} against the background. */
export function themedServicePalette(background: RGB): RGB[] {
  const dark = contrastRatio(background, [0, 0, 0]) < contrastRatio(background, [255, 255, 255]);
  const towards: RGB = dark ? [255, 255, 255] : [0, 0, 0];
  return SERVICE_PALETTE.map((c) => {
    let out = c;
    for (let t = 0.05; contrastRatio(out, background) < MIN_BOX_CONTRAST && t <= 0.8; t += 0.05) out = mix(c, towards, t);
    return out;
  });
}

/**
 * Colour index per service string of the data: services ordered by their time in both runs together (the biggest
 * get the first, most distinct colours), so Baseline and Incident show a service in the same colour. Beyond the
 * palette's length the colours repeat (the legend names the first ones).
 */
export function serviceOrder(data: Pick<FlameData, 'n' | 'service' | 'strings' | 'bSelf' | 'iSelf'>): number[] {
  const weight = new Map<number, number>();
  for (let i = 0; i < data.n; i++) {
    const s = data.service[i]!;
    const w = (data.bSelf[i]! > 0 ? data.bSelf[i]! : 0) + (data.iSelf[i]! > 0 ? data.iSelf[i]! : 0);
    weight.set(s, (weight.get(s) ?? 0) + w);
  }
  return [...weight.keys()].sort((a, b) => weight.get(b)! - weight.get(a)! || (data.strings[a] ?? '').localeCompare(data.strings[b] ?? ''));
}
