#!/usr/bin/env node
// Writes media/icon.png (128×128 RGBA): a small icicle flame graph with the root-cause bar in red.
// Usage: node scripts/make-icon.mjs   (the PNG is committed; rerun only to change the design)
import { writeFileSync } from 'node:fs';
import { deflateSync } from 'node:zlib';

const W = 128, H = 128;
const px = new Uint8Array(W * H * 4);
const hex = (h) => [parseInt(h.slice(1, 3), 16), parseInt(h.slice(3, 5), 16), parseInt(h.slice(5, 7), 16)];

// Coverage-based rounded rectangle with 4×4 supersampling for smooth edges.
function rrect(x0, y0, x1, y1, r, color, alpha = 1) {
  const [cr, cg, cb] = hex(color);
  for (let y = Math.floor(y0); y < Math.ceil(y1); y++) {
    for (let x = Math.floor(x0); x < Math.ceil(x1); x++) {
      let cov = 0;
      for (let sy = 0; sy < 4; sy++) for (let sx = 0; sx < 4; sx++) {
        const px_ = x + (sx + 0.5) / 4, py = y + (sy + 0.5) / 4;
        if (px_ < x0 || px_ > x1 || py < y0 || py > y1) continue;
        const dx = Math.max(x0 + r - px_, 0, px_ - (x1 - r));
        const dy = Math.max(y0 + r - py, 0, py - (y1 - r));
        if (dx * dx + dy * dy <= r * r) cov++;
      }
      if (!cov || x < 0 || y < 0 || x >= W || y >= H) continue;
      const a = (cov / 16) * alpha, i = (y * W + x) * 4;
      const da = px[i + 3] / 255, oa = a + da * (1 - a);
      for (const [k, c] of [[0, cr], [1, cg], [2, cb]]) px[i + k] = Math.round((c * a + px[i + k] * da * (1 - a)) / (oa || 1));
      px[i + 3] = Math.round(oa * 255);
    }
  }
}

rrect(0, 0, 128, 128, 24, '#1b2130');
// icicle: rows from the top, widths ∝ time; the red bar is the root cause
const rows = [
  [[12, 116, '#5b7bb5']],
  [[12, 84, '#6d8cc4'], [86, 116, '#4a6aa3']],
  [[12, 30, '#7f9bd0'], [32, 84, '#e5484d'], [86, 104, '#5b7bb5']],
  [[32, 70, '#f0743e'], [72, 84, '#7f9bd0']],
  [[32, 54, '#f7a046']],
];
rows.forEach((bars, i) => {
  const y = 16 + i * 20;
  for (const [a, b, c] of bars) rrect(a, y, b, y + 16, 3, c);
});
// pulse line under the flame graph
for (let x = 14; x < 114; x++) {
  const t = (x - 14) / 100;
  const y = 112 + (t > 0.45 && t < 0.55 ? -Math.sin((t - 0.45) * Math.PI * 20) * 8 : 0);
  rrect(x, y - 1.5, x + 1.2, y + 1.5, 0.5, '#e8ecf4');
}

const crcTable = new Int32Array(256).map((_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c;
});
const crc32 = (buf) => {
  let c = -1;
  for (const b of buf) c = crcTable[(c ^ b) & 255] ^ (c >>> 8);
  return (c ^ -1) >>> 0;
};
const chunk = (type, data) => {
  const len = Buffer.alloc(4); len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4); crc.writeUInt32BE(crc32(td));
  return Buffer.concat([len, td, crc]);
};
const ihdr = Buffer.alloc(13);
ihdr.writeUInt32BE(W, 0); ihdr.writeUInt32BE(H, 4); ihdr[8] = 8; ihdr[9] = 6; // 8-bit RGBA
const raw = Buffer.alloc((W * 4 + 1) * H);
for (let y = 0; y < H; y++) { raw[y * (W * 4 + 1)] = 0; Buffer.from(px.buffer, y * W * 4, W * 4).copy(raw, y * (W * 4 + 1) + 1); }
const png = Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw, { level: 9 })), chunk('IEND', Buffer.alloc(0))]);
writeFileSync(new URL('../media/icon.png', import.meta.url), png);
console.log(`media/icon.png: ${png.length} bytes`);
