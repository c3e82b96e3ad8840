/**
 * Service palette of the Baseline/Incident modes (issue 13 item 12): colour-blind safe (simulated protanopia,
 * deuteranopia and tritanopia, Machado et al. 2009 severity 1), no red (red = slower in Diff mode), distinct from the
 * background in light, dark and high-contrast themes, readable labels, the same colours in both modes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { toFlameData } from '../../../src/core/diff/flame-data';
import { contrastRatio, labelColor, serviceColor, type RGB } from '../../../src/core/diff/flame-layout';
import { SERVICE_PALETTE, MIN_BOX_CONTRAST, serviceOrder, themedServicePalette } from '../../../src/core/diff/flame-palette';
import { knownDiagnosis, knownDiffTree } from '../../fixtures/flame/known-tree';

const CVD: Record<string, number[][]> = {
  normal: [[1, 0, 0], [0, 1, 0], [0, 0, 1]],
  protanopia: [[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216], [-0.003882, -0.048116, 1.051998]],
  deuteranopia: [[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413], [-0.01182, 0.04294, 0.968881]],
  tritanopia: [[1.255528, -0.076749, -0.178779], [-0.078411, 0.930809, 0.147602], [0.004733, 0.691367, 0.3039]],
};
const lin = (v: number) => ((v /= 255) <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4);
const unlin = (v: number) => {
  v = Math.max(0, Math.min(1, v));
  return (v <= 0.0031308 ? v * 12.92 : 1.055 * v ** (1 / 2.4) - 0.055) * 255;
};
const simulate = (c: RGB, m: number[][]): RGB => {
  const l = c.map(lin);
  return m.map((r) => unlin(r[0]! * l[0]! + r[1]! * l[1]! + r[2]! * l[2]!)) as RGB;
};
function lab(c: RGB): [number, number, number] {
  const [r, g, b] = c.map(lin) as RGB;
  const f = (t: number) => (t > 0.008856 ? Math.cbrt(t) : 7.787 * t + 16 / 116);
  const x = f((0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047);
  const y = f(0.2126 * r + 0.7152 * g + 0.0722 * b);
  const z = f((0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883);
  return [116 * y - 16, 500 * (x - y), 200 * (y - z)];
}
const deltaE = (a: RGB, b: RGB) => {
  const p = lab(a);
  const q = lab(b);
  return Math.hypot(p[0] - q[0], p[1] - q[1], p[2] - q[2]);
};
function hue(c: RGB): { h: number; s: number } {
  const [r, g, b] = c.map((v) => v / 255) as RGB;
  const max = Math.max(r, g, b);
  const min = Math.min(r, g, b);
  const d = max - min;
  if (d === 0) return { h: 0, s: 0 };
  const h = max === r ? ((g - b) / d) % 6 : max === g ? (b - r) / d + 2 : (r - g) / d + 4;
  return { h: (h * 60 + 360) % 360, s: d / (1 - Math.abs(max + min - 1) || 1) };
}
const minPairDeltaE = (cs: RGB[], m: number[][]) => {
  let min = Infinity;
  for (let i = 0; i < cs.length; i++) for (let j = i + 1; j < cs.length; j++) min = Math.min(min, deltaE(simulate(cs[i]!, m), simulate(cs[j]!, m)));
  return min;
};

const BACKGROUNDS: Record<string, RGB> = { 'Dark+': [30, 30, 30], 'Light+': [255, 255, 255], 'High Contrast': [0, 0, 0], 'High Contrast Light': [255, 255, 255] };

test('the service palette: no red, distinct for colour-blind eyes, on every theme background', () => {
  assert.ok(SERVICE_PALETTE.length >= 8);
  for (const [theme, bg] of Object.entries(BACKGROUNDS)) {
    const pal = themedServicePalette(bg);
    assert.equal(pal.length, SERVICE_PALETTE.length);
    for (const [vision, m] of Object.entries(CVD)) {
      const d = minPairDeltaE(pal, m);
      assert.ok(d >= 12, `${theme}, ${vision}: two service colours are ΔE ${d.toFixed(1)} apart (want ≥ 12)`);
    }
    for (const c of pal) {
      const { h, s } = hue(c);
      assert.ok(s < 0.25 || (h > 25 && h < 320), `${theme}: ${c} is reddish (hue ${h.toFixed(0)}°, saturation ${s.toFixed(2)}) — red means slower in Diff mode`);
      assert.ok(contrastRatio(c, bg) >= MIN_BOX_CONTRAST, `${theme}: ${c} vs background ${bg}: ${contrastRatio(c, bg).toFixed(2)}`);
      const ink: RGB = labelColor(c) === 'black' ? [0, 0, 0] : [255, 255, 255];
      assert.ok(contrastRatio(c, ink) >= 4.5, `${theme}: label on ${c}: ${contrastRatio(c, ink).toFixed(2)}:1`);
    }
  }
});

test('the old hashed warm colours failed the same checks (the test can fail)', () => {
  const warm = ['frontend', 'payments', 'cart', 'redis', 'inventory', 'fraud', 'auth', 'search'].map((s) => serviceColor(s, false));
  const reddish = warm.filter((c) => {
    const { h, s } = hue(c);
    return s >= 0.25 && (h <= 25 || h >= 320);
  });
  assert.ok(reddish.length > 0 || minPairDeltaE(warm, CVD.deuteranopia!) < 12, 'hash palette was red-ish or indistinct');
});

test('services are ordered by their time in both runs, so the biggest get the first colours in both modes', () => {
  const data = toFlameData(knownDiffTree(), knownDiagnosis());
  const order = serviceOrder(data).map((s) => data.strings[s]);
  // self time summed over both runs: payments 30 + 130, frontend 10+10 + 20+20 (+ root), cart 40, redis 20 …
  assert.equal(order[0], 'payments');
  assert.equal(order[1], 'frontend');
  assert.ok(order.indexOf('cart') < order.indexOf('redis'));
  assert.equal(new Set(order).size, order.length);
});
